"""The user API's event subscription from the client's side (spec `websockets.md` section 2): push
instead of polling `tracker/get_states`. Knows the platform, knows nothing of terminals.

    sub = Subscription(open_channel, hash_, tracker_ids)
    sub.open()                        # the handshake (ChannelRefused 404: no subscription here)
    statuses = sub.subscribe()        # tracker id -> normal | blocked | unknown | disallowed
    for message in sub.poll(1.0): ...  # events and responses, as JSON objects

`open_channel(query, timeout) -> Channel` opens `<API URL>/event/subscription?<query>` (a socket,
or the in-process sandbox's session). `connect` reads the handshake frame `<uuid>|<heartbeat ms>|X|`
and subscribes with the session hash: a `state` request for up to STATE_MAX trackers, a
`state_batch` with `selected` for more. `poll` answers the heartbeats (`X` every heartbeat
interval), and when the channel drops opens it again with backoff, passing
`X-Atmosphere-tracking-id=<uuid>`, and subscribes again (its `response` is among the messages).
An `error` frame raises ApiError (the usual exit codes); a `logout` event raises SessionClosed
(exit 3); a channel that cannot be opened again after BACKOFF raises ChannelError (exit 5).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit

from trackerctl.api.channel import Channel, ChannelError
from trackerctl.errors import AuthError

PATH = "/event/subscription"  # below the API URL's base path (…/v2/event/subscription)
HEARTBEAT = "X"
STATE_MAX = 50  # trackers of one `state` request; more go in a `state_batch` (selected)
BACKOFF = (0.5, 1.0, 2.0, 4.0, 8.0)  # seconds before each attempt to open a dropped channel again
_PREFIXED = re.compile(r"(\d+)\|(.*)", re.S)
_HANDSHAKE = re.compile(r"([0-9A-Za-z-]+)\|(\d+)\|[^|]*\|?", re.S)

Opener = Callable[[str, float], Channel]


class SessionClosed(AuthError):
    """The server's `logout` event: the session ended (logout, expiry, a password change, a block)."""


def subscription_url(api_url: str) -> str:
    """`ws://` or `wss://` (by the API URL's scheme) on the API URL's host, port and base path."""
    parts = urlsplit(api_url)
    scheme = "wss" if parts.scheme == "https" else "ws"
    return f"{scheme}://{parts.netloc}{parts.path.rstrip('/')}{PATH}"


def subscription_query(tracking_id: str = "0") -> str:
    """The Atmosphere query: tracking id 0 for a new connection, the handshake's uuid to reconnect."""
    return urlencode([
        ("X-Atmosphere-tracking-id", tracking_id),
        ("X-Atmosphere-Framework", "2.3.6-javascript"),
        ("X-Atmosphere-Transport", "websocket"),
        ("Content-Type", "application/json"),
        ("X-atmo-protocol", "true"),
    ])


def subscribe_message(hash_: str | None, tracker_ids: list[int], rate_limit: float = 5.0) -> dict[str, Any]:
    """`subscribe` for the trackers: `state` for a few, `state_batch` (selected) for many."""
    if len(tracker_ids) <= STATE_MAX:
        request: dict[str, Any] = {"type": "state", "trackers": tracker_ids, "format": "full"}
    else:
        request = {"type": "state_batch", "target": {"type": "selected", "tracker_ids": tracker_ids},
                   "rate_limit": f"{rate_limit:g}s", "format": "full"}
    message: dict[str, Any] = {"action": "subscribe", "requests": [request]}
    if hash_:
        message["hash"] = hash_
    return message


def parse_handshake(frame: Any) -> tuple[str, float]:
    """(uuid, heartbeat seconds) of the first frame, `<uuid>|<heartbeat ms>|<padding>|`."""
    match = _HANDSHAKE.fullmatch(frame.strip()) if isinstance(frame, str) else None
    if match is None or int(match.group(2)) <= 0:
        raise ChannelError(f"the event subscription's first frame is not its handshake: {str(frame)[:60]!r}")
    return match.group(1), int(match.group(2)) / 1000.0


def parse_frame(frame: Any) -> dict[str, Any] | None:
    """A frame's JSON object (bare, or behind a `<length>|` prefix); None for a heartbeat or
    anything else (ignored)."""
    if isinstance(frame, bytes):
        try:
            frame = frame.decode("utf-8")
        except UnicodeDecodeError:
            return None
    body = frame.strip()
    prefixed = _PREFIXED.fullmatch(body)
    if prefixed:
        body = prefixed.group(2).strip()
    if body in (HEARTBEAT, ""):
        return None
    try:
        message = json.loads(body)
    except ValueError:
        return None
    return message if isinstance(message, dict) else None


