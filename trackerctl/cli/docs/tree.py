"""The command tree as plain data, read from the real Typer commands.

`walk()` builds the root with `build_cli()` and descends through every group with a context, so
each leaf (aliases such as `panel bundle import` and `panel tracker register-entry` included) is
really built, with the options Typer gives it. Nothing here is declared twice: names, help,
options, arguments and choices all come from the commands; only the completion of values that the
commands leave open as plain text (profile names, file paths, platform names) is added here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from trackerctl.config import BUILTIN_PROFILES, DEFAULT_PROFILE

PROFILES = "profiles"  # dynamic: the profile names in the config file, plus the built-in ones
FILES = "files"  # dynamic: file names

# Built-in profiles that exist without being written down (trackerctl.config.names()).
BUILTIN_PROFILE_NAMES = (DEFAULT_PROFILE, *BUILTIN_PROFILES)


@dataclass(frozen=True)
class Completer:
    """What a value completes to: a fixed set of words, or a dynamic source (PROFILES, FILES)."""

    words: tuple[str, ...] = ()
    dynamic: str | None = None

    def __bool__(self) -> bool:
        return bool(self.words or self.dynamic)


NONE = Completer()


@dataclass(frozen=True)
class Opt:
    names: tuple[str, ...]  # every spelling: --output, -o, and the --no- side of a boolean
    takes_value: bool
    metavar: str  # the value's name in help and synopsis ("" for flags)
    help: str
    completer: Completer = NONE
    required: bool = False
    repeatable: bool = False
    is_global: bool = False  # one of the root's global options, accepted here as well
    default: str = ""  # the default shown in help ("" when none is worth showing)

    @property
    def long(self) -> str:
        return next((n for n in self.names if n.startswith("--")), self.names[0])


@dataclass(frozen=True)
class Arg:
    metavar: str
    help: str
    required: bool
    variadic: bool
    completer: Completer = NONE


@dataclass
class Node:
    path: tuple[str, ...]  # () for the root
    summary: str  # one line
    help: str  # the command's whole help text (paragraphs)
    epilog: str
    options: list[Opt]
    args: list[Arg]
    children: list[Node] = field(default_factory=list)
    listing: dict[str, str] = field(default_factory=dict)  # child name -> its line in `--help`
    action: Any = None  # the registry Action of an API command
    canonical: tuple[str, ...] | None = None  # an alias's main command path

    @property
    def name(self) -> str:
        return " ".join(("trackerctl",) + self.path)

    @property
    def is_group(self) -> bool:
        return bool(self.children)

    @property
    def has_globals(self) -> bool:
        return any(o.is_global for o in self.options)

    def walk(self) -> list[Node]:
        """This node and every node below it, depth first, in help order."""
        out = [self]
        for child in self.children:
            out += child.walk()
        return out

    @property
    def example(self) -> str:
        """The `Example: ...` line of the epilog or of the help text ("" when there is none)."""
        for text in (self.epilog, self.help):
            for para in paragraphs(text):
                if para.startswith("Example:"):
                    return para[len("Example:"):].strip()
        return ""

    @property
    def description(self) -> list[str]:
        """Help paragraphs after the summary, without the API line and the example."""
        paras = paragraphs(self.help)[1:]
        return [p for p in paras if not p.startswith(("Example:", "API: POST "))]


def paragraphs(text: str) -> list[str]:
    """Paragraphs of a help text, each on one line."""
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", text or "") if p.strip()]


def first_sentence(text: str, limit: int = 72) -> str:
    """A short description for completion menus: the first sentence, without [env: ...] and (optional)."""
    text = re.sub(r"\s*\[env: [^]]*\]|\s*\(optional\)", "", " ".join(text.split()))
    m = re.match(r"(.+?)\.(\s+[A-Z]|$)", text)
    s = (m.group(1) if m else text).rstrip(".")
    if len(s) > limit:
        s = s[: limit - 3].rsplit(" ", 1)[0].rstrip(",;:") + "..."
    return s


# ---- building it -----------------------------------------------------------------------------------
def walk() -> Node:
    """The whole command tree of trackerctl, built as `trackerctl` itself builds it."""
    import typer

    from trackerctl.cli.app import build_cli
    from trackerctl.cli.framework import Context

    root = typer.main.get_command(build_cli())
    ctx = Context(root, info_name="trackerctl", **root.context_settings)
    globals_ = {tuple(o.names): o for o in _options(root, ctx, ()) if o.long not in ("--version", "--help")}
    return _node(root, ctx, (), globals_, "")


def _node(cmd: Any, ctx: Any, path: tuple[str, ...], globals_: dict, listed: str) -> Node:
    from trackerctl.cli.framework import Context, TyperGroup
    from trackerctl.api.endpoints import REGISTRY
    from trackerctl.cli.request import option

    help_ = cmd.help or ""
    summary = (paragraphs(help_) or [listed])[0]
    options = [_mark_global(o, globals_) for o in _options(cmd, ctx, path)]
    action = REGISTRY.by_command(path) if path else None
    if action is not None:  # API options are checked by the validator, not by Typer: the registry says which are required
        required = {option(p) for p in action.options if p.required}
        options = [replace(o, required=True) if o.long in required else o for o in options]
    args = [_argument(p, path) for p in cmd.params if p.param_type_name == "argument"]
    node = Node(path, summary, help_, cmd.epilog or "", options, args, action=action)
    if action is not None and path != action.command_path:
        node.canonical = action.command_path
    if isinstance(cmd, TyperGroup):
        for name in cmd.list_commands(ctx):
            lazy = getattr(cmd, "children", {})
            sub = cmd.get_command(ctx, name)
            line = lazy[name][1] if name in lazy else sub.get_short_help_str(limit=200)
            node.listing[name] = line
            sub_ctx = Context(sub, info_name=name, parent=ctx, **sub.context_settings)
            node.children.append(_node(sub, sub_ctx, path + (name,), globals_, line))
    return node


def _options(cmd: Any, ctx: Any, path: tuple[str, ...]) -> list[Opt]:
    out = []
    for p in cmd.get_params(ctx):
        if p.param_type_name != "option" or getattr(p, "hidden", False):
            continue
        is_help = p.name == "help"
        names = tuple(p.opts) + tuple(p.secondary_opts)
        if is_help:  # Typer makes these from a set: put them in a stable order
            names = tuple(sorted(names, key=lambda n: (not n.startswith("--"), n)))
        takes_value = not p.is_flag and not is_help
        metavar = (p.metavar or _type_metavar(p)) if takes_value else ""
        out.append(Opt(
            names=names,
            takes_value=takes_value,
            metavar=metavar,
            help="Show the help and exit." if is_help else " ".join((p.help or "").split()),
            completer=_option_completer(p, path) if takes_value else NONE,
            required=bool(p.required),
            repeatable=bool(p.multiple),
            default=_default(p) if takes_value else "",
        ))
    return out


def _default(p: Any) -> str:
    if not p.show_default or p.default is None or isinstance(p.default, (list, tuple)):
        return ""
    return str(p.default)


def _mark_global(o: Opt, globals_: dict) -> Opt:
    g = globals_.get(tuple(o.names))
    if g is not None and g == o:
        return Opt(**{**o.__dict__, "is_global": True})
    return o


def _type_metavar(p: Any) -> str:
    d = p.type_descriptor
    if d.is_choice and d.choices:
        return "|".join(str(c) for c in d.choices)
    return {int: "INTEGER", float: "NUMBER"}.get(d.annotation, "TEXT")


def _choices(p: Any) -> tuple[str, ...]:
    d = p.type_descriptor
    return tuple(str(c) for c in d.choices) if d.is_choice and d.choices else ()


def _option_completer(p: Any, path: tuple[str, ...]) -> Completer:
    """Values of an option: its choices, or a completer for the plain-text options listed here."""
    from trackerctl.api.client import PLATFORMS, SANDBOX
    from trackerctl.output import FORMATS

    if _choices(p):
        return Completer(_choices(p))
    long = next((n for n in p.opts if n.startswith("--")), "")
    if long == "--profile":
        return Completer(dynamic=PROFILES)
    if long == "--api-url":  # a URL, or one of these names
        return Completer((*PLATFORMS, SANDBOX))
    if long == "--output":  # `profile set --output FORMAT`: the default format, as text
        return Completer(FORMATS)
    if _is_file(p.metavar):
        return Completer(dynamic=FILES)
    return NONE


def _argument(p: Any, path: tuple[str, ...]) -> Arg:
    from trackerctl.api.endpoints import REGISTRY

    metavar = (p.metavar or p.name.upper()).rstrip(".")
    variadic = p.nargs == -1
    if _choices(p):
        completer = Completer(_choices(p))
    elif path[:1] == ("profile",) and p.name == "name":
        completer = Completer(dynamic=PROFILES)
    elif path == ("api",) and p.name == "path":  # any action path; the registry's are offered
        completer = Completer(tuple(a.path for a in REGISTRY.actions))
    elif _is_file(metavar):
        completer = Completer(dynamic=FILES)
    else:
        completer = NONE
    return Arg(metavar.strip("[]"), " ".join((p.help or "").split()), bool(p.required), variadic, completer)


def _is_file(metavar: str | None) -> bool:
    """PATH, FILE, FILE|- (not JSON|@FILE|-: a file there needs its @)."""
    return bool(re.fullmatch(r"(PATH|FILE)(\|-)?", metavar or ""))
