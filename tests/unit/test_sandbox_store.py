"""Sandbox database: creation on first use, reset and generated data, the clock, the error table."""

from __future__ import annotations

import time
from pathlib import Path
from types import SimpleNamespace

from tests.helpers.sandbox import ok, sql
from tests.helpers.spec import spec_file
from trackerctl.sandbox import codes
from trackerctl.sandbox.app import Sandbox, default_db_path, reset
from trackerctl.sandbox.seed import SEED
from trackerctl.sandbox.store import Store, parse_datetime

SEED_COUNTS = {"users": 7, "trackers": 17, "bundles": 10, "equipment": 3, "models": 9, "tariffs": 7}


def test_first_use_creates_and_seeds_the_file(tmp_path):
    path = tmp_path / "deep" / "er" / "sandbox.sqlite"
    sb = Sandbox(path)
    assert path.exists()
    with sb.transaction() as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("SELECT COUNT(*) FROM trackers").fetchone()[0] == SEED_COUNTS["trackers"]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []


def test_state_persists_and_is_not_reseeded(tmp_path):
    sb = Sandbox(tmp_path / "s.sqlite")
    h = sb.call("user/auth", {"login": "demo@example.com", "password": "demo"})[1]["hash"]
    assert Sandbox(tmp_path / "s.sqlite").call("tracker/list", credential=h)[0] == 200


def test_another_schema_version_is_rebuilt(tmp_path):
    sb = Sandbox(tmp_path / "s.sqlite")
    h = sb.call("user/auth", {"login": "demo@example.com", "password": "demo"})[1]["hash"]
    with sb.transaction() as conn:
        conn.execute("UPDATE meta SET value = '0' WHERE key = 'schema_version'")
    assert Sandbox(tmp_path / "s.sqlite").call("tracker/list", credential=h)[1]["status"]["code"] == 4


def test_reset_wipes_and_counts(tmp_path):
    path = tmp_path / "s.sqlite"
    sb = Sandbox(path)
    h = sb.call("user/auth", {"login": "demo@example.com", "password": "demo"})[1]["hash"]
    assert reset(path) == SEED_COUNTS
    assert sb.call("tracker/list", credential=h)[1]["status"]["code"] == 4  # a running sandbox sees the reset
    assert reset(path, trackers=10, bundles=4) == {**SEED_COUNTS, "trackers": 27, "bundles": 14}


def test_generated_data_is_deterministic(tmp_path):
    def snapshot(path: Path) -> list[tuple]:
        reset(path, trackers=50, bundles=5)
        with Sandbox(path).transaction() as conn:
            return [tuple(r) for r in conn.execute(
                "SELECT t.id, t.label, t.user_id, s.device_id, s.phone, s.model FROM trackers t JOIN sources s ON s.id = t.source_id"
                " WHERE t.id >= ? ORDER BY t.id", (SEED["generated_tracker_start"],))]

    first = snapshot(tmp_path / "a.sqlite")
    assert first == snapshot(tmp_path / "b.sqlite")
    assert first[0] == (3000001, "Truck 000001 north", SEED["user_demo"], "350000000000000", "4917000000000", "telfmb920")
    assert first[1][2] == SEED["user_other"]


RESET_AT = parse_datetime("2026-11-29 12:00:00")


def generated_devices(path: Path, trackers: int) -> list[tuple]:
    """(source id, connection status, last_fix, updated, last_connection, lat) of the generated devices after a reset at RESET_AT."""
    reset(path, trackers=trackers)
    return sql(Sandbox(path), "SELECT s.id, s.connection_status, d.last_fix, d.updated, d.last_connection, d.lat FROM sources s"
               " JOIN device_data d ON d.source_id = s.id WHERE s.id >= 30000001 ORDER BY s.id")


