"""The output sink: exact stdout per format, stderr messages, streaming in bounded memory."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import textwrap
import tracemalloc
from collections.abc import Iterator
from typing import Any

import pytest

from trackerctl.bulk import Outcome
from trackerctl.output import FORMATS, BulkResult, Output, Terminal

LIST_BODY = {
    "success": True,
    "list": [
        {"id": 1, "label": "Truck ✓", "source": {"device_id": "86", "blocked": False}, "tags": [1, 2]},
        {"id": 22, "label": "Van", "source": {"device_id": "8600000000001", "blocked": True}, "tags": []},
    ],
}
VALUE_BODY = {"success": True, "value": {"id": 7, "label": "Car", "source": {"id": 9, "phone": None}}}
STATES_BODY = {
    "success": True,
    "states": {"999119": {"source_id": 5, "gps": {"lat": 1.5}}, "999199": {"source_id": 6, "gps": {"lat": 2}}},
    "blocked": [],
}
# get_states with --list-blocked --allow-not-exist: the blocked and missing trackers are ids beside the states
STATES_ASKED = {"success": True, "user_time": "2026-01-02 03:04:05", "states": {"123456": {"source_id": 5, "battery_level": 97}},
                "blocked": [999199], "not_exist": [55555]}
INPUTS_BODY = {"success": True, "inputs": [True, False], "states": [{"number": 1, "status": True}]}
EMPTY_BODY = {"success": True, "list": []}


def run(fmt: str | None, call: str, *args: Any, columns: list[str] | None = None,
        stdout: io.StringIO | None = None, terminal: Terminal | None = None, **kwargs: Any) -> tuple[str, str]:
    """Call `Output(fmt).<call>(*args, **kwargs)`; return (stdout, stderr)."""
    out, err = stdout if stdout is not None else io.StringIO(), io.StringIO()
    getattr(Output(fmt, columns=columns, stdout=out, stderr=err, terminal=terminal), call)(*args, **kwargs)
    return out.getvalue(), err.getvalue()


# --------------------------------------------------------------------------- format resolution


def test_format_defaults_to_json_when_piped_and_table_on_a_terminal() -> None:
    assert Output(stdout=io.StringIO()).format == "json"
    assert Output(stdout=io.StringIO(), terminal=Terminal(stdout_tty=True)).format == "table"
    assert FORMATS == ("table", "json", "jsonl", "csv")


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="yaml"):
        Output("yaml", stdout=io.StringIO())


def test_streams_are_looked_up_when_used(monkeypatch: pytest.MonkeyPatch) -> None:
    output = Output("jsonl")
    swapped = io.StringIO()
    monkeypatch.setattr(sys, "stdout", swapped)
    output.result({"value": 1}, records="value")
    assert swapped.getvalue() == "1\n"


# ----------------------------------------------------------------------------------------- json


def test_json_is_the_body_without_success_in_the_apis_key_order() -> None:
    body = {"success": True, "zeta": 1, "alpha": {"b": "é", "a": [1]}}
    out, err = run("json", "result", body, records=None)
    assert out == '{\n  "zeta": 1,\n  "alpha": {\n    "b": "é",\n    "a": [\n      1\n    ]\n  }\n}\n'
    assert err == ""


@pytest.mark.parametrize("records", ["list", "value", None])
def test_json_of_a_body_with_only_success_is_an_empty_object(records: str | None) -> None:
    assert run("json", "result", {"success": True}, records=records) == ("{}\n", "")


def test_json_ignores_records_and_columns() -> None:
    out, _ = run("json", "result", EMPTY_BODY, records="list", columns=["id"])
    assert out == '{\n  "list": []\n}\n'


# ---------------------------------------------------------------------------------------- jsonl


def test_jsonl_list_is_one_line_per_element() -> None:
    out, _ = run("jsonl", "result", LIST_BODY, records="list")
    assert out == (
        '{"id": 1, "label": "Truck ✓", "source": {"device_id": "86", "blocked": false}, "tags": [1, 2]}\n'
        '{"id": 22, "label": "Van", "source": {"device_id": "8600000000001", "blocked": true}, "tags": []}\n'
    )


def test_jsonl_value_is_one_line() -> None:
    out, _ = run("jsonl", "result", VALUE_BODY, records="value")
    assert out == '{"id": 7, "label": "Car", "source": {"id": 9, "phone": null}}\n'


def test_jsonl_states_dict_adds_the_tracker_id_and_status_first() -> None:
    out, _ = run("jsonl", "result", STATES_BODY, records="states")
    assert out == (
        '{"tracker_id": 999119, "status": "ok", "source_id": 5, "gps": {"lat": 1.5}}\n'
        '{"tracker_id": 999199, "status": "ok", "source_id": 6, "gps": {"lat": 2}}\n'
    )


def test_get_states_has_one_record_per_tracker_blocked_and_missing_ones_included() -> None:
    """Contract section 11: table, csv and jsonl show every tracker the answer names, with its status;
    json stays the API's answer."""
    out, _ = run("jsonl", "result", STATES_ASKED, records="states")
    assert out == (
        '{"tracker_id": 123456, "status": "ok", "source_id": 5, "battery_level": 97}\n'
        '{"tracker_id": 999199, "status": "blocked"}\n'
        '{"tracker_id": 55555, "status": "not_exist"}\n'
    )
    columns = ["tracker_id", "status", "battery_level"]
    out, _ = run("csv", "result", STATES_ASKED, records="states", columns=columns)
    assert out == "tracker_id,status,battery_level\n123456,ok,97\n999199,blocked,\n55555,not_exist,\n"
    out, _ = run("table", "result", STATES_ASKED, records="states", columns=columns)
    assert out == (
        "tracker_id  status     battery_level\n"
        "123456      ok         97\n"
        "999199      blocked\n"
        "55555       not_exist\n"
    )
    out, _ = run("json", "result", STATES_ASKED, records="states")
    assert json.loads(out) == {k: v for k, v in STATES_ASKED.items() if k != "success"}
    # every tracker blocked or missing: no states to show, the records all the same
    out = io.StringIO()
    Output("csv", stdout=out, fields=columns).result({"success": True, "states": {}, "blocked": [7]}, records="states", columns=columns)
    assert out.getvalue() == "tracker_id,status,battery_level\n7,blocked,\n"


