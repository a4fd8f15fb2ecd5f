"""The client's HTTP exchanges (trackerctl/api/connection.py) against real loopback sockets.

`Peer` is a scripted HTTP/1.1 server: each accepted connection is handed to the test's function,
which reads requests and answers (or misbehaves) as the case needs. The sandbox answers like a
well-behaved server; what it cannot do (close a kept-alive connection, stall, cut an answer
short, speak TLS) is done here.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Callable

import httpx
import pytest

from trackerctl.api import connection
from trackerctl.api.client import ApiClient, RetryPolicy
from trackerctl.api.connection import HttpxExchange, Lost, NotSent, Pool, TimedOut, open_exchange
from trackerctl.api.errors import OutcomeUnknown, Unreachable
from trackerctl.errors import TransientError

HEADERS = {"Content-Type": "application/json", "Accept-Encoding": "gzip"}
BODY = json.dumps({"success": True}).encode()


class Peer:
    """A loopback server that runs `handle(conn, peer)` for each connection it accepts."""

    def __init__(self, handle: Callable[[socket.socket, "Peer"], None], tls: ssl.SSLContext | None = None) -> None:
        self.handle = handle
        self.accepted = 0
        self.requests: list[bytes] = []
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"{'https' if tls else 'http'}://{'localhost' if tls else '127.0.0.1'}:{self.port}/v2/tracker/list"
        self.tls = tls
        self.threads: list[threading.Thread] = []
        self.stopped = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            if self.tls:
                try:
                    conn = self.tls.wrap_socket(conn, server_side=True)
                except (OSError, ssl.SSLError):
                    conn.close()
                    continue
            t = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self.threads.append(t)
            t.start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            try:
                self.handle(conn, self)
            except OSError:
                pass

    def read_request(self, conn: socket.socket) -> bytes | None:
        """One request (head and Content-Length body), or None at EOF."""
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return None
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")), 0)
        while len(body) < length:
            body += conn.recv(65536)
        self.requests.append(head + b"\r\n\r\n" + body)
        return body

    def close(self) -> None:
        self.stopped.set()
        self.sock.close()


def answer(body: bytes = BODY, status: str = "200 OK", extra: str = "") -> bytes:
    return f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n{extra}\r\n".encode() + body


def keep_alive(conn: socket.socket, peer: Peer) -> None:
    while peer.read_request(conn) is not None:
        conn.sendall(answer())


@pytest.fixture
def peer_factory():
    peers: list[Peer] = []

    def make(handle, tls=None) -> Peer:
        peers.append(Peer(handle, tls))
        return peers[-1]

    yield make
    for p in peers:
        p.close()


def test_keep_alive_reuses_one_connection_and_sends_the_request_as_given(peer_factory):
    peer = peer_factory(keep_alive)
    pool = Pool()
    for i in range(3):
        reply = pool.post(peer.url, {**HEADERS, "Authorization": "NVX h"}, b'{"n": %d}' % i, 5)
        assert (reply.status, reply.reason, reply.content) == (200, "OK", BODY)
        assert reply.headers.get("content-type") == "application/json"
    assert peer.accepted == 1
    head = peer.requests[2].decode()
    assert head.startswith("POST /v2/tracker/list HTTP/1.1\r\n")
    assert f"Host: 127.0.0.1:{peer.port}" in head and "Authorization: NVX h" in head
    assert "Accept-Encoding: gzip" in head and "Accept-Encoding: identity" not in head
    assert head.endswith('\r\n\r\n{"n": 2}')
    pool.close()


def test_a_connection_the_server_closed_while_idle_is_replaced(peer_factory):
    closed = threading.Event()

    def one_then_close(conn, peer):  # answers one request, keeps the connection alive, then drops it
        peer.read_request(conn)
        conn.sendall(answer())
        conn.close()
        closed.set()

    peer = peer_factory(one_then_close)
    pool = Pool()
    pool.post(peer.url, HEADERS, b"{}", 5)
    assert closed.wait(5)  # the server has closed it: the idle socket reads EOF
    assert pool.post(peer.url, HEADERS, b"{}", 5).status == 200
    assert peer.accepted == 2


def test_connection_close_and_expired_connections_are_not_reused(peer_factory):
    def close_each(conn, peer):
        peer.read_request(conn)
        conn.sendall(answer(extra="Connection: close\r\n"))

    peer = peer_factory(close_each)
    pool = Pool()
    for _ in range(2):
        assert pool.post(peer.url, HEADERS, b"{}", 5).content == BODY
    assert peer.accepted == 2

    peer2 = peer_factory(keep_alive)
    pool = Pool(keepalive=0.0)
    for _ in range(2):
        pool.post(peer2.url, HEADERS, b"{}", 5)
        time.sleep(0.01)
    assert peer2.accepted == 2


def test_gzip_and_chunked_answers_are_decoded(peer_factory):
    packed = gzip.compress(b'{"success": true, "list": []}')

    def fancy(conn, peer):
        peer.read_request(conn)
        conn.sendall(answer(packed, extra="Content-Encoding: gzip\r\n"))
        peer.read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"a\":\r\n3\r\n 1}\r\n0\r\n\r\n")

    peer = peer_factory(fancy)
    pool = Pool()
    assert pool.post(peer.url, HEADERS, b"{}", 5).content == b'{"success": true, "list": []}'
    assert pool.post(peer.url, HEADERS, b"{}", 5).content == b'{"a": 1}'
    assert peer.accepted == 1


def test_refused_connection_is_not_sent():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound, not listening: refused
        with pytest.raises(NotSent, match="refused"):
            Pool().post(f"http://127.0.0.1:{port}/v2/x", HEADERS, b"{}", 2)


@pytest.mark.parametrize(
    ("behaviour", "error", "text"),
    [
        ("silent", TimedOut, "timed out"),
        ("hang_up", Lost, "closed the connection without answering"),
        ("cut_short", Lost, "cut off after 5 bytes"),
        ("garbage", Lost, "not an HTTP answer: 'SPEAK FRIEND'"),
    ],
)
def test_failures_after_sending(peer_factory, behaviour, error, text):
    def misbehave(conn, peer):
        peer.read_request(conn)
        if behaviour == "silent":
            time.sleep(1.0)
        elif behaviour == "cut_short":
            conn.sendall(answer(b'{"success": true}')[:-12])
        elif behaviour == "garbage":
            conn.sendall(b"SPEAK FRIEND\r\n\r\n")

    peer = peer_factory(misbehave)
    with pytest.raises(error, match=text) as caught:
        Pool().post(peer.url, HEADERS, b"{}", 0.3)
    assert caught.value.sent


def test_at_most_max_connections_are_open(peer_factory):
    gate = threading.Event()
    holding = threading.Semaphore(0)  # released once per request the server holds

    def slow(conn, peer):
        while peer.read_request(conn) is not None:
            holding.release()
            gate.wait(5)
            conn.sendall(answer())

    peer = peer_factory(slow)
    pool = Pool(max_connections=2)
    results: list[int] = []
    workers = [threading.Thread(target=lambda: results.append(pool.post(peer.url, HEADERS, b"{}", 5).status)) for _ in range(2)]
    for w in workers:
        w.start()
    assert holding.acquire(timeout=5) and holding.acquire(timeout=5)  # both connections are busy
    with pytest.raises(NotSent, match="no free connection within 0.2s"):
        pool.post(peer.url, HEADERS, b"{}", 0.2)
    gate.set()
    for w in workers:
        w.join()
    assert results == [200, 200]
    assert pool.post(peer.url, HEADERS, b"{}", 5).status == 200
    assert peer.accepted == 2


def test_threads_share_the_pool(peer_factory):
    peer = peer_factory(keep_alive)
    pool = Pool(max_connections=4)
    statuses: list[int] = []

    def work():
        for _ in range(50):
            statuses.append(pool.post(peer.url, HEADERS, b"{}", 5).status)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [200] * 200
    assert peer.accepted <= 4
    assert len(peer.requests) == 200


# ---- issue 10: HTTP/1.1 spoken by the pool ---------------------------------------------------------
def serve_each(*answers: bytes, close: bool = False):
    """A peer that answers its connection's requests with `answers` in turn (then hangs up), closing
    the connection after each one when `close`."""

    def handle(conn, peer):
        for whole in answers:
            if peer.read_request(conn) is None:
                return
            conn.sendall(whole)
            if close:
                return

    return handle


def test_chunked_answers_with_extensions_and_trailers_keep_the_connection(peer_factory):
    chunked = (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n"
               b"X-Folded: one\r\n  two\r\nX-Twice: 1\r\nx-twice: 2\r\n\r\n"
               b"5;name=value;other\r\n{\"a\":\r\n3 ; x=\"y\"\r\n 1}\r\n0;last\r\nX-Checksum: abc\r\nX-Other: 2\r\n\r\n")
    peer = peer_factory(serve_each(chunked, answer()))
    pool = Pool()
    reply = pool.post(peer.url, HEADERS, b"{}", 5)
    assert (reply.status, reply.content, reply.headers.get("CONTENT-TYPE")) == (200, b'{"a": 1}', "application/json")
    assert reply.headers.get("X-Checksum") is None and reply.headers.get("x-missing", "") == ""
    assert (reply.headers.get("x-folded"), reply.headers["X-TWICE"], "X-Twice" in reply.headers) == ("one two", "1", True)
    assert pool.post(peer.url, HEADERS, b"{}", 5).content == BODY  # the trailers were read to the end
    assert peer.accepted == 1


def test_a_body_without_length_ends_with_the_connection(peer_factory):
    def until_close(conn, peer):
        peer.read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n" + BODY[:5])
        conn.sendall(BODY[5:])

    peer = peer_factory(until_close)
    pool = Pool()
    for _ in range(2):
        assert pool.post(peer.url, HEADERS, b"{}", 5).content == BODY
    assert peer.accepted == 2


def test_http_1_0_answers_close_unless_they_keep_alive(peer_factory):
    plain = b"HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(BODY), BODY)
    kept = b"HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: %d\r\n\r\n%s" % (len(BODY), BODY)
    peer = peer_factory(serve_each(plain, plain))  # keeps its end open: the client must not reuse it
    pool = Pool()
    for _ in range(2):
        assert pool.post(peer.url, HEADERS, b"{}", 5).content == BODY
    assert peer.accepted == 2
    peer = peer_factory(serve_each(kept, kept))
    for _ in range(2):
        assert pool.post(peer.url, HEADERS, b"{}", 5).content == BODY
    assert peer.accepted == 1


def test_connection_close_is_honoured_even_when_the_server_keeps_the_socket_open(peer_factory):
    closing = answer(extra="Connection: keep-alive, close\r\n")
    peer = peer_factory(serve_each(closing, closing))
    pool = Pool()
    for _ in range(2):
        assert pool.post(peer.url, HEADERS, b"{}", 5).status == 200
    assert peer.accepted == 2


def test_informational_answers_are_skipped_and_empty_ones_keep_the_connection(peer_factory):
    peer = peer_factory(serve_each(b"HTTP/1.1 100 Continue\r\n\r\n" + answer(), b"HTTP/1.1 204 No Content\r\n\r\n", answer()))
    pool = Pool()
    assert pool.post(peer.url, HEADERS, b"{}", 5).content == BODY
    assert (lambda r: (r.status, r.reason, r.content))(pool.post(peer.url, HEADERS, b"{}", 5)) == (204, "No Content", b"")
    assert pool.post(peer.url, HEADERS, b"{}", 5).content == BODY
    assert peer.accepted == 1


def test_bytes_past_the_answer_retire_the_connection(peer_factory):
    peer = peer_factory(serve_each(answer() + b"HTTP/1.1 200 OK\r\n", answer()))
    pool = Pool()
    assert pool.post(peer.url, HEADERS, b"{}", 5).content == BODY
    assert pool.post(peer.url, HEADERS, b"{}", 5).content == BODY
    assert peer.accepted == 2


def test_an_answer_sent_one_byte_at_a_time_is_read_whole(peer_factory):
    packed = gzip.compress(BODY)
    chunked = (b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n"
               + b"".join(b"%x\r\n%s\r\n" % (len(packed[i:i + 7]), packed[i:i + 7]) for i in range(0, len(packed), 7))
               + b"0\r\nX-T: 1\r\n\r\n")

    def bytewise(conn, peer):
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for whole in (answer(), chunked):
            peer.read_request(conn)
            for i in range(len(whole)):
                conn.sendall(whole[i : i + 1])

    peer = peer_factory(bytewise)
    pool = Pool()
    assert pool.post(peer.url, HEADERS, b"{}", 5).content == BODY
    assert pool.post(peer.url, HEADERS, b"{}", 5).content == BODY
    assert peer.accepted == 1


@pytest.mark.parametrize(
    ("sent", "text"),
    [
        (b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * 70000 + b"\r\n\r\n{}", "head is longer than 64 KiB"),
        (b"HTTP/1.1 200 OK\r\n" + b"X-Many: 1\r\n" * 101 + b"Content-Length: 0\r\n\r\n", "more than 100 headers"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n", "invalid chunk size b'zz'"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0x2\r\nab\r\n0\r\n\r\n", "invalid chunk size b'0x2'"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n", "chunk of the answer is longer than its size"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 12x\r\n\r\n{}", "invalid Content-Length '12x'"),
        (b"HTTP/1.1 2OO OK\r\nContent-Length: 0\r\n\r\n", "not an HTTP answer: 'HTTP/1.1 2OO OK'"),
        (b"HTTP/2 200\r\nContent-Length: 0\r\n\r\n", "not an HTTP/1 answer"),
        (b"SSH-2.0-OpenSSH_9.2p1\r\n", "not an HTTP answer: 'SSH-2.0-OpenSSH_9.2p1'"),  # said at once, not at the deadline
        (b"HTTP/1.1 200 OK\r\nContent-Le", "cut off in its head"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", "cut off after 2 bytes"),
    ],
)
def test_a_malformed_answer_is_a_lost_connection(peer_factory, sent, text):
    def malformed(conn, peer):
        peer.read_request(conn)
        conn.sendall(sent)
        if sent.startswith(b"SSH"):
            peer.stopped.wait(10)  # keeps the connection open, as a server of another protocol would

    peer = peer_factory(malformed)
    started = time.monotonic()
    with pytest.raises(Lost, match=re.escape(text)):
        Pool().post(peer.url, HEADERS, b"{}", 5)
    assert time.monotonic() - started < 4, "not the deadline"


def test_a_reused_connection_the_server_closes_before_answering_is_lost(peer_factory):
    def drop_the_second(conn, peer):  # the socket looks idle and usable until the request arrives
        peer.read_request(conn)
        conn.sendall(answer())
        peer.read_request(conn)

    peer = peer_factory(drop_the_second)
    pool = Pool()
    assert pool.post(peer.url, HEADERS, b"{}", 5).status == 200
    with pytest.raises(Lost, match="closed the connection without answering") as caught:
        pool.post(peer.url, HEADERS, b"{}", 5)
    assert caught.value.sent and len(peer.requests) == 2  # not repeated by the pool: the client decides
    assert peer.accepted == 1


def test_a_header_holding_a_line_break_is_refused_before_connecting(peer_factory):
    peer = peer_factory(keep_alive)
    with pytest.raises(ValueError, match="line break"):
        Pool().post(peer.url, {"X-Injected": "a\r\nEvil: 1"}, b"{}", 5)
    assert peer.accepted == 0


def test_a_request_over_http_needs_no_http_client_email_or_ssl(tmp_path):
    """`tracker list` against an http URL: the pool speaks HTTP/1.1 itself, so neither http.client
    nor its email parser is imported, and ssl only for https URLs (as -X importtime lists them)."""
    import subprocess
    import sys

    peer = Peer(serve_each(answer(b'{"success": true, "list": []}')))
    env = {k: v for k, v in os.environ.items() if k.lower() not in ("http_proxy", "https_proxy", "all_proxy")}
    env.update(XDG_CONFIG_HOME=str(tmp_path), TRACKERCTL_HASH="a" * 32)
    base = peer.url.rsplit("/tracker/list", 1)[0]
    try:
        done = subprocess.run([sys.executable, "-X", "importtime", "-m", "trackerctl", "--api-url", base, "-o", "json", "tracker", "list"],
                              env=env, capture_output=True, text=True, timeout=60)
    finally:
        peer.close()
    assert done.returncode == 0 and json.loads(done.stdout) == {"list": []}, done.stderr[-2000:]
    modules = {line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    assert "trackerctl.api.connection" in modules and len(peer.requests) == 1
    assert not {m for m in modules if m.split(".")[0] in ("email", "ssl", "_ssl") or m == "http.client"}


# ---- TLS ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def authority():
    trustme = pytest.importorskip("trustme")
    return trustme.CA()


@pytest.fixture
def tls_peer(peer_factory, authority):
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("localhost").configure_cert(server)
    return peer_factory(keep_alive, tls=server)


def test_https_with_the_given_authority(tls_peer, authority):
    client = ssl.create_default_context()
    authority.configure_trust(client)
    pool = Pool(verify=client)
    assert pool.post(tls_peer.url, HEADERS, b"{}", 5).content == BODY
    assert pool.post(tls_peer.url, HEADERS, b"{}", 5).status == 200
    assert tls_peer.accepted == 1


def test_https_refuses_an_unknown_authority_before_sending(tls_peer):
    with pytest.raises(NotSent, match="certificate verify failed"):
        Pool().post(tls_peer.url, HEADERS, b"{}", 5)  # certifi's bundle does not know the test CA
    assert tls_peer.requests == []


def test_https_trusts_ssl_cert_file_as_httpx_does(tls_peer, authority, tmp_path, monkeypatch):
    bundle = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    assert Pool().post(tls_peer.url, HEADERS, b"{}", 5).status == 200


# ---- which exchange, and httpx's errors -----------------------------------------------------------
def test_a_proxy_goes_through_httpx(monkeypatch):
    for key in [k for k in os.environ if k.lower() in connection.PROXY_VARIABLES]:
        monkeypatch.delenv(key)
    assert isinstance(open_exchange(verify=True, max_connections=2), Pool)
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    assert isinstance(open_exchange(verify=True, max_connections=2), HttpxExchange)
    assert connection.proxy_configured({"all_proxy": "socks5://x"}) and not connection.proxy_configured({"http_proxy": ""})


@pytest.mark.parametrize(
    ("raised", "error"),
    [
        (httpx.ConnectError("refused"), NotSent),
        (httpx.ConnectTimeout("slow"), NotSent),
        (httpx.ReadTimeout("slow"), TimedOut),
        (httpx.RemoteProtocolError("closed"), Lost),
        (httpx.ReadError("reset"), Lost),
    ],
)
def test_httpx_errors_map_to_the_same_three(raised, error):
    def fail(request):
        raise raised

    with pytest.raises(error):
        HttpxExchange(transport=httpx.MockTransport(fail)).post("https://api.example.com/v2/x", HEADERS, b"{}", 5)


# ---- the client over the pool ---------------------------------------------------------------------
def test_client_retries_a_read_but_not_a_write_after_a_lost_connection(peer_factory):
    def hang_up_on_first_and_third(conn, peer):  # keep-alive, but requests 1 and 3 get no answer
        while (body := peer.read_request(conn)) is not None:
            if len(peer.requests) in (1, 3):
                return
            conn.sendall(answer(json.dumps({"success": True, "echo": json.loads(body)}).encode()))

    peer = peer_factory(hang_up_on_first_and_third)
    base = peer.url.rsplit("/tracker/list", 1)[0]
    client = ApiClient(base, credential=lambda api: "h", retry=RetryPolicy(attempts=3, base_delay=0, max_delay=0))
    assert client.call("tracker/list", {"a": 1}) == {"success": True, "echo": {"a": 1}}  # requests 1 and 2
    assert len(peer.requests) == 2
    with pytest.raises(OutcomeUnknown, match="connection to .* lost: the server closed the connection without answering"):
        client.call("tracker/corrupt", {"tracker_id": 1}, read_only=False)  # request 3, not repeated
    assert len(peer.requests) == 3
    assert client.call("tracker/list", {"b": 2})["echo"] == {"b": 2}  # a new connection
    assert peer.accepted == 3


def test_client_retries_a_refused_connection_then_reports_it():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        base = f"http://127.0.0.1:{s.getsockname()[1]}/v2"
        client = ApiClient(base, credential=lambda api: "h", retry=RetryPolicy(attempts=2, base_delay=0, max_delay=0))
        with pytest.raises(TransientError, match="cannot connect to http://127.0.0.1:.*refused"):
            client.call("tracker/corrupt", {"tracker_id": 1}, read_only=False)


def test_with_a_proxy_set_requests_go_through_it(peer_factory, monkeypatch):
    peer = peer_factory(keep_alive)  # plays the proxy: an absolute-form request line reaches it
    for key in [k for k in os.environ if k.lower() in ("no_proxy", *connection.PROXY_VARIABLES)]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{peer.port}")
    client = ApiClient("http://api.example.invalid/v2", credential=lambda api: "h")
    assert client.call("tracker/list", {}) == {"success": True}
    assert peer.requests[0].startswith(b"POST http://api.example.invalid/v2/tracker/list HTTP/1.1\r\n")


def test_the_cli_trusts_its_ca_bundle_and_refuses_an_unknown_authority(tls_peer, authority, tmp_path):
    from typer.testing import CliRunner

    from trackerctl.cli.app import build_cli
    from trackerctl.cli.context import AppContext

    bundle = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(bundle))
    env = {"TRACKERCTL_CONFIG": str(tmp_path / "config.toml"), "TRACKERCTL_KEYRING": "file",
           "TRACKERCTL_HASH": "a" * 32, "TRACKERCTL_MAX_ATTEMPTS": "1"}
    base = tls_peer.url.rsplit("/tracker/list", 1)[0]

    def run(*args):
        return CliRunner().invoke(build_cli(), ["--api-url", base, "-o", "json", *args, "tracker", "list"], obj=AppContext(env=env))

    trusted = run("--ca-bundle", str(bundle))
    assert trusted.exit_code == 0 and json.loads(trusted.stdout) == {}, trusted.stderr  # the envelope's success is dropped
    refused = run()
    assert refused.exit_code == 5 and refused.stdout == ""
    assert "certificate verify failed" in refused.stderr and len(tls_peer.requests) == 1


def test_client_reports_a_silent_server_once_per_cause(peer_factory):
    def silent(conn, peer):
        peer.read_request(conn)
        time.sleep(1.0)

    peer = peer_factory(silent)
    base = peer.url.rsplit("/tracker/list", 1)[0]
    client = ApiClient(base, credential=lambda api: "h", timeout=0.2, retry=RetryPolicy(attempts=2, base_delay=0, max_delay=0))
    with pytest.raises(OutcomeUnknown) as caught:
        client.call("tracker/list", {})
    assert caught.value.message.startswith(f"no answer from {base} within 0.2s (timed out): the request was sent")
    assert len(peer.requests) == 2  # a read: tried again once


# ---- issue 9: the deadline, bounded answers, certificates ------------------------------------------
def drip(whole: bytes, at_once: int = 0, pace: float = 0.02):
    """A peer that sends the first `at_once` bytes of its answer, then one byte every `pace` seconds
    (until the client hangs up or the test ends)."""

    def handle(conn, peer):
        peer.read_request(conn)
        conn.sendall(whole[:at_once])
        for i in range(at_once, len(whole)):
            conn.sendall(whole[i : i + 1])
            if peer.stopped.wait(pace):
                return

    return handle


PAD = b'{"success": true, "pad": "' + b"p" * 400 + b'"}'  # ~8 s of dripping at 50 bytes a second


@pytest.mark.parametrize("where", ["head", "body"])
def test_the_timeout_is_a_deadline_not_a_per_read_timeout(peer_factory, where):
    whole = answer(PAD)
    peer = peer_factory(drip(whole, 0 if where == "head" else len(whole) - len(PAD)))
    with pytest.raises(TimedOut):  # every byte comes within 0.3 s: only a deadline ends this
        Pool().post(peer.url, HEADERS, b"{}", 0.3)


def test_httpx_checks_the_deadline_between_chunks_of_the_body(peer_factory):
    whole = answer(PAD)
    peer = peer_factory(drip(whole, len(whole) - len(PAD)))
    with pytest.raises(TimedOut):
        HttpxExchange().post(peer.url, HEADERS, b"{}", 0.3)


def big_answers(conn, peer):
    """Request 1: a Content-Length past the limit; 2: chunked past it; 3: gzip inflating past it;
    each on a connection of its own (the client closes one it did not read to the end)."""
    peer.read_request(conn)
    n = len(peer.requests)
    if n == 1:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 5000000\r\n\r\n" + b" " * 1000)
    elif n == 2:
        conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        for _ in range(100):
            conn.sendall(b"10000\r\n" + b" " * 0x10000 + b"\r\n")
        conn.sendall(b"0\r\n\r\n")
    else:
        packed = gzip.compress(bytes(8 * 2**20))  # 8 MiB of zeros in ~8 KB
        conn.sendall(answer(packed, extra="Content-Encoding: gzip\r\n"))


@pytest.mark.parametrize("exchange", ["pool", "httpx"])
def test_an_answer_past_the_limit_is_refused_as_it_arrives(peer_factory, exchange):
    peer = peer_factory(big_answers)
    limit = 2**20
    post = (Pool(max_answer=limit) if exchange == "pool" else HttpxExchange(max_answer=limit)).post
    for _ in range(3):
        with pytest.raises(connection.AnswerTooLarge, match="larger than 1 MiB"):
            post(peer.url, HEADERS, b"{}", 5)
    assert peer.accepted == 3


def test_the_decoder_bounds_what_gzip_inflates_to():
    zeros = bytes(3 * 2**20)
    packed = gzip.compress(zeros)
    exact = connection.Decoder("gzip", len(zeros))
    for i in range(0, len(packed), 7):  # any split of the input gives the same output
        exact.feed(packed[i : i + 7])
    assert bytes(exact.content()) == zeros
    short = connection.Decoder("gzip", len(zeros) - 1)
    with pytest.raises(connection.AnswerTooLarge):
        short.feed(packed)
    assert len(short.content()) <= min(len(zeros), connection.INFLATE_STEP * 3), "stopped one step past the limit"
    plain = connection.Decoder(None, 10)
    plain.feed(b"0123456789")
    with pytest.raises(connection.AnswerTooLarge):
        plain.feed(b"!")
    with pytest.raises(connection.BadAnswer, match="gzip encoding is broken"):
        connection.Decoder("gzip", 100).feed(b"not gzip at all")
    deflated = connection.Decoder("deflate", 100)
    deflated.feed(zlib.compress(b'{"a": 1}'))
    assert deflated.content() == b'{"a": 1}'


def test_a_certificate_that_fails_verification_is_refused_at_once_naming_the_host(tls_peer):
    with pytest.raises(connection.CertificateRefused, match="certificate verify failed for localhost"):
        Pool().post(tls_peer.url, HEADERS, b"{}", 5)
    with pytest.raises(connection.CertificateRefused, match="certificate verify failed for localhost"):
        HttpxExchange().post(tls_peer.url, HEADERS, b"{}", 5)
    base = tls_peer.url.rsplit("/tracker/list", 1)[0]
    accepted = tls_peer.accepted
    client = ApiClient(base, credential=lambda api: "h", retry=RetryPolicy(attempts=5, base_delay=0, max_delay=0))
    with pytest.raises(Unreachable, match="certificate verify failed for localhost") as caught:
        client.call("tracker/list", {})
    assert caught.value.reached is False and tls_peer.accepted == accepted + 1, "not retried"
