"""Panel API `panel/tracker/*` actions (panel-api-tracker.md; bundles are in panel_bundle.py).

Every action sees the trackers whose owner belongs to the panel account's dealer (201 otherwise);
a corrupted source answers 252 wherever the document lists it. Choices where the documents are
silent, loose or at odds with each other:

- `batch_delete_clones` (at most 500 ids, else 7) answers success whatever happens to each id;
  the failures are in `not_deleted_trackers` (left out when empty) with the errors "Entity not
  found", "Not a clone", "Already deleted", and, as delete_clone refuses them, "Device already
  corrupted" and "Delete entity associated with" (rules or vehicles bound). Deletion marks the
  clone deleted (it stays in the database), so a repeat answers "Already deleted". Ids are taken in
  order: a repeated id is "Already deleted" the second time.
- `batch_clone` (not in the action document; spec auth-and-sessions.md describes it, at most 1000
  ids, else 7) is all or nothing, checked in this order: 246 when the user is unknown, of another
  dealer or a sub-user; then, each with the offending tracker ids in `list`, 217 (no such tracker
  of the dealer's), 219 (clones), 252 (corrupted), 246 (already the user's own), 247 (the user
  already has a clone; unless `ignore_existing`, which skips them). The answer is
  `{"list": [<new clone ids>]}` in request order, repeated ids once, and with `ignore_existing`
  `"ignored_trackers": [<ids skipped>]`. A clone takes its source tracker's label.
- `clone`, `move`: a user that is a sub-user cannot own trackers: 246, like an unknown one. Checks in
  the order 201, 219, 252, 246, 247.
- `move` gives the tracker a new id (panel-openapi.json), answered as `{"id": N}`: a new record for
  the new owner (group 0, creation date today, rules and vehicles unbound, tags dropped, monthly
  activity carried over), and the old id is gone (201) on both APIs.
- `corrupt`: the document answers 253 with the clone ids in `list` for a tracker with clones; the
  OpenAPI adds `corrupt_clones` (default true). Without the parameter, or with false, the sandbox
  follows the document (253); with `corrupt_clones: true` the clones are marked deleted with it
  (they share the corrupted source). Only clones not already deleted count. Corruption marks the
  tracker deleted, rewrites the source's device_id (records.corrupted_device_id) and clears its
  phone.
- `delete_clone`: 203 carries `rules` when rules are bound, else `vehicles`; a clone already
  deleted is answered with success and nothing changes. Order 201, 249, 252, 203.
- `console/connect`: 201, 252, then 230 for a deleted or blocked tracker.
- `register_retry` (also answered as `register_entry`): 201, 252, 219, 208 (blocked), 214 (no GSM
  module, or a navixymobile*/mobile_unknown*/iosnavixytracker* model), 264 when the source had a
  retry (from either API) less than 120 s ago by the sandbox clock.
- `tariff/change` follows the document's conditions, repayment and change pseudo-code; codes in the
  order 201 (not the dealer's: condition 1's "belongs to the dealer's user"), 252, 250 (deleted:
  "is not removed"), 219, 237 (current tariff missing or another dealer's: condition 3 for t1), 239
  (new tariff missing or another dealer's: condition 3 for t2), 238 (same tariff: condition 2;
  not a tracker tariff: 4; doc_type not for the owner's legal type: 5), 221 (device limit below the
  owner's count of not-deleted trackers: 6). A repayment credits the owner's balance and is a
  `transactions` row of type `repay`; `charge` only steers the dates, as in the pseudo-code (the
  billing run charges). `tariff_end_date = 0` is stored and shown as null.
- `active/history/list` needs `trackers: read` as the document says (the OpenAPI says `report`);
  7 when `to` is before `from`, 211 beyond 12 months (inclusive count). A month lists the
  dealer's trackers in the `tracker_activity` table for it, plus the non-clone trackers whose
  device's last fix falls in it; months without any are left out.
- `read` and `list` add the OpenAPI's `owner_name` (a legal entity's legal name, else the user's
  names that are set), `model_name` (the model's name in list_models) and `last_connection`: when
  the device last connected (device_data.last_connection), `yyyy-MM-dd HH:mm:ss` UTC, null when it
  never has. `sandbox serve --move` moves it for the devices that report; the clock alone does not,
  not even for the `live` device (whose get_state shows now).
- `raw_command/send` finds the tracker by `device_id` (a corrupted source by its corrupted id,
  as panel/tracker/list shows it: 252); `type: hex` with a non-hex command is 7 with
  `{"parameter": "command", "error": "Non-hex string"}`.
"""

