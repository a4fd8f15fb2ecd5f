"""Man pages in the style of git and gh, generated from the command tree.

`trackerctl(1)` lists every command; each group (`trackerctl-panel-tracker(1)`) lists its
sub-commands; each command (`trackerctl-panel-tracker-clone(1)`) has its name, synopsis, help,
the API path and permission it needs (from the action registry), its options and arguments, the
global options, an example, the environment, exit codes, files, and related pages.

The pages are plain man(7) macros (TH, SH, SS, TP, PP, RS/RE, nf/fi, B/I fonts), which groff and
mandoc both render; `groff -man -ww -z` has nothing to say about them (tests/unit/test_man.py).
"""

from __future__ import annotations

import re
from typing import Any

from trackerctl.cli.docs.tree import Arg, Node, Opt, paragraphs, walk

# The contract's environment (CLI-CONTRACT.md section 3), plus the variables the code reads beside it.
# tests/unit/test_man.py fails when the package reads a TRACKERCTL_* variable that is not listed here.
ENVIRONMENT: list[tuple[str, str]] = [
    ("TRACKERCTL_PROFILE", "The profile to use when --profile is not given (default: the config's current_profile, else default)."),
    ("TRACKERCTL_API_URL", "The base URL, as --api-url: eu, us, me, sandbox, or a URL."),
    ("TRACKERCTL_OUTPUT", "The output format, as -o: table, json, jsonl or csv."),
    ("TRACKERCTL_TIMEOUT", "The deadline of each request in seconds, as --timeout."),
    ("TRACKERCTL_CA_BUNDLE", "CA certificates to trust, as --ca-bundle."),
    ("TRACKERCTL_MAX_ATTEMPTS", "Tries per request, the first included, for answers that may be retried (1 to 20; default 6)."),
    ("TRACKERCTL_MAX_ANSWER_MB", "The largest answer read, in MiB after decompression (a positive whole number; default 64); a larger one is exit 5."),
    ("TRACKERCTL_TYPER_PATCH", "0 leaves out trackerctl's faster handling of Typer's parameters (start-up is slower; for telling a Typer upgrade's fault from trackerctl's)."),
    ("NO_COLOR", "When set, plain text without colour, as --no-color."),
    ("TRACKERCTL_HASH", "The user-API credential (session hash or API key), used over any stored one."),
    ("TRACKERCTL_PANEL_HASH", "The panel session hash, used over any stored one."),
    ("TRACKERCTL_LOGIN, TRACKERCTL_PASSWORD",
     "User-API login and password for a non-interactive `auth login`, and to renew an ended session by itself (cron, containers)."),
    ("TRACKERCTL_PANEL_LOGIN, TRACKERCTL_PANEL_PASSWORD",
     "The same for the dealer panel, whose sessions end after 24 hours."),
    ("TRACKERCTL_CONFIG", "The path of the config file."),
    ("TRACKERCTL_KEYRING", "0, off or file: keep secrets in the credentials file instead of the OS keyring."),
    ("TRACKERCTL_CONSOLE_URL", "The device console's ws:// or wss:// URL for `panel tracker console open`, over the profile's console_url and the one the API URL implies."),
    ("TRACKERCTL_SANDBOX_DB", "The SQLite file of the sandbox (--api-url sandbox)."),
    ("HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY",
     "A proxy to send requests through, and the hosts to reach directly (any case; as curl reads them)."),
    ("SSL_CERT_FILE, SSL_CERT_DIR",
     "CA certificates to trust instead of the bundled ones (certifi), when no --ca-bundle is given."),
    ("XDG_CONFIG_HOME", "Where the config directory is (default ~/.config)."),
    ("XDG_DATA_HOME", "Where the sandbox database is (default ~/.local/share)."),
    ("XDG_STATE_HOME", "Where the journals of runs that wrote and the audit log are (default ~/.local/state)."),
]

EXIT_STATUS: list[tuple[str, str]] = [
    ("0", "Success."),
    ("1", "The API answered with an error not listed below."),
    ("2", "Usage or validation error; nothing was sent."),
    ("3", "Authentication: no credential and no login to obtain one, a wrong hash or login, "
          "a session that ended and could not be renewed (API codes 3, 4, 102, 103, 276)."),
    ("4", "Not found (API codes 201, 204, 217, 258)."),
    ("5", "A transient or server-side failure that outlasted the retries (API codes 1, 6, 8, 14, 15, "
          "HTTP 5xx, connection errors, timeouts), or an answer that is not the API's JSON; "
          "for a write that timed out after it was sent, the outcome is unknown."),
    ("6", "Partial failure of a bulk command: some items succeeded, some failed."),
    ("130", "Interrupted."),
]