def test_jsonl_states_list_is_its_elements() -> None:
    out, _ = run("jsonl", "result", INPUTS_BODY, records="states")
    assert out == '{"number": 1, "status": true}\n'


def test_jsonl_other_keys_and_no_records() -> None:
    assert run("jsonl", "result", INPUTS_BODY, records="inputs")[0] == "true\nfalse\n"
    assert run("jsonl", "result", {"success": True, "tariff": {"id": 3}}, records="tariff")[0] == (
        '{"id": 3}\n'
    )
    assert run("jsonl", "result", {"success": True, "a": 1}, records=None)[0] == '{"a": 1}\n'


def test_jsonl_of_no_records_prints_nothing() -> None:
    assert run("jsonl", "result", EMPTY_BODY, records="list") == ("", "")
    assert run("jsonl", "result", {"success": True}, records="list") == ("", "")


# ------------------------------------------------------------------------------------------ csv


def test_csv_flattens_nested_fields_and_writes_lists_as_compact_json() -> None:
    out, _ = run("csv", "result", LIST_BODY, records="list")
    assert out == (
        "id,label,source.device_id,source.blocked,tags\n"
        '1,Truck ✓,86,false,"[1,2]"\n'
        "22,Van,8600000000001,true,[]\n"
    )


def test_csv_value_is_a_header_and_one_row_with_none_empty() -> None:
    out, _ = run("csv", "result", VALUE_BODY, records="value")
    assert out == "id,label,source.id,source.phone\n7,Car,9,\n"


def test_csv_states_dict() -> None:
    out, _ = run("csv", "result", STATES_BODY, records="states")
    assert out == "tracker_id,status,source_id,gps.lat\n999119,ok,5,1.5\n999199,ok,6,2\n"


def test_csv_of_no_records_is_the_header_only() -> None:
    assert run("csv", "result", EMPTY_BODY, records="list", columns=["id", "label"]) == (
        "id,label\n",
        "",
    )
    assert run("csv", "result", EMPTY_BODY, records="list") == ("", "")


