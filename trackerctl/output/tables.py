"""Tables: cells, widths, and the fitting of a table to the terminal (CLI-CONTRACT.md section 11)."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from trackerctl.output.records import cell


# Free text: values meant for people, of any length (a label, a comment, a model's name), which a
# table on a terminal may shorten with `…`. Known by the field's last part; nested values (lists,
# objects) count too. Everything else (ids, numbers, dates, IMEIs, codes, statuses) is shown whole.
FREE_TEXT = frozenset({"label", "comment", "description", "name"})
FREE_MIN = 10  # free text is shortened to this many cells at most (or its header's width)
GAP = 2  # cells between two columns of a table


def is_free_text(column: str) -> bool:
    """Whether a field holds free text: `label`, `comment`, `description`, `name`, `*_name`."""
    tail = column.rsplit(".", 1)[-1]
    return tail in FREE_TEXT or tail.endswith("_name")


def shown_cell(column: str, value: Any) -> tuple[str, bool]:
    """A table cell: its text, and whether it may be shortened (free text or a nested value)."""
    return cell(value), is_free_text(column) or isinstance(value, (Mapping, list))


def fit(headers: Sequence[str], rows: Sequence[Sequence[tuple[str, bool]]], width: int) -> list[int]:
    """Column widths of a table at most `width` cells wide, when it can be.

    A header and every cell that is not free text keep their whole width. Free text gives up width
    when the table is too wide: the widest free columns first (a level that no free column exceeds),
    none below FREE_MIN or its header. The widths may add up to more than `width`: then the table
    cannot fit, and stays whole.
    """
    from rich.cells import cell_len

    hard = [cell_len(header) for header in headers]  # never shortened
    free = [0] * len(headers)  # the widest free-text cell
    for row in rows:
        for i, (text, is_free) in enumerate(row):
            if is_free:
                free[i] = max(free[i], cell_len(text))
            else:
                hard[i] = max(hard[i], cell_len(text))
    natural = [max(h, f) for h, f in zip(hard, free)]
    floor = [max(h, min(f, FREE_MIN)) for h, f in zip(hard, free)]
    room = width - GAP * (len(headers) - 1)
    if sum(natural) <= room or sum(floor) >= room:
        return natural if sum(natural) <= room else floor
    low, high = 0, max(natural)  # the highest level at which the table fits
    while low < high:
        level = (low + high + 1) // 2
        if sum(max(f, min(n, level)) for f, n in zip(floor, natural)) <= room:
            low = level
        else:
            high = level - 1
    return [max(f, min(n, low)) for f, n in zip(floor, natural)]


def columns_that_fit(headers: Sequence[str], rows: Sequence[Sequence[tuple[str, bool]]], width: int, keep: int = 2) -> int:
    """How many of the leading columns fit `width` (free text shortened as `_fit` does), at least `keep`."""
    shown = len(headers)
    while shown > keep and sum(fit(headers[:shown], [row[:shown] for row in rows], width)) + GAP * (shown - 1) > width:
        shown -= 1
    return shown


def one_line(text: str) -> str:
    """Escape control characters and line breaks (a server's text may carry ANSI escapes)."""
    if text.isprintable():
        return text
    return "".join(
        ch.encode("unicode_escape").decode("ascii")
        if unicodedata.category(ch) in ("Cc", "Zl", "Zp")
        else ch
        for ch in text
    )


def text_width(text: str) -> int:
    """Terminal cells taken by `text`: East Asian wide characters two, combining marks none."""
    if text.isascii():
        return len(text)
    return sum(
        0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        for ch in text
    )


def fitted_table(headers: Sequence[str], rows: Sequence[Sequence[tuple[str, bool]]], width: int) -> tuple[Any, int]:
    """A Rich table fitted to `width` columns (CLI-CONTRACT.md section 11), and its own width.

    Cells are text, never markup, and never wrap: an id, a number, a date, an IMEI or a header is
    never split across lines. When the table is too wide, free text (the cells flagged True:
    labels, comments, names, nested values) is shortened with `…`, the widest first, down to
    FREE_MIN; a table that still does not fit keeps its rows whole and is wider than `width`.
    """
    from rich import box
    from rich.table import Table
    from rich.text import Text

    headers = [one_line(h) for h in headers]
    rows = [[(one_line(text), free) for text, free in row] for row in rows]
    widths = fit(headers, rows, width)
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1, 0, 0), header_style="bold")
    for header, column_width in zip(headers, widths):
        table.add_column(Text(header, no_wrap=True), width=column_width, no_wrap=True, overflow="ellipsis")
    for row in rows:
        table.add_row(*(Text(text, no_wrap=True, overflow="ellipsis") for text, _ in row))
    return table, sum(widths) + GAP * (len(widths) - 1)


def plain_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Aligned text columns separated by two spaces: no box, no colour, nothing truncated."""
    lines = [list(map(one_line, headers))] + [list(map(one_line, row)) for row in rows]
    widths = [max(text_width(line[i]) for line in lines) for i in range(len(headers))]
    out = []
    for line in lines:
        padded = [cell + " " * (width - text_width(cell)) for cell, width in zip(line, widths)]
        out.append("  ".join(padded).rstrip() + "\n")
    return "".join(out)
