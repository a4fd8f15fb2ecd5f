"""The audit log as commands write it and `trackerctl history` prints it (CLI-CONTRACT.md section 13).

The CLI runs in this process against the in-process sandbox (`--api-url sandbox`;
tests/helpers/inprocess.py) with its own state folder (`context_env`: XDG_STATE_HOME), and once as
the installed trackerctl against `sandbox serve` over HTTP. The log's own guarantees (many
processes, rotation, secrets) are tests/unit/test_audit.py's.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.e2e.conftest import cli as installed, start_server
from tests.helpers.environment import context_env, isolated_env
from tests.helpers.inprocess import run_cli

pytestmark = pytest.mark.e2e
TRACKER, MISSING = "999119", "99999999"  # a panel tracker of the sandbox, and an id it does not have
TAG = ("tracker", "tags", "set", "123456", "--tag", "456789:1")  # a user-API write the seed accepts
API_KEY = "0123456789abcdef0123456789abcdef"  # the seed's
UPDATE = ("panel", "tracker", "settings", "update")
COLUMNS = ["time", "user", "profile", "api", "action", "code", "journal"]


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    return context_env(tmp_path)


def log_of(env: dict[str, str]) -> Path:
    return Path(env["XDG_STATE_HOME"]) / "trackerctl" / "audit.jsonl"


def logged(env: dict[str, str]) -> list[dict]:
    path = log_of(env)
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def run(env, *args, **kw):
    return run_cli(env, "--api-url", "sandbox", *args, **kw)


def ok(ran):
    assert ran.returncode == 0, (ran.returncode, ran.stdout, ran.stderr)
    assert "Traceback" not in ran.stderr
    return ran


def history(env, *args) -> list[dict]:
    return json.loads(ok(run_cli(env, "history", "-o", "json", *args)).stdout)["list"]


# ---- what writes the log -----------------------------------------------------------------------------
def test_a_write_adds_one_line_with_code_0(env):
    ok(run(env, *UPDATE, TRACKER, "--label", "Audited", "--no-deleted", "-o", "json"))
    (line,) = logged(env)
    assert line["action"] == "panel/tracker/settings/update" and line["api"] == "panel" and line["code"] == 0
    assert line["profile"] == "default" and line["user"]
    assert line["params"] == {"tracker_id": int(TRACKER), "label": "Audited", "deleted": False}


def test_a_refused_write_records_its_code_and_keeps_its_exit_code(env):
    ran = run(env, *UPDATE, MISSING, "--label", "x", "--no-deleted", "-o", "json")
    assert ran.returncode == 4 and ran.stdout == ""
    assert json.loads(ran.stderr.splitlines()[0])["status"]["code"] == 201
    (line,) = logged(env)
    assert (line["code"], line["params"]["tracker_id"]) == (201, int(MISSING))


def test_reads_and_dry_runs_add_nothing(env):
    for argv in (["tracker", "list"], ["tracker", "read", "123456"], ["panel", "tracker", "list", "--all"],
                 [*UPDATE, TRACKER, "--label", "x", "--no-deleted", "--dry-run"],
                 ["tracker", "delete", "265489", "--dry-run"]):
        ok(run(env, *argv, "-o", "json"))
    assert logged(env) == []
    assert not log_of(env).exists()


def test_a_bulk_command_adds_one_line_per_request(env):
    ran = run(env, "panel", "bundle", "import", "835664527777452", "860000000000777", "--equip-id", "13785",
              "--no-factory-preset", "-o", "json")
    ok(ran)
    lines = logged(env)
    assert lines and {line["action"] for line in lines} == {"panel/tracker/bundle/import"}
    assert lines[-1]["code"] == 0
    assert all(line["code"] is not None for line in lines)


def test_secrets_never_reach_the_log(env):
    run(env, "tracker", "register-retry", TRACKER, "--apn-name", "fast.tmobile.com", "--apn-user", "tmobile",
        "--apn-password", "apn-secret-4711", "-o", "json")
    (line,) = logged(env)
    assert line["action"] == "tracker/register_retry" and line["params"]["apn_password"] == "…"
    assert "apn-secret-4711" not in log_of(env).read_text(encoding="utf-8")


def test_a_log_that_cannot_be_written_is_one_warning_and_the_write_succeeds(env):
    log_of(env).mkdir(parents=True)  # a directory where the file should be: every append fails
    ran = ok(run(env, *UPDATE, TRACKER, "--label", "Unlogged", "--no-deleted", "-o", "json"))
    assert ran.stdout == "{}\n"
    assert ran.stderr.startswith("warning: cannot write the audit log") and ran.stderr.count("\n") == 1, ran.stderr
    shown = ok(run(env, "panel", "tracker", "read", TRACKER, "-o", "json"))
    assert json.loads(shown.stdout)["value"]["label"] == "Unlogged"
    refused = run(env, *UPDATE, MISSING, "--label", "x", "--no-deleted", "-o", "json")
    assert refused.returncode == 4, "the exit code is the API's, whatever the log"
    bulk = run(env, "panel", "bundle", "import", "835664527777452", "860000000000777", "--equip-id", "13785",
               "--no-factory-preset", "-o", "json")
    assert bulk.returncode == 0 and bulk.stderr.count("cannot write the audit log") == 1, bulk.stderr


# ---- trackerctl history ------------------------------------------------------------------------------
@pytest.fixture
def three(env):
    """Three writes: default's success, profile work's refusal, default's user-API tag write."""
    ok(run_cli(env, "profile", "set", "work", "--api-url", "sandbox"))
    ok(run(env, *UPDATE, TRACKER, "--label", "First", "--no-deleted", "-o", "json"))
    assert run_cli(env, "--profile", "work", *UPDATE, MISSING, "--label", "x", "--no-deleted", "-o", "json").returncode == 4
    ok(run(env, *TAG, "-o", "json"))
    lines = logged(env)
    assert [line["profile"] for line in lines] == ["default", "work", "default"]
    return lines