FILES: list[tuple[str, str]] = [
    ("$XDG_CONFIG_HOME/trackerctl/config.toml",
     "The config file (or TRACKERCTL_CONFIG): profiles with their api_url and defaults such as output. "
     "Never secrets. Managed with trackerctl-profile(1)."),
    ("$XDG_CONFIG_HOME/trackerctl/credentials.json",
     "Secrets (session hashes, API keys, kept passwords), mode 0600, beside the config file: used only where "
     "no OS keyring is usable (headless servers, cron, containers). `trackerctl auth login` says where it stored them."),
    ("$XDG_DATA_HOME/trackerctl/sandbox.sqlite",
     "The sandbox database (or TRACKERCTL_SANDBOX_DB), created and seeded on first use of --api-url sandbox."),
    ("$XDG_STATE_HOME/trackerctl/audit.jsonl",
     "The audit log, mode 0600: one JSON line per write request sent, single or bulk (time, OS user, profile, API and "
     "action, parameters with secrets removed, result code, journal). Rotated at 10 MiB to audit.jsonl.1, one old file "
     "kept. Shown by trackerctl-history(1)."),
]


def pages(root: Node | None = None) -> dict[str, str]:
    """File name in man/ -> roff text: trackerctl.1, one page per group and per command."""
    root = root or walk()
    out = {}
    for node in root.walk():
        out[page_name(node.path) + ".1"] = page(node, root)
    return out


def page_name(path: tuple[str, ...]) -> str:
    return "-".join(("trackerctl",) + path)


def page(node: Node, root: Node) -> str:
    if not node.path:
        return _root_page(root)
    if node.is_group:
        return _group_page(node, root)
    return _leaf_page(node, root)


