"""Every action on one tracker, run on many (CLI-CONTRACT.md section 13), and the journal of writes.

`run_targets` is the runner of each action that takes one TRACKER_ID (`Action.per_tracker`):

- one id as the argument, and no `--where`, `--from-file` or `--failed-to`: the action's own runner,
  exactly as before (its output, its exit codes);
- otherwise the targets are the ids given, the rows of `--from-file` (a CSV's columns named like the
  command's options give each row its own values) and the trackers of the API's list that satisfy
  every `--where` (with ids too: those of them that do), and the action runs on the bulk engine:
  one request per tracker, `--concurrency` at a time, per-item results, exit 0 or 6.

Everything is checked before anything is sent: the conditions, the file (every row), the values.
`--plan` then runs the reads that choose the targets and prints the writes as `--dry-run` prints a
request, sending none. Every write goes through `Writer`, which keeps the run's journal
(`trackerctl.fleet.journal`) with what each tracker held before where the run knows it: the list's
record when `--where` chose it, a read of the tracker first under `--undoable`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from trackerctl.api.action import DEFAULT_CONCURRENCY, MAX_CONCURRENCY, Action, Param
from trackerctl.cli.context import AppContext
from trackerctl.cli.request import option
from trackerctl.errors import UsageError

# The list that --where reads, and the read that --undoable makes, for each API.
SELECTION = {"user": ("tracker/list", "tracker/read"), "panel": ("panel/tracker/list", "panel/tracker/read")}
SHOWN_LABELS = 3  # labels named in the question before a destructive run on many trackers
_BOOL_TEXT = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}


@dataclass
class Target:
    id: int
    row: dict[str, Any]  # the values of its --from-file row, by API name ({} without one)
    line: int | None = None  # its line in --from-file
    record: dict[str, Any] | None = None  # the tracker as the list or a read showed it


def run_targets(app: AppContext, action: Action, values: dict[str, Any]) -> None:
    from trackerctl.cli.generated import runner_for

    ids: list[str] = values.pop("tracker_id", None) or []
    source, where = values.pop("from_file", None), values.pop("where", None) or []
    failed_to, concurrency = values.pop("failed_to", None), values.pop("concurrency", DEFAULT_CONCURRENCY)
    app.options.plan = bool(values.pop("plan", False))
    app.options.undoable = bool(values.pop("undoable", False))
    if not where and source is None and failed_to is None and len(ids) <= 1:  # one tracker: as it always was
        if not ids and not action.param("tracker_id").alternative:
            raise UsageError("missing argument TRACKER_ID: give one or more, or --from-file PATH, or --where 'FIELD OP VALUE'")
        values["tracker_id"] = ids[0] if ids else None
        return runner_for(action)(app, action, values)
    if not 1 <= concurrency <= MAX_CONCURRENCY:
        raise UsageError(f"invalid value for --concurrency: {concurrency} is not from 1 to {MAX_CONCURRENCY}")
    Fleet(app, action, values, concurrency).run(ids, source, where, failed_to)


class Fleet:
    """One run of `action` on many trackers."""

    def __init__(self, app: AppContext, action: Action, values: dict[str, Any], concurrency: int) -> None:
        self.app, self.action, self.values, self.concurrency = app, action, values, concurrency
        self.list_action, _ = _selection(action.api)
        self.bodies: dict[int, dict[str, Any]] = {}

    def run(self, ids: list[str], source: str | None, where: list[str], failed_to: str | None) -> None:
        from trackerctl.cli.bulk import failed_to_file
        from trackerctl.fleet.where import Condition

        app, action = self.app, self.action
        out = failed_to_file(failed_to)
        conditions = [Condition.parse(text, _kinds(), self.list_action.fields) for text in where]
        targets = self._given(ids, source)
        self._check(targets)
        if action.destructive and not app.confirmed and not app.interactive() and not app.options.plan:
            raise UsageError(f"{' '.join(action.command_path)} is destructive: confirm with --yes (no terminal to ask on)")
        if conditions:
            targets = self._select(conditions, targets if (ids or source) else None)
        if app.options.plan:
            return self._plan(targets)
        if not targets:
            app.output.notice("no tracker matches: nothing to do")
        self._confirm(targets)
        self._run(targets, out)

    # -- the targets --------------------------------------------------------------------------
    def _given(self, ids: list[str], source: str | None) -> list[Target]:
        from trackerctl.api.validate import parse_int

        targets = []
        for text in ids:
            try:
                targets.append(Target(parse_int(text), {}))
            except ValueError:
                raise UsageError(f"invalid value for TRACKER_ID: {text!r} is not an integer id") from None
        if source is not None:
            targets += read_rows(self.app, source, self.action)
        return _unique(self.app, targets, source)

    def _check(self, targets: list[Target]) -> None:
        """Every request's body, checked now (exit 2 before anything is sent): once for the values
        shared by all, and once more for each row of --from-file with values of its own."""
        from trackerctl.cli.runners import request_body

        shared = None
        if not targets or any(not t.row for t in targets):  # --where alone, or ids without values of their own
            first = next((t.id for t in targets if not t.row), targets[0].id if targets else 1)
            shared = request_body(self.app, self.action, {**self.values, "tracker_id": str(first)})
        for target in targets:
            if target.id < 1:
                raise UsageError(f"invalid value for TRACKER_ID: {target.id} is not a tracker id (1 or more)")
            if target.row:
                try:
                    self.bodies[target.id] = request_body(self.app, self.action,
                                                           {**self.values, **target.row, "tracker_id": str(target.id)})
                except UsageError as e:
                    raise UsageError(f"--from-file line {target.line}: {e.message}") from None
        self._shared = shared

    def body(self, tracker_id: int) -> dict[str, Any]:
        body = self.bodies.get(tracker_id)
        if body is not None:
            return body
        assert self._shared is not None
        return {**self._shared, "tracker_id": tracker_id}

    def _select(self, conditions: Sequence[Any], given: list[Target] | None) -> list[Target]:
        """The trackers of the list that satisfy every condition (of `given`, when ids were given)."""
        from trackerctl.fleet.where import matches

        wanted = {t.id: t for t in given} if given is not None else None
        chosen = []
        from trackerctl.cli.runners import Pages

        for record in Pages(self.app, self.list_action, {}):
            if not matches(record, conditions):
                continue
            tracker_id = record.get("id")
            if wanted is None:
                chosen.append(Target(tracker_id, {}, record=self._kept(record)))
            elif tracker_id in wanted:
                wanted[tracker_id].record = self._kept(record)
                chosen.append(wanted[tracker_id])
        if given is not None:  # in the order given
            order = {t.id: n for n, t in enumerate(given)}
            chosen.sort(key=lambda t: order[t.id])
        self.app.output.notice(f"{len(chosen)} trackers match {' and '.join(map(str, conditions))}")
        return chosen

    def _kept(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """What the run keeps of a listed tracker: its label (for the question) and what undo needs."""
        return before_values(self.action, record) | {"label": record.get("label")}

    # -- --plan, the question -------------------------------------------------------------------
    def _plan(self, targets: list[Target]) -> None:
        client = self.app.client()
        for target in targets:
            self.app.print_request(client.request_line(self.action.path, self.body(target.id), api=self.action.api))

    def _confirm(self, targets: list[Target]) -> None:
        from trackerctl.cli.runners import confirm

        if not targets:
            return
        labels = [str(t.record["label"]) for t in targets[:SHOWN_LABELS] if t.record and t.record.get("label")]
        named = labels or [str(t.id) for t in targets[:SHOWN_LABELS]]
        more = ", ..." if len(targets) > len(named) else ""
        confirm(self.app, self.action, {}, what=f"{' '.join(self.action.command_path)} on {len(targets)} trackers "
                                                f"({', '.join(named)}{more})")

    # -- the run ----------------------------------------------------------------------------------
    def _run(self, targets: list[Target], out: Any) -> None:
        from trackerctl import bulk
        from trackerctl.cli.bulk import run_job

        app, action = self.app, self.action
        client = app.client()
        concurrency = client.reserve_connections(self.concurrency)
        records = {t.id: t.record for t in targets}
        writer = Writer(app, action) if not action.read_only else None

        def call(request: dict[str, Any], idempotent: bool) -> dict[str, Any]:
            if writer is None:
                return client.call(action.path, request, api=action.api)
            return writer.send(request, before=self._before(request["tracker_id"], records))

        job = bulk.BulkJob(call, bulk.PerTracker(self.body), {}, [t.id for t in targets], chunk_size=1,
                           concurrency=concurrency)
        run_job(app, action, job, [t.id for t in targets], out)

    def _before(self, tracker_id: int, records: Mapping[int, dict[str, Any] | None]) -> dict[str, Any] | None:
        """What the tracker held, for undo: from the list, or read now under --undoable (a read that
        is refused fails the item, and its write is not sent)."""
        if self.action.undo is None:
            return None
        kept = records.get(tracker_id)
        if kept is not None:  # what _kept took of the list's record
            return {name: kept.get(name) for _, name in self.action.undo.fields}
        if not self.app.options.undoable:
            return None
        return read_before(self.app, self.action, tracker_id)


# ---- one write, journaled -------------------------------------------------------------------------
class Writer:
    """Sends an action's writes, each through the run's journal: planned before it is sent, its
    outcome after (succeeded, failed: not applied, unknown: it may have been). Shared by threads."""

    def __init__(self, app: AppContext, action: Action, *, undo_of: str | None = None) -> None:
        self.app, self.action = app, action
        self.client = app.client()
        self.journal = app.journal(action, undo_of=undo_of)

    def send(self, body: Mapping[str, Any], *, before: Mapping[str, Any] | None = None,
             idempotent: bool = False, item: Any = None) -> dict[str, Any]:
        from trackerctl.api.errors import ApiError, Unreachable
        from trackerctl.errors import AuthError
        from trackerctl.fleet.journal import FAILED, SUCCEEDED, UNKNOWN

        action, journal = self.action, self.journal
        if self.app.offline:  # --dry-run: printed, nothing sent, nothing to keep
            return self.client.call(action.path, body, api=action.api, read_only=False)
        item = body.get("tracker_id") if item is None else item
        try:
            n = journal.planned(item, body, before)
        except OSError as e:  # nothing is sent that the journal does not hold
            from trackerctl.errors import TrackerctlError

            raise TrackerctlError(f"cannot keep the run's journal in {journal.directory}: {e.strerror or e}; nothing was sent",
                                  hint="make $XDG_STATE_HOME a writable directory") from None
        if self.app.journal_path is None:
            self.app.journal_path = journal.path
        try:
            answer = self.client.call(action.path, body, api=action.api, read_only=False, idempotent=idempotent)
        except (ApiError, Unreachable, AuthError) as e:  # refused, never reached the platform, no session: not applied
            journal.outcome(n, item, FAILED, code=getattr(e, "code", None), description=getattr(e, "description", e.message))
            raise
        except BaseException as e:  # anything else after sending may have been applied
            journal.outcome(n, item, UNKNOWN, description=getattr(e, "message", None) or type(e).__name__)
            raise
        journal.outcome(n, item, SUCCEEDED, answer=answer)
        return answer


def write_one(app: AppContext, action: Action, body: dict[str, Any]) -> dict[str, Any] | None:
    """A write on its own (`send`): printed under --plan (None: nothing sent), else confirmed where
    destructive, preceded by a read under --undoable, and journaled."""
    from trackerctl.cli.runners import confirm

    if app.options.plan:
        app.print_request(app.client().request_line(action.path, body, api=action.api))
        return None
    confirm(app, action, body)
    tracker_id = body.get("tracker_id") if action.per_tracker else None
    before = read_before(app, action, tracker_id) if app.options.undoable and action.undo and tracker_id else None
    first = action.positionals[0].name if action.positionals else None
    return Writer(app, action).send(body, before=before, item=body.get(first) if first else None)


def read_before(app: AppContext, action: Action, tracker_id: int) -> dict[str, Any]:
    """--undoable: the tracker read now, kept as the values undo sends back."""
    _, read_path = _selection(action.api)
    answer = app.client().call(read_path, {"tracker_id": tracker_id}, api=action.api)
    record = answer.get("value")
    return before_values(action, record if isinstance(record, Mapping) else {})


def before_values(action: Action, record: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of `record` that undo sends back for `action` (its `Undo.fields`)."""
    from trackerctl.fleet.where import field_value

    if action.undo is None:
        return {}
    return {name: field_value(record, name) for _, name in action.undo.fields}


