"""Fleet operations end to end (CLI-CONTRACT.md section 13): actions on one tracker run on many
(ids, --from-file, --where), --plan, the journal of every write, and `trackerctl undo`.

The CLI runs in this process over real HTTP (tests/helpers/inprocess.py) against the module's
`sandbox serve`, its database reset for each test; a run killed part-way is a real process against
a server with latency. "Nothing sent" is shown twice: the sandbox's state and the journal directory
are unchanged, and the same command against a port where nothing listens still ends with exit 2
(anything sent there would end with exit 5).
"""

from __future__ import annotations

import json
import signal
import socket
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import TRACKERCTL, start_server
from tests.helpers.inprocess import run_cli as cli

pytestmark = pytest.mark.e2e
DEMO, OTHER, FLEET = 183654, 354468, 214034
TRUCKS = [123456, 999119, 999199]  # "Truck 0N ...": not deleted
VANS = [265489, 1245678]  # "Van 04 city", "Van 05 city"
UPDATE = ("panel", "tracker", "settings", "update")


def logins(home: dict[str, str], url: str) -> dict[str, str]:
    return {**home, "TRACKERCTL_API_URL": url, "TRACKERCTL_PANEL_LOGIN": "1000", "TRACKERCTL_PANEL_PASSWORD": "demo",
            "TRACKERCTL_LOGIN": "demo@example.com", "TRACKERCTL_PASSWORD": "demo"}


@pytest.fixture
def served(home, plain_server):
    """served(trackers=N) -> the env of a CLI against the module's server, on a fresh database."""

    def start(trackers: int = 0) -> dict[str, str]:
        reset = cli(home, "sandbox", "reset", "--db", str(plain_server.db), "--trackers", str(trackers), "-o", "json")
        assert reset.returncode == 0, reset.stderr
        return logins(home, plain_server.url)

    return start


@pytest.fixture
def env(served):
    return served()


