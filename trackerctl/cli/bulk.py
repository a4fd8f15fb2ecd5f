"""Runners of the bulk commands (CLI-CONTRACT.md section 8): `panel bundle import`,
`panel tracker batch-delete-clones`, `panel tracker batch-clone` (`run_bulk`) and
`tracker get-states` (`run_get_states`). Named by `Action.handler` in the registry.

Parse and check everything (ids from the arguments, `--from-file`, or stdin when it is not a
terminal; `--chunk-size`, `--concurrency`, `--failed-to`), then hand the work to `trackerctl.bulk`
and render what it reports. Nothing is sent before every check has passed (exit 2 otherwise).
`--failed-to FILE` then gets the items that were not done, one per line, for `--from-file`.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import Any

from trackerctl.api.action import DEFAULT_CHUNK, DEFAULT_CONCURRENCY, DEFAULT_LIMIT, MAX_CONCURRENCY, Action
from trackerctl.errors import Interrupted, PartialFailure, TrackerctlError, TransientError, UsageError
from trackerctl.cli.context import AppContext
from trackerctl.cli.fleet import Writer
from trackerctl.cli.runners import confirm, request_body

GRACE = 3.0  # seconds given to the requests under way after Ctrl-C


def run_bulk(app: AppContext, action: Action, values: dict[str, Any]) -> None:
    from trackerctl import bulk

    failed_to = failed_to_file(values.pop("failed_to", None))
    body, items, chunk_size, concurrency = _prepare(app, action, values)
    confirm(app, action, body, what=f"{' '.join(action.command_path)} with {len(items)} ids")
    client = app.client()
    concurrency = client.reserve_connections(concurrency)
    writer = Writer(app, action)

    def call(request: dict[str, Any], idempotent: bool) -> dict[str, Any]:
        return writer.send(request, idempotent=idempotent, item=request[action.bulk_key or ""])

    def read(path: str, request: dict[str, Any]) -> dict[str, Any]:
        return client.call(path, request, api=action.api)

    job = bulk.BulkJob(call, bulk.STRATEGIES[action.path](body), body, items, chunk_size=chunk_size,
                       concurrency=concurrency, read=read)
    run_job(app, action, job, items, failed_to)


def run_job(app: AppContext, action: Action, job: Any, items: list[Any], failed_to: Path | None) -> None:
    """Run a bulk job to the end, print what it reports and end with its verdict (exit 0, 6, or its
    error); then write --failed-to FILE, whatever ended the job."""
    done: set[Any] = set()  # items succeeded or skipped: the rest are what --failed-to keeps
    try:
        _run(app, action, job, items, done)
    finally:
        if failed_to is not None and not app.offline:  # --dry-run did nothing
            _write_failed(app, failed_to, [item for item in items if item not in done])


def _run(app: AppContext, action: Action, job: Any, items: list[Any], done: set[Any]) -> None:
    """Run the job, print what it reports, and end with the job's verdict."""
    from trackerctl import bulk
    from trackerctl.output import DONE, BulkResult, bulk_summary

    output = app.output
    result = BulkResult()
    counts: Counter[str] = Counter()
    held: list[Any] = []  # jsonl: not_done outcomes while nothing else was printed (see below)

    def rows(outcomes: Any) -> Any:
        """One line per outcome as decided. A job stopped before anything was done prints nothing
        (its error says it all, and stdout stays empty on an error): so `not_done` lines wait until
        another line is printed."""
        for outcome in outcomes:
            counts[outcome.status] += 1
            if outcome.status in DONE:
                done.add(outcome.item)
            if outcome.status == bulk.NOT_DONE and counts[bulk.NOT_DONE] == counts.total():  # nothing else yet
                held.append(outcome)
                continue
            yield from (waiting.as_json() for waiting in held)
            held.clear()
            yield outcome.as_json()

    def collect(outcomes: Any) -> None:
        for outcome in outcomes:
            counts[outcome.status] += 1
            if outcome.status in DONE:
                done.add(outcome.item)
            result.outcomes.append(outcome)

    streaming = output.format == "jsonl"  # one line per item as it is decided: nothing held
    with output.progress(len(items), _verb(action)) as advance:
        job.progress = advance
        try:
            if streaming:
                output.stream(rows(job.run()))
            else:
                collect(job.run())
        except KeyboardInterrupt:
            try:
                if streaming:
                    output.stream(rows(job.finish(GRACE)))
                else:
                    collect(job.finish(GRACE))
            except KeyboardInterrupt:
                job.abort()
            _interrupted(job, counts)

    stopped = job.stopped_by
    if stopped is not None and counts[bulk.NOT_DONE] == len(items):  # nothing done: the error says it all
        raise stopped
    if streaming:
        output.notice(bulk_summary(counts))
    else:
        order = {item: n for n, item in enumerate(items)}  # ids the answer named unasked come last
        result.outcomes.sort(key=lambda o: order.get(o.item, len(order)))
        if action.read_only and output.format in ("table", "csv"):  # a read on many trackers: what it read
            _read_records(app, action, result)
        else:
            output.bulk_result(result)
    if stopped is not None:  # its own exit code: 3 for the session, 5 for a server that is down, ...
        if counts[bulk.NOT_DONE]:
            output.notice(f"the job stopped: {counts[bulk.NOT_DONE]} items not done; running the same command again "
                          "finishes it")
        raise stopped
    if counts[bulk.FAILED] and not job.reached and job.last_failure is not None:  # sent, and not one answer
        failure = job.last_failure
        raise TransientError(f"could not reach the platform: {failure.message if failure else 'no answer'}",
                             hint=failure.hint if failure else None)
    if counts[bulk.FAILED]:
        raise PartialFailure(f"{counts[bulk.FAILED]} of {len(items)} items failed",
                             hint="the result lists each failed item; running the same command again skips what is done")


