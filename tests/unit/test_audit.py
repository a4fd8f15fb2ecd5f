"""The audit log (trackerctl/audit.py; CLI-CONTRACT.md section 13): one JSON line per write, secrets
removed, appended safely by many threads and processes, rotated at its size; and the client's hook,
which records each write it sent once, with its final outcome. `trackerctl history` and the log as
commands write it: tests/e2e/test_history_e2e.py."""

from __future__ import annotations

import getpass
import json
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest

from trackerctl.api.client import ApiClient, DryRun, DryRunStop, RetryPolicy
from trackerctl.api.connection import HttpxExchange
from trackerctl.api.errors import ApiError, BadResponse, OutcomeUnknown, Unreachable
from trackerctl.audit import AuditLog, History, redact, rotated_path

REPO = Path(__file__).resolve().parents[2]
HASH = "a6aa75587e5c59c32d347da438505fc3"
STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def make_log(tmp_path: Path, **kw) -> AuditLog:
    kw.setdefault("profile", "work")
    kw.setdefault("journal", lambda: None)
    return AuditLog(tmp_path / "state" / "trackerctl" / "audit.jsonl", **kw)


# ---- the line ----------------------------------------------------------------------------------------
def test_one_line_per_record_with_every_field_in_order(tmp_path):
    journal: list[str | None] = [None]
    log = make_log(tmp_path, journal=lambda: journal[0])
    log.record("panel", "panel/tracker/settings/update", {"tracker_id": 999119, "label": "Ä x", "deleted": False}, 0)
    journal[0] = "/state/journal/run.jsonl"
    log.record("user", "tracker/delete", {"tracker_id": 5}, 201)
    log.record("user", "tracker/corrupt", {"tracker_id": 6}, None)
    raw = log.path.read_bytes()
    assert raw.count(b"\n") == 3 and raw.endswith(b"\n") and "Ä x".encode() in raw  # UTF-8, not \u escapes
    first, second, third = lines(log.path)
    assert list(first) == ["time", "user", "profile", "api", "action", "params", "code", "journal"]
    assert STAMP.fullmatch(first["time"])
    assert first["user"] == getpass.getuser()
    assert first == {**first, "profile": "work", "api": "panel", "action": "panel/tracker/settings/update",
                     "params": {"tracker_id": 999119, "label": "Ä x", "deleted": False}, "code": 0, "journal": None}
    assert (second["code"], second["journal"], second["api"]) == (201, "/state/journal/run.jsonl", "user")
    assert third["code"] is None


def test_the_files_are_private(tmp_path):
    log = make_log(tmp_path)
    log.record("user", "tracker/delete", {"tracker_id": 5}, 0)
    assert log.path.stat().st_mode & 0o777 == 0o600
    assert log.path.parent.stat().st_mode & 0o777 == 0o700
    assert log.path.with_name("audit.jsonl.lock").stat().st_mode & 0o777 == 0o600


def test_a_user_without_a_name_is_its_uid(tmp_path, monkeypatch):
    def nameless():
        raise KeyError("uid not found")

    monkeypatch.setattr(getpass, "getuser", nameless)
    log = make_log(tmp_path)
    log.record("user", "tracker/delete", {"tracker_id": 5}, 0)
    assert lines(log.path)[0]["user"] == str(os.getuid())


def test_secrets_are_removed_at_any_depth(tmp_path):
    params = {
        "tracker_id": 999119, "apn_name": "fast.tmobile.com", "apn_user": "tmobile", "apn_password": "tmobilesecret",
        "hash": HASH, "api_key": "k" * 32, "activation_code": "123123123", "code": 4711,
        "plugin": {"new_password": "pw-nested", "sim_pin": "9876", "list": [{"password": "in-a-list"}]},
        "label": "Courier",
    }
    log = make_log(tmp_path)
    log.record("user", "tracker/register", params, 0)
    raw = log.path.read_text(encoding="utf-8")
    for secret in ("tmobilesecret", HASH, HASH[:4], "k" * 8, "123123123", "4711", "pw-nested", "9876", "in-a-list"):
        assert secret not in raw, secret
    written = lines(log.path)[0]["params"]
    assert written["apn_password"] == written["hash"] == written["plugin"]["list"][0]["password"] == "…"
    assert (written["label"], written["apn_user"], written["tracker_id"]) == ("Courier", "tmobile", 999119)
    assert params["apn_password"] == "tmobilesecret", "the request itself is left alone"


def test_redact_keeps_what_is_not_secret():
    body = {"codes": ["tt1_wp"], "tracker_ids": [1, 2], "keyed": 1, "passport": "x", "comment": None}
    assert redact(body) == body


