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

JSON is written with `json.dumps` straight to the stream, never through Rich (Rich wraps long
lines). Rich is imported only to draw a table on a terminal or a progress bar, so the json,
jsonl and csv paths (what cron scripts use) never load it. stdout carries the result and nothing
else; notices, warnings and errors go to stderr.
"""

from __future__ import annotations

import csv
import itertools
import json
import sys
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from rich.console import Console

FORMATS = ("table", "json", "jsonl", "csv")


@dataclass(frozen=True)
class Terminal:
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

BULK_COLUMNS = ("item", "status", "code", "description")

# Free text: values meant for people, of any length (a label, a comment, a model's name), which a
# table on a terminal may shorten with `…`. Known by the field's last part; nested values (lists,
# objects) count too. Everything else (ids, numbers, dates, IMEIs, codes, statuses) is shown whole.
FREE_TEXT = frozenset({"label", "comment", "description", "name"})
FREE_MIN = 10  # free text is shortened to this many cells at most (or its header's width)
GAP = 2  # cells between two columns of a table


STATUSES = ("succeeded", "skipped", "failed", "not_done")  # of a bulk command's items, in report order
DONE = ("succeeded", "skipped")  # a skipped item was done already (an IMEI that exists, a clone deleted)


class BulkResult:
    """Per-item outcome of a bulk command (contract section 8): the engine's records
    (`trackerctl.bulk.Outcome`: item, status, code, description) as they are given, grouped by
    status in the json result and one row each otherwise. Items keep the type they had in the
    request (tracker ids numbers, IMEIs strings)."""

    def __init__(self, outcomes: Iterable[Any] = ()) -> None:
        self.outcomes = list(outcomes)

    @property
    def summary(self) -> str:
        return bulk_summary({status: sum(o.status == status for o in self.outcomes) for status in STATUSES})

    def as_json(self) -> dict[str, Any]:
        """`{"succeeded": [item...], "skipped": [item...], "failed": [{item, code, description}...]}`,
        and `"not_done": [{item, description}...]` when a job stopped."""
        groups: dict[str, list[Any]] = {status: [] for status in STATUSES}
        for o in self.outcomes:
            if o.status == "failed":
                groups["failed"].append({"item": o.item, "code": o.code, "description": o.description})
            elif o.status == "not_done":
                groups["not_done"].append({"item": o.item, "description": o.description})
            else:
                groups[o.status].append(o.item)
        if not groups["not_done"]:
            del groups["not_done"]
        return groups

    def items(self) -> Iterator[dict[str, Any]]:
        """One `{item, status, code, description}` row per item, in the order of STATUSES."""
        rank = {status: n for n, status in enumerate(STATUSES)}
        for o in sorted(self.outcomes, key=lambda o: rank[o.status]):
            yield o.as_json()


def bulk_summary(counts: Mapping[str, int]) -> str:
    """`3 succeeded, 1 skipped, 2 failed`, and `, 4 not done` when there are such: the one wording."""
    return ", ".join(f"{counts.get(s, 0)} {s.replace('_', ' ')}" for s in STATUSES if counts.get(s) or s != "not_done")


class JqFilter:
    """A compiled `--jq` expression (jq's own language, through libjq's Python bindings).

    The `jq` package is imported here only, when --jq is given. An expression that does not compile
    is a UsageError (exit 2), raised before anything is sent; one that fails on the data (`.list.x`)
    is a TrackerctlError (exit 1) raised before anything is printed.
    """

    def __init__(self, expression: str) -> None:
        from trackerctl.errors import UsageError

        try:
            import jq
        except ImportError:  # pragma: no cover - a dependency of trackerctl
            raise UsageError("--jq needs the jq package: pip install jq") from None
        try:
            self._program = jq.compile(expression)
        except ValueError as e:
            raise UsageError(f"invalid --jq expression: {_jq_message(e)}") from None
        self.expression = expression

    def run(self, document: Any) -> list[Any]:
        """Every value the expression yields for `document`."""
        from trackerctl.errors import TrackerctlError

        try:
            return self._program.input_value(document).all()
        except ValueError as e:
            raise TrackerctlError(f"--jq: {_jq_message(e)} (the command's request succeeded; nothing was printed)") from None


def _jq_message(error: Exception) -> str:
    """libjq's message on one line: `syntax error, unexpected ... at <top-level>, line 1, column 3`."""
    first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return _one_line(first.removeprefix("jq: error: ").rstrip(":"))


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
        body = _without_success(body)
        if self.format == "json":
            self._json(body)
            return
        found, single = _records(body, records)
        if self.format == "jsonl":
            out = self.stdout
            for record in found:
                out.write(_dumps_line(record) + "\n")
            return
        name = records or "value"
        rows = [_as_mapping(record, name) for record in found]
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
            tail = _without_success(trailer() if trailer else {})
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
                flat = [_flatten(r) for r in records]
                cols = self.columns or list(columns) or _first_seen_keys(flat)
                rows = [[_shown(c, _lookup(f, r, c)) for c in cols] for r, f in zip(records, flat)]
                view.update(_fitted_table(cols, rows, view.console.width)[0], refresh=True)

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
            parts = [(_one_line(text), style) for text, style in parts]
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
        flat = [_flatten(record) for record in records]
        if self.columns and self.fields is None and flat:  # known only now: check before printing
            check_columns(self.columns, list(dict.fromkeys([*default_columns, *_first_seen_keys(flat)])), "the answer")
        columns = self.columns or list(default_columns) or _first_seen_keys(flat)
        if not columns:  # a body with no fields (a write that answers only success)
            if not records and self.format == "table":
                self.notice("no results")
            return
        if self.format == "csv":
            writer = csv.writer(self.stdout, lineterminator="\n")
            writer.writerow(columns)
            for record, fields in zip(records, flat):
                writer.writerow([_cell(_lookup(fields, record, c)) for c in columns])
            return
        if not records:
            self.notice("no results")
            return
        if single:
            headers = ["field", "value"]
            rows = [[(c, False), _shown(c, _lookup(flat[0], records[0], c))] for c in columns]
        else:
            headers = columns
            rows = [[_shown(c, _lookup(f, r, c)) for c in columns] for r, f in zip(records, flat)]
        if self.terminal.stdout_tty:
            if not single and not self.columns:  # the defaults, in order of use: the last give way to fit
                shown = _columns_that_fit(headers, rows, self._console(self.stdout).width)
                if shown < len(headers):
                    self.notice(f"{len(headers) - shown} columns left out to fit the terminal: {', '.join(headers[shown:])} "
                                "(--columns chooses, -o csv shows every default)")
                    headers, rows = headers[:shown], [row[:shown] for row in rows]
            self._rich_table(headers, rows)
        else:
            self.stdout.write(_plain_table(headers, [[text for text, _ in row] for row in rows]))

    def _rich_table(self, headers: Sequence[str], rows: Sequence[Sequence[tuple[str, bool]]]) -> None:
        """Draw a Rich table on the terminal stdout, as wide as the terminal at most unless it cannot
        fit (then as wide as its rows, each on one line)."""
        console = self._console(self.stdout)
        table, width = _fitted_table(headers, rows, console.width)
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
        for key, value in _without_success(trailer() if trailer else {}).items():
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
        writer = csv.writer(out, lineterminator="\n")
        columns: list[str] | None = self.columns or list(default_columns) or None
        if columns:
            writer.writerow(columns)
        count = 0
        last_flush = time.monotonic()
        for record in records:
            fields = _flatten(record)
            if columns is None:
                columns = list(fields)
                writer.writerow(columns)
            writer.writerow([_cell(_lookup(fields, record, c)) for c in columns])
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


