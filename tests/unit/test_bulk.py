"""The bulk engine against fake platforms (no HTTP): chunking, searching refused chunks, retries,
per-item results, re-runs. The CLI layer of the bulk commands is tested at the end (CliRunner)."""

from __future__ import annotations

import json
import os
import threading
import time
from collections import Counter

import pytest
from typer.testing import CliRunner

from trackerctl.api.connection import HttpxExchange
from trackerctl.api.errors import ApiError, OutcomeUnknown
from trackerctl.errors import AuthError, TransientError
from trackerctl.bulk import (
    BulkJob,
    CloneTrackers,
    DeleteClones,
    ImportBundles,
    Outcome,
    fetch_chunks,
    merge_states,
)


def by_status(outcomes) -> dict[str, list]:
    groups: dict[str, list] = {"succeeded": [], "skipped": [], "failed": [], "not_done": []}
    for o in outcomes:
        groups[o.status].append(o.item if o.status in ("succeeded", "skipped") else (o.item, o.code, o.description))
    return groups


class Recorder:
    """A fake `call`: records every body (thread-safe) and answers with `answer(body)`."""

    def __init__(self, answer):
        self.answer = answer
        self.bodies: list[dict] = []
        self.lock = threading.Lock()

    def __call__(self, body, idempotent):
        with self.lock:
            self.bodies.append(body)
        return self.answer(body, idempotent)


class Bundles:
    """A fake bundle/import: refuses a whole request with 247 when one IMEI exists."""

    def __init__(self, existing=()):
        self.existing = set(existing)
        self.imported = Counter()
        self.lock = threading.Lock()

    def __call__(self, body, idempotent):
        with self.lock:
            if self.existing & set(body["imeis"]):
                raise ApiError(247, "Entity already exists")
            self.existing.update(body["imeis"])
            self.imported.update(body["imeis"])
        return {"success": True}


class BundleList:
    """A fake panel/tracker/bundle/list over a Bundles platform: the dealer's bundles whose IMEI
    contains `filter`, paged by offset/limit, with `count`. IMEIs in `foreign` exist (import says
    247) but belong to another dealer, so the list does not show them."""

    def __init__(self, platform, foreign=(), refuse=None):
        self.platform = platform
        self.foreign = set(foreign)
        self.refuse = refuse
        self.bodies: list[dict] = []

    def __call__(self, path, body):
        assert path == "panel/tracker/bundle/list"
        self.bodies.append(body)
        if self.refuse:
            raise ApiError(self.refuse, "refused")
        with self.platform.lock:
            mine = sorted(i for i in self.platform.existing - self.foreign if body.get("filter", "") in i)
        page = mine[body["offset"] : body["offset"] + body["limit"]]
        return {"success": True, "list": [{"id": n, "imei": i} for n, i in enumerate(page)], "count": len(mine)}


def imeis(n, start=0):
    return [f"35{i:013d}" for i in range(start, start + n)]


# ---- chunking --------------------------------------------------------------------------------
def test_delete_splits_1200_ids_into_500_500_200():
    call = Recorder(lambda body, idem: {"success": True, "deleted_count": len(body["trackers"]), "not_deleted_count": 0})
    ids = list(range(1, 1201))
    out = list(BulkJob(call, DeleteClones(), {}, ids, chunk_size=500, concurrency=4).run())
    assert sorted(len(b["trackers"]) for b in call.bodies) == [200, 500, 500]
    assert sorted(i for b in call.bodies for i in b["trackers"]) == ids
    assert sorted(o.item for o in out) == ids and {o.status for o in out} == {"succeeded"}


def test_clone_splits_1200_ids_into_1000_200_and_keeps_the_other_fields():
    call = Recorder(lambda body, idem: {"success": True, "list": []})
    ids = list(range(1, 1201))
    out = list(BulkJob(call, CloneTrackers(), {"user_id": 7}, ids, chunk_size=1000, concurrency=2).run())
    assert sorted(len(b["tracker_ids"]) for b in call.bodies) == [200, 1000]
    assert all(b["user_id"] == 7 for b in call.bodies)
    assert len(out) == 1200


def test_concurrency_keeps_that_many_requests_in_flight():
    """Each request waits until 8 are in flight at once (a barrier, not a sleep): with fewer workers
    the barrier breaks and the job fails; 40 requests pass it 5 times."""
    together = threading.Barrier(8, timeout=10)
    passed = []

    def answer(body, idem):
        passed.append(together.wait())
        return {"success": True}

    out = list(BulkJob(answer, ImportBundles(), {}, imeis(40), chunk_size=1, concurrency=8).run())
    assert len(out) == 40 and len(passed) == 40 and not together.broken


def test_progress_counts_every_item_once():
    seen = []
    list(BulkJob(Bundles(imeis(3)), ImportBundles(), {}, imeis(50), chunk_size=7, concurrency=3, progress=seen.append).run())
    assert sum(seen) == 50


