"""HTTP/1.1 exchanges for the client: one POST sent, its answer read whole.

Two ways behind one interface, `post(url, headers, body, timeout) -> Reply`:

- `Pool`: keep-alive connections on the standard library's http.client, for direct connections
  (what every command and bulk job uses unless a proxy is set). Safe to share between threads:
  at most `max_connections` open, idle ones reused newest first, and dropped when they have been
  idle for `keepalive` seconds or the server has closed them (a readable idle socket).
- `HttpxExchange`: an httpx.Client, for what httpx does and the pool does not: proxies from the
  environment (HTTP_PROXY, HTTPS_PROXY, ALL_PROXY, with NO_PROXY), and custom httpx transports
  (tests' httpx.MockTransport).

Why two, measured (`tests/bench/bench_bulk.py design`: `tracker/read` against `sandbox serve` on
loopback, threads sharing one client; one run, medians of 3): 2,157 req/s at 0.23 ms of client
CPU per request for this pool against 1,169 req/s at 0.63 ms for httpx.Client sequentially, and
3,056 against 1,328 req/s at concurrency 4. httpcore's pool, h11's state machine and httpx's
Request and Response models are most of a small request's cost, and a bulk job of many small
requests waits for exactly that once latency is hidden.

TLS trusts what httpx would (`verify=True`: SSL_CERT_FILE, else SSL_CERT_DIR, else certifi's
bundle), or the SSLContext given (`--ca-bundle`).

Failures raise one of three errors, which say whether the request may have reached the server:
`NotSent` (connect refused or timed out, the TLS handshake failed, no connection free within the
timeout), `TimedOut` (sent, no answer within the timeout) and `Lost` (sent, then the connection
failed before a whole answer arrived).
"""

from __future__ import annotations

import http.client
import os
import select
import socket
import threading
import time
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

if TYPE_CHECKING:
    import ssl

    import httpx

KEEPALIVE = 5.0  # seconds an idle connection is kept (httpx's default keepalive_expiry)
PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy")


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    reason: str
    headers: Any  # case-insensitive `.get(name)`: http.client's HTTPMessage or httpx.Headers
    content: bytes


class ExchangeError(Exception):
    """The request failed without an HTTP answer. `sent`: it may have reached the server."""

    sent = True


class NotSent(ExchangeError):
    sent = False


class TimedOut(ExchangeError):
    pass


class Lost(ExchangeError):
    pass


class Exchange(Protocol):
    def post(self, url: str, headers: Mapping[str, str], body: bytes, timeout: float) -> Reply: ...

    def close(self) -> None: ...


def proxy_configured(env: Mapping[str, str] = os.environ) -> bool:
    """A proxy is set in the environment (any case): httpx then handles the requests."""
    return any(value and key.lower() in PROXY_VARIABLES for key, value in env.items())


def open_exchange(*, verify: Any, max_connections: int) -> Exchange:
    """The pool, unless a proxy is configured."""
    if proxy_configured():
        return HttpxExchange(verify=verify, max_connections=max_connections)
    return Pool(verify=verify, max_connections=max_connections)


# ---- the standard library's http.client ---------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Target:
    https: bool
    host: str
    port: int
    path: str

    @property
    def key(self) -> tuple[bool, str, int]:
        return (self.https, self.host, self.port)


class Pool:
    def __init__(self, *, verify: Any = True, max_connections: int = 8, keepalive: float = KEEPALIVE) -> None:
        self._verify = verify
        self._tls: ssl.SSLContext | None = None
        self._keepalive = keepalive
        self._slots = threading.BoundedSemaphore(max_connections)
        self._lock = threading.Lock()
        self._idle: dict[tuple[bool, str, int], list[tuple[http.client.HTTPConnection, float]]] = {}
        self._targets: dict[str, _Target] = {}
        self._closed = False

    def post(self, url: str, headers: Mapping[str, str], body: bytes, timeout: float) -> Reply:
        target = self._target(url)
        if not self._slots.acquire(timeout=timeout):
            raise NotSent(f"no free connection within {timeout:g}s")
        try:
            conn = self._idle_connection(target) or self._connect(target, timeout)
            try:
                conn.request("POST", target.path, body, dict(headers))
                answer = conn.getresponse()
                content = answer.read()
            except TimeoutError as e:
                conn.close()
                raise TimedOut(_text(e)) from None
            except (OSError, http.client.HTTPException) as e:
                conn.close()
                raise Lost(_lost(e)) from None
            if answer.will_close:
                conn.close()
            else:
                self._put_back(target, conn)
            return Reply(answer.status, answer.reason, answer.headers, _decoded(content, answer.headers))
        finally:
            self._slots.release()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, {}
        for conns in idle.values():
            for conn, _ in conns:
                conn.close()

    def _target(self, url: str) -> _Target:
        target = self._targets.get(url)
        if target is None:
            parts = urlsplit(url)
            https = parts.scheme == "https"
            path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            target = self._targets[url] = _Target(https, parts.hostname or "", parts.port or (443 if https else 80), path)
        return target

    def _idle_connection(self, target: _Target) -> http.client.HTTPConnection | None:
        """The newest idle connection to the target that is still usable."""
        now = time.monotonic()
        while True:
            with self._lock:
                conns = self._idle.get(target.key)
                if not conns:
                    return None
                conn, since = conns.pop()
            if now - since <= self._keepalive and not _readable(conn.sock):
                return conn
            conn.close()  # expired, or the server closed it (EOF) or sent what nobody asked for

    def _connect(self, target: _Target, timeout: float) -> http.client.HTTPConnection:
        conn: http.client.HTTPConnection
        if target.https:
            conn = http.client.HTTPSConnection(target.host, target.port, timeout=timeout, context=self._tls_context())
        else:
            conn = http.client.HTTPConnection(target.host, target.port, timeout=timeout)
        try:
            conn.connect()  # sets TCP_NODELAY
        except OSError as e:  # refused, unreachable, DNS, timeout, the TLS handshake or certificate
            conn.close()
            raise NotSent(_text(e)) from None
        return conn

    def _put_back(self, target: _Target, conn: http.client.HTTPConnection) -> None:
        with self._lock:
            if not self._closed:
                self._idle.setdefault(target.key, []).append((conn, time.monotonic()))
                return
        conn.close()

    def _tls_context(self) -> "ssl.SSLContext":
        if self._tls is None:
            self._tls = tls_context(self._verify)
        return self._tls


