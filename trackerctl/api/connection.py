"""HTTP/1.1 exchanges for the client: one POST sent, its answer read whole.

Two ways behind one interface, `post(url, headers, body, timeout) -> Reply`:

- `Pool`: HTTP/1.1 spoken here on keep-alive sockets, for direct connections (what every command
  and bulk job uses unless a proxy is set). A request leaves in one `sendall`; the answer is
  received into a buffer and parsed here (status line, headers, a body by Content-Length, chunked
  or until close), with no email parser underneath and no `ssl` imported for http URLs. Safe to
  share between threads: at most `max_connections` open, idle ones reused newest first, and
  dropped when they have been idle for `keepalive` seconds or the server has closed them (a
  readable idle socket); an answer with `Connection: close`, an HTTP/1.0 one without keep-alive
  or one whose body ends with the connection closes its connection.
- `HttpxExchange`: an httpx.Client, for what httpx does and the pool does not: proxies from the
  environment (HTTP_PROXY, HTTPS_PROXY, ALL_PROXY, with NO_PROXY), and custom httpx transports
  (tests' httpx.MockTransport).

The client also takes other exchanges of the same interface: `SandboxExchange` (the in-process
sandbox) and `trackerctl.api.client.DryRun` (`--dry-run`: prints each request, sends nothing).

Why two, measured (`tests/bench/bench_bulk.py design`: `tracker/read` against `sandbox serve` on
loopback, threads sharing one client; one run, medians of 3, on a loaded machine): 957 req/s at
0.17 ms of client CPU per request for this pool against 282 req/s at 1.05 ms for httpx.Client
sequentially, and 1,312 against 343 req/s at concurrency 4 (0.18 against 1.16 ms). httpcore's
pool, h11's state machine and httpx's Request and Response models are most of a small request's
cost, and a bulk job of many small requests waits for exactly that once latency is hidden. The
pool's CPU per request was 0.25-0.28 ms before it spoke HTTP/1.1 itself and 0.17-0.20 ms after
(same benchmark, C=1 to 32).

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
whole answer arrived, or the answer breaks HTTP/1.1: no status line, a head over 64 KiB or 100
headers, an invalid chunk size); and `BadAnswer` (`AnswerTooLarge`, an encoding that does not
decode) when an answer came but cannot be used. The pool repeats nothing: a kept-alive connection
that the server closed before answering is `Lost` like any other, and the client decides.
"""

from __future__ import annotations

import functools
import os
import select
import socket
import threading
import time
import zlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol
from urllib.parse import urlsplit

if TYPE_CHECKING:
    import ssl

    import httpx

KEEPALIVE = 5.0  # seconds an idle connection is kept (httpx's default keepalive_expiry)
PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy")
MAX_ANSWER = 64 * 2**20  # bytes of an answer, counted after decoding (TRACKERCTL_MAX_ANSWER_MB)
READ_CHUNK = 64 * 2**10  # bytes read per step
MAX_HEAD = 64 * 2**10  # bytes of an answer's status line and headers
MAX_HEADERS = 100  # header lines of an answer (and trailer lines of a chunked one)
_HEX = frozenset(b"0123456789abcdefABCDEF")
INFLATE_STEP = 2**20  # bytes inflated per step, at most


class Reply(NamedTuple):  # a NamedTuple, not a dataclass: a fraction of the import time
    status: int
    reason: str
    headers: Any  # case-insensitive `.get(name)`: the pool's Headers or httpx.Headers
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


# ---- the pool: HTTP/1.1 on keep-alive sockets -----------------------------------------------------
class _Target(NamedTuple):
    key: tuple[bool, str, int]  # https, host, port: where idle connections are shared
    head: str  # the request line and Host header, the same for every request to this URL