# ---- roff ----------------------------------------------------------------------------------------
def esc(text: str) -> str:
    """Plain text for roff: backslashes, hyphens (so that options copy as typed), non-ASCII."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return "".join(c if ord(c) < 128 else f"\\[u{ord(c):04X}]" for c in text)


def prose(text: str) -> str:
    """A paragraph of help text: `code` in bold, one line, safe at the start of a line."""
    parts = re.split(r"`([^`]+)`", " ".join(text.split()))
    out = "".join(_breakable(esc(p)) if i % 2 == 0 else f"\\fB{esc(p)}\\fR" for i, p in enumerate(parts))
    return _line(out)


def _breakable(text: str) -> str:
    """Long words (URLs) get break points after / ? & =, since hyphenation is off."""
    return re.sub(r"\S{40,}", lambda m: re.sub(r"([/?&=])", r"\1\\:", m.group(0)), text)


def _line(text: str) -> str:
    return "\\&" + text if text.startswith((".", "'")) else text


def _b(text: str) -> str:
    return f"\\fB{esc(text)}\\fR"


def _i(text: str) -> str:
    return f"\\fI{esc(text)}\\fR"


def _ref(path: tuple[str, ...]) -> str:
    return f"\\fB{esc(page_name(path))}\\fR(1)"


def _header(node: Node, summary: str) -> list[str]:
    name = page_name(node.path)
    return [
        f".\\\" {name}(1): generated from the command tree by `python -m trackerctl.cli.docs`; do not edit.",
        f'.TH "{esc(name.upper())}" "1" "" "trackerctl" "trackerctl Manual"',
        ".nh",
        ".ad l",
        ".SH NAME",
        f"{esc(name)} \\- {esc(summary.replace('`', '').rstrip('.'))}",
    ]


def _section(title: str) -> str:
    return f'.SH "{title}"' if " " in title else f".SH {title}"


def _tp(term: str, body: str) -> list[str]:
    return [".TP", term, body]


def _opt_term(o: Opt) -> str:
    names = sorted(o.names, key=lambda n: (n.startswith("--"), o.names.index(n)))  # -o, --output
    term = ", ".join(_b(n) for n in names)
    if o.takes_value:
        term += " " + _i(o.metavar)
    return term


def _opt_body(o: Opt) -> str:
    text = o.help
    said = set(re.findall(r"[\w.-]+", f"{o.help} {o.metavar}"))
    if o.completer.words and not set(o.completer.words) <= said:
        text += f" One of: {', '.join(o.completer.words)}."
    return prose(text)


def _arg_term(a: Arg) -> str:
    return _i(a.metavar + ("..." if a.variadic else ""))


def _synopsis(node: Node) -> list[str]:
    parts = [_b(node.name)]
    if node.is_group:
        if node.has_globals:
            parts.append(f"[{_i('OPTIONS')}]")
        parts.append(f"{_i('COMMAND')} [{_i('ARGS')}]...")
    else:
        if any(not o.is_global and o.long != "--help" for o in node.options) or node.has_globals:
            parts.append(f"[{_i('OPTIONS')}]")
        for a in node.args:
            t = _arg_term(a)
            parts.append(t if a.required else f"[{t}]")
    return [_section("SYNOPSIS"), " ".join(parts)]


def _options_section(title: str, opts: list[Opt]) -> list[str]:
    if not opts:
        return []
    out = [_section(title)]
    for o in opts:
        out += _tp(_opt_term(o), _opt_body(o))
    return out


def _example(node: Node) -> list[str]:
    if not node.example:
        return []
    return [_section("EXAMPLES"), ".PP", ".RS 4", ".nf", _line(esc(node.example)), ".fi", ".RE"]


def _environment() -> list[str]:
    out = [_section("ENVIRONMENT")]
    for name, text in ENVIRONMENT:
        out += _tp(", ".join(_b(n) for n in name.split(", ")), prose(text))
    return out


def _exit_status() -> list[str]:
    out = [_section("EXIT STATUS")]
    for code, text in EXIT_STATUS:
        out += _tp(_b(code), prose(text))
    return out


def _files() -> list[str]:
    out = [_section("FILES")]
    for path, text in FILES:
        out += _tp(_i(path), prose(text))
    return out


def _see_also(refs: list[tuple[str, ...]]) -> list[str]:
    seen: list[tuple[str, ...]] = []
    for r in refs:
        if r not in seen:
            seen.append(r)
    return [_section("SEE ALSO"), ",\n".join(_ref(r) for r in seen)]


def _commands_section(title: str, nodes: list[Node], parent: Node | None) -> list[str]:
    out = [_section(title)]
    for n in nodes:
        line = parent.listing.get(n.path[-1]) if parent else None
        out += _tp(f"{_b(n.name)}", prose(line or n.summary) + f"\nSee {_ref(n.path)}.")
    return out


# ---- pages ---------------------------------------------------------------------------------------
def _root_page(root: Node) -> str:
    out = _header(root, "the command line for the Navixy GPS-tracking APIs")
    out += _synopsis(root)
    paras = [p for p in paragraphs(root.help) if not p.startswith("Exit codes:")]
    out.append(_section("DESCRIPTION"))
    for i, p in enumerate(paras):
        if i:
            out.append(".PP")
        out.append(prose(p))
    out += [".PP", prose(
        "The command tree mirrors the API paths: `tracker/get_state` is `trackerctl tracker get-state`, "
        "`panel/tracker/delete_clone` is `trackerctl panel tracker delete-clone`. Every command has `--help`, "
        "and a page of its own: `man trackerctl-panel-tracker-clone`."
    )]
    out += _commands_section("COMMANDS", root.children, root)
    leaves = [n for n in root.walk() if n.path and not n.is_group and n.canonical is None]
    out.append(_section("ALL COMMANDS"))
    for n in leaves:
        out += _tp(_b(n.name), prose(n.summary))
    out += _options_section("GLOBAL OPTIONS", [o for o in root.options if o.long != "--help"])
    out += [".PP", prose(
        "Global options are accepted before the command (`trackerctl -o json tracker list`) and after it "
        "(`trackerctl tracker list -o json`)."
    )]
    out += _environment() + _exit_status() + _files()
    out += _see_also([c.path for c in root.children])
    return "\n".join(out) + "\n"


def _opening(node: Node) -> list[str]:
    """NAME, SYNOPSIS and the DESCRIPTION's paragraphs, as every command and group page begins."""
    out = _header(node, node.summary) + _synopsis(node)
    out += [_section("DESCRIPTION"), prose(node.summary)]
    for p in node.description:
        out += [".PP", prose(p)]
    return out


