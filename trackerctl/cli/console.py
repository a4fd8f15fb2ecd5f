"""`trackerctl panel tracker console open TRACKER_ID`: the device console (CLI-CONTRACT.md section 12;
spec `websockets.md`, section 1), written by hand beside the registry's `console connect`.

Parse, run, render: the options are checked before anything is sent (exit 2); then the tracker is
read for its IMEI and dealer id (a tracker without an IMEI is exit 2, no key asked), a key is asked
for this one connection (`console/connect`; its errors map as every API error does), the console
is opened (`trackerctl.api.channel`: a socket, or the in-process sandbox's session), each `--send`
goes out once it is open, and every frame that comes back is shown until the run ends: after the
reply to the last command (`--until-reply`), at Ctrl-C (`--follow`, exit 130), or after `--timeout`
seconds without a frame. A console that cannot be opened or that closes is exit 5, one line.

In a pipe (or with -o jsonl/json) every frame is one JSON line, `{"ts": <ISO time received>,
**frame}`; on a terminal, the status table (name/value pairs, updated in place) with the device's
latest output lines below it, through the output's live view (the one `--watch` uses).
"""

from __future__ import annotations

import json
import math
import shutil
import unicodedata
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Annotated, Any

import typer

from trackerctl.cli.context import AppContext
from trackerctl.cli.options import DISPLAY, REQUEST, with_global_options
from trackerctl.errors import TransientError, UsageError

if TYPE_CHECKING:
    from trackerctl.api.channel import Channel

MAX_COMMAND = 300  # characters of one command, as the web panel caps it
DEFAULT_TIMEOUT = 10  # seconds
MAX_TIMEOUT = 86400.0
SUMMARY = "Open a tracker's device console: send commands and print what the device answers."
HELP = f"""{SUMMARY}

Asks panel/tracker/console/connect for a key (one per connection), reads the tracker's IMEI and dealer id (panel/tracker/read), opens the console (wss://panel.navixy.com/console for eu, the panel host of us and me; for another API URL its own host and port with ws:// or wss://; the profile's console_url or TRACKERCTL_CONSOLE_URL overrides), sends each --send once it is open, and prints what comes back.

In a pipe, or with -o jsonl: one JSON line per frame, {{"ts": <time received>, "type": ..., ...}}. On a terminal: the device's status table, updated in place, and its output below it.

Ends after the reply to the last --send with --until-reply; at Ctrl-C (exit 130) with --follow; otherwise after --timeout seconds without a frame. A console that cannot be opened or that closes is exit 5.

Requires panel permissions: trackers: read and update."""
EXAMPLES = (
    "trackerctl panel tracker console open 134537 --send getinfo --until-reply",
    "trackerctl panel tracker console open 134537 --send getver --send getinfo --timeout 3 | jq -r 'select(.type == \"output\") | .msg'",
)


def command() -> Any:
    def open_(
        app: AppContext,
        tracker_id: Annotated[str, typer.Argument(metavar="TRACKER_ID", help="ID of the tracker.", show_default=False)],
        send: Annotated[list[str] | None, typer.Option("--send", metavar="TEXT", help=f"A command for the device, sent once the console is open (at most {MAX_COMMAND} characters). Repeatable.", show_default=False)] = None,
        follow: Annotated[bool, typer.Option("--follow", help="Keep printing until Ctrl-C.")] = False,
        until_reply: Annotated[bool, typer.Option("--until-reply", help="End after the reply to the last --send.")] = False,
        timeout: Annotated[float, typer.Option("--timeout", metavar="SECONDS", help="End after this long without a frame; also bounds opening the console.")] = DEFAULT_TIMEOUT,
    ) -> None:
        run_console(app, tracker_id, list(send or []), follow=follow, until_reply=until_reply, timeout=timeout)

    open_.__doc__ = HELP
    cli = typer.Typer(rich_markup_mode=None, add_completion=False)
    uses = DISPLAY | REQUEST | {"output", "jq"}
    cli.command("open", epilog="\n\n".join(f"Example: {e}" for e in EXAMPLES))(with_global_options(open_, uses=uses))
    return typer.main.get_command(cli)


