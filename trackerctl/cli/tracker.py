"""`trackerctl tracker ...`: the user API's tracker actions, generated from the registry.

`get-state` and `get-states` are the generated commands with `--watch SECONDS` and `--poll` added
(`get-state` takes many ids as every action on one tracker does; with `--watch` it follows them).

`--watch` takes its updates from the event subscription (`trackerctl.api.subscription`; contract
section 12): one `tracker/list` maps the events' source ids to tracker ids, then the trackers'
states are pushed; the view is redrawn when something changed, at most every SECONDS. `--poll`,
or a platform whose handshake answers HTTP 404 (with one notice), polls instead: one
`tracker/get_states` call per refresh. Both print the same records: the states in the order asked,
then the blocked trackers, then those not found.
"""

from __future__ import annotations

import time
from typing import Any

import typer

from trackerctl.api.endpoints import REGISTRY
from trackerctl.errors import Interrupted, UsageError
from trackerctl.cli.context import AppContext
from trackerctl.cli.generated import registry_group

MAX_WATCHED = 1000  # tracker/get_states takes up to 1000 ids; so does --watch, either way
WATCH_HELP = ("Refresh every SECONDS until Ctrl-C, from the event subscription (pushed updates; the view redrawn at most every SECONDS): "
              "a live table on a terminal, one JSON line per tracker per refresh in a pipe.")
POLL_HELP = "With --watch: poll tracker/get_states every SECONDS instead of subscribing to events."


def get_state_command() -> Any:
    """The generated `get-state` (one tracker or many, CLI-CONTRACT.md section 13) with `--watch`
    and `--poll`: its runner is `run_get_state`, below."""
    from trackerctl.cli.generated import build_command

    action = REGISTRY.by_path("tracker/get_state")
    assert action is not None
    return build_command(action, "get-state", options=_watch_options(), doc=WATCH_DOC, runner=run_get_state)


def run_get_state(app: AppContext, action: Any, values: dict[str, Any]) -> None:
    """get-state: with --watch, follow every TRACKER_ID; otherwise the action on each, as any other."""
    from trackerctl.api.validate import parse_int
    from trackerctl.cli.fleet import run_targets

    watch, poll = watching(values)
    if watch is None:
        return run_targets(app, action, values)
    if values.get("from_file") or values.get("where"):
        raise UsageError("--watch follows the TRACKER_IDs given as arguments: leave out --from-file and --where")
    try:
        ids = [parse_int(text) for text in values.get("tracker_id") or []]
    except ValueError:
        raise UsageError("invalid value for TRACKER_ID: not an integer id") from None
    if not ids:
        raise UsageError("missing argument TRACKER_ID: --watch follows the trackers given")
    watch_states(app, ids, watch, poll=poll)


def watching(values: dict[str, Any]) -> tuple[float | None, bool]:
    """(--watch SECONDS or None, --poll), taken out of the command's values; --poll alone is refused."""
    watch, poll = values.pop("watch", None), values.pop("poll", False)
    if watch is None and poll:
        raise UsageError("--poll goes with --watch SECONDS")
    return watch, poll


def _watch_options() -> list[Any]:
    from trackerctl.cli.generated import extra_option

    return [extra_option("watch", float | None, typer.Option("--watch", metavar="SECONDS", help=WATCH_HELP)),
            extra_option("poll", bool, typer.Option("--poll", help=POLL_HELP), False)]


WATCH_DOC = ("\n\nWith --watch, follows the states of every TRACKER_ID until Ctrl-C (exit 130): pushed by the event "
             "subscription at <API URL>/event/subscription (one tracker/list first, no get_states), or polled with --poll "
             "(one tracker/get_states per refresh; also when the platform has no subscription). A logout ends it with exit 3.")


def get_states_command() -> Any:
    """The generated `get-states` with `--watch` and `--poll`: its runner is `run_get_states`, below."""
    from trackerctl.cli.generated import build_command

    action = REGISTRY.by_path("tracker/get_states")
    assert action is not None
    return build_command(action._replace(handler="trackerctl.cli.tracker:run_get_states"), "get-states",
                         options=_watch_options(), doc=WATCH_DOC)