def test_user_columns_win_over_defaults_and_known_fields_absent_from_the_answer_are_empty() -> None:
    out = io.StringIO()
    Output("csv", columns=["source.device_id", "id", "nope"], fields=("id", "nope", "source.device_id"), stdout=out).result(
        LIST_BODY, records="list", columns=["label"]
    )
    assert out.getvalue() == "source.device_id,id,nope\n86,1,\n8600000000001,22,\n"


def test_without_known_fields_a_column_no_record_has_is_refused_before_printing() -> None:
    """Fields known only from the answer (a command outside the registry): checked against it."""
    from trackerctl.errors import UsageError

    out = io.StringIO()
    with pytest.raises(UsageError, match="no field nope in the answer; the fields are label, id, source.device_id"):
        Output("csv", columns=["id", "nope"], stdout=out).result(LIST_BODY, records="list", columns=["label"])
    assert out.getvalue() == ""
    out = io.StringIO()  # an action's default column counts as known, present or not
    Output("csv", columns=["id", "gone"], stdout=out).result(LIST_BODY, records="list", columns=["gone"])
    assert out.getvalue() == "id,gone\n1,\n22,\n"
    assert run("csv", "result", EMPTY_BODY, records="list", columns=["x"]) == ("x\n", "")  # nothing to check against


def test_action_default_columns_apply_without_user_columns() -> None:
    out, err = io.StringIO(), io.StringIO()
    Output("csv", stdout=out, stderr=err).result(LIST_BODY, records="list", columns=["label", "id"])
    assert out.getvalue() == "label,id\nTruck ✓,1\nVan,22\n"
    out = io.StringIO()
    Output("csv", columns=["id"], stdout=out).result(LIST_BODY, records="list", columns=["label"])
    assert out.getvalue() == "id\n1\n22\n"


def test_a_column_naming_an_object_shows_it_as_compact_json() -> None:
    out, _ = run("csv", "result", LIST_BODY, records="list", columns=["id", "source"])
    assert out == 'id,source\n1,"{""device_id"":""86"",""blocked"":false}"\n' + (
        '22,"{""device_id"":""8600000000001"",""blocked"":true}"\n'
    )


def test_columns_are_first_seen_over_all_records() -> None:
    body = {"list": [{"a": 1}, {"b": {"c": 2}, "a": 3}]}
    assert run("csv", "result", body, records="list")[0] == "a,b.c\n1,\n3,2\n"


# ---------------------------------------------------------------------------------------- table


def test_plain_table_when_piped_is_aligned_text_without_box_or_colour() -> None:
    out, err = run("table", "result", LIST_BODY, records="list")
    assert out == (
        "id  label    source.device_id  source.blocked  tags\n"
        "1   Truck ✓  86                false           [1,2]\n"
        "22  Van      8600000000001     true            []\n"
    )
    assert err == ""


def test_plain_table_never_truncates_and_aligns_wide_characters() -> None:
    body = {"list": [{"id": 1, "label": "x" * 300}, {"id": 2, "label": "日本"}, {"id": 3, "label": "y"}]}
    out, _ = run("table", "result", body, records="list", columns=["label", "id"])
    lines = out.splitlines()
    assert lines[1] == "x" * 300 + "  1"
    assert lines[2] == "日本" + " " * 296 + "  2"  # two cells per character


def test_plain_table_escapes_control_characters() -> None:
    body = {"value": {"label": "two\nlines \x1b[31mred"}}
    out, _ = run("table", "result", body, records="value")
    assert out == "field  value\nlabel  two\\nlines \\x1b[31mred\n"


def test_error_body_line_stays_valid_json_and_table_keeps_nbsp() -> None:
    body = {"status": {"description": "bad\x85name\u2028x"}}
    _, err = run("jsonl", "error", "error 7: x", body=body)
    assert json.loads(err) == body
    out, _ = run("table", "result", {"value": {"label": "a\xa0b"}}, records="value")
    assert out == "field  value\nlabel  a\xa0b\n"


