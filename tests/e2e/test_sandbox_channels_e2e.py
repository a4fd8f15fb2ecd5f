"""The sandbox's WebSocket channels over real sockets: `trackerctl sandbox serve` on a free loopback
port, the `websockets` package's sync client on the other end, the HTTP API (httpx) for the changes
that must show up as events. The test moves the server's clock by opening the same database file
(`Sandbox(server.db).advance_clock`). Without sockets: tests/unit/test_sandbox_channels.py."""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosedError, ConnectionClosedOK, InvalidStatus
from websockets.frames import Frame, Opcode
from websockets.sync.client import ClientConnection, connect

from tests.e2e.conftest import Server
from trackerctl.sandbox.app import Sandbox
from trackerctl.sandbox.seed import SEED
from trackerctl.sandbox.websocket import MAX_MESSAGE

pytestmark = pytest.mark.e2e
SUBSCRIPTION = "/v2/event/subscription?X-Atmosphere-tracking-id=0&X-Atmosphere-Framework=2.3.6-javascript" \
               "&X-Atmosphere-Transport=websocket&Content-Type=application/json&X-atmo-protocol=true"
FRESH, IDLE, TRACKER = SEED["tracker_fresh"], SEED["tracker_idle"], SEED["tracker"]
WAIT = 10.0  # seconds any one expected frame may take (a busy machine); the frames come far sooner


def ws_url(server: Server, path: str) -> str:
    return "ws://" + server.url.split("://", 1)[1].removesuffix("/v2") + path


def call(server: Server, action: str, params: dict[str, Any] | None = None, credential: str | None = None) -> dict[str, Any]:
    headers = {"Authorization": f"NVX {credential}"} if credential else {}
    answer = httpx.post(f"{server.url}/{action}", json=params or {}, headers=headers, timeout=WAIT).json()
    assert answer["success"] is True, answer
    return answer


def panel_hash(server: Server) -> str:
    return call(server, "panel/account/auth", {"login": SEED["panel_login"], "password": "demo"})["hash"]


def user_hash(server: Server) -> str:
    return call(server, "user/auth", {"login": SEED["login_demo"], "password": "demo"})["hash"]


def console_path(server: Server, panel: str, tracker_id: int = FRESH) -> str:
    key = call(server, "panel/tracker/console/connect", {"tracker_id": tracker_id}, panel)
    tracker = call(server, "panel/tracker/read", {"tracker_id": tracker_id}, panel)["value"]
    return (f"/console?device={tracker['source']['device_id']}&key={key['key']}&timestamp={key['timestamp']}"
            f"&dealer_id={tracker['dealer_id']}")


@contextmanager
def opened(server: Server, path: str) -> Iterator[ClientConnection]:
    with connect(ws_url(server, path), open_timeout=WAIT, close_timeout=WAIT) as ws:
        yield ws


def next_json(ws: ClientConnection, skip_heartbeats: bool = True) -> dict[str, Any]:
    while True:
        text = ws.recv(timeout=WAIT)
        if not (skip_heartbeats and text == "X"):
            return json.loads(text)


