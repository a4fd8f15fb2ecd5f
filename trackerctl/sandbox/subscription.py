"""The user API's event subscription (spec websockets.md section 2): Atmosphere over a WebSocket.

The first frame is `<uuid>|<heartbeat ms>|X|` (the uuid of `X-Atmosphere-tracking-id` when the
client reconnects with it); the server sends `X` every heartbeat; a client silent (no frame at all)
for ChannelSettings.silence ends the session. A client frame is `X` (a heartbeat), a JSON object,
or either behind a `<length>|` prefix.

`{"action": "subscribe" | "unsubscribe", "hash": ..., "requests": [...]}` with `state` (`trackers`)
and `state_batch` (`target` all or selected, `rate_limit` such as "5s" or "500ms", `format` full or
compact) requests, or the older `{"trackers": [...], "events": ["state"]}`, is answered by a
`response` frame whose `data.<type>.value` gives each tracker asked (for `all`: each of the user's)
as `normal`, `blocked`, `unknown` (no such tracker, deleted or corrupted) or `disallowed` (another
user's). A hash that is not a live session or API key of the user API: an `error` frame with code 3
(4 for a session ended by idleness); a malformed frame 5, bad requests 7 with `errors`, as the REST
API. `readings_batch` is not emulated (7). Under implicit auth (`--api-url sandbox`) a missing hash
is the demo user.

Events, `{"type": "event", "event": E, "user_time": ..., "data": ...}`, keyed by source id:
- `state`: tracker/get_state's state object, right after subscribing and whenever it changes (at
  most STATE_RATE a second; a tracker's newer state replaces one not yet sent);
- `state_batch`: the states changed since the last batch, right after subscribing and then at most
  once per rate_limit: bare states for format `full`, `{"type": "source_state_event", "state":
  {...}}` with the compact state (COMPACT_KEYS) for `compact`;
- `lifecycle`: `{"source_id", "lifecycle_event"}` when a subscribed source is blocked, unblocked (then
  a `state` too) or corrupted;
- `logout`: `"session closed"` when the session or key is gone (user/logout, api/key/delete), ended,
  or its user blocked; then the session is closed.
Changes are seen through the store's data version: a new version makes the session compare the
states of what it watches with those it last sent.
"""

from __future__ import annotations

import json
import math
import re
import sqlite3
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from trackerctl.sandbox import records, sessions
from trackerctl.sandbox.channels import POLL_INTERVAL, ChannelRefused, ChannelSettings, DataWatch, frame
from trackerctl.sandbox.codes import ApiFailure, describe, invalid
from trackerctl.sandbox.dispatch import IMPLICIT_USER_LOGIN, SESSION_KINDS, Ctx
from trackerctl.sandbox.store import Store
from trackerctl.sandbox.tracker.reads import state_object, user_time

if TYPE_CHECKING:
    from trackerctl.sandbox.app import Sandbox

HEARTBEAT = "X"
STATE_RATE = 350  # state events a second at most
BATCH_RATE = 12_000  # state_batch entries a second at most
DEFAULT_RATE_LIMIT = "5s"
MIN_RATE_LIMIT = 0.1  # seconds
COMPACT_KEYS = ("source_id", "gps", "connection_status", "movement_status", "last_update")
_PREFIXED = re.compile(r"(\d+)\|(.*)", re.S)
_RATE = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m)")
_UNIT = {"ms": 0.001, "s": 1.0, "m": 60.0}


def open_subscription(sandbox: Sandbox, query: dict[str, str], now: float, settings: ChannelSettings) -> SubscriptionSession:
    transport = query.get("X-Atmosphere-Transport")
    if transport not in (None, "", "websocket"):
        raise ChannelRefused(400, f"X-Atmosphere-Transport={transport}: the sandbox serves websocket only")
    tracking = query.get("X-Atmosphere-tracking-id") or "0"
    if tracking != "0":
        try:
            tracking = str(uuid.UUID(tracking))
        except ValueError:
            raise ChannelRefused(400, "X-Atmosphere-tracking-id must be 0 or the uuid of an earlier connection") from None
    return SubscriptionSession(sandbox, settings, tracking if tracking != "0" else str(uuid.uuid4()), now)


