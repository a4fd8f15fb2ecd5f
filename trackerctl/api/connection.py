"""HTTP/1.1 exchanges for the client: one POST sent, its answer read whole.

Two ways behind one interface, `post(url, headers, body, timeout) -> Reply`:

- `Pool`: keep-alive connections on the standard library's http.client, for direct connections
  (what every command and bulk job uses unless a proxy is set). Safe to share between threads:
  at most `max_connections` open, idle ones reused newest first, and dropped when they have been
  idle for `keepalive` seconds or the server has closed them (a readable idle socket).
- `HttpxExchange`: an httpx.Client, for what httpx does and the pool does not: proxies from the
  environment (HTTP_PROXY, HTTPS_PROXY, ALL_PROXY, with NO_PROXY), and custom httpx transports
  (tests' httpx.MockTransport).

The client also takes other exchanges of the same interface: `SandboxExchange` (the in-process
sandbox) and `trackerctl.api.client.DryRun` (`--dry-run`: prints each request, sends nothing).

Why two, measured (`tests/bench/bench_bulk.py design`: `tracker/read` against `sandbox serve` on
loopback, threads sharing one client; one run, medians of 3): 2,157 req/s at 0.23 ms of client
CPU per request for this pool against 1,169 req/s at 0.63 ms for httpx.Client sequentially, and
3,056 against 1,328 req/s at concurrency 4. httpcore's pool, h11's state machine and httpx's
Request and Response models are most of a small request's cost, and a bulk job of many small
requests waits for exactly that once latency is hidden.

TLS trusts what httpx would (`verify=True`: SSL_CERT_FILE, else SSL_CERT_DIR, else certifi's
bundle), or the SSLContext given (`--ca-bundle`).

The timeout is a deadline for the whole exchange (CLI-CONTRACT.md section 10): waiting for a free
connection, connecting, sending, and reading the whole answer. The pool sets the socket's timeout
to the time left before every read, so a server that drips a byte a second ends at the deadline;
httpx takes the time left as its per-operation timeouts, and the deadline is checked between the
chunks of the body it streams.

An answer is read in chunks of 64 KiB and decoded (gzip, deflate) in steps of at most 1 MiB
(`zlib.decompressobj` with `max_length`), up to `max_answer` bytes counted after decoding: a
larger one raises `AnswerTooLarge` once that much has arrived, so neither a 200 MB body nor a small
gzip body that inflates to 512 MiB can take the machine's memory.

Failures raise one of three errors, which say whether the request may have reached the server:
`NotSent` (connect refused or timed out, the TLS handshake failed, no connection free within the
timeout; `CertificateRefused` when the server's certificate failed verification), `TimedOut`
(sent, no whole answer within the deadline) and `Lost` (sent, then the connection failed before a
whole answer arrived); and `BadAnswer` (`AnswerTooLarge`, an encoding that does not decode) when an
answer came but cannot be used.
"""

from __future__ import annotations

import functools
import http.client
import io
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
MAX_ANSWER = 64 * 2**20  # bytes of an answer, counted after decoding (TRACKERCTL_MAX_ANSWER_MB)
READ_CHUNK = 64 * 2**10  # bytes read per step
INFLATE_STEP = 2**20  # bytes inflated per step, at most


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    reason: str
    headers: Any  # case-insensitive `.get(name)`: http.client's HTTPMessage or httpx.Headers
    content: bytes | bytearray  # decoded; a bytearray when read in steps (no copy of a large body)


class ExchangeError(Exception):
    """The request failed without an HTTP answer. `sent`: it may have reached the server."""

    sent = True


class NotSent(ExchangeError):
    sent = False


class TimedOut(ExchangeError):
    pass


class Lost(ExchangeError):
    pass


class CertificateRefused(NotSent):
    """The server's certificate failed verification: retrying cannot help."""


class BadAnswer(Exception):
    """An answer arrived but cannot be used (the request was processed, or not: its outcome is open)."""


class AnswerTooLarge(BadAnswer):
    def __init__(self, limit: int) -> None:
        super().__init__(f"the answer is larger than {_size(limit)} (counted after decompression)")
        self.limit = limit


class Exchange(Protocol):
    def post(self, url: str, headers: Mapping[str, str], body: bytes, timeout: float) -> Reply: ...

    def close(self) -> None: ...


def proxy_configured(env: Mapping[str, str] = os.environ) -> bool:
    """A proxy is set in the environment (any case): httpx then handles the requests."""
    return any(value and key.lower() in PROXY_VARIABLES for key, value in env.items())