# ---- parse ---------------------------------------------------------------------------------------
def check_options(commands: list[str], *, follow: bool, until_reply: bool, timeout: float) -> None:
    """Refuse bad input before anything is sent or opened (exit 2, one line)."""
    for text in commands:
        if not text.strip():
            raise UsageError("invalid value for --send: empty")
        if len(text) > MAX_COMMAND:
            raise UsageError(f"invalid value for --send: {len(text)} characters, at most {MAX_COMMAND}")
        bad = next((ch for ch in text if unicodedata.category(ch) in ("Cc", "Zl", "Zp")), None)
        if bad is not None:
            raise UsageError(f"invalid value for --send: it holds a control character ({bad!r}); a command is one line of text")
    if not (math.isfinite(timeout) and 0 < timeout <= MAX_TIMEOUT):
        raise UsageError(f"invalid value for --timeout: {timeout:g}; a number of seconds above 0 and at most {MAX_TIMEOUT:g}")
    if follow and until_reply:
        raise UsageError("give --follow or --until-reply, not both")
    if until_reply and not commands:
        raise UsageError("--until-reply waits for the reply to the last --send: give a command with --send")


# ---- run -----------------------------------------------------------------------------------------
def run_console(app: AppContext, tracker_id: str, commands: list[str], *, follow: bool, until_reply: bool,
                timeout: float) -> None:
    from trackerctl.api.endpoints import REGISTRY
    from trackerctl.cli.request import build_request

    check_options(commands, follow=follow, until_reply=until_reply, timeout=timeout)
    if app.output_format == "csv":
        raise UsageError("the console prints JSON lines, or a live view on a terminal: use -o jsonl or -o table, not -o csv")
    read, connect = REGISTRY.by_path("panel/tracker/read"), REGISTRY.by_path("panel/tracker/console/connect")
    assert read is not None and connect is not None
    body = build_request(read, {"tracker_id": tracker_id})
    opener = _opener(app)  # the console URL is checked before anything is sent
    client = app.client()
    tracker = client.call(read.path, body, api="panel").get("value")
    imei, dealer_id = _device(tracker, body["tracker_id"])
    key = client.call(connect.path, body, api="panel")  # one key for this one connection, asked last: it is short-lived
    query = _query(imei, key, dealer_id)
    channel = opener(query, timeout)
    try:
        for text in commands:
            app.trace(f"> {text}")
            channel.send(text)
        show(app, channel, last=commands[-1] if until_reply else None, follow=follow, timeout=timeout)
    finally:  # Ctrl-C included: the root reports it (exit 130)
        channel.close()


def _opener(app: AppContext) -> Any:
    """How this run opens a console: `open(query, timeout) -> Channel`, in-process for the sandbox."""
    from trackerctl.api import channel
    from trackerctl.api.client import SANDBOX

    if app.api_url == SANDBOX:
        return _in_process(app)
    override, source = app.env.get("TRACKERCTL_CONSOLE_URL"), "TRACKERCTL_CONSOLE_URL"
    if not override and app.profile.get("console_url"):
        override, source = app.profile["console_url"], f"console_url of profile {app.profile_name}"
    base = channel.console_url(app.api_url, override, source=source, allow_http=bool(app.profile.get("allow_http")))
    verify = app._tls_context() if base.startswith("wss:") else True  # the HTTP client's trust, --ca-bundle included

    def open_socket(query: str, timeout: float) -> Channel:
        url = f"{base}?{query}"
        app.trace(f"> GET {_masked(url)} (WebSocket)")
        return channel.WebSocketChannel.open(url, timeout=timeout, verify=verify)

    return open_socket


def _in_process(app: AppContext) -> Any:
    """The sandbox's console session, in this process (`--api-url sandbox`)."""
    import time
    from urllib.parse import parse_qsl

    from trackerctl.api.channel import CONSOLE_PATH, ChannelError, SessionChannel
    from trackerctl.sandbox import channels

    def open_session(query: str, timeout: float) -> Channel:
        app.trace(f"> GET {CONSOLE_PATH}?{_masked_query(query)} (in-process)")
        try:
            session = channels.open_channel(app.sandbox, CONSOLE_PATH, dict(parse_qsl(query)), time.monotonic())
        except channels.ChannelRefused as e:
            raise ChannelError(f"cannot open the console: the sandbox refused it (HTTP {e.status}: {e.reason})") from None
        return SessionChannel(session)

    return open_session


def _device(tracker: Any, tracker_id: int) -> tuple[str, Any]:
    """The IMEI (source.device_id) and dealer id of panel/tracker/read's `value`."""
    from trackerctl.api.errors import BadResponse

    if not isinstance(tracker, Mapping):
        raise BadResponse("the answer of panel/tracker/read has no tracker object (value)")
    source = tracker.get("source")
    imei = source.get("device_id") if isinstance(source, Mapping) else None
    if not isinstance(imei, str) or not imei.strip():
        raise UsageError(f"tracker {tracker_id} has no IMEI (source.device_id): its console cannot be opened")
    dealer_id = tracker.get("dealer_id")
    if type(dealer_id) is not int:
        raise BadResponse("the answer of panel/tracker/read has no dealer_id")
    return imei.strip(), dealer_id


