"""`--jq EXPR` (CLI-CONTRACT.md section 11), as gh does: jq's language over the JSON that `-o json`
prints (the whole document, also for `--all` lists and bulk results), string results without
quotes, other results as JSON (one line each in a pipe, indented on a terminal); it implies
`-o json`; an invalid expression is exit 2 before anything is sent."""

from __future__ import annotations

import io
import json

import pytest
from typer.testing import CliRunner

from trackerctl.bulk import Outcome
from trackerctl.cli.app import build_cli
from trackerctl.cli.context import AppContext
from trackerctl.errors import TrackerctlError, UsageError
from trackerctl.output import BulkResult, JqFilter, Output, Terminal


@pytest.fixture
def env(tmp_path):
    return {"TRACKERCTL_CONFIG": str(tmp_path / "cfg" / "config.toml"), "TRACKERCTL_SANDBOX_DB": str(tmp_path / "sandbox.sqlite"),
            "TRACKERCTL_KEYRING": "file"}


def run(env, *args, terminal=None):
    return CliRunner().invoke(build_cli(), ["--api-url", "sandbox", *args], obj=AppContext(env=env, terminal=terminal))


def refused(result, *fragments, code=2):
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1, result.stderr
    for fragment in fragments:
        assert fragment in result.stderr
    assert "Traceback" not in result.stderr


# ---- the output ------------------------------------------------------------------------------------
def test_strings_print_raw_and_other_results_as_json_one_per_line(env):
    listed = json.loads(run(env, "tracker", "list", "-o", "json").stdout)["list"]
    labels = run(env, "tracker", "list", "--jq", ".list[].label")
    assert labels.exit_code == 0, labels.stderr
    assert labels.stdout == "".join(f"{t['label']}\n" for t in listed)
    objects = run(env, "tracker", "list", "--jq", ".list[] | {id, device: .source.device_id}")
    assert objects.stdout.splitlines() == [json.dumps({"id": t["id"], "device": t["source"]["device_id"]}) for t in listed]
    assert run(env, "tracker", "list", "--jq", ".list | length").stdout == f"{len(listed)}\n"
    assert run(env, "tracker", "list", "--jq", "[.list[].id | select(. < 0)]").stdout == "[]\n"
    assert run(env, "tracker", "list", "--jq", "empty").stdout == ""


def test_on_a_terminal_results_are_indented(env):
    shown = run(env, "tracker", "read", "123456", "--jq", ".value | {id, label}", terminal=Terminal(stdout_tty=True, width=80))
    assert shown.stdout == '{\n  "id": 123456,\n  "label": "Truck 01 north"\n}\n'


def test_the_filter_sees_what_o_json_prints(env):
    for argv in (["tracker", "read", "123456"], ["panel", "tracker", "list", "--all"], ["panel", "bundle", "list", "--all"],
                 ["tracker", "get-states", "123456", "1245678", "999199", "--list-blocked"]):
        printed = run(env, *argv, "-o", "json")
        filtered = run(env, *argv, "--jq", ".")
        assert printed.exit_code == filtered.exit_code == 0, printed.stderr + filtered.stderr
        assert same_but_the_clock(json.loads(filtered.stdout), json.loads(printed.stdout)), argv
    every = run(env, "panel", "tracker", "list", "--all", "--jq", "[.count, (.list | length)]")
    count, listed = json.loads(every.stdout)
    assert count == listed > 0


def test_a_bulk_result_is_filtered_as_one_document(env):
    result = run(env, "panel", "bundle", "import", "835664527777452", "860000000000777", "--equip-id", "13785", "--no-factory-preset",
                 "--jq", '"\\(.succeeded | length) new, \\(.skipped | length) there"')
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "1 new, 1 there\n"


def test_jq_implies_json_over_a_configured_format(env):
    result = run({**env, "TRACKERCTL_OUTPUT": "table"}, "tracker", "read", "123456", "--jq", ".value.id")
    assert (result.exit_code, result.stdout) == (0, "123456\n")
    assert run(env, "tracker", "read", "123456", "-o", "json", "--jq", ".value.id").stdout == "123456\n"