@pytest.fixture
def dead(home):
    """The env of a CLI whose API URL is a loopback port where nothing listens (credentials given:
    no login either). Anything sent there ends with exit 5."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return {**home, "TRACKERCTL_API_URL": f"http://127.0.0.1:{port}", "TRACKERCTL_PANEL_HASH": "b" * 32,
            "TRACKERCTL_HASH": "a" * 32}


# ---- helpers -----------------------------------------------------------------------------------------
def ok(ran, code: int = 0):
    assert ran.returncode == code, f"exit {ran.returncode}\nstdout: {ran.stdout[-3000:]}\nstderr: {ran.stderr[-3000:]}"
    assert "Traceback" not in ran.stderr
    return ran


def refused(ran) -> str:
    """Exit 2 with one line on stderr; its text."""
    ok(ran, 2)
    assert ran.stdout == ""
    lines = [line for line in ran.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, ran.stderr
    return lines[0]


def panel_list(env) -> list[dict]:
    return json.loads(ok(cli(env, "panel", "tracker", "list", "--all", "-o", "json")).stdout)["list"]


def by_id(env) -> dict[int, dict]:
    return {t["id"]: t for t in panel_list(env)}


def label_of(env, tracker_id: int) -> str:
    return json.loads(ok(cli(env, "panel", "tracker", "read", str(tracker_id), "-o", "json")).stdout)["value"]["label"]


def journal_dir(env) -> Path:
    return Path(env["XDG_STATE_HOME"]) / "trackerctl" / "journal"


def journals(env) -> list[Path]:
    return sorted(journal_dir(env).glob("*.jsonl")) if journal_dir(env).is_dir() else []


def the_journal(env, before: list[Path]) -> Path:
    """The one journal written since `before`."""
    (new,) = [p for p in journals(env) if p not in before]
    return new


def journal_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def jsonl(ran) -> dict:
    """jsonl output by item (the order of concurrent runs is not fixed)."""
    lines = [json.loads(line) for line in ran.stdout.splitlines()]
    assert len({line["item"] for line in lines}) == len(lines)
    return {line["item"]: line for line in lines}


def result(ran) -> dict:
    return json.loads(ran.stdout)


# ---- many targets ------------------------------------------------------------------------------------
def test_many_ids(env):
    ran = ok(cli(env, *UPDATE, *map(str, TRUCKS), "--label", "Fleet", "--no-deleted", "-o", "json"))
    assert result(ran) == {"succeeded": TRUCKS, "skipped": [], "failed": []}
    assert all(label_of(env, t) == "Fleet" for t in TRUCKS)
    assert label_of(env, VANS[0]) == "Van 04 city"


def test_many_ids_jsonl(env):
    ran = ok(cli(env, *UPDATE, *map(str, TRUCKS), "--label", "Fleet", "--no-deleted", "-o", "jsonl"))
    assert jsonl(ran) == {t: {"item": t, "status": "succeeded", "code": None, "description": None} for t in TRUCKS}


def test_from_file_ids(env, tmp_path):
    ids = tmp_path / "ids.txt"
    ids.write_text("# the vans\n265489\n\n1245678\n")
    ran = ok(cli(env, *UPDATE, "--from-file", str(ids), "--label", "Van", "--no-deleted", "-o", "json"))
    assert result(ran) == {"succeeded": VANS, "skipped": [], "failed": []}
    assert [label_of(env, t) for t in VANS] == ["Van", "Van"]


def test_from_file_on_stdin(env):
    ran = ok(cli(env, *UPDATE, "--from-file", "-", "--label", "Van", "--no-deleted", "-o", "json",
                 input="tracker_id\n265489\n1245678\n"))
    assert result(ran)["succeeded"] == VANS


def test_csv_gives_each_row_its_label_and_comment(env, tmp_path):
    rows = tmp_path / "rows.csv"
    rows.write_text('tracker_id,label,comment\n123456,North one,first\n999119,"North, two",\n265489,,third\n')
    ran = ok(cli(env, *UPDATE, "--from-file", str(rows), "--label", "Default", "--comment", "shared",
                 "--no-deleted", "-o", "json"))
    assert result(ran) == {"succeeded": [123456, 999119, 265489], "skipped": [], "failed": []}
    trackers = by_id(env)
    assert [(trackers[t]["label"], trackers[t]["comment"]) for t in (123456, 999119, 265489)] == [
        ("North one", "first"), ("North, two", "shared"), ("Default", "third")]  # an empty cell: the option
    assert [label_of(env, t) for t in (123456, 999119, 265489)] == ["North one", "North, two", "Default"]
    assert trackers[1245678]["label"] == "Van 05 city"


def test_csv_deleted_column_and_option_spellings(env, tmp_path):
    rows = tmp_path / "rows.csv"
    rows.write_text("tracker_id,label,deleted\n123456,A,true\n999119,B,false\n")
    ok(cli(env, *UPDATE, "--from-file", str(rows), "-o", "json"))
    trackers = by_id(env)
    assert (trackers[123456]["label"], trackers[123456]["deleted"]) == ("A", True)
    assert (trackers[999119]["label"], trackers[999119]["deleted"]) == ("B", False)


def test_where_selects_with_every_condition(env):
    before = by_id(env)
    ran = ok(cli(env, *UPDATE, "--where", "label=truck*", "--where", "deleted=false", "--label", "Chosen",
                 "--no-deleted", "-o", "json"))
    assert sorted(result(ran)["succeeded"]) == TRUCKS and result(ran)["failed"] == []
    assert "3 trackers match" in ran.stderr
    after = by_id(env)
    assert {t for t in after if after[t]["label"] == "Chosen"} == set(TRUCKS)
    for deleted in (200010, 200011):  # "Truck 10 scrapped", "Truck 11 retired": deleted, left out
        assert after[deleted] == before[deleted]


def test_ids_with_where_run_on_the_given_ids_that_match(env):
    ran = ok(cli(env, *UPDATE, "123456", "265489", "200011", "1245678", "--where", "label=Van*", "--where",
                 "deleted=false", "--label", "Chosen", "--no-deleted", "-o", "json"))
    assert result(ran) == {"succeeded": [265489, 1245678], "skipped": [], "failed": []}
    after = by_id(env)
    assert {t for t in after if after[t]["label"] == "Chosen"} == {265489, 1245678}


def test_where_on_the_user_list_for_a_user_action(env):
    ran = ok(cli(env, "tracker", "tags", "set", "--where", "source.blocked=false", "--where", "label=Van*",
                 "--tag", "456789:1", "-o", "json"))
    assert result(ran) == {"succeeded": VANS, "skipped": [], "failed": []}
    listed = json.loads(ok(cli(env, "tracker", "list", "-o", "json")).stdout)["list"]
    tags = {t["id"]: t["tag_bindings"] for t in listed}
    assert tags[265489] == tags[1245678] == [{"tag_id": 456789, "ordinal": 1}]
    assert tags[123456] == [{"tag_id": 456789, "ordinal": 4}]


def test_a_panel_field_is_unknown_to_a_user_action(env):
    line = refused(cli(env, "tracker", "tags", "set", "--where", "deleted=false", "--tag", "456789:1"))
    assert "deleted" in line


def test_where_matching_nothing_sends_nothing(env):
    before = panel_list(env)
    ran = ok(cli(env, *UPDATE, "--where", "label=Nothing like it", "--label", "x", "--no-deleted", "-o", "json"))
    assert result(ran) == {"succeeded": [], "skipped": [], "failed": []}
    assert panel_list(env) == before and journals(env) == []


def test_reads_on_many_trackers(env):
    ran = ok(cli(env, "panel", "tracker", "read", "123456", "999119", "-o", "json"))
    out = result(ran)
    assert out["succeeded"] == [123456, 999119]
    assert {r["item"]: r["value"]["label"] for r in out["results"]} == {123456: "Truck 01 north", 999119: "Truck 02 north"}
    user = ok(cli(env, "tracker", "read", "--where", "label=Van*", "-o", "csv", "--columns", "id,label"))
    assert user.stdout.splitlines() == ["id,label", "265489,Van 04 city", "1245678,Van 05 city"]
    assert journals(env) == []  # reads keep no journal


def test_list_commands_filter_what_they_print(env):
    other = result(ok(cli(env, "panel", "tracker", "list", "--all", "--where", f"user_id={OTHER}", "-o", "json")))
    assert sorted(t["id"] for t in other["list"]) == [458412, 777001, 777004]
    blocked = result(ok(cli(env, "tracker", "list", "--where", "source.blocked=true", "-o", "json")))
    assert [t["id"] for t in blocked["list"]] == [999199]
    bundles = result(ok(cli(env, "panel", "bundle", "list", "--where", "imei=835664527777452", "-o", "json")))
    assert [b["id"] for b in bundles["list"]] == [1241]
    refused(cli(env, "panel", "bundle", "list", "--where", "label=x"))


def test_where_reads_every_page_of_the_list(served):
    env = served(trackers=2500)  # 2516 trackers: three pages of 1000
    listed = panel_list(env)
    assert len(listed) == 2516
    buses = sorted(t["id"] for t in listed if t["label"].startswith("Bus"))
    ran = ok(cli(env, *UPDATE, "--where", "label=bus*", "--label", "x", "--no-deleted", "--plan"))
    assert sorted(json.loads(line)["body"]["tracker_id"] for line in ran.stdout.splitlines()) == buses
    shown = result(ok(cli(env, "panel", "tracker", "list", "--all", "--where", "label=bus*", "-o", "json")))
    assert sorted(t["id"] for t in shown["list"]) == buses


@pytest.mark.parametrize("where, expected", [
    ([f"user_id={OTHER}"], [458412, 777001, 777004]),
    ([f"user_id={OTHER}", "label=Car*"], [458412]),
    ([f"user_id!={DEMO}"], [458412, 777001, 777004]),
    (["source.tariff_id=13457"], VANS),
    (["source.tariff_id=13457", "label=*05*"], [1245678]),
    (["source.tariff_id<1295"], [123456, 134537, 458412]),
    (["last_connection<2025-06-02"], [200009, 200010, 200011, 999199]),
    (["comment!="], [1245678]),
    (["clone=true", "user_id=183654"], [777002, 777003]),
    (["last_connection<30d"], [200009, 200010, 200011, 999199]),
    (["last_connection>30d", "label=Van*"], VANS),
])
def test_where_chooses_exactly(env, where, expected):
    args = [a for w in where for a in ("--where", w)]
    ran = ok(cli(env, *UPDATE, *args, "--label", "x", "--no-deleted", "--plan"))
    assert sorted(json.loads(line)["body"]["tracker_id"] for line in ran.stdout.splitlines()) == sorted(expected)


def test_never_connected_trackers_are_chosen_by_an_empty_value_and_by_no_order(served):
    env = served(trackers=300)  # 3% of the generated devices never connected (trackerctl/sandbox/seed.py)
    listed = panel_list(env)
    never = sorted(t["id"] for t in listed if t.get("last_connection") is None)
    assert never  # the generated fleet has devices that never connected

    def chosen(*where: str) -> list[int]:
        args = [a for w in where for a in ("--where", w)]
        ran = ok(cli(env, *UPDATE, *args, "--label", "x", "--no-deleted", "--plan"))
        return sorted(json.loads(line)["body"]["tracker_id"] for line in ran.stdout.splitlines())

    assert chosen("last_connection=") == never
    assert chosen("last_connection!=") == sorted(t["id"] for t in listed if t["id"] not in never)
    older, newer = chosen("last_connection<1d"), chosen("last_connection>=1d")
    assert not set(never) & (set(older) | set(newer))
    assert sorted(older + newer + never) == sorted(t["id"] for t in listed)


@pytest.mark.parametrize("where", [
    "user_id=999999",  # no such user
    "user_id=500001",  # another dealer's user
    "user_id=0",
    "user_id=9999999999999999999",
    "source.tariff_id=99999",
    "source.tariff_id=0",
])
def test_where_on_a_value_no_tracker_has_matches_nothing(env, where):
    """The same condition the list command filters with: nothing matches, nothing to do (exit 0),
    whether or not the run hands the condition to the list's own filter."""
    listed = result(ok(cli(env, "panel", "tracker", "list", "--all", "--where", where, "-o", "json")))
    assert listed["list"] == []
    plan = ok(cli(env, *UPDATE, "--where", where, "--label", "x", "--no-deleted", "--plan"))
    assert plan.stdout == ""
    ran = ok(cli(env, *UPDATE, "--where", where, "--label", "x", "--no-deleted", "-o", "json"))
    assert result(ran) == {"succeeded": [], "skipped": [], "failed": []}
    assert journals(env) == []


