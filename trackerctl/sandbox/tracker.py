"""User API `tracker/*` actions (user-api-tracker.md)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from trackerctl.sandbox import objects, records
from trackerctl.sandbox.dispatch import Ctx, action


@action("tracker/read", api="user")
def read(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    """One of the user's trackers; 201 when it is not theirs, deleted or corrupted."""
    return {"value": objects.user_tracker(records.user_tracker(ctx, p["tracker_id"]))}


@action("tracker/list", api="user")
def list_(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    """The user's trackers, with their tag bindings; `labels` keeps those whose label contains any
    of the filters (case-insensitive)."""
    rows = ctx.conn.execute(
        records.TRACKER_SELECT + f" WHERE t.user_id = ? AND {records.USER_VISIBLE} ORDER BY t.id", (ctx.owner_id,)
    ).fetchall()
    needles = [label.casefold() for label in p.get("labels", ())]
    if needles:
        rows = [r for r in rows if any(n in r["label"].casefold() for n in needles)]
    bindings: dict[int, list[dict[str, int]]] = defaultdict(list)
    for b in ctx.conn.execute(
        "SELECT b.tracker_id, b.tag_id, b.ordinal FROM tracker_tags b JOIN trackers t ON t.id = b.tracker_id"
        " WHERE t.user_id = ? ORDER BY b.tracker_id, b.ordinal",
        (ctx.owner_id,),
    ):
        bindings[b["tracker_id"]].append({"tag_id": b["tag_id"], "ordinal": b["ordinal"]})
    return {"list": [objects.user_tracker(r, bindings.get(r["id"], [])) for r in rows]}
