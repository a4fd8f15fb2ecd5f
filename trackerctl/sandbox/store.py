"""The SQLite store: one connection per thread, one locked transaction per request, one clock.

WAL mode lets a `sandbox serve` process and in-process CLI commands share a file. Every request
runs inside `Store.transaction()`: a process-wide lock plus `BEGIN IMMEDIATE`, committed when the
request succeeds and rolled back when it fails. All "now" goes through `Store.now()`: real time plus
the `clock_offset` kept in the `meta` table, so tests move time by `advance_clock` or by writing
that row. `Store.data_version()` changes with every transaction that wrote anything (and starts at
a random number at every build): what is remembered about the data (paging.py) is keyed by it.
"""

from __future__ import annotations

import datetime as dt
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from trackerctl.errors import UsageError
from trackerctl.files import make_private_dir
from trackerctl.sandbox.schema import SCHEMA_VERSION, statements


class Store:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path).expanduser()
        try:
            make_private_dir(self.path.parent)  # 0700, as every directory trackerctl makes
        except OSError as e:
            raise UsageError(f"cannot create the sandbox database {self.path}: {e.strerror}") from None
        self.lock = threading.RLock()
        self._local = threading.local()

    def connection(self) -> sqlite3.Connection:
        """This thread's connection (autocommit mode: transactions are explicit)."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            try:
                conn = sqlite3.connect(self.path, isolation_level=None, timeout=10.0)
                conn.row_factory = sqlite3.Row
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.execute("PRAGMA foreign_keys=ON")
            except sqlite3.DatabaseError as e:  # not a database, unreadable, a folder
                raise UsageError(f"cannot open the sandbox database {self.path}: {e}") from None
            self._local.conn = conn
        return conn

    def close(self) -> None:
        """Close this thread's connection (other threads' close when their thread ends)."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Lock, BEGIN IMMEDIATE, yield the connection; COMMIT (a new data version when anything
        was written), or ROLLBACK on an exception."""
        with self.lock:
            conn = self.connection()
            conn.execute("BEGIN IMMEDIATE")
            changes = conn.total_changes
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            if conn.total_changes != changes:
                conn.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'data_version'")
            conn.execute("COMMIT")

    @contextmanager
    def snapshot(self) -> Iterator[sqlite3.Connection]:
        """A consistent read of the data without the lock (a deferred transaction in WAL mode):
        requests go on meanwhile. For reads only (the WebSocket channels' looks at changes)."""
        conn = self.connection()
        conn.execute("BEGIN")
        try:
            yield conn
        finally:
            conn.execute("ROLLBACK")

    @staticmethod
    def data_version(conn: sqlite3.Connection) -> int | None:
        """The data's version: another number after any write through `transaction()` or a build
        (None for a database built before it was kept)."""
        row = conn.execute("SELECT value FROM meta WHERE key = 'data_version'").fetchone()
        return int(row[0]) if row else None

    # ---- the clock -------------------------------------------------------------------------------

    @staticmethod
    def now(conn: sqlite3.Connection) -> float:
        """The sandbox's current time, epoch seconds: the one source of "now"."""
        row = conn.execute("SELECT value FROM meta WHERE key = 'clock_offset'").fetchone()
        return time.time() + (float(row[0]) if row else 0.0)

    @staticmethod
    def advance_clock(conn: sqlite3.Connection, seconds: float) -> None:
        conn.execute(
            "INSERT INTO meta (key, value) VALUES ('clock_offset', ?) "
            "ON CONFLICT (key) DO UPDATE SET value = CAST(value AS REAL) + excluded.value",
            (float(seconds),),
        )

    # ---- creation --------------------------------------------------------------------------------

    def is_current(self, conn: sqlite3.Connection) -> bool:
        try:
            row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        except sqlite3.OperationalError:  # no meta table: a new file
            return False
        return row is not None and row[0] == str(SCHEMA_VERSION)

    def build(self, seed: Callable[[sqlite3.Connection, float], None], *, force: bool = False) -> bool:
        """Create the schema and `seed(conn, now)` it when the file is new, has another schema
        version, or `force` (a reset). One transaction; returns whether it built."""
        with self.lock:
            conn = self.connection()
            if not force and self.is_current(conn):
                return False
            conn.execute("PRAGMA foreign_keys=OFF")  # dropping and bulk-seeding needs no checks
            try:
                with self.transaction():
                    if not force and self.is_current(conn):  # another process may have built it meanwhile
                        return False
                    self._recreate(conn)
                    seed(conn, time.time())
                return True
            finally:
                conn.execute("PRAGMA foreign_keys=ON")

    @staticmethod
    def _recreate(conn: sqlite3.Connection) -> None:
        """Drop every table and create the schema; the clock starts again at real time, the data
        version at a random number (so nothing remembered about the old data matches the new)."""
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        for name in names:
            conn.execute(f'DROP TABLE IF EXISTS "{name}"')
        for sql in statements():
            conn.execute(sql)
        conn.executemany(
            "INSERT INTO meta (key, value) VALUES (?, ?)",
            [("schema_version", str(SCHEMA_VERSION)), ("clock_offset", "0"), ("data_version", str(secrets.randbits(62)))],
        )


def fmt_date(epoch: float) -> str:
    """`yyyy-MM-dd` (UTC)."""
    return dt.datetime.fromtimestamp(epoch, dt.timezone.utc).strftime("%Y-%m-%d")


def fmt_datetime(epoch: float) -> str:
    """`yyyy-MM-dd HH:mm:ss` (UTC): the API's date/time format."""
    return dt.datetime.fromtimestamp(epoch, dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def parse_datetime(text: str) -> float:
    """Epoch seconds of a `yyyy-MM-dd HH:mm:ss` or `yyyy-MM-dd` string (UTC)."""
    fmt = "%Y-%m-%d %H:%M:%S" if " " in text else "%Y-%m-%d"
    return dt.datetime.strptime(text, fmt).replace(tzinfo=dt.timezone.utc).timestamp()
