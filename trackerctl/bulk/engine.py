"""The bulk engine: chunking, concurrency, per-item results (CLI-CONTRACT.md sections 8 and 10).

Knows no terminal: `trackerctl.cli.bulk` feeds it ids and renders what it yields.

    job = BulkJob(call, ImportBundles(), {"equip_id": 13785, "factory_preset": False}, imeis,
                  chunk_size=500, concurrency=4)
    for outcome in job.run():          # Outcome(item, status, code, description), as they finish
        ...

`call(body, idempotent)` sends one request and returns the API's answer or raises the client's
typed errors. The client is the one layer that retries: it repeats what was not processed, and
with `idempotent` also a request whose outcome is unknown, at most TRACKERCTL_MAX_ATTEMPTS times in
all. The engine sends each chunk once and turns what comes back into per-item verdicts:
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
  answered (the platform is out of reach), the job stops as above instead of hammering it.
  `reached` tells whether the platform answered anything at all.

Finding the culprits in a refused chunk (bundle import's 247 "already exists" names none) is
adaptive group testing (Hwang's generalised binary splitting): with k the expected number of
culprits among n items (what this job's searches found so far; at first one per refused chunk),
the chunk is cut into groups of 2^floor(log2((n-k+1)/k)) items, sent at once; a refused group is
searched the same way. Cut in two, the first half goes alone and the second is sent only if the
first is refused too; a lone item is always sent, so every verdict rests on an answer. Sub-chunks
jump the queue (depth first), so a search finishes soon and holds little. (Request counts against
plain halving: tests/bench/README.md.)

`concurrency` threads share the client's one keep-alive pool, the same sync `ApiClient` as every
other command (why not httpx's pools or asyncio, measured: tests/bench/README.md). Results reach
the caller's thread through a queue, so `run()` yields, the progress callback is called and Ctrl-C
is received there; the workers are daemon threads. After Ctrl-C, `finish(grace)` sends nothing
more and passes on what finishes within `grace` seconds. Chunks are cut from the id list as
workers take them: the engine holds the chunks in flight and the sub-chunks of searches.
"""

from __future__ import annotations

import math
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from trackerctl.api.action import DEFAULT_CONCURRENCY, MAX_CONCURRENCY
from trackerctl.api.client import DryRunStop
from trackerctl.api.errors import NOT_PROCESSED_CODES, ApiError, OutcomeUnknown
from trackerctl.errors import AuthError, TrackerctlError, UsageError
from trackerctl.bulk.strategies import (
    SUCCEEDED,
    CallFn,
    Outcome,
    ProgressFn,
    ReadFn,
    Strategy,
    failed,
    not_done,
    skipped,
)

PRIOR_WEIGHT = 32  # items' worth of belief in "one culprit per refused chunk" (tuned on the cases of test_bulk)


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
        decided: Sequence[Outcome] = (),
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
        self.decided = list(decided)  # outcomes known before anything is sent (undo: what cannot be reverted), reported first
        self.stopped_by: TrackerctlError | None = None  # the error that stopped the job
        self.reached = False  # the platform answered at least one request (an answer or a refusal)
        self.last_failure: TrackerctlError | None = None  # the last chunk that failed unanswered
        self.reported = 0  # items yielded so far
        self._pool: _Pool | None = None
        self._lock = threading.Lock()
        self._futile = 0  # chunks in a row that failed unanswered
        self._hits = 0  # culprits found by searches
        self._clean = 0  # items of search sub-chunks that went through

    def run(self) -> Iterator[Outcome]:
        """Outcomes as requests finish. On Ctrl-C (a KeyboardInterrupt wherever the caller's thread
        is), call `finish` for what is under way, then `unfinished` for what is left."""
        pool = self._pool = _Pool(self._work, map(_Task, _chunks(self.items, self.chunk_size)), self.concurrency)
        if self.decided:
            yield from self._report([self.decided])
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
            self._pool.abort()

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
        return max(0, len(self.items) + len(self.decided) - self.reported), in_flight

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


def _chunks(items: Sequence[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


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
        self._printed: DryRunStop | None = None  # --dry-run: requests printed, not sent (no outcome)
        self._stopping = threading.Event()  # Ctrl-C: drop everything
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

    def abort(self) -> None:
        """Stop at once: take no new task, and hand no failure of those under way to the caller."""
        self._stopping.set()
        self.halt()

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
                self.abort()
                raise msg
            else:
                yield msg
        if self._printed is not None:  # every task's request was printed (--dry-run): the run ends so
            raise self._printed

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
                except DryRunStop as printed:  # no answer will come: the other tasks are printed too
                    self._printed = printed
                    continue
                except BaseException as e:  # a bug: hand it to the caller's thread
                    if not self._stopping.is_set():
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
    chunks = list(_chunks(items, chunk_size))
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
        pool.abort()
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