# ---- bundle import: existing IMEIs found inside refused chunks --------------------------------
def test_import_finds_one_existing_imei_among_500_with_few_requests():
    wanted = imeis(500)
    platform = Bundles(existing=[wanted[321]])
    call = Recorder(platform)
    out = by_status(BulkJob(call, ImportBundles(), {"equip_id": 1}, wanted, chunk_size=500, concurrency=4).run())
    assert out["skipped"] == [wanted[321]] and out["failed"] == []
    assert sorted(out["succeeded"]) == sorted(set(wanted) - {wanted[321]})
    assert all(n == 1 for n in platform.imported.values()) and len(platform.imported) == 499
    assert len(call.bodies) <= 2 * 9 + 1  # ~2*log2(500)
    assert all(b["equip_id"] == 1 for b in call.bodies)


def test_import_finds_scattered_existing_imeis():
    wanted = imeis(1000)
    existing = set(wanted[::97])  # 11 of them, spread over both chunks
    platform = Bundles(existing)
    call = Recorder(platform)
    out = by_status(BulkJob(call, ImportBundles(), {}, wanted, chunk_size=500, concurrency=4).run())
    assert set(out["skipped"]) == existing
    assert set(out["succeeded"]) == set(wanted) - existing
    assert sum(platform.imported.values()) == len(platform.imported) == 1000 - len(existing)
    assert len(call.bodies) < 250  # plain halving would cost about 2*11*log2(1000/11) = 143; singles 1000


def test_import_run_twice_ends_the_same_all_skipped_with_about_one_request_per_imei():
    wanted = imeis(1500)
    platform = Bundles()
    first = by_status(BulkJob(Recorder(platform), ImportBundles(), {}, wanted, chunk_size=500).run())
    assert len(first["succeeded"]) == 1500
    call = Recorder(platform)
    second = by_status(BulkJob(call, ImportBundles(), {}, wanted, chunk_size=500).run())
    assert sorted(second["skipped"]) == sorted(wanted) and not second["succeeded"] and not second["failed"]
    assert sum(platform.imported.values()) == 1500
    assert len(call.bodies) < 1.35 * 1500  # plain halving: 2*1500 - 3


def test_a_re_run_after_an_interrupt_costs_about_a_fresh_run():
    """Interrupted at 4,580 of 5,000: the refused chunks' IMEIs are looked up in the bundle list,
    read once with the job's common prefix as filter (5 pages), not found one request per IMEI."""
    wanted = imeis(5000)
    fresh_platform = Bundles()
    fresh = Recorder(fresh_platform)
    list(BulkJob(fresh, ImportBundles(), {}, wanted, chunk_size=500, read=BundleList(fresh_platform)).run())
    platform = Bundles(existing=wanted[:4580])
    call, read = Recorder(platform), BundleList(platform)
    out = by_status(BulkJob(call, ImportBundles(), {}, wanted, chunk_size=500, read=read).run())
    assert sorted(out["skipped"]) == wanted[:4580] and sorted(out["succeeded"]) == wanted[4580:] and not out["failed"]
    assert sum(platform.imported.values()) == len(platform.imported) == 420
    assert len(read.bodies) == 5 and {b["filter"] for b in read.bodies} == {"35000000000"}  # the job's prefix, once
    assert len(call.bodies) + len(read.bodies) <= 1.7 * len(fresh.bodies)  # 10 imports + 5 pages + 1 rest; fresh 10


def test_the_lookup_leaves_to_the_search_what_the_list_cannot_explain():
    wanted = imeis(1000)
    foreign = {wanted[7], wanted[700]}  # another dealer's: 247, but not in this dealer's list
    platform = Bundles(existing=set(wanted[:300]) | foreign)
    call, read = Recorder(platform), BundleList(platform, foreign=foreign)
    out = by_status(BulkJob(call, ImportBundles(), {}, wanted, chunk_size=500, read=read).run())
    assert set(out["skipped"]) == set(wanted[:300]) | foreign and not out["failed"]
    assert set(out["succeeded"]) == set(wanted) - set(out["skipped"])
    assert len(call.bodies) < 60


@pytest.mark.parametrize("read", [BundleList(Bundles(), refuse=13), None], ids=["list-refused", "no-read"])
def test_without_a_lookup_the_search_finds_them(read):
    wanted = imeis(600)
    platform = Bundles(existing=wanted[:50])
    if read is not None:
        read.platform = platform
    out = by_status(BulkJob(Recorder(platform), ImportBundles(), {}, wanted, chunk_size=500, read=read).run())
    assert sorted(out["skipped"]) == wanted[:50] and sorted(out["succeeded"]) == wanted[50:]


def test_a_list_too_long_to_read_is_not_read():
    """The list's first page says how many pages it has; more than the search is expected to cost
    (one culprit in 500: about 10 requests) and it is not read further."""
    wanted = [f"{n:015d}" for n in range(10**14, 10**14 + 500 * 7919, 7919)]  # no common prefix worth one
    platform = Bundles(existing=[wanted[3]] + [f"9{n:014d}" for n in range(20_000)])
    read = BundleList(platform)
    out = by_status(BulkJob(Recorder(platform), ImportBundles(), {}, wanted, chunk_size=500, read=read).run())
    assert out["skipped"] == [wanted[3]] and len(read.bodies) == 1


