"""What each bulk action means item by item (CLI-CONTRACT.md section 8): one `Strategy` per action,
and the per-item record, `Outcome`.

A strategy builds a chunk's request (`body`), turns an answer into one outcome per item
(`accepted`), decides what a refusal means (`refused`: the items failed, were done already, some of
them caused it and must be found, or the whole job must stop), and may look a refused chunk's items
up with reads (`lookup`, bundle import). The engine (`trackerctl.bulk.engine`) sends and searches.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from trackerctl.api.errors import AUTH_CODES, ApiError, BadResponse
from trackerctl.errors import TrackerctlError

CallFn = Callable[[dict[str, Any], bool], dict[str, Any]]
ReadFn = Callable[[str, dict[str, Any]], dict[str, Any]]  # (path, body) -> answer: a read of the same API
ProgressFn = Callable[[int], None]

SUCCEEDED, SKIPPED, FAILED, NOT_DONE = "succeeded", "skipped", "failed", "not_done"
# Codes that no item causes: every further request would get the same. Nothing more is sent.
JOB_CODES = AUTH_CODES | frozenset({2, 5, 11, 12, 13, 101, 111, 112})
TOO_LARGE = 9  # "Too large request": the chunk is halved, its items are not at fault


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one item. `code` and `description` only for failures (code None: a text only)."""

    item: Any
    status: str  # succeeded | skipped | failed | not_done (a job stopped before it was done)
    code: int | None = None
    description: str | None = None
    result: dict[str, Any] | None = None  # what the answer says of the item, beyond success (PerTracker)

    def as_json(self) -> dict[str, Any]:
        line = {"item": self.item, "status": self.status, "code": self.code, "description": self.description}
        if self.result:
            line["result"] = self.result
        return line


@dataclass
class Verdict:
    """A strategy's decision on a refused chunk."""

    done: list[Outcome] = field(default_factory=list)  # items decided
    again: list[list[Any]] = field(default_factory=list)  # sub-chunks to send as they are
    search: list[Any] | None = None  # items among which some caused the refusal: find them
    stop: ApiError | None = None  # an error of the whole job: send nothing more (the items are not done)


def failed(items: Iterable[Any], code: int | None, description: str) -> list[Outcome]:
    return [Outcome(item, FAILED, code, description) for item in items]


def succeeded(items: Iterable[Any]) -> list[Outcome]:
    return [Outcome(item, SUCCEEDED) for item in items]


def skipped(items: Iterable[Any]) -> list[Outcome]:
    return [Outcome(item, SKIPPED) for item in items]


def not_done(items: Iterable[Any], description: str) -> list[Outcome]:
    return [Outcome(item, NOT_DONE, None, description) for item in items]


class Strategy:
    """What one bulk action means item by item. Subclasses set the class attributes and override
    `accepted` / `refused` where the action's answers need it."""

    key: str = ""  # the request's id list
    idempotent: bool = False  # a repeated request is answered harmlessly: unknown outcomes are re-sent
    skip_codes: frozenset[int] = frozenset()  # refused for one item that is already done
    search_codes: frozenset[int] = frozenset()  # refused for the whole chunk because of some items
    named_codes: frozenset[int] = frozenset()  # further codes that are the items' when `list` names them
    job_codes: frozenset[int] = JOB_CODES

    def body(self, base: Mapping[str, Any], items: list[Any]) -> dict[str, Any]:
        return {**base, self.key: items}

    def accepted(self, items: list[Any], answer: Mapping[str, Any]) -> list[Outcome]:
        return succeeded(items)

    def lookup(self, items: list[Any], read: ReadFn, budget: int, scope: Sequence[Any] = (), workers: int = 1) -> set[Any] | None:
        """The items of a refused chunk that are done already, found with reads costing at most
        `budget` requests, `workers` at a time (`scope`: every item of the job, for a read that
        serves them all); None when the strategy has no such read or it would cost more."""
        return None

    def refused(self, items: list[Any], error: ApiError) -> Verdict:
        code = error.code
        named = _named_items(error, items) if code in self.skip_codes | self.search_codes | self.named_codes else set()
        if named:  # the answer names the items at fault: decide them, send the rest again
            rest = [i for i in items if i not in named]
            at_fault = [i for i in items if i in named]
            done = skipped(at_fault) if code in self.skip_codes else failed(at_fault, code, error.description)
            return Verdict(done=done, again=[rest] if rest else [])
        if code in self.job_codes or (code == 7 and not self._about_items(error)):
            return Verdict(stop=error)
        if code == TOO_LARGE and len(items) > 1:
            half = (len(items) + 1) // 2
            return Verdict(again=[items[:half], items[half:]])
        if len(items) > 1 and (code in self.skip_codes or code in self.search_codes or code == 7):
            return Verdict(search=items)
        if code in self.skip_codes:
            return Verdict(done=skipped(items))
        return Verdict(done=failed(items, code, error.description))

    def _about_items(self, error: ApiError) -> bool:
        """A code 7 that names no parameter, or names the id list: some items are at fault."""
        errors = error.extra.get("errors")
        if not isinstance(errors, list) or not errors:
            return True
        return any(isinstance(e, dict) and str(e.get("parameter", "")).startswith(self.key) for e in errors)