def test_single_record_table_is_field_value() -> None:
    out, _ = run("table", "result", VALUE_BODY, records="value")
    assert out == (
        "field         value\n"
        "id            7\n"
        "label         Car\n"
        "source.id     9\n"
        "source.phone\n"
    )


def test_single_record_table_honours_columns() -> None:
    out = io.StringIO()
    Output("table", columns=["label", "gone"], fields=("label", "gone"), stdout=out).result(VALUE_BODY, records="value")
    out = out.getvalue()
    assert out == "field  value\nlabel  Car\ngone\n"
    out, _ = run("table", "result", {"success": True, "a": 1, "b": 2}, records=None)
    assert out == "field  value\na      1\nb      2\n"


def test_states_table_has_a_tracker_id_column() -> None:
    out, _ = run("table", "result", STATES_BODY, records="states")
    assert out == (
        "tracker_id  status  source_id  gps.lat\n"
        "999119      ok      5          1.5\n"
        "999199      ok      6          2\n"
    )


def test_table_of_no_records_prints_nothing_and_notices() -> None:
    assert run("table", "result", EMPTY_BODY, records="list") == ("", "no results\n")
    out, err = io.StringIO(), io.StringIO()
    Output("table", stdout=out, stderr=err, quiet=True).result(EMPTY_BODY, records="list")
    assert (out.getvalue(), err.getvalue()) == ("", "")


def test_rich_table_on_a_terminal() -> None:
    body = {"list": [{"id": 1, "label": "a [bold]x[/]"}]}
    out, _ = run("table", "result", body, records="list", terminal=Terminal(stdout_tty=True, width=80))
    assert "─" in out  # a rule under the header
    assert "a [bold]x[/]" in out  # cells are text, never markup
    assert "\x1b[" in out  # bold header


def test_rich_table_without_colour_under_no_color() -> None:
    terminal = Terminal(stdout_tty=True, width=80, no_color=True)
    out, _ = run("table", "result", LIST_BODY, records="list", terminal=terminal)
    assert "Truck ✓" in out and "\x1b[" not in out
    stdout = io.StringIO()
    Output("table", stdout=stdout, color=False, terminal=terminal).result(LIST_BODY, records="list")
    assert "\x1b[" not in stdout.getvalue()


# ------------------------------------------------------------------------------------- errors


def test_error_in_table_mode_writes_message_details_and_hint_to_stderr_only() -> None:
    out, err = run(
        "table", "error", "error 201: Not found in the database",
        hint="check the id with `trackerctl tracker list`",
        body={"success": False, "status": {"code": 201}},
        details=["rules: [10]", "tracker_id: must be positive"],
    )
    assert out == ""
    assert err == (
        "error 201: Not found in the database\n"
        "  rules: [10]\n"
        "  tracker_id: must be positive\n"
        "check the id with `trackerctl tracker list`\n"
    )


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_error_in_json_modes_writes_the_body_as_one_line(fmt: str) -> None:
    body = {"success": False, "status": {"code": 201, "description": "Not found"}, "rules": [10]}
    out, err = run(fmt, "error", "error 201: Not found", hint="h", body=body, details=["x"])
    assert out == ""
    assert err == json.dumps(body) + "\n"
    assert json.loads(err) == body


def test_error_in_json_mode_without_a_body_writes_the_message() -> None:
    assert run("json", "error", "connection refused") == ("", "connection refused\n")


def test_error_is_red_only_on_a_coloured_terminal() -> None:
    err = io.StringIO()
    Output("table", stdout=io.StringIO(), stderr=err, terminal=Terminal(stderr_tty=True)).error("error 4: session ended")
    assert err.getvalue() == "\x1b[1;31merror\x1b[0m 4: session ended\n"
    no_color = Terminal(stderr_tty=True, no_color=True)
    err = io.StringIO()
    Output("table", stdout=io.StringIO(), stderr=err, terminal=no_color).error("error 4: session ended")
    assert err.getvalue() == "error 4: session ended\n"
    err = io.StringIO()
    Output("table", stdout=io.StringIO(), stderr=err, color=True, terminal=no_color).error("error 4: x")
    assert err.getvalue().startswith("\x1b[")  # an explicit --color beats NO_COLOR
    err = io.StringIO()
    Output("table", stdout=io.StringIO(), stderr=err, color=True, terminal=Terminal(no_color=True)).error("error 4: x")
    assert err.getvalue() == "error 4: x\n"  # never colour a pipe


