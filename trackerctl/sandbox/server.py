"""`sandbox serve`: the emulator over HTTP/1.1 with the standard library's threading server.

Keep-alive connections, TCP_NODELAY on every accepted socket, and each answer written with one
send (status line, headers and body together), so no request waits on Nagle and delayed ACKs.
Nothing goes to stdout; errors go to stderr, the access log too when asked for. A dropped answer
(`Reply.drop`) closes the connection without writing a byte. It binds exactly the host and port
it is given (port 0: a free one, see `base_url`). A GET with `Upgrade: websocket` is one of the
WebSocket channels (`/console`, `/v2/event/subscription`: channels.py, websocket.py) on the same port.
"""

from __future__ import annotations

import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType
from typing import Any

from trackerctl import __version__
from trackerctl.sandbox.app import Faults, Sandbox
from trackerctl.sandbox.channels import ChannelSettings


class SandboxHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive
    disable_nagle_algorithm = True
    server_version = f"trackerctl-sandbox/{__version__}"
    sys_version = ""
    timeout = 120  # an idle keep-alive connection is closed after this many seconds
    server: SandboxServer

    def do_POST(self) -> None:
        body = self._read_body()
        if body is None:
            return
        path, _, query = self.path.partition("?")
        reply = self.server.sandbox.handle(path, body, self.headers, query, method=self.command)
        if reply.drop:
            self.close_connection = True  # the server closes the socket: the client gets nothing
            return
        lines = [
            f"HTTP/1.1 {reply.status} {_phrase(reply.status)}",
            f"Server: {self.server_version}",
            f"Date: {self.date_time_string()}",
            *(f"{k}: {v}" for k, v in reply.headers.items()),
            f"Content-Length: {len(reply.body)}",
        ]
        if self.close_connection:
            lines.append("Connection: close")
        self.wfile.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + reply.body)
        self.log_request(reply.status, len(reply.body))

    def do_GET(self) -> None:
        if "websocket" in (self.headers.get("Upgrade") or "").lower():
            from trackerctl.sandbox.websocket import serve_channel  # the websockets package, on this path only

            serve_channel(self)
        else:
            self.do_POST()

    # Any other method reaches the sandbox too, which answers 112 "Wrong method".
    do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_POST

    def parse_request(self) -> bool:
        """A fast path for `METHOD TARGET HTTP/1.x` requests; anything else goes to the standard
        library's parser. (Its email-based header parsing took 40 % of the server's time.)"""
        words = str(self.raw_requestline, "iso-8859-1").rstrip("\r\n").split(" ")
        if len(words) != 3 or words[2] not in ("HTTP/1.1", "HTTP/1.0") or not words[0].isalpha():
            return super().parse_request()
        self.requestline = " ".join(words)
        self.command, self.path, self.request_version = words
        headers = _Headers()
        for _ in range(_MAX_HEADERS + 1):
            line = self.rfile.readline(_MAX_LINE + 1)
            if line in (b"\r\n", b"\n", b""):
                break
            name, colon, value = str(line, "iso-8859-1").partition(":")
            if len(line) > _MAX_LINE or not colon or not name or name[0] in " \t" or name != name.strip():
                self.close_connection = True
                self.send_error(HTTPStatus.BAD_REQUEST, "Bad header line")
                return False
            headers.add(name, value.strip())
        else:
            self.close_connection = True
            self.send_error(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Too many headers")
            return False
        self.headers = headers  # type: ignore[assignment]
        connection = headers.get("connection", "").lower()
        self.close_connection = "close" in connection or (self.request_version == "HTTP/1.0" and "keep-alive" not in connection)
        if headers.get("expect", "").lower() == "100-continue" and self.request_version == "HTTP/1.1":
            return self.handle_expect_100()
        return True

    def date_time_string(self, timestamp: float | None = None) -> str:
        if timestamp is not None:
            return super().date_time_string(timestamp)
        now = int(time.time())
        if _date_cache[0] != now:
            _date_cache[:] = [now, super().date_time_string(now)]
        return str(_date_cache[1])

    def _read_body(self) -> bytes | None:
        """The request body (Content-Length or chunked); None after answering a malformed one."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size_line = self.rfile.readline(1024).split(b";", 1)[0].strip()
                try:
                    size = int(size_line, 16)
                except ValueError:
                    self.send_error(HTTPStatus.BAD_REQUEST, "Bad chunked encoding")
                    return None
                if size == 0:
                    while self.rfile.readline(1024).strip():  # trailers
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline(3)
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0:
            self.send_error(HTTPStatus.BAD_REQUEST, "Bad Content-Length")
            return None
        return self.rfile.read(length) if length else b""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        if self.server.access_log:  # our answers and send_error's alike
            super().log_request(code, size)

    def log_error(self, format: str, *args: Any) -> None:
        if not format.startswith("Request timed out"):  # an idle keep-alive connection: not an error
            super().log_error(format, *args)


_MAX_HEADERS = 100
_MAX_LINE = 65536
_date_cache: list[Any] = [0, ""]


class _Headers(dict[str, str]):
    """Request headers keyed by lower-cased name; a repeated header's values joined with ", "."""

    def add(self, name: str, value: str) -> None:
        key = name.lower()
        self[key] = f"{self[key]}, {value}" if key in self else value

    def get(self, name: str, default: Any = None) -> Any:  # type: ignore[override]
        return super().get(name.lower(), default)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


class SandboxServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # idle keep-alive threads must not hold up server_close
    request_queue_size = 128  # listen backlog: a bulk job opens --concurrency connections at once

    def __init__(self, address: tuple[str, int], sandbox: Sandbox, *, family: int = socket.AF_INET, access_log: bool = False) -> None:
        self.address_family = family
        self.sandbox = sandbox
        self.access_log = access_log
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, SandboxHandler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks up the host's FQDN, a DNS round trip for nothing.
        self.socket.bind(self.server_address)
        self.server_address = self.socket.getsockname()
        self.server_name, self.server_port = str(self.server_address[0]), int(self.server_address[1])

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        shown = f"[{host}]" if ":" in str(host) else host
        return f"http://{shown}:{port}/v2"

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away mid-answer is not worth a traceback; anything else is."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)

    def server_close(self) -> None:
        """Stop listening and cut the open keep-alive connections, so their threads end."""
        super().server_close()
        with self._open_lock:
            connections = list(self._open)
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def make_server(host: str, port: int, sandbox: Sandbox, *, access_log: bool = False) -> SandboxServer:
    """A bound, listening server (not yet serving: call `serve_forever`, e.g. in a thread)."""
    family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0][0]
    return SandboxServer((host, port), sandbox, family=family, access_log=access_log)


