"""The journal of a run that writes (trackerctl/fleet/journal.py): written, then read back; what
`read` refuses (a file that is not ours) and what it tolerates (a last line a kill cut short)."""

from __future__ import annotations

import json
import stat
import threading
from pathlib import Path

import pytest

from trackerctl.errors import EXIT_USAGE, UsageError
from trackerctl.fleet.journal import FAILED, MARK, SUCCEEDED, UNKNOWN, Journal, journals, read

HEADER = {"action": "panel/tracker/settings/update", "api": "panel", "command": "panel tracker settings update",
          "profile": "default", "api_url": "sandbox"}


def new(tmp_path: Path, **header) -> Journal:
    return Journal(tmp_path / "state" / "trackerctl" / "journal", {**HEADER, **header})


def refused(path: Path) -> str:
    with pytest.raises(UsageError) as raised:
        read(path)
    assert raised.value.exit_code == EXIT_USAGE
    assert "\n" not in raised.value.message
    return raised.value.message


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_written_then_read_back(tmp_path):
    journal = new(tmp_path)
    one = journal.planned(101, {"tracker_id": 101, "label": "Van 1", "deleted": False},
                          {"label": "Truck 1", "deleted": False, "comment": ""})
    two = journal.planned(102, {"tracker_id": 102, "label": "Van 2", "deleted": False})
    three = journal.planned(103, {"tracker_id": 103, "label": "Van 3", "deleted": False}, {"label": "Ünïcode ✓"})
    journal.planned(104, {"tracker_id": 104, "label": "Van 4", "deleted": False})  # never an outcome: killed
    journal.outcome(two, 102, FAILED, code=201, description="Not found in the database")
    journal.outcome(one, 101, SUCCEEDED, answer={"success": True, "id": 7})
    journal.outcome(three, 103, UNKNOWN, description="timed out")
    journal.close()
    assert (one, two, three) == (1, 2, 3)
    path = journal.path
    assert path is not None and path.parent == tmp_path / "state" / "trackerctl" / "journal"
    assert path.name.endswith("-panel.tracker.settings.update.jsonl")
    written = lines(path)
    assert written[0][MARK] == 1 and written[0]["action"] == HEADER["action"] and "started" in written[0]
    assert written[1] == {"n": 1, "item": 101, "request": {"tracker_id": 101, "label": "Van 1", "deleted": False},
                          "before": {"label": "Truck 1", "deleted": False, "comment": ""}}
    assert "before" not in written[2]
    assert written[5] == {"n": 2, "item": 102, "status": "failed", "code": 201, "description": "Not found in the database"}
    assert written[6] == {"n": 1, "item": 101, "status": "succeeded", "answer": {"id": 7}}  # "success" left out

    run = read(path)
    assert run.action == HEADER["action"] and run.header["profile"] == "default" and run.path == path
    assert [e.n for e in run.entries] == [1, 2, 3, 4]
    first, second, third, fourth = run.entries
    assert (first.item, first.status, first.answer, first.before) == (101, SUCCEEDED, {"id": 7},
                                                                     {"label": "Truck 1", "deleted": False, "comment": ""})
    assert first.request == {"tracker_id": 101, "label": "Van 1", "deleted": False}
    assert (second.status, second.code, second.description, second.before) == (FAILED, 201, "Not found in the database", None)
    assert (third.status, third.before) == (UNKNOWN, {"label": "Ünïcode ✓"})
    assert (fourth.item, fourth.status) == (104, None)
    assert list(journals(path.parent)) == [path]


def test_secrets_in_a_request_are_masked(tmp_path):
    journal = new(tmp_path, action="panel/tracker/clone")
    journal.planned(1, {"tracker_id": 1, "password": "hunter2secret", "hash": "a6aa75587e5c59c32d347da438505fc3"})
    journal.close()
    text = journal.path.read_text()
    assert "hunter2secret" not in text and "a6aa75587e5c59c32d347da438505fc3" not in text