def test_import_uses_the_list_of_existing_imeis_when_the_answer_gives_one():
    wanted = imeis(10)

    def answer(body, idem):
        found = [i for i in body["imeis"] if i in wanted[:3]]
        if found:
            raise ApiError(247, "Entity already exists", extra={"list": found})
        return {"success": True}

    call = Recorder(answer)
    out = by_status(BulkJob(call, ImportBundles(), {}, wanted, chunk_size=10).run())
    assert out["skipped"] == wanted[:3] and sorted(out["succeeded"]) == wanted[3:]
    assert len(call.bodies) == 2


def test_import_with_unknown_equipment_stops_and_reports_every_item():
    call = Recorder(lambda body, idem: (_ for _ in ()).throw(ApiError(204, "Entity not found")))
    job = BulkJob(call, ImportBundles(), {"equip_id": 9}, imeis(2000), chunk_size=100, concurrency=2)
    out = list(job.run())
    # never "failed with 204": the items are not at fault, and most were never sent
    assert len(out) == 2000 and {(o.status, o.code) for o in out} == {("not_done", None)}
    assert len(call.bodies) <= 2  # the chunks in flight; nothing more was sent
    assert job.stopped_by.code == 204
    assert any(o.description.startswith("not sent: error 204") for o in out)
    assert any(o.description.startswith("not done: error 204") for o in out)  # the chunks that were refused


def test_import_halves_a_chunk_that_is_too_large():
    def answer(body, idem):
        if len(body["imeis"]) > 100:
            raise ApiError(9, "Too large request")
        return {"success": True}

    call = Recorder(answer)
    out = list(BulkJob(call, ImportBundles(), {}, imeis(400), chunk_size=400).run())
    assert {o.status for o in out} == {"succeeded"} and len(out) == 400
    assert Counter(len(b["imeis"]) for b in call.bodies) == Counter({400: 1, 200: 2, 100: 4})


# ---- failures and retries ---------------------------------------------------------------------
def test_a_chunk_is_sent_once_the_client_being_the_one_retry_layer():
    """A chunk the client gave up on (not processed after every attempt) fails with the code; the
    engine does not send it again, and the other chunks go on."""
    def answer(body, idem):
        if 5 in body["trackers"]:
            raise ApiError(8, "Queue service error, try again later")
        return {"success": True, "deleted_count": len(body["trackers"]), "not_deleted_count": 0}

    call = Recorder(answer)
    job = BulkJob(call, DeleteClones(), {}, list(range(1, 21)), chunk_size=5)
    out = by_status(job.run())
    assert out["failed"] == [(i, 8, "error 8: Queue service error, try again later") for i in range(1, 6)]
    assert sorted(out["succeeded"]) == list(range(6, 21))
    assert len(call.bodies) == 4 and job.reached and job.stopped_by is None


def test_a_server_that_refuses_everything_stops_the_job_after_a_few_chunks():
    call = Recorder(lambda body, idem: (_ for _ in ()).throw(TransientError("cannot connect to http://127.0.0.1:9: refused")))
    job = BulkJob(call, DeleteClones(), {}, list(range(1, 1001)), chunk_size=10, concurrency=2)
    out = by_status(job.run())
    assert len(call.bodies) <= 2  # nothing was ever answered: the first failure stops it, and one more was under way
    assert len(out["failed"]) == 10 * len(call.bodies) and len(out["not_done"]) == 1000 - len(out["failed"])
    assert out["not_done"][-1] == (1000, None, "not sent: cannot connect to http://127.0.0.1:9: refused")
    assert isinstance(job.stopped_by, TransientError) and not job.reached


def test_unknown_outcome_fails_the_chunk_once_the_client_gave_up():
    """The client repeats an unknown outcome for idempotent actions (it is told so), never the engine."""
    def answer(body, idem):
        raise OutcomeUnknown("connection lost: the request was sent")

    for strategy in (DeleteClones(), CloneTrackers(), CloneTrackers(ignore_existing=True)):
        call = Recorder(answer)
        out = by_status(BulkJob(call, strategy, {"user_id": 3}, [1, 2], chunk_size=2).run())
        assert [(i, c) for i, c, _ in out["failed"]] == [(1, None), (2, None)]
        assert out["failed"][0][2].startswith("outcome unknown") and len(call.bodies) == 1


def test_the_client_is_told_which_actions_may_be_repeated():
    seen = []
    for strategy in (ImportBundles(), DeleteClones(), CloneTrackers(), CloneTrackers(ignore_existing=True)):
        list(BulkJob(lambda body, idem: seen.append(idem) or {"success": True}, strategy, {}, [1], chunk_size=1).run())
    assert seen == [True, True, False, True]


def test_an_auth_error_stops_the_job():
    call = Recorder(lambda body, idem: (_ for _ in ()).throw(AuthError("not logged in to the panel API")))
    job = BulkJob(call, DeleteClones(), {}, list(range(1, 101)), chunk_size=10, concurrency=1)
    out = list(job.run())
    assert len(call.bodies) == 1 and len(out) == 100 and isinstance(job.stopped_by, AuthError)
    assert {o.status for o in out} == {"not_done"} and {o.code for o in out} == {None}


def test_a_bug_in_the_call_is_raised_in_the_callers_thread():
    def answer(body, idem):
        raise ZeroDivisionError("bug")

    with pytest.raises(ZeroDivisionError):
        list(BulkJob(answer, DeleteClones(), {}, [1, 2, 3], chunk_size=1).run())


