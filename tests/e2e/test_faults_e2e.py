"""Issue 9 end to end: the installed trackerctl against a server that misbehaves on purpose
(tests/helpers/fault_server.py), for a read, a write, a login and a bulk chunk.

Each case asserts the exit code, how many times the request arrived (TRACKERCTL_MAX_ATTEMPTS=3
here), one error line and no traceback; the slow and the big faults also a generous bound on the
wall time and on the child's peak memory (wait4's rusage of that process alone).

The CLI runs in this process (`run`: tests/helpers/inprocess.py, the console script's root command
with the environment set as a child's would be), over real HTTP to the fault server on 127.0.0.1
through the same client and keep-alive pool (test_in_process_runs_are_real_http_through_the_pool).
The cases that measure the peak memory of a process run the installed trackerctl as a child
(`run_process`).
"""

from __future__ import annotations

import os
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass

import pytest

from tests.e2e.conftest import TRACKERCTL
from tests.helpers.fault_server import RETRY_AFTER_KINDS, FaultServer
from tests.helpers.inprocess import run_cli
from trackerctl.api import connection

pytestmark = pytest.mark.e2e
ATTEMPTS = 3
READ = ("tracker", "read", "1")
WRITE = ("tracker", "corrupt", "5", "--yes")
LOGIN = ("auth", "login", "--panel", "--login", "1000", "--password-stdin")
BULK = ("panel", "tracker", "batch-delete-clones", "1", "2", "3", "--yes")
COMMANDS = {"read": READ, "write": WRITE, "login": LOGIN, "bulk": BULK}
MIB = 2**20


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    seconds: float
    peak: int | None  # bytes: the child's peak RSS (None in-process: `run_process` measures it)

    @property
    def errors(self) -> list[str]:
        """stderr without the retry notices: the error line (and a hint)."""
        return [line for line in self.stderr.splitlines() if line.strip() and "; retrying " not in line]


def run(env: dict[str, str], api_url: str, args: tuple[str, ...], *, extra: tuple[str, ...] = ()) -> Run:
    """One trackerctl run in this process; its exit code, output and wall time."""
    stdin = "pw\n" if "--password-stdin" in args else ""
    r = run_cli(env, "--api-url", api_url, "-o", "json", *extra, *args, input=stdin)
    return Run(r.returncode, r.stdout, r.stderr, r.seconds, None)


def run_process(env: dict[str, str], api_url: str, args: tuple[str, ...], *, extra: tuple[str, ...] = (),
                timeout: float = 60) -> Run:
    """One trackerctl process; its exit code, output, wall time and peak RSS (from wait4)."""
    stdin = "pw\n" if "--password-stdin" in args else ""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err, \
            tempfile.TemporaryFile("w+") as inp:
        inp.write(stdin)
        inp.seek(0)
        started = time.monotonic()
        proc = subprocess.Popen([*TRACKERCTL, "--api-url", api_url, "-o", "json", *extra, *args], env=env,
                                stdin=inp, stdout=out, stderr=err, text=True)
        deadline = started + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.02)  # polling the child's exit, not synchronising with it
        seconds = time.monotonic() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Run(proc.returncode, out.read(), err.read(), seconds, usage.ru_maxrss * 1024)


@pytest.fixture
def faults():
    server = FaultServer().start()
    yield server
    server.stop()


@pytest.fixture
def env(home):
    return {**home, "TRACKERCTL_HASH": "a" * 32, "TRACKERCTL_PANEL_HASH": "b" * 32,
            "TRACKERCTL_MAX_ATTEMPTS": str(ATTEMPTS)}


def test_in_process_runs_are_real_http_through_the_pool(env, faults, monkeypatch):
    """The guard of `run`: in this process a command still connects to the fault server over TCP
    and sends through connection.Pool, the keep-alive pool a child uses without a proxy."""
    posted: list[str] = []
    real_post = connection.Pool.post

    def post(self, url, headers, body, timeout):
        posted.append(url)
        return real_post(self, url, headers, body, timeout)

    monkeypatch.setattr(connection.Pool, "post", post)
    monkeypatch.setattr(connection.HttpxExchange, "post", lambda *a, **k: pytest.fail("httpx without a proxy"))
    r = run(env, faults.api("flaky503-1"), READ)
    assert r.code == 0 and '"label": "fault server"' in r.stdout, r.stderr
    assert posted == [f"{faults.url}/flaky503-1/v2/tracker/read"] * 2
    assert faults.actions("flaky503-1") == ["tracker/read"] * 2 and faults.accepted == 1  # kept alive


def clean_failure(r: Run, code: int = 5) -> None:
    assert r.code == code, r.stderr
    assert "Traceback" not in r.stderr and "internal error" not in r.stderr, r.stderr
    assert 1 <= len(r.errors) <= 2, r.stderr  # the error, and at most a hint
    assert r.errors[0].startswith(("error", '{"success": false')), r.stderr