# ---- many writers ------------------------------------------------------------------------------------
def test_threads_lose_no_line_and_interleave_no_bytes(tmp_path):
    log = make_log(tmp_path)
    barrier = threading.Barrier(8)

    def write(n: int) -> None:
        barrier.wait()
        for i in range(300):
            log.record("panel", "panel/tracker/move", {"thread": n, "i": i, "pad": "x" * (i % 97)}, 0)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seen = [(e["params"]["thread"], e["params"]["i"]) for e in lines(log.path)]  # every line parses
    assert sorted(seen) == [(n, i) for n in range(8) for i in range(300)]


WRITER = """
import os, sys, time
from pathlib import Path
from trackerctl.audit import AuditLog
path, go, n, max_bytes, me = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
log = AuditLog(path, profile="p%d" % me, journal=lambda: None, max_bytes=max_bytes)
while not go.exists():  # every writer starts on the same signal
    time.sleep(0.001)
for i in range(n):
    log.record("user", "tracker/tags/set", {"process": me, "i": i, "pad": "y" * (i % 131)}, 0)
"""


def run_writers(tmp_path: Path, processes: int, each: int, max_bytes: int) -> Path:
    path = tmp_path / "state" / "audit.jsonl"
    go = tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    children = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(go), str(each), str(max_bytes), str(me)], env=env)
                for me in range(processes)]
    go.touch()
    for child in children:
        assert child.wait(120) == 0
    return path


def test_processes_appending_at_once_lose_no_line(tmp_path):
    path = run_writers(tmp_path, processes=8, each=200, max_bytes=10 * 2**20)
    seen = [(e["profile"], e["params"]["i"]) for e in lines(path)]
    assert sorted(seen) == sorted((f"p{me}", i) for me in range(8) for i in range(200))
    assert not rotated_path(path).exists()


def test_processes_rotating_at_once_lose_no_line(tmp_path):
    """8 x 200 lines of ~230 bytes (about 370 KB) with the limit at 250 KB: exactly one rotation,
    which every writer must notice (its file moved to audit.jsonl.1 under it)."""
    limit = 250_000
    path = run_writers(tmp_path, processes=8, each=200, max_bytes=limit)
    old, new = lines(rotated_path(path)), lines(path)
    assert old and new
    assert rotated_path(path).stat().st_size <= limit and path.stat().st_size <= limit
    seen = [(e["profile"], e["params"]["i"]) for e in old + new]
    assert sorted(seen) == sorted((f"p{me}", i) for me in range(8) for i in range(200))
    for me in range(8):  # each writer's lines in its order, across the two files
        mine = [e["params"]["i"] for e in old + new if e["profile"] == f"p{me}"]
        assert mine == sorted(mine)


def test_a_writer_waits_for_the_lock_another_process_holds(tmp_path):
    """The lock is a flock of audit.jsonl.lock, as another process would hold it (a separate open
    file: flock excludes it even within one process). The join only waits for a failure to show:
    a writer that honours the lock cannot finish while it is held, however long the wait."""
    import fcntl

    log = make_log(tmp_path)
    log.record("user", "tracker/delete", {"tracker_id": 1}, 0)
    with open(log.path.with_name("audit.jsonl.lock"), "rb") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        writer = threading.Thread(target=log.record, args=("user", "tracker/delete", {"tracker_id": 2}, 0))
        writer.start()
        writer.join(0.5)
        assert writer.is_alive() and len(lines(log.path)) == 1
        fcntl.flock(held, fcntl.LOCK_UN)
        writer.join(30)
    assert [e["params"]["tracker_id"] for e in lines(log.path)] == [1, 2]


