"""The sandbox: an emulator of the platform's user and panel APIs over a SQLite file.

`Sandbox.handle` is the whole request path, shared by the HTTP server (server.py) and the
in-process exchange (exchange.py): faults, routing, parameters, credential, one transaction
around the checks and the handler, the JSON envelope.

Routing: `/v2/<action>` and `/<action>`. An unknown action answers 111 "Wrong handler", a method
other than GET or POST 112 "Wrong method" (both HTTP 400, as the error table has no status for
them); a body that is neither a JSON object nor form fields, 5 "Wrong request format". An
unexpected failure answers 6 (HTTP 500), a database error 1, a database locked beyond 10 s 14
(HTTP 503); the traceback goes to stderr.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import traceback
from collections.abc import Mapping
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trackerctl.sandbox import sessions, wire
from trackerctl.sandbox.codes import ApiFailure
from trackerctl.sandbox.dispatch import ActionDef, dispatch, load_actions
from trackerctl.sandbox.faults import Faults, FaultInjector
from trackerctl.sandbox.seed import generate, seed
from trackerctl.sandbox.store import Store
from trackerctl.sandbox.wire import Reply

if TYPE_CHECKING:
    from trackerctl.sandbox.channels import ChannelSettings

__all__ = ["Faults", "Reply", "Sandbox", "default_db_path", "reset"]

_METHODS = frozenset({"GET", "POST"})


def default_db_path(env: Mapping[str, str] | None = None) -> Path:
    """TRACKERCTL_SANDBOX_DB, else $XDG_DATA_HOME/trackerctl/sandbox.sqlite (~/.local/share by default),
    read from `env` (a command's environment; default os.environ)."""
    env = os.environ if env is None else env
    explicit = env.get("TRACKERCTL_SANDBOX_DB")
    if explicit:
        return Path(explicit).expanduser()
    xdg = env.get("XDG_DATA_HOME")
    home = Path(env["HOME"]) if env.get("HOME") else Path.home()
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else home / ".local" / "share"
    return base / "trackerctl" / "sandbox.sqlite"


class Sandbox:
    """One emulator over one database file; thread-safe (requests are serialised per transaction)."""

    def __init__(self, db_path: str | Path, *, faults: Faults | None = None, implicit_auth: bool = False,
                 tracebacks: bool = True) -> None:
        """`tracebacks`: print the traceback of an unexpected error on stderr (`sandbox serve`'s log);
        in-process (`--api-url sandbox`) the CLI reports the answer's code 1 or 6 instead."""
        self.tracebacks = tracebacks
        self.store = Store(db_path)
        self.faults = faults or Faults()
        self.implicit_auth = implicit_auth
        self.injector = FaultInjector(self.faults)
        self.channel_settings: ChannelSettings | None = None  # the WebSocket channels' (channels.py); None: defaults
        self._actions = load_actions()
        self.store.build(seed)

    @property
    def db_path(self) -> Path:
        return self.store.path

    def handle(self, path: str, body: bytes, headers: Mapping[str, str], query: str = "", *, method: str = "POST") -> Reply:
        """Answer one request. Refusals (rate limit, fail rate) are not processed; a drop is
        processed and then marked `drop`; latency is slept last, outside every lock."""
        decision = self.injector.decide()
        if decision.refuse is not None:
            reply = wire.failure(decision.refuse)
        else:
            reply = self._process(method.upper(), path, body, headers, query)
            reply.drop = decision.drop
        self.injector.delay()
        return reply

    def _process(self, method: str, path: str, body: bytes, headers: Mapping[str, str], query: str) -> Reply:
        try:
            spec = self._route(method, path)
            params = wire.request_params(body, sessions.header(headers, "Content-Type"), query)
            credential = sessions.extract(headers, params)
            with self.store.transaction() as conn:
                result = dispatch(spec, conn, Store.now(conn), params, credential, implicit_auth=self.implicit_auth)
            return wire.success(result)
        except ApiFailure as e:
            return wire.failure(e.code, e.extra)
        except sqlite3.OperationalError as e:
            locked = "locked" in str(e) or "busy" in str(e)
            if not locked:
                self._log_error()
            return wire.failure(14 if locked else 1)
        except sqlite3.Error:
            self._log_error()
            return wire.failure(1)
        except Exception:
            self._log_error()
            return wire.failure(6)

    def _log_error(self) -> None:
        if self.tracebacks:
            traceback.print_exc(file=sys.stderr)

    def _route(self, method: str, path: str) -> ActionDef:
        name = path.split("?", 1)[0].strip("/")
        if name.startswith("v2/"):
            name = name[3:]
        spec = self._actions.get(name)
        if spec is None:
            raise ApiFailure(111)
        if method not in _METHODS:
            raise ApiFailure(112)
        return spec

    # ---- for tests and tools ----------------------------------------------------------------------

    def call(self, action: str, params: dict[str, Any] | None = None, *, credential: str | None = None) -> tuple[int, dict[str, Any]]:
        """One JSON POST as a client sends it: `(HTTP status, decoded body)`. Faults apply; a
        dropped answer raises ConnectionResetError (after the state changed)."""
        headers = {"Content-Type": "application/json"}
        if credential is not None:
            headers["Authorization"] = f"NVX {credential}"
        reply = self.handle("/v2/" + action.strip("/"), json.dumps(params or {}).encode(), headers)
        if reply.drop:
            raise ConnectionResetError("the sandbox dropped the answer")
        return reply.status, json.loads(reply.body)

    def issued(self, credential: str) -> bool:
        """Whether this sandbox holds `credential` as a session or API key (user or panel)."""
        with self.store.transaction() as conn:
            return sessions.issued(conn, credential)

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        """The store's locked transaction: read or change the state directly."""
        return self.store.transaction()

    def now(self) -> float:
        """The sandbox clock, epoch seconds."""
        with self.store.transaction() as conn:
            return Store.now(conn)

    def move_fleet(self, number: int, seconds: float, seed: int = 0) -> int:
        """One step of `sandbox serve --move` (fleet.py): the connected devices report; returns how many."""
        from trackerctl.sandbox import fleet

        with self.store.transaction() as conn:
            return fleet.step(conn, Store.now(conn), number, seconds, seed)

    def advance_clock(self, seconds: float) -> None:
        """Move the sandbox clock forward (or back, with a negative value)."""
        with self.store.transaction() as conn:
            Store.advance_clock(conn, seconds)


def reset(db_path: str | Path, *, trackers: int | None = None, bundles: int | None = None) -> dict[str, Any]:
    """Wipe the database and seed it afresh, with `trackers` and `bundles` generated ones on top of
    the fixed seed; returns the row counts."""
    store = Store(db_path)

    def seed_all(conn: sqlite3.Connection, now: float) -> None:
        seed(conn, now)
        generate(conn, now, trackers=trackers or 0, bundles=bundles or 0)

    try:
        store.build(seed_all, force=True)
        conn = store.connection()
        return {
            table: conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
            for table in ("users", "trackers", "bundles", "equipment", "models", "tariffs")
        }
    finally:
        store.close()