def open_exchange(*, verify: Any, max_connections: int, max_answer: int = MAX_ANSWER) -> Exchange:
    """The pool, unless a proxy is configured."""
    if proxy_configured():
        return HttpxExchange(verify=verify, max_connections=max_connections, max_answer=max_answer)
    return Pool(verify=verify, max_connections=max_connections, max_answer=max_answer)


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
    def __init__(
        self, *, verify: Any = True, max_connections: int = 8, keepalive: float = KEEPALIVE, max_answer: int = MAX_ANSWER
    ) -> None:
        self._verify = verify
        self._keepalive = keepalive
        self._max_answer = max_answer
        self._slots = threading.BoundedSemaphore(max_connections)
        self._lock = threading.Lock()
        self._idle: dict[tuple[bool, str, int], list[tuple[http.client.HTTPConnection, float]]] = {}
        self._targets: dict[str, _Target] = {}
        self._closed = False

    def post(self, url: str, headers: Mapping[str, str], body: bytes, timeout: float) -> Reply:
        deadline = time.monotonic() + timeout
        target = self._target(url)
        if not self._slots.acquire(timeout=timeout):
            raise NotSent(f"no free connection within {timeout:g}s")
        try:
            conn = self._idle_connection(target) or self._connect(target, deadline)
            try:
                left = deadline - time.monotonic()
                if left <= 0:
                    conn.close()
                    raise NotSent("timed out before sending")
                conn.sock.settimeout(left)
                conn.response_class = functools.partial(_Response, deadline=deadline)  # type: ignore[assignment]
                conn.request("POST", target.path, body, dict(headers))
                answer = conn.getresponse()
                content = _read_body(answer, self._max_answer)
            except Exception as e:  # the connection is in an unknown state: it goes
                conn.close()
                if isinstance(e, TimeoutError):
                    raise TimedOut(_text(e)) from None
                if isinstance(e, (OSError, http.client.HTTPException)):
                    raise Lost(_lost(e)) from None
                raise
            if answer.will_close:
                conn.close()
            else:
                self._put_back(target, conn)
            return Reply(answer.status, answer.reason, answer.headers, content)
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

    def _connect(self, target: _Target, deadline: float) -> http.client.HTTPConnection:
        import ssl

        timeout = deadline - time.monotonic()
        if timeout <= 0:
            raise NotSent("timed out before connecting")
        conn: http.client.HTTPConnection
        if target.https:
            conn = http.client.HTTPSConnection(target.host, target.port, timeout=timeout, context=self._tls)
        else:
            conn = http.client.HTTPConnection(target.host, target.port, timeout=timeout)
        try:
            conn.connect()  # sets TCP_NODELAY
        except OSError as e:  # refused, unreachable, DNS, timeout, the TLS handshake
            conn.close()
            if isinstance(e, ssl.SSLCertVerificationError):
                raise CertificateRefused(_certificate(target.host, e)) from None
            raise NotSent(_text(e)) from None
        return conn

    def _put_back(self, target: _Target, conn: http.client.HTTPConnection) -> None:
        with self._lock:
            if not self._closed:
                self._idle.setdefault(target.key, []).append((conn, time.monotonic()))
                return
        conn.close()

    @functools.cached_property
    def _tls(self) -> "ssl.SSLContext":
        return tls_context(self._verify)


def tls_context(verify: Any) -> "ssl.SSLContext":
    """The SSLContext httpx would build for `verify` (True, False or an SSLContext): the one given
    (`--ca-bundle`), else SSL_CERT_FILE, else SSL_CERT_DIR, else certifi's bundle. The HTTP pool and
    the WebSocket channels (`trackerctl.api.channel`) trust the same."""
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


class _Response(http.client.HTTPResponse):
    """http.client's answer, reading from the socket with the time left before `deadline`."""

    def __init__(self, sock: socket.socket, debuglevel: int = 0, method: str | None = None, url: str | None = None,
                 *, deadline: float) -> None:
        super().__init__(_DeadlineSocket(sock, deadline), debuglevel, method, url)  # type: ignore[arg-type]


class _DeadlineSocket:
    """What HTTPResponse takes from the socket: `makefile("rb")`, here bounded by the deadline."""

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        self._sock, self._deadline = sock, deadline

    def makefile(self, mode: str) -> io.BufferedReader:
        return io.BufferedReader(_DeadlineIO(self._sock, self._deadline), READ_CHUNK)


class _DeadlineIO(io.RawIOBase):
    """Socket reads, each with the socket's timeout set to the time left: a deadline, not a per-read
    timeout. Reads through socket.makefile's SocketIO, which keeps the socket open until this is
    closed (http.client closes the connection before the body of a `Connection: close` answer)."""

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        self._sock = sock
        self._raw = sock.makefile("rb", buffering=0)
        self._deadline = deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int | None:
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("timed out")
        self._sock.settimeout(left)
        return self._raw.readinto(buffer)

    def close(self) -> None:
        self._raw.close()
        super().close()


def _read_body(answer: http.client.HTTPResponse, limit: int) -> bytes | bytearray:
    """The whole body, decoded, in steps of READ_CHUNK; AnswerTooLarge past `limit` decoded bytes."""
    body = Decoder(answer.headers.get("Content-Encoding"), limit)
    if body.identity and answer.length is not None and answer.length > limit:
        raise AnswerTooLarge(limit)
    received = 0
    while chunk := answer.read(READ_CHUNK):
        received += len(chunk)
        body.feed(chunk)
    if answer.length:  # http.client ends a short read quietly: the server closed before Content-Length
        raise Lost(f"the answer was cut off after {received} bytes")
    return body.content()


