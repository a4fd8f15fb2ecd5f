"""Issue 2 end to end: trackerctl against `sandbox serve` over real HTTP.

One `sandbox serve` for the module, put back to the seed before each test that uses it (`server`:
what `sandbox reset --db` does; a reset while serving is picked up at once). The CLI runs in this
process (`cli`: tests/helpers/inprocess.py, real HTTP through the same client), and as the
installed trackerctl (`process_cli`, Popen) where the process is what is tested: signals, a
terminal, the keyring as a process decides it, and stdout and stderr at the descriptor level.
"""

from __future__ import annotations

import http.server
import json
import os
import signal
import socket
import stat
import subprocess
import threading
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import TRACKERCTL, start_server, wait_for_line
from tests.e2e.conftest import cli as process_cli
from tests.helpers.environment import isolated_env
from tests.helpers.inprocess import run_cli as cli
from trackerctl.sandbox.app import Sandbox, reset

pytestmark = pytest.mark.e2e
DEMO = ("demo@example.com", "demo")
PANEL = ("1000", "demo")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("core")
    s = start_server(isolated_env(tmp), tmp / "served.sqlite")
    yield s
    s.stop()


@pytest.fixture
def server(served):
    """The module's server, its database back at the seed: no session, clock or change of another test."""
    reset(served.db)
    return served


def login(env, url, *, panel=False, remember=False, who=None, run=cli):
    user, password = who or (PANEL if panel else DEMO)
    args = ["--api-url", url, "auth", "login", "--login", user, "--password-stdin"]
    args += ["--panel"] if panel else []
    args += ["--remember"] if remember else []
    return run(env, *args, input=password + "\n")


def creds_file(env) -> Path:
    return Path(env["XDG_CONFIG_HOME"]) / "trackerctl" / "credentials.json"


def test_login_list_read_logout(home, server):
    env = {**home, "TRACKERCTL_API_URL": server.url}
    done = login(env, server.url)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert "no usable keyring" in done.stderr and str(creds_file(env)) in done.stderr
    assert stat.S_IMODE(creds_file(env).stat().st_mode) == 0o600
    assert "hash" not in (Path(env["XDG_CONFIG_HOME"]) / "trackerctl" / "config.toml").read_text()

    listed = cli(env, "tracker", "list", "-o", "json")
    assert listed.returncode == 0, listed.stderr
    trackers = json.loads(listed.stdout)["list"]
    assert trackers and all(isinstance(t["source"]["device_id"], str) for t in trackers)
    first = trackers[0]["id"]

    read = cli(env, "tracker", "read", str(first), "-o", "json")
    assert read.returncode == 0 and json.loads(read.stdout)["value"]["id"] == first
    lines = cli(env, "tracker", "list", "-o", "jsonl").stdout.splitlines()
    assert [json.loads(line)["id"] for line in lines] == [t["id"] for t in trackers]
    csv = cli(env, "tracker", "list", "-o", "csv", "--columns", "id,source.device_id").stdout.splitlines()
    assert csv[0] == "id,source.device_id" and len(csv) == len(trackers) + 1
    table = cli(env, "tracker", "list", "-o", "table").stdout
    assert trackers[0]["label"] in table and "│" not in table, "no box characters off a terminal"

    status = cli(env, "auth", "status", "-o", "json")
    assert status.returncode == 0, status.stderr
    (row,) = json.loads(status.stdout)["list"]
    assert row["user"]["valid"] is True and row["user"]["stored"] == "file"

    out = cli(env, "auth", "logout")
    assert out.returncode == 0 and "logged out" in out.stderr
    after = cli(env, "tracker", "list")
    assert after.returncode == 3 and after.stdout == "" and "auth login" in after.stderr