def test_no_color_empty_value_counts_as_unset() -> None:
    from trackerctl.cli.context import AppContext  # where NO_COLOR is read, once

    read = AppContext(env={"NO_COLOR": ""}, stdin=io.StringIO(), stdout=io.StringIO(), stderr=io.StringIO()).terminal
    err = io.StringIO()
    Output("table", stdout=io.StringIO(), stderr=err, terminal=read._replace(stderr_tty=True)).warn("slow")
    assert err.getvalue() == "\x1b[33mwarning\x1b[0m: slow\n"


def test_notice_is_quiet_but_warn_is_not() -> None:
    out, err = io.StringIO(), io.StringIO()
    output = Output("json", stdout=out, stderr=err, quiet=True)
    output.notice("retrying in 2 s")
    output.warn("session renewed")
    assert (out.getvalue(), err.getvalue()) == ("", "warning: session renewed\n")
    assert run("json", "notice", "retrying")[1] == "retrying\n"


def test_progress_is_a_no_op_unless_stderr_is_a_terminal() -> None:
    err = io.StringIO()
    with Output("json", stdout=io.StringIO(), stderr=err).progress(3, "importing") as advance:
        advance(1)
        advance(2)
    assert err.getvalue() == ""
    err = io.StringIO()
    with Output("json", stdout=io.StringIO(), stderr=err, quiet=True, terminal=Terminal(stderr_tty=True)).progress(3, "x") as advance:
        advance(3)
    assert err.getvalue() == ""


def test_progress_on_a_terminal_prints_messages_above_the_bar() -> None:
    out, err = io.StringIO(), io.StringIO()
    output = Output("json", stdout=out, stderr=err, terminal=Terminal(stderr_tty=True, width=80))
    with output.progress(2, "deleting") as advance:
        advance(1)
        output.warn("retrying chunk [1]")
        advance()
    assert out.getvalue() == ""
    drawn = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", err.getvalue())
    assert "deleting" in drawn
    assert "warning: retrying chunk [1]\n" in drawn  # printed above the bar, markup untouched


# --------------------------------------------------------------------------------------- stream


@pytest.mark.parametrize(
    "items",
    [
        LIST_BODY["list"],
        [],
        [{"a": {}, "b": [], "c": [{"d": {"e": "é"}}]}, 5, "x", None, [1, [2]]],
    ],
)
def test_stream_json_equals_result_json_byte_for_byte(items: list[Any]) -> None:
    trailer = {"count": len(items), "meta": {"pages": [1, 2]}}
    streamed, _ = run("json", "stream", iter(items), trailer=lambda: trailer)
    printed, _ = run("json", "result", {"success": True, "list": items, **trailer}, records="list")
    assert streamed == printed
    no_trailer, _ = run("json", "stream", iter(items))
    assert no_trailer == run("json", "result", {"list": items}, records="list")[0]


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "table"])
def test_stream_matches_result_for_the_other_formats(fmt: str) -> None:
    streamed, _ = run(fmt, "stream", iter(LIST_BODY["list"]))
    assert streamed == run(fmt, "result", LIST_BODY, records="list")[0]


def test_stream_returns_the_count_and_csv_uses_given_columns() -> None:
    out, err = io.StringIO(), io.StringIO()
    output = Output("csv", stdout=out, stderr=err)
    assert output.stream(iter(LIST_BODY["list"]), columns=["id"]) == 2
    assert out.getvalue() == "id\n1\n22\n"
    out = io.StringIO()
    assert Output("csv", stdout=out).stream(iter([]), columns=["id"]) == 0
    assert out.getvalue() == "id\n"
    assert run("table", "stream", iter([])) == ("", "no results\n")