def _query(imei: str, answer: Mapping[str, Any], dealer_id: int) -> str:
    from trackerctl.api.channel import console_query
    from trackerctl.api.errors import BadResponse

    key, timestamp = answer.get("key"), answer.get("timestamp")
    if not isinstance(key, str) or not key or type(timestamp) is not int:
        raise BadResponse("the answer of panel/tracker/console/connect has no key and timestamp")
    return console_query(imei, key, timestamp, dealer_id)



def _masked_query(query: str) -> str:
    """The query as a trace shows it: the key masked (`6a90…2be7`)."""
    from trackerctl.masking import mask

    pairs = (pair.partition("=") for pair in query.split("&"))
    return "&".join(f"{k}={mask(v) if k == 'key' else v}" for k, _, v in pairs)


def _masked(url: str) -> str:
    base, _, query = url.partition("?")
    return f"{base}?{_masked_query(query)}"


# ---- render --------------------------------------------------------------------------------------
def show(app: AppContext, channel: Channel, *, last: str | None, follow: bool, timeout: float) -> None:
    """Read frames and show each until the run ends: the reply to `last`, Ctrl-C with `follow`, or
    `timeout` seconds without a frame (exit 5 when a reply was awaited)."""
    import time

    terminal = app.output.format == "table" and app.terminal.stdout_tty  # what Output.live draws
    view = TerminalView()
    warned = False
    with app.output.live(("name", "value")) as update:
        while True:
            raw = channel.recv(None if follow else timeout)
            if raw is None:
                if last is not None:
                    raise TransientError(f"no reply to {last!r}: no frame for {timeout:g} s")
                return
            received = time.time()
            frame = parse_frame(raw)
            if frame is None:
                if not warned:
                    app.output.warn(f"ignoring frames that are not the console's JSON objects, such as {_clip(raw)}")
                    warned = True
                continue
            if frame["type"] not in ("status", "output"):
                continue  # other types: ignored (websockets.md)
            if terminal:
                view.add(frame, received)
                update(view.records(_size(app)))
            else:
                stamp = datetime.fromtimestamp(received, timezone.utc).isoformat(timespec="milliseconds")
                update([{"ts": stamp, **{k: v for k, v in frame.items() if k != "ts"}}])
            if last is not None and frame["type"] == "output" and last in frame["msg"]:
                return


def parse_frame(raw: Any) -> dict[str, Any] | None:
    """A frame as the console sends it, or None for one that is not (binary, not JSON, not an
    object, no type, a status without name/value pairs of text, an output without its msg)."""
    if not isinstance(raw, str):
        return None
    try:
        frame = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
        return None
    if frame["type"] == "status":
        data = frame.get("data")
        if not isinstance(data, list) or not all(
                isinstance(pair, list) and len(pair) == 2 and all(isinstance(x, str) for x in pair) for pair in data):
            return None
    elif frame["type"] == "output" and not isinstance(frame.get("msg"), str):
        return None
    return frame


@dataclass
class TerminalView:
    """The terminal's picture: the status table keyed by name (case-sensitive, first-seen order),
    then the latest output lines, each with the time it came (as many as the terminal has room for)."""

    status: dict[str, str] = field(default_factory=dict)
    lines: deque[tuple[str, str]] = field(default_factory=lambda: deque(maxlen=500))

    def add(self, frame: Mapping[str, Any], received: float) -> None:
        if frame["type"] == "status":
            self.status.update((name, value) for name, value in frame["data"])
            return
        clock = datetime.fromtimestamp(received).strftime("%H:%M:%S")
        for i, line in enumerate(frame["msg"].splitlines() or [""]):
            self.lines.append((clock if i == 0 else "", line))

    def records(self, size: tuple[int, int]) -> list[dict[str, str]]:
        width, height = size
        rows = [{"name": name, "value": value} for name, value in self.status.items()]
        room = max(3, height - len(rows) - 4)  # the header, its rule, and a line to spare
        clocks = max((len(name) for name in self.status), default=8)
        cells = max(10, width - max(clocks, 8) - 2)  # never wider than the terminal: it would wrap
        for clock, line in list(self.lines)[-room:]:
            rows.append({"name": clock, "value": line if len(line) <= cells else line[: cells - 1] + "…"})
        return rows


def _size(app: AppContext) -> tuple[int, int]:
    """The terminal's columns (as the run knows them) and lines (LINES first, as Rich reads them)."""
    size = shutil.get_terminal_size((80, 24))
    return app.terminal.width or size.columns, size.lines


def _clip(raw: Any) -> str:
    text = repr(raw)
    return text if len(text) <= 60 else text[:57] + "..."
