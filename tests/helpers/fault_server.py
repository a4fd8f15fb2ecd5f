"""A real HTTP server on 127.0.0.1 that answers each request with one fault, chosen by the URL.

The first path segment is the mode and the rest is the API path, so a command picks the fault with
`--api-url http://127.0.0.1:PORT/<mode>/v2`. The server counts the requests that arrive per mode
(thread-safe, `count(mode)`), and the connections it accepted (`accepted`), so that a test can
assert how many times a request was sent. As an HTTP proxy (HTTP_PROXY pointing at it) it reads
the mode from the absolute-form request line the same way. `FaultServer(tls=context)` speaks TLS
(`https://localhost:PORT`). Thread per connection; `stop()` ends every handler
(a blackhole or a drip waits on the stop event, never on time alone).

Modes (an answer "ok" is the API's success body for the action, see `ok_body`):
  ok                 the API's success body
  html502, html503   an HTML error page, no API body
  bare429            HTTP 429 with an HTML page, no API body
  code8, code14, code15, code1, code6
                     the API's error body with that code (HTTP 503, 503, 429, 500, 500)
  truncated          200, Content-Length larger than what is sent, then the connection is closed
  reset              reads the request, then RST (SO_LINGER 0)
  drop               reads the request, then closes without answering (FIN)
  drip               the whole answer (headers included) one byte a second
  dripbody           headers at once, the body one byte a second
  blackhole          accepts and reads, never answers
  huge               200 MB of plain body, chunked, streamed (no Content-Length)
  hugecl             the same with a Content-Length
  gzipbomb           a gzip body of ~0.5 MB that inflates to 512 MiB of zeros (built once, cached)
  bigok, bigokgz     a valid success answer of 2 MiB, plain or gzip (for TRACKERCTL_MAX_ANSWER_MB)
  oddcode            `status.code` is "x"
  nocode             `status` without a code
  statustext         `status` is a string
  notobject          the body is a JSON array
  deep, deep-<N>     a success body whose value nests 100000 (or N) arrays
  oddtypes           a success body whose fields have odd types (value a string, list a number...)
  redirect301, redirect302, redirect307
                     a redirect to the same path under /ok (same host)
  redirecthost       a 307 to another host (127.0.0.2)
  r429-<kind>        HTTP 429 with code 15 and Retry-After of that kind: seconds (1), zero,
                     negative, nan, inf, datenear (now + 1 s), datefar (now + 1 day), garbage, absent
  flaky-<fault>-<N>  the first N requests of this mode get <fault> (any mode above), then ok
  flaky503-<N>       flaky-code8-<N>
"""

from __future__ import annotations

import gzip
import json
import socket
import ssl
import struct
import threading
import time
import zlib
from collections import Counter
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

HASH = "f" * 32
HUGE_BYTES = 200 * 10**6
BOMB_BYTES = 512 * 2**20

_bomb: bytes | None = None
_bomb_lock = threading.Lock()