def test_a_run_that_plans_nothing_leaves_no_file(tmp_path):
    journal = new(tmp_path)
    journal.close()
    assert journal.path is None
    assert not (tmp_path / "state").exists()


def test_file_0600_in_a_directory_0700(tmp_path):
    journal = new(tmp_path)
    journal.planned(1, {"tracker_id": 1})
    journal.close()
    assert stat.S_IMODE(journal.path.stat().st_mode) == 0o600
    for directory in (journal.path.parent, journal.path.parent.parent, tmp_path / "state"):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700, directory


def test_file_0600_whatever_the_umask(tmp_path):
    import os

    old = os.umask(0)
    try:
        journal = new(tmp_path)
        journal.planned(1, {"tracker_id": 1})
        journal.close()
    finally:
        os.umask(old)
    assert stat.S_IMODE(journal.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(journal.path.parent.stat().st_mode) == 0o700


def test_journals_opened_in_the_same_millisecond_get_distinct_names(tmp_path, monkeypatch):
    import trackerctl.when

    monkeypatch.setattr(trackerctl.when, "stamp", lambda moment=None: "2026-11-29T02:24:12.123Z")
    made = []
    for n in range(5):
        journal = new(tmp_path)
        journal.planned(n, {"tracker_id": n})
        journal.close()
        made.append(journal.path)
    assert len(set(made)) == 5
    assert all(p.name.startswith("2026-11-29T02-24-12.123Z-") for p in made)
    for n, path in enumerate(made):
        assert [e.item for e in read(path).entries] == [n]  # none written into another's file


def test_threads_writing_at_once_leave_whole_lines(tmp_path):
    journal = new(tmp_path)
    threads, per_thread = 8, 60
    long_label = "x" * 3000  # lines longer than a pipe buffer's atomic size
    start = threading.Barrier(threads)

    def work(t: int) -> None:
        start.wait()
        for i in range(per_thread):
            item = t * 1000 + i
            n = journal.planned(item, {"tracker_id": item, "comment": long_label}, {"label": f"L{item}"})
            journal.outcome(n, item, SUCCEEDED, answer={})

    workers = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(30)
    journal.close()
    written = lines(journal.path)  # every line is whole JSON
    assert len(written) == 1 + 2 * threads * per_thread
    planned = [line for line in written[1:] if "request" in line]
    assert sorted(line["n"] for line in planned) == list(range(1, threads * per_thread + 1))
    run = read(journal.path)
    assert len(run.entries) == threads * per_thread
    assert all(e.status == SUCCEEDED and e.before == {"label": f"L{e.item}"} and e.request["tracker_id"] == e.item
               for e in run.entries)


# ---- what read refuses and what it tolerates ----------------------------------------------------------
def written_journal(tmp_path: Path) -> Path:
    journal = new(tmp_path)
    for item in (1, 2, 3):
        n = journal.planned(item, {"tracker_id": item, "label": f"new {item}"}, {"label": f"old {item}"})
        journal.outcome(n, item, SUCCEEDED, answer={})
    journal.close()
    return journal.path


@pytest.mark.parametrize("first", [
    '{"trackerctl_journal": 2, "action": "panel/tracker/settings/update"}',  # another version
    '{"journal": 1, "action": "panel/tracker/settings/update"}',
    '{"trackerctl_journal": 1}',  # no action
    '{"trackerctl_journal": 1, "action": 5}',
    '[1, 2]',
    'id,label',
    '',
])
def test_a_header_that_is_not_ours(tmp_path, first):
    path = tmp_path / "not-ours.jsonl"
    path.write_text(first + '\n{"n": 1, "item": 1, "request": {"tracker_id": 1}}\n')
    assert str(path) in refused(path)


def test_an_empty_file_is_not_a_journal(tmp_path):
    path = tmp_path / "empty.jsonl"
    path.write_text("")
    refused(path)


def test_a_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "binary.jsonl"
    path.write_bytes(b'{"trackerctl_journal": 1, "action": "x"}\n\xff\xfe\x00\x81 not text\n')
    assert "UTF-8" in refused(path)


def test_a_file_that_does_not_exist(tmp_path):
    assert "missing.jsonl" in refused(tmp_path / "missing.jsonl")


def test_a_directory_is_no_journal(tmp_path):
    refused(tmp_path)


@pytest.mark.parametrize("bad", [
    "not json at all",
    '{"n": 1, "item": 1, "request": {"tracker_id": 1}',  # cut short, but not the last line
    '{"item": 1, "status": "succeeded"}',  # no n
    '{"n": "1", "item": 1, "status": "succeeded"}',
    '{"n": true, "item": 1, "status": "succeeded"}',
    '{"n": 1, "item": 1, "status": "done"}',  # no such status
    '{"n": 9, "item": 1, "request": "tracker_id=1"}',
    '{"n": 9, "item": 1, "request": {"tracker_id": 1}, "before": "x"}',
    '[]',
])
def test_a_line_in_the_middle_that_is_no_journal_line(tmp_path, bad):
    path = written_journal(tmp_path)
    text = path.read_text().splitlines(keepends=True)
    text.insert(3, bad + "\n")
    path.write_text("".join(text))
    message = refused(path)
    assert "line 4" in message


def test_an_outcome_without_its_planned_line(tmp_path):
    path = written_journal(tmp_path)
    with path.open("a") as f:
        f.write('{"n": 42, "item": 9, "status": "succeeded", "answer": {}}\n')
    assert "line 8" in refused(path)


def test_an_outcome_before_its_planned_line(tmp_path):
    path = tmp_path / "early.jsonl"
    path.write_text(json.dumps({MARK: 1, **HEADER}) + "\n" + '{"n": 1, "item": 1, "status": "succeeded"}\n'
                    + '{"n": 1, "item": 1, "request": {"tracker_id": 1}}\n')
    refused(path)


@pytest.mark.parametrize("cut", [1, 10, 25])
def test_a_last_line_cut_short_is_left_out(tmp_path, cut):
    path = written_journal(tmp_path)
    with path.open("a") as f:
        f.write('{"n": 4, "item": 4, "request": {"tracker_id": 4, "label": "new 4"}, "before": {"label": "old 4"}}'[:cut])
    run = read(path)
    assert [e.item for e in run.entries] == [1, 2, 3]
    assert all(e.status == SUCCEEDED for e in run.entries)


def test_an_outcome_line_cut_short_leaves_its_request_without_outcome(tmp_path):
    journal = new(tmp_path)
    n = journal.planned(1, {"tracker_id": 1, "label": "new"}, {"label": "old"})
    journal.close()
    with journal.path.open("a") as f:
        f.write('{"n": %d, "item": 1, "status": "succ' % n)
    (entry,) = read(journal.path).entries
    assert entry.status is None and entry.before == {"label": "old"}  # may have been applied


def test_a_whole_last_line_without_its_newline_is_read(tmp_path):
    path = written_journal(tmp_path)
    path.write_text(path.read_text() + '{"n": 4, "item": 4, "request": {"tracker_id": 4}, "before": {"label": "o"}}')
    assert [e.item for e in read(path).entries] == [1, 2, 3, 4]


def test_a_header_only_is_a_run_with_nothing(tmp_path):
    path = tmp_path / "header.jsonl"
    path.write_text(json.dumps({MARK: 1, **HEADER}) + "\n")
    run = read(path)
    assert run.entries == [] and run.action == HEADER["action"]


def test_a_header_cut_short_is_not_ours(tmp_path):
    path = tmp_path / "cut.jsonl"
    path.write_text(json.dumps({MARK: 1, **HEADER})[:30])
    refused(path)


def test_blank_lines_are_skipped(tmp_path):
    path = written_journal(tmp_path)
    path.write_text(path.read_text().replace("\n", "\n\n", 2))
    assert [e.item for e in read(path).entries] == [1, 2, 3]