# ---- answers that leave the outcome open: reads and logins retried, a write sent once ----------------
OPEN = ["html502", "html503", "bare429", "code1", "truncated", "reset", "drop"]


@pytest.mark.parametrize("mode", OPEN)
@pytest.mark.parametrize("what", ["read", "write", "login", "bulk"])
def test_an_open_outcome_repeats_reads_and_logins_never_a_write(env, faults, mode, what):
    r = run(env, faults.api(mode), COMMANDS[what])
    if what == "bulk":  # the engine adds no retries of its own; nothing answered: exit 5
        assert r.code == 5 and "Traceback" not in r.stderr, r.stderr
        assert 1 <= faults.count(mode) <= ATTEMPTS
        return
    clean_failure(r)
    assert faults.count(mode) == (1 if what == "write" else ATTEMPTS), r.stderr
    if what == "write":
        assert "may or may not" in r.stderr


@pytest.mark.parametrize("what", ["read", "write", "login", "bulk"])
def test_not_processed_is_repeated_for_every_action_and_then_succeeds(env, faults, what):
    mode = f"flaky503-{ATTEMPTS - 1}"  # 503 with the API's code 8, then the answer
    r = run(env, faults.api(mode), COMMANDS[what])
    assert r.code == 0, r.stderr
    assert faults.count(mode) == ATTEMPTS


@pytest.mark.parametrize("what", ["read", "write", "login", "bulk"])
def test_not_processed_to_every_attempt_is_exit_5_after_max_attempts(env, faults, what):
    r = run(env, faults.api("code8"), COMMANDS[what])
    assert r.code == 5 and "Traceback" not in r.stderr, r.stderr
    assert faults.count("code8") == ATTEMPTS if what != "bulk" else 1 <= faults.count("code8") <= ATTEMPTS


def test_an_html_503_then_the_answer_read_succeeds_write_is_sent_once(env, faults):
    assert run(env, faults.api("flaky-html503-2"), READ).code == 0
    assert faults.count("flaky-html503-2") == 3
    clean_failure(run(env, faults.api("flaky-html503-9"), WRITE))
    assert faults.count("flaky-html503-9") == 1


def test_a_panel_login_through_dropped_answers_succeeds(env, faults):
    mode = f"flaky-drop-{ATTEMPTS - 1}"
    r = run(env, faults.api(mode), LOGIN)
    assert r.code == 0, r.stderr
    assert faults.actions(mode) == ["panel/account/auth"] * ATTEMPTS


def test_a_user_login_is_retried_like_a_read(env, faults):
    mode = f"flaky-reset-{ATTEMPTS - 1}"
    r = run(env, faults.api(mode), ("auth", "login", "--login", "a@b.c", "--password-stdin"))
    assert r.code == 0, r.stderr
    assert faults.actions(mode) == ["user/auth"] * ATTEMPTS


# ---- deadlines --------------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["drip", "dripbody", "blackhole"])
def test_timeout_is_a_deadline_for_the_whole_exchange(env, faults, mode):
    write = run(env, faults.api(mode), WRITE, extra=("--timeout", "2"))
    clean_failure(write)
    assert faults.count(mode) == 1 and write.seconds < 5, (write.seconds, write.stderr)
    read = run(env, faults.api(mode), READ, extra=("--timeout", "1"))
    clean_failure(read)
    assert faults.count(mode) == 1 + ATTEMPTS and read.seconds < 6.5, (read.seconds, read.stderr)


@pytest.mark.parametrize("what", ["login", "bulk"])
def test_a_dripping_server_ends_logins_and_bulk_chunks_at_the_deadline(env, faults, what):
    r = run(env, faults.api("drip"), COMMANDS[what], extra=("--timeout", "1"))
    assert r.code == 5 and "Traceback" not in r.stderr, r.stderr
    assert 1 <= faults.count("drip") <= ATTEMPTS and r.seconds < 7, (r.seconds, r.stderr)


# ---- answers too large: exit 5, one line, bounded memory, not retried ---------------------------
@pytest.mark.parametrize("mode", ["huge", "hugecl", "gzipbomb"])
@pytest.mark.parametrize("what", ["read", "write", "login", "bulk"])
def test_an_answer_past_the_limit_is_one_line_and_bounded_memory(env, faults, mode, what):
    r = run_process(env, faults.api(mode), COMMANDS[what])
    assert r.code == 5 and "Traceback" not in r.stderr, r.stderr
    assert faults.count(mode) == 1, r.stderr
    assert r.peak < 200 * MIB, f"peak RSS {r.peak / MIB:.0f} MiB"
    if what != "bulk":
        assert r.errors == [r.errors[0]] and "larger than 64 MiB" in r.errors[0], r.stderr
        assert "TRACKERCTL_MAX_ANSWER_MB" in r.errors[0]


