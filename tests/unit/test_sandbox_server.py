"""The sandbox over real HTTP on 127.0.0.1 (a free port); every server is shut down in its test."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from trackerctl.sandbox.app import Faults, Sandbox
from trackerctl.sandbox.seed import SEED
from trackerctl.sandbox.server import SandboxServer, make_server


@contextmanager
def running(sb: Sandbox) -> Iterator[SandboxServer]:
    server = make_server("127.0.0.1", 0, sb)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
        assert not thread.is_alive()


@pytest.fixture
def server(tmp_path) -> Iterator[SandboxServer]:
    with running(Sandbox(tmp_path / "s.sqlite")) as srv:
        yield srv


def login(c: httpx.Client) -> dict[str, str]:
    r = c.post("/user/auth", json={"login": "demo@example.com", "password": "demo"})
    return {"Authorization": f"NVX {r.json()['hash']}"}


def test_base_url_and_a_json_round_trip(server):
    host, port = server.server_address[:2]
    assert host == "127.0.0.1" and port > 0
    assert server.base_url == f"http://127.0.0.1:{port}/v2"
    with httpx.Client(base_url=server.base_url) as c:
        r = c.post("/tracker/read", json={"tracker_id": SEED["tracker"]}, headers=login(c))
        assert r.status_code == 200
        assert r.headers["content-type"] == "application/json; charset=utf-8"
        assert int(r.headers["content-length"]) == len(r.content)
        assert r.json()["value"]["id"] == SEED["tracker"]


def test_paths_with_and_without_v2_get_and_form_bodies(server):
    root = server.base_url.removesuffix("/v2")
    with httpx.Client() as c:
        h = login(httpx.Client(base_url=server.base_url))["Authorization"].split()[1]
        assert c.post(f"{root}/tracker/read", json={"tracker_id": SEED["tracker"], "hash": h}).status_code == 200
        assert c.get(f"{root}/v2/tracker/read", params={"tracker_id": SEED["tracker"], "hash": h}).status_code == 200
        form = c.post(f"{root}/v2/tracker/list", data={"hash": h, "labels": '["north"]'})
        assert [t["id"] for t in form.json()["list"]] == [123456, 999119]
        curl_style = c.post(f"{root}/v2/tracker/read", content=f'{{"hash": "{h}", "tracker_id": 123456}}',
                            headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert curl_style.status_code == 200


def test_keep_alive_and_no_nagle_stalls(server):
    """200 sequential requests on one connection: a 40 ms Nagle/delayed-ACK stall per request
    would take 8 s."""
    with httpx.Client(base_url=server.base_url) as c:
        headers = login(c)
        started = time.perf_counter()
        for _ in range(200):
            assert c.post("/tracker/read", json={"tracker_id": SEED["tracker"]}, headers=headers).status_code == 200
        assert time.perf_counter() - started < 3.0
        assert len(c._transport._pool.connections) == 1  # type: ignore[attr-defined]


def test_two_requests_on_one_raw_socket(server):
    host, port = server.server_address[:2]
    body = json.dumps({"login": "demo@example.com", "password": "demo"}).encode()
    request = (f"POST /v2/user/auth HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
               f"Content-Length: {len(body)}\r\n\r\n").encode() + body
    with socket.create_connection((host, port), timeout=5) as sock:
        sock.sendall(request + request)
        data = b""
        while data.count(b'"hash"') < 2:
            chunk = sock.recv(65536)
            assert chunk, data
            data += chunk
    assert data.count(b"HTTP/1.1 200 OK\r\n") == 2 and b"Connection: close" not in data


def test_errors_over_http(server):
    with httpx.Client(base_url=server.base_url) as c:
        malformed = c.post("/tracker/list", content=b'{"labels": [', headers={"Content-Type": "application/json"})
        assert (malformed.status_code, malformed.json()["status"]["code"]) == (400, 5)
        assert c.post("/tracker/unknown").json()["status"] == {"code": 111, "description": "Wrong handler"}
        assert c.delete("/tracker/list").json()["status"]["code"] == 112
        assert c.post("/tracker/list", json=[1, 2]).json()["status"]["code"] == 5
        chunked = c.post("/user/auth", content=iter([b'{"login": "demo@example.com", ', b'"password": "demo"}']))
        assert chunked.status_code == 200 and chunked.json()["type"] == "authenticated"


def test_connection_close_is_honoured(server):
    with httpx.Client(base_url=server.base_url, headers={"Connection": "close"}) as c:
        r = c.post("/user/auth", json={"login": "demo@example.com", "password": "demo"})
        assert r.status_code == 200 and r.headers["connection"] == "close"


def test_faults_over_http(tmp_path):
    sb = Sandbox(tmp_path / "s.sqlite", faults=Faults(drop_rate=1.0))
    with running(sb) as srv, httpx.Client(base_url=srv.base_url) as c:
        with pytest.raises(httpx.RemoteProtocolError):
            c.post("/user/auth", json={"login": "demo@example.com", "password": "demo"})
    with sb.transaction() as conn:
        assert conn.execute("SELECT COUNT(*) FROM user_sessions WHERE kind = 'session'").fetchone()[0] == 1
    limited = Sandbox(tmp_path / "s.sqlite", faults=Faults(rate_limit=2), implicit_auth=True)
    with running(limited) as srv, httpx.Client(base_url=srv.base_url) as c:
        codes = [c.post("/tracker/list").status_code for _ in range(3)]
        assert codes == [200, 200, 429]
        r = c.post("/tracker/list")
        assert r.headers["retry-after"] == "1" and r.json()["status"]["code"] == 15


def test_server_close_cuts_idle_keep_alive_connections(tmp_path):
    sb = Sandbox(tmp_path / "s.sqlite", implicit_auth=True)
    server = make_server("127.0.0.1", 0, sb)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    sock = socket.create_connection((host, port), timeout=5)
    try:
        sock.sendall(b"POST /v2/tracker/list HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
        assert sock.recv(16).startswith(b"HTTP/1.1 200")
        server.shutdown()
        server.server_close()
        thread.join(5)
        sock.settimeout(5)
        while sock.recv(65536):  # the rest of the answer, then EOF
            pass
    finally:
        sock.close()
    deadline = time.monotonic() + 5
    while server._open and time.monotonic() < deadline:  # type: ignore[attr-defined]
        time.sleep(0.01)  # the handler thread ends right after the cut
    assert not server._open  # type: ignore[attr-defined]


def test_serve_prints_its_url_and_stops_on_sigint(tmp_path):
    script = (
        "import sys\n"
        "from trackerctl.sandbox.app import Faults\n"
        "from trackerctl.sandbox.server import serve\n"
        "serve('127.0.0.1', 0, sys.argv[1], Faults(), on_ready=lambda url: print(url, flush=True))\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", script, str(tmp_path / "s.sqlite")], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        url = proc.stdout.readline().strip()  # type: ignore[union-attr]
        assert url.startswith("http://127.0.0.1:") and url.endswith("/v2")
        r = httpx.post(f"{url}/panel/account/auth", json={"login": "1000", "password": "demo"})
        assert r.json()["success"] is True
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
        assert proc.stdout.read() == "" and proc.stderr.read() == ""  # type: ignore[union-attr]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