def run_get_states(app: AppContext, action: Any, values: dict[str, Any]) -> None:
    """get-states: the bulk read, or with --watch the watch of the ids given."""
    from trackerctl.cli.bulk import run_get_states as run_bulk
    from trackerctl.cli.runners import request_body

    watch, poll = watching(values)
    if watch is None:
        return run_bulk(app, action, values)
    values.pop("chunk_size", None)
    values.pop("concurrency", None)
    if not values.get("trackers") and not values.get("from_file") and not app.terminal.stdin_tty:
        values["from_file"] = "-"
    ids = request_body(app, action, values).get("trackers") or []
    if not ids:
        raise UsageError("give the TRACKER_IDs to watch")
    watch_states(app, [int(i) for i in ids], watch, poll=poll)


def watch_states(app: AppContext, tracker_ids: list[int], every: float, *, poll: bool = False) -> None:
    """Follow the trackers' states until Ctrl-C: pushed, or polled (`poll`, or a platform without
    the subscription); states of blocked or missing trackers are reported, not fatal."""
    from trackerctl.api.channel import ChannelRefused

    if not 0.5 <= every <= 86400:
        raise UsageError("invalid value for --watch: between 0.5 and 86400 seconds")
    ids = list(dict.fromkeys(tracker_ids))
    if len(ids) > MAX_WATCHED:
        raise UsageError(f"--watch follows at most {MAX_WATCHED} trackers")
    try:
        if not poll:
            try:
                return _watch_pushed(app, ids, every)
            except ChannelRefused as e:
                if e.status != 404:
                    raise
                app.output.notice(f"{e.message}; this platform has no event subscription: polling tracker/get_states every {every:g} s instead")
        _watch_polled(app, ids, every)
    except KeyboardInterrupt:
        raise Interrupted("interrupted") from None


def _watch_polled(app: AppContext, ids: list[int], every: float) -> None:
    """One get_states call per refresh."""
    from trackerctl.cli.request import build_request

    states = REGISTRY.by_path("tracker/get_states")
    assert states is not None
    body = build_request(states, {"trackers": ids, "list_blocked": True, "allow_not_exist": True})
    client = app.client()
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


def _watch_pushed(app: AppContext, ids: list[int], every: float) -> None:
    """One tracker/list (source id -> tracker ids), then the subscription's events; the view is
    redrawn when something changed, at most every `every` seconds (the first time once every
    tracker that has a state has sent it, or after `every`)."""
    from trackerctl.api.client import SANDBOX
    from trackerctl.api.subscription import Subscription
    from trackerctl.errors import NotLoggedIn

    states_action = REGISTRY.by_path("tracker/get_states")
    assert states_action is not None
    client = app.client()
    if app.offline:  # --dry-run: the one request the watch sends is printed (and ends it); no channel is opened
        client.call("tracker/list", {}, api="user")
        return
    credential = client.credential("user")  # the user credential requests carry; None under the sandbox's implicit auth
    if credential is None and app.api_url != SANDBOX:
        raise NotLoggedIn("user")
    sub = Subscription(_subscription_opener(app), credential, ids, timeout=app.timeout, rate_limit=every, notice=app.output.notice)
    try:
        sub.open()  # the handshake first: a platform without the subscription (404) costs no request
        listed = client.call("tracker/list", {}, api="user").get("list") or []  # source id -> tracker ids, before subscribing
        asked = set(ids)
        sources: dict[int, list[int]] = {}
        for tracker in listed:
            source = tracker.get("source") if isinstance(tracker, dict) else None
            if isinstance(source, dict) and type(source.get("id")) is int and tracker.get("id") in asked:
                sources.setdefault(source["id"], []).append(tracker["id"])
        status = dict(sub.subscribe())
        states: dict[int, dict[str, Any]] = {}
        with app.output.live(states_action.columns) as update:
            dirty, drawn = True, None
            started = time.monotonic()
            while True:
                now = time.monotonic()
                due = started + every if drawn is None else drawn + every
                if dirty and (now >= due or (drawn is None and _complete(ids, status, states))):
                    update(_rows(ids, status, states))
                    dirty, drawn, due = False, now, now + every
                for message in sub.poll(max(0.0, due - now) if dirty else every):
                    dirty = _apply(message, sources, status, states) or dirty
    finally:
        sub.close()


