"""Complete answers (CLI-CONTRACT.md section 11), against the in-process sandbox:

- `tracker get-states ID... --list-blocked --allow-not-exist` in table, csv and jsonl has one record
  per tracker asked, blocked and missing ones included, with `status` (ok, blocked, not_exist);
  `-o json` stays the API's answer (section 4);
- a page of a list that holds more says so on stderr, `16 in all, 8 shown: --all for every page`:
  never on stdout, not with `--all`, not under `-q`.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from tests.helpers.environment import context_env
from trackerctl.cli.app import build_cli
from trackerctl.cli.context import AppContext
from trackerctl.output import Terminal
from trackerctl.sandbox.seed import SEED

OK, BLOCKED, MISSING = 123456, SEED["tracker_blocked"], 55555  # 999199 is blocked in the seed; 55555 is no tracker
ASKED = ["tracker", "get-states", str(OK), str(BLOCKED), str(MISSING), "--list-blocked", "--allow-not-exist"]
WIDE = Terminal(stdout_tty=True, stderr_tty=False, width=200, no_color=True)


@pytest.fixture
def env(tmp_path):
    return context_env(tmp_path, TRACKERCTL_API_URL="sandbox")


def run(env, *args, terminal=None):
    result = CliRunner().invoke(build_cli(), list(args), obj=AppContext(env=env, terminal=terminal))
    assert "Traceback" not in result.stderr
    return result


# ---- get-states: every tracker asked ----------------------------------------------------------------
def test_get_states_jsonl_has_a_record_per_tracker_asked_with_its_status(env):
    result = run(env, *ASKED, "-o", "jsonl")
    assert result.exit_code == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["tracker_id"], r["status"]) for r in records] == [(OK, "ok"), (BLOCKED, "blocked"), (MISSING, "not_exist")]
    assert list(records[0])[:2] == ["tracker_id", "status"] and records[0]["connection_status"]
    assert records[1:] == [{"tracker_id": BLOCKED, "status": "blocked"}, {"tracker_id": MISSING, "status": "not_exist"}]


def test_get_states_csv_and_tables_show_the_status_of_each(env):
    rows = list(csv.DictReader(io.StringIO(run(env, *ASKED, "-o", "csv").stdout)))
    assert [(r["tracker_id"], r["status"]) for r in rows] == [(str(OK), "ok"), (str(BLOCKED), "blocked"), (str(MISSING), "not_exist")]
    assert rows[0]["connection_status"] and rows[1]["connection_status"] == rows[2]["connection_status"] == ""
    for shown in (run(env, *ASKED, "-o", "table"), run(env, *ASKED, terminal=WIDE)):  # a pipe, a terminal
        assert shown.exit_code == 0, shown.stderr
        lines = [line.split() for line in shown.stdout.splitlines() if line.strip() and set(line.strip()) != {"─"}]
        assert lines[0][:2] == ["tracker_id", "status"]
        assert [line[:2] for line in lines[1:]] == [[str(OK), "ok"], [str(BLOCKED), "blocked"], [str(MISSING), "not_exist"]]
    chosen = run(env, *ASKED, "-o", "csv", "--columns", "tracker_id,status,battery_level")
    assert chosen.stdout.splitlines()[1:] == [f"{OK},ok,97", f"{BLOCKED},blocked,", f"{MISSING},not_exist,"]


def test_get_states_json_stays_the_api_answer(env):
    result = run(env, *ASKED, "-o", "json")
    assert result.exit_code == 0, result.stderr
    body = json.loads(result.stdout)
    assert list(body) == ["user_time", "states", "blocked", "not_exist"]
    assert list(body["states"]) == [str(OK)] and "status" not in body["states"][str(OK)]
    assert (body["blocked"], body["not_exist"]) == ([BLOCKED], [MISSING])


def test_get_states_without_the_flags_still_fails_on_a_blocked_tracker(env):
    result = run(env, "tracker", "get-states", str(OK), str(BLOCKED), "-o", "jsonl")
    assert result.exit_code == 1 and result.stdout == ""
    assert '"code": 208' in result.stderr


# ---- a page of a longer list says so ---------------------------------------------------------------
def count(env, *command):
    return json.loads(run(env, *command, "--all", "-o", "json").stdout)["count"]


@pytest.mark.parametrize("fmt", ["table", "csv", "jsonl", "json"])
def test_a_page_of_a_longer_list_says_how_many_there_are_on_stderr(env, fmt):
    total = count(env, "panel", "tracker", "list")
    assert total > 8
    result = run(env, "panel", "tracker", "list", "--limit", "8", "-o", fmt)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == f"{total} in all, 8 shown: --all for every page\n"
    assert "in all" not in result.stdout and "--all" not in result.stdout
    if fmt == "jsonl":
        assert len(result.stdout.splitlines()) == 8


def test_bundle_list_too_and_on_a_terminal(env):
    total = count(env, "panel", "bundle", "list")
    result = run(env, "panel", "bundle", "list", "--limit", "3", terminal=WIDE)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == f"{total} in all, 3 shown: --all for every page\n"
    assert "in all" not in result.stdout


@pytest.mark.parametrize("argv", [
    ["panel", "tracker", "list", "--all"],  # every page
    ["-q", "panel", "tracker", "list", "--limit", "8"],  # notices are quiet
    ["panel", "tracker", "list", "--limit", "1000"],  # one page holds them all
    ["panel", "bundle", "list", "--all", "-o", "csv"],
])
def test_no_word_about_pages_with_all_under_quiet_or_when_everything_is_shown(env, argv):
    result = run(env, *argv, *([] if "-o" in argv else ["-o", "jsonl"]))
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
