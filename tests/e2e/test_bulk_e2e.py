"""Bulk commands end to end: trackerctl against `sandbox serve` over real HTTP, with faults
(refusals, rate limiting, dropped answers, latency) and a killed run.

The CLI runs in this process (`cli`: tests/helpers/inprocess.py, real HTTP through the same client
and its threads), and as the installed trackerctl where a signal ends it. A server without fault
options is the module's one, its database made anew by `sandbox reset --db` for each test (a reset
while serving is picked up at once); one with fault options is started for its test.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import TRACKERCTL, start_server
from tests.e2e.test_tables_e2e import on_terminal
from tests.helpers.inprocess import run_cli as cli

pytestmark = pytest.mark.e2e
EQUIP = "13785"
DEMO_USER, OTHER_USER = 183654, 354468


@pytest.fixture
def served(home, tmp_path, plain_server):
    """A server on a fresh database: served(*options, trackers=N, bundles=N) -> env for the CLI.
    Without options the module's server, its database reset; with options a new one."""
    started = []

    def start(*options: str, trackers: int = 0, bundles: int = 0) -> dict[str, str]:
        db = tmp_path / f"bulk{len(started)}.sqlite" if options else plain_server.db
        reset = cli(home, "sandbox", "reset", "--db", str(db), "--trackers", str(trackers), "--bundles", str(bundles), "-o", "json")
        assert reset.returncode == 0, reset.stderr
        server = start_server(home, db, *options) if options else plain_server
        if options:
            started.append(server)
        return {**home, "TRACKERCTL_API_URL": server.url, "TRACKERCTL_PANEL_LOGIN": "1000",
                "TRACKERCTL_PANEL_PASSWORD": "demo", "TRACKERCTL_LOGIN": "demo@example.com",
                "TRACKERCTL_PASSWORD": "demo", "DB": str(db)}

    yield start
    for server in started:
        server.stop()


def query(env, sql: str, *args) -> list[tuple]:
    with sqlite3.connect(env["DB"], timeout=10) as conn:
        return conn.execute(sql, args).fetchall()


def new_imeis(n: int, start: int = 0) -> list[str]:
    return [f"35{i:013d}" for i in range(start, start + n)]


def existing_imeis(indexes) -> list[str]:
    return [f"86{i:013d}" for i in indexes]  # what `sandbox reset --bundles N` generates


def import_(env, imeis: list[str], *extra: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return cli(env, "panel", "bundle", "import", "--from-file", "-", "--equip-id", EQUIP, "--no-factory-preset",
               "-o", "json", *extra, input="\n".join(imeis) + "\n", timeout=timeout)


def bundle_counts(env, imeis: list[str]) -> dict[str, int]:
    counts = {imei: 0 for imei in imeis}
    for (imei,) in query(env, "SELECT imei FROM bundles"):
        if imei in counts:
            counts[imei] += 1
    return counts


def test_import_skips_existing_imeis_and_imports_the_rest(served):
    env = served(bundles=50)
    old = existing_imeis(range(0, 50, 5))  # 10 existing, scattered
    new = new_imeis(290)
    wanted = new[:100] + old[:5] + new[100:] + old[5:]
    done = import_(env, wanted, "--chunk-size", "100")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result == {"succeeded": new, "skipped": old, "failed": []}
    assert all(isinstance(i, str) for i in result["succeeded"])
    assert set(bundle_counts(env, wanted).values()) == {1}
    assert "290 succeeded, 10 skipped, 0 failed" in done.stderr


def test_the_same_import_run_twice_ends_the_same(served):
    env = served(bundles=20)
    wanted = new_imeis(150) + existing_imeis(range(20))
    first = import_(env, wanted)
    second = import_(env, wanted)
    assert first.returncode == second.returncode == 0, first.stderr + second.stderr
    assert json.loads(first.stdout) == {"succeeded": new_imeis(150), "skipped": existing_imeis(range(20)), "failed": []}
    assert json.loads(second.stdout) == {"succeeded": [], "skipped": wanted, "failed": []}
    assert set(bundle_counts(env, wanted).values()) == {1}


def test_import_under_refusals_and_rate_limiting_imports_every_bundle_once(served):
    env = served("--fail-rate", "0.2", "--rate-limit", "50", "--seed", "7", bundles=100)
    wanted = new_imeis(1900) + existing_imeis(range(0, 100))
    done = import_(env, wanted, "--chunk-size", "100", "--concurrency", "8", "-o", "jsonl")
    assert done.returncode == 0, done.stderr[-3000:]
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert sorted(r["item"] for r in rows) == sorted(wanted)
    assert {r["item"] for r in rows if r["status"] == "skipped"} == set(existing_imeis(range(100)))
    assert {r["status"] for r in rows} == {"succeeded", "skipped"}
    assert set(bundle_counts(env, wanted).values()) == {1}
    assert "retrying" in done.stderr  # the faults were there


def test_import_with_dropped_answers_re_sends_and_finishes(served):
    env = served("--drop-rate", "0.3", "--seed", "3")
    wanted = new_imeis(600)
    done = import_(env, wanted, "--chunk-size", "50", "--timeout", "5")
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)
    assert sorted(result["succeeded"] + result["skipped"]) == sorted(wanted) and result["failed"] == []
    assert result["skipped"], "a dropped chunk was applied, re-sent, and found done"
    assert set(bundle_counts(env, wanted).values()) == {1}