class Decoder:
    """An answer's body as it arrives, decoded (gzip, deflate) in bounded steps, at most `limit`
    bytes after decoding: `feed` raises AnswerTooLarge as soon as one byte more has come out."""

    def __init__(self, encoding: str | None, limit: int) -> None:
        self.encoding = (encoding or "").strip().lower()
        self.limit = limit
        wbits = {"gzip": 47, "x-gzip": 47, "deflate": zlib.MAX_WBITS}.get(self.encoding)
        self._zlib = zlib.decompressobj(wbits) if wbits is not None else None
        self._data = bytearray()

    @property
    def identity(self) -> bool:
        return self._zlib is None

    def feed(self, chunk: bytes) -> None:
        inflater = self._zlib
        if inflater is None:
            self._add(chunk)
            return
        while chunk and not inflater.eof:
            # At most INFLATE_STEP bytes per step, and one byte past the limit (max_length >= 1: 0
            # would mean no bound): a small input that inflates a thousandfold is never held twice.
            step = min(INFLATE_STEP, self.limit - len(self._data) + 1)
            try:
                self._add(inflater.decompress(chunk, step))
            except zlib.error as e:
                raise BadAnswer(f"the answer's {self.encoding} encoding is broken ({e})") from None
            chunk = inflater.unconsumed_tail

    def _add(self, data: bytes) -> None:
        self._data += data
        if len(self._data) > self.limit:
            raise AnswerTooLarge(self.limit)

    def content(self) -> bytes | bytearray:
        return self._data


def _size(n: int) -> str:
    return f"{n // 2**20} MiB" if n % 2**20 == 0 else f"{n} bytes"


def _certificate(host: str, e: Exception) -> str:
    reason = getattr(e, "verify_message", None) or _text(e)
    return f"certificate verify failed for {host}: {reason}"


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
    def __init__(
        self,
        *,
        verify: Any = True,
        max_connections: int = 8,
        transport: "httpx.BaseTransport | None" = None,
        max_answer: int = MAX_ANSWER,
    ) -> None:
        import httpx

        self._httpx = httpx
        limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
        self._client = httpx.Client(verify=verify, transport=transport, limits=limits)
        self._urls: dict[str, httpx.URL] = {}
        self._max_answer = max_answer

    def post(self, url: str, headers: Mapping[str, str], body: bytes, timeout: float) -> Reply:
        httpx = self._httpx
        deadline = time.monotonic() + timeout
        parsed = self._urls.get(url)
        if parsed is None:
            parsed = self._urls[url] = httpx.URL(url)
        # A request built here and sent as is: Client.post would re-parse the URL and merge
        # cookies and default headers on every call.
        request = httpx.Request("POST", parsed, content=body, headers=headers, extensions={
            "timeout": {"connect": timeout, "read": timeout, "write": timeout, "pool": timeout}})
        try:
            resp = self._client.send(request, stream=True)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.ProxyError, httpx.UnsupportedProtocol) as e:
            import ssl

            refused = _cause(e, ssl.SSLCertVerificationError)
            if refused is not None:
                raise CertificateRefused(_certificate(parsed.host, refused)) from None
            raise NotSent(_text(e)) from None
        except (httpx.ReadTimeout, httpx.WriteTimeout) as e:
            raise TimedOut(_text(e)) from None
        except httpx.HTTPError as e:  # RemoteProtocolError, ReadError, WriteError
            raise Lost(_text(e)) from None
        try:
            content = self._read(resp, deadline)
        except httpx.TimeoutException as e:
            raise TimedOut(_text(e)) from None
        except httpx.HTTPError as e:  # the body cut short, a reset
            raise Lost(_text(e)) from None
        finally:
            resp.close()
        return Reply(resp.status_code, resp.reason_phrase, resp.headers, content)

    def _read(self, resp: "httpx.Response", deadline: float) -> bytes | bytearray:
        limit = self._max_answer
        if resp.is_stream_consumed:  # a transport's Response(content=...): in memory, decoded already
            if len(resp.content) > limit:
                raise AnswerTooLarge(limit)
            return resp.content
        body = Decoder(resp.headers.get("Content-Encoding"), limit)
        length = resp.headers.get("Content-Length", "")
        if body.identity and length.isdigit() and int(length) > limit:
            raise AnswerTooLarge(limit)
        for chunk in resp.iter_raw():  # undecoded: Decoder bounds what gzip inflates to
            body.feed(chunk)
            if time.monotonic() > deadline:
                raise TimedOut("timed out")
        return body.content()

    def close(self) -> None:
        self._client.close()


def _cause(e: BaseException, kind: type) -> BaseException | None:
    """The first exception of `kind` in e's chain of causes (httpx wraps ssl's errors)."""
    seen = 0
    while e is not None and seen < 10:
        if isinstance(e, kind):
            return e
        e = e.__cause__ or e.__context__  # type: ignore[assignment]
        seen += 1
    return None
