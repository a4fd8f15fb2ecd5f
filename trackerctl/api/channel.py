"""The platform's WebSocket channels from the client's side (spec `websockets.md`): one interface,
`Channel` (`send(text)`, `recv(timeout) -> frame | None`, `close()`), two ways.

- `WebSocketChannel.open(url, ...)`: a socket, through websockets' synchronous client. Its opening
  (TCP, TLS, the HTTP upgrade) is bounded by `timeout`; TLS trusts what the HTTP client trusts
  (`trackerctl.api.connection.tls_context`); the client sends no pings (the platform's web panel sends no heartbeat either).
- `SessionChannel(session)`: an in-process session for `--api-url sandbox`, an object with
  `closed`, `close_reason`, `opened()`, `received(text)`, `tick(now)` and `wait_hint()` (the
  sandbox's `open_channel` makes them; `now` is time.monotonic()): the frames it gives back are
  queued and handed out by `recv`.

A channel that cannot be opened, or that closes while it is read (a drop, or the server's close),
raises `ChannelError` (exit 5, one line). `recv` returns None when `timeout` passes without a frame.
A frame is what the server sent: text (str), or bytes for a binary frame.

Also here, as they are the platform's facts: the console's URL for an API URL (`console_url`) and
its query (`console_query`). `websockets` is imported only when a socket is opened.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any, Protocol
from urllib.parse import urlencode, urlsplit

from trackerctl import __version__
from trackerctl.errors import TransientError, UsageError

# The region's panel host serves the console (the panel document's ws.navixy.com is outdated).
CONSOLE_HOSTS = {"eu": "panel.navixy.com", "us": "panel.us.navixy.com", "me": "panel.me.navixy.com"}
CONSOLE_PATH = "/console"
CLOSE_TIMEOUT = 2.0  # seconds to wait for the server's answer to our close frame
MAX_FRAME = 2**20  # bytes of one message; a larger one closes the connection (1009), a drop
MAX_NAP = 0.5  # seconds an in-process channel sleeps at most between looks at its session
USER_AGENT = f"trackerctl/{__version__}"


class ChannelError(TransientError):
    """The channel could not be opened, or it closed while it was read (exit 5)."""


class ChannelRefused(ChannelError):
    """The server answered the handshake with an HTTP status other than 101 (`status`; 404: no such channel)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class Channel(Protocol):
    def send(self, text: str) -> None: ...

    def recv(self, timeout: float | None) -> str | bytes | None: ...

    def close(self) -> None: ...


# ---- where ---------------------------------------------------------------------------------------
def console_url(api_url: str, override: str | None = None, *, source: str = "", allow_http: bool = False) -> str:
    """The console's URL, without its query: `override` when given (checked; `source` names where it
    came from in a refusal); the region's panel host for the public platforms; else `ws://` or
    `wss://` (by the API URL's scheme) on the API URL's own host and port, path `/console`."""
    if override:
        return check_url(override, source or "the console URL", allow_http=allow_http)
    from trackerctl.api.client import PLATFORMS

    for region, base in PLATFORMS.items():
        if base == api_url:
            return f"wss://{CONSOLE_HOSTS[region]}{CONSOLE_PATH}"
    parts = urlsplit(api_url)
    return f"{'wss' if parts.scheme == 'https' else 'ws'}://{parts.netloc}{CONSOLE_PATH}"


def check_url(url: str, source: str, *, allow_http: bool = False) -> str:
    """A ws:// or wss:// URL, refused (UsageError, naming `source`) when malformed or unsafe: plain
    ws:// only to loopback or with the profile's allow_http, as plain http (the key is in the URL)."""
    from trackerctl.api.client import _is_loopback

    url = url.strip()
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        raise UsageError(f"invalid {source} {url!r}") from None
    if parts.scheme not in ("ws", "wss") or not parts.hostname or parts.query or parts.fragment:
        raise UsageError(f"invalid {source} {url!r}: use a ws:// or wss:// URL such as wss://panel.example.com/console")
    if parts.username or parts.password:
        raise UsageError(f"invalid {source}: the URL must not carry credentials")
    if parts.scheme == "ws" and not (allow_http or _is_loopback(parts.hostname)):
        raise UsageError(f"refusing plain ws:// to {parts.hostname} ({source}): the console key would cross the network "
                         "unencrypted (use wss://, or set allow_http = true in the profile if this host is on a private network)")
    return url


def console_query(imei: str, key: str, timestamp: int | str, dealer_id: int | str) -> str:
    """`device=<IMEI>&key=<key>&timestamp=<timestamp>&dealer_id=<dealer id>`, in that order."""
    return urlencode([("device", imei), ("key", key), ("timestamp", str(timestamp)), ("dealer_id", str(dealer_id))])


def shown(url: str) -> str:
    """A channel URL as a message may show it: without its query (the console's key is in it)."""
    return url.split("?", 1)[0]