def test_a_killed_import_run_again_finishes_with_nothing_duplicated(served, home):
    env = served("--latency", "100")
    wanted = new_imeis(3000)
    proc = subprocess.Popen([*TRACKERCTL, "panel", "bundle", "import", "--from-file", "-", "--equip-id", EQUIP,
                             "--no-factory-preset", "--chunk-size", "50", "--concurrency", "2", "-o", "jsonl"],
                            env=env, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True)
    proc.stdin.write("\n".join(wanted) + "\n")
    proc.stdin.close()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and sum(bundle_counts(env, wanted).values()) < 500:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    imported = sum(bundle_counts(env, wanted).values())
    assert 500 <= imported < 3000, "killed part-way"

    again = import_(env, wanted, "--chunk-size", "50", "--concurrency", "4")
    assert again.returncode == 0, again.stderr
    result = json.loads(again.stdout)
    assert len(result["skipped"]) == imported and sorted(result["succeeded"] + result["skipped"]) == sorted(wanted)
    assert set(bundle_counts(env, wanted).values()) == {1}


def test_batch_clone_then_delete_clones_reports_each_group(served):
    env = served(trackers=120)  # every 10th generated tracker is other@'s clone of demo@'s one before it
    originals = [t for (t,) in query(env, "SELECT id FROM trackers WHERE user_id = ? AND id >= 3000001 AND clone = 0 ORDER BY id", DEMO_USER)]
    have = {t for (t,) in query(env, "SELECT o.id FROM trackers o JOIN trackers c ON c.source_id = o.source_id AND c.clone = 1"
                                      " AND c.user_id = ? AND c.deleted = 0 WHERE o.clone = 0", OTHER_USER)}
    assert len(originals) == 60 and 0 < len(have & set(originals)) < 60
    cloned = cli(env, "panel", "tracker", "batch-clone", *map(str, originals), "--user-id", str(OTHER_USER),
                 "--chunk-size", "25", "-o", "json")
    assert cloned.returncode == 0, cloned.stderr
    assert json.loads(cloned.stdout) == {"succeeded": [t for t in originals if t not in have],
                                         "skipped": [t for t in originals if t in have], "failed": []}
    again = cli(env, "panel", "tracker", "batch-clone", "777002", *map(str, originals), "--user-id", str(OTHER_USER), "-o", "json")
    assert again.returncode == 6, again.stderr
    assert json.loads(again.stdout) == {"succeeded": [], "skipped": originals,
                                        "failed": [{"item": 777002, "code": 219, "description": "Not allowed for clones of the device"}]}

    clones = [t for (t,) in query(env, "SELECT id FROM trackers WHERE user_id = ? AND clone = 1 AND id > 3000120 ORDER BY id", OTHER_USER)]
    assert len(clones) == 60 - len(have & set(originals))
    clones = clones[:30]
    first = cli(env, "panel", "tracker", "batch-delete-clones", *map(str, clones[:10]), "--yes", "-o", "json")
    assert first.returncode == 0 and json.loads(first.stdout)["succeeded"] == clones[:10], first.stderr
    not_clones = originals[:5]
    done = cli(env, "panel", "tracker", "batch-delete-clones", *map(str, clones + not_clones), "--yes", "--chunk-size", "7", "-o", "json")
    assert done.returncode == 6, done.stderr
    assert json.loads(done.stdout) == {
        "succeeded": clones[10:],
        "skipped": clones[:10],
        "failed": [{"item": t, "code": None, "description": "Not a clone"} for t in not_clones],
    }
    assert "error: 5 of 35 items failed" in done.stderr
    assert query(env, f"SELECT COUNT(*) FROM trackers WHERE deleted = 1 AND id IN ({','.join(map(str, clones))})") == [(30,)]


