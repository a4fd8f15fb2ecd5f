"""`tracker get-state ID... --watch` and `tracker get-states ... --watch`: JSON lines per refresh in a
pipe; Ctrl-C is exit 130. Pushed by the event subscription (against `sandbox serve --move ...
--heartbeat ...` on loopback, and in-process), or polled with `--poll` and on a platform whose
handshake answers 404 (a plain HTTP server here).

The watch runs as the installed trackerctl (a signal ends it); the commands against the in-process
sandbox (`--api-url sandbox`) run in this process (tests/helpers/inprocess.py). The requests a
watch sends are counted from its `-v` trace (`> POST ...` lines) or by the plain server.
"""

from __future__ import annotations

import json
import signal
import subprocess
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.e2e.conftest import TRACKERCTL
from tests.helpers.inprocess import run_cli as cli

pytestmark = pytest.mark.e2e

HASH = "0123456789abcdef0123456789abcdef"  # the seeded demo user's session
IDS = ["123456", "999119", "987654321"]
QUERY = ("X-Atmosphere-tracking-id=0&X-Atmosphere-Framework=2.3.6-javascript&X-Atmosphere-Transport=websocket"
         "&Content-Type=application%2Fjson&X-atmo-protocol=true")


def watch(env: dict[str, str], *args: str) -> subprocess.Popen:
    return subprocess.Popen([*TRACKERCTL, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def read_lines(proc: subprocess.Popen, n: int, timeout: float = 30) -> list[str]:
    """`n` lines of the child's stdout, waited for on the lines themselves (fails after `timeout`)."""
    lines: list[str] = []
    done = threading.Event()

    def read() -> None:
        for line in proc.stdout:
            lines.append(line)
            if len(lines) == n:
                break
        done.set()

    threading.Thread(target=read, daemon=True).start()
    if not done.wait(timeout) or len(lines) < n:
        proc.kill()
        proc.wait()
        pytest.fail(f"{len(lines)} of {n} lines within {timeout:g} s: {proc.stderr.read()[-3000:]}")
    return lines


def interrupt(proc: subprocess.Popen) -> str:
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 130 and "Traceback" not in err, err
    return err


def posts(err: str) -> list[str]:
    return [line.split()[2].rsplit("/v2/", 1)[1] for line in err.splitlines() if line.startswith("> POST")]


def test_watch_in_a_pipe_prints_one_line_per_tracker_per_refresh(home, server):
    env = {**home, "TRACKERCTL_API_URL": server.url, "TRACKERCTL_HASH": "0123456789abcdef0123456789abcdef"}
    proc = subprocess.Popen([*TRACKERCTL, "tracker", "get-state", "123456", "999119", "987654321", "--watch", "0.5", "--poll"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = [proc.stdout.readline() for _ in range(6)]
    proc.send_signal(signal.SIGINT)
    rest, err = proc.communicate(timeout=20)
    assert proc.returncode == 130 and "Traceback" not in err
    records = [json.loads(line) for line in lines]
    assert [r["tracker_id"] for r in records] == [123456, 999119, 987654321] * 2
    assert records[0]["connection_status"] and records[2]["connection_status"] == "not found"


def test_poll_sends_one_get_states_per_refresh_and_no_subscription(home, server):
    env = {**home, "TRACKERCTL_API_URL": server.url, "TRACKERCTL_HASH": HASH}
    proc = watch(env, "-v", "tracker", "get-states", *IDS, "--watch", "0.5", "--poll")
    read_lines(proc, 6)
    err = interrupt(proc)
    assert set(posts(err)) == {"tracker/get_states"} and len(posts(err)) >= 2 and "event/subscription" not in err


def test_watch_is_pushed_by_the_subscription_one_tracker_list_and_no_get_states(home, serve):
    """The handshake's query as websockets.md gives it, one tracker/list, then states pushed by a
    moving fleet for longer than the server lets a silent client live (ten 100 ms heartbeats): the
    heartbeats are answered."""
    server = serve("--move", "0.5", "--heartbeat", "100")
    env = {**home, "TRACKERCTL_API_URL": server.url, "TRACKERCTL_HASH": HASH}
    proc = watch(env, "-v", "tracker", "get-state", *IDS, "--watch", "0.5")
    lines = read_lines(proc, 15)  # five redraws: 2.5 s and more, past the 1 s of silence the server allows
    err = interrupt(proc)
    records = [json.loads(line) for line in lines]
    assert [r["tracker_id"] for r in records] == [123456, 999119, 987654321] * 5
    assert records[2] == {"tracker_id": 987654321, "connection_status": "not found"}
    moving = [r["gps"] for r in records if r["tracker_id"] == 999119]
    assert len({json.dumps(g, sort_keys=True) for g in moving}) > 1  # the updates are the fleet's moves
    assert posts(err) == ["tracker/list"]
    assert f"> GET {server.url.replace('http://', 'ws://')}/event/subscription?{QUERY} (WebSocket)" in err
    assert "dropped" not in err


def test_the_server_ends_a_silent_subscription(home, serve):
    """What the heartbeats are for: a client that never answers is disconnected (ten heartbeats)."""
    from websockets.exceptions import ConnectionClosed
    from websockets.sync.client import connect

    server = serve("--heartbeat", "50")
    with connect(f"{server.url.replace('http://', 'ws://')}/event/subscription?{QUERY}", open_timeout=10) as ws:
        assert ws.recv(10).endswith("|50|X|")
        with pytest.raises(ConnectionClosed):
            for _ in range(1000):
                assert ws.recv(10) == "X"


def test_get_states_watch_pushed_by_a_state_batch_for_many_trackers(home, serve):
    """Over STATE_MAX trackers: one state_batch (selected); the unknown ones are reported not found."""
    server = serve("--move", "0.5", "--heartbeat", "200")
    env = {**home, "TRACKERCTL_API_URL": server.url, "TRACKERCTL_HASH": HASH}
    ids = ["123456", "999119", "999199", *(str(900000000 + i) for i in range(60))]
    proc = watch(env, "-v", "tracker", "get-states", *ids, "--watch", "0.5")
    records = [json.loads(line) for line in read_lines(proc, 2 * len(ids))]
    err = interrupt(proc)
    assert [r["tracker_id"] for r in records[:3]] == [123456, 999119, 999199]
    assert records[0]["gps"] and records[2] == {"tracker_id": 999199, "connection_status": "blocked"}
    assert all(r["connection_status"] == "not found" for r in records[3:len(ids)])
    assert posts(err) == ["tracker/list"]


def test_a_dropped_subscription_is_opened_again_with_its_uuid(home, serve):
    server = serve("--move", "0.5", "--heartbeat", "200", "--drop-rate", "0.1", "--seed", "7")
    env = {**home, "TRACKERCTL_API_URL": server.url, "TRACKERCTL_HASH": HASH}
    proc = watch(env, "-v", "tracker", "get-state", *IDS, "--watch", "0.5")
    lines = read_lines(proc, 30, timeout=60)
    err = interrupt(proc)
    records = [json.loads(line) for line in lines]  # a redraw before a state came (its frame dropped) lacks that tracker
    assert {r["tracker_id"] for r in records} == {123456, 999119, 987654321}
    assert sum(r["tracker_id"] == 999119 for r in records) >= 5 and all(r["gps"] for r in records if r["tracker_id"] == 999119)
    opened = [line for line in err.splitlines() if line.startswith("> GET ws://")]
    assert "the event subscription dropped; opening it again" in err and len(opened) >= 2
    assert "X-Atmosphere-tracking-id=0&" in opened[0] and all("X-Atmosphere-tracking-id=0&" not in line for line in opened[1:])
    assert "get_states" not in err


def post(url: str, body: dict, hash_: str | None = None) -> dict:
    headers = {"Content-Type": "application/json", **({"Authorization": f"NVX {hash_}"} if hash_ else {})}
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST", headers=headers)
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read())


def test_logout_ends_the_watch_with_exit_3_and_one_line(home, serve):
    server = serve("--heartbeat", "200")
    session = post(f"{server.url}/user/auth", {"login": "demo@example.com", "password": "demo"})["hash"]
    env = {**home, "TRACKERCTL_API_URL": server.url, "TRACKERCTL_HASH": session}
    proc = watch(env, "tracker", "get-state", *IDS, "--watch", "0.5")
    read_lines(proc, 3)
    assert post(f"{server.url}/user/logout", {}, session)["success"] is True
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 3 and err.strip().count("\n") == 0 and "session closed" in err, err


class PlainApi(BaseHTTPRequestHandler):
    """A platform without the subscription: every GET (the handshake included) is 404; get_states answers."""

    calls: list[str] = []
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802
        self.send_error(404)

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.calls.append(self.path)
        body = {"success": True, "user_time": "2026-01-01 00:00:00",
                "states": {"123456": {"source_id": 1, "connection_status": "active", "gps": {"speed": 5}}},
                "blocked": [], "not_exist": [987654321]}
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args) -> None:
        pass


def test_a_platform_without_the_subscription_is_polled_with_one_notice(home):
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), PlainApi)
    PlainApi.calls = []
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        env = {**home, "TRACKERCTL_API_URL": f"http://127.0.0.1:{httpd.server_address[1]}/v2", "TRACKERCTL_HASH": HASH}
        proc = watch(env, "tracker", "get-state", "123456", "987654321", "--watch", "0.5")
        records = [json.loads(line) for line in read_lines(proc, 6)]
        err = interrupt(proc)
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert [r["tracker_id"] for r in records] == [123456, 987654321] * 3
    assert records[1] == {"tracker_id": 987654321, "connection_status": "not found"}
    notices = [line for line in err.splitlines() if "no event subscription" in line]
    assert len(notices) == 1 and "HTTP 404" in notices[0] and "polling tracker/get_states" in notices[0]
    assert set(PlainApi.calls) == {"/v2/tracker/get_states"} and len(PlainApi.calls) >= 3


