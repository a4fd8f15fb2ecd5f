"""Panel API `panel/tracker/*` actions (panel-api-tracker.md)."""

from __future__ import annotations

from typing import Any

from trackerctl.sandbox import objects, records
from trackerctl.sandbox.codes import ApiFailure
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
    row = records.dealer_tracker(ctx, p["tracker_id"])
    if row["corrupted"]:
        raise ApiFailure(252)
    return {"value": objects.panel_tracker(row)}


@action("panel/tracker/list", api="panel", permission=("trackers", "read"))
def list_(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    """The dealer's trackers (deleted and corrupted included), filtered, ordered and paged;
    `count` ignores offset and limit. 201 for a `user_id` or `tariff_id` not of this dealer."""
    where, args = ["u.dealer_id = ?"], [ctx.dealer_id]
    if "user_id" in p:
        if not ctx.conn.execute("SELECT 1 FROM users WHERE id = ? AND dealer_id = ?", (p["user_id"], ctx.dealer_id)).fetchone():
            raise ApiFailure(201)
        where.append("t.user_id = ?")
        args.append(p["user_id"])
    if "tariff_id" in p:
        if not ctx.conn.execute("SELECT 1 FROM tariffs WHERE id = ? AND dealer_id = ?", (p["tariff_id"], ctx.dealer_id)).fetchone():
            raise ApiFailure(201)
        where.append("s.tariff_id = ?")
        args.append(p["tariff_id"])
    if p.get("filter"):
        pattern = "%" + p["filter"].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where.append("(" + " OR ".join(f"CAST({c} AS TEXT) LIKE ? ESCAPE '\\'" for c in FILTER_COLUMNS) + ")")
        args.extend([pattern] * len(FILTER_COLUMNS))
    clones = p.get("clones_filter", "not_set")
    if clones == "exclude_clones":
        where.append("t.clone = 0")
    elif clones == "only_include_clones":
        where.append("t.clone = 1")

    condition = " WHERE " + " AND ".join(where)
    count = ctx.conn.execute(
        "SELECT COUNT(*) FROM trackers t JOIN sources s ON s.id = t.source_id JOIN users u ON u.id = t.user_id" + condition, args
    ).fetchone()[0]
    direction = "ASC" if p.get("ascending", True) else "DESC"
    order = ORDER_COLUMNS[p.get("order_by", "id")]
    rows = ctx.conn.execute(
        records.TRACKER_SELECT + condition + f" ORDER BY {order} {direction}, t.id {direction} LIMIT ? OFFSET ?",
        [*args, p.get("limit", -1), p.get("offset", 0)],
    ).fetchall()
    return {"list": [objects.panel_tracker(r) for r in rows], "count": count}