class ImportBundles(Strategy):
    """`panel/tracker/bundle/import`. The platform refuses the whole chunk with a plain 247 when one
    of its IMEIs exists, naming none: the refused chunk's IMEIs are looked up in the dealer's bundle
    list (`lookup`), those found are skipped (done) and the rest sent again; what the list cannot
    explain (an IMEI of another dealer) is found by splitting. A repeat is answered 247 and handled
    the same way, so an unknown outcome is re-sent."""

    key = "imeis"
    idempotent = True
    skip_codes = frozenset({247})
    job_codes = JOB_CODES | {204}  # no equipment with that equip_id
    LIST_PATH = "panel/tracker/bundle/list"
    PAGE = 1000  # bundles per page of the lookup (the list's page size of --all)

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._known: dict[str, frozenset[str]] = {}  # filter -> the IMEIs the list holds for it
        self._counts: dict[str, int] = {}  # filter -> the list's count, once its first page was read
        self._reading: dict[str, threading.Event] = {}  # filters being read now: others wait for them

    def lookup(self, items: list[Any], read: ReadFn, budget: int, scope: Sequence[Any] = (), workers: int = 1) -> set[Any] | None:
        """The IMEIs of `items` in the dealer's bundle list, read with a common prefix as the list's
        `filter` (a prefix of sequential IMEIs keeps the pages few): the whole job's (`scope`), so
        that one read serves every chunk, else the chunk's; in at most `budget` requests each. None
        when that is not enough or the list cannot be read (no permission)."""
        for flt in dict.fromkeys((os.path.commonprefix([str(i) for i in scope]) if scope else None,
                                  os.path.commonprefix([str(i) for i in items]))):
            found = None if flt is None else self._listed(flt, read, budget, workers)
            if found is not None:
                return {i for i in items if i in found}
        return None

    def _listed(self, flt: str, read: ReadFn, budget: int, workers: int) -> frozenset[str] | None:
        """Every IMEI the list holds for `flt`, read once per job (concurrent askers wait)."""
        with self._lock:
            cached = next((imeis for f, imeis in self._known.items() if flt.startswith(f)), None)
            if cached is not None:
                return cached
            if -(-self._counts.get(flt, 0) // self.PAGE) > budget:
                return None
            reading = self._reading.get(flt)
            if reading is None:
                self._reading[flt] = threading.Event()
        if reading is not None:
            reading.wait()
            with self._lock:
                return self._known.get(flt)
        try:
            found = self._read_all(flt, read, budget, workers)
            if found is not None:
                with self._lock:
                    self._known[flt] = found
            return found
        finally:
            with self._lock:
                self._reading.pop(flt).set()

    def _read_all(self, flt: str, read: ReadFn, budget: int, workers: int) -> frozenset[str] | None:
        """Every page of the list for `flt`: the first says how many there are, the rest are read
        `workers` at a time (the job's other workers wait for this lookup meanwhile)."""
        body = {"filter": flt} if flt else {}

        def page(offset: int) -> list[Any]:
            answer = read(self.LIST_PATH, {**body, "offset": offset, "limit": self.PAGE})
            records = answer.get("list")
            if not isinstance(records, list) or not isinstance(answer.get("count"), int):
                raise BadResponse("the bundle list's answer has no list and count")
            pages.append(answer["count"])
            return records

        pages: list[int] = []
        try:
            records = page(0)
            count = pages[0]
            with self._lock:
                self._counts[flt] = count
            if -(-count // self.PAGE) > budget:
                return None
            offsets = range(self.PAGE, count, self.PAGE)
            if offsets and workers > 1:
                from concurrent.futures import ThreadPoolExecutor

                with ThreadPoolExecutor(min(workers, len(offsets)), thread_name_prefix="bulk-lookup") as pool:
                    rest = list(pool.map(page, offsets))
            else:
                rest = [page(offset) for offset in offsets]
        except TrackerctlError:
            return None
        return frozenset(r["imei"] for chunk in (records, *rest) for r in chunk
                         if isinstance(r, Mapping) and isinstance(r.get("imei"), str))


class DeleteClones(Strategy):
    """`panel/tracker/batch_delete_clones`. Answers success even when some clones were not deleted:
    those are in `not_deleted_trackers` ({id, error}); "Already deleted" is done (skipped), any
    other text a failure with code None. Every id the answer names is reported, asked or not. A
    repeat finds the clones already deleted: idempotent."""

    key = "trackers"
    idempotent = True
    ALREADY_DELETED = "already deleted"

    def accepted(self, items: list[Any], answer: Mapping[str, Any]) -> list[Outcome]:
        problems: dict[Any, str] = {}
        for entry in answer.get("not_deleted_trackers") or []:
            if isinstance(entry, Mapping) and "id" in entry:
                problems[entry["id"]] = str(entry.get("error") or "not deleted")
        missing = _int(answer.get("not_deleted_count")) - len(problems)
        if missing > 0:  # counted as not deleted but not named: the answer cannot be trusted per item
            return failed(items, None, f"the answer counts {missing} more clones not deleted than it names")
        asked = set(items)
        return [Outcome(i, SUCCEEDED) if i not in problems else self._problem(i, problems[i]) for i in items] + [
            self._problem(i, text) for i, text in problems.items() if i not in asked]

    def _problem(self, item: Any, text: str) -> Outcome:
        if text.strip().lower().rstrip(".") == self.ALREADY_DELETED:
            return Outcome(item, SKIPPED)
        return Outcome(item, FAILED, None, text)


class CloneTrackers(Strategy):
    """`panel/tracker/batch_clone`: clone many trackers to one user (spec auth-and-sessions.md).

    Without `ignore_existing` a request is all or nothing: an answer means every tracker of it was
    cloned (`list` holds the new clones' ids). With it, the trackers the user already has a clone of
    are named in `ignored_trackers`: skipped (done), the rest succeeded. A refusal with 247 names
    the conflicting trackers in `list`: skipped, and the rest are sent again. 217 (a tracker does
    not exist), 201, 219 and 252 (not the dealer's, a clone, corrupted) and 246 with a `list` (the
    user's own trackers) refuse the request because of some trackers: those named fail with the
    code and the rest are re-sent; an answer that names none is searched like an import's 247.
    246 naming nothing (no such user) stops the job.

    Not idempotent: a repeat creates nothing twice only because the platform refuses a second
    clone for the same user (247), and the contract lets only import and clone deletion re-send
    a request whose outcome is unknown. So such a chunk fails (code None, "outcome unknown");
    running the command again finishes the job, the trackers cloned meanwhile being skipped.
    With `ignore_existing` the API itself promises that a repeat skips what exists, and the
    chunk is re-sent.
    """

    key = "tracker_ids"
    skip_codes = frozenset({247})
    search_codes = frozenset({201, 217, 219, 252})
    named_codes = frozenset({246})  # trackers the user owns already, when named; else no such user
    job_codes = JOB_CODES | {246}

    def __init__(self, ignore_existing: bool = False) -> None:
        self.idempotent = ignore_existing

    def accepted(self, items: list[Any], answer: Mapping[str, Any]) -> list[Outcome]:
        ignored = answer.get("ignored_trackers")
        skipped_ = set(ignored) if self.idempotent and isinstance(ignored, list) else set()
        return [Outcome(i, SKIPPED if i in skipped_ else SUCCEEDED) for i in items]


STRATEGIES: dict[str, Callable[[Mapping[str, Any]], Strategy]] = {
    "panel/tracker/bundle/import": lambda body: ImportBundles(),
    "panel/tracker/batch_delete_clones": lambda body: DeleteClones(),
    "panel/tracker/batch_clone": lambda body: CloneTrackers(bool(body.get("ignore_existing"))),
}


class PerTracker(Strategy):
    """An action on one tracker run on many (CLI-CONTRACT.md section 13): one request per tracker,
    built by `body_of(tracker_id)`; what the answer says beyond success is the item's `result`
    (a read's record, a clone's or a moved tracker's new id)."""

    key = "tracker_id"

    def __init__(self, body_of: Callable[[Any], dict[str, Any]]) -> None:
        self.body_of = body_of

    def body(self, base: Mapping[str, Any], items: list[Any]) -> dict[str, Any]:
        (item,) = items
        return self.body_of(item)

    def accepted(self, items: list[Any], answer: Mapping[str, Any]) -> list[Outcome]:
        result = {k: v for k, v in answer.items() if k != "success"}
        return [Outcome(item, SUCCEEDED, result=result or None) for item in items]

    def refused(self, items: list[Any], error: ApiError) -> Verdict:
        """The tracker's own refusal fails it (each request has values of its own, so even a code 7
        is the item's); a code no item causes stops the job."""
        if error.code in self.job_codes:
            return Verdict(stop=error)
        return Verdict(done=failed(items, error.code, error.description))


def _named_items(error: ApiError, items: Sequence[Any]) -> set[Any]:
    """The items an error answer names in `list` (ids or IMEIs, or objects with an id)."""
    named = error.extra.get("list")
    if not isinstance(named, list):
        return set()
    wanted = set(items)
    found = set()
    for entry in named:
        if isinstance(entry, Mapping):
            entry = next((entry[k] for k in ("tracker_id", "imei", "id") if entry.get(k) is not None), None)
        for candidate in (entry, str(entry) if entry is not None else None):
            if candidate in wanted:
                found.add(candidate)
        if isinstance(entry, str) and entry.isascii() and entry.isdigit() and int(entry) in wanted:
            found.add(int(entry))
    return found


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0