def test_watch_in_process_is_pushed_too(home):
    proc = watch(home, "--api-url", "sandbox", "-v", "tracker", "get-state", *IDS, "--watch", "0.5")
    records = [json.loads(line) for line in read_lines(proc, 3)]
    err = interrupt(proc)
    assert [r["tracker_id"] for r in records] == [123456, 999119, 987654321] and records[0]["gps"]
    assert posts(err) == ["tracker/list"] and f"> GET /v2/event/subscription?{QUERY} (in-process)" in err


def test_get_state_takes_many_ids_without_watch_as_every_action_on_one_tracker(home):
    many = cli(home, "--api-url", "sandbox", "tracker", "get-state", "123456", "999119", "-o", "json")  # contract section 13
    assert many.returncode == 0 and json.loads(many.stdout)["succeeded"] == [123456, 999119]
    one = cli(home, "--api-url", "sandbox", "tracker", "get-state", "123456", "-o", "json")
    assert one.returncode == 0 and "state" in json.loads(one.stdout)
    assert cli(home, "--api-url", "sandbox", "tracker", "get-state", "1", "--watch", "0.1").returncode == 2
    assert cli(home, "--api-url", "sandbox", "tracker", "get-state", "1", "--poll").returncode == 2
    assert cli(home, "--api-url", "sandbox", "tracker", "get-states", "1", "--poll").returncode == 2
    assert cli(home, "--api-url", "sandbox", "tracker", "get-states", "1", "--watch", "0.1").returncode == 2


