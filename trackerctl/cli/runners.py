"""What a generated command does once its arguments are parsed: validate, call, render.

`run_action` serves every action; an action names another runner here (`Action.handler`) only
when it needs more than one request or more than one answer (paging, bulk, watching).
Runners receive the API's parameter names (`values`) and never format output themselves.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from trackerctl.api.action import Action, Param
from trackerctl.errors import TrackerctlError, UsageError
from trackerctl.api.user_json import check_text, parse_user_json
from trackerctl.cli.context import AppContext
from trackerctl.cli.request import label, option

PAGE_SIZE = 1000


def run_action(app: AppContext, action: Action, values: dict[str, Any]) -> None:
    where = conditions(action, values.pop("where", None))
    if values.pop("all", False):
        return run_all_pages(app, action, values, where)
    body = request_body(app, action, values)
    if where:
        return list_page(app, action, body, where)
    send(app, action, body)


def send(app: AppContext, action: Action, body: dict[str, Any]) -> None:
    """One request with a checked body: confirmed where destructive, sent (a write through the
    run's journal, or printed under --plan), its answer rendered."""
    if action.read_only:
        confirm(app, action, body)
        answer = app.client().call(action.path, body, api=action.api, read_only=True)
    else:
        from trackerctl.cli.fleet import write_one

        planned = write_one(app, action, body)
        if planned is None:
            return
        answer = planned
    app.output.result(answer, records=action.result, columns=action.columns)
    if set(answer) <= {"success"} and app.output.format in ("table", "csv"):
        app.output.notice(f"done: {' '.join(action.command_path)}")  # json says {}; a person wants a word
    if action.paginated:
        more_pages(app, answer, action)


def more_pages(app: AppContext, answer: dict[str, Any], action: Action) -> None:
    """A page of a list that holds more says so on stderr (CLI-CONTRACT.md section 11), a notice
    (`--quiet` silences it): `16 in all, 8 shown: --all for every page`."""
    count, shown = answer.get("count"), answer.get(action.result or "list")
    shown = len(shown) if isinstance(shown, list) else 0
    if isinstance(count, int) and not isinstance(count, bool) and count > shown:
        app.output.notice(f"{count} in all, {shown} shown: --all for every page")


def request_body(app: AppContext, action: Action, values: dict[str, Any]) -> dict[str, Any]:
    """CLI values -> the validated JSON body; raises UsageError before anything is sent."""
    from trackerctl.cli.request import build_request

    extra = plugin_params(values.pop("param", None), values.pop("param_json", None)) if action.extra_params else {}
    api_values: dict[str, Any] = {}
    for p in action.params:
        api_values[p.name] = cli_value(app, p, values.pop(p.name, None), values)
    body = build_request(action, api_values)
    clash = sorted(set(extra) & set(body))
    if clash:
        raise UsageError(f"--param {clash[0]} repeats an option of the command: use {option(action.param(clash[0]))}")
    if action.check:
        from trackerctl.cli.generated import named

        named(action.check)(body)
    return {**body, **extra}


def cli_value(app: AppContext, p: Param, raw: Any, values: dict[str, Any]) -> Any:
    """One parameter as the API takes it: ids from files, typed lists, JSON, tag bindings."""
    if p.bulk:
        raw = list(raw or []) + read_items(app, values.pop("from_file", None), p)
        return [_typed(p, item) for item in raw] or None
    if raw is None:
        return None
    if p.kind == "int_list":
        return [_typed(p, item) for item in raw]
    if p.kind == "tag_bindings":
        return [_tag_binding(p, item) for item in raw]
    if p.kind == "json":
        return _json_object(app, p, raw)
    return raw


def _typed(p: Param, item: Any) -> Any:
    """An id from the command line or a file, as text: the model checks it (ASCII digits, 64 bits)."""
    if p.kind == "int_list":
        from trackerctl.api.validate import parse_int

        try:
            return parse_int(str(item))
        except ValueError:
            raise UsageError(f"invalid value for {label(p)}: {_clip_text(str(item))!r} is not an integer id") from None
    return str(item).strip()


def _tag_binding(p: Param, item: str) -> dict[str, Any]:
    """TAG_ID:ORDINAL as text; the model checks both numbers (ASCII digits, their ranges)."""
    tag, sep, ordinal = item.partition(":")
    if not sep:
        raise UsageError(f"invalid value for {option(p)}: {_clip_text(item)!r} is not TAG_ID:ORDINAL, such as 12:1")
    return {"tag_id": tag, "ordinal": ordinal}


def _json_object(app: AppContext, p: Param, raw: str) -> dict[str, Any]:
    """A JSON object given as text, `@FILE` or `-` (stdin)."""
    if raw == "-":
        return json_object(read_text(app, "-", option(p)), f"{option(p)} (stdin)")
    if raw.startswith("@"):
        return json_object(read_text(app, raw[1:], f"{option(p)} file"), f"{option(p)} file {raw[1:]}")
    return json_object(raw, option(p))


def read_text(app: AppContext, source: str, what: str) -> str:
    """The text of a file for `what` (an option, as the user typed it), or of stdin for `-`."""
    try:
        if source == "-":
            return app.stdin.read()
        return Path(source).expanduser().read_text(encoding="utf-8-sig")
    except OSError as e:
        raise UsageError(f"cannot read {what} {source}: {e.strerror or e}") from None
    except UnicodeDecodeError:
        raise UsageError(f"cannot read {what} {'(stdin)' if source == '-' else source}: not UTF-8 text") from None


def json_object(text: str, where: str) -> dict[str, Any]:
    value = parse_user_json(text, where)
    if not isinstance(value, dict):
        raise UsageError(f"{where} must hold a JSON object, such as '{{\"name\": \"...\"}}'")
    return value


def plugin_params(pairs: list[str] | None, json_pairs: list[str] | None) -> dict[str, Any]:
    """--param KEY=VALUE (sent as strings) and --param-json KEY=JSON (typed)."""
    return {**key_values(pairs, "--param", typed=False), **key_values(json_pairs, "--param-json", typed=True)}


def key_values(items: list[str] | None, option: str, *, typed: bool) -> dict[str, Any]:
    """KEY=VALUE options as a dict; with `typed`, each VALUE is JSON (numbers, true, arrays)."""
    out: dict[str, Any] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise UsageError(f"invalid value for {option}: {_clip_text(item)!r} is not KEY=VALUE")
        check_text(key, option)
        if not typed:
            out[key] = check_text(value, f"{option} {key}")
            continue
        out[key] = parse_user_json(value, f"{option} {key}", syntax_hint=" (quote text, or use the string form)")
    return out


def _clip_text(text: str) -> str:
    return text if len(text) <= 60 else f"{text[:50]}... ({len(text)} characters)"


def read_items(app: AppContext, source: str | None, p: Param) -> list[str]:
    """Ids from --from-file (`file_rows`): the column named like the item."""
    if not source:
        return []
    item = _item_name(p)
    _, rows = file_rows(app, source, item)
    return [value for _, row in rows if (value := row.get(item, ""))]


def file_rows(app: AppContext, source: str, key: str, *, strict: bool = False) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """--from-file: (its columns, each row with its line number), values stripped. One value per
    line (the column `key`; a lone header naming it is dropped), or a CSV whose header names `key`;
    `#` lines and blank lines are skipped. `strict`: a row must have as many values as columns."""
    text = read_text(app, source, "--from-file")
    kept = [(n, line) for n, line in enumerate(text.splitlines(), start=1) if line.strip() and not line.lstrip().startswith("#")]
    if kept and "," not in kept[0][1]:
        if kept[0][1].strip().strip('"').lower() == key:
            kept = kept[1:]
        return [key], [(n, {key: line.strip()}) for n, line in kept]
    if not kept:
        return [key], []
    reader = csv.reader(io.StringIO("\n".join(line for _, line in kept)))
    header = [h.strip() for h in next(reader)]
    if key not in header:
        raise UsageError(f"--from-file {source}: the CSV header has no {key!r} column (it has {', '.join(header)})")
    rows = []
    for cells in reader:
        n = kept[reader.line_num - 1][0]
        if strict and len(cells) != len(header):
            raise UsageError(f"--from-file {source} line {n}: {len(cells)} values for {len(header)} columns")
        rows.append((n, dict(zip(header, (c.strip() for c in cells)))))
    return header, rows


def _item_name(p: Param) -> str:
    """The CSV column for an id list: imeis -> imei, trackers/tracker_ids -> tracker_id."""
    return {"imeis": "imei", "trackers": "tracker_id", "tracker_ids": "tracker_id"}.get(p.name, p.name.rstrip("s"))


def confirm(app: AppContext, action: Action, body: dict[str, Any], *, what: str | None = None) -> None:
    """Destructive actions: ask on a terminal; elsewhere require --yes (nothing is sent otherwise).
    No question under --yes or --dry-run (`AppContext.confirmed`).

    `what` names the command line in the question; by default the command and its primary key.
    """
    if not action.destructive:
        return
    if what is None:
        keys = " ".join(str(body[p.name]) for p in action.positionals if p.name in body)
        what = f"{' '.join(action.command_path)} {keys}".strip()
    ask(app, f"{action.summary} This cannot be undone.", what=what)


def ask(app: AppContext, question: str, *, what: str) -> None:
    """Ask before going on: `question`, then whether to run `what`, on a terminal; elsewhere --yes
    is required (exit 2, nothing sent). No question under --yes or --dry-run."""
    if app.confirmed:
        return
    if not app.interactive():
        raise UsageError(f"{what} is destructive: confirm with --yes (no terminal to ask on)")
    app.stderr.write(f"{question}\nRun `{what}`? [y/N] ")
    app.stderr.flush()
    if app.stdin.readline().strip().lower() not in ("y", "yes"):
        raise TrackerctlAborted("not confirmed; nothing was sent")


class TrackerctlAborted(TrackerctlError):
    """The user said no at a confirmation (exit 1)."""


def conditions(action: Action, where: list[str] | None) -> list[Any]:
    """--where of a list command, compiled against its records' fields (exit 2 before anything is sent)."""
    if not where:
        return []
    from trackerctl.api.endpoints import FIELD_KINDS
    from trackerctl.fleet.where import Condition

    return [Condition.parse(text, FIELD_KINDS, action.fields) for text in where]


def list_page(app: AppContext, action: Action, body: dict[str, Any], where: list[Any]) -> None:
    """One answer of a list, its records filtered by --where."""
    from trackerctl.fleet.where import matches

    answer = app.client().call(action.path, body, api=action.api)
    key = action.result or "list"
    records = answer.get(key) or []
    kept = [r for r in records if isinstance(r, dict) and matches(r, where)]
    app.output.result({**answer, key: kept}, records=action.result, columns=action.columns)
    app.output.notice(f"{len(kept)} of {len(records)} records match{' (this page: --all for every page)' if action.paginated else ''}")


def run_all_pages(app: AppContext, action: Action, values: dict[str, Any], where: list[Any] = ()) -> None:
    """--all: page through offset/limit until `count`, streaming records in bounded memory; with
    --where, only the records that match (and `count` is theirs)."""
    from trackerctl.fleet.where import matches

    if values.get("offset") is not None or values.get("limit") is not None:
        raise UsageError("--all pages through everything: leave out --offset and --limit")
    pages = Pages(app, action, request_body(app, action, values))
    matched = 0

    def records() -> Iterator[dict[str, Any]]:
        nonlocal matched
        for record in pages:
            if not where or matches(record, where):
                matched += 1
                yield record

    written = app.output.stream(records(), columns=action.columns,
                                trailer=lambda: {"count": matched if where else pages.count})
    if pages.count is not None and pages.seen != pages.count:
        raise TrackerctlError(
            f"listed {pages.seen} records but the server counts {pages.count}: the list changed while paging",
            hint="run the command again",
        )
    if where:
        app.output.notice(f"{written} of {pages.seen} records match")


class Pages:
    """Every record of a list action, page after page where it pages (offset/limit until the
    server's `count`); `seen` counts the records read so far."""

    def __init__(self, app: AppContext, action: Action, body: dict[str, Any]) -> None:
        self.app, self.action, self.body = app, action, body
        self.count: int | None = None
        self.seen = 0

    def __iter__(self) -> Iterator[dict[str, Any]]:
        client, action = self.app.client(), self.action
        while True:
            request = {**self.body, "offset": self.seen, "limit": PAGE_SIZE} if action.paginated else self.body
            answer = client.call(action.path, request, api=action.api)
            records = answer.get(action.result or "list") or []
            self.count = answer.get("count")
            yield from records
            self.seen += len(records)
            if not action.paginated or not records or (self.count is not None and self.seen >= self.count):
                return