def test_batch_delete_clones_needs_yes_without_a_terminal_and_sends_nothing(served):
    env = served()
    refused = cli(env, "panel", "tracker", "batch-delete-clones", "777003", "-o", "json")
    assert refused.returncode == 2 and refused.stdout == ""
    assert query(env, "SELECT deleted FROM trackers WHERE id = 777003") == [(0,)]


def test_get_states_in_chunks_merges_into_one_answer(served):
    env = served(trackers=40)
    ids = [t for (t,) in query(env, "SELECT id FROM trackers WHERE user_id = ? AND deleted = 0 ORDER BY id", DEMO_USER)]
    args = ["tracker", "get-states", *map(str, ids), "999999999", "--allow-not-exist", "--list-blocked", "-o", "json"]
    whole = cli(env, *args)
    chunked = cli(env, *args, "--chunk-size", "3", "--concurrency", "5")
    assert whole.returncode == chunked.returncode == 0, whole.stderr + chunked.stderr
    a, b = json.loads(whole.stdout), json.loads(chunked.stdout)
    assert list(b) == ["user_time", "states", "blocked", "not_exist"]
    order = [int(k) for k in a["states"]]
    assert list(a["states"]) == list(b["states"])
    for answer in (a, b):
        answer.pop("user_time")
        answer["states"].pop("999119")  # the live tracker: its fix moves with the clock
    assert a == b and b["not_exist"] == [999999999]
    lines = cli(env, *args[:-2], "-o", "jsonl", "--chunk-size", "4").stdout.splitlines()
    records = [json.loads(line) for line in lines]  # one per tracker asked: the states, then the blocked and missing
    assert [(r["tracker_id"], r["status"]) for r in records] == (
        [(i, "ok") for i in order] + [(i, "blocked") for i in b["blocked"]] + [(999999999, "not_exist")])
    assert sorted(r["tracker_id"] for r in records) == sorted([*ids, 999999999])


def test_panel_tracker_list_all_returns_every_tracker_once(served):
    env = served(trackers=25_000)
    listed = cli(env, "panel", "tracker", "list", "--all", "-o", "jsonl", timeout=300)
    assert listed.returncode == 0, listed.stderr
    ids = [json.loads(line)["id"] for line in listed.stdout.splitlines()]
    (count,) = query(env, "SELECT COUNT(*) FROM trackers t JOIN users u ON u.id = t.user_id WHERE u.dealer_id = 1")[0]
    assert len(ids) == len(set(ids)) == count >= 25_000


