"""The bulk engine: chunking, concurrency, retries, per-item results (CLI-CONTRACT.md section 8).

Knows no terminal: `trackerctl.cli.bulk` feeds it ids and renders what it yields.

    job = BulkJob(call, ImportBundles(), {"equip_id": 13785, "factory_preset": False}, imeis,
                  chunk_size=500, concurrency=4)
    for outcome in job.run():          # Outcome(item, status, code, description), as they finish
        ...

`call(body, idempotent)` sends one request and returns the API's answer or raises the client's
typed errors. The client is the one layer that retries (CLI-CONTRACT.md section 10): it repeats
what was not processed, and with `idempotent` also a request whose outcome is unknown, at most
TRACKERCTL_MAX_ATTEMPTS times in all. The engine sends each chunk once and turns what comes back
into per-item verdicts:
- an answer: the strategy turns it into one outcome per item (`accepted`); items the answer names
  that were not asked for are reported too;
- an error answer: the strategy decides (`refused`): the items failed, or were already done
  (skipped), or the platform refused the whole chunk because of *some* of its items: then the
  culprits are found (a lookup where the strategy has one, else by splitting the chunk: group
  testing, below) while the rest go through; an error that no item causes (a permission, the
  session, an unknown equipment) stops the job: nothing more is sent, and every item not done
  is reported `not_done`, never failed with a code it was not sent for;
- no answer the client could use (not processed after every attempt, a connection refused, an
  outcome unknown, a body that is not the API's): the chunk's items fail with what happened, while
  the other chunks go on; once `breaker` chunks in a row have failed so with nothing answered in
  between (the server is down), or the first chunk that got no answer at all when nothing was ever
  answered (the client has tried it TRACKERCTL_MAX_ATTEMPTS times: the platform is out of reach),
  the job stops as above instead of hammering it.
  `reached` tells whether the platform answered anything at all.

Finding the culprits in a refused chunk (bundle import's 247 "already exists" names none) is
adaptive group testing. With k the expected number of culprits among the n items (the share the
searches of this job have found so far; at first one per refused chunk), the chunk is cut into
groups of 2^floor(log2((n-k+1)/k)) items (Hwang's generalised binary splitting), sent at once;
a refused group is searched the same way. Cut in two, the first half goes alone and the second
is sent only if the first is refused too (else it is known to hold a culprit and is cut at
once); a lone item is always sent, so every verdict rests on an answer. Requests, measured on
the fake platform of test_bulk.py (chunks of 500, concurrency 4), against plain halving (both
halves sent): 1 existing IMEI among 500: 16 (19); 11 among 1,000: 131 (162); 1% of 10,000:
1,242 (1,500); 5% of 10,000: 4,178 (5,260); half of 1,000: 1,093 (1,998); all of 1,500, a
re-run: 1,544 (2,997). Unless the answer names the existing IMEIs, one request per IMEI is the
floor for a chunk whose IMEIs all exist. Sub-chunks jump the queue (depth first), so a search
finishes soon and holds little.

Concurrency design, chosen by measurement (`tests/bench/bench_bulk.py design`; 2-core box, the
sandbox served over loopback, one request = `tracker/read`; medians of 3 interleaved runs):

    --latency 50, 40*C requests; wall / (N x 50 ms / C), and client CPU per request
      C     threads + trackerctl's pool   threads + one httpx.Client   one httpx.Client per thread   httpx.AsyncClient
      1     1.03  0.58 ms                 1.04  1.39 ms                1.07  2.85 ms                 1.08  3.30 ms
      4     1.04  0.42 ms                 1.06  1.06 ms                1.12  2.40 ms                 1.13  2.18 ms
      8     1.04  0.38 ms                 1.07  1.06 ms                1.15  2.00 ms                 1.13  2.00 ms
      16    1.04  0.34 ms                 1.07  0.95 ms                1.24  1.99 ms                 1.16  1.97 ms
      32    1.08  0.38 ms                 1.17  1.26 ms                1.53  2.18 ms                 3.37  5.15 ms
    --latency 0, 2,000 requests (client and server share the 2 cores): req/s, client CPU per request
      C     pool               httpx shared       per thread         async
      1     2157  0.23 ms      1169  0.63 ms      1236  0.60 ms       684  1.30 ms
      4     3056  0.24 ms      1328  0.72 ms      1382  0.73 ms       891  1.12 ms
      8     2663  0.25 ms      1027  0.96 ms       976  1.04 ms       666  1.49 ms
      16    2798  0.24 ms       923  1.07 ms       950  1.18 ms       407  2.45 ms
      32    2870  0.23 ms      1006  0.98 ms       845  1.49 ms       285  3.50 ms

So: `concurrency` threads share the client's one keep-alive pool (sized to `concurrency` by the
caller), the same sync `ApiClient` as every other command, retries included. The pool is
trackerctl's own on http.client (`trackerctl.api.connection`): with httpx.Client each small
request costs 2.5-4 times the client CPU (httpcore's pool, h11, httpx's models), and with no
latency to hide that CPU is what a bulk job waits for. AsyncClient costs more still and falls
behind as concurrency rises (httpcore's pool bookkeeping, perf-baseline.md section 2); a client
per thread pays its own connections and TLS contexts for nothing. Results reach the caller's
thread through a queue, so `run()` yields, the progress callback is called and Ctrl-C is
received there; the workers are daemon threads. After Ctrl-C, `finish(grace)` sends nothing
more and passes on what finishes within `grace` seconds.

Memory: chunks are cut from the id list as workers take them; the engine holds the chunks in
flight and the sub-chunks of searches, and yields each outcome as it is decided.
"""