@dataclass
class _Request:
    type: str  # state, state_batch
    trackers: list[int] | None  # None: all of the user's trackers (state_batch target all)
    rate: float = 0.0  # state_batch: seconds between batches
    compact: bool = False


@dataclass
class _Batch:
    selected: set[int] | None  # tracker ids; None: all of the user's
    rate: float
    compact: bool
    pending: dict[int, dict[str, Any]] = field(default_factory=dict)  # source id -> state not sent yet
    last: float = -math.inf


class SubscriptionSession:
    def __init__(self, sandbox: Sandbox, settings: ChannelSettings, tracking_id: str, now: float) -> None:
        self.sandbox = sandbox
        self.settings = settings
        self.uuid = tracking_id
        self.closed = False
        self.close_reason = ""
        self.now = self.last_beat = self.last_heard = now
        self.heard = False
        self.hash: str | None = None  # the credential subscribed with; None under implicit auth
        self.user_id: int | None = None  # None: not subscribed yet
        self.state_ids: dict[int, None] = {}  # tracker ids of `state` requests, in order
        self.batch: _Batch | None = None
        self.status: dict[int, str] = {}  # source id -> normal, blocked, corrupt, ... as last seen
        self.states: dict[int, dict[str, Any] | None] = {}  # source id -> state last seen
        self.state_sources: set[int] = set()
        self.batch_sources: set[int] = set()
        self.queue: dict[int, dict[str, Any]] = {}  # source id -> state event due
        self.allowance, self.allowance_at = float(STATE_RATE), now
        self.outbox: list[str] = []  # events due now (lifecycle, logout)
        self.user_time = ""
        self.watch = DataWatch(sandbox, now)

    # ---- the session protocol --------------------------------------------------------------------

    def opened(self) -> list[str]:
        return [f"{self.uuid}|{self.settings.heartbeat_ms}|X|"]

    def received(self, text: str) -> list[str]:
        self.heard = True
        body = text.strip()
        prefixed = _PREFIXED.fullmatch(body)
        if prefixed:
            body = prefixed.group(2).strip()
        if body in (HEARTBEAT, ""):
            return []
        try:
            message = json.loads(body)
        except ValueError:
            return [_error(None, ApiFailure(5), None)]
        if not isinstance(message, dict):
            return [_error(None, ApiFailure(5), None)]
        action = message.get("action")
        if action not in ("subscribe", "unsubscribe"):
            return [_error(action, invalid(("action", "must be subscribe or unsubscribe")), message)]
        try:
            requests = _requests(message, action)
            with self.sandbox.store.lock:  # what this saw is the data version after its own write
                with self.sandbox.transaction() as conn:
                    clock = Store.now(conn)
                    user = self._authenticate(conn, message.get("hash"), clock)
                    if self.user_id is not None and user["id"] != self.user_id:
                        self._forget()  # another user: start again
                    self.user_id = user["id"]
                    ctx = Ctx(conn, clock, {}, user=user)
                    data = self._subscribe(ctx, requests) if action == "subscribe" else self._unsubscribe(ctx, requests)
                self.watch.version = self.watch.current()
        except ApiFailure as e:
            return [_error(action, e, message)]
        events = list(dict.fromkeys(r.type for r in requests))
        response = frame({"type": "response", "action": f"subscription/{action}", "events": events, "data": data})
        return [response, *self._drain(self.now)]

    def tick(self, now: float) -> list[str]:
        self.now = now
        if self.heard:
            self.last_heard, self.heard = now, False
        if self.closed:
            return []
        if now - self.last_heard > self.settings.silence:
            self.closed = True
            self.close_reason = f"no frame from the client for {self.settings.silence:g} s"
            return []
        frames = []
        if now - self.last_beat >= self.settings.heartbeat:
            frames.append(HEARTBEAT)
            self.last_beat = now
        if self.user_id is not None and self.watch.changed(now):
            with self.sandbox.store.snapshot() as conn:
                clock = Store.now(conn)
                user = conn.execute("SELECT * FROM users WHERE id = ?", (self.user_id,)).fetchone()
                if user is None or not self._alive(conn, user, clock):
                    self.user_time = user_time(Ctx(conn, clock, {}, user=user), clock) if user is not None else self.user_time
                    self.outbox.append(self._event("logout", "session closed"))
                    self.closed, self.close_reason = True, "session closed"
                else:
                    self._refresh(Ctx(conn, clock, {}, user=user))
        return frames + self._drain(now)

    def wait_hint(self) -> float:
        hint = min(1.0, self.last_beat + self.settings.heartbeat - self.now, self.last_heard + self.settings.silence - self.now)
        if self.user_id is not None:
            hint = min(hint, POLL_INTERVAL)
        if self.queue:
            hint = min(hint, 1.0 / STATE_RATE)
        if self.batch is not None and self.batch.pending:
            hint = min(hint, self.batch.last + self.batch.rate - self.now)
        return max(0.0, hint)

    # ---- credentials ------------------------------------------------------------------------------

    def _authenticate(self, conn: sqlite3.Connection, value: Any, clock: float) -> sqlite3.Row:
        """The user behind `value` (code 3 when it is no session or key, 4 when it ended); a use
        refreshes a session, as a request does."""
        if not value and self.sandbox.implicit_auth:
            self.hash = None
            return conn.execute("SELECT * FROM users WHERE login = ?", (IMPLICIT_USER_LOGIN,)).fetchone()
        if not isinstance(value, str):
            raise ApiFailure(3)
        value = sessions.check_format(value)
        row = conn.execute("SELECT * FROM user_sessions WHERE hash = ?", (value,)).fetchone()
        if row is None or row["kind"] not in SESSION_KINDS:
            raise ApiFailure(3)
        user = conn.execute("SELECT * FROM users WHERE id = ?", (row["user_id"],)).fetchone()
        if not self._alive(conn, user, clock, row):
            raise ApiFailure(4)
        conn.execute("UPDATE user_sessions SET last_used = ? WHERE hash = ?", (clock, value))
        self.hash = value
        return user

    def _alive(self, conn: sqlite3.Connection, user: sqlite3.Row | None, clock: float, row: sqlite3.Row | None = None) -> bool:
        """Whether the session subscribed with is still good: it exists and has not ended, its user
        is not blocked."""
        if user is None or user["blocked"]:
            return False
        if self.hash is None and row is None:
            return True  # implicit auth
        if row is None:
            row = conn.execute("SELECT * FROM user_sessions WHERE hash = ?", (self.hash,)).fetchone()
        return row is not None and not (row["kind"] == "session" and clock - row["last_used"] > sessions.USER_IDLE_LIMIT)

    # ---- subscribing -----------------------------------------------------------------------------

    def _subscribe(self, ctx: Ctx, requests: list[_Request]) -> dict[str, Any]:
        new_state: list[int] = []
        for r in requests:
            if r.type == "state":
                assert r.trackers is not None
                new_state += [i for i in r.trackers if i not in new_state]
                self.state_ids.update(dict.fromkeys(r.trackers))
            else:
                self.batch = _Batch(None if r.trackers is None else set(r.trackers), r.rate, r.compact)
        data = {r.type: {"success": True, "value": self._values(ctx, r)} for r in requests}
        self._refresh(ctx, subscribing=True)
        rows = _rows(ctx.conn, new_state)
        for source in dict.fromkeys(rows[i]["source_id"] for i in new_state if i in rows):
            if self.status.get(source) == "normal" and source in self.state_sources:
                self.queue[source] = self.states[source]  # type: ignore[assignment]
        if self.batch is not None and any(r.type == "state_batch" for r in requests):
            self.batch.pending = {s: st for s in self.batch_sources if (st := self.states.get(s)) is not None
                                  and self.status.get(s) == "normal"}
            self.batch.last = -math.inf
        return data

    def _unsubscribe(self, ctx: Ctx, requests: list[_Request]) -> dict[str, Any]:
        data = {r.type: {"success": True, "value": self._values(ctx, r)} for r in requests}
        for r in requests:
            if r.type == "state":
                for i in r.trackers or ():
                    self.state_ids.pop(i, None)
            elif self.batch is not None:
                if r.trackers is None or self.batch.selected is None:
                    self.batch = None
                else:
                    self.batch.selected -= set(r.trackers)
        self._refresh(ctx)
        return data

    def _values(self, ctx: Ctx, r: _Request) -> dict[str, str]:
        """The response's value: each tracker asked (for `all`, each of the user's) and its status."""
        if r.trackers is None:
            rows = _owned(ctx.conn, ctx.owner_id)
            ids = [i for i, row in rows.items() if not row["deleted"]]
        else:
            ids, rows = r.trackers, _rows(ctx.conn, r.trackers)
        shown = {"normal": "normal", "blocked": "blocked", "disallowed": "disallowed"}
        return {str(i): shown.get(_status(rows.get(i), ctx.owner_id), "unknown") for i in ids}

    def _forget(self) -> None:
        self.state_ids, self.batch, self.queue = {}, None, {}
        self.status, self.states, self.state_sources, self.batch_sources = {}, {}, set(), set()

    # ---- changes ---------------------------------------------------------------------------------

    def _refresh(self, ctx: Ctx, *, subscribing: bool = False) -> None:
        """Look at what the session watches: lifecycle events for block, unblock and corrupt; the
        states that changed to the state queue and the batch, and those of trackers watched anew
        (one registered since a state_batch of all), unless `subscribing` (which sends its own)."""
        self.user_time = user_time(ctx, ctx.now)
        rows = _rows(ctx.conn, [*self.state_ids, *(self.batch.selected or () if self.batch else ())])
        if self.batch is not None and self.batch.selected is None:
            rows.update(_owned(ctx.conn, ctx.owner_id))
        watched = {i: row for i, row in rows.items() if _status(row, ctx.owner_id) not in ("unknown", "disallowed")}
        self.state_sources = {watched[i]["source_id"] for i in self.state_ids if i in watched}
        self.batch_sources = set()
        if self.batch is not None:
            chosen = watched if self.batch.selected is None else {i: watched[i] for i in self.batch.selected if i in watched}
            self.batch_sources = {row["source_id"] for row in chosen.values()}
        by_source = {row["source_id"]: row for row in watched.values()}
        data = _device_data(ctx.conn, [s for s, row in by_source.items() if _status(row, ctx.owner_id) == "normal"])
        for source in [s for s in self.status if s not in by_source]:
            self.status.pop(source)
            self.states.pop(source, None)
            self.queue.pop(source, None)
        for source, row in by_source.items():
            status = _status(row, ctx.owner_id)
            state = state_object(ctx, row, data.get(source)) if status == "normal" else None
            before, previous = self.status.get(source), self.states.get(source)
            self.status[source], self.states[source] = status, state
            if before is None:
                if state is not None and not subscribing:
                    self._changed(source, state)
                continue
            event = _LIFECYCLE.get((before, status))
            if event is not None:
                self.outbox.append(self._event("lifecycle", {"source_id": source, "lifecycle_event": event}))
            if state is not None and (before != "normal" or state != previous):  # an unblock included
                self._changed(source, state)

    def _changed(self, source: int, state: dict[str, Any]) -> None:
        if source in self.state_sources:
            self.queue[source] = state
        if self.batch is not None and source in self.batch_sources:
            self.batch.pending[source] = state

    def _drain(self, now: float) -> list[str]:
        """The events due: lifecycle and logout, states within STATE_RATE, a batch when its rate
        limit allows."""
        out, self.outbox = self.outbox, []
        self.allowance = min(float(STATE_RATE), self.allowance + (now - self.allowance_at) * STATE_RATE)
        self.allowance_at = now
        while self.queue and self.allowance >= 1:
            source = next(iter(self.queue))
            out.append(self._event("state", self.queue.pop(source)))
            self.allowance -= 1
        batch = self.batch
        if batch is not None and batch.pending and now - batch.last >= batch.rate:
            sources = list(batch.pending)[:max(1, int(BATCH_RATE * batch.rate))]
            items = [batch.pending.pop(s) for s in sources]
            if batch.compact:
                items = [{"type": "source_state_event", "state": {k: st[k] for k in COMPACT_KEYS}} for st in items]
            out.append(self._event("state_batch", items))
            batch.last = now
        return out

    def _event(self, name: str, data: Any) -> str:
        return frame({"type": "event", "event": name, "user_time": self.user_time, "data": data})