def test_logout_ends_the_stored_session_and_leaves_the_environments_alone(home, server):
    env = {**home, "TRACKERCTL_API_URL": server.url}
    assert login(env, server.url, panel=False).returncode == 0
    with_env = {**env, "TRACKERCTL_HASH": "0123456789abcdef0123456789abcdef"}  # the sandbox's API key
    dry = cli(with_env, "--dry-run", "auth", "logout")
    (request,) = [json.loads(line) for line in dry.stdout.splitlines()]
    assert dry.returncode == 0 and request["url"].endswith("/user/logout") and "0123" not in request["headers"]["Authorization"]
    assert cli(env, "tracker", "list").returncode == 0  # a dry run forgets nothing
    out = cli(with_env, "auth", "logout")
    assert out.returncode == 0 and "logged out of the user API" in out.stderr and "TRACKERCTL_HASH" in out.stderr
    assert cli(env, "tracker", "list").returncode == 3  # the stored session was ended and forgotten
    assert cli(with_env, "tracker", "list").returncode == 0  # the environment's still works


def test_panel_login_and_commands(home, server):
    env = {**home, "TRACKERCTL_API_URL": server.url}
    assert login(env, server.url, panel=True).returncode == 0
    listed = cli(env, "panel", "tracker", "list", "--limit", "2", "-o", "json")
    assert listed.returncode == 0, listed.stderr
    body = json.loads(listed.stdout)
    assert len(body["list"]) == 2 and body["count"] >= 2
    one = cli(env, "panel", "tracker", "read", str(body["list"][0]["id"]), "-o", "jsonl")
    assert json.loads(one.stdout)["id"] == body["list"][0]["id"]
    # the user API credential does not cross over: no user login yet
    assert cli(env, "tracker", "list").returncode == 3


def test_exit_codes(home, server):
    env = {**home, "TRACKERCTL_API_URL": server.url, "TRACKERCTL_OUTPUT": "table"}
    login(env, server.url)
    assert cli(env, "tracker", "list").returncode == 0
    missing = cli(env, "tracker", "read", "987654321")
    assert missing.returncode == 4 and "error 201" in missing.stderr and missing.stdout == ""
    as_json = cli(env, "tracker", "read", "987654321", "-o", "json")
    assert as_json.stdout == "" and json.loads(as_json.stderr.strip())["status"]["code"] == 201
    unknown = cli(env, "api", "tracker/no_such_action", "-o", "table")
    assert unknown.returncode == 1 and "error 111" in unknown.stderr
    assert cli(env, "tracker", "read", "x").returncode == 2
    wrong = cli({**env, "TRACKERCTL_HASH": "f" * 32}, "tracker", "list")
    assert wrong.returncode == 3 and "error 4" in wrong.stderr
    malformed = cli({**env, "TRACKERCTL_HASH": "not-a-hash"}, "tracker", "list")
    assert malformed.returncode == 3 and "error 3" in malformed.stderr
    bad_login = login(env, server.url, who=("demo@example.com", "wrong"))
    assert bad_login.returncode == 3 and "error 102" in bad_login.stderr
    inactive = login(env, server.url, who=("inactive@example.com", "demo"))
    assert inactive.returncode == 3 and "error 103" in inactive.stderr