from __future__ import annotations

import math
import os
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from trackerctl.api.action import DEFAULT_CONCURRENCY, MAX_CONCURRENCY
from trackerctl.api.errors import (
    AUTH_CODES,
    NOT_PROCESSED_CODES,
    ApiError,
    AuthError,
    BadResponse,
    OutcomeUnknown,
    TrackerctlError,
    UsageError,
)

CallFn = Callable[[dict[str, Any], bool], dict[str, Any]]
ReadFn = Callable[[str, dict[str, Any]], dict[str, Any]]  # (path, body) -> answer: a read of the same API
ProgressFn = Callable[[int], None]

SUCCEEDED, SKIPPED, FAILED, NOT_DONE = "succeeded", "skipped", "failed", "not_done"
# Codes that no item causes: every further request would get the same. Nothing more is sent.
JOB_CODES = AUTH_CODES | frozenset({2, 5, 11, 12, 13, 101, 111, 112})
TOO_LARGE = 9  # "Too large request": the chunk is halved, its items are not at fault
PRIOR_WEIGHT = 32  # items' worth of belief in "one culprit per refused chunk" (tuned on the cases of test_bulk)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one item. `code` and `description` only for failures (code None: a text only)."""

    item: Any
    status: str  # succeeded | skipped | failed | not_done (a job stopped before it was done)
    code: int | None = None
    description: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"item": self.item, "status": self.status, "code": self.code, "description": self.description}


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


# ---- the engine -------------------------------------------------------------------------------
@dataclass(slots=True)
class _Task:
    items: list[Any]
    probe: bool = False  # a sub-chunk of a search: its result teaches the culprit share
    sibling: list[Any] | None = None  # the other half of a refused group, sent after this one
    looked_up: bool = False  # its items were looked up already: a refusal is searched


