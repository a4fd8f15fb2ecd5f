"""`trackerctl undo JOURNAL`: revert what a run that wrote changed (CLI-CONTRACT.md section 13).

A journal (`trackerctl.fleet.journal`) holds each request of the run, its outcome, and what the
tracker held before where the run knew it. Each request that was applied, or may have been (an
outcome unknown, a run killed before it was known), is reverted by sending the action again with
the values from before (`Action.undo`: label, comment and deleted mark, blocked, tariff, tags, the
owner after a move, which targets the tracker's new id). What cannot be reverted is named, as a
failed item: an action the platform cannot reverse (a corrupted or deleted tracker, a command sent
to a device), or a tracker whose values before the run did not know (chosen by id without
--undoable). Requests that failed changed nothing (skipped).

The revert runs on the bulk engine like any action on many trackers, confirmed first (or --yes),
and keeps a journal of its own, whose values before are what the run had set: so an undo can be
undone. `--plan` prints the writes it would send and sends none.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from trackerctl.cli.context import AppContext
from trackerctl.cli.options import DISPLAY, OUTPUT, PROFILE, REQUEST, with_global_options
from trackerctl.errors import UsageError

app = typer.Typer(name="undo", rich_markup_mode=None, add_completion=False)


@app.command("undo")
@with_global_options(uses=DISPLAY | PROFILE | REQUEST | OUTPUT | {"yes"})
def undo(
    app_: AppContext,
    journal: Annotated[str, typer.Argument(metavar="JOURNAL", show_default=False,
                       help="The run's journal: its path, or its file name in $XDG_STATE_HOME/trackerctl/journal "
                            "(`trackerctl history` names each write's journal).")],
    plan: Annotated[bool, typer.Option("--plan", help="Print the writes that would revert the run, one JSON line each; "
                                       "send none.")] = False,
    concurrency: Annotated[str, typer.Option("--concurrency", metavar="N", help="Requests in flight at once.")] = "4",
) -> None:
    """Revert what a run that wrote changed, from its journal.

    Sends each changed tracker's values from before the run again: label, comment and deleted mark,
    blocked, tariff (charges already made are not reversed; the platform sets the end date anew),
    tags, and the owner after a move. Names what cannot be reverted: corrupted or deleted trackers,
    removed clones, commands sent to devices, and trackers whose values before the run are unknown
    (chosen by id without --undoable). Asks first on a terminal; elsewhere needs --yes. The revert
    keeps a journal too, so it can be undone.

    Example: trackerctl panel tracker source update 123456 --blocked --undoable && trackerctl undo "$(trackerctl history --jq '.list[-1].journal')" --yes
    """
    from trackerctl.cli.generated import _bulk_size

    revert(app_, journal, plan=plan, concurrency=_bulk_size(concurrency, "concurrency"))


def revert(app: AppContext, name: str, *, plan: bool, concurrency: int) -> None:
    from trackerctl import bulk
    from trackerctl.api.action import MAX_CONCURRENCY
    from trackerctl.api.endpoints import REGISTRY
    from trackerctl.cli.bulk import run_job
    from trackerctl.cli.fleet import Writer
    from trackerctl.cli.runners import ask
    from trackerctl.fleet import journal as journals

    if not 1 <= concurrency <= MAX_CONCURRENCY:
        raise UsageError(f"invalid value for --concurrency: {concurrency} is not from 1 to {MAX_CONCURRENCY}")
    run = journals.read(_resolve(app, name))
    action = REGISTRY.by_path(run.action)
    if action is None:
        raise UsageError(f"{run.path} is not a trackerctl journal: it names no action trackerctl knows ({run.action!r})")
    _same_account(app, run.header)
    reverts, decided = plan_reverts(action, run.entries)
    if action.undo is not None and action.undo.note and reverts:
        app.output.notice(f"note: {action.undo.note}")
    if plan:
        client = app.client()
        for tracker_id, body, _ in reverts:
            app.print_request(client.request_line(action.path, body, api=action.api))
        for outcome in decided:
            if outcome.status == bulk.FAILED:
                app.output.notice(f"tracker {outcome.item}: {outcome.description}")
        return
    if reverts:
        ask(app, f"Revert {len(reverts)} changes of `{run.header.get('command') or action.path}`"
                 f" ({len(decided)} not revertible or not applied)?", what=f"undo {run.path.name}")
    bodies = {tracker_id: body for tracker_id, body, _ in reverts}
    befores = {tracker_id: before for tracker_id, _, before in reverts}
    client = app.client()
    concurrency = client.reserve_connections(concurrency)
    writer = Writer(app, action, undo_of=str(run.path))

    def call(request: dict[str, Any], idempotent: bool) -> dict[str, Any]:
        return writer.send(request, before=befores.get(request["tracker_id"]))

    items = [o.item for o in decided] + list(bodies)
    job = bulk.BulkJob(call, bulk.PerTracker(bodies.__getitem__), {}, list(bodies), chunk_size=1,
                       concurrency=concurrency, decided=decided)
    run_job(app, action, job, items, None)


def plan_reverts(action: Any, entries: list[Any]) -> tuple[list[tuple[int, dict[str, Any], dict[str, Any]]], list[Any]]:
    """(tracker id, the request that reverts it, its values as the run left them) for each change
    that can be reverted; and an outcome for each of the rest: failed when it cannot be reverted,
    skipped when the run did not change it."""
    from trackerctl.bulk.strategies import failed, skipped
    from trackerctl.fleet.journal import FAILED

    reverts: list[tuple[int, dict[str, Any], dict[str, Any]]] = []
    decided: list[Any] = []
    seen: set[Any] = set()
    for entry in entries:
        if isinstance(entry.item, list) or entry.item is None:  # a bulk command's chunk: its ids in the request
            items = entry.item if isinstance(entry.item, list) else [None]
            decided += skipped(items) if entry.status == FAILED else failed(items, None, f"cannot be reverted: {_cannot(action, entry)}")
            continue
        if entry.item in seen:  # the first change of a tracker holds what it had before the run
            continue
        seen.add(entry.item)
        if entry.status == FAILED:
            decided += skipped([entry.item])  # refused or never sent: nothing changed
            continue
        reason = _cannot(action, entry)
        if reason:
            decided += failed([entry.item], None, f"cannot be reverted: {reason}")
            continue
        undo = action.undo
        target = entry.answer.get("id") if undo.new_id else entry.item
        body: dict[str, Any] = {"tracker_id": target}
        left: dict[str, Any] = {}
        for param, field in undo.fields:
            if param in entry.request:
                before = entry.before.get(field)
                body[param] = "" if before is None and action.param(param).kind == "str" else before
                left[field] = entry.request[param]
        body.update(undo.fixed)
        reverts.append((target, body, left))
    return reverts, decided


def _cannot(action: Any, entry: Any) -> str:
    """Why the change of `entry` cannot be reverted; empty when it can."""
    undo = action.undo
    if undo is None:
        if action.destructive:
            return f"{action.path} cannot be reversed (a corrupted, deleted or moved-away tracker is not restored)"
        return f"the platform has no action that reverses {action.path}"
    if entry.before is None:
        return "its values before the run are unknown (it was given by id without --undoable)"
    if undo.new_id and not (isinstance(entry.answer.get("id"), int) and not isinstance(entry.answer.get("id"), bool)):
        return "the outcome is unknown, and the action gives the tracker a new id, which the run did not learn"
    return ""


def _resolve(app: AppContext, name: str) -> Path:
    """JOURNAL as a path, or as a file name in the journal directory."""
    path = Path(name).expanduser()
    if path.is_file():
        return path
    kept = app.state_dir / "journal" / name
    if "/" not in name and kept.is_file():
        return kept
    raise UsageError(f"no journal {name}: give its path, or its file name in {app.state_dir / 'journal'}")


def _same_account(app: AppContext, header: dict[str, Any]) -> None:
    """Revert where the run wrote: its profile and API URL, unless the command line names others
    (which must then be the same)."""
    profile, api_url = header.get("profile"), header.get("api_url")
    if not app.options.profile and isinstance(profile, str):
        app.apply({"profile": profile})
    if not app.options.api_url and isinstance(api_url, str):
        app.apply({"api_url": api_url})
    if app.profile_name != profile or app.api_url != api_url:
        raise UsageError(f"the journal's run wrote as profile {profile} to {api_url}, not as {app.profile_name} "
                         f"to {app.api_url}: leave out --profile and --api-url, or give those")


command = typer.main.get_command(app)