def _read_records(app: AppContext, action: Action, result: Any) -> None:
    """A table or csv of what a read on many trackers got, one record per tracker (its `tracker_id`
    first where the record has no `id`); the trackers that failed are named on stderr."""
    from trackerctl import bulk
    from trackerctl.output.records import records_of

    rows = []
    for outcome in result.outcomes:
        if outcome.status == bulk.SUCCEEDED and outcome.result:
            records, _ = records_of(outcome.result, action.result)
            rows += [r if "id" in r else {"tracker_id": outcome.item, **r} for r in records if isinstance(r, dict)]
        elif outcome.status not in (bulk.SUCCEEDED, bulk.SKIPPED):
            app.output.notice(f"tracker {outcome.item}: {outcome.description}")
    columns = action.columns
    if columns and rows and "id" not in rows[0]:  # the records of a tracker say not whose they are
        columns = ("tracker_id", *columns)
    app.output.result({"list": rows}, records="list", columns=columns)
    app.output.notice(result.summary)


# ---- --failed-to FILE -----------------------------------------------------------------------------
def failed_to_file(name: str | None) -> Path | None:
    """--failed-to FILE, checked before anything is sent: refused (exit 2) when FILE cannot be
    written, a directory, a missing directory, no permission, instead of finding out after the job."""
    if name is None:
        return None
    if name in ("", "-"):
        raise UsageError("invalid value for --failed-to: give a file name (stdout carries the result)")
    path = Path(name).expanduser()
    if path.is_dir():
        reason = "it is a directory"
    elif path.exists():
        reason = "" if os.access(path, os.W_OK) else "permission denied"
    elif not path.parent.is_dir():
        reason = f"no directory {path.parent}"
    else:
        reason = "" if os.access(path.parent, os.W_OK | os.X_OK) else f"permission denied in {path.parent}"
    if reason:
        raise UsageError(f"cannot write --failed-to {name}: {reason}")
    return path


def _write_failed(app: AppContext, path: Path, items: list[Any]) -> None:
    """The items not done (failed, not done, left by Ctrl-C), in the order asked, one per line as
    --from-file reads them; an empty file when every item was done (no stale list from a run before)."""
    try:
        with open(path, "w", encoding="utf-8") as file:
            file.writelines(f"{item}\n" for item in items)
    except OSError as e:
        raise TrackerctlError(f"cannot write --failed-to {path}: {e.strerror or e}",
                              hint=f"{len(items)} items were not done; running the same command again finishes them") from None
    if items:
        app.output.notice(f"{len(items)} items left to do written to {path}: --from-file {path} runs them again")


def run_get_states(app: AppContext, action: Action, values: dict[str, Any]) -> None:
    from trackerctl import bulk

    body, items, chunk_size, concurrency = _prepare(app, action, values)
    client = app.client()
    concurrency = client.reserve_connections(concurrency)

    def call(request: dict[str, Any]) -> dict[str, Any]:
        return client.call(action.path, request, api=action.api)

    with app.output.progress(len(items), "getting states") as advance:
        answers = bulk.fetch_chunks(call, body, action.bulk_key or "", items, chunk_size=chunk_size,
                                    concurrency=concurrency, progress=advance)
    app.output.result(bulk.merge_states(answers), records=action.result, columns=action.columns)


# ---- parse and check ----------------------------------------------------------------------------
def _prepare(app: AppContext, action: Action, values: dict[str, Any]) -> tuple[dict[str, Any], list[Any], int, int]:
    """(the request body without the ids, the ids in order with repeats left out, chunk size, concurrency)."""
    key = action.bulk_key or ""
    limit = action.max_chunk or DEFAULT_LIMIT
    chunk_size = values.pop("chunk_size", None)
    concurrency = values.pop("concurrency", DEFAULT_CONCURRENCY)
    chunk_size = (action.max_chunk or DEFAULT_CHUNK) if chunk_size is None else chunk_size
    if not 1 <= chunk_size <= limit:
        raise UsageError(f"invalid value for --chunk-size: {chunk_size} is not from 1 to {limit}"
                         f"{' (the API takes at most ' + str(limit) + ' ids per request)' if action.max_chunk else ''}")
    if not 1 <= concurrency <= MAX_CONCURRENCY:
        raise UsageError(f"invalid value for --concurrency: {concurrency} is not from 1 to {MAX_CONCURRENCY}")
    if not values.get(key) and not values.get("from_file") and not app.terminal.stdin_tty:
        values["from_file"] = "-"  # ids piped in: `cut -d, -f1 imeis.csv | trackerctl panel bundle import ...`
    body = request_body(app, action, values)
    given = body.pop(key)
    items = list(dict.fromkeys(given))
    if len(items) < len(given):
        app.output.notice(f"{len(given) - len(items)} repeated {'IMEIs' if key == 'imeis' else 'ids'} left out")
    return body, items, chunk_size, concurrency


def _interrupted(job: Any, counts: Counter[str]) -> None:
    from trackerctl.output import bulk_summary

    pending, in_flight = job.unfinished()
    done = bulk_summary(counts)
    unsure = f", {in_flight} of them in requests under way that may or may not have been applied" if in_flight else ""
    raise Interrupted(
        f"interrupted: {done}; {pending} items not done{unsure}",
        hint="run the same command again to finish: what is already done is skipped",
    )


def _verb(action: Action) -> str:
    return {"panel/tracker/bundle/import": "importing", "panel/tracker/batch_delete_clones": "deleting clones",
            "panel/tracker/batch_clone": "cloning"}.get(action.path, action.path)