def gzip_bomb() -> bytes:
    """gzip of 512 MiB of zeros (~0.5 MB), built once and cached. One MiB of zeros is deflated
    once and its block repeated (a full flush makes each block independent of the ones before)."""
    global _bomb
    with _bomb_lock:
        if _bomb is None:
            zeros = bytes(2**20)
            packer = zlib.compressobj(9, zlib.DEFLATED, -15)  # raw deflate; the gzip frame is added here
            block = packer.compress(zeros) + packer.flush(zlib.Z_FULL_FLUSH)
            end = packer.flush(zlib.Z_FINISH)
            crc = 0
            for _ in range(BOMB_BYTES // len(zeros)):
                crc = zlib.crc32(zeros, crc)
            header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"  # gzip, deflate, no name, no time
            trailer = struct.pack("<II", crc, BOMB_BYTES % 2**32)
            _bomb = header + block * (BOMB_BYTES // len(zeros)) + end + trailer
        return _bomb


def ok_body(action: str) -> dict:
    """The API's success answer for an action, as far as the CLI reads it."""
    if action in ("user/auth", "panel/account/auth"):
        body: dict = {"hash": HASH}
        if action == "panel/account/auth":
            body["permissions"] = {"tracker": ["read"]}
        return {"success": True, **body}
    if action.endswith("/read"):
        return {"success": True, "value": {"id": 1, "label": "fault server", "source": {"device_id": "1"}}}
    if action.endswith("/list"):
        return {"success": True, "list": [], "count": 0}
    if action == "panel/tracker/batch_delete_clones":
        return {"success": True, "not_deleted_count": 0, "not_deleted_trackers": []}
    return {"success": True}


def api_error(code: int, description: str = "fault") -> bytes:
    return json.dumps({"success": False, "status": {"code": code, "description": description}}).encode()


CODES = {"code8": (8, 503), "code14": (14, 503), "code15": (15, 429), "code1": (1, 500), "code6": (6, 500)}
HTML = b"<html><head><title>Service unavailable</title></head><body><h1>Please try later</h1></body></html>"


class FaultServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.port = self.server_address[1]
        self.tls = tls
        self.url = f"https://localhost:{self.port}" if tls else f"http://127.0.0.1:{self.port}"
        self.stopping = threading.Event()
        self.accepted = 0
        self._counts: Counter[str] = Counter()
        self._actions: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    # -- what tests use -------------------------------------------------------------------------
    def api(self, mode: str) -> str:
        """The --api-url that picks `mode`."""
        return f"{self.url}/{mode}/v2"

    def count(self, mode: str | None = None) -> int:
        """Requests that arrived (read whole) for `mode`, or for every mode."""
        with self._lock:
            return sum(self._counts.values()) if mode is None else self._counts[mode]

    def actions(self, mode: str | None = None) -> list[str]:
        with self._lock:
            return [a for m, a in self._actions if mode is None or m == mode]

    def start(self) -> "FaultServer":
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.shutdown()
        self.server_close()
        if self._thread is not None:
            self._thread.join(5)

    def __enter__(self) -> "FaultServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- bookkeeping ----------------------------------------------------------------------------
    def get_request(self):  # type: ignore[override]
        conn, addr = super().get_request()
        with self._lock:
            self.accepted += 1
        if self.tls is not None:  # the handshake happens in the handler's thread, on its first read
            conn = self.tls.wrap_socket(conn, server_side=True, do_handshake_on_connect=False)
        return conn, addr

    def handle_error(self, request, client_address) -> None:  # type: ignore[override]
        pass  # a client that hung up, a refused handshake: what faults are for; no traceback on stderr

    def arrived(self, mode: str, action: str) -> int:
        """Count a request; the number of requests of this mode so far, this one included."""
        with self._lock:
            self._counts[mode] += 1
            self._actions.append((mode, action))
            return self._counts[mode]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: FaultServer

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        path = urlsplit(self.path).path if self.path.startswith("http") else self.path  # as a proxy: absolute-form
        mode, _, rest = path.lstrip("/").partition("/")
        action = rest.partition("/")[2] if rest.startswith("v2/") else rest
        n = self.server.arrived(mode, action)
        fault = mode
        if mode.startswith("flaky503-"):
            fault = "code8" if n <= int(mode.split("-")[1]) else "ok"
        elif mode.startswith("flaky-"):
            inner, _, times = mode[len("flaky-"):].rpartition("-")
            fault = inner if n <= int(times) else "ok"
        self.fault(fault, action)

    # -- answers --------------------------------------------------------------------------------
    def send(self, status: int, body: bytes, *, ctype: str = "application/json", headers: dict | None = None,
             length: int | None = None) -> None:
        head = [f"HTTP/1.1 {status} {self.responses.get(status, ('',))[0]}", f"Content-Type: {ctype}",
                f"Content-Length: {len(body) if length is None else length}"]
        head += [f"{k}: {v}" for k, v in (headers or {}).items()]
        self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        self.wfile.flush()

    def json(self, status: int, body: dict | bytes, **kw) -> None:
        self.send(status, body if isinstance(body, bytes) else json.dumps(body).encode(), **kw)

    def fault(self, fault: str, action: str) -> None:
        stop = self.server.stopping
        if fault == "ok":
            self.json(200, ok_body(action))
        elif fault in ("html502", "html503"):
            self.send(int(fault[4:]), HTML, ctype="text/html")
        elif fault == "bare429":
            self.send(429, HTML, ctype="text/html", headers={"Retry-After": "0"})
        elif fault in CODES:
            code, status = CODES[fault]
            self.json(status, api_error(code))
        elif fault == "truncated":
            self.send(200, b'{"success": tr', length=1000)
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
        elif fault == "reset":  # closed with SO_LINGER 0: the kernel sends RST, not FIN
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
        elif fault == "drop":
            self.close_connection = True
        elif fault in ("drip", "dripbody"):
            body = json.dumps(ok_body(action)).encode()
            head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode()
            if fault == "dripbody":
                self.wfile.write(head)
                self.wfile.flush()
                head = b""
            for i in range(len(head + body)):
                self.wfile.write((head + body)[i : i + 1])
                self.wfile.flush()
                if stop.wait(1.0):
                    break
            self.close_connection = True
        elif fault == "blackhole":
            stop.wait()
            self.close_connection = True
        elif fault in ("huge", "hugecl"):
            self.huge(chunked=fault == "huge")
        elif fault in ("bigok", "bigokgz"):  # a valid answer of 2 MiB, plain or gzip (a few KB on the wire)
            body = json.dumps({"success": True, "value": {"id": 1, "label": "x" * (2 * 2**20)}}).encode()
            if fault == "bigokgz":
                self.send(200, gzip.compress(body), headers={"Content-Encoding": "gzip"})
            else:
                self.send(200, body)
        elif fault == "gzipbomb":
            self.send(200, gzip_bomb(), headers={"Content-Encoding": "gzip"})
        elif fault == "oddcode":
            self.json(200, {"success": False, "status": {"code": "x", "description": "odd"}})
        elif fault == "nocode":
            self.json(400, {"success": False, "status": {"description": "no code"}})
        elif fault == "statustext":
            self.json(400, {"success": False, "status": "broken"})
        elif fault == "notobject":
            self.json(200, b"[1, 2, 3]")
        elif fault == "deep" or fault.startswith("deep-"):
            depth = int(fault[5:]) if fault.startswith("deep-") else 100_000
            self.json(200, b'{"success": true, "value": ' + b"[" * depth + b"]" * depth + b"}")
        elif fault == "oddtypes":
            self.json(200, {"success": True, "value": "not an object", "list": 5, "count": "many",
                            "not_deleted_count": "x", "not_deleted_trackers": "y", "hash": 7})
        elif fault.startswith("redirect"):
            status = 307 if fault == "redirecthost" else int(fault[len("redirect"):])
            host = f"http://127.0.0.2:{self.server.port}" if fault == "redirecthost" else ""
            location = f"{host}/ok/{self.path.lstrip('/').partition('/')[2]}"
            self.send(status, HTML, ctype="text/html", headers={"Location": location})
        elif fault.startswith("r429-"):
            value = retry_after(fault[len("r429-"):])
            self.json(429, api_error(15, "Too many requests"), headers={"Retry-After": value} if value is not None else {})
        else:
            self.json(404, {"success": False, "status": {"code": 404, "description": f"unknown fault mode {fault}"}})

    def huge(self, *, chunked: bool) -> None:
        block = b" " * 2**20
        total = HUGE_BYTES
        head = ["HTTP/1.1 200 OK", "Content-Type: application/json"]
        head.append("Transfer-Encoding: chunked" if chunked else f"Content-Length: {total}")
        try:
            self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode())
            sent = 0
            while sent < total and not self.server.stopping.is_set():
                part = block[: min(len(block), total - sent)]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part) if chunked else part)
                sent += len(part)
            if chunked:
                self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except OSError:  # the client gave up: what it should do
            pass
        self.close_connection = True


def retry_after(kind: str) -> str | None:
    return {
        "seconds": "1",
        "zero": "0",
        "negative": "-5",
        "nan": "nan",
        "inf": "inf",
        "datenear": formatdate(time.time() + 1, usegmt=True),
        "datefar": formatdate(time.time() + 86400, usegmt=True),
        "garbage": "soon, maybe",
        "absent": None,
    }[kind]


RETRY_AFTER_KINDS = ("seconds", "zero", "negative", "nan", "inf", "datenear", "datefar", "garbage", "absent")


if __name__ == "__main__":  # python tests/helpers/fault_server.py: serve until Ctrl-C
    with FaultServer() as server:
        print(server.url, flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