def test_history_json_is_the_log_under_list(env, three):
    assert history(env) == three


def test_history_jsonl_is_one_record_per_line(env, three):
    out = ok(run_cli(env, "history", "-o", "jsonl")).stdout
    assert [json.loads(line) for line in out.splitlines()] == three


def test_history_csv_and_table_show_the_default_columns(env, three):
    out = ok(run_cli(env, "history", "-o", "csv")).stdout
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == COLUMNS
    assert [row[4] for row in rows[1:]] == ["panel/tracker/settings/update"] * 2 + ["tracker/tags/set"]
    assert [row[5] for row in rows[1:]] == ["0", "201", "0"]
    table = ok(run_cli(env, "history", "-o", "table")).stdout.splitlines()
    assert table[0].split() == COLUMNS and len(table) == 4
    assert table[2].split()[2:6] == ["work", "panel", "panel/tracker/settings/update", "201"]


def test_history_columns_reach_into_the_parameters(env, three):
    out = ok(run_cli(env, "history", "-o", "csv", "--columns", "action,params.tracker_id,params.label,code")).stdout
    assert out.splitlines() == ["action,params.tracker_id,params.label,code",
                                f"panel/tracker/settings/update,{TRACKER},First,0",
                                f"panel/tracker/settings/update,{MISSING},x,201",
                                "tracker/tags/set,123456,,0"]
    bad = run_cli(env, "history", "-o", "csv", "--columns", "acton")
    assert bad.returncode == 2 and bad.stdout == "" and "did you mean action" in bad.stderr


def test_history_jq(env, three):
    out = ok(run_cli(env, "history", "--jq", ".list[] | select(.code != 0) | .params.tracker_id")).stdout
    assert out == f"{MISSING}\n"


def test_history_action_takes_the_path_the_command_or_a_glob(env, three):
    for given in ("panel/tracker/settings/update", "panel tracker settings update", "panel-tracker-settings-update",
                  " panel  tracker settings update ", "panel/tracker/*", "panel tracker *", "*settings*"):
        assert [line["code"] for line in history(env, "--action", given)] == [0, 201], given
    assert [line["action"] for line in history(env, "--action", "tracker tags set")] == ["tracker/tags/set"]
    assert history(env, "--action", "panel/tracker/move") == []


def test_history_action_knows_command_aliases(env):
    run(env, "panel", "bundle", "import", "860000000000778", "--equip-id", "13785", "--no-factory-preset", "-o", "json")
    assert logged(env)
    assert history(env, "--action", "panel bundle import") == history(env, "--action", "panel/tracker/bundle/import") == logged(env)