def test_send_command_sends_one_request_and_the_platform_checks_the_model(home):
    """No read of the tracker or its model goes first (contract 10): a command the model does not
    take is the platform's refusal (code 7), one request in all, as for one it takes."""
    lock = '{"name": "electronic_lock_command", "command_code": "unseal", "special_settings": {"type": "electronic_lock_password", "password": "345892"}}'
    ok = cli(home, "--api-url", "sandbox", "-v", "tracker", "send-command", "200008", "--command", lock, "-o", "json")
    assert ok.returncode == 0, ok.stderr
    assert [line for line in ok.stderr.splitlines() if line.startswith("> POST")] == ["> POST http://sandbox.invalid/v2/tracker/send_command"]
    refused = cli(home, "--api-url", "sandbox", "-v", "tracker", "send-command", "123456", "--command", lock, "-o", "json")
    assert refused.returncode == 1 and refused.stdout == "" and '"code": 7' in refused.stderr
    assert sum(line.startswith("> POST") for line in refused.stderr.splitlines()) == 1
    assert cli(home, "--api-url", "sandbox", "tracker", "send-command", "123456", "--command", "{bad").returncode == 2
    assert cli(home, "--api-url", "sandbox", "tracker", "send-command", "123456", "--command", "@/nonexistent").returncode == 2