# ---- delete clones: results per item ------------------------------------------------------------
def test_delete_reads_not_deleted_trackers():
    def answer(body, idem):
        problems = [{"id": 2, "error": "Not a clone"}, {"id": 3, "error": "Entity not found"}, {"id": 4, "error": "Already deleted"},
                    {"id": 99, "error": "Not a clone"}]  # an id the request did not have: reported all the same
        return {"success": True, "deleted_count": 2, "not_deleted_count": 4, "not_deleted_trackers": problems}

    out = by_status(BulkJob(answer, DeleteClones(), {}, [1, 2, 3, 4, 5], chunk_size=500).run())
    assert out == {
        "succeeded": [1, 5],
        "skipped": [4],
        "failed": [(2, None, "Not a clone"), (3, None, "Entity not found"), (99, None, "Not a clone")],
        "not_done": [],
    }


def test_delete_is_idempotent_on_a_second_run():
    deleted: set[int] = set()

    def answer(body, idem):
        problems = [{"id": i, "error": "Already deleted"} for i in body["trackers"] if i in deleted]
        deleted.update(body["trackers"])
        return {"success": True, "deleted_count": len(body["trackers"]) - len(problems),
                "not_deleted_count": len(problems), "not_deleted_trackers": problems}

    ids = list(range(1, 1201))
    first = by_status(BulkJob(answer, DeleteClones(), {}, ids, chunk_size=500).run())
    second = by_status(BulkJob(answer, DeleteClones(), {}, ids, chunk_size=500).run())
    assert sorted(first["succeeded"]) == ids and sorted(second["skipped"]) == ids


def test_delete_does_not_trust_an_answer_that_counts_more_failures_than_it_names():
    answer = lambda body, idem: {"success": True, "deleted_count": 0, "not_deleted_count": 2, "not_deleted_trackers": []}  # noqa: E731
    out = by_status(BulkJob(answer, DeleteClones(), {}, [1, 2], chunk_size=2).run())
    assert [i for i, _, _ in out["failed"]] == [1, 2]


# ---- batch clone ---------------------------------------------------------------------------------
class Cloner:
    """A fake batch_clone as the platform's docs describe it (spec auth-and-sessions.md): all or
    nothing; 247 with the ids the user already has a clone of; 219 for a clone in the list (without
    naming it); `list` holds the new clones' ids, `ignored_trackers` the skipped ones."""

    def __init__(self, existing=(), clones=()):
        self.existing = set(existing)
        self.clones = set(clones)
        self.made = Counter()
        self.lock = threading.Lock()

    def __call__(self, body, idem):
        ids = body["tracker_ids"]
        with self.lock:
            if self.clones & set(ids):
                raise ApiError(219, "Not allowed for clones of the device")
            have = [i for i in ids if i in self.existing]
            if have and not body.get("ignore_existing"):
                raise ApiError(247, "Entity already exists", extra={"list": have})
            new = [i for i in ids if i not in self.existing]
            self.existing.update(new)
            self.made.update(new)
            answer = {"success": True, "list": [10_000 + i for i in new]}
            if body.get("ignore_existing"):
                answer["ignored_trackers"] = have
            return answer


def test_clone_skips_what_exists_finds_clones_and_clones_the_rest():
    ids = list(range(1, 1201))
    platform = Cloner(existing=[5, 600, 1100], clones=[42])
    call = Recorder(platform)
    out = by_status(BulkJob(call, CloneTrackers(), {"user_id": 9}, ids, chunk_size=1000).run())
    assert sorted(out["skipped"]) == [5, 600, 1100]
    assert out["failed"] == [(42, 219, "Not allowed for clones of the device")]
    assert sorted(out["succeeded"]) == sorted(set(ids) - {5, 600, 1100, 42})
    assert all(n == 1 for n in platform.made.values())
    assert len(call.bodies) < 40


def test_clone_with_ignore_existing_skips_the_ignored_trackers():
    platform = Cloner(existing=[2])
    out = by_status(BulkJob(platform, CloneTrackers(True), {"user_id": 9, "ignore_existing": True}, [1, 2, 3], chunk_size=10).run())
    assert out["skipped"] == [2] and out["succeeded"] == [1, 3]


def test_an_accepted_clone_request_without_ignore_existing_cloned_every_tracker():
    """All or nothing: a success is every tracker cloned, whatever `list` holds (here: nothing)."""
    out = by_status(BulkJob(lambda body, idem: {"success": True, "list": []}, CloneTrackers(), {"user_id": 9},
                            [1, 2, 3], chunk_size=10).run())
    assert out["succeeded"] == [1, 2, 3] and not out["skipped"]


def test_clone_fails_the_trackers_an_answer_names_and_re_sends_the_rest():
    def answer(body, idem):
        ids = body["tracker_ids"]
        for code, bad in ((201, {3}), (219, {5}), (246, {7})):
            named = [i for i in ids if i in bad]
            if named:
                raise ApiError(code, f"d{code}", extra={"list": named})
        return {"success": True, "list": [100 + i for i in ids]}

    call = Recorder(answer)
    out = by_status(BulkJob(call, CloneTrackers(), {"user_id": 9}, list(range(1, 11)), chunk_size=10).run())
    assert out["failed"] == [(3, 201, "d201"), (5, 219, "d219"), (7, 246, "d246")]
    assert out["succeeded"] == [1, 2, 4, 6, 8, 9, 10] and len(call.bodies) == 4