def test_csv_rows_with_where_keep_their_values(env, tmp_path):
    rows = tmp_path / "rows.csv"
    rows.write_text("tracker_id,label\n123456,A\n265489,B\n1245678,C\n")
    ran = ok(cli(env, *UPDATE, "--from-file", str(rows), "--where", "label=Van*", "--no-deleted", "-o", "json"))
    assert result(ran)["succeeded"] == VANS
    trackers = by_id(env)
    assert [trackers[t]["label"] for t in (123456, 265489, 1245678)] == ["Truck 01 north", "B", "C"]


def test_a_repeated_id_runs_once(env):
    ran = ok(cli(env, *UPDATE, "123456", "123456", "999119", "--label", "x", "--no-deleted", "-o", "json"))
    assert result(ran)["succeeded"] == [123456, 999119]
    (path,) = journals(env)
    assert [line["item"] for line in journal_lines(path) if "request" in line].count(123456) == 1


# ---- one id: as before -------------------------------------------------------------------------------
def test_one_id_behaves_as_the_single_command(env):
    one = ok(cli(env, *UPDATE, "123456", "--label", "One", "--no-deleted", "-o", "json"))
    assert result(one) == {}  # the action's own answer, not a bulk result
    assert label_of(env, 123456) == "One"
    read = result(ok(cli(env, "panel", "tracker", "read", "123456", "-o", "json")))
    assert set(read) == {"value"} and read["value"]["id"] == 123456
    missing = cli(env, *UPDATE, "5", "--label", "One", "--no-deleted", "-o", "json")
    ok(missing, 4)  # not found: 4, not a partial failure
    assert missing.stdout == ""
    assert json.loads(missing.stderr.strip().splitlines()[-1])["status"]["code"] == 201
    two = ok(cli(env, *UPDATE, "123456", "999119", "--label", "Two", "--no-deleted", "-o", "json"))
    assert set(result(two)) == {"succeeded", "skipped", "failed"}


