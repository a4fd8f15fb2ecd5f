"""Tables on a terminal fit its width (CLI-CONTRACT.md section 11): ids, numbers, dates, IMEIs and
headers are never split across lines; free text is shortened with `…` first; a table that cannot fit
keeps its rows whole. In-process, with a Terminal of a given width; tests/e2e/test_tables_e2e.py
does the same on a real pseudo-terminal."""

from __future__ import annotations

import io

import pytest
from rich.cells import cell_len

from trackerctl.output import FREE_MIN, GAP, Output, Terminal, fit, is_free_text

IMEI = "356938035643809"
TRACKERS = [
    {"id": 1245678, "label": "Refrigerated trailer 12 (north depot, bay 7)", "source": {"device_id": IMEI, "tariff_end_date": "2030-01-01"}},
    {"id": 9, "label": "Van", "source": {"device_id": "7000000007", "tariff_end_date": None}},
]
COLUMNS = ["id", "label", "source.device_id", "source.tariff_end_date"]


def table(records, width, columns=COLUMNS, records_key="list"):
    out = io.StringIO()
    body = {records_key: records}
    Output("table", columns=columns, stdout=out, terminal=Terminal(stdout_tty=True, width=width, no_color=True)).result(
        body, records=records_key)
    return out.getvalue().splitlines()


def test_free_text_is_what_people_write():
    assert all(map(is_free_text, ["label", "comment", "name", "description", "owner_name", "source.model_name", "gsm.network_name"]))
    assert not any(map(is_free_text, ["id", "source.device_id", "imei", "source.model", "code", "last_update", "status"]))


def test_a_table_that_fits_is_shown_whole_with_dotted_headers():
    lines = table(TRACKERS, 200)
    assert lines[0].split() == COLUMNS
    assert "Refrigerated trailer 12 (north depot, bay 7)" in lines[2] and IMEI in lines[2]
    assert len(lines) == 4


def test_too_wide_free_text_is_shortened_with_an_ellipsis_and_nothing_else():
    lines = table(TRACKERS, 70)
    assert len(lines) == 4 and max(map(cell_len, lines)) == 70
    assert lines[0].split() == COLUMNS  # headers whole
    assert "1245678" in lines[2] and IMEI in lines[2] and "2030-01-01" in lines[2]
    assert "Refrigerated" in lines[2] and "…" in lines[2] and "(north depot, bay 7)" not in lines[2]
    assert "7000000007" in lines[3] and lines[3].split()[:2] == ["9", "Van"]


def test_a_table_that_cannot_fit_keeps_every_row_on_one_line():
    lines = table(TRACKERS, 30)
    assert len(lines) == 4
    floor = len("1245678") + FREE_MIN + len("source.device_id") + len("source.tariff_end_date") + 3 * GAP
    assert {cell_len(line) for line in lines} == {floor}  # as narrow as it can be, and no narrower
    assert IMEI in lines[2] and "source.tariff_end_date" in lines[0]


def test_wide_characters_count_as_two_cells():
    records = [{"id": 1, "label": "冷蔵トレーラー北倉庫第七ベイ予備機", "source": {"device_id": IMEI, "tariff_end_date": "2030-01-01"}}]
    lines = table(records, 60)
    assert max(map(cell_len, lines)) <= 60 and "…" in lines[2] and IMEI in lines[2]
    assert "冷蔵トレーラ" in lines[2] and "予備機" not in lines[2]


def test_the_field_value_view_shortens_free_text_and_nested_values_only():
    record = {"id": 1245678, "comment": "Need to change the SIM card before the end of next month " * 3, "imei": IMEI,
              "tag_bindings": [{"tag_id": 456789, "ordinal": 4}] * 4, "assign_time": "2025-06-01 08:00:00"}
    lines = table(record, 50, columns=list(record), records_key="value")
    assert lines[0].split() == ["field", "value"] and len(lines) == 2 + len(record)
    assert max(map(cell_len, lines)) <= 50
    shown = {line.split()[0]: line.split(None, 1)[1].rstrip() for line in lines[2:]}
    assert shown["id"] == "1245678" and shown["imei"] == IMEI and shown["assign_time"] == "2025-06-01 08:00:00"
    assert shown["comment"].endswith("…") and shown["tag_bindings"].endswith("…")


@pytest.mark.parametrize(("rows", "width", "widths"), [
    ([[("12", False), ("short", True)]], 80, [6, 5]),  # fits: natural widths (header "header" is 6)
    ([[("12", False), ("x" * 50, True), ("y" * 20, True)]], 50, [6, 20, 20]),  # the widest free column gives first
    ([[("12", False), ("x" * 50, True), ("y" * 20, True)]], 60, [6, 30, 20]),
    ([[("12", False), ("x" * 50, True)]], 10, [6, FREE_MIN]),  # cannot fit: free text at its floor, no lower
    ([[("1" * 30, False), ("x" * 5, True)]], 10, [30, 5]),  # never below a whole cell, nor free text shorter than FREE_MIN
])
def test_fit(rows, width, widths):
    headers = ["header", "free"][: len(rows[0])] + ["free2"] * (len(rows[0]) - 2)
    assert fit(headers, rows, width) == widths