def test_clone_to_no_such_user_stops_the_job():
    call = Recorder(lambda body, idem: (_ for _ in ()).throw(ApiError(246, "Invalid user ID")))
    job = BulkJob(call, CloneTrackers(), {"user_id": 9}, list(range(1, 3001)), chunk_size=1000, concurrency=1)
    out = list(job.run())
    assert len(call.bodies) == 1 and len(out) == 3000 and {(o.status, o.code) for o in out} == {("not_done", None)}


# ---- interrupt -----------------------------------------------------------------------------------
def test_interrupt_stops_taking_work_and_passes_on_what_finishes_in_time():
    def answer(body, idem):
        time.sleep(0.05)
        return {"success": True}

    job = BulkJob(answer, ImportBundles(), {}, imeis(100), chunk_size=10, concurrency=2)
    seen: list[Outcome] = []
    with pytest.raises(KeyboardInterrupt):
        for outcome in job.run():
            seen.append(outcome)
            if len(seen) == 10:
                raise KeyboardInterrupt
    seen += job.finish(grace=2)
    pending, in_flight = job.unfinished()
    assert len(seen) + pending == 100 and 10 < len(seen) <= 40 and in_flight == 0
    assert len({o.item for o in seen}) == len(seen)


def test_interrupt_with_no_grace_abandons_the_requests_under_way():
    release, first = threading.Event(), threading.Lock()

    def answer(body, idem):
        if not first.acquire(blocking=False):  # every request but the first hangs until the test ends
            release.wait(10)
        return {"success": True}

    job = BulkJob(answer, ImportBundles(), {}, imeis(100), chunk_size=10, concurrency=2)
    try:
        with pytest.raises(KeyboardInterrupt):
            for _ in job.run():
                raise KeyboardInterrupt
        assert list(job.finish(grace=0)) == []
        assert job.unfinished() == (99, 20)  # 9 finished with the first but were never passed on
    finally:
        release.set()


# ---- get_states -----------------------------------------------------------------------------------
def test_fetch_chunks_keeps_chunk_order_and_merge_gives_one_answer():
    def answer(body):
        ids = body["trackers"]
        time.sleep(0.01 * (5 - len(ids)))  # later chunks answer first
        return {"success": True, "user_time": f"2026-01-01 00:00:0{len(ids)}",
                "states": {str(i): {"battery_level": i} for i in ids if i != 4}, "not_exist": [4] if 4 in ids else []}

    answers = fetch_chunks(answer, {"allow_not_exist": True}, "trackers", [1, 2, 3, 4, 5, 6, 7], chunk_size=3, concurrency=3)
    merged = merge_states(answers)
    assert list(merged) == ["success", "user_time", "states", "not_exist"]
    assert list(merged["states"]) == ["1", "2", "3", "5", "6", "7"] and merged["not_exist"] == [4]
    assert merged["user_time"] == "2026-01-01 00:00:03"


def test_fetch_chunks_raises_the_first_error():
    def answer(body):
        if 2 in body["trackers"]:
            raise ApiError(217, "List contains nonexistent entities")
        return {"success": True, "states": {}}

    with pytest.raises(ApiError) as e:
        fetch_chunks(answer, {}, "trackers", [1, 2, 3], chunk_size=1)
    assert e.value.code == 217


# ---- the CLI layer: argv in, requests out (--dry-run), no network ---------------------------------
@pytest.fixture
def env(tmp_path):
    return {
        "TRACKERCTL_CONFIG": str(tmp_path / "cfg" / "config.toml"),
        "TRACKERCTL_KEYRING": "file",
        "TRACKERCTL_HASH": "a" * 32,
        "TRACKERCTL_PANEL_HASH": "b" * 32,
        "TRACKERCTL_API_URL": "us",
    }


def run(env, *args, input=None):
    from trackerctl.cli.app import build_cli
    from trackerctl.cli.context import AppContext

    return CliRunner().invoke(build_cli(), list(args), obj=AppContext(env=env), input=input)


def bodies(result) -> list[dict]:
    return [json.loads(line)["body"] for line in result.stdout.splitlines()]


def test_cli_dry_run_prints_one_request_per_chunk(env):
    ids = [str(i) for i in range(1, 1201)]
    deleted = run(env, "--dry-run", "panel", "tracker", "batch-delete-clones", *ids)
    assert deleted.exit_code == 0, deleted.stderr
    assert [len(b["trackers"]) for b in bodies(deleted)] == [500, 500, 200]
    assert bodies(deleted)[2]["trackers"][-1] == 1200  # ints
    cloned = run(env, "--dry-run", "panel", "tracker", "batch-clone", *ids, "--user-id", "9", "--ignore-existing")
    assert [(len(b["tracker_ids"]), b["user_id"], b["ignore_existing"]) for b in bodies(cloned)] == [(1000, 9, True), (200, 9, True)]
    states = run(env, "--dry-run", "tracker", "get-states", "1", "2", "3", "--chunk-size", "2", "--allow-not-exist")
    assert bodies(states) == [{"trackers": [1, 2], "allow_not_exist": True}, {"trackers": [3], "allow_not_exist": True}]