def test_interrupt_is_130_without_traceback(home, serve):
    slow = serve("--latency", "20000")
    env = {**home, "TRACKERCTL_API_URL": slow.url, "TRACKERCTL_HASH": "0123456789abcdef0123456789abcdef"}
    proc = subprocess.Popen([*TRACKERCTL, "-v", "tracker", "list"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen = wait_for_line(proc.stderr, "> POST")  # the request is on its way: the answer takes 20 s
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 130 and out == "" and "Traceback" not in seen + err and "interrupted" in err


def test_two_factor_login_non_interactive_is_refused_with_advice(home, server):
    done = login(home, server.url, who=("2fa@example.com", "demo"))
    assert done.returncode == 3 and "two-factor" in done.stderr


def test_session_renewal_from_the_environment(home, server):
    env = {**home, "TRACKERCTL_API_URL": server.url, "TRACKERCTL_OUTPUT": "table"}
    assert login(env, server.url, panel=True, remember=True).returncode == 0
    Sandbox(server.db).advance_clock(25 * 3600)  # the panel session ends after 24 h
    renewed = cli(env, "panel", "tracker", "list", "--limit", "1", "-o", "json")
    assert renewed.returncode == 0, renewed.stderr
    assert "renewed" in renewed.stderr
    # user API: 30 days idle; no stored password, so it takes the environment
    assert login(env, server.url).returncode == 0
    Sandbox(server.db).advance_clock(31 * 24 * 3600)
    ended = cli(env, "tracker", "list")
    assert ended.returncode == 3 and "session ended" in ended.stderr.lower()
    again = cli({**env, "TRACKERCTL_LOGIN": DEMO[0], "TRACKERCTL_PASSWORD": DEMO[1]}, "tracker", "list", "-o", "json")
    assert again.returncode == 0, again.stderr


def test_cron_style_login_from_environment_only(home, server):
    env = {**home, "TRACKERCTL_API_URL": server.url, "TRACKERCTL_PANEL_LOGIN": PANEL[0], "TRACKERCTL_PANEL_PASSWORD": PANEL[1]}
    first = cli(env, "-q", "panel", "tracker", "list", "--limit", "1", "-o", "json")
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["list"]


def test_no_keyring_file_fallback_mode_0600(home, server):
    env = {**home, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    assert login(env, server.url, run=process_cli).returncode == 0
    path = creds_file(env)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) & 0o077 == 0


def test_hanging_keyring_still_finishes_promptly(home, server):
    env = {**home, "PYTHON_KEYRING_BACKEND": "tests.helpers.fake_keyring.HangingKeyring"}
    start = time.monotonic()
    done = login(env, server.url, run=process_cli)
    assert done.returncode == 0, done.stderr
    assert time.monotonic() - start < 15, "a hanging keyring must not hold the command"
    assert creds_file(env).exists()
    start = time.monotonic()
    assert process_cli({**env, "TRACKERCTL_API_URL": server.url}, "tracker", "list", "-o", "json").returncode == 0
    assert time.monotonic() - start < 15


def test_dry_run_sends_nothing(home):
    with socket.socket() as s:  # a port nobody listens on: any request would fail
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**home, "TRACKERCTL_HASH": "a" * 32, "TRACKERCTL_API_URL": f"http://127.0.0.1:{port}/v2"}
    out = cli(env, "tracker", "delete", "5", "--dry-run")
    assert out.returncode == 0, out.stderr
    (req,) = [json.loads(line) for line in out.stdout.splitlines()]
    assert req["body"] == {"tracker_id": 5} and req["headers"]["Authorization"].startswith("NVX aaaa…")


def test_the_hash_appears_only_in_auth_token(home, server):
    env = {**home, "TRACKERCTL_API_URL": server.url}
    runs = [login(env, server.url), login(env, server.url, panel=True, remember=True)]
    user_hash = cli(env, "auth", "token").stdout.strip()
    panel_hash = cli(env, "auth", "token", "--panel").stdout.strip()
    assert len(user_hash) >= 32 and len(panel_hash) >= 32
    for argv in (["tracker", "list"], ["-v", "tracker", "list"], ["-v", "tracker", "read", "987654321"],
                 ["-v", "panel", "tracker", "list", "--limit", "1"], ["auth", "status"], ["-v", "auth", "status", "-o", "json"],
                 ["tracker", "list", "--dry-run"], ["-v", "auth", "login", "--login", DEMO[0], "--password-stdin"]):
        runs.append(cli(env, *argv, input="demo\n"))
    for r in runs:
        for secret in (user_hash, panel_hash, "0123456789abcdef0123456789abcdef"):
            assert secret not in r.stdout and secret not in r.stderr, (r.args, secret)
        assert "demo\n" not in r.stderr


class _Misbehaving(http.server.BaseHTTPRequestHandler):
    """What the sandbox cannot produce: answers that are not the API's JSON."""

    answers = {
        "/v2/tracker/list": (502, "text/html", b"<html><h1>502 Bad Gateway</h1></html>"),
        "/v2/tracker/read": (200, "application/json", b'{"success": true, "value": {"id": 1'),
        "/v2/tracker/get_state": (200, "text/plain", b""),
    }

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        status, ctype, body = self.answers.get(self.path, (404, "text/html", b"<html>no</html>"))
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass


@pytest.fixture
def misbehaving():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Misbehaving)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/v2"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def failing(tmp_path_factory):
    """A server that answers every request with error 8: no state a test could change."""
    tmp = tmp_path_factory.mktemp("failing")
    s = start_server(isolated_env(tmp), tmp / "served.sqlite", "--fail-rate", "1")
    yield s
    s.stop()