def _trackers(n: int) -> Iterator[dict[str, Any]]:
    for i in range(n):
        yield {
            "id": 100000 + i,
            "label": f"Truck #{i:06d} (north depot)",
            "clone": i % 10 == 0,
            "source": {"id": 200000 + i, "device_id": f"{860000000000000 + i:015d}", "blocked": 0},
        }


@pytest.mark.parametrize(("fmt", "n"), [("jsonl", 10_000), ("json", 10_000), ("csv", 10_000)])
def test_stream_keeps_memory_flat(fmt: str, n: int) -> None:
    """10,000 records: enough to tell streaming (~20-180 KiB) from holding them (5.5 MiB). The
    100,000-tracker run and its peak RSS are tests/bench/bench_bulk.py's `memory` case."""
    with open(os.devnull, "w", encoding="utf-8") as devnull:
        output = Output(fmt, stdout=devnull, stderr=io.StringIO())
        tracemalloc.start()
        try:
            written = output.stream(_trackers(n), trailer=lambda: {"count": n})
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert written == n
    # measured ~20-180 KiB; holding the records in a list would take 5.5 MiB per 10,000
    assert peak < 1024 * 1024, f"peak {peak / 1024:.0f} KiB"


# ---------------------------------------------------------------------------------------- bulk

BULK = BulkResult([
    Outcome(134537, "succeeded"), Outcome(99, "failed", 201, "Not found in the database"), Outcome(1, "skipped"),
    Outcome(458412, "succeeded"), Outcome(98, "failed", None, "Clone is in use"),
])
BULK_FAILED = [{"item": 99, "code": 201, "description": "Not found in the database"},
               {"item": 98, "code": None, "description": "Clone is in use"}]


def test_bulk_json() -> None:
    out, err = run("json", "bulk_result", BULK)
    assert json.loads(out) == {
        "succeeded": [134537, 458412],
        "skipped": [1],
        "failed": BULK_FAILED,
    }
    assert out.startswith('{\n  "succeeded": [\n    134537,')
    assert err == "2 succeeded, 1 skipped, 2 failed\n"


def test_bulk_json_names_the_items_a_stopped_job_did_not_do() -> None:
    result = BulkResult([Outcome("860000000000001", "succeeded"), Outcome("860000000000002", "not_done", None, "not sent: error 4")])
    out, err = run("json", "bulk_result", result)
    assert json.loads(out) == {"succeeded": ["860000000000001"], "skipped": [], "failed": [],
                               "not_done": [{"item": "860000000000002", "description": "not sent: error 4"}]}
    assert err == "1 succeeded, 0 skipped, 0 failed, 1 not done\n"


def test_bulk_jsonl() -> None:
    out, _ = run("jsonl", "bulk_result", BULK)
    assert out == (
        '{"item": 134537, "status": "succeeded", "code": null, "description": null}\n'
        '{"item": 458412, "status": "succeeded", "code": null, "description": null}\n'
        '{"item": 1, "status": "skipped", "code": null, "description": null}\n'
        '{"item": 99, "status": "failed", "code": 201, "description": "Not found in the database"}\n'
        '{"item": 98, "status": "failed", "code": null, "description": "Clone is in use"}\n'
    )


def test_bulk_csv_and_table() -> None:
    out, _ = run("csv", "bulk_result", BULK)
    assert out == (
        "item,status,code,description\n"
        "134537,succeeded,,\n"
        "458412,succeeded,,\n"
        "1,skipped,,\n"
        "99,failed,201,Not found in the database\n"
        "98,failed,,Clone is in use\n"
    )
    out, err = run("table", "bulk_result", BULK)
    assert out == (
        "item    status     code  description\n"
        "134537  succeeded\n"
        "458412  succeeded\n"
        "1       skipped\n"
        "99      failed     201   Not found in the database\n"
        "98      failed           Clone is in use\n"
    )
    assert err == "2 succeeded, 1 skipped, 2 failed\n"