def test_cli_ids_from_a_csv_file_stdin_and_arguments_keep_their_type_and_lose_repeats(env, tmp_path):
    csv_file = tmp_path / "bundles.csv"
    csv_file.write_text("# supplier batch 7\nimei,model\n012345678901234,fmb920\n\n350000000000001,fmb920\n")
    done = run(env, "--dry-run", "panel", "bundle", "import", "350000000000001", "--from-file", str(csv_file),
               "--equip-id", "13785", "--no-factory-preset")
    assert done.exit_code == 0, done.stderr
    assert bodies(done) == [{"imeis": ["350000000000001", "012345678901234"], "equip_id": 13785, "factory_preset": False}]
    assert "1 repeated IMEIs left out" in done.stderr
    piped = run(env, "--dry-run", "panel", "bundle", "import", "--equip-id", "13785", "--factory-preset", input="111\n222\n")
    assert bodies(piped)[0]["imeis"] == ["111", "222"]


@pytest.mark.parametrize("args", [
    ("panel", "bundle", "import", "3500x", "--equip-id", "1", "--no-factory-preset"),
    ("panel", "bundle", "import", "3500", "--equip-id", "1", "--no-factory-preset", "--chunk-size", "0"),
    ("panel", "bundle", "import", "3500", "--equip-id", "1", "--no-factory-preset", "--chunk-size", "1001"),
    ("panel", "tracker", "batch-delete-clones", "1", "--yes", "--chunk-size", "501"),
    ("panel", "tracker", "batch-clone", "1", "--user-id", "2", "--chunk-size", "1001"),
    ("panel", "tracker", "batch-clone", "0", "--user-id", "2"),
    ("tracker", "get-states", "1", "--concurrency", "0"),
    ("tracker", "get-states", "1", "--concurrency", "65"),
    ("tracker", "get-states", "x"),
    ("panel", "tracker", "batch-delete-clones", "1"),  # destructive, no terminal, no --yes
])
def test_cli_checks_everything_before_sending(env, args):
    result = run(env, *args)
    assert result.exit_code == 2, result.stderr
    assert result.stdout == ""


# ---- the client shared by the workers ------------------------------------------------------------
def test_threads_sharing_the_client_look_the_credential_up_once_and_renew_it_once():
    import httpx

    from trackerctl.api.client import ApiClient, RetryPolicy

    looked_up, renewals = [], []

    def handler(request):
        time.sleep(0.01)
        if request.headers["Authorization"] == "NVX old":
            return httpx.Response(400, json={"success": False, "status": {"code": 4, "description": "session ended"}})
        return httpx.Response(200, json={"success": True})

    def credential(api):
        looked_up.append(api)
        return "old"

    def renew(api):
        renewals.append(api)
        time.sleep(0.05)
        return "new"

    exchange = HttpxExchange(transport=httpx.MockTransport(handler), max_connections=16)
    client = ApiClient("https://api.example.com/v2", credential=credential, renew=renew, exchange=exchange,
                       retry=RetryPolicy(attempts=2, base_delay=0, max_delay=0))
    call = lambda body, idem: client.call("panel/tracker/batch_delete_clones", body, api="panel", read_only=False,  # noqa: E731
                                          idempotent=idem)
    out = list(BulkJob(call, DeleteClones(), {}, list(range(1, 161)), chunk_size=5, concurrency=16).run())
    assert {o.status for o in out} == {"succeeded"} and len(out) == 160
    assert looked_up == ["panel"] and renewals == ["panel"]


# ---- the CLI's verdict on a job that stopped or reached nothing -----------------------------------
def scripted(env, answer, attempts=2, terminal=None):
    """An AppContext whose client answers through `answer(path, body) -> (status, json)` in-process."""
    import httpx

    from trackerctl.api.client import ApiClient, RetryPolicy
    from trackerctl.cli.context import AppContext

    sent: list[tuple[str, dict]] = []

    def handler(request):
        path = request.url.path.split("/v2/", 1)[1]
        body = json.loads(request.content)
        sent.append((path, body))
        status, content = answer(path, body, len(sent))
        return httpx.Response(status, json=content)

    app = AppContext(env=env, terminal=terminal)
    app._client = ApiClient("https://api.us.navixy.com/v2", credential=lambda api: "b" * 32,
                            exchange=HttpxExchange(transport=httpx.MockTransport(handler)),
                            retry=RetryPolicy(attempts=attempts, base_delay=0.001))
    return app, sent


def invoke(app, *args):
    from trackerctl.cli.app import build_cli

    return CliRunner().invoke(build_cli(), list(args), obj=app)