# (status before, status now) -> lifecycle event
_LIFECYCLE = {("normal", "blocked"): "block", ("blocked", "normal"): "unblock",
              ("normal", "corrupt"): "corrupt", ("blocked", "corrupt"): "corrupt"}


def _status(row: sqlite3.Row | None, owner_id: int) -> str:
    """normal, blocked, corrupt, deleted, disallowed (another user's) or unknown (no such tracker)."""
    if row is None:
        return "unknown"
    if row["user_id"] != owner_id:
        return "disallowed"
    if row["corrupted"]:
        return "corrupt"
    if row["deleted"]:
        return "deleted"
    return "blocked" if row["blocked"] else "normal"


def _rows(conn: sqlite3.Connection, ids: list[int]) -> dict[int, sqlite3.Row]:
    ids = list(dict.fromkeys(ids))
    return {row["id"]: row for marks, part in records.in_chunks(ids)
            for row in conn.execute(records.TRACKER_SELECT + f" WHERE t.id IN ({marks})", part)}


def _owned(conn: sqlite3.Connection, owner_id: int) -> dict[int, sqlite3.Row]:
    return {row["id"]: row for row in conn.execute(records.TRACKER_SELECT + " WHERE t.user_id = ? ORDER BY t.id", (owner_id,))}


def _device_data(conn: sqlite3.Connection, sources: list[int]) -> dict[int, sqlite3.Row]:
    return {row["source_id"]: row for marks, part in records.in_chunks(sources)
            for row in conn.execute(f"SELECT * FROM device_data WHERE source_id IN ({marks})", part)}