# ---- bad input: exit 2, one line, nothing sent ---------------------------------------------------------
@pytest.mark.parametrize(("expression", "says"), [
    (".list[", "invalid --jq expression: syntax error"),
    ("nosuchfunction", "invalid --jq expression: nosuchfunction/0 is not defined"),
    ("", "invalid value for --jq: empty"),
])
def test_an_invalid_expression_is_exit_2_before_anything_is_sent(env, expression, says):
    refused(run(env, "tracker", "list", "--jq", expression, "--dry-run"), says)
    refused(run(env, "--jq", expression, "tracker", "delete", "265489", "--yes"), says)
    assert run(env, "tracker", "read", "265489", "-o", "json").exit_code == 0  # not deleted


def test_an_invalid_expression_sends_no_write(env):
    before = run(env, "panel", "tracker", "read", "999119", "-o", "json").stdout
    refused(run(env, "panel", "tracker", "settings", "update", "999119", "--label", "Changed", "--no-deleted", "--jq", ".["),
            "invalid --jq expression")
    assert run(env, "panel", "tracker", "read", "999119", "-o", "json").stdout == before


@pytest.mark.parametrize("fmt", ["table", "csv", "jsonl"])
def test_jq_with_another_output_format_is_exit_2(env, fmt):
    refused(run(env, "tracker", "list", "--jq", ".", "-o", fmt, "--dry-run"), f"--jq filters json output: leave out -o {fmt}")


def test_an_expression_that_fails_on_the_answer_is_exit_1_and_prints_nothing(env):
    refused(run(env, "tracker", "list", "--jq", ".list.label"), "--jq: Cannot index array with", "nothing was printed", code=1)


# ---- the sink ----------------------------------------------------------------------------------------
def test_jq_filter_compiles_once_and_runs_on_any_document():
    program = JqFilter(".a[] | select(. > 1)")
    assert program.run({"a": [1, 2, 3]}) == [2, 3]
    with pytest.raises(UsageError, match=r"^invalid --jq expression: syntax error, unexpected"):
        JqFilter("{")
    with pytest.raises(TrackerctlError, match="Cannot iterate over null"):
        program.run({})


def test_output_applies_the_filter_to_results_streams_bulk_results_and_watched_records():
    def output(expression):
        return Output(stdout=io.StringIO(), stderr=io.StringIO(), jq=JqFilter(expression))

    out = output(".list[].id")
    assert out.format == "json"
    assert out.stream(iter([{"id": 1}, {"id": 2}]), trailer=lambda: {"count": 2}) == 2
    assert out.stdout.getvalue() == "1\n2\n"
    out = output(".count")
    out.stream(iter([{"id": 1}]), trailer=lambda: {"count": 7})
    assert out.stdout.getvalue() == "7\n"
    out = output(".failed[].item")
    out.bulk_result(BulkResult([Outcome(1, "succeeded"), Outcome("0123", "failed", 201, "x")]))
    assert out.stdout.getvalue() == "0123\n"
    out = output(".tracker_id")
    with out.live() as update:
        update([{"tracker_id": 5}, {"tracker_id": 6}])
    assert out.stdout.getvalue() == "5\n6\n"
    with pytest.raises(ValueError):
        Output("csv", jq=JqFilter("."))


def same_but_the_clock(a, b) -> bool:
    """Equal, but for times of the sandbox's clock ("now": a state's last_update) at most 2 s apart:
    two runs a few milliseconds apart may straddle a second."""
    import re
    from datetime import datetime

    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_but_the_clock(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_but_the_clock(x, y) for x, y in zip(a, b))
    stamp = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")
    if isinstance(a, str) and isinstance(b, str) and a != b and stamp.fullmatch(a) and stamp.fullmatch(b):
        return abs((datetime.fromisoformat(a) - datetime.fromisoformat(b)).total_seconds()) <= 2
    return a == b