def test_max_answer_mb_raises_the_limit_and_is_validated(env, faults):
    for mode in ("bigok", "bigokgz"):  # 2 MiB after decompression
        assert run(env, faults.api(mode), READ).code == 0
        small = run({**env, "TRACKERCTL_MAX_ANSWER_MB": "1"}, faults.api(mode), READ)
        clean_failure(small)
        assert "larger than 1 MiB" in small.stderr
        assert run({**env, "TRACKERCTL_MAX_ANSWER_MB": "3"}, faults.api(mode), READ).code == 0
    sent = faults.count()
    for bad in ("0", "-1", "1.5", "x", "²"):
        r = run({**env, "TRACKERCTL_MAX_ANSWER_MB": bad}, faults.api("ok"), READ)
        clean_failure(r, code=2)
        assert "TRACKERCTL_MAX_ANSWER_MB" in r.stderr
    assert faults.count() == sent, "nothing is sent with an invalid setting"


# ---- answers that are not the API's: exit 5 BadResponse, one line, not retried ---------------------
@pytest.mark.parametrize("mode", ["oddcode", "nocode", "statustext", "notobject", "deep", "oddtypes"])
def test_an_answer_of_the_wrong_shape_is_exit_5_not_an_internal_error(env, faults, mode):
    for what in ("read", "write"):
        clean_failure(run(env, faults.api(mode), COMMANDS[what]))
    assert faults.count(mode) == 2
    login = run(env, faults.api(mode), LOGIN)
    clean_failure(login)
    listing = run(env, faults.api(mode), ("panel", "tracker", "list", "--all"))
    clean_failure(listing)


@pytest.mark.parametrize("mode", ["redirect301", "redirect302", "redirect307", "redirecthost"])
def test_a_redirect_is_not_followed(env, faults, mode):
    for what in ("read", "write"):
        r = run(env, faults.api(mode), COMMANDS[what])
        clean_failure(r)
        assert "redirect" in r.stderr
    assert faults.count(mode) == 2 and faults.count("ok") == 0


# ---- Retry-After ---------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", RETRY_AFTER_KINDS)
def test_retry_after_of_every_kind(env, faults, kind):
    mode = f"r429-{kind}"
    r = run(env, faults.api(mode), READ)
    clean_failure(r)
    assert faults.count(mode) == ATTEMPTS
    # Two waits: 1 s each for "seconds", at most 1 s for "datenear", else the backoff (< 0.75 s in
    # all): never the 20 s cap of a far date, never a ValueError for nan.
    if kind == "seconds":
        assert 2.0 <= r.seconds < 6, r.seconds
    else:
        assert r.seconds < 5, r.seconds


def test_a_write_refused_with_code_15_is_repeated(env, faults):
    r = run(env, faults.api("r429-zero"), WRITE)
    clean_failure(r)
    assert faults.count("r429-zero") == ATTEMPTS


# ---- nothing reached the platform -------------------------------------------------------------------
@pytest.fixture
def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))  # bound, not listening: refused
        yield s.getsockname()[1]


@pytest.mark.parametrize("what", ["read", "write", "login", "bulk"])
def test_a_refused_connection_is_retried_then_exit_5(env, closed_port, what):
    r = run(env, f"http://127.0.0.1:{closed_port}/v2", COMMANDS[what])
    assert r.code == 5 and "Traceback" not in r.stderr, r.stderr
    assert "cannot connect" in r.stderr and r.seconds < 5


@pytest.fixture
def tls_faults():
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    import ssl

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost").configure_cert(context)
    server = FaultServer(tls=context).start()
    yield server
    server.stop()


@pytest.mark.parametrize("what", ["read", "write", "login", "bulk"])
def test_a_certificate_that_fails_verification_is_not_retried(env, tls_faults, what):
    r = run(env, tls_faults.api("ok"), COMMANDS[what])
    assert r.code == 5 and "Traceback" not in r.stderr, r.stderr
    assert tls_faults.accepted == 1 and tls_faults.count() == 0, r.stderr
    assert "certificate verify failed for localhost" in r.stderr
    assert "; retrying " not in r.stderr


# ---- the httpx path (a proxy is set): the same rules ------------------------------------------------
@pytest.mark.parametrize("mode,what,code,sent", [
    ("html503", "write", 5, 1),
    ("html503", "read", 5, ATTEMPTS),
    ("gzipbomb", "read", 5, 1),
    ("huge", "read", 5, 1),
    ("dripbody", "write", 5, 1),
    ("deep", "read", 5, 1),
    ("flaky503-2", "write", 0, 3),
])
def test_through_a_proxy_the_same_rules_hold(env, faults, mode, what, code, sent):
    proxied = {k: v for k, v in env.items() if k.lower() not in ("no_proxy", "http_proxy", "https_proxy", "all_proxy")}
    proxied["HTTP_PROXY"] = faults.url  # the fault server plays the proxy: the mode is in the absolute URL
    r = run_process(proxied, f"http://localhost/{mode}/v2", COMMANDS[what], extra=("--timeout", "2"))
    assert r.code == code and "Traceback" not in r.stderr, r.stderr
    assert faults.count(mode) == sent
    assert r.peak < 200 * MIB and r.seconds < 8, (r.peak / MIB, r.seconds)