# ---- the list that --where reads ------------------------------------------------------------
def _selection(api: str) -> tuple[Action, str]:
    from trackerctl.api.endpoints import REGISTRY

    list_path, read_path = SELECTION[api]
    action = REGISTRY.by_path(list_path)
    assert action is not None
    return action, read_path


def _kinds() -> Mapping[str, str]:
    from trackerctl.api.endpoints import FIELD_KINDS

    return FIELD_KINDS


# ---- --from-file --------------------------------------------------------------------------------
def read_rows(app: AppContext, source: str, action: Action) -> list[Target]:
    """Trackers from a file: one id per line, or a CSV whose header names `tracker_id` and, for
    values of its own per row, options of the command (`label`, `user_id` or `user-id`); an empty
    cell leaves the option as the command line gives it. `#` lines and blank lines are skipped."""
    from trackerctl.api.validate import parse_int
    from trackerctl.cli.runners import file_rows

    header, rows = file_rows(app, source, "tracker_id", strict=True)
    names = dict(zip(header, _columns(header, action, source)))  # column -> API name
    rows = [(n, {names[column]: value for column, value in row.items()}) for n, row in rows]
    targets = []
    for n, row in rows:
        text_id = row.pop("tracker_id", "")
        try:
            tracker_id = parse_int(text_id)
        except ValueError:
            raise UsageError(f"--from-file {source} line {n}: {text_id!r} is not a tracker id") from None
        values = {}
        for name, value in row.items():
            if value == "":
                continue
            values[name] = _cell(action.param(name), value, f"--from-file {source} line {n}")
        targets.append(Target(tracker_id, values, line=n))
    return targets