def _error(action: Any, failure: ApiFailure, message: dict[str, Any] | None) -> str:
    name = action if action in ("subscribe", "unsubscribe") else "unknown"
    data = {k: v for k, v in (message or {}).items() if k not in ("action", "hash")}
    return frame({"type": "error", "action": f"subscription/{name}",
                  "status": {"code": failure.code, "description": describe(failure.code)[0]}, **failure.extra, "data": data})


# ---- requests ------------------------------------------------------------------------------------


def _requests(message: dict[str, Any], action: str) -> list[_Request]:
    """The requests of a subscribe or unsubscribe message, in its newer or older form (7 otherwise)."""
    if "requests" in message:
        items = message["requests"]
        if not isinstance(items, list) or not items or not all(isinstance(r, dict) for r in items):
            raise invalid(("requests", "must be a non-empty list of request objects"))
        return [_request(r, f"requests[{n}]", action) for n, r in enumerate(items)]
    if "trackers" in message or "events" in message:  # the older form
        events = message.get("events")
        if not isinstance(events, list) or events != ["state"]:
            raise invalid(("events", 'must be ["state"]'))
        return [_request({"type": "state", "trackers": message.get("trackers")}, "", action)]
    raise invalid(("requests", "required"))


def _request(r: dict[str, Any], where: str, action: str) -> _Request:
    def name(key: str) -> str:
        return f"{where}.{key}" if where else key

    kind = r.get("type")
    if kind == "state":
        return _Request("state", _ids(r.get("trackers"), name("trackers")))
    if kind == "state_batch":
        target = r.get("target", {"type": "all"} if action == "unsubscribe" else None)
        if not isinstance(target, dict) or target.get("type") not in ("all", "selected"):
            raise invalid((name("target"), 'must be {"type": "all"} or {"type": "selected", "tracker_ids": [...]}'))
        ids = None if target["type"] == "all" else _ids(target.get("tracker_ids"), name("target.tracker_ids"))
        fmt = r.get("format", "full")
        if fmt not in ("full", "compact"):
            raise invalid((name("format"), "must be full or compact"))
        return _Request("state_batch", ids, _rate(r.get("rate_limit", DEFAULT_RATE_LIMIT), name("rate_limit")), fmt == "compact")
    if kind == "readings_batch":
        raise invalid((name("type"), "readings_batch is not emulated by the sandbox"))
    raise invalid((name("type"), "must be state, state_batch or readings_batch"))


def _ids(value: Any, name: str) -> list[int]:
    if (not isinstance(value, list) or not value
            or not all(isinstance(i, int) and not isinstance(i, bool) and 0 < i < 2**63 for i in value)):
        raise invalid((name, "must be a non-empty list of tracker ids"))
    return list(dict.fromkeys(value))


def _rate(value: Any, name: str) -> float:
    match = _RATE.fullmatch(value) if isinstance(value, str) else None
    seconds = float(match.group(1)) * _UNIT[match.group(2)] if match else 0.0
    if seconds < MIN_RATE_LIMIT:
        raise invalid((name, f'must be a duration of at least {MIN_RATE_LIMIT:g}s, such as "5s" or "500ms"'))
    return seconds