def test_generated_devices_last_connected_in_a_realistic_spread(tmp_path, monkeypatch):
    monkeypatch.setattr("trackerctl.sandbox.store.time", SimpleNamespace(time=lambda: RESET_AT))  # the reset's (and the clock's) now
    devices = generated_devices(tmp_path / "a.sqlite", 5000)
    assert devices == generated_devices(tmp_path / "b.sqlite", 5000)  # the same at every reset
    assert generated_devices(tmp_path / "c.sqlite", 1000) == [d for d in devices if d[0] < 30_001_001]  # the first N whatever N
    sb = Sandbox(tmp_path / "a.sqlite", implicit_auth=True)
    listed = [t for t in ok(sb, "panel/tracker/list", {"filter": "00"})["list"] if t["id"] >= SEED["generated_tracker_start"]]
    assert len(listed) == 5000
    days = {t["id"]: None if t["last_connection"] is None else (RESET_AT - parse_datetime(t["last_connection"])) / 86400
            for t in listed}
    share = lambda test: sum(1 for d in days.values() if test(d)) / len(days)  # noqa: E731
    assert 0.01 < share(lambda d: d is None) < 0.06  # a few never connected
    assert share(lambda d: d is not None and d <= 7) > 0.7  # most within the last days
    assert 0.1 < share(lambda d: d is not None and d > 30) < 0.3  # a share are stale: weeks or months
    assert share(lambda d: d is not None and d > 180) > 0.01
    for tracker in listed:
        status, age = tracker["source"]["connection_status"], days[tracker["id"]]
        assert (status == "just_registered") == (age is None), tracker
        assert age is None or 0 <= age and tracker["last_connection"][:10] >= tracker["source"]["creation_date"], tracker
        if status in ("active", "idle"):
            assert age <= 600 / 86400, tracker
    # a device that never connected has no fix and no position either; the others report both
    assert all((fix is None) == (lat is None) == (status == "just_registered") and fix == updated == connected
               for _, status, fix, updated, connected, lat in devices)


def test_reset_100k_trackers_is_usable(tmp_path):
    """How long it takes is measured by `python tests/bench/bench_bulk.py reset` (goal: < 8 s)."""
    path = tmp_path / "big.sqlite"
    counts = reset(path, trackers=100_000, bundles=20_000)
    assert counts["trackers"] == 100_017 and counts["bundles"] == 20_010
    sb = Sandbox(path, implicit_auth=True)
    page = sb.call("panel/tracker/list", {"limit": 3, "offset": 99_000, "order_by": "device_id"})[1]
    assert page["count"] == 100_016 and len(page["list"]) == 3
    assert sb.call("panel/tracker/list", {"filter": "Bus 0000", "limit": 1})[1]["count"] == 16  # Bus 000004 ... 000094
    with sb.transaction() as conn:
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []


def test_data_version_changes_with_every_write_and_every_build(tmp_path):
    path = tmp_path / "s.sqlite"
    sb = Sandbox(path, implicit_auth=True)

    def version() -> int | None:
        with sb.transaction() as conn:
            return Store.data_version(conn)

    start = version()
    assert isinstance(start, int)
    assert sb.call("panel/tracker/read", {"tracker_id": SEED["tracker"]})[0] == 200
    assert sb.call("panel/tracker/source/update", {"tracker_id": 987654321, "blocked": True})[0] == 400  # refused: rolled back
    assert version() == start  # reads and refusals write nothing
    assert sb.call("panel/tracker/source/update", {"tracker_id": SEED["tracker"], "blocked": True})[0] == 200
    assert version() == start + 1
    with sb.transaction() as conn:
        conn.execute("UPDATE trackers SET label = 'x' WHERE id = ?", (SEED["tracker"],))
    assert version() == start + 2
    reset(path)
    assert version() not in (None, start, start + 1, start + 2)


def test_clock(tmp_path):
    sb = Sandbox(tmp_path / "s.sqlite")
    before = sb.now()
    assert abs(before - time.time()) < 5
    sb.advance_clock(3600)
    assert 3599 < sb.now() - before < 3700
    sb.advance_clock(-3600)
    assert abs(sb.now() - time.time()) < 5


def test_default_db_path(monkeypatch, tmp_path):
    monkeypatch.setenv("TRACKERCTL_SANDBOX_DB", str(tmp_path / "x.sqlite"))
    assert default_db_path() == tmp_path / "x.sqlite"
    monkeypatch.delenv("TRACKERCTL_SANDBOX_DB")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert default_db_path() == tmp_path / "data" / "trackerctl" / "sandbox.sqlite"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_db_path() == tmp_path / "home" / ".local" / "share" / "trackerctl" / "sandbox.sqlite"


def test_error_table_matches_the_spec():
    table = spec_file("error-codes.tsv")
    rows = [line.split("\t") for line in table.read_text().splitlines()[1:] if line.strip()]
    expected = {int(c): (d, int(h) if h.strip() else 400) for c, d, h in rows}
    assert {c: v for c, v in codes.ERRORS.items() if c != 282} == expected  # trackerctl.api.codes, as the emulator has it


def test_the_sandbox_data_directories_are_0700_even_at_umask_000(tmp_path):
    import os

    old = os.umask(0)
    try:
        Store(tmp_path / "data" / "trackerctl" / "sandbox.sqlite")
    finally:
        os.umask(old)
    assert [oct((tmp_path / p).stat().st_mode & 0o777) for p in ("data", "data/trackerctl")] == ["0o700", "0o700"]