def event_states(message: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The state objects of a `state` or `state_batch` event (items bare or `source_state_event`)."""
    data = message.get("data")
    items: Iterable[Any] = [data] if message.get("event") == "state" else (data if isinstance(data, list) else [])
    out = []
    for item in items:
        if isinstance(item, Mapping) and item.get("type") == "source_state_event":
            item = item.get("state")
        if isinstance(item, Mapping):
            out.append(dict(item))
    return out


def response_statuses(message: Mapping[str, Any]) -> dict[int, str]:
    """Tracker id -> normal | blocked | unknown | disallowed, from a subscribe `response`."""
    out: dict[int, str] = {}
    data = message.get("data")
    for answer in (data.values() if isinstance(data, Mapping) else ()):
        value = answer.get("value") if isinstance(answer, Mapping) else None
        for key, status in (value.items() if isinstance(value, Mapping) else ()):
            if str(key).isdigit() and isinstance(status, str):
                out[int(key)] = status
    return out


class Subscription:
    """One subscription for `tracker_ids`, kept open until closed (see the module's notes)."""

    def __init__(self, open_channel: Opener, hash_: str | None, tracker_ids: list[int], *, timeout: float = 30.0,
                 rate_limit: float = 5.0, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep, notice: Callable[[str], None] | None = None,
                 backoff: tuple[float, ...] = BACKOFF) -> None:
        self._open = open_channel
        self._message = json.dumps(subscribe_message(hash_, tracker_ids, rate_limit), separators=(",", ":"))
        self._timeout = timeout
        self._clock = clock
        self._sleep = sleep
        self._notice = notice
        self._backoff = backoff
        self.channel: Channel | None = None
        self.uuid = "0"
        self.heartbeat = 30.0
        self._beat_at = 0.0
        self.reconnects = 0
        self._pending: list[dict[str, Any]] = []  # messages read while connecting, handed out by poll

    def connect(self) -> dict[int, str]:
        """Open the channel and subscribe: `open`, then `subscribe`."""
        self.open()
        return self.subscribe()

    def open(self) -> None:
        """Open the channel (with the uuid when reconnecting) and read the handshake frame."""
        self._pending = []
        channel = self.channel = self._open(subscription_query(self.uuid), self._timeout)
        first = channel.recv(self._timeout)
        if first is None:
            raise ChannelError(f"the event subscription sent no handshake within {self._timeout:g} s")
        self.uuid, self.heartbeat = parse_handshake(first)
        self._beat_at = self._clock() + self.heartbeat

    def subscribe(self) -> dict[int, str]:
        """Send the subscribe and wait for its response (what comes before it is kept for `poll`);
        the statuses of the response."""
        assert self.channel is not None
        self.channel.send(self._message)
        deadline = self._clock() + self._timeout
        while True:
            left = deadline - self._clock()
            if left <= 0:
                raise ChannelError(f"the event subscription did not answer the subscribe within {self._timeout:g} s")
            for message in self._read(left):
                self._pending.append(message)
                if message.get("type") == "response":
                    return response_statuses(message)

    def poll(self, timeout: float) -> list[dict[str, Any]]:
        """The messages that came within `timeout` seconds (it returns at the first), heartbeats
        sent as they fall due, a dropped channel opened again."""
        deadline = self._clock() + timeout
        while True:
            if self._pending:  # read while connecting: the response, and what came before it
                out, self._pending = self._pending, []
                return out
            left = deadline - self._clock()
            try:
                out = self._read(max(0.0, left))
            except ChannelError:
                self._reopen()
                continue
            if out or left <= 0:
                return out

    def close(self) -> None:
        if self.channel is not None:
            channel, self.channel = self.channel, None
            try:
                channel.close()
            except ChannelError:
                pass

    # ---- internal ------------------------------------------------------------------------------
    def _read(self, timeout: float) -> list[dict[str, Any]]:
        """One frame's message (or none) within `timeout`, sending `X` when a heartbeat is due;
        an error frame or a logout event raises."""
        assert self.channel is not None
        now = self._clock()
        if now >= self._beat_at:
            self.channel.send(HEARTBEAT)
            self._beat_at = now + self.heartbeat
        frame = self.channel.recv(max(0.0, min(timeout, self._beat_at - now)))
        message = parse_frame(frame) if frame is not None else None
        if message is None:
            return []
        if message.get("type") == "error":
            from trackerctl.api.errors import ApiError, BadResponse

            if not isinstance(message.get("status"), Mapping):
                raise BadResponse("the event subscription sent an error frame without a status")
            raise ApiError.from_body(message)
        if message.get("type") == "event" and message.get("event") == "logout":
            data = message.get("data")
            reason = data if isinstance(data, str) and data.isprintable() else "session closed"
            raise SessionClosed(f"the event subscription ended: {reason}; log in again (`trackerctl auth login`)")
        return [message]

    def _reopen(self) -> None:
        """Open the dropped channel again with backoff and subscribe again; ChannelError when
        every attempt failed."""
        self.close()
        last: ChannelError | None = None
        if self._notice:
            self._notice("the event subscription dropped; opening it again")
        for wait in self._backoff:
            self._sleep(wait)
            try:
                self.open()
                self.subscribe()
                self.reconnects += 1
                return
            except ChannelError as e:
                last = e
                self.close()
        assert last is not None
        raise ChannelError(f"the event subscription dropped and could not be opened again: {last.message}")