def test_validation_errors_send_nothing(served):
    env = served()
    for args in (["panel", "bundle", "import", "3500", "12ab", "--equip-id", EQUIP, "--no-factory-preset"],
                 ["panel", "tracker", "batch-delete-clones", "1", "--chunk-size", "501", "--yes"],
                 ["panel", "tracker", "batch-clone", "1", "0", "--user-id", "5"],
                 ["tracker", "get-states", "1", "--concurrency", "65"]):
        bad = cli(env, *args)
        assert bad.returncode == 2 and bad.stdout == "", (args, bad.stderr)
    assert query(env, "SELECT COUNT(*) FROM bundles WHERE imei = '3500'") == [(0,)]


def test_dry_run_prints_one_request_per_chunk(served):
    env = {**served(), "TRACKERCTL_PANEL_HASH": "f" * 32}
    out = cli(env, "--dry-run", "panel", "tracker", "batch-clone", *map(str, range(1, 2501)), "--user-id", "5")
    assert out.returncode == 0, out.stderr
    bodies = [json.loads(line)["body"] for line in out.stdout.splitlines()]
    assert [len(b["tracker_ids"]) for b in bodies] == [1000, 1000, 500] and all(b["user_id"] == 5 for b in bodies)


def test_ctrl_c_ends_with_130_a_summary_and_no_traceback(served):
    env = served("--latency", "200")
    wanted = new_imeis(400)
    left = Path(env["HOME"]).parent / "left.txt"
    proc = subprocess.Popen([*TRACKERCTL, "panel", "bundle", "import", "--from-file", "-", "--equip-id", EQUIP,
                             "--no-factory-preset", "--chunk-size", "10", "--concurrency", "2", "-o", "jsonl",
                             "--failed-to", str(left)],
                            env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    proc.stdin.write("\n".join(wanted) + "\n")
    proc.stdin.close()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and sum(bundle_counts(env, wanted).values()) < 40:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    proc.wait(30)
    out, err = proc.stdout.read(), proc.stderr.read()
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "interrupted:" in err and "run the same command again" in err
    reported = [json.loads(line)["item"] for line in out.splitlines()]
    in_db = {imei for imei, n in bundle_counts(env, wanted).items() if n}
    assert set(reported) <= in_db and len(reported) >= 40  # what is reported done is done
    assert left.read_text().splitlines() == [imei for imei in wanted if imei not in set(reported)]  # the rest, as asked
    again = import_(env, wanted)
    assert again.returncode == 0 and set(json.loads(again.stdout)["skipped"]) == in_db


# ---- on a real terminal (CLI-CONTRACT.md section 11) ----------------------------------------------
def test_on_a_terminal_a_bulk_table_is_the_items_not_done_and_one_summary_line(home):
    """stdout on a pseudo-terminal: an import of 302 IMEIs that all go through (one was there
    already) prints one line, not 302 rows; a deletion that fails for some prints those and the
    line; --failed-to keeps the failed ones for --from-file."""
    env = {**home, "COLUMNS": ""}
    wanted = [*new_imeis(300), "835664527777452", "860000000000001"]  # a bundle of the seed; a new one
    code, out, err = on_terminal(env, ["panel", "bundle", "import", *wanted, "--equip-id", EQUIP, "--no-factory-preset"], 80)
    assert code == 0, err
    assert out == "301 succeeded, 1 skipped, 0 failed (-o csv lists every item)\n"
    assert "Traceback" not in err
    left = Path(home["HOME"]).parent / "left.txt"
    code, out, err = on_terminal(env, ["panel", "tracker", "batch-delete-clones", "123456", "777003", "265489", "--yes",
                                       "--failed-to", str(left)], 80)
    assert code == 6, err
    lines = out.rstrip("\n").split("\n")
    assert lines[0].split() == ["item", "status", "code", "description"] and set(lines[1]) == {"─"}
    assert [line.split() for line in lines[2:-1]] == [["123456", "failed", "Not", "a", "clone"], ["265489", "failed", "Not", "a", "clone"]]
    assert lines[-1] == "1 succeeded, 0 skipped, 2 failed (-o csv lists every item)"
    assert all(len(line) <= 80 for line in lines)
    assert left.read_text() == "123456\n265489\n"
    assert "error: 2 of 3 items failed" in err and "2 items left to do written to" in err