def next_event(ws: ClientConnection, name: str) -> dict[str, Any]:
    """The next event `name`, skipping heartbeats and other events (a live tracker's states)."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        message = next_json(ws)
        if message.get("type") == "event" and message["event"] == name:
            return message
    raise AssertionError(f"no {name} event in {WAIT:g} s")


def refused(server: Server, path: str) -> tuple[int, str]:
    with pytest.raises(InvalidStatus) as e:
        with opened(server, path):
            pass
    body = e.value.response.body.decode()
    assert body.endswith("\n") and body.count("\n") == 1, body  # one line
    return e.value.response.status_code, body


def closed_with(ws: ClientConnection) -> int | None:
    """Read until the server closes: its close code, or None when it dropped the socket without one."""
    deadline = time.monotonic() + WAIT
    with pytest.raises((ConnectionClosedError, ConnectionClosedOK)) as e:
        while time.monotonic() < deadline:
            ws.recv(timeout=WAIT)
    return None if e.value.rcvd is None else e.value.rcvd.code


# ---- the console ---------------------------------------------------------------------------------


def test_the_console_exchange(server):
    panel = panel_hash(server)
    with opened(server, console_path(server, panel)) as ws:
        status = next_json(ws)
        assert status["type"] == "status" and dict(status["data"])["Location valid"] == "yes"
        ws.send("getinfo")
        reply = next_json(ws)
        assert reply["type"] == "output" and reply["msg"].startswith("getinfo\nIMEI:356938035643809 ")
        ws.send("setparam 101:4")
        assert next_json(ws) == {"type": "output", "msg": "setparam 101:4\nNew value 101:4"}


def test_a_console_key_once_and_within_60_seconds(server):
    panel = panel_hash(server)
    path = console_path(server, panel)
    with opened(server, path) as ws:
        next_json(ws)
    status, body = refused(server, path)
    assert status == 403 and "used already" in body
    path = console_path(server, panel)
    Sandbox(server.db).advance_clock(61)  # the server's clock: the same database
    status, body = refused(server, path)
    assert status == 403 and "expired" in body


# ---- the subscription ----------------------------------------------------------------------------


def test_the_subscription_handshake_and_heartbeats_both_ways(serve):
    server = serve("--heartbeat", "200")  # a client silent for 2 s is disconnected
    with opened(server, SUBSCRIPTION) as ws:
        assert re.fullmatch(r"[0-9a-f-]{36}\|200\|X\|", ws.recv(timeout=WAIT))
        for _ in range(3):
            assert ws.recv(timeout=WAIT) == "X"
            ws.send("X")
        started = time.monotonic()
        assert closed_with(ws) == 1000  # silent from now on
        assert time.monotonic() - started >= 1.5


def test_subscribe_state_events_a_change_through_the_api_and_logout(server):
    panel, user = panel_hash(server), user_hash(server)
    with opened(server, SUBSCRIPTION) as ws:
        ws.recv(timeout=WAIT)
        ws.send(json.dumps({"action": "subscribe", "hash": "0" * 32, "requests": [{"type": "state", "trackers": [IDLE]}]}))
        error = next_json(ws)
        assert error["type"] == "error" and error["status"]["code"] == 3
        ws.send(json.dumps({"action": "subscribe", "hash": user, "requests": [{"type": "state", "trackers": [IDLE, TRACKER]}]}))
        response = next_json(ws)
        assert response["data"]["state"]["value"] == {str(IDLE): "normal", str(TRACKER): "normal"}
        first = [next_json(ws), next_json(ws)]
        assert {e["event"] for e in first} == {"state"} and len({e["data"]["source_id"] for e in first}) == 2
        source = call(server, "tracker/read", {"tracker_id": IDLE}, user)["value"]["source"]["id"]
        call(server, "panel/tracker/source/update", {"tracker_id": IDLE, "blocked": True}, panel)
        assert next_event(ws, "lifecycle")["data"] == {"source_id": source, "lifecycle_event": "block"}
        call(server, "panel/tracker/source/update", {"tracker_id": IDLE, "blocked": False}, panel)
        assert next_event(ws, "lifecycle")["data"] == {"source_id": source, "lifecycle_event": "unblock"}
        assert next_event(ws, "state")["data"]["source_id"] == source
        call(server, "user/logout", {}, user)
        assert next_event(ws, "logout")["data"] == "session closed"
        assert closed_with(ws) == 1000


def test_the_moving_fleet_reaches_the_subscription_and_the_console(serve):
    server = serve("--move", "0.2", "--seed", "3")
    with opened(server, SUBSCRIPTION) as ws:
        ws.recv(timeout=WAIT)
        ws.send(json.dumps({"action": "subscribe", "hash": SEED["api_key"], "requests": [
            {"type": "state_batch", "target": {"type": "selected", "tracker_ids": [FRESH]}, "rate_limit": "200ms"}]}))
        assert next_json(ws)["type"] == "response"
        places = {json.dumps(next_event(ws, "state_batch")["data"][0]["gps"]["location"]) for _ in range(3)}
        assert len(places) == 3
    with opened(server, console_path(server, panel_hash(server))) as ws:
        places = {(status["Latitude"], status["Longitude"]) for status in (dict(next_json(ws)["data"]) for _ in range(3))}
        assert len(places) == 3


# ---- faults --------------------------------------------------------------------------------------


def first_dropped(seed: int, rate: float) -> int:
    """Which frame a server with this seed drops first: the handshake draws twice, then each frame once."""
    rng = random.Random(seed)
    rng.random(), rng.random()
    return next(n for n in range(1, 1000) if rng.random() < rate)


def test_drop_rate_closes_the_socket_mid_stream(serve):
    seed = next(s for s in range(100) if first_dropped(s, 0.3) == 4)
    server = serve("--drop-rate", "0.3", "--seed", str(seed), "--heartbeat", "50")
    with opened(server, SUBSCRIPTION) as ws:
        frames: list[str] = []
        with pytest.raises(ConnectionClosedError) as e:
            while len(frames) < 10:
                frames.append(ws.recv(timeout=WAIT))
    assert len(frames) == 3 and frames[1:] == ["X", "X"]  # the handshake frame, two heartbeats, then nothing
    assert e.value.rcvd is None  # no close frame: the connection dropped


def test_latency_delays_each_frame(serve):
    server = serve("--latency", "300")
    started = time.monotonic()
    with opened(server, SUBSCRIPTION) as ws:
        ws.recv(timeout=WAIT)
    assert time.monotonic() - started >= 0.3


def test_fail_rate_refuses_the_handshake(serve):
    status, body = refused(serve("--fail-rate", "1"), SUBSCRIPTION)
    assert status == 503 and "try again later" in body


# ---- what the client sends -----------------------------------------------------------------------


def test_a_fragmented_message_is_joined(server):
    message = json.dumps({"action": "subscribe", "hash": SEED["api_key"], "requests": [{"type": "state", "trackers": [IDLE]}]})
    with opened(server, SUBSCRIPTION) as ws:
        ws.recv(timeout=WAIT)
        ws.send([message[:10], message[10:30], message[30:]])
        assert next_json(ws)["data"]["state"]["value"] == {str(IDLE): "normal"}


@pytest.mark.parametrize("send, code", [
    (lambda ws: ws.send("x" * (MAX_MESSAGE + 1)), 1009),
    (lambda ws: ws.send(["x" * (MAX_MESSAGE // 2)] * 3), 1009),  # too big in fragments
    (lambda ws: ws.send(b"\x01\x02"), 1003),  # binary
    (lambda ws: ws.socket.sendall(Frame(Opcode.TEXT, b"\xff\xfe").serialize(mask=True)), 1007),  # not UTF-8
    (lambda ws: ws.socket.sendall(b"\x81\x05hello"), 1002),  # an unmasked frame from a client
    (lambda ws: ws.socket.sendall(b"GET / HTTP/1.1\r\n\r\n"), 1002),  # garbage
])
def test_a_bad_client_frame_closes_with_its_code(server, send, code):
    with opened(server, SUBSCRIPTION) as ws:
        ws.recv(timeout=WAIT)
        send(ws)
        assert closed_with(ws) == code


def test_a_refused_handshake_is_an_http_status_with_one_line(server):
    assert refused(server, "/v2/tracker/list")[0] == 404
    assert refused(server, "/console?device=1&key=2&timestamp=3&dealer_id=1")[0] == 403
    assert refused(server, "/console?device=1")[0] == 400
    assert refused(server, "/v2/event/subscription?X-Atmosphere-Transport=sse")[0] == 400
    assert httpx.get(f"{server.url}/tracker/list", timeout=WAIT).json()["status"]["code"] == 4  # plain HTTP as before
    for headers, status in (({"Upgrade": "websocket"}, 426), ({"Upgrade": "websocket", "Connection": "Upgrade"}, 400)):
        answer = httpx.get(ws_url(server, "/console").replace("ws:", "http:"), headers=headers, timeout=WAIT)
        assert answer.status_code == status and answer.text.count("\n") == 1, answer.text  # not a handshake: one line


def test_the_server_stops_with_channels_open(server):
    with opened(server, SUBSCRIPTION) as ws:
        ws.recv(timeout=WAIT)
        server.process.send_signal(2)
        assert server.process.wait(WAIT) == 0
        closed_with(ws)


def test_frames_sent_with_the_handshake_are_answered(server):
    """A client that sends its commands in the same write as the upgrade request (before the 101):
    the server read them with the request; they are answered after the opening status frame."""
    import base64
    import os
    import socket

    path = console_path(server, panel_hash(server))
    host, port = server.url.split("://", 1)[1].removesuffix("/v2").split(":")
    key = base64.b64encode(os.urandom(16)).decode()
    request = (f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode()
    frames = b"".join(Frame(Opcode.TEXT, text.encode()).serialize(mask=True, extensions=[]) for text in ("getver", "getinfo"))
    with socket.create_connection((host, int(port)), timeout=WAIT) as sock:
        sock.sendall(request + frames)
        received = b""
        while received.count(b"\x81") < 3 or b"getinfo\\n" not in received:  # status, getver's reply, getinfo's
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
    assert received.startswith(b"HTTP/1.1 101")
    assert b'"type":"status"' in received and b"getver\\n" in received and b"getinfo\\nIMEI:" in received