def _subscription_opener(app: AppContext) -> Any:
    """`open(query, timeout) -> Channel` of the event subscription: a socket on the API URL's host,
    port and base path (ws/wss), or the in-process sandbox's session."""
    from trackerctl.api import channel
    from trackerctl.api.client import SANDBOX
    from trackerctl.api.subscription import PATH, subscription_url

    if app.api_url == SANDBOX:
        from urllib.parse import parse_qsl

        from trackerctl.sandbox import channels

        def open_session(query: str, timeout: float) -> Any:
            app.trace(f"> GET /v2{PATH}?{query} (in-process)")
            try:
                session = channels.open_channel(app.sandbox, f"/v2{PATH}", dict(parse_qsl(query)), time.monotonic())
            except channels.ChannelRefused as e:
                raise channel.ChannelRefused(f"cannot open the event subscription: the sandbox refused it (HTTP {e.status}: {e.reason})",
                                             e.status) from None
            return channel.SessionChannel(session, name="the event subscription")

        return open_session
    base = subscription_url(app.api_url)
    verify = app._tls_context() if base.startswith("wss:") else True  # the HTTP client's trust, --ca-bundle included

    def open_socket(query: str, timeout: float) -> Any:
        url = f"{base}?{query}"
        app.trace(f"> GET {url} (WebSocket)")
        return channel.WebSocketChannel.open(url, timeout=timeout, verify=verify, name="the event subscription")

    return open_socket



def _apply(message: dict[str, Any], sources: dict[int, list[int]], status: dict[int, str],
           states: dict[int, dict[str, Any]]) -> bool:
    """Take one message into `status` and `states`; whether the view changed."""
    from trackerctl.api.subscription import event_states, response_statuses

    if message.get("type") == "response":
        new = response_statuses(message)
        changed = any(status.get(i) != s for i, s in new.items())
        status.update(new)
        return changed
    if message.get("type") != "event":
        return False
    event = message.get("event")
    changed = False
    if event in ("state", "state_batch"):
        for state in event_states(message):
            for tracker_id in sources.get(state.get("source_id"), ()):  # type: ignore[arg-type]
                if states.get(tracker_id) != state or status.get(tracker_id) != "normal":
                    states[tracker_id], status[tracker_id], changed = state, "normal", True
    elif event == "lifecycle" and isinstance(message.get("data"), dict):
        data = message["data"]
        now = {"block": "blocked", "unblock": "normal", "corrupt": "unknown"}.get(data.get("lifecycle_event"))
        for tracker_id in sources.get(data.get("source_id"), ()):  # type: ignore[arg-type]
            if now and status.get(tracker_id) != now:
                status[tracker_id], changed = now, True
    return changed


def _complete(ids: list[int], status: dict[int, str], states: dict[int, dict[str, Any]]) -> bool:
    return all(i in states for i in ids if status.get(i) == "normal")


def _rows(ids: list[int], status: dict[int, str], states: dict[int, dict[str, Any]]) -> list[dict[str, Any]]:
    """The polling watch's records: the states in the order asked, then blocked, then not found."""
    rows = [{"tracker_id": i, **states[i]} for i in ids if status.get(i) == "normal" and i in states]
    rows += [{"tracker_id": i, "connection_status": "blocked"} for i in ids if status.get(i) == "blocked"]
    rows += [{"tracker_id": i, "connection_status": "not found"} for i in ids if status.get(i) not in ("normal", "blocked")]
    return rows


def command_names_itself(body: dict[str, Any]) -> None:
    """send_command's body: the command must name itself (checked before sending, for one tracker or
    many); which commands a tracker's model accepts is the platform's to say (its special_control),
    so no read of the tracker or its model goes first."""
    name = body["command"].get("name")
    if not isinstance(name, str) or not name:
        raise UsageError('invalid value for --command: the command needs a "name", such as set_special_settings_command')


command = registry_group(("tracker",), overrides={"get-state": get_state_command, "get-states": get_states_command})