def _group_page(node: Node, root: Node) -> str:
    out = _opening(node)
    aliases = _aliases_of(node, root)
    canon = _group_canonical(node, root)
    if canon and " ".join(canon) not in node.summary:
        out += [".PP", prose(f"The same commands as `{' '.join(('trackerctl',) + canon)}`.")]
    out += _commands_section("COMMANDS", node.children, node)
    out += _see_also([(), *([node.path[:-1]] if len(node.path) > 1 else []), *aliases])
    return "\n".join(out) + "\n"


def _leaf_page(node: Node, root: Node) -> str:
    out = _opening(node)
    if node.canonical:
        out += [".PP", prose(f"An alias of `{' '.join(('trackerctl',) + node.canonical)}`: the same command.")]
    if node.action is not None:
        out += _api_section(node)
    if node.args:
        out.append(_section("ARGUMENTS"))
        for a in node.args:
            out += _tp(_arg_term(a), prose(a.help + ("" if a.required or a.variadic else " (optional)")))
    own = [o for o in node.options if not o.is_global and o.long != "--help"]
    out += _options_section("OPTIONS", own)
    out += _options_section("GLOBAL OPTIONS", [o for o in node.options if o.is_global])
    out += _example(node)
    if node.action is not None:
        out += _errors_section(node.action)
    out += _environment() + _exit_status() + _files()
    refs = [(), node.path[:-1]]
    if node.canonical:
        refs.append(node.canonical)
    refs += _aliases_of(node, root)
    out += _see_also(refs)
    return "\n".join(out) + "\n"


def _api_section(node: Node) -> list[str]:
    a = node.action
    api = "the dealer panel API (a panel session: `trackerctl auth login --panel`)" if a.api == "panel" else "the user API"
    out = [_section("API"), prose(f"Calls `POST {a.path}` on {api}.")]
    if a.permission:
        what = "panel permission" if a.api == "panel" else "sub-user right"
        out += [".PP", prose(f"Requires {what}: {a.permission}.")]
    notes = []
    if a.destructive:
        notes.append("Destructive: asks for confirmation on a terminal; without one it needs `--yes` (or `--dry-run`).")
    if a.bulk_key:
        limit = f" (at most {a.max_chunk} per request)" if a.max_chunk else ""
        notes.append(f"Bulk: takes any number of ids and sends them in as many requests as needed{limit}; "
                     "every item is reported, and the exit status is 6 when some item failed.")
    if a.paginated:
        notes.append("Paginated: `--all` fetches every page.")
    for n in notes:
        out += [".PP", prose(n)]
    return out


def _errors_section(a: Any) -> list[str]:
    if not a.errors:
        return []
    out = [_section("ERRORS"), prose("The API documents list these errors for this action:")]
    for code in a.errors:
        out += _tp(_b(str(code)), prose(_error_text(code)))
    return out


def _error_text(code: int) -> str:
    from trackerctl.api.errors import exit_code_for_api_code
    from trackerctl.api.codes import ERRORS

    text = ERRORS.get(code, ("",))[0]
    return f"{text} (exit {exit_code_for_api_code(code)})." if text else f"Exit {exit_code_for_api_code(code)}."


def _aliases_of(node: Node, root: Node) -> list[tuple[str, ...]]:
    """Other paths of the same command or group: `panel bundle` for `panel tracker bundle` and back."""
    out = []
    if node.action is not None:
        for n in root.walk():
            if n is not node and n.action is node.action:
                out.append(n.path)
    elif node.is_group:
        for n in root.walk():
            if n is not node and n.is_group and _same_group(n, node):
                out.append(n.path)
    return out


def _group_canonical(node: Node, root: Node) -> tuple[str, ...] | None:
    """For an alias group (`panel bundle`), the group whose commands' canonical paths it mirrors."""
    leaves = [n for n in node.walk() if not n.is_group]
    canon = {n.canonical[: len(n.canonical) - (len(n.path) - len(node.path))] for n in leaves if n.canonical}
    if leaves and all(n.canonical for n in leaves) and len(canon) == 1:
        return canon.pop()
    return None


def _same_group(a: Node, b: Node) -> bool:
    """Two groups holding the same actions under the same relative paths."""
    def shape(g: Node) -> set[tuple[tuple[str, ...], str]]:
        return {(x.path[len(g.path):], x.action.path) for x in g.walk() if x.action is not None}

    return bool(shape(a)) and shape(a) == shape(b)