@pytest.mark.parametrize("fmt", ["table", "json", "jsonl", "csv"])
def test_stdout_stays_empty_when_the_server_misbehaves(home, failing, misbehaving, fmt):
    env = {**home, "TRACKERCTL_HASH": "0123456789abcdef0123456789abcdef", "TRACKERCTL_MAX_ATTEMPTS": "2"}
    cases = [
        ([f"--api-url={failing.url}", "tracker", "list"], "error 8"),
        ([f"--api-url={misbehaving}", "tracker", "list"], "HTTP 502"),
        ([f"--api-url={misbehaving}", "tracker", "read", "1"], "not the API's JSON"),
        ([f"--api-url={misbehaving}", "tracker", "get-state", "1"], "empty body"),
    ]
    started = [(argv, message, subprocess.Popen([*TRACKERCTL, *argv, "-o", fmt], env=env, stdout=subprocess.PIPE,
                                                stderr=subprocess.PIPE, text=True)) for argv, message in cases]
    for argv, message, proc in started:  # the four processes at once: each is checked on its own
        out, err = proc.communicate(timeout=60)
        r = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
        assert r.returncode == 5, (argv, r.stderr)
        assert r.stdout == "", argv
        assert message in r.stderr and "Traceback" not in r.stderr, (argv, r.stderr)


def test_api_key_login(home, server):
    env = {**home, "TRACKERCTL_API_URL": server.url}
    key = "0123456789abcdef0123456789abcdef"
    bad = cli(env, "auth", "login", "--api-key", "--password-stdin", input="f" * 32 + "\n", )
    assert bad.returncode == 3 and not creds_file(env).exists()
    done = cli(env, "auth", "login", "--api-key", "--password-stdin", input=key + "\n")
    assert done.returncode == 0, done.stderr
    assert cli(env, "tracker", "list", "-o", "json").returncode == 0
    assert cli(env, "auth", "token").stdout.strip() == key
    assert cli(env, "auth", "logout").returncode == 0
    assert cli(env, "tracker", "list").returncode == 3


def test_two_factor_code_prompt_on_a_terminal(home, server):
    """A pseudo-terminal: the password comes from stdin, the code is asked for and typed."""
    import pty

    master, slave = pty.openpty()
    env = {**home, "TRACKERCTL_API_URL": server.url}
    proc = subprocess.Popen([*TRACKERCTL, "auth", "login", "--login", "2fa@example.com", "--password-stdin"],
                            env=env, stdin=slave, stdout=subprocess.PIPE, stderr=slave, text=True)
    os.close(slave)
    os.write(master, b"demo\n")
    seen = b""
    deadline = time.monotonic() + 20
    while b"code" not in seen and time.monotonic() < deadline:
        try:
            seen += os.read(master, 1024)
        except OSError:
            break
    assert b"Two-factor code" in seen, seen
    os.write(master, b"123456\n")
    assert proc.wait(20) == 0
    os.close(master)
    assert cli(env, "tracker", "list", "-o", "json").returncode == 0


def test_sigterm_ends_like_ctrl_c(home, serve):
    slow = serve("--latency", "20000")
    env = {**home, "TRACKERCTL_API_URL": slow.url, "TRACKERCTL_HASH": "0123456789abcdef0123456789abcdef"}
    proc = subprocess.Popen([*TRACKERCTL, "-v", "tracker", "list"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen = wait_for_line(proc.stderr, "> POST")
    proc.terminate()
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 130 and out == "" and "Traceback" not in seen + err


def test_dry_run_never_logs_in(home, server):
    env = {**home, "TRACKERCTL_API_URL": server.url, "TRACKERCTL_PANEL_LOGIN": PANEL[0], "TRACKERCTL_PANEL_PASSWORD": PANEL[1]}
    out = cli(env, "panel", "tracker", "read", "123456", "--dry-run")
    assert out.returncode == 0, out.stderr
    (req,) = [json.loads(line) for line in out.stdout.splitlines()]
    assert req["url"].endswith("/panel/tracker/read") and "Authorization" not in req["headers"]
    assert PANEL[1] not in out.stdout + out.stderr