ENDED = {"success": False, "status": {"code": 4, "description": "User or API key not found or session ended"}}


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_cli_a_job_stopped_by_the_session_reports_what_finished_and_what_was_not_done(env, fmt):
    """The session ends after the first chunk and cannot be renewed: exit 3, and json and jsonl
    alike name the finished items and the rest as not_done (never as failed with code 4)."""
    app, sent = scripted(env, lambda path, body, n: (200, {"success": True}) if n == 1 else (403, ENDED))
    wanted = imeis(1500)
    result = invoke(app, "-o", fmt, "panel", "bundle", "import", *wanted, "--equip-id", "1", "--no-factory-preset",
                    "--concurrency", "1")
    assert result.exit_code == 3, result.stderr
    assert len(sent) == 2  # the chunk that met the ended session; nothing more was sent
    if fmt == "json":
        out = json.loads(result.stdout)
        assert out["succeeded"] == wanted[:500] and out["skipped"] == [] and out["failed"] == []
        assert [n["item"] for n in out["not_done"]] == wanted[500:]
    else:
        rows = [json.loads(line) for line in result.stdout.splitlines()]
        assert [r["status"] for r in rows] == ["succeeded"] * 500 + ["not_done"] * 1000
        assert {r["code"] for r in rows} == {None} and [r["item"] for r in rows] == wanted
    assert "1000 not done" in result.stderr and '"code": 4' in result.stderr  # the API error body, json mode


def test_cli_a_job_that_reached_nothing_is_exit_5_not_6(env):
    import httpx

    def down(path, body, n):
        raise httpx.ConnectError("connection refused")

    app, sent = scripted(env, down)
    result = invoke(app, "-o", "json", "panel", "tracker", "batch-delete-clones", *map(str, range(1, 2001)), "--yes",
                    "--concurrency", "1")
    assert result.exit_code == 5, result.stderr
    assert len(sent) == 2  # one chunk, tried TRACKERCTL_MAX_ATTEMPTS times by the client alone: out of reach
    out = json.loads(result.stdout)
    assert len(out["failed"]) + len(out["not_done"]) == 2000 and not out["succeeded"]


def test_cli_a_chunk_refused_unprocessed_is_sent_max_attempts_times_in_all(env):
    """One retry layer: the client's attempts, nothing more from the engine (was up to 24 sends)."""
    busy = {"success": False, "status": {"code": 8, "description": "Queue service error, try again later"}}
    app, sent = scripted(env, lambda path, body, n: (503, busy) if 5 in body["trackers"] else
                         (200, {"success": True, "not_deleted_count": 0}), attempts=3)
    result = invoke(app, "-o", "json", "panel", "tracker", "batch-delete-clones", *map(str, range(1, 21)), "--yes",
                    "--chunk-size", "5")
    assert result.exit_code == 6, result.stderr
    assert sum(5 in body["trackers"] for _, body in sent) == 3
    assert json.loads(result.stdout)["failed"] == [
        {"item": i, "code": 8, "description": "error 8: Queue service error, try again later"} for i in range(1, 6)]


def test_cli_batch_delete_clones_reports_ids_it_did_not_ask_for_and_exits_6(env):
    answer = {"success": True, "deleted_count": 1, "not_deleted_count": 1, "not_deleted_trackers": [{"id": 2, "error": "Not a clone"}]}
    app, _ = scripted(env, lambda path, body, n: (200, answer))
    result = invoke(app, "-o", "json", "panel", "tracker", "batch-delete-clones", "1", "--yes")
    assert result.exit_code == 6, result.stderr
    assert json.loads(result.stdout) == {"succeeded": [1], "skipped": [], "failed": [{"item": 2, "code": None, "description": "Not a clone"}]}


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv"])
def test_cli_a_job_stopped_before_anything_was_done_prints_nothing(env, fmt):
    """Stopped by its first answer (no such equipment): the error alone, stdout empty (contract 4)."""
    no_equipment = {"success": False, "status": {"code": 204, "description": "Entity not found"}}
    app, sent = scripted(env, lambda path, body, n: (400, no_equipment))
    result = invoke(app, "-o", fmt, "panel", "bundle", "import", *imeis(1500), "--equip-id", "9", "--no-factory-preset",
                    "--concurrency", "1")
    assert (result.exit_code, result.stdout, len(sent)) == (4, "", 1), result.stderr


# ---- --failed-to FILE, and the table on a terminal (contract section 11) ----------------------------
def not_clones(path, body, n):
    """batch_delete_clones where every multiple of 3 is not a clone."""
    refused = [i for i in body["trackers"] if i % 3 == 0]
    return 200, {"success": True, "deleted_count": len(body["trackers"]) - len(refused), "not_deleted_count": len(refused),
                 "not_deleted_trackers": [{"id": i, "error": "Not a clone"} for i in refused]}


def test_cli_failed_to_writes_the_failed_items_in_the_order_asked_ready_for_from_file(env, tmp_path):
    app, sent = scripted(env, not_clones)
    left = tmp_path / "left.txt"
    left.write_text("stale list of a run before\n")
    asked = [10, 9, 8, 7, 6, 5, 4, 3, 2, 1]
    result = invoke(app, "-o", "json", "panel", "tracker", "batch-delete-clones", *map(str, asked), "--yes", "--chunk-size", "4",
                    "--failed-to", str(left))
    assert result.exit_code == 6, result.stderr
    assert left.read_text() == "9\n6\n3\n"
    assert f"3 items left to do written to {left}" in result.stderr
    assert [f["item"] for f in json.loads(result.stdout)["failed"]] == [9, 6, 3]  # stdout is the result, as ever
    again = run(env, "--dry-run", "panel", "tracker", "batch-delete-clones", "--from-file", str(left), "--yes")
    assert bodies(again) == [{"trackers": [9, 6, 3]}]
    # a run where everything was done leaves an empty file, not the list of the run before
    app, _ = scripted(env, not_clones)
    done = invoke(app, "-o", "json", "panel", "tracker", "batch-delete-clones", "1", "2", "--yes", "--failed-to", str(left))
    assert done.exit_code == 0, done.stderr
    assert left.read_text() == "" and "left to do" not in done.stderr


