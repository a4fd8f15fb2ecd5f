"""The platform's two WebSocket channels (spec websockets.md), without any transport.

    session = open_channel(sandbox, "/console", {"device": imei, "key": ..., ...}, time.monotonic())

`open_channel` checks what the handshake carries (path and query) and returns a session, or raises
`ChannelRefused` with the HTTP status the handshake answers (404 an unknown path, 400 a bad query,
403 a console key that is wrong, used or expired). A transport (websocket.py under `sandbox serve`,
or the CLI in-process for `--api-url sandbox`) then sends `opened()`, hands every client text frame
to `received()`, calls `tick(now)` at least every `wait_hint()` seconds, sends whatever they return
in order, and closes the socket once `closed` is true, after sending what is pending.

Two clocks: `now` is the transport's (time.monotonic()) and times heartbeats, silence and rate
limits; the sandbox's own facts (a console key's 60 s, sessions) go by the sandbox clock
(Store.now), which tests move with `Sandbox.advance_clock`. Changes made through the API reach
open sessions through the store's data version: a session compares states when it has changed.

    /console                                      console.py: the device console
    /v2/event/subscription, /event/subscription   subscription.py: the user API's event subscription

`Sandbox.channel_settings` (a ChannelSettings; `sandbox serve --heartbeat`) sets the subscription's
heartbeat; a client silent for `silence` seconds (ten heartbeats by default: 300 s for the
platform's 30 s) is disconnected.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from trackerctl.sandbox.app import Sandbox

CONSOLE_PATH = "/console"
SUBSCRIPTION_PATHS = ("/v2/event/subscription", "/event/subscription")  # the API's base path, as for actions
POLL_INTERVAL = 0.2  # seconds between two looks at the store's data version: how soon a change is sent


@dataclass(frozen=True)
class ChannelSettings:
    heartbeat_ms: int = 30_000  # the subscription's heartbeat, announced in its first frame
    silence_s: float | None = None  # a subscriber silent this long is disconnected; None: ten heartbeats

    def __post_init__(self) -> None:
        if self.heartbeat_ms < 1:
            raise ValueError("heartbeat_ms must be >= 1")
        if self.silence_s is not None and self.silence_s <= 0:
            raise ValueError("silence_s must be > 0")

    @property
    def heartbeat(self) -> float:
        return self.heartbeat_ms / 1000.0

    @property
    def silence(self) -> float:
        return self.silence_s if self.silence_s is not None else 10 * self.heartbeat


class ChannelRefused(Exception):
    """The handshake is refused: `status` is its HTTP status, `reason` one line for the body."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(f"{status}: {reason}")
        self.status = status
        self.reason = reason


class ChannelSession(Protocol):
    closed: bool  # the session has ended: close the socket after sending what is pending
    close_reason: str  # why, for the close frame ("" while open)

    def opened(self) -> list[str]:
        """Text frames to send right after the handshake."""
        ...

    def received(self, text: str) -> list[str]:
        """The frames answering one client text frame."""
        ...

    def tick(self, now: float) -> list[str]:
        """Frames due by time: heartbeats, a moving fleet, events after changes through the API."""
        ...

    def wait_hint(self) -> float:
        """Seconds until `tick` may have something (at most 1.0): the transport's poll interval."""
        ...


def open_channel(sandbox: Sandbox, path: str, query: dict[str, str], now: float) -> ChannelSession:
    """The session of the channel at `path` (the URL path without its query); ChannelRefused when
    the handshake must be refused."""
    settings = getattr(sandbox, "channel_settings", None) or ChannelSettings()
    route = "/" + path.strip("/")
    if route == CONSOLE_PATH:
        from trackerctl.sandbox.console import open_console

        return open_console(sandbox, query, now)
    if route in SUBSCRIPTION_PATHS:
        from trackerctl.sandbox.subscription import open_subscription

        return open_subscription(sandbox, query, now, settings)
    raise ChannelRefused(404, f"no WebSocket channel at {path}: the sandbox serves {CONSOLE_PATH} and {SUBSCRIPTION_PATHS[0]}")


class DataWatch:
    """Whether the store's data changed since the last look, looked at no more often than every
    POLL_INTERVAL of the transport's clock (a read of one row, outside the store's lock)."""

    def __init__(self, sandbox: Sandbox, now: float) -> None:
        self.sandbox = sandbox
        self.version = self.current()
        self.looked = now

    def current(self) -> int | None:
        from trackerctl.sandbox.store import Store

        return Store.data_version(self.sandbox.store.connection())

    def changed(self, now: float) -> bool:
        if now - self.looked < POLL_INTERVAL:
            return False
        self.looked = now
        version = self.current()
        if version == self.version:
            return False
        self.version = version
        return True


def frame(obj: Any) -> str:
    """One JSON text frame."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