class Pool:
    def __init__(
        self, *, verify: Any = True, max_connections: int = 8, keepalive: float = KEEPALIVE, max_answer: int = MAX_ANSWER
    ) -> None:
        self._verify = verify
        self._keepalive = keepalive
        self._max_answer = max_answer
        self._slots = threading.BoundedSemaphore(max_connections)
        self._lock = threading.Lock()
        self._idle: dict[tuple[bool, str, int], list[tuple[socket.socket, float]]] = {}
        self._targets: dict[str, _Target] = {}
        self._closed = False

    def post(self, url: str, headers: Mapping[str, str], body: bytes, timeout: float) -> Reply:
        deadline = time.monotonic() + timeout
        target = self._target(url)
        request = _request(target, headers, body)
        if not self._slots.acquire(timeout=timeout):
            raise NotSent(f"no free connection within {timeout:g}s")
        try:
            sock = self._idle_connection(target) or self._connect(target, deadline)
            try:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise NotSent("timed out before sending")
                sock.settimeout(left)
                sock.sendall(request)  # one send: head and body leave together (TCP_NODELAY)
                reply, reusable = _Reader(sock, deadline).answer(self._max_answer)
            except Exception as e:  # the connection is in an unknown state: it goes
                sock.close()
                if isinstance(e, TimeoutError):
                    raise TimedOut(_text(e)) from None
                if isinstance(e, (OSError, _Malformed)):
                    raise Lost(_text(e)) from None
                raise
            if reusable:
                self._put_back(target, sock)
            else:
                sock.close()
            return reply
        finally:
            self._slots.release()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, {}
        for socks in idle.values():
            for sock, _ in socks:
                sock.close()

    def _target(self, url: str) -> _Target:
        target = self._targets.get(url)
        if target is None:
            parts = urlsplit(url)
            https = parts.scheme == "https"
            host, port = parts.hostname or "", parts.port or (443 if https else 80)
            path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            if not path.isascii() or any(c <= " " or c == "\x7f" for c in path):
                raise ValueError(f"the URL's path cannot be sent as it is: {path!r}")
            name = f"[{host}]" if ":" in host else host if host.isascii() else host.encode("idna").decode("ascii")
            name += "" if port == (443 if https else 80) else f":{port}"
            target = self._targets[url] = _Target((https, host, port), f"POST {path} HTTP/1.1\r\nHost: {name}\r\n")
        return target

    def _idle_connection(self, target: _Target) -> socket.socket | None:
        """The newest idle connection to the target that is still usable."""
        now = time.monotonic()
        while True:
            with self._lock:
                socks = self._idle.get(target.key)
                if not socks:
                    return None
                sock, since = socks.pop()
            if now - since <= self._keepalive and not _readable(sock):
                return sock
            sock.close()  # expired, or the server closed it (EOF) or sent what nobody asked for

    def _connect(self, target: _Target, deadline: float) -> socket.socket:
        https, host, port = target.key
        timeout = deadline - time.monotonic()
        if timeout <= 0:
            raise NotSent("timed out before connecting")
        try:  # refused, unreachable, DNS, timeout; an ASCII name as bytes: no idna codec to import
            sock = socket.create_connection((host.encode() if host.isascii() else host, port), timeout)
        except OSError as e:
            raise NotSent(_text(e)) from None
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # a request leaves at once
        if https:
            import ssl  # only here: a command over http starts without it

            context = self._tls
            try:  # the handshake, with SNI; the certificate is checked against the host name
                sock = context.wrap_socket(sock, server_hostname=host)
            except OSError as e:
                sock.close()
                if isinstance(e, ssl.SSLCertVerificationError):
                    raise CertificateRefused(_certificate(host, e)) from None
                raise NotSent(_text(e)) from None
        return sock

    def _put_back(self, target: _Target, sock: socket.socket) -> None:
        with self._lock:
            if not self._closed:
                self._idle.setdefault(target.key, []).append((sock, time.monotonic()))
                return
        sock.close()

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