def test_one_id_keeps_a_journal(env):
    ok(cli(env, *UPDATE, "123456", "--label", "One", "--no-deleted", "-o", "json"))
    (path,) = journals(env)
    header, planned, outcome = journal_lines(path)
    assert header["trackerctl_journal"] == 1 and header["action"] == "panel/tracker/settings/update"
    assert planned["request"] == {"tracker_id": 123456, "label": "One", "deleted": False} and "before" not in planned
    assert outcome["status"] == "succeeded"
    assert path.stat().st_mode & 0o777 == 0o600 and path.parent.stat().st_mode & 0o777 == 0o700


# ---- --plan and --dry-run ----------------------------------------------------------------------------
def test_plan_prints_one_write_per_target_and_sends_none(env):
    before = panel_list(env)
    ran = ok(cli(env, *UPDATE, "--where", "label=Truck*", "--where", "deleted=false", "--label", "Planned",
                 "--no-deleted", "--plan"))
    lines = [json.loads(line) for line in ran.stdout.splitlines()]
    assert len(lines) == 3
    assert sorted(line["body"]["tracker_id"] for line in lines) == TRUCKS
    for line in lines:
        assert set(line) == {"method", "url", "headers", "body"}
        assert line["method"] == "POST" and line["url"].endswith("/panel/tracker/settings/update")
        assert line["body"] == {"tracker_id": line["body"]["tracker_id"], "label": "Planned", "deleted": False}
    assert panel_list(env) == before
    assert journals(env) == []


def test_plan_and_dry_run_of_one_id_and_of_ids(env):
    before = panel_list(env)
    one = ok(cli(env, *UPDATE, "123456", "--label", "x", "--no-deleted", "--plan"))
    assert [json.loads(line)["body"] for line in one.stdout.splitlines()] == [
        {"tracker_id": 123456, "label": "x", "deleted": False}]
    many = ok(cli(env, *UPDATE, "123456", "999119", "--label", "x", "--no-deleted", "--dry-run"))
    assert [json.loads(line)["body"]["tracker_id"] for line in many.stdout.splitlines()] == [123456, 999119]
    assert panel_list(env) == before and journals(env) == []


def test_plan_with_ids_and_a_csv(env, tmp_path):
    rows = tmp_path / "rows.csv"
    rows.write_text("tracker_id,label\n123456,A\n999119,B\n")
    ran = ok(cli(env, *UPDATE, "--from-file", str(rows), "--no-deleted", "--plan"))
    assert [json.loads(line)["body"] for line in ran.stdout.splitlines()] == [
        {"tracker_id": 123456, "label": "A", "deleted": False}, {"tracker_id": 999119, "label": "B", "deleted": False}]
    assert label_of(env, 123456) == "Truck 01 north" and journals(env) == []


def test_plan_of_a_destructive_action_needs_no_yes(env):
    before = panel_list(env)
    ran = ok(cli(env, "panel", "tracker", "move", *map(str, VANS), "--user-id", str(FLEET), "--plan"))
    assert len(ran.stdout.splitlines()) == 2
    assert panel_list(env) == before and journals(env) == []


def test_dry_run_with_where_sends_nothing_at_all(env, dead):
    ran = ok(cli(dead, *UPDATE, "--where", "label=Truck*", "--label", "x", "--no-deleted", "--dry-run"))
    lines = [json.loads(line) for line in ran.stdout.splitlines()]
    assert lines and all("settings/update" not in line["url"] for line in lines)  # at most the list it would read
    assert journals(dead) == []
    before = panel_list(env)
    ok(cli(env, *UPDATE, "--where", "label=Truck*", "--label", "x", "--no-deleted", "--dry-run"))
    assert panel_list(env) == before and journals(env) == []