def tls_context(verify: Any) -> "ssl.SSLContext":
    """The SSLContext httpx would build for `verify` (True, False or an SSLContext)."""
    import ssl

    if isinstance(verify, ssl.SSLContext):
        return verify
    if verify is False:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        return ctx
    if os.environ.get("SSL_CERT_FILE"):
        return ssl.create_default_context(cafile=os.environ["SSL_CERT_FILE"])
    if os.environ.get("SSL_CERT_DIR"):
        return ssl.create_default_context(capath=os.environ["SSL_CERT_DIR"])
    import certifi

    return ssl.create_default_context(cafile=certifi.where())


def _readable(sock: socket.socket | None) -> bool:
    """An idle keep-alive socket with something to read: the server closed it, or it is unusable."""
    if sock is None:
        return True
    try:
        return bool(select.select([sock], [], [], 0)[0])
    except (OSError, ValueError):
        return True


def _decoded(content: bytes, headers: Any) -> bytes:
    encoding = (headers.get("Content-Encoding") or "").strip().lower()
    if encoding in ("gzip", "x-gzip", "deflate") and content:
        try:
            return zlib.decompress(content, 47 if encoding != "deflate" else zlib.MAX_WBITS)
        except zlib.error:
            return content  # not the API's JSON: the client says so
    return content


def _lost(e: BaseException) -> str:
    if isinstance(e, http.client.RemoteDisconnected):
        return "the server closed the connection without answering"
    if isinstance(e, http.client.IncompleteRead):
        return f"the answer was cut off after {len(e.partial)} bytes"
    if isinstance(e, http.client.BadStatusLine):
        return f"not an HTTP answer: {str(e.line).strip()[:60]!r}"
    return _text(e)


def _text(e: BaseException) -> str:
    if isinstance(e, OSError) and e.strerror:
        return e.strerror
    return str(e).strip() or type(e).__name__


# ---- httpx ----------------------------------------------------------------------------------------
class HttpxExchange:
    def __init__(self, *, verify: Any = True, max_connections: int = 8, transport: "httpx.BaseTransport | None" = None) -> None:
        import httpx

        self._httpx = httpx
        limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
        self._client = httpx.Client(verify=verify, transport=transport, limits=limits)
        self._urls: dict[str, httpx.URL] = {}

    def post(self, url: str, headers: Mapping[str, str], body: bytes, timeout: float) -> Reply:
        httpx = self._httpx
        parsed = self._urls.get(url)
        if parsed is None:
            parsed = self._urls[url] = httpx.URL(url)
        # A request built here and sent as is: Client.post would re-parse the URL and merge
        # cookies and default headers on every call.
        request = httpx.Request("POST", parsed, content=body, headers=headers, extensions={
            "timeout": {"connect": timeout, "read": timeout, "write": timeout, "pool": timeout}})
        try:
            resp = self._client.send(request)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.ProxyError, httpx.UnsupportedProtocol) as e:
            raise NotSent(_text(e)) from None
        except (httpx.ReadTimeout, httpx.WriteTimeout) as e:
            raise TimedOut(_text(e)) from None
        except httpx.HTTPError as e:  # RemoteProtocolError, ReadError, WriteError, a decoding error
            raise Lost(_text(e)) from None
        return Reply(resp.status_code, resp.reason_phrase, resp.headers, resp.content)

    def close(self) -> None:
        self._client.close()
