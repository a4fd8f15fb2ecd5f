"""The one output sink: results to stdout in the chosen format, human messages to stderr.

Every renderer gets the same records (CLI-CONTRACT.md section 4):

- `json`   the API's body without `success`, 2-space indent, keys in the API's order.
- `jsonl`  one JSON value per line, one per record.
- `csv`    a header row, then one row per record; nested fields flattened to dotted names.
- `table`  the same rows; a Rich table on a terminal, fitted to its width without ever splitting
           an id, a number, a date or a header (free text is shortened with `…`), plain aligned
           text when piped.

A column is named by its dotted field name everywhere: table header, CSV header, `--columns`.
`--jq` filters the document `json` would print (the whole of it, for `--all` lists and bulk
results too) with jq's language; strings print without quotes, other values as JSON.

The package: `Output` and `Terminal` here; `records` (what is printed of an answer, flattened),
`tables` (cells and fitting a table to the terminal), `bulk` (a bulk command's per-item result) and
`jq` (`--jq`).

JSON is written with `json.dumps` straight to the stream, never through Rich (Rich wraps long
lines). Rich is imported only to draw a table on a terminal or a progress bar, so the json,
jsonl and csv paths (what cron scripts use) never load it. stdout carries the result and nothing
else; notices, warnings and errors go to stderr.
"""

from __future__ import annotations

import itertools
import json
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, NamedTuple, TextIO

from trackerctl.output.bulk import BULK_COLUMNS, DONE, STATUSES, BulkResult, bulk_summary
from trackerctl.output.jq import JqFilter
from trackerctl.output.records import (
    STATE_STATUSES, as_mapping, cell, check_columns, first_seen_keys, flatten, lookup, records_of, state_records,
    without_success,
)
from trackerctl.output.tables import (
    FREE_MIN, GAP, columns_that_fit, fit, fitted_table, is_free_text, one_line, plain_table, shown_cell,
)

if TYPE_CHECKING:
    from rich.console import Console

__all__ = [
    "BULK_COLUMNS", "DONE", "FORMATS", "FREE_MIN", "GAP", "STATE_STATUSES", "STATUSES", "BulkResult", "JqFilter", "Output",
    "Terminal", "bulk_summary", "check_columns", "fit", "is_free_text", "state_records",
]

FORMATS = ("table", "json", "jsonl", "csv")


class Terminal(NamedTuple):
    """What the run's streams are (gh's IOStreams): read once, by `AppContext.terminal`; a test sets
    them (`Terminal(stdout_tty=True, width=80)`). The default is no terminal anywhere: a script's or
    a pipe's plain output."""

    stdin_tty: bool = False
    stdout_tty: bool = False
    stderr_tty: bool = False
    width: int | None = None  # columns of the terminal; None: Rich's own guess
    no_color: bool = False  # NO_COLOR set to a non-empty value (CLI-CONTRACT.md section 11)

    @property
    def default_format(self) -> str:
        """The output format when none is configured: `table` on a terminal, else `json`."""
        return "table" if self.stdout_tty else "json"


# Streaming output is flushed at most this often (seconds), so `--all | jq` sees records as pages
# arrive without paying one write() per record.


_FLUSH_INTERVAL = 0.2

# Styles of stderr prefixes: (ANSI SGR parameters for a plain terminal write, Rich style name).
_STYLES = {"error": ("1;31", "bold red"), "warning": ("33", "yellow"), "hint": ("2", "dim")}