# ---- bad input: exit 2, nothing sent -------------------------------------------------------------------
CSV_REFUSALS = {
    "column-no-option": ("tracker_id,label,colour\n123456,A,red\n", "colour"),
    "row-without-label": ("tracker_id,label\n123456,A\n999119,\n", "label"),
    "row-all-empty": ("tracker_id,label,comment\n123456,A,x\n999119,,\n", "label"),
    "id-not-integer": ("tracker_id,label\n123456,A\n12x,B\n", "12x"),
    "id-zero": ("tracker_id,label\n0,A\n", "0"),
    "duplicate-different": ("tracker_id,label\n123456,A\n999119,B\n123456,C\n", "123456"),
    "deleted-not-boolean": ("tracker_id,label,deleted\n123456,A,maybe\n", "maybe"),
    "label-too-long": ("tracker_id,label\n123456," + "x" * 61 + "\n", "label"),
    "cells-missing": ("tracker_id,label,comment\n123456,A\n", "line 2"),
    "no-tracker-id-column": ("id,label\n123456,A\n", "tracker_id"),
}


@pytest.mark.parametrize("csv_text, named", CSV_REFUSALS.values(), ids=list(CSV_REFUSALS))
def test_a_bad_csv_changes_nothing(env, dead, tmp_path, csv_text, named):
    rows = tmp_path / "rows.csv"
    rows.write_text(csv_text)
    before = panel_list(env)
    line = refused(cli(env, *UPDATE, "--from-file", str(rows), "--no-deleted", "-o", "json"))
    assert named in line
    assert panel_list(env) == before and journals(env) == []
    refused(cli(dead, *UPDATE, "--from-file", str(rows), "--no-deleted", "-o", "json"))


WHERE_REFUSALS = {
    "unknown-field": (["--where", "lable=Truck*"], "lable"),
    "text-ordered": (["--where", "label<5"], "label"),
    "boolean-maybe": (["--where", "source.blocked=maybe"], "source.blocked"),
    "bad-date": (["--where", "last_connection<someday"], "last_connection"),
    "duration-beyond-the-calendar": (["--where", "last_connection<9999999d"], "last_connection"),
    "second-bad": (["--where", "label=Truck*", "--where", "user_id=me"], "user_id"),
    "bad-id-with-where": (["12x", "--where", "label=Truck*"], "12x"),
}


@pytest.mark.parametrize("args, named", WHERE_REFUSALS.values(), ids=list(WHERE_REFUSALS))
def test_a_bad_where_changes_nothing(env, dead, args, named):
    before = panel_list(env)
    line = refused(cli(env, *UPDATE, *args, "--label", "x", "--no-deleted", "-o", "json"))
    assert named in line
    assert panel_list(env) == before and journals(env) == []
    refused(cli(dead, *UPDATE, *args, "--label", "x", "--no-deleted", "-o", "json"))


def test_a_missing_required_value_with_where_is_refused_before_the_list_is_read(env, dead):
    before = panel_list(env)
    assert "label" in refused(cli(env, *UPDATE, "--where", "label=Truck*", "--no-deleted", "-o", "json"))
    assert panel_list(env) == before and journals(env) == []
    refused(cli(dead, *UPDATE, "--where", "label=Truck*", "--no-deleted", "-o", "json"))
    refused(cli(dead, *UPDATE, "123456", "999119", "--label", "<b>", "--no-deleted", "-o", "json"))


def test_bad_concurrency_is_refused(dead):
    refused(cli(dead, *UPDATE, "123456", "999119", "--label", "x", "--no-deleted", "--concurrency", "0"))


def test_a_duplicate_with_the_same_values_is_run_once(env, tmp_path):
    rows = tmp_path / "rows.csv"
    rows.write_text("tracker_id,label\n123456,A\n123456,A\n")
    ran = ok(cli(env, *UPDATE, "--from-file", str(rows), "--no-deleted", "-o", "json"))
    assert result(ran)["succeeded"] == [123456]


@pytest.mark.parametrize("command", [
    ("panel", "tracker", "move", *map(str, VANS), "--user-id", str(FLEET)),
    ("panel", "tracker", "move", "--where", "label=Van*", "--user-id", str(FLEET)),
    ("panel", "tracker", "corrupt", *map(str, VANS)),
    ("panel", "tracker", "corrupt", "--where", "label=Van*"),
])
def test_a_destructive_action_on_many_without_yes_sends_nothing(env, dead, command):
    before = panel_list(env)
    line = refused(cli(env, *command, "-o", "json"))
    assert "--yes" in line
    assert panel_list(env) == before and journals(env) == []
    assert "--yes" in refused(cli(dead, *command, "-o", "json"))  # checked before the list is read


# ---- partial failure ----------------------------------------------------------------------------------
def test_missing_ids_fail_with_201_and_exit_6(env, tmp_path):
    failed_to = tmp_path / "left.txt"
    ran = ok(cli(env, *UPDATE, "123456", "5", "999119", "6", "--label", "Half", "--no-deleted", "-o", "json",
                 "--failed-to", str(failed_to)), 6)
    out = result(ran)
    assert out["succeeded"] == [123456, 999119] and out["skipped"] == []
    assert [(f["item"], f["code"]) for f in out["failed"]] == [(5, 201), (6, 201)]
    assert all(f["description"] for f in out["failed"])
    assert failed_to.read_text() == "5\n6\n"
    assert label_of(env, 123456) == label_of(env, 999119) == "Half"
    again = ok(cli(env, *UPDATE, "--from-file", str(failed_to), "--label", "Half", "--no-deleted", "-o", "jsonl"), 6)
    assert {item: line["code"] for item, line in jsonl(again).items()} == {5: 201, 6: 201}


