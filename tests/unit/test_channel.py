"""The client side of the platform's WebSocket channels (trackerctl/api/channel.py), without the CLI:
the console's URL and query, a socket against a small console server on loopback (websockets' sync
server, tests/helpers/console.py), and the in-process channel over a session driven by a fake clock."""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Callable, Iterator

import pytest
from websockets.sync.server import ServerConnection

from tests.helpers.console import STATUS, consoles, Console, send
from trackerctl.api.channel import ChannelError, SessionChannel, WebSocketChannel, check_url, console_query, console_url
from trackerctl.api.connection import tls_context
from trackerctl.errors import UsageError


# ---- where ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("api_url, expected", [
    ("https://api.eu.navixy.com/v2", "wss://panel.navixy.com/console"),
    ("https://api.us.navixy.com/v2", "wss://panel.us.navixy.com/console"),
    ("https://api.me.navixy.com/v2", "wss://panel.me.navixy.com/console"),
    ("https://tracking.example.com/api-v2", "wss://tracking.example.com/console"),
    ("https://tracking.example.com:8443/v2", "wss://tracking.example.com:8443/console"),
    ("http://127.0.0.1:8900/v2", "ws://127.0.0.1:8900/console"),
    ("http://[::1]:8900/v2", "ws://[::1]:8900/console"),
])
def test_console_url_by_api_url(api_url, expected):
    assert console_url(api_url) == expected


def test_an_override_wins_and_is_checked():
    assert console_url("https://api.eu.navixy.com/v2", "ws://10.0.0.5:8383/", allow_http=True) == "ws://10.0.0.5:8383/"
    assert console_url("http://127.0.0.1:8900/v2", "wss://panel.example.com/console") == "wss://panel.example.com/console"
    for bad in ("ws://10.0.0.5:8383/", "wss://user:pw@panel.example.com/console", "wss://panel.example.com:99999/console",
                "panel.example.com/console"):
        with pytest.raises(UsageError):
            check_url(bad, "the console URL")


def test_the_query_is_in_the_documented_order_and_encoded():
    assert console_query("8624369656654", "6ad7490d", 1399957326, 20410) == (
        "device=8624369656654&key=6ad7490d&timestamp=1399957326&dealer_id=20410")
    assert console_query("a&b", "k", 1, 2).startswith("device=a%26b&")


# ---- a socket ------------------------------------------------------------------------------------
@pytest.fixture
def console() -> Iterator[Callable[..., Console]]:
    with consoles() as start:
        yield start


def echo(ws: ServerConnection, c: Console) -> None:
    send(ws, STATUS)
    for message in ws:
        c.received.append(message)
        ws.send(f"re: {message}")


def test_frames_both_ways_and_the_query_as_given(console):
    c = console(echo)
    channel = WebSocketChannel.open(c.url + "?device=1&key=k", timeout=5)
    try:
        channel.send("getinfo")
        assert channel.recv(5) == '{"type": "status", "data": [["Time", "2017-11-16 10:02:37.0"], ["Location valid", "yes"], ["GSM Level", "13"]]}'
        assert channel.recv(5) == "re: getinfo"
        assert channel.recv(0.05) is None  # nothing more: the timeout passes, the channel stays open
        channel.send("getver")
        assert channel.recv(5) == "re: getver"
    finally:
        channel.close()
    assert c.requests == ["/console?device=1&key=k"] and c.received == ["getinfo", "getver"]


def test_no_heartbeat_from_the_client(console):
    """websockets.md: no heartbeat from the client; websockets' keepalive pings are off."""
    channel = WebSocketChannel.open(console(echo).url, timeout=5)
    try:
        assert channel._ws.ping_interval is None
    finally:
        channel.close()


def test_a_drop_and_a_close_are_channel_errors(console):
    def drop(ws: ServerConnection, c: Console) -> None:
        send(ws, STATUS)
        ws.recv()
        ws.socket.shutdown(socket.SHUT_RDWR)

    channel = WebSocketChannel.open(console(drop).url, timeout=5)
    assert channel.recv(5) is not None  # what came before the drop is read first
    channel.send("x")
    with pytest.raises(ChannelError, match="^the connection to the console dropped$"):
        channel.recv(5)
    channel.close()

    channel = WebSocketChannel.open(console(lambda ws, c: ws.close(4000, "bye")).url, timeout=5)
    with pytest.raises(ChannelError, match=r"^the console closed the connection \(code 4000: bye\)$"):
        channel.recv(5)
    with pytest.raises(ChannelError):
        channel.send("more")
    channel.close()