class Output:
    """Writes results to stdout in one format and messages to stderr.

    `terminal` says which streams are terminals (none, by default), their width and NO_COLOR.
    `format` None means the terminal's default (`table` on a terminal, else `json`). `color` None
    means colour only on a terminal and only without NO_COLOR; `color=True` overrides NO_COLOR but
    still never colours a stream that is not a terminal. `columns` is the user's `--columns`: it
    wins over any action's default columns. `fields` are the records' fields when they are known
    before the answer (the columns were checked against them, `check_columns`); None: only the
    answer knows them, and a column that no record has is refused (UsageError) before anything is
    printed. stdout and stderr default to `sys.stdout`/`sys.stderr` as they are when used, so a test
    or CliRunner that swaps them is honoured.
    """

    def __init__(
        self,
        format: str | None = None,
        *,
        columns: list[str] | None = None,
        fields: Sequence[str] | None = None,
        stdout: TextIO | None = None,
        stderr: TextIO | None = None,
        color: bool | None = None,
        quiet: bool = False,
        terminal: Terminal | None = None,
        jq: JqFilter | None = None,
    ) -> None:
        self._stdout = stdout
        self._stderr = stderr
        self.terminal = terminal or Terminal()
        if format is None:
            format = "json" if jq is not None else self.terminal.default_format
        if jq is not None and format != "json":
            raise ValueError(f"--jq filters json output, not {format}")
        if format not in FORMATS:
            raise ValueError(f"unknown output format {format!r}: use one of {', '.join(FORMATS)}")
        self.format = format
        self.columns = list(columns) if columns else None
        self.fields = fields
        self.jq = jq
        self.color = color
        self.quiet = quiet
        self._live_console: Console | None = None  # the progress bar's console while it is shown

    @property
    def stdout(self) -> TextIO:
        return self._stdout if self._stdout is not None else sys.stdout

    @property
    def stderr(self) -> TextIO:
        return self._stderr if self._stderr is not None else sys.stderr

    # ----------------------------------------------------------------------------------- results

    def result(
        self, body: Mapping[str, Any], *, records: str | None, columns: Sequence[str] = ()
    ) -> None:
        """Print one API response.

        `records` names the key holding the records (`list`, `value`, `states`, ...), or None when
        the body itself is the one record. `columns` are the action's default table/csv columns.
        """
        body = without_success(body)
        if self.format == "json":
            self._json(body)
            return
        found, single = records_of(body, records)
        if self.format == "jsonl":
            out = self.stdout
            for record in found:
                out.write(_dumps_line(record) + "\n")
            return
        name = records or "value"
        rows = [as_mapping(record, name) for record in found]
        self._rows(rows, columns, single=single)

    def stream(
        self,
        records: Iterable[Mapping[str, Any]],
        *,
        columns: Sequence[str] = (),
        trailer: Callable[[], Mapping[str, Any]] | None = None,
    ) -> int:
        """Print records that arrive lazily (`--all`), as one list; return how many were written.

        json, jsonl and csv write each record as it comes (bounded memory); json prints exactly
        what `result` would print for `{"list": [...], **trailer()}`, the trailer being called
        once every record is written. table collects the records first: it needs the widths.
        Nothing is written before the first record (or the end) has arrived, so that a first
        request that fails leaves stdout empty.
        """
        it = iter(records)
        records = itertools.chain(list(itertools.islice(it, 1)), it)  # the first page, fetched now
        if self.format == "json" and self.jq is not None:  # the filter takes the whole document
            collected = list(records)
            tail = without_success(trailer() if trailer else {})
            self._json({"list": collected, **{k: v for k, v in tail.items() if k != "list"}})
            return len(collected)
        if self.format == "json":
            return self._stream_json(records, trailer)
        if self.format == "jsonl":
            return self._stream_lines(records)
        if self.format == "csv":
            return self._stream_csv(records, columns)
        collected = list(records)
        self._rows(collected, columns, single=False)
        return len(collected)

    def bulk_result(self, result: BulkResult) -> None:
        """Print a bulk command's per-item outcome, then its summary as a notice.

        A table on a terminal is for a person (CLI-CONTRACT.md section 11): the items that did not
        get done (failed, not done), then the summary as the last line of the result, on stdout.
        Everywhere else (json, jsonl, csv, a table in a pipe) every item is listed.
        """
        if self.format == "json":
            self._json(result.as_json())
        elif self.format == "jsonl":
            out = self.stdout
            for row in result.items():
                out.write(_dumps_line(row) + "\n")
        elif self.format == "table" and self.terminal.stdout_tty:
            rows = [row for row in result.items() if row["status"] not in DONE]
            if rows:
                self._rows(rows, BULK_COLUMNS, single=False)
            hidden = len(result.outcomes) - len(rows)
            self.stdout.write(result.summary + (" (-o csv lists every item)" if hidden else "") + "\n")
            self.stdout.flush()
            return
        else:
            self._rows(list(result.items()), BULK_COLUMNS, single=False)
        self.notice(result.summary)

    # ---------------------------------------------------------------------------------- messages

    def error(
        self,
        message: str,
        *,
        hint: str | None = None,
        body: Mapping[str, Any] | None = None,
        details: Sequence[str] = (),
    ) -> None:
        """Report an error on stderr; stdout is left untouched.

        In json/jsonl mode an API error body is written as one compact JSON line. Otherwise the
        message (already `error 201: ...`), each detail indented two spaces, then the hint.
        """
        if body is not None and self.format in ("json", "jsonl"):
            self._say([(_dumps_line(body), None)], escape=False)  # json.dumps escapes \n itself
            return
        if message.startswith(("error ", "error:")):
            self._say([("error", "error"), (message[len("error") :], None)])
        else:
            self._say([(message, None)])
        for detail in details:
            self._say([("  " + detail, None)])
        if hint:
            self._say([(hint, "hint")])

    def notice(self, message: str) -> None:
        """An informational line on stderr; `--quiet` suppresses it."""
        if not self.quiet:
            self._say([(message, None)])

    def warn(self, message: str) -> None:
        """`warning: ...` on stderr, never suppressed."""
        self._say([("warning", "warning"), (": " + message, None)])

    @contextmanager
    def progress(self, total: int | None, description: str) -> Iterator[Callable[[int], None]]:
        """A progress bar on stderr, yielding `advance(n=1)`.

        Drawn only when stderr is a terminal and not quiet; otherwise `advance` does nothing.
        While the bar is shown, notices, warnings and errors are printed above it.
        """
        if self.quiet or not self.terminal.stderr_tty or self._live_console is not None:
            yield _no_advance
            return
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        console = self._console(self.stderr)
        bar = Progress(
            TextColumn("{task.description}", markup=False),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            redirect_stdout=False,  # stdout carries the result; never route it to stderr
        )
        with bar:
            task = bar.add_task(description, total=total)
            self._live_console = console

            def advance(n: int = 1) -> None:
                bar.advance(task, n)

            try:
                yield advance
            finally:
                self._live_console = None

    @contextmanager
    def live(self, columns: Sequence[str] = ()) -> Iterator[Callable[[Sequence[Mapping[str, Any]]], None]]:
        """A view refreshed in place, yielding `update(records)`.

        On a terminal (table format) the records are one table redrawn on every update; anywhere
        else every update writes one JSON line per record (jsonl), for `--watch` in a pipe.
        """
        if not (self.format == "table" and self.terminal.stdout_tty):
            def lines(records: Sequence[Mapping[str, Any]]) -> None:
                for record in records:
                    if self.jq is not None:
                        self._json(record)
                    else:
                        self.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
                self.stdout.flush()

            yield lines
            return
        from rich.live import Live

        with Live(console=self._console(self.stdout), auto_refresh=False, transient=False) as view:
            def redraw(records: Sequence[Mapping[str, Any]]) -> None:
                flat = [flatten(r) for r in records]
                cols = self.columns or list(columns) or first_seen_keys(flat)
                rows = [[shown_cell(c, lookup(f, r, c)) for c in cols] for r, f in zip(records, flat)]
                view.update(fitted_table(cols, rows, view.console.width)[0], refresh=True)

            yield redraw

    # ---------------------------------------------------------------------------------- internal

    def _json(self, document: Any) -> None:
        """Write a json document: as it is (2-space indent), or what --jq makes of it."""
        if self.jq is None:
            self.stdout.write(_dumps_indented(document) + "\n")
            return
        indent = 2 if self.terminal.stdout_tty else None  # as gh: pretty on a terminal, one line each in a pipe
        self.stdout.write("".join(
            (value if isinstance(value, str) else json.dumps(value, indent=indent, ensure_ascii=False)) + "\n"
            for value in self.jq.run(document)
        ))

    def _color_on(self, tty: bool) -> bool:
        """Whether to colour a stream: a terminal (`tty`), and colour asked for or no NO_COLOR."""
        if self.color is False or not tty:
            return False
        return self.color is True or not self.terminal.no_color

    def _console(self, stream: TextIO) -> Console:
        """A Rich console bound to `stream`, already known to be a terminal."""
        from rich.console import Console

        color = self._color_on(True)
        return Console(
            file=stream,
            width=self.terminal.width,
            force_terminal=True,
            color_system="auto" if color else None,
            no_color=not color,
            markup=False,
            emoji=False,
            highlight=False,
        )

    def _say(self, parts: list[tuple[str, str | None]], *, escape: bool = True) -> None:
        """Write one line to stderr from (text, style) parts; styles only when colour is on."""
        if escape:
            parts = [(one_line(text), style) for text, style in parts]
        if self._live_console is not None:
            from rich.text import Text

            line = Text()
            for text, style in parts:
                line.append(text, _STYLES[style][1] if style else None)
            self._live_console.print(line, soft_wrap=True)
            return
        err = self.stderr
        color = self._color_on(self.terminal.stderr_tty)
        err.write(
            "".join(
                f"\x1b[{_STYLES[style][0]}m{text}\x1b[0m" if style and color else text
                for text, style in parts
            )
            + "\n"
        )
        err.flush()

    def _rows(
        self, records: Sequence[Mapping[str, Any]], default_columns: Sequence[str], *, single: bool
    ) -> None:
        """Render records as csv or a table, choosing columns: --columns, defaults, all keys."""
        flat = [flatten(record) for record in records]
        if self.columns and self.fields is None and flat:  # known only now: check before printing
            check_columns(self.columns, list(dict.fromkeys([*default_columns, *first_seen_keys(flat)])), "the answer")
        columns = self.columns or list(default_columns) or first_seen_keys(flat)
        if not columns:  # a body with no fields (a write that answers only success)
            if not records and self.format == "table":
                self.notice("no results")
            return
        if self.format == "csv":
            import csv  # csv output only

            writer = csv.writer(self.stdout, lineterminator="\n")
            writer.writerow(columns)
            for record, fields in zip(records, flat):
                writer.writerow([cell(lookup(fields, record, c)) for c in columns])
            return
        if not records:
            self.notice("no results")
            return
        if single:
            headers = ["field", "value"]
            rows = [[(c, False), shown_cell(c, lookup(flat[0], records[0], c))] for c in columns]
        else:
            headers = columns
            rows = [[shown_cell(c, lookup(f, r, c)) for c in columns] for r, f in zip(records, flat)]
        if self.terminal.stdout_tty:
            if not single and not self.columns:  # the defaults, in order of use: the last give way to fit
                shown = columns_that_fit(headers, rows, self._console(self.stdout).width)
                if shown < len(headers):
                    left = len(headers) - shown
                    self.notice(f"{left} column{'s' if left > 1 else ''} left out to fit the terminal: {', '.join(headers[shown:])} "
                                "(--columns chooses, -o csv shows every default)")
                    headers, rows = headers[:shown], [row[:shown] for row in rows]
            self._rich_table(headers, rows)
        else:
            self.stdout.write(plain_table(headers, [[text for text, _ in row] for row in rows]))

    def _rich_table(self, headers: Sequence[str], rows: Sequence[Sequence[tuple[str, bool]]]) -> None:
        """Draw a Rich table on the terminal stdout, as wide as the terminal at most unless it cannot
        fit (then as wide as its rows, each on one line)."""
        console = self._console(self.stdout)
        table, width = fitted_table(headers, rows, console.width)
        console.width = max(console.width, width)
        console.print(table)

    def _stream_json(
        self,
        records: Iterable[Mapping[str, Any]],
        trailer: Callable[[], Mapping[str, Any]] | None,
    ) -> int:
        """`{"list": [...], <trailer>}` piece by piece, laid out as `json.dumps(indent=2)` does."""
        out = self.stdout
        count = 0
        last_flush = time.monotonic()
        out.write('{\n  "list": [')
        for record in records:
            out.write(",\n    " if count else "\n    ")
            out.write(_indent(_dumps_indented(record), 4))
            count += 1
            last_flush = _maybe_flush(out, last_flush)
        out.write("\n  ]" if count else "]")
        for key, value in without_success(trailer() if trailer else {}).items():
            if key != "list":
                out.write(f",\n  {_dumps_line(key)}: {_indent(_dumps_indented(value), 2)}")
        out.write("\n}\n")
        out.flush()
        return count

    def _stream_lines(self, records: Iterable[Mapping[str, Any]]) -> int:
        """One JSON line per record as it arrives."""
        out = self.stdout
        count = 0
        last_flush = time.monotonic()
        for record in records:
            out.write(_dumps_line(record) + "\n")
            count += 1
            last_flush = _maybe_flush(out, last_flush)
        out.flush()
        return count

    def _stream_csv(
        self, records: Iterable[Mapping[str, Any]], default_columns: Sequence[str]
    ) -> int:
        """Header (given columns, else the first record's keys), then one row per record."""
        out = self.stdout
        import csv  # csv output only

        writer = csv.writer(out, lineterminator="\n")
        columns: list[str] | None = self.columns or list(default_columns) or None
        if columns:
            writer.writerow(columns)
        count = 0
        last_flush = time.monotonic()
        for record in records:
            fields = flatten(record)
            if columns is None:
                columns = list(fields)
                writer.writerow(columns)
            writer.writerow([cell(lookup(fields, record, c)) for c in columns])
            count += 1
            last_flush = _maybe_flush(out, last_flush)
        out.flush()
        return count


# ------------------------------------------------------------------------------------- helpers


def _no_advance(n: int = 1) -> None:
    """The progress callback when no bar is drawn."""


def _maybe_flush(out: TextIO, last: float) -> float:
    """Flush `out` when the last flush is older than the interval; return the flush time."""
    now = time.monotonic()
    if now - last >= _FLUSH_INTERVAL:
        out.flush()
        return now
    return last


def _dumps_indented(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def _dumps_line(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _indent(text: str, spaces: int) -> str:
    """Shift every line but the first right; JSON text has no raw newlines inside strings."""
    return text.replace("\n", "\n" + " " * spaces)