def test_failed_to_is_left_alone_by_a_refused_run_and_by_plan(env, tmp_path):
    failed_to = tmp_path / "left.txt"
    failed_to.write_text("123456\n")
    refused(cli(env, *UPDATE, "--where", "label<5", "--label", "x", "--no-deleted", "--failed-to", str(failed_to)))
    ok(cli(env, *UPDATE, "--where", "label=Van*", "--label", "x", "--no-deleted", "--plan", "--failed-to", str(failed_to)))
    assert failed_to.read_text() == "123456\n"


def test_failed_to_with_one_id_runs_on_the_bulk_engine(env, tmp_path):
    failed_to = tmp_path / "left.txt"
    ran = ok(cli(env, *UPDATE, "123456", "--label", "One", "--no-deleted", "-o", "json", "--failed-to", str(failed_to)))
    assert result(ran) == {"succeeded": [123456], "skipped": [], "failed": []}
    assert failed_to.read_text() == ""


def test_failed_items_are_journaled_as_failed(env):
    ok(cli(env, *UPDATE, "123456", "5", "--label", "x", "--no-deleted", "-o", "json"), 6)
    (path,) = journals(env)
    outcomes = {line["item"]: line for line in journal_lines(path)[1:] if "status" in line}
    assert outcomes[123456]["status"] == "succeeded"
    assert (outcomes[5]["status"], outcomes[5]["code"]) == ("failed", 201)


# ---- undo ---------------------------------------------------------------------------------------------
def undo(env, path: Path, *args: str):
    return cli(env, "undo", str(path), *args)


def test_undo_of_a_where_run_restores_exactly_what_was_there(env):
    before = panel_list(env)
    ok(cli(env, *UPDATE, "--where", "label=*", "--label", "Everything", "--deleted", "--comment", "bulk",
           "-o", "json"), 6)  # 200010 is corrupted: 252
    changed = panel_list(env)
    assert sum(t["label"] == "Everything" for t in changed) == len(before) - 1
    (path,) = journals(env)
    ran = ok(undo(env, path, "--yes", "-o", "json"))
    out = result(ran)
    assert out["failed"] == [] and out["skipped"] == [200010] and len(out["succeeded"]) == len(before) - 1
    assert panel_list(env) == before


def test_undo_of_source_update_blocked(env):
    before = by_id(env)
    ok(cli(env, "panel", "tracker", "source", "update", "--where", "label=Truck 0*", "--blocked", "-o", "json"))
    assert all(by_id(env)[t]["source"]["blocked"] for t in TRUCKS)
    (path,) = journals(env)
    ok(undo(env, path, "--yes", "-o", "json"))
    after = by_id(env)
    assert {t: after[t]["source"]["blocked"] for t in TRUCKS} == {123456: False, 999119: False, 999199: True}
    assert after == before


def test_undo_of_tariff_change(env):
    before = by_id(env)
    ok(cli(env, "panel", "tracker", "tariff", "change", "--where", "label=Van*", "--tariff-id", "15843",
           "--no-repay", "--no-charge", "-o", "json"))
    assert {by_id(env)[t]["source"]["tariff_id"] for t in VANS} == {15843}
    (path,) = journals(env)
    ran = ok(undo(env, path, "--yes", "-o", "json"))
    assert sorted(result(ran)["succeeded"]) == VANS
    after = by_id(env)
    assert {t: after[t]["source"]["tariff_id"] for t in VANS} == {t: before[t]["source"]["tariff_id"] for t in VANS}
    request = journal_lines(the_journal(env, [path]))[1]["request"]
    assert (request["repay"], request["charge"]) == (False, False)


def test_undo_of_move_gives_the_trackers_back_to_their_owners(env, tmp_path):
    before = {t["label"]: t for t in panel_list(env)}
    rows = tmp_path / "moves.csv"
    rows.write_text(f"tracker_id,user-id\n123456,{FLEET}\n999119,{OTHER}\n265489,\n")
    ran = ok(cli(env, "panel", "tracker", "move", "--from-file", str(rows), "--user-id", str(FLEET), "--yes",
                 "--undoable", "-o", "json"))
    new_ids = {r["item"]: r["id"] for r in result(ran)["results"]}
    assert set(new_ids) == {123456, 999119, 265489}
    moved = by_id(env)
    assert {moved[new_ids[t]]["user_id"] for t in (123456, 265489)} == {FLEET}
    assert moved[new_ids[999119]]["user_id"] == OTHER
    (path,) = journals(env)
    ok(undo(env, path, "--yes", "-o", "json"))
    after = {t["label"]: t for t in panel_list(env)}
    for label in ("Truck 01 north", "Truck 02 north", "Van 04 city"):
        assert after[label]["user_id"] == before[label]["user_id"] == DEMO
        assert after[label]["source"]["device_id"] == before[label]["source"]["device_id"]
    assert set(after) == set(before)