def test_refused_and_unanswered_handshakes_are_channel_errors(console):
    refused = console(echo, process_request=lambda ws, request: ws.respond(404, "no such channel\n"))
    with pytest.raises(ChannelError, match=r"the server refused it \(HTTP 404: no such channel\)$"):
        WebSocketChannel.open(refused.url + "?key=secret", timeout=5)
    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []  # accepted, never answered
    threading.Thread(target=lambda: held.append(listener.accept()[0]), daemon=True).start()
    try:
        url = f"ws://127.0.0.1:{listener.getsockname()[1]}/console"
        with pytest.raises(ChannelError, match=r"no answer within 0.3 s$") as e:
            WebSocketChannel.open(url + "?key=secret", timeout=0.3)
        assert "secret" not in e.value.message
    finally:
        for s in [*held, listener]:
            s.close()


def test_not_a_websocket_server_is_a_channel_error():
    listener = socket.create_server(("127.0.0.1", 0))

    def answer() -> None:
        conn, _ = listener.accept()
        conn.recv(65536)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi")
        conn.close()

    threading.Thread(target=answer, daemon=True).start()
    try:
        with pytest.raises(ChannelError, match="cannot open the console at ws://127.0.0.1:"):
            WebSocketChannel.open(f"ws://127.0.0.1:{listener.getsockname()[1]}/console", timeout=5)
    finally:
        listener.close()


def test_a_fragmented_message_is_one_frame_and_a_binary_one_is_bytes(console):
    def fragments(ws: ServerConnection, c: Console) -> None:
        ws.send(["{\"type\": ", "\"output\", ", "\"msg\": \"hi\"}"])
        ws.send(b"\x00\x01")
        for _ in ws:
            pass

    channel = WebSocketChannel.open(console(fragments).url, timeout=5)
    try:
        assert channel.recv(5) == '{"type": "output", "msg": "hi"}'
        assert channel.recv(5) == b"\x00\x01"
    finally:
        channel.close()


def test_the_tls_trust_is_the_http_clients(monkeypatch, tmp_path):
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    given = ssl.create_default_context(cafile=str(tmp_path / "ca.pem"))
    assert tls_context(given) is given  # --ca-bundle
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "ca.pem"))
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    from trackerctl.api.connection import Pool

    ours, http = tls_context(True), Pool(verify=True)._tls
    assert ours.get_ca_certs() == http.get_ca_certs() and len(ours.get_ca_certs()) == 1
    assert ours.verify_mode == http.verify_mode == ssl.CERT_REQUIRED and ours.check_hostname and http.check_hostname


# ---- in-process ----------------------------------------------------------------------------------
class FakeSession:
    """A session as the sandbox's open_channel makes them, driven by a fake clock."""

    def __init__(self) -> None:
        self.closed, self.close_reason, self.now = False, "", 0.0
        self.due: list[tuple[float, str]] = [(5.0, "tick at 5")]

    def opened(self) -> list[str]:
        return ["hello"]

    def received(self, text: str) -> list[str]:
        if text == "bye":
            self.closed, self.close_reason = True, "dropped"
            return ["last words"]
        return [f"echo {text}"]

    def tick(self, now: float) -> list[str]:
        out = [text for when, text in self.due if when <= now]
        self.due = [(when, text) for when, text in self.due if when > now]
        return out

    def wait_hint(self) -> float:
        return 1.0


def test_the_session_channel_hands_out_frames_in_order_and_sleeps_by_the_hint():
    session, naps = FakeSession(), []

    def sleep(seconds: float) -> None:
        naps.append(seconds)
        session.now += seconds

    channel = SessionChannel(session, clock=lambda: session.now, sleep=sleep)
    channel.send("getinfo")
    assert [channel.recv(1), channel.recv(1)] == ["hello", "echo getinfo"]
    assert channel.recv(10) == "tick at 5"  # slept until it was due, in naps of at most MAX_NAP
    assert 4.5 <= sum(naps) <= 5.5 and max(naps) <= 0.5
    channel.send("bye")
    assert channel.recv(1) == "last words"  # what came before the close still arrives
    with pytest.raises(ChannelError, match="the console closed the connection \\(dropped\\)"):
        channel.recv(1)
    with pytest.raises(ChannelError):
        channel.send("more")


