"""`trackerctl history`: the audit log (`trackerctl.audit`), oldest first, in every output format.

Records are the log's lines as written: `{"list": [...]}` in json like the list commands, one line
each in jsonl, and `time, user, profile, api, action, code, journal` in a table or csv
(`--columns params.tracker_id` reaches into the parameters).

`--profile` is a filter here: the command declares its own `--profile`, which stands in for the
global option of that name at this level (`with_global_options` lets a command's own option shadow
a global one). Without it every profile's lines are shown; TRACKERCTL_PROFILE and the config's
current profile choose no lines. `trackerctl --profile NAME history`, the global option given
before the command, filters too: it is the same option given explicitly.
"""

from __future__ import annotations

from collections.abc import Iterator
from fnmatch import fnmatchcase
from typing import Annotated, Any

import typer

from trackerctl.cli.context import AppContext
from trackerctl.cli.options import DISPLAY, OUTPUT, with_global_options
from trackerctl.errors import UsageError

# The fields of a record, for --columns (trackerctl.cli.fields); `params.*`: the request's parameters.
FIELDS = ("time", "user", "profile", "api", "action", "params.*", "code", "journal")
COLUMNS = ("time", "user", "profile", "api", "action", "code", "journal")

app = typer.Typer(name="history", rich_markup_mode=None, add_completion=False)


@app.command("history")
@with_global_options(uses=DISPLAY | OUTPUT)
def history(
    app_: AppContext,
    since: Annotated[str | None, typer.Option("--since", metavar="WHEN", show_default=False,
                     help="Only writes since then: a duration ago (90s, 15m, 12h, 30d, 2w) or a UTC date or time "
                          "(2026-12-01, 2026-12-01T10:25Z).")] = None,
    action: Annotated[str | None, typer.Option("--action", metavar="PATH", show_default=False,
                      help="Only this action: its API path (panel/tracker/move) or its command (\"panel tracker move\", "
                           "panel-tracker-move); * matches anything (\"panel/tracker/*\").")] = None,
    profile: Annotated[str | None, typer.Option("--profile", metavar="NAME", show_default=False,
                       help="Only the writes of this profile (default: every profile's).")] = None,
) -> None:
    """Show the audit log: every write trackerctl sent, who sent it and how it ended.

    Every write request, single or bulk, adds one line to $XDG_STATE_HOME/trackerctl/audit.jsonl:
    the time (UTC), the OS user, the profile, the API and its action, the parameters with every
    secret removed, the result code (0 success, the API's error code, or null when the outcome is
    unknown) and the run's journal. Reads, logins and --dry-run add nothing. The log is read oldest
    first, the file rotated at 10 MiB (audit.jsonl.1) included; a line that is not JSON is skipped
    with a notice.

    Example: trackerctl history --since 12h --action 'panel tracker *' -o csv
    """
    from trackerctl.audit import History
    from trackerctl.output import check_columns
    from trackerctl.when import parse_instant, stamp

    since_stamp = None
    if since is not None:
        moment = parse_instant(since)
        if moment is None:
            raise UsageError(f"invalid --since {since!r}: a duration such as 12h, 30d or 2w, "
                             "or a UTC date or time such as 2026-12-01 or 2026-12-01T10:25Z")
        since_stamp = stamp(moment)
    pattern = action_pattern(action) if action is not None else None
    wanted = profile if profile is not None else app_.options.profile  # given explicitly, before or after `history`
    if wanted is not None and not wanted.strip():
        raise UsageError("invalid value for --profile: empty")
    app_.record_fields = ("history", FIELDS)
    if app_.columns:
        check_columns(app_.columns, FIELDS, "history")

    log = History(app_.state_dir / "audit.jsonl")

    def chosen() -> Iterator[dict[str, Any]]:
        for entry in log:
            if since_stamp is not None and not str(entry.get("time", "")) >= since_stamp:
                continue
            if pattern is not None and not fnmatchcase(str(entry.get("action", "")), pattern):
                continue
            if wanted is not None and entry.get("profile") != wanted:
                continue
            yield entry

    app_.output.stream(chosen(), columns=COLUMNS)
    if log.skipped:
        app_.output.notice(f"skipped {log.skipped} line{'s' if log.skipped > 1 else ''} of the audit log that "
                           f"{'are' if log.skipped > 1 else 'is'} not JSON ({log.path})")


def action_pattern(text: str) -> str:
    """The API path (a glob) that --action means: `panel/tracker/move` as it is; the command's words
    (`panel tracker move`, `tracker raw-command send`, aliases too) or its page name
    (`panel-tracker-move`, as in trackerctl-panel-tracker-move(1)) as the path of their action."""
    text = text.strip()
    if not text:
        raise UsageError("invalid value for --action: empty")
    words = tuple(text.split())
    if "*" not in text and "/" not in text:
        from trackerctl.api.endpoints import REGISTRY

        for known in REGISTRY.actions:
            for path in (known.command_path, *known.aliases):
                if words == path or words == ("-".join(path),):
                    return known.path
    return "/".join(w.strip("/") for w in words).replace("-", "_")


command = typer.main.get_command(app)