def test_move_on_many_gives_each_new_id_in_jsonl(env):
    ran = ok(cli(env, "panel", "tracker", "move", *map(str, VANS), "5", "--user-id", str(FLEET), "--yes",
                 "-o", "jsonl"), 6)
    lines = jsonl(ran)
    assert lines[5] == {"item": 5, "status": "failed", "code": 201, "description": lines[5]["description"]}
    new_ids = {t: lines[t]["result"]["id"] for t in VANS}
    trackers = by_id(env)
    assert {trackers[new_ids[t]]["user_id"] for t in VANS} == {FLEET}
    assert not set(VANS) & set(trackers)


def test_undo_of_tags(env):
    before = json.loads(ok(cli(env, "tracker", "list", "-o", "json")).stdout)
    ok(cli(env, "tracker", "tags", "set", "--where", "label=Truck*", "--where", "source.blocked=false",
           "--tag", "456790:2", "-o", "json"))
    (path,) = journals(env)
    ok(undo(env, path, "--yes", "-o", "json"))
    assert json.loads(ok(cli(env, "tracker", "list", "-o", "json")).stdout) == before


def test_undo_of_a_run_by_id_names_each_tracker_it_cannot_revert(env):
    ok(cli(env, *UPDATE, *map(str, TRUCKS), "--label", "No before", "--no-deleted", "-o", "json"))
    (path,) = journals(env)
    ran = ok(undo(env, path, "--yes", "-o", "json"), 6)
    out = result(ran)
    assert out["succeeded"] == [] and sorted(f["item"] for f in out["failed"]) == TRUCKS
    assert all(f["description"].startswith("cannot be reverted") for f in out["failed"])
    assert all(label_of(env, t) == "No before" for t in TRUCKS)


def test_undo_of_a_run_by_id_with_undoable_reverts_it(env):
    before = panel_list(env)
    ok(cli(env, *UPDATE, *map(str, TRUCKS), "--label", "Undoable", "--no-deleted", "--comment", "c", "--undoable",
           "-o", "json"))
    (path,) = journals(env)
    assert all("before" in line for line in journal_lines(path)[1:] if "request" in line)
    ok(undo(env, path, "--yes", "-o", "json"))
    assert panel_list(env) == before


def test_undo_of_one_id_with_undoable(env):
    ok(cli(env, *UPDATE, "1245678", "--label", "One", "--deleted", "--undoable", "-o", "json"))
    (path,) = journals(env)
    ok(undo(env, path, "--yes", "-o", "json"))
    tracker = by_id(env)[1245678]
    assert (tracker["label"], tracker["deleted"], tracker["comment"]) == ("Van 05 city", False,
                                                                          "Need to change SIM till next month")


def test_undo_of_corrupt_names_it_as_not_revertible(env):
    ok(cli(env, "panel", "tracker", "corrupt", "--where", "label=Van*", "--yes", "-o", "json"))
    (path,) = journals(env)
    out = result(ok(undo(env, path, "--yes", "-o", "json"), 6))
    assert sorted(f["item"] for f in out["failed"]) == VANS
    assert all("cannot be reverted" in f["description"] for f in out["failed"])


def test_undo_of_a_bulk_command_names_each_item_it_cannot_revert(env):
    ok(cli(env, "panel", "tracker", "batch-delete-clones", "777003", "458412", "--yes", "-o", "json"))
    (path,) = journals(env)
    out = result(ok(undo(env, path, "--yes", "-o", "json"), 6))
    assert out["succeeded"] == [] and sorted(f["item"] for f in out["failed"]) == [458412, 777003]
    assert all("cannot be reverted" in f["description"] for f in out["failed"])


def test_undo_plan_sends_nothing(env):
    ok(cli(env, *UPDATE, "--where", "label=Van*", "--label", "Planned undo", "--no-deleted", "-o", "json"))
    (path,) = journals(env)
    changed = panel_list(env)
    ran = ok(undo(env, path, "--plan"))
    bodies = sorted((json.loads(line)["body"] for line in ran.stdout.splitlines()), key=lambda b: b["tracker_id"])
    assert bodies == [{"tracker_id": 265489, "label": "Van 04 city", "deleted": False},
                      {"tracker_id": 1245678, "label": "Van 05 city", "deleted": False}]
    assert panel_list(env) == changed and journals(env) == [path]


def test_undo_of_undo_applies_the_run_again(env):
    ok(cli(env, *UPDATE, "--where", "label=Van*", "--label", "Again", "--no-deleted", "-o", "json"))
    (run,) = journals(env)
    changed = panel_list(env)
    ok(undo(env, run, "--yes", "-o", "json"))
    reverted = the_journal(env, [run])
    assert label_of(env, 265489) == "Van 04 city"
    ok(undo(env, reverted, "--yes", "-o", "json"))
    assert panel_list(env) == changed