from __future__ import annotations

import calendar
import datetime as dt
import secrets
import math
import sqlite3
from decimal import Decimal
from typing import Any

from trackerctl.sandbox import objects, paging, records
from trackerctl.sandbox.codes import ApiFailure, invalid
from trackerctl.sandbox.dispatch import Ctx, action

# panel/tracker/list `order_by` values and the columns they sort on (ties broken by id).
ORDER_COLUMNS = {
    "id": "t.id",
    "label": "t.label COLLATE NOCASE",
    "status": "s.connection_status",
    "model": "s.model",
    "device_id": "s.device_id",
    "phone": "s.phone",
    "creation_date": "t.creation_date",
    "user_id": "t.user_id",
    "comment": "t.comment",
}
# What `filter` text is looked for in (the document's list).
FILTER_COLUMNS = ("t.id", "t.label", "s.id", "s.device_id", "s.model", "s.phone", "t.user_id")


@action("panel/tracker/read", api="panel", permission=("trackers", "read"))
def read(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    """One of the dealer's trackers: 201 when it is not the dealer's, 252 when its source is corrupted."""
    row = _tracker(ctx, p["tracker_id"])
    return {"value": objects.panel_tracker(row, records.panel_names(ctx, [row]))}


@action("panel/tracker/list", api="panel", permission=("trackers", "read"))
def list_(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    """The dealer's trackers (deleted and corrupted included), filtered, ordered and paged
    (paging.py); `count` ignores offset and limit. 201 for a `user_id` or `tariff_id` not of this
    dealer."""
    # `+` keeps SQLite from starting at the users' dealer index: walking the trackers in id order
    # needs no sort, so a page of 1,000 out of 100,000 takes ~12 ms instead of ~200 ms.
    where, args = ["+u.dealer_id = ?"], [ctx.dealer_id]
    if "user_id" in p:
        records.dealer_row(ctx, "users", p["user_id"], 201)
        where.append("t.user_id = ?")
        args.append(p["user_id"])
    if "tariff_id" in p:
        records.dealer_row(ctx, "tariffs", p["tariff_id"], 201)
        where.append("s.tariff_id = ?")
        args.append(p["tariff_id"])
    if p.get("filter"):
        condition, patterns = paging.contains(FILTER_COLUMNS, p["filter"])
        where.append(condition)
        args.extend(patterns)
    clones = p.get("clones_filter", "not_set")
    if clones == "exclude_clones":
        where.append("t.clone = 0")
    elif clones == "only_include_clones":
        where.append("t.clone = 1")

    rows, count = paging.page(
        ctx.conn, select=records.PANEL_TRACKER_SELECT, count_from=records.TRACKER_FROM,
        condition=" WHERE " + " AND ".join(where), args=args, order=ORDER_COLUMNS[p.get("order_by", "id")], id_column="t.id",
        ascending=p.get("ascending", True), limit=p.get("limit", -1), offset=p.get("offset", 0),
    )
    names = records.panel_names(ctx, rows)
    return {"list": [objects.panel_tracker(r, names) for r in rows], "count": count}


# ---- shared checks -------------------------------------------------------------------------------

BATCH_DELETE_LIMIT = 500
BATCH_CLONE_LIMIT = 1000
REGISTER_RETRY_INTERVAL = 120.0
CONSOLE_KEY_KEPT = 3600  # console keys older than this (seconds) are forgotten when a new one is issued
HISTORY_MONTHS = 12


def _not_corrupted(row: sqlite3.Row) -> sqlite3.Row:
    if row["corrupted"]:
        raise ApiFailure(252)
    return row


def _tracker(ctx: Ctx, tracker_id: int) -> sqlite3.Row:
    """The dealer's tracker (201), its source not corrupted (252)."""
    return _not_corrupted(records.dealer_tracker(ctx, tracker_id))


def _target_user(ctx: Ctx, user_id: int) -> sqlite3.Row:
    """A master user of the dealer, who can own trackers: 246 otherwise."""
    user = ctx.conn.execute(
        "SELECT * FROM users WHERE id = ? AND dealer_id = ? AND master_id IS NULL", (user_id, ctx.dealer_id)
    ).fetchone()
    if user is None:
        raise ApiFailure(246)
    return user


def _clone_sources(ctx: Ctx, user_id: int) -> dict[int, int]:
    """source_id -> id of the user's live (not deleted) clone of it."""
    return {r[0]: r[1] for r in ctx.conn.execute(
        "SELECT source_id, id FROM trackers WHERE user_id = ? AND clone = 1 AND deleted = 0", (user_id,)
    )}


def _next_tracker_id(ctx: Ctx) -> int:
    return (ctx.conn.execute("SELECT MAX(id) FROM trackers").fetchone()[0] or 0) + 1


def _unique(ids: list[int]) -> list[int]:
    return list(dict.fromkeys(ids))


def _insert_clones(ctx: Ctx, user_id: int, sources: list[tuple[int, str]]) -> list[int]:
    """New clones for `user_id` of (source_id, label) pairs; their ids in the same order."""
    first = _next_tracker_id(ctx)
    ids = list(range(first, first + len(sources)))
    ctx.conn.executemany(
        "INSERT INTO trackers (id, label, user_id, group_id, source_id, clone, deleted, comment, creation_date)"
        " VALUES (?, ?, ?, 0, ?, 1, 0, '', ?)",
        [(new, label, user_id, source, ctx.today()) for new, (source, label) in zip(ids, sources)],
    )
    return ids


# ---- clones --------------------------------------------------------------------------------------


def _original(ctx: Ctx, tracker_id: int) -> Any:
    """A tracker of the dealer that is not a clone (219) and whose source is intact (252)."""
    row = records.dealer_tracker(ctx, tracker_id)
    if row["clone"]:
        raise ApiFailure(219)
    _not_corrupted(row)
    return row


def _handover(ctx: Ctx, tracker_id: int, user_id: int) -> tuple[sqlite3.Row, sqlite3.Row]:
    """(tracker, user) for a clone or move: an original tracker (219, 252) and a master user of the
    dealer (246) who is not its owner (246) and has no clone of it yet (247)."""
    row = _original(ctx, tracker_id)
    user = _target_user(ctx, user_id)
    if user["id"] == row["user_id"]:
        raise ApiFailure(246)
    if row["source_id"] in _clone_sources(ctx, user["id"]):
        raise ApiFailure(247)
    return row, user


@action("panel/tracker/clone", api="panel", permission=("trackers", "create"))
def clone(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    """A clone of a non-clone tracker for another user of the dealer: `{"id": new clone}`."""
    row, user = _handover(ctx, p["tracker_id"], p["user_id"])
    return {"id": _insert_clones(ctx, user["id"], [(row["source_id"], p["label"])])[0]}


@action("panel/tracker/batch_clone", api="panel", permission=("trackers", "create"))
def batch_clone(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    """Clones of many trackers for one user, all or nothing (see the module's notes)."""
    if len(p["tracker_ids"]) > BATCH_CLONE_LIMIT:
        raise invalid(("tracker_ids", f"must have between 1 and {BATCH_CLONE_LIMIT} items"))
    user = _target_user(ctx, p["user_id"])
    ids = _unique(p["tracker_ids"])
    rows = records.trackers_by_id(ctx, ids, "u.dealer_id = ?", ctx.dealer_id)
    missing = [i for i in ids if i not in rows]
    if missing:
        raise ApiFailure(217, list=missing)
    for code, refused in (
        (219, lambda r: r["clone"]),
        (252, lambda r: r["corrupted"]),
        (246, lambda r: r["user_id"] == user["id"]),
    ):
        bad = [i for i in ids if refused(rows[i])]
        if bad:
            raise ApiFailure(code, list=bad)
    existing = _clone_sources(ctx, user["id"])
    have = [i for i in ids if rows[i]["source_id"] in existing]
    ignore = p.get("ignore_existing", False)
    if have and not ignore:
        raise ApiFailure(247, list=have)
    todo = [i for i in ids if rows[i]["source_id"] not in existing]
    # two requested trackers never share a source: only clones share one, and clones are refused
    new_ids = _insert_clones(ctx, user["id"], [(rows[i]["source_id"], rows[i]["label"]) for i in todo])
    return {"list": new_ids, **({"ignored_trackers": have} if ignore else {})}


@action("panel/tracker/delete_clone", api="panel", permission=("trackers", "delete"))
def delete_clone(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    row = records.dealer_tracker(ctx, p["tracker_id"])
    if not row["clone"]:
        raise ApiFailure(249)
    _not_corrupted(row)
    if not row["deleted"]:
        records.delete_clone(ctx, row["id"])
    return {}


@action("panel/tracker/batch_delete_clones", api="panel", permission=("trackers", "delete"))
def batch_delete_clones(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    """Delete what can be deleted; success in any case, the rest in `not_deleted_trackers`."""
    ids: list[int] = p["trackers"]
    if len(ids) > BATCH_DELETE_LIMIT:
        raise invalid(("trackers", f"must have between 1 and {BATCH_DELETE_LIMIT} items"))
    rows = records.trackers_by_id(ctx, _unique(ids), "u.dealer_id = ?", ctx.dealer_id)
    done: set[int] = set()
    failed: list[dict[str, Any]] = []
    for tid in ids:
        row = rows.get(tid)
        if row is None:
            error = "Entity not found"
        elif not row["clone"]:
            error = "Not a clone"
        elif row["deleted"] or tid in done:
            error = "Already deleted"
        elif row["corrupted"]:
            error = "Device already corrupted"
        elif records.bound(ctx, tid):
            error = "Delete entity associated with"
        else:
            done.add(tid)
            continue
        failed.append({"id": tid, "error": error})
    records.mark_deleted(ctx, sorted(done))
    answer: dict[str, Any] = {"deleted_count": len(done), "not_deleted_count": len(failed)}
    if failed:
        answer["not_deleted_trackers"] = failed
    return answer


# ---- corrupt, move -------------------------------------------------------------------------------


@action("panel/tracker/corrupt", api="panel", permission=("trackers", "corrupt"))
def corrupt(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    """Mark the tracker deleted and corrupt its source; 253 with the clone ids unless corrupt_clones."""
    row = _original(ctx, p["tracker_id"])
    clones = [r[0] for r in ctx.conn.execute(
        "SELECT id FROM trackers WHERE source_id = ? AND clone = 1 AND deleted = 0 ORDER BY id", (row["source_id"],)
    )]
    if clones and not p.get("corrupt_clones", False):
        raise ApiFailure(253, list=clones)
    records.mark_deleted(ctx, [row["id"], *clones])
    records.corrupt_source(ctx, row)
    return {}


@action("panel/tracker/move", api="panel", permission=(("trackers", "create"), ("trackers", "delete")))
def move(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    """The tracker to another user of the dealer, as a new record: `{"id": its new id}`."""
    row, user = _handover(ctx, p["tracker_id"], p["user_id"])
    new_id = _next_tracker_id(ctx)
    ctx.conn.execute(
        "INSERT INTO trackers (id, label, user_id, group_id, source_id, clone, deleted, comment, creation_date, avatar_file_name)"
        " VALUES (?, ?, ?, 0, ?, 0, ?, ?, ?, ?)",
        (new_id, row["label"], user["id"], row["source_id"], row["deleted"], row["comment"], ctx.today(), row["avatar_file_name"]),
    )
    old = row["id"]
    ctx.conn.execute("UPDATE tracker_activity SET tracker_id = ? WHERE tracker_id = ?", (new_id, old))
    ctx.conn.execute("DELETE FROM rule_trackers WHERE tracker_id = ?", (old,))
    ctx.conn.execute("UPDATE vehicles SET tracker_id = NULL WHERE tracker_id = ?", (old,))
    ctx.conn.execute("DELETE FROM tracker_tags WHERE tracker_id = ?", (old,))
    ctx.conn.execute("DELETE FROM trackers WHERE id = ?", (old,))
    return {"id": new_id}


# ---- settings, source, console, registration, commands ------------------------------------------


@action("panel/tracker/settings/update", api="panel", permission=("trackers", "update"))
def settings_update(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    row = _tracker(ctx, p["tracker_id"])
    ctx.conn.execute(
        "UPDATE trackers SET label = ?, deleted = ?, comment = ? WHERE id = ?",
        (p["label"], int(p["deleted"]), p.get("comment", row["comment"]), row["id"]),
    )
    return {}


@action("panel/tracker/source/update", api="panel", permission=("trackers", "update"))
def source_update(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    row = _tracker(ctx, p["tracker_id"])
    ctx.conn.execute("UPDATE sources SET blocked = ? WHERE id = ?", (int(p["blocked"]), row["source_id"]))
    return {}


@action("panel/tracker/console/connect", api="panel", permission=("trackers", "update"))
def console_connect(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    """A console key and its timestamp; 230 for a deleted or blocked tracker. The key is random and
    kept in `console_keys`: the console (channels.py) takes it once, within 60 s, for this
    tracker's IMEI and the dealer."""
    row = _tracker(ctx, p["tracker_id"])
    if row["deleted"] or row["blocked"]:
        raise ApiFailure(230)
    timestamp = int(ctx.now)
    key = secrets.token_hex(20)
    ctx.conn.execute("DELETE FROM console_keys WHERE timestamp < ?", (timestamp - CONSOLE_KEY_KEPT,))
    ctx.conn.execute("INSERT INTO console_keys (key, tracker_id, device_id, dealer_id, timestamp) VALUES (?, ?, ?, ?, ?)",
                     (key, row["id"], row["device_id"], ctx.dealer_id, timestamp))
    return {"key": key, "timestamp": timestamp}


# register_entry: the document's name for it (spec/README: corrected to register_retry)
@action("panel/tracker/register_retry", api="panel", permission=("trackers", "update"),
        aliases=("panel/tracker/register_entry",))
def register_retry(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    """Registration commands again, at most once in 120 s per device."""
    row = _tracker(ctx, p["tracker_id"])
    if row["clone"]:
        raise ApiFailure(219)
    if row["blocked"]:
        raise ApiFailure(208)
    if not records.has_gsm(ctx.conn.execute("SELECT * FROM models WHERE code = ?", (row["model"],)).fetchone()):
        raise ApiFailure(214)
    last = ctx.conn.execute("SELECT register_retry_at FROM sources WHERE id = ?", (row["source_id"],)).fetchone()[0]
    if last is not None and ctx.now - last < REGISTER_RETRY_INTERVAL:
        raise ApiFailure(264)
    ctx.conn.execute("UPDATE sources SET register_retry_at = ? WHERE id = ?", (ctx.now, row["source_id"]))
    records.queue_command(ctx, row["source_id"], "register",
                          {"send_register_commands": p.get("send_register_commands"), "by": "panel"})
    return {}


@action("panel/tracker/raw_command/send", api="panel", permission=("trackers", "update"))
def raw_command_send(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    """Queue a raw command for the device `device_id` (the dealer's); a non-hex command with type hex
    is 7 before this runs (params.py)."""
    row = ctx.conn.execute(
        records.TRACKER_SELECT + " WHERE s.device_id = ? AND u.dealer_id = ? ORDER BY t.clone, t.id LIMIT 1",
        (p["device_id"], ctx.dealer_id),
    ).fetchone()
    if row is None:
        raise ApiFailure(201)
    _not_corrupted(row)
    records.queue_command(ctx, row["source_id"], "raw", {"command": p["command"], "type": p.get("type", "text")},
                          p.get("reliable", True))
    return {}


# ---- tariff/change -------------------------------------------------------------------------------


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text[:10])


def first_of_next_month(day: dt.date) -> dt.date:
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def repayment(price: float, remainder: int, day: dt.date) -> int:
    """ceil(price * remainder / days in the month of `day`), exactly (no float rounding)."""
    days = calendar.monthrange(day.year, day.month)[1]
    return math.ceil(Decimal(str(price)) * remainder / days)


@action("panel/tracker/tariff/change", api="panel",
        permission=(("trackers", "update"), ("transactions", "create"), ("tariffs", "read")))
def tariff_change(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    row = _tracker(ctx, p["tracker_id"])
    if row["deleted"]:
        raise ApiFailure(250)
    if row["clone"]:
        raise ApiFailure(219)
    t1 = records.dealer_row(ctx, "tariffs", row["tariff_id"], 237)
    t2 = records.dealer_row(ctx, "tariffs", p["tariff_id"], 239)
    owner = ctx.conn.execute("SELECT * FROM users WHERE id = ?", (row["user_id"],)).fetchone()
    if t1["id"] == t2["id"] or t2["device_type"] != "tracker" or not records.tariff_admits(t2["doc_type"], owner["face"]):
        raise ApiFailure(238)
    count = ctx.conn.execute("SELECT COUNT(*) FROM trackers WHERE user_id = ? AND deleted = 0", (owner["id"],)).fetchone()[0]
    if t2["device_limit"] < count:
        raise ApiFailure(221)

    source = ctx.conn.execute("SELECT * FROM sources WHERE id = ?", (row["source_id"],)).fetchone()
    today = _date(ctx.today())
    _repay(ctx, p, row, source, t1, owner, today)

    charge = p["charge"]
    if not source["tariff_end"]:  # the tariff is active
        tariff_end = False
        last_charged = today
        if t2["type"] == "monthly" and not charge:
            end: dt.date | None = first_of_next_month(today)
        else:
            end = today + dt.timedelta(days=1)
    else:
        last_charged = today - dt.timedelta(days=1)
        if t2["type"] == "monthly":
            end, tariff_end = (today, True) if charge else (first_of_next_month(today), False)
        elif t2["type"] == "everyday":
            end, tariff_end = (today, True) if charge else (today + dt.timedelta(days=1), False)
        else:  # activeday
            end, tariff_end = None, False
    ctx.conn.execute(
        "UPDATE sources SET tariff_id = ?, tariff_change_date = ?, tariff_end = ?, tariff_end_date = ?,"
        " last_charged_date = ? WHERE id = ?",
        (t2["id"], today.isoformat(), int(tariff_end), end.isoformat() if end else None, last_charged.isoformat(), source["id"]),
    )
    return {}


def _repay(ctx: Ctx, p: dict[str, Any], row: sqlite3.Row, source: sqlite3.Row, t1: sqlite3.Row, owner: sqlite3.Row,
           today: dt.date) -> None:
    """The document's Repayment: every condition met -> a `repay` transaction credited to the owner."""
    if not (p["repay"] and t1["type"] == "monthly" and t1["price"] > 0 and not source["tariff_end"]
            and source["tariff_end_date"]):
        return
    if _date(source["creation_date"]) + dt.timedelta(days=t1["free_period"]) > today:
        return
    remainder = (_date(source["tariff_end_date"]) - today).days
    if remainder <= 0:
        return
    amount = repayment(t1["price"], remainder, today)
    ctx.conn.execute(
        "INSERT INTO transactions (user_id, tracker_id, type, amount, description, created) VALUES (?, ?, 'repay', ?, ?, ?)",
        (owner["id"], row["id"], amount, f"Repayment of {remainder} days of tariff {t1['name']}", ctx.now),
    )
    ctx.conn.execute("UPDATE users SET balance = balance + ? WHERE id = ?", (amount, owner["id"]))


# ---- active/history/list -------------------------------------------------------------------------


def _month_index(month: str) -> int:
    year, mon = month.split("-")
    return int(year) * 12 + int(mon) - 1


@action("panel/tracker/active/history/list", api="panel", permission=("trackers", "read"))
def active_history_list(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    first, last = _month_index(p["from"]), _month_index(p["to"])
    if last < first:
        raise invalid(("to", "must not be before from"))
    if last - first + 1 > HISTORY_MONTHS:
        raise ApiFailure(211)
    rows = ctx.conn.execute(
        """
        SELECT a.month, t.id AS tracker_id, t.user_id, t.label, s.device_id
        FROM (SELECT month, tracker_id FROM tracker_activity
              UNION
              SELECT strftime('%Y-%m', d.last_fix, 'unixepoch'), t2.id
              FROM device_data d JOIN trackers t2 ON t2.source_id = d.source_id
              WHERE d.last_fix IS NOT NULL AND t2.clone = 0) a
        JOIN trackers t ON t.id = a.tracker_id JOIN sources s ON s.id = t.source_id JOIN users u ON u.id = t.user_id
        WHERE u.dealer_id = ? AND a.month BETWEEN ? AND ?
        ORDER BY a.month, t.id
        """,
        (ctx.dealer_id, p["from"], p["to"]),
    ).fetchall()
    months: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        months.setdefault(r["month"], []).append(
            {"tracker_id": r["tracker_id"], "user_id": r["user_id"], "label": r["label"], "device_id": r["device_id"]}
        )
    return {"list": [{"month": m, "amount": len(ts), "trackers": ts} for m, ts in months.items()]}