def test_cli_failed_to_keeps_what_a_stopped_job_did_not_do_imeis_as_given(env, tmp_path):
    app, sent = scripted(env, lambda path, body, n: (200, {"success": True}) if n == 1 else (403, ENDED))
    wanted = ["0" + imei[1:] for imei in imeis(12)]  # leading zeros stay
    left = tmp_path / "left.csv"
    result = invoke(app, "-o", "jsonl", "panel", "bundle", "import", *wanted, "--equip-id", "1", "--no-factory-preset",
                    "--chunk-size", "5", "--concurrency", "1", "--failed-to", str(left))
    assert result.exit_code == 3, result.stderr
    assert left.read_text().splitlines() == wanted[5:]
    again = run(env, "--dry-run", "panel", "bundle", "import", "--from-file", str(left), "--equip-id", "1", "--no-factory-preset")
    assert [b["imeis"] for b in bodies(again)] == [wanted[5:]]
    # stopped by its first answer: nothing done, every item left to do
    no_equipment = {"success": False, "status": {"code": 204, "description": "Entity not found"}}
    app, _ = scripted(env, lambda path, body, n: (400, no_equipment))
    stopped = invoke(app, "-o", "csv", "panel", "bundle", "import", *wanted, "--equip-id", "9", "--no-factory-preset",
                     "--concurrency", "1", "--failed-to", str(left))
    assert (stopped.exit_code, stopped.stdout) == (4, "")
    assert left.read_text().splitlines() == wanted


def test_cli_failed_to_writes_nothing_under_dry_run(env, tmp_path):
    left = tmp_path / "left.txt"
    result = run(env, "--dry-run", "panel", "tracker", "batch-clone", "1", "2", "--user-id", "5", "--failed-to", str(left))
    assert result.exit_code == 0, result.stderr
    assert not left.exists()


def unwritable(tmp_path):
    (tmp_path / "dir").mkdir()
    yield str(tmp_path / "dir"), "it is a directory"
    yield str(tmp_path / "missing" / "left.txt"), f"no directory {tmp_path / 'missing'}"
    (tmp_path / "file").write_text("")
    yield str(tmp_path / "file" / "left.txt"), "no directory"  # a file where the directory should be
    yield "-", "give a file name"
    if os.geteuid() != 0:  # root may write anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        yield str(locked / "left.txt"), "permission denied"
        (tmp_path / "readonly.txt").write_text("")
        (tmp_path / "readonly.txt").chmod(0o400)
        yield str(tmp_path / "readonly.txt"), "permission denied"


@pytest.mark.parametrize("command", [
    ("panel", "bundle", "import", "350000000000001", "--equip-id", "1", "--no-factory-preset"),
    ("panel", "tracker", "batch-delete-clones", "1", "--yes"),
    ("panel", "tracker", "batch-clone", "1", "--user-id", "2"),
])
def test_cli_failed_to_a_file_that_cannot_be_written_is_refused_before_sending(env, tmp_path, command):
    for path, reason in unwritable(tmp_path):
        app, sent = scripted(env, not_clones)
        result = invoke(app, *command, "--failed-to", path)
        assert (result.exit_code, result.stdout, sent) == (2, "", []), (path, result.stderr)
        (line,) = result.stderr.splitlines()
        assert "--failed-to" in line and reason in line, line


def test_cli_get_states_is_a_read_without_failed_to(env):
    result = run(env, "tracker", "get-states", "1", "--failed-to", "x.txt")
    assert result.exit_code == 2 and "--failed-to" in result.stderr


def test_cli_bulk_table_on_a_terminal_shows_the_failed_items_and_one_summary_line(env):
    from trackerctl.output import Terminal

    terminal = Terminal(stdout_tty=True, width=100, no_color=True)
    app, _ = scripted(env, not_clones, terminal=terminal)
    result = invoke(app, "panel", "tracker", "batch-delete-clones", *map(str, range(1, 1001)), "--yes")
    assert result.exit_code == 6
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["item", "status", "code", "description"]
    assert [line.split()[:2] for line in lines[2:-1]] == [[str(i), "failed"] for i in range(3, 1001, 3)]
    assert lines[-1] == "667 succeeded, 0 skipped, 333 failed (-o csv lists every item)"
    assert "succeeded" not in result.stderr and "333 of 1000 items failed" in result.stderr
    for fmt in ("table", "csv"):  # a table in a pipe, csv: a header and every item
        app, _ = scripted(env, not_clones)
        every = invoke(app, "-o", fmt, "panel", "tracker", "batch-delete-clones", *map(str, range(1, 1001)), "--yes")
        assert len(every.stdout.splitlines()) == 1 + 1000