class BulkJob:
    """One bulk command's run. `run()` yields outcomes in the caller's thread; iterate it to the end."""

    def __init__(
        self,
        call: CallFn,
        strategy: Strategy,
        base: Mapping[str, Any],
        items: Sequence[Any],
        *,
        chunk_size: int,
        concurrency: int = DEFAULT_CONCURRENCY,
        read: ReadFn | None = None,
        progress: ProgressFn | None = None,
        breaker: int = 3,
    ) -> None:
        if chunk_size < 1 or not 1 <= concurrency <= MAX_CONCURRENCY:
            raise ValueError("chunk_size >= 1 and concurrency 1..64")
        self.call = call
        self.read = read  # for the strategy's lookup of a refused chunk
        self.strategy = strategy
        self.base = dict(base)
        self.items = items
        self.chunk_size = chunk_size
        self.concurrency = concurrency
        self.progress = progress
        self.breaker = breaker  # after this many chunks in a row fail unanswered, stop (after one, before any answer)
        self.stopped_by: TrackerctlError | None = None  # the error that stopped the job
        self.reached = False  # the platform answered at least one request (an answer or a refusal)
        self.last_failure: TrackerctlError | None = None  # the last chunk that failed unanswered
        self.reported = 0  # items yielded so far
        self._pool: _Pool | None = None
        self._lock = threading.Lock()
        self._futile = 0  # chunks in a row that failed unanswered
        self._hits = 0  # culprits found by searches
        self._clean = 0  # items of search sub-chunks that went through

    def chunks(self) -> Iterator[list[Any]]:
        for start in range(0, len(self.items), self.chunk_size):
            yield list(self.items[start : start + self.chunk_size])

    def run(self) -> Iterator[Outcome]:
        """Outcomes as requests finish. On Ctrl-C (a KeyboardInterrupt wherever the caller's thread
        is), call `finish` for what is under way, then `unfinished` for what is left."""
        pool = self._pool = _Pool(self._work, (_Task(c) for c in self.chunks()), self.concurrency)
        yield from self._report(pool.results())
        if self.stopped_by is not None:  # report what was never sent
            description = f"not sent: {_describe(self.stopped_by)}"
            yield from self._report(not_done(t.items, description) for t in pool.leftovers())

    def finish(self, grace: float) -> Iterator[Outcome]:
        """After an interrupt: send nothing more, pass on what finishes within `grace` seconds,
        then abandon the rest (the daemon threads end with the process)."""
        if self._pool is None:
            return
        self._pool.halt()
        try:
            yield from self._report(self._pool.results(deadline=time.monotonic() + grace))
        finally:
            self.abort()

    def abort(self) -> None:
        """Stop at once: nothing more is sent or reported."""
        if self._pool is not None:
            self._pool.stopping.set()
            self._pool.halt()

    def _report(self, batches: Iterable[list[Outcome]]) -> Iterator[Outcome]:
        for batch in batches:
            for outcome in batch:
                self.reported += 1
                yield outcome
            if self.progress:
                self.progress(len(batch))

    def unfinished(self) -> tuple[int, int]:
        """(items not reported, of which in requests under way): what an interrupted run left."""
        in_flight = sum(len(t.items) for t in self._pool.active_tasks()) if self._pool else 0
        return max(0, len(self.items) - self.reported), in_flight

    # -- one request, in a worker thread --------------------------------------------------------
    def _work(self, task: _Task, pool: "_Pool") -> list[Outcome]:
        answered, outcomes = self._send(task, pool)
        if task.sibling is not None:
            if answered:  # this half went through, so the other holds a culprit: no need to send it whole
                self._search(task.sibling, pool)
            else:
                pool.push([_Task(task.sibling, probe=True)])
        return outcomes

    def _send(self, task: _Task, pool: "_Pool") -> tuple[bool, list[Outcome]]:
        """One chunk, sent once (the client retries): (accepted, its items' outcomes)."""
        strategy = self.strategy
        try:
            answer = self.call(strategy.body(self.base, task.items), strategy.idempotent)
        except ApiError as e:
            if e.code in NOT_PROCESSED_CODES or e.code in (1, 6):  # not processed, or the server failed
                return False, self._unanswered(task, e, pool)
            return False, self._refused(task, e, pool)
        except (AuthError, UsageError) as e:  # no credential, a renewal that failed: the whole job
            self._stop(e, pool)
            return False, not_done(task.items, f"not done: {_describe(e)}")
        except TrackerctlError as e:  # the outcome is unknown, the server unreachable or not answering
            return False, self._unanswered(task, e, pool)
        self._answered()
        outcomes = strategy.accepted(task.items, answer)
        if task.probe:
            self._learn(clean=sum(o.status == SUCCEEDED for o in outcomes))
        return True, outcomes

    def _unanswered(self, task: _Task, error: TrackerctlError, pool: "_Pool") -> list[Outcome]:
        """A chunk without a usable answer: its items fail with what happened; after `breaker`
        such chunks in a row the server is taken to be down and the job stops."""
        with self._lock:
            self._futile += 1
            futile = self._futile
            self.last_failure = error
            reached = self.reached
        out_of_reach = not reached and not isinstance(error, ApiError)  # not one answer, not even "busy"
        if futile >= (1 if out_of_reach else self.breaker):
            self._stop(error, pool)
        if isinstance(error, OutcomeUnknown):
            return failed(task.items, None, f"outcome unknown: {error.message}")
        return failed(task.items, getattr(error, "code", None), _describe(error))

    def _answered(self) -> None:
        with self._lock:
            self._futile = 0
            self.reached = True

    def _refused(self, task: _Task, error: ApiError, pool: "_Pool") -> list[Outcome]:
        self._answered()
        verdict = self.strategy.refused(task.items, error)
        if verdict.stop is not None:
            self._stop(verdict.stop, pool)
            return verdict.done + not_done(task.items, f"not done: {_describe(verdict.stop)}")
        if task.probe and len(task.items) == 1 and verdict.done:
            self._learn(hits=1)
        pool.push([_Task(list(c)) for c in verdict.again if c])
        if verdict.search:
            done = self._look_up(task, verdict.search, pool)
            if done is not None:
                return verdict.done + done
            self._search(verdict.search, pool)
        return verdict.done

    def _look_up(self, task: _Task, items: list[Any], pool: "_Pool") -> list[Outcome] | None:
        """A refused chunk's items found done by the strategy's lookup: those skipped, the rest
        sent again as one chunk (searched if refused again); None when no lookup was made."""
        if self.read is None or task.probe or task.looked_up:
            return None
        found = self.strategy.lookup(items, self.read, self._search_cost(len(items)), self.items, self.concurrency)
        if found is None:
            return None
        rest = [i for i in items if i not in found]
        if rest:
            pool.push([_Task(rest, looked_up=True)])
        return skipped(i for i in items if i in found)

    def _stop(self, error: TrackerctlError, pool: "_Pool") -> None:
        with self._lock:
            if self.stopped_by is None:
                self.stopped_by = error
        pool.halt()

    # -- group testing ----------------------------------------------------------------------------
    def _learn(self, *, hits: int = 0, clean: int = 0) -> None:
        with self._lock:
            self._hits += hits
            self._clean += clean

    def culprit_share(self) -> float:
        """Expected share of culprits in a refused chunk: one per chunk at first (a prior worth
        PRIOR_WEIGHT items), then what the searches of this job found."""
        with self._lock:
            return (self._hits + PRIOR_WEIGHT / self.chunk_size) / (self._hits + self._clean + PRIOR_WEIGHT)

    def _search(self, items: list[Any], pool: "_Pool") -> None:
        """Find the culprits among `items` (at least one): in two halves, the second sent only if
        the first is refused too; in more groups, all at once. A lone item is sent to confirm it."""
        groups = self._groups(items) if len(items) > 1 else [items]
        if len(groups) == 2:
            pool.push([_Task(groups[0], probe=True, sibling=groups[1])])
        else:
            pool.push([_Task(g, probe=True) for g in groups])

    def _search_cost(self, n: int) -> int:
        """Requests a search of `n` refused items is expected to take (Hwang: k log2(n/k) + k)."""
        k = max(1.0, self.culprit_share() * n)
        if n <= 2 * k:
            return n
        return int(k * (math.log2(n / k) + 1))

    def _groups(self, items: list[Any]) -> list[list[Any]]:
        """Hwang's group size for n items of which about k are culprits (at least one)."""
        n = len(items)
        k = max(1.0, self.culprit_share() * n)
        size = 1 if n <= 2 * k - 2 else 2 ** int(math.floor(math.log2((n - k + 1) / k)))
        size = max(1, min(size, (n + 1) // 2))
        return [items[i : i + size] for i in range(0, n, size)]


def _describe(error: BaseException | None) -> str:
    if isinstance(error, ApiError):
        return f"error {error.code}: {error.description}"
    if isinstance(error, TrackerctlError):
        return error.message
    return str(error) if error else "failed"


# ---- the worker pool --------------------------------------------------------------------------
_DONE = object()


class _Pool:
    """`concurrency` daemon threads taking tasks: pushed sub-tasks first (newest first), then the
    next from `source`. Each task's outcomes go to the caller's thread through a queue."""

    def __init__(self, work: Callable[[Any, "_Pool"], list[Any]], source: Iterator[Any], concurrency: int) -> None:
        self._work = work
        self._source = source
        self._urgent: deque[Any] = deque()
        self._active: dict[int, Any] = {}
        self._cond = threading.Condition()
        self._out: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._halted = False
        self._exhausted = False
        self.stopping = threading.Event()  # Ctrl-C: drop everything
        self._alive = concurrency
        self._threads = [threading.Thread(target=self._loop, name=f"bulk-{i}", daemon=True) for i in range(concurrency)]
        for t in self._threads:
            t.start()

    def push(self, tasks: list[Any]) -> None:
        if tasks:
            with self._cond:
                self._urgent.extend(reversed(tasks))  # popped from the right: in order, depth first
                self._cond.notify_all()

    def halt(self) -> None:
        """Take no new task; those under way finish."""
        with self._cond:
            self._halted = True
            self._cond.notify_all()

    def active_tasks(self) -> list[Any]:
        with self._cond:
            return list(self._active.values())

    def leftovers(self) -> Iterator[Any]:
        """Tasks never started (after `halt`): the pushed ones, then the rest of the source."""
        with self._cond:
            urgent, self._urgent = list(self._urgent), deque()
        yield from reversed(urgent)
        if not self._exhausted:
            yield from self._source

    def results(self, deadline: float | None = None) -> Iterator[list[Any]]:
        """Outcome batches as tasks finish, until every thread is done (or the deadline passes).
        A worker's unexpected exception is raised here, in the caller's thread."""
        while self._alive:
            timeout = 0.25 if deadline is None else deadline - time.monotonic()
            if timeout <= 0:
                return
            try:
                msg = self._out.get(timeout=min(timeout, 0.25))
            except queue.Empty:
                continue
            if msg is _DONE:
                self._alive -= 1
            elif isinstance(msg, BaseException):
                self.stopping.set()
                self.halt()
                raise msg
            else:
                yield msg

    def _next(self, me: int) -> Any:
        with self._cond:
            while True:
                task = None
                if self._halted:
                    return None
                if self._urgent:
                    task = self._urgent.pop()
                elif not self._exhausted:
                    task = next(self._source, None)
                    self._exhausted = task is None
                if task is not None:
                    self._active[me] = task
                    return task
                if not self._active:
                    self._cond.notify_all()
                    return None
                self._cond.wait()

    def _loop(self) -> None:
        me = threading.get_ident()
        try:
            while True:
                task = self._next(me)
                if task is None:
                    return
                try:
                    out = self._work(task, self)
                except BaseException as e:  # a bug: hand it to the caller's thread
                    if not self.stopping.is_set():
                        self._out.put(e)
                    return
                finally:
                    with self._cond:
                        self._active.pop(me, None)
                        self._cond.notify_all()
                self._out.put(out)
        finally:
            self._out.put(_DONE)


# ---- get_states ------------------------------------------------------------------------------
def fetch_chunks(
    call: Callable[[dict[str, Any]], dict[str, Any]],
    base: Mapping[str, Any],
    key: str,
    items: Sequence[Any],
    *,
    chunk_size: int,
    concurrency: int = DEFAULT_CONCURRENCY,
    progress: ProgressFn | None = None,
) -> list[dict[str, Any]]:
    """The answers of a read split into chunks, in chunk order. The first error stops the rest and
    is raised (a read is all or nothing; the client has retried it already)."""
    chunks = [list(items[i : i + chunk_size]) for i in range(0, len(items), chunk_size)]
    answers: list[dict[str, Any] | None] = [None] * len(chunks)

    def work(index: int, pool: _Pool) -> list[Any]:
        answers[index] = call({**base, key: chunks[index]})
        return [len(chunks[index])]

    pool = _Pool(work, iter(range(len(chunks))), concurrency)
    try:
        for (count,) in pool.results():
            if progress:
                progress(count)
    except BaseException:
        pool.stopping.set()
        pool.halt()
        raise
    return [a for a in answers if a is not None]


def merge_states(answers: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """get_states answers of several chunks as one of the documented shape: `user_time` (the
    latest), `states` (every chunk's, in order), and `blocked` / `not_exist` where any chunk had them."""
    merged: dict[str, Any] = {"success": True}
    states: dict[str, Any] = {}
    lists: dict[str, list[Any]] = {}
    user_time = None
    for answer in answers:
        if answer.get("user_time") is not None and (user_time is None or str(answer["user_time"]) > str(user_time)):
            user_time = answer["user_time"]
        states.update(answer.get("states") or {})
        for key in ("blocked", "not_exist"):
            if key in answer:
                lists.setdefault(key, []).extend(answer.get(key) or [])
    if user_time is not None:
        merged["user_time"] = user_time
    merged["states"] = states
    merged.update(lists)
    return merged
