"""`trackerctl tracker ...`: the user API's tracker actions, generated from the registry.

One command is written by hand over its registry entry: `get-state`, which takes several ids
and `--watch SECONDS` (one `tracker/get_states` call per refresh).
"""

from __future__ import annotations

import time
from typing import Annotated, Any

import typer

from trackerctl.api.endpoints import REGISTRY
from trackerctl.errors import Interrupted, UsageError
from trackerctl.cli.context import AppContext
from trackerctl.cli.generated import epilog, help_text, registry_group
from trackerctl.cli.options import with_global_options

MAX_WATCHED = 500


def get_state_command() -> Any:
    action = REGISTRY.by_path("tracker/get_state")
    assert action is not None

    def get_state(
        app: AppContext,
        tracker_ids: Annotated[list[int], typer.Argument(metavar="TRACKER_ID...", help="ID of the tracker; several with --watch.", show_default=False)],
        watch: Annotated[float | None, typer.Option("--watch", metavar="SECONDS", help="Refresh every SECONDS until Ctrl-C: a live table on a terminal, one JSON line per tracker per refresh in a pipe.")] = None,
    ) -> None:
        from trackerctl.cli.runners import run_action

        if watch is None:
            if len(tracker_ids) != 1:
                raise UsageError("give one TRACKER_ID, or several with --watch (or use `trackerctl tracker get-states`)")
            return run_action(app, action, {"tracker_id": tracker_ids[0]})
        watch_states(app, tracker_ids, watch)

    get_state.__doc__ = help_text(action) + "\n\nWith --watch, refreshes the states of every TRACKER_ID until Ctrl-C (exit 130)."
    cli = typer.Typer(rich_markup_mode=None, add_completion=False)
    cli.command("get-state", epilog=epilog(action) + "\n\nExample: trackerctl tracker get-state 123456 999119 --watch 5")(with_global_options(get_state))
    return typer.main.get_command(cli)


def watch_states(app: AppContext, tracker_ids: list[int], every: float) -> None:
    """One get_states call per refresh; states of blocked or missing trackers are reported, not fatal."""
    from trackerctl.cli.request import build_request

    if not 0.5 <= every <= 86400:
        raise UsageError("invalid value for --watch: between 0.5 and 86400 seconds")
    ids = list(dict.fromkeys(tracker_ids))
    if len(ids) > MAX_WATCHED:
        raise UsageError(f"--watch follows at most {MAX_WATCHED} trackers")
    states = REGISTRY.by_path("tracker/get_states")
    body = build_request(states, {"trackers": ids, "list_blocked": True, "allow_not_exist": True})
    client = app.client()
    try:
        answer = client.call(states.path, body, api="user")  # before the view opens: a first error leaves it unopened
        with app.output.live(states.columns) as update:
            while True:
                found = answer.get("states") or {}
                rows = [{"tracker_id": i, **found[str(i)]} for i in ids if str(i) in found]
                rows += [{"tracker_id": i, "connection_status": "blocked"} for i in answer.get("blocked") or []]
                rows += [{"tracker_id": i, "connection_status": "not found"} for i in answer.get("not_exist") or []]
                update(rows)
                time.sleep(every)
                answer = client.call(states.path, body, api="user")
    except KeyboardInterrupt:
        raise Interrupted("interrupted") from None


command = registry_group(("tracker",), overrides={"get-state": get_state_command})


def run_send_command(app: AppContext, action: Any, values: dict[str, Any]) -> None:
    """send_command: one request. The command must name itself (checked before sending); which
    commands a tracker's model accepts is the platform's to say (its special_control), so no read
    of the tracker or its model goes first."""
    from trackerctl.cli.runners import request_body, send

    body = request_body(app, action, values)
    name = body["command"].get("name")
    if not isinstance(name, str) or not name:
        raise UsageError('invalid value for --command: the command needs a "name", such as set_special_settings_command')
    send(app, action, body)