# ---- rotation ----------------------------------------------------------------------------------------
def test_rotation_at_the_size_keeps_one_old_file(tmp_path):
    probe = make_log(tmp_path / "probe")
    probe.record("user", "tracker/delete", {"tracker_id": 100}, 0)
    size = probe.path.stat().st_size  # one line (its user name is this machine's)
    log = make_log(tmp_path, max_bytes=size * 11 + size // 2)  # 11 lines fit, not 12
    ids = lambda path: [e["params"]["tracker_id"] - 100 for e in lines(path)]  # noqa: E731
    for i in range(12):
        log.record("user", "tracker/delete", {"tracker_id": 100 + i}, 0)
    assert ids(rotated_path(log.path)) == list(range(11)) and ids(log.path) == [11]
    for i in range(12, 23):
        log.record("user", "tracker/delete", {"tracker_id": 100 + i}, 0)
    # the second rotation replaced the first old file: lines 0..10 are gone, 11..21 kept, 22 new
    assert ids(rotated_path(log.path)) == list(range(11, 22)) and ids(log.path) == [22]
    assert rotated_path(log.path).stat().st_mode & 0o777 == 0o600 and log.path.stat().st_mode & 0o777 == 0o600
    assert [e["params"]["tracker_id"] - 100 for e in History(log.path)] == list(range(11, 23))


def test_a_line_longer_than_the_limit_is_written_whole(tmp_path):
    log = make_log(tmp_path, max_bytes=100)
    log.record("user", "tracker/delete", {"tracker_id": 1}, 0)
    log.record("user", "tracker/tags/set", {"pad": "q" * 500}, 0)
    assert [e["action"] for e in History(log.path)] == ["tracker/delete", "tracker/tags/set"]


def test_a_writer_reopens_after_another_process_rotated(tmp_path):
    """Two logs on one path hold two open files (as two processes do); the second rotates the file
    the first still has open, whose next line must go to the new file, not the rotated one."""
    probe = make_log(tmp_path / "probe")
    probe.record("user", "tracker/delete", {"tracker_id": 1}, 0)
    first = make_log(tmp_path)
    second = make_log(tmp_path, max_bytes=probe.path.stat().st_size * 5 // 2)  # two lines fit, not three
    first.record("user", "tracker/delete", {"tracker_id": 1}, 0)
    second.record("user", "tracker/delete", {"tracker_id": 2}, 0)
    second.record("user", "tracker/delete", {"tracker_id": 3}, 0)  # a third line: rotates
    first.record("user", "tracker/delete", {"tracker_id": 4}, 0)
    assert [e["params"]["tracker_id"] for e in lines(rotated_path(first.path))] == [1, 2]
    assert [e["params"]["tracker_id"] for e in lines(first.path)] == [3, 4]


def test_a_writer_reopens_a_file_moved_or_removed_under_it(tmp_path):
    log = make_log(tmp_path)
    log.record("user", "tracker/delete", {"tracker_id": 1}, 0)
    os.replace(log.path, tmp_path / "archived.jsonl")  # logrotate's way
    log.record("user", "tracker/delete", {"tracker_id": 2}, 0)
    log.path.unlink()
    log.record("user", "tracker/delete", {"tracker_id": 3}, 0)
    assert [e["params"]["tracker_id"] for e in lines(tmp_path / "archived.jsonl")] == [1]
    assert [e["params"]["tracker_id"] for e in lines(log.path)] == [3]


# ---- failures ----------------------------------------------------------------------------------------
def test_an_unwritable_state_dir_is_one_warning_and_no_error(tmp_path):
    (tmp_path / "state").write_text("a file where the directory should be")
    warnings: list[str] = []
    log = make_log(tmp_path, warn=warnings.append)
    for i in range(3):
        log.record("user", "tracker/delete", {"tracker_id": i}, 0)  # never raises
    assert len(warnings) == 1 and "cannot write the audit log" in warnings[0] and "missing" in warnings[0]


def test_without_a_warn_callable_the_warning_goes_to_stderr(tmp_path, capsys):
    (tmp_path / "state").write_text("")
    log = make_log(tmp_path)
    log.record("user", "tracker/delete", {"tracker_id": 1}, 0)
    log.record("user", "tracker/delete", {"tracker_id": 2}, 0)
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("warning: cannot write the audit log")


def test_history_skips_and_counts_lines_that_are_not_json(tmp_path):
    log = make_log(tmp_path)
    log.record("user", "tracker/delete", {"tracker_id": 1}, 0)
    with open(log.path, "ab") as f:
        f.write(b'{"time": "2026-1\n[1, 2]\n\xff\xfe\n\n')
    log.record("user", "tracker/delete", {"tracker_id": 2}, 0)
    history = History(log.path)
    assert [e["params"]["tracker_id"] for e in history] == [1, 2]
    assert history.skipped == 3


def test_history_of_no_file_is_empty(tmp_path):
    history = History(tmp_path / "nothing" / "audit.jsonl")
    assert list(history) == [] and history.skipped == 0


# ---- the client's hook -------------------------------------------------------------------------------
FAST = RetryPolicy(attempts=3, base_delay=0.0, max_delay=0.0)


def client_with(handler, **kw) -> tuple[ApiClient, list[tuple], list[httpx.Request]]:
    recorded: list[tuple] = []
    seen: list[httpx.Request] = []

    def transport(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request, len(seen))

    kw.setdefault("exchange", HttpxExchange(transport=httpx.MockTransport(transport)))
    client = ApiClient("https://api.example.com/v2", credential=lambda api: HASH, retry=FAST,
                       audit=lambda *line: recorded.append(line), **kw)
    return client, recorded, seen


def ok(**body) -> httpx.Response:
    return httpx.Response(200, json={"success": True, **body})


def err(code: int, status: int = 400) -> httpx.Response:
    return httpx.Response(status, json={"success": False, "status": {"code": code, "description": f"d{code}"}})


def test_a_write_is_recorded_once_with_code_0():
    client, recorded, _ = client_with(lambda r, n: ok())
    client.call("panel/tracker/settings/update", {"tracker_id": 1, "label": "x"}, api="panel", read_only=False)
    assert recorded == [("panel", "panel/tracker/settings/update", {"tracker_id": 1, "label": "x"}, 0)]


def test_a_refused_write_is_recorded_with_the_apis_code_and_still_raises():
    client, recorded, _ = client_with(lambda r, n: err(201))
    with pytest.raises(ApiError):
        client.call("tracker/delete", {"tracker_id": 1}, read_only=False)
    assert recorded == [("user", "tracker/delete", {"tracker_id": 1}, 201)]


def test_retries_are_one_line_with_the_final_outcome():
    client, recorded, seen = client_with(lambda r, n: err(15, 429) if n < 3 else ok())
    client.call("tracker/tags/set", {"tracker_id": 1}, read_only=False)
    assert len(seen) == 3 and [line[3] for line in recorded] == [0]
    client, recorded, seen = client_with(lambda r, n: err(8, 503))
    with pytest.raises(ApiError):
        client.call("tracker/tags/set", {"tracker_id": 1}, read_only=False)
    assert len(seen) == FAST.attempts and [line[3] for line in recorded] == [8]


def test_a_renewal_and_its_repeat_are_one_line():
    def handler(request, n):
        return err(4) if request.headers["Authorization"] == f"NVX {HASH}" else ok()

    client, recorded, seen = client_with(handler, renew=lambda api: "b" * 32)
    client.call("panel/tracker/move", {"tracker_id": 1, "user_id": 2}, api="panel", read_only=False)
    assert len(seen) == 2 and recorded == [("panel", "panel/tracker/move", {"tracker_id": 1, "user_id": 2}, 0)]


@pytest.mark.parametrize(("handler", "raised"), [
    (lambda r, n: (_ for _ in ()).throw(httpx.ReadTimeout("timed out", request=r)), OutcomeUnknown),
    (lambda r, n: (_ for _ in ()).throw(httpx.RemoteProtocolError("closed", request=r)), OutcomeUnknown),
    (lambda r, n: err(1, 500), OutcomeUnknown),
    (lambda r, n: httpx.Response(502, text="<html>Bad gateway</html>"), BadResponse),
    (lambda r, n: httpx.Response(200, text="<html>maintenance</html>"), BadResponse),
])
def test_a_write_of_unknown_outcome_is_recorded_with_code_null(handler, raised):
    client, recorded, seen = client_with(handler)
    with pytest.raises(raised):
        client.call("tracker/corrupt", {"tracker_id": 1}, read_only=False)
    assert len(seen) == 1 and recorded == [("user", "tracker/corrupt", {"tracker_id": 1}, None)]


def test_a_write_never_sent_is_not_recorded():
    def refused(request, n):
        raise httpx.ConnectError("refused", request=request)

    client, recorded, seen = client_with(refused)
    with pytest.raises(Unreachable):
        client.call("tracker/corrupt", {"tracker_id": 1}, read_only=False)
    assert len(seen) == FAST.attempts and recorded == []
    printed: list[dict] = []
    client, recorded, seen = client_with(lambda r, n: ok(), exchange=DryRun(printed.append))
    with pytest.raises(DryRunStop):
        client.call("tracker/corrupt", {"tracker_id": 1}, read_only=False)
    assert len(printed) == 1 and recorded == []


def test_reads_and_logins_are_not_recorded():
    client, recorded, seen = client_with(lambda r, n: ok(hash=HASH, list=[]))
    client.call("tracker/list", {})
    client.call("tracker/read", {"tracker_id": 1}, read_only=True)
    client.call("user/auth", {"login": "a@b.c", "password": "p"}, api=None, read_only=False)
    client.call("panel/account/auth", {"login": "1", "password": "p"}, api=None, read_only=False)
    client.call("user/auth/code/verify", {"code": "123456"}, api="user", read_only=False, credential=HASH)
    assert len(seen) == 5 and recorded == []