def serve(
    host: str,
    port: int,
    db_path: str | Path,
    faults: Faults,
    *,
    on_ready: Callable[[str], None] | None = None,
    access_log: bool = False,
    channels: ChannelSettings | None = None,
    move: float | None = None,
) -> None:
    """Serve until SIGINT or SIGTERM; `on_ready(base_url)` once listening. `channels` sets the
    WebSocket channels' heartbeat; `move` makes the fleet drive a step every that many seconds
    (fleet.py, seeded with the faults' seed)."""
    sandbox = Sandbox(db_path, faults=faults)
    sandbox.channel_settings = channels
    server = make_server(host, port, sandbox, access_log=access_log)
    mover = None
    if move is not None:
        from trackerctl.sandbox.fleet import Mover

        mover = Mover(sandbox, move, faults.seed)
        mover.start()

    def stop(signum: int, frame: FrameType | None) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    previous: dict[int, Any] = {}
    try:
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                previous[sig] = signal.signal(sig, stop)
            except ValueError:  # not the main thread: the caller stops us with server.shutdown()
                break
        if on_ready is not None:
            on_ready(server.base_url)
        server.serve_forever(poll_interval=0.5)
    finally:
        if mover is not None:
            mover.stop()
        server.server_close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        sys.stderr.flush()