def _columns(header: list[str], action: Action, source: str) -> list[str]:
    """The API name of each column; `tracker_id` must be one, every other must name an option."""
    names: dict[str, Param] = {}
    for p in action.options:
        for spelling in (p.name, option(p)[2:], option(p)[2:].replace("-", "_")):
            names[spelling] = p
    out = []
    for column in header:
        if column == "tracker_id":
            out.append(column)
            continue
        p = names.get(column)
        if p is None:
            known = ", ".join(sorted({option(q)[2:] for q in action.options if q.kind in _CELL_KINDS})) or "none"
            raise UsageError(f"--from-file {source}: column {column!r} is no option of "
                             f"`{' '.join(action.command_path)}` (its options: {known})")
        if p.kind not in _CELL_KINDS:
            raise UsageError(f"--from-file {source}: column {column!r} ({option(p)}) cannot come from a CSV cell")
        if p.name in out:
            raise UsageError(f"--from-file {source}: two columns give {option(p)}")
        out.append(p.name)
    return out


_CELL_KINDS = ("int", "str", "bool", "month")


def _cell(p: Param, value: str, where: str) -> Any:
    if p.kind != "bool":
        return value  # text, as typed on the command line: the request's check reads it
    flag = _BOOL_TEXT.get(value.lower())
    if flag is None:
        raise UsageError(f"{where}: invalid value for {option(p)}: {value!r} is not true or false")
    return flag


def _unique(app: AppContext, targets: list[Target], source: str | None) -> list[Target]:
    """Each tracker once: a repeat with the same values is left out (with a notice), one with other
    values is refused (which would win?)."""
    seen: dict[int, Target] = {}
    out = []
    for target in targets:
        first = seen.get(target.id)
        if first is None:
            seen[target.id] = target
            out.append(target)
        elif first.row != target.row:
            lines = " and ".join(f"line {t.line}" for t in (first, target) if t.line) or "the arguments"
            raise UsageError(f"tracker {target.id} is given twice with different values ({lines} of --from-file {source})")
    if len(out) < len(targets):
        app.output.notice(f"{len(targets) - len(out)} repeated ids left out")
    return out