def _without_success(body: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in body.items() if key != "success"}


def _dumps_indented(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def _dumps_line(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _indent(text: str, spaces: int) -> str:
    """Shift every line but the first right; JSON text has no raw newlines inside strings."""
    return text.replace("\n", "\n" + " " * spaces)


def _records(body: Mapping[str, Any], key: str | None) -> tuple[list[Any], bool]:
    """The records of a body and whether it holds a single record (shown as field/value).

    None: the body itself. `states` as a dict (get_states): one record per tracker, blocked and
    missing ones included (`state_records`). Any other key: a list gives its items, anything else
    is one record, absent none.
    """
    if key is None:
        return [body], True
    value = body.get(key)
    if value is None:
        return (state_records(body) if key == "states" else []), False
    if key == "states" and isinstance(value, Mapping):
        return state_records(body), False
    if isinstance(value, list):
        return value, False
    return [value], True


STATE_STATUSES = ("ok", "blocked", "not_exist")  # of get_states' records: in `states`, `blocked`, `not_exist`


def state_records(body: Mapping[str, Any]) -> list[dict[str, Any]]:
    """get_states' records (CLI-CONTRACT.md section 11): one per tracker the answer names, with
    `tracker_id` and `status` first. Each state of `states` is `ok`; the ids in `blocked` and
    `not_exist` (there when --list-blocked and --allow-not-exist ask for them) are records of their
    own, with nothing else to show. In that order, each in the answer's order."""
    states = body.get("states")
    records = [_with_tracker_id(i, "ok", state) for i, state in (states.items() if isinstance(states, Mapping) else ())]
    for status in STATE_STATUSES[1:]:
        ids = body.get(status)
        records += [_with_tracker_id(i, status) for i in (ids if isinstance(ids, list) else ())]
    return records


def _with_tracker_id(tracker_id: Any, status: str, state: Any = None) -> dict[str, Any]:
    """A get_states record: `"tracker_id": <int>` and its status first, then the state's fields."""
    ident: Any = int(tracker_id) if str(tracker_id).isascii() and str(tracker_id).isdigit() else tracker_id
    head = {"tracker_id": ident, "status": status}
    if state is None:
        return head
    if not isinstance(state, Mapping):
        return {**head, "state": state}
    return {**head, **{k: v for k, v in state.items() if k not in head}}


def _as_mapping(record: Any, name: str) -> Mapping[str, Any]:
    """Records for a table are mappings; a bare value becomes `{name: value}`."""
    return record if isinstance(record, Mapping) else {name: record}


def _flatten(record: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested mappings become dotted keys (`source.device_id`); an empty mapping stays a leaf."""
    flat: dict[str, Any] = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            flat.update(_flatten(value, name + "."))
        else:
            flat[name] = value
    return flat


def _first_seen_keys(flat_records: Iterable[Mapping[str, Any]]) -> list[str]:
    seen: dict[str, None] = {}
    for fields in flat_records:
        seen.update(dict.fromkeys(fields))
    return list(seen)


def _lookup(fields: Mapping[str, Any], record: Mapping[str, Any], column: str) -> Any:
    """A column's value: a flattened leaf, else the sub-object at that dotted path, else None."""
    if column in fields:
        return fields[column]
    value: Any = record
    for part in column.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def _cell(value: Any) -> str:
    """A value as table/csv text: None empty, scalars as in JSON, lists and objects compact JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def check_columns(columns: Sequence[str], fields: Sequence[str], what: str) -> None:
    """Refuse (UsageError, one line) a column that names no field of the records of `what`.

    A column is a field (`source.device_id`), an object holding fields (`source`, shown as compact
    JSON), or any key of an open map (`additional.*` in `fields` admits `additional.hardware_key`).
    """
    exact: set[str] = set()
    maps: list[str] = []
    for field in fields:
        name = field[:-2] if field.endswith(".*") else field
        if name != field:
            maps.append(name + ".")
        parts = name.split(".")
        exact.update(".".join(parts[:n]) for n in range(1, len(parts) + 1))
    unknown = [c for c in columns if c not in exact and not c.startswith(tuple(maps))]
    if not unknown:
        return
    from trackerctl.errors import UsageError

    if not fields:
        raise UsageError(f"--columns: {what} prints no fields (its answer is only success): leave out --columns")
    import difflib

    names = ", ".join(unknown)
    near = difflib.get_close_matches(unknown[0], [f for f in fields if not f.endswith(".*")], n=1)
    guess = f" (did you mean {near[0]}?)" if near else ""
    raise UsageError(f"--columns: no field{'s' if len(unknown) > 1 else ''} {names} in {what}{guess}; "
                     f"the fields are {', '.join(fields)}")


def is_free_text(column: str) -> bool:
    """Whether a field holds free text: `label`, `comment`, `description`, `name`, `*_name`."""
    tail = column.rsplit(".", 1)[-1]
    return tail in FREE_TEXT or tail.endswith("_name")


def _shown(column: str, value: Any) -> tuple[str, bool]:
    """A table cell: its text, and whether it may be shortened (free text or a nested value)."""
    return _cell(value), is_free_text(column) or isinstance(value, (Mapping, list))


def _fit(headers: Sequence[str], rows: Sequence[Sequence[tuple[str, bool]]], width: int) -> list[int]:
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


def _columns_that_fit(headers: Sequence[str], rows: Sequence[Sequence[tuple[str, bool]]], width: int, keep: int = 2) -> int:
    """How many of the leading columns fit `width` (free text shortened as `_fit` does), at least `keep`."""
    shown = len(headers)
    while shown > keep and sum(_fit(headers[:shown], [row[:shown] for row in rows], width)) + GAP * (shown - 1) > width:
        shown -= 1
    return shown


def _one_line(text: str) -> str:
    """Escape control characters and line breaks (a server's text may carry ANSI escapes)."""
    if text.isprintable():
        return text
    return "".join(
        ch.encode("unicode_escape").decode("ascii")
        if unicodedata.category(ch) in ("Cc", "Zl", "Zp")
        else ch
        for ch in text
    )


def _width(text: str) -> int:
    """Terminal cells taken by `text`: East Asian wide characters two, combining marks none."""
    if text.isascii():
        return len(text)
    return sum(
        0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        for ch in text
    )


def _fitted_table(headers: Sequence[str], rows: Sequence[Sequence[tuple[str, bool]]], width: int) -> tuple[Any, int]:
    """A Rich table fitted to `width` columns (CLI-CONTRACT.md section 11), and its own width.

    Cells are text, never markup, and never wrap: an id, a number, a date, an IMEI or a header is
    never split across lines. When the table is too wide, free text (the cells flagged True:
    labels, comments, names, nested values) is shortened with `…`, the widest first, down to
    FREE_MIN; a table that still does not fit keeps its rows whole and is wider than `width`.
    """
    from rich import box
    from rich.table import Table
    from rich.text import Text

    headers = [_one_line(h) for h in headers]
    rows = [[(_one_line(text), free) for text, free in row] for row in rows]
    widths = _fit(headers, rows, width)
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1, 0, 0), header_style="bold")
    for header, column_width in zip(headers, widths):
        table.add_column(Text(header, no_wrap=True), width=column_width, no_wrap=True, overflow="ellipsis")
    for row in rows:
        table.add_row(*(Text(text, no_wrap=True, overflow="ellipsis") for text, _ in row))
    return table, sum(widths) + GAP * (len(widths) - 1)


def _plain_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Aligned text columns separated by two spaces: no box, no colour, nothing truncated."""
    lines = [list(map(_one_line, headers))] + [list(map(_one_line, row)) for row in rows]
    widths = [max(_width(line[i]) for line in lines) for i in range(len(headers))]
    out = []
    for line in lines:
        padded = [cell + " " * (width - _width(cell)) for cell, width in zip(line, widths)]
        out.append("  ".join(padded).rstrip() + "\n")
    return "".join(out)