def test_bulk_table_on_a_terminal_is_the_items_not_done_and_a_summary_line() -> None:
    """Contract section 11: on a terminal, a person reads what needs them (failed, not done) and one
    line of counts, on stdout, as the result; not a row per item (an import of 1,000 IMEIs)."""
    terminal = Terminal(stdout_tty=True, width=80, no_color=True)
    stopped = BulkResult([*BULK.outcomes, Outcome(97, "not_done", None, "not sent: error 4")])
    out, err = run("table", "bulk_result", stopped, terminal=terminal)
    lines = out.splitlines()
    assert lines[0].split() == ["item", "status", "code", "description"] and set(lines[1]) == {"─"}
    assert [line.split()[:2] for line in lines[2:-1]] == [["99", "failed"], ["98", "failed"], ["97", "not_done"]]
    assert "Not found in the database" in lines[2] and "134537" not in out and not any("skipped" in line for line in lines[2:-1])
    assert lines[-1] == "2 succeeded, 1 skipped, 2 failed, 1 not done (-o csv lists every item)"
    assert err == ""  # the summary is printed once, as the result's last line
    everything = BulkResult([Outcome(str(860000000000000 + n), "succeeded") for n in range(1000)] + [Outcome("1", "skipped")])
    out, err = run("table", "bulk_result", everything, terminal=terminal)
    assert (out, err) == ("1000 succeeded, 1 skipped, 0 failed (-o csv lists every item)\n", "")
    out, _ = run("table", "bulk_result", BulkResult([Outcome(5, "failed", 7, "Invalid parameters")]), terminal=terminal)
    assert out.splitlines()[-1] == "0 succeeded, 0 skipped, 1 failed"  # nothing left out
    quiet = io.StringIO()
    Output("table", stdout=quiet, stderr=io.StringIO(), quiet=True, terminal=terminal).bulk_result(everything)
    assert quiet.getvalue() == "1000 succeeded, 1 skipped, 0 failed (-o csv lists every item)\n"  # the result, not a notice


def test_bulk_csv_jsonl_and_piped_tables_list_every_item_even_with_a_terminal_elsewhere() -> None:
    terminal = Terminal(stdout_tty=True, width=80, no_color=True)
    for fmt in ("csv", "jsonl"):
        out, _ = run(fmt, "bulk_result", BULK, terminal=terminal)
        assert len(out.splitlines()) == len(BULK.outcomes) + (fmt == "csv")
    out, err = run("table", "bulk_result", BULK, terminal=Terminal(stderr_tty=True))  # stdout piped: every item
    assert len(out.splitlines()) == 1 + len(BULK.outcomes) and err == "2 succeeded, 1 skipped, 2 failed\n"


def test_bulk_summary_is_quiet_under_quiet() -> None:
    out, err = io.StringIO(), io.StringIO()
    Output("jsonl", stdout=out, stderr=err, quiet=True).bulk_result(BulkResult())
    assert (out.getvalue(), err.getvalue()) == ("", "")


# ---------------------------------------------------------------------------------- import cost


def test_json_jsonl_csv_and_piped_tables_never_import_rich() -> None:
    script = textwrap.dedent(
        """
        import io, sys
        from trackerctl.bulk import Outcome
        from trackerctl.output import BulkResult, Output
        body = {"success": True, "list": [{"id": 1, "source": {"a": [1]}}]}
        for fmt in ("json", "jsonl", "csv", "table"):
            out = Output(fmt, stdout=io.StringIO(), stderr=io.StringIO())
            out.result(body, records="list")
            out.stream(iter(body["list"]), trailer=lambda: {"count": 1})
            out.bulk_result(BulkResult([Outcome(1, "succeeded"), Outcome(2, "failed", 1, "x")]))
            out.error("error 1: x", details=["d"], hint="h")
            out.warn("w")
            with out.progress(1, "p") as advance:
                advance(1)
        assert "rich" not in sys.modules, sorted(m for m in sys.modules if m.startswith("rich"))
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("fmt", FORMATS)
def test_stream_writes_nothing_when_the_first_page_fails(fmt: str) -> None:
    def pages() -> Iterator[dict]:
        raise RuntimeError("the first request failed")
        yield {}  # pragma: no cover

    out = io.StringIO()
    with pytest.raises(RuntimeError):
        Output(fmt, stdout=out, stderr=io.StringIO()).stream(pages(), columns=("id",))
    assert out.getvalue() == ""