@pytest.mark.parametrize(("given", "path"), [
    ("tracker raw-command send", "tracker/raw_command/send"),
    ("tracker-raw-command-send", "tracker/raw_command/send"),
    ("panel tracker register-entry", "panel/tracker/register_retry"),  # an alias: its action's path
    ("panel bundle import", "panel/tracker/bundle/import"),
    ("tracker/get_state", "tracker/get_state"),
    ("panel tracker *", "panel/tracker/*"),
    ("some/unknown-action", "some/unknown_action"),  # `trackerctl api` may have sent anything
])
def test_action_pattern(given, path):
    from trackerctl.cli.history import action_pattern

    assert action_pattern(given) == path


def test_history_profile_filters_only_when_given(env, three):
    assert [line["code"] for line in history(env, "--profile", "work")] == [201]
    assert [line["code"] for line in run_cli_json(env, "--profile", "work", "history")] == [201]  # before the command too
    assert [line["code"] for line in history(env, "--profile", "default")] == [0, 0]
    assert history(env, "--profile", "gone") == []  # a profile removed since: its lines are still asked for
    assert len(history({**env, "TRACKERCTL_PROFILE": "work"})) == 3, "the profile in use is no filter"


def run_cli_json(env, *args):
    return json.loads(ok(run_cli(env, *args, "-o", "json")).stdout)["list"]


def test_history_since(env, three):
    assert history(env, "--since", "1h") == three
    assert history(env, "--since", "2w") == three
    assert history(env, "--since", "2000-01-01") == three
    assert history(env, "--since", "2999-01-01T00:00Z") == []
    old = {**three[0], "time": "2020-01-01T00:00:00.000Z"}
    log = log_of(env)
    log.write_text(json.dumps(old) + "\n" + log.read_text(encoding="utf-8"), encoding="utf-8")
    assert history(env, "--since", "2021-06-01") == three
    assert history(env, "--since", "2019-12-31 23:59:59")[0] == old


@pytest.mark.parametrize("since", ["yesterday", "12", "3y", "2026-13-45", "-1h", ""])
def test_a_bad_since_is_exit_2_with_one_line(env, since):
    ran = run_cli(env, "history", "--since", since)
    assert ran.returncode == 2 and ran.stdout == ""
    assert len(ran.stderr.splitlines()) == 1 and "--since" in ran.stderr, ran.stderr


def test_history_without_a_log_is_empty(env):
    assert ok(run_cli(env, "history", "-o", "json")).stdout == '{\n  "list": []\n}\n'
    assert ok(run_cli(env, "history", "-o", "jsonl")).stdout == ""
    assert ok(run_cli(env, "history", "-o", "csv")).stdout == ",".join(COLUMNS) + "\n"


def test_history_reads_the_rotated_file_first_and_skips_what_is_not_json(env, three):
    log = log_of(env)
    older = {**three[0], "time": "2026-01-01T00:00:00.000Z", "action": "tracker/delete"}
    log.with_name("audit.jsonl.1").write_text(json.dumps(older) + "\n{broken\n", encoding="utf-8")
    with open(log, "a", encoding="utf-8") as f:
        f.write("not json either\n")
    ran = ok(run_cli(env, "history", "-o", "json"))
    assert json.loads(ran.stdout)["list"] == [older, *three]
    assert ran.stderr.count("\n") == 1 and "skipped 2 lines" in ran.stderr
    assert ok(run_cli(env, "history", "-o", "json", "-q")).stderr == ""


# ---- the installed trackerctl over HTTP ---------------------------------------------------------------
def test_installed_trackerctl_against_sandbox_serve(tmp_path):
    env = isolated_env(tmp_path, TRACKERCTL_HASH=API_KEY)
    server = start_server(env, tmp_path / "served.sqlite")
    try:
        write = installed(env, "--api-url", server.url, *TAG, "-o", "json")
        assert write.returncode == 0, write.stderr
        read = installed(env, "--api-url", server.url, "tracker", "list", "-o", "json")
        assert read.returncode == 0, read.stderr
    finally:
        server.stop()
    shown = installed(env, "history", "-o", "jsonl")
    assert shown.returncode == 0 and shown.stderr == ""
    (line,) = [json.loads(text) for text in shown.stdout.splitlines()]
    assert (line["action"], line["api"], line["profile"], line["code"]) == ("tracker/tags/set", "user", "default", 0)
    assert line["params"] == {"tracker_id": 123456, "tag_bindings": [{"tag_id": 456789, "ordinal": 1}]}
    path = Path(env["XDG_STATE_HOME"]) / "trackerctl" / "audit.jsonl"
    assert path.stat().st_mode & 0o777 == 0o600 and path.parent.stat().st_mode & 0o777 == 0o700
    assert API_KEY not in path.read_text(encoding="utf-8")