def _readable(sock: socket.socket) -> bool:
    """An idle keep-alive socket with something to read: the server closed it, or it is unusable."""
    try:
        return bool(select.select([sock], [], [], 0)[0])
    except (OSError, ValueError):
        return True


def _request(target: _Target, headers: Mapping[str, str], body: bytes) -> bytes:
    """The request as one buffer: request line, headers (with Content-Length, and Accept-Encoding:
    identity when none is given), blank line, body."""
    lines = "".join([f"{name}: {value}\r\n" for name, value in headers.items()])
    if lines.count("\n") != len(headers) or lines.count("\r") != len(headers):
        raise ValueError("a header name or value holds a line break")
    names = {name.lower() for name in headers}
    if "accept-encoding" not in names:
        lines += "Accept-Encoding: identity\r\n"
    if "content-length" not in names:
        lines += f"Content-Length: {len(body)}\r\n"
    return (target.head + lines + "\r\n").encode("latin-1") + body


class Headers(dict[str, str]):
    """An answer's headers by lower-case name (a repeated one: its first value); `get`, `in` and
    `[]` take a name in any case."""

    def get(self, name: str, default: Any = None) -> Any:  # type: ignore[override]
        return super().get(name.lower(), default)

    def __getitem__(self, name: str) -> str:
        return super().__getitem__(name.lower())

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and super().__contains__(name.lower())


class _Malformed(Exception):
    """The answer breaks HTTP/1.1, or stops in the middle: the connection is lost to us."""