# ---- a socket ------------------------------------------------------------------------------------
class WebSocketChannel:
    def __init__(self, connection: Any, url: str, stack: ExitStack | None = None, name: str = "the console") -> None:
        self._ws = connection
        self.url = url
        self._stack = stack  # the connection's context, left on close
        self.name = name

    @classmethod
    def open(cls, url: str, *, timeout: float, verify: Any = True, user_agent: str = USER_AGENT,
             name: str = "the console") -> "WebSocketChannel":
        """Open `url` (query included) within `timeout` seconds: TCP, TLS and the upgrade. `name`
        is what the messages call the channel ("the console", "the event subscription")."""
        import ssl

        from websockets.exceptions import InvalidStatus, WebSocketException
        from websockets.sync.client import connect

        from trackerctl.api.connection import tls_context

        where = shown(url)
        stack = ExitStack()  # connect() is a context manager ("with connect(...) as websocket")
        try:
            connection = stack.enter_context(connect(
                url,
                ssl=tls_context(verify) if url.startswith("wss:") else None,
                user_agent_header=user_agent,
                open_timeout=timeout,
                close_timeout=min(CLOSE_TIMEOUT, timeout),
                ping_interval=None,  # no heartbeat from the client (websockets.md)
                max_size=MAX_FRAME,
            ))
        except InvalidStatus as e:
            raise ChannelRefused(f"cannot open {name} at {where}: the server refused it ({_status(e.response)})",
                                 e.response.status_code) from None
        except TimeoutError:
            raise ChannelError(f"cannot open {name} at {where}: no answer within {timeout:g} s") from None
        except ssl.SSLCertVerificationError as e:
            host = urlsplit(url).hostname
            raise ChannelError(f"certificate verify failed for {host}: {e.verify_message or e}") from None
        except OSError as e:
            raise ChannelError(f"cannot open {name} at {where}: {e.strerror or e}") from None
        except (WebSocketException, ValueError) as e:  # not a WebSocket answer (InvalidHandshake, InvalidURI, ...)
            raise ChannelError(f"cannot open {name} at {where}: {_text(e)}") from None
        return cls(connection, url, stack, name)

    def send(self, text: str) -> None:
        from websockets.exceptions import ConnectionClosed

        try:
            self._ws.send(text)
        except ConnectionClosed as e:
            raise ChannelError(_closed(e, self.name)) from None

    def recv(self, timeout: float | None) -> str | bytes | None:
        from websockets.exceptions import ConnectionClosed

        try:
            return self._ws.recv(timeout)
        except TimeoutError:
            return None
        except ConnectionClosed as e:
            raise ChannelError(_closed(e, self.name)) from None

    def close(self) -> None:
        """Close the connection: at most CLOSE_TIMEOUT for the server's answer to the close frame."""
        if self._stack is not None:
            self._stack.close()
        else:
            self._ws.close()


def _status(response: Any) -> str:
    """`HTTP 403: key expired`: the status and the first line of a short text body."""
    out = f"HTTP {response.status_code}"
    try:
        body = bytes(response.body or b"").decode("utf-8").strip().splitlines()
    except UnicodeDecodeError:
        return out
    line = body[0].strip() if body else ""
    if line and line.isprintable():
        out += f": {line if len(line) <= 100 else line[:100] + '…'}"
    return out


def _closed(e: Any, name: str = "the console") -> str:
    """Why a connection ended, from websockets' ConnectionClosed: the close frame the server sent, or a drop."""
    frame = e.rcvd
    if frame is None:
        return f"the connection to {name} dropped"
    reason = f": {frame.reason}" if frame.reason and frame.reason.isprintable() else ""
    return f"{name} closed the connection (code {frame.code}{reason})"


def _text(e: BaseException) -> str:
    return str(e).strip() or type(e).__name__


# ---- in-process ----------------------------------------------------------------------------------
class Session(Protocol):
    closed: bool
    close_reason: str  # why it closed ("" while open)

    def opened(self) -> list[str]: ...

    def received(self, text: str) -> list[str]: ...

    def tick(self, now: float) -> list[str]: ...

    def wait_hint(self) -> float: ...


class SessionChannel:
    """A channel over an in-process session: what it answers is queued; `recv` asks it for the frames
    that are due (`tick`) and sleeps until the next one may be (`wait_hint`), within the timeout."""

    def __init__(self, session: Session, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep, name: str = "the console") -> None:
        self._session = session
        self.name = name
        self._clock = clock
        self._sleep = sleep
        self._pending: deque[str] = deque(session.opened())

    def send(self, text: str) -> None:
        if self._session.closed:
            raise self._closed()
        self._pending.extend(self._session.received(text))

    def recv(self, timeout: float | None) -> str | None:
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            if not self._pending and not self._session.closed:
                self._pending.extend(self._session.tick(self._clock()))
            if self._pending:  # what was sent before a close still arrives, as over a socket
                return self._pending.popleft()
            if self._session.closed:
                raise self._closed()
            left = math.inf if deadline is None else deadline - time.monotonic()
            if left <= 0:
                return None
            hint = self._session.wait_hint()
            nap = hint if isinstance(hint, (int, float)) and math.isfinite(hint) and hint >= 0 else MAX_NAP
            self._sleep(min(nap, left, MAX_NAP))

    def _closed(self) -> ChannelError:
        reason = getattr(self._session, "close_reason", "")
        return ChannelError(f"{self.name} closed the connection" + (f" ({reason})" if reason else ""))

    def close(self) -> None:
        close = getattr(self._session, "close", None)
        if callable(close):
            close()