def test_undo_of_undo_of_a_move(env):
    ok(cli(env, "panel", "tracker", "move", "--where", "label=Van*", "--user-id", str(FLEET), "--yes", "-o", "json"))
    (run,) = journals(env)
    ok(undo(env, run, "--yes", "-o", "json"))
    assert {t["user_id"] for t in panel_list(env) if t["label"].startswith("Van")} == {DEMO}
    ok(undo(env, the_journal(env, [run]), "--yes", "-o", "json"))
    assert {t["user_id"] for t in panel_list(env) if t["label"].startswith("Van")} == {FLEET}


def test_undo_writes_where_the_run_wrote(env):
    ok(cli(env, *UPDATE, "--where", "label=Van*", "--label", "Elsewhere", "--no-deleted", "-o", "json"))
    (path,) = journals(env)
    elsewhere = {k: v for k, v in env.items() if k != "TRACKERCTL_API_URL"}  # the journal names the server
    line = refused(undo(elsewhere, path, "--yes", "--api-url", "eu", "-o", "json"))
    assert "api.eu.navixy.com" in line and plain_url(env) in line
    assert label_of(env, 265489) == "Elsewhere"
    ok(undo(elsewhere, path, "--yes", "-o", "json"))
    assert label_of(env, 265489) == "Van 04 city"


def plain_url(env) -> str:
    return env["TRACKERCTL_API_URL"]


def test_undo_by_file_name_in_the_journal_directory(env):
    ok(cli(env, *UPDATE, "--where", "label=Van*", "--label", "By name", "--no-deleted", "-o", "json"))
    (path,) = journals(env)
    ok(cli(env, "undo", path.name, "--yes", "-o", "json"))
    assert label_of(env, 1245678) == "Van 05 city"


def test_undo_without_yes_and_without_a_terminal_sends_nothing(env):
    ok(cli(env, *UPDATE, "--where", "label=Van*", "--label", "Kept", "--no-deleted", "-o", "json"))
    (path,) = journals(env)
    assert "--yes" in refused(undo(env, path, "-o", "json"))
    assert label_of(env, 265489) == "Kept" and journals(env) == [path]


@pytest.mark.parametrize("content", [
    "",
    "hello\n",
    '{"n": 1, "item": 1, "request": {"tracker_id": 1}}\n',
    '{"trackerctl_journal": 1, "action": "panel/tracker/no_such_action"}\n',
    '{"trackerctl_journal": 1, "action": "panel/tracker/settings/update", "profile": "default"}\nnot json\n'
    '{"n": 1, "item": 1, "request": {"tracker_id": 1}}\n',
])
def test_undo_of_a_file_that_is_not_a_journal(env, dead, tmp_path, content):
    path = tmp_path / "not-a-journal.jsonl"
    path.write_text(content)
    refused(undo(env, path, "--yes"))
    refused(undo(dead, path, "--yes"))
    assert journals(env) == []


def test_undo_of_a_file_that_does_not_exist(env, tmp_path):
    assert "nothing-here.jsonl" in refused(undo(env, tmp_path / "nothing-here.jsonl", "--yes"))


def test_undo_of_a_binary_file(env, tmp_path):
    path = tmp_path / "binary.jsonl"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff\xfe")
    refused(undo(env, path, "--yes"))


# ---- a run killed part-way ---------------------------------------------------------------------------
def outcomes_in(directory: Path) -> int:
    files = list(directory.glob("*.jsonl")) if directory.is_dir() else []
    return sum(line.count('"status"') for f in files for line in f.read_text().splitlines(keepends=True)
               if line.endswith("\n"))


def test_a_killed_run_is_reverted_from_its_journal(home, tmp_path):
    db = tmp_path / "slow.sqlite"
    ok(cli(home, "sandbox", "reset", "--db", str(db), "--trackers", "40", "-o", "json"))
    server = start_server(home, db, "--latency", "200")
    try:
        env = logins(home, server.url)
        original = labels_in(db)
        assert len(original) == 40
        directory = journal_dir(env)
        run = subprocess.Popen([*TRACKERCTL, *UPDATE, "--where", "id>=3000001", "--label", "Killed run",
                                "--no-deleted", "--concurrency", "1", "-o", "jsonl"],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 30
            while outcomes_in(directory) < 3:
                assert run.poll() is None, run.communicate()
                assert time.monotonic() < deadline, "no outcome in the journal within 30 s"
                time.sleep(0.02)
            run.send_signal(signal.SIGKILL)
        finally:
            run.kill()
            run.communicate(timeout=10)
        assert run.returncode == -signal.SIGKILL
        (path,) = journals(env)
        planned = [line["item"] for line in journal_lines_whole(path) if "request" in line]
        touched = {t for t, label in labels_in(db).items() if label == "Killed run"}
        assert touched and touched <= set(planned)
        assert len(planned) < 40  # killed part-way
        ran = ok(undo(env, path, "--yes", "-o", "json"))
        assert set(result(ran)["succeeded"]) == set(planned)
        assert labels_in(db) == original
    finally:
        server.stop()


def labels_in(db: Path) -> dict[int, str]:
    """The generated trackers' labels, read from the sandbox's database (no request, no latency)."""
    with sqlite3.connect(db, timeout=10) as conn:
        return dict(conn.execute("SELECT id, label FROM trackers WHERE id > 3000000").fetchall())


def journal_lines_whole(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines(keepends=True) if line.endswith("\n")]