class _Reader:
    """One answer read from a socket into a buffer, each recv with the socket's timeout set to the
    time left before the deadline (a deadline, not a per-read timeout)."""

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        self.sock, self.deadline = sock, deadline
        self.scratch = bytearray(READ_CHUNK)  # what one recv fills
        self.buf = bytearray()  # received, not used yet
        self.taken = 0  # bytes of the body used so far

    def answer(self, limit: int) -> tuple[Reply, bool]:
        """The answer, its body decoded, and whether the connection may carry another request."""
        version, status, reason, headers = self._head()
        while 100 <= status < 200:  # 100 Continue and the like: the answer follows
            version, status, reason, headers = self._head()
        tokens = {t.strip() for t in headers.get("connection", "").lower().split(",")}
        reusable = ("keep-alive" in tokens or "keep-alive" in headers) if version == 10 else "close" not in tokens
        body = Decoder(headers.get("content-encoding"), limit)
        codings, length = headers.get("transfer-encoding"), headers.get("content-length")
        if status in (204, 304):
            pass
        elif codings is not None and codings.split(",")[-1].strip().lower() == "chunked":
            self._chunked(body)
        elif length is not None and codings is None:
            if not (length.isascii() and length.isdigit()):
                raise _Malformed(f"invalid Content-Length {length[:20]!r}")
            if body.identity and int(length) > limit:
                raise AnswerTooLarge(limit)
            self._exactly(int(length), body)
        else:  # no length, or a transfer coding we cannot undo: the body ends with the connection
            while data := self._take(READ_CHUNK):
                body.feed(data)
            reusable = False
        reusable = reusable and not self.buf  # bytes past the answer: nobody knows what they are
        return Reply(status, reason, headers, body.content()), reusable

    def _more(self) -> memoryview:
        """The next bytes from the socket (none at EOF), valid until the next call."""
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("timed out")
        self.sock.settimeout(left)
        return memoryview(self.scratch)[: self.sock.recv_into(self.scratch)]

    def _head(self) -> tuple[int, int, str, Headers]:
        """Status line and headers, at most MAX_HEAD bytes and MAX_HEADERS lines: (10 or 11 for
        HTTP/1.0 or 1.1, status, reason, headers)."""
        buf, start, end = self.buf, 0, -1
        while end < 0 and (len(buf) < 5 or buf.startswith(b"HTTP/")):  # not HTTP: said at once
            found = [i for i in (buf.find(b"\n\r\n", start), buf.find(b"\n\n", start)) if i >= 0]
            if found:
                end = min(found)
            elif len(buf) > MAX_HEAD:
                raise _Malformed(f"the answer's head is longer than {MAX_HEAD // 1024} KiB")
            else:
                start = max(0, len(buf) - 2)
                data = self._more()
                if not data:
                    if not buf:
                        raise _Malformed("the server closed the connection without answering")
                    raise _Malformed(f"the answer was cut off in its head after {len(buf)} bytes")
                buf += data
        if end > MAX_HEAD:
            raise _Malformed(f"the answer's head is longer than {MAX_HEAD // 1024} KiB")
        lines = (buf[:end] if end >= 0 else buf[:MAX_HEAD]).decode("latin-1").split("\n")
        first = lines[0].strip()
        version, status, reason = (first.split(None, 2) + ["", ""])[:3]
        if not (end >= 0 and version.startswith("HTTP/") and len(status) == 3 and status.isascii() and status.isdigit()
                and status >= "100"):
            raise _Malformed(f"not an HTTP answer: {first[:60]!r}")
        if not version.startswith("HTTP/1."):
            raise _Malformed(f"not an HTTP/1 answer: {first[:60]!r}")
        del buf[: end + (3 if buf.startswith(b"\n\r\n", end) else 2)]
        if len(lines) > MAX_HEADERS + 1:
            raise _Malformed(f"the answer has more than {MAX_HEADERS} headers")
        headers, last = Headers(), ""
        for line in lines[1:]:
            name, colon, value = line.partition(":")
            name = name.strip().lower()
            if line[:1] in (" ", "\t"):  # an obsolete folded line continues the value above
                if last:
                    headers[last] += " " + line.strip()
            elif colon and name and name not in headers:  # a repeated name: its first value counts
                headers[name] = value.strip()
                last = name
            else:
                last = ""
        return 10 if version == "HTTP/1.0" else 11, int(status), reason.strip(), headers

    def _take(self, n: int) -> bytes | bytearray | memoryview:
        """Up to n bytes of the body, buffered ones first; none at EOF. Valid until the next call."""
        if self.buf:
            data: bytes | bytearray | memoryview = self.buf[:n]
            del self.buf[:n]
        else:
            data = self._more()
            if len(data) > n:
                self.buf += data[n:]
                data = data[:n]
        self.taken += len(data)
        return data

    def _line(self) -> bytes:
        """One line of a chunked body (a chunk's size, the end of its data, a trailer), without its end."""
        buf, start = self.buf, 0
        while (i := buf.find(b"\n", start)) < 0:
            if len(buf) > MAX_HEAD:
                raise _Malformed(f"a line of the answer is longer than {MAX_HEAD // 1024} KiB")
            start = len(buf)
            if not (data := self._more()):
                raise _Malformed(f"the answer was cut off after {self.taken} bytes")
            buf += data
        line = bytes(buf[:i]).rstrip(b"\r")
        del buf[: i + 1]
        return line

    def _exactly(self, length: int, body: Decoder) -> None:
        while self.taken < length:
            if not (data := self._take(length - self.taken)):
                raise _Malformed(f"the answer was cut off after {self.taken} bytes")
            body.feed(data)

    def _chunked(self, body: Decoder) -> None:
        while True:
            line = self._line()
            size = line.split(b";", 1)[0].strip()  # chunk extensions are ignored
            if not (0 < len(size) <= 16 and all(c in _HEX for c in size)):
                raise _Malformed(f"invalid chunk size {line[:20]!r}")
            if not (left := int(size, 16)):
                break
            self._exactly(self.taken + left, body)
            if self._line():
                raise _Malformed("a chunk of the answer is longer than its size")
        for _ in range(MAX_HEADERS + 1):  # trailers, up to a blank line: read and dropped
            if not self._line():
                return
        raise _Malformed(f"the answer has more than {MAX_HEADERS} trailers")


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
