"""Panel API `panel/tracker/bundle/*` actions (panel-api-tracker.md): a dealer's bundles, each an
IMEI with its equipment (hence its model), optionally a SIM card (ICCID) and an order.

The bundle object (the document does not spell it out; these are the columns the CLI shows):
`{"id", "imei", "model_code", "equip_id", "iccid", "order_id", "assign_time"}`.

Choices where the document is silent or loose:
- `bundle/import` is all or nothing: one IMEI that already exists (in any dealer's bundles, or twice
  in the request) refuses the whole request with a plain 247, no `list`: a client finds the
  existing ones by splitting the request. Its documented 201 ("if bundle not found") has no state
  that causes it on an import; the sandbox never answers it there.
- `bundle/assign`: 247 when another bundle already holds the ICCID (assigning a bundle the ICCID it
  already has succeeds and changes nothing); 223 when the SIM is in use by a device (its `in_use`
  mark, or its phone number being a registered tracker's); checked in the order 201, 226, 250,
  208, 247, 223.
- `bundle/list`: `order_by` takes panel/tracker/list's names; on bundles `device_id` and `label`
  order by IMEI, `model` by model code, `phone` by the SIM's phone, `creation_date` by assign time,
  `status` by activation, and `user_id` and `comment` (no bundle counterpart) by id. `clones_filter`
  is accepted and has nothing to filter. `user_id` and `tariff_id`, which the document's 201 line
  mentions, are honoured when sent: only bundles whose IMEI is the device ID of a tracker of that
  user, or on that tariff; 201 when the user or tariff is not the dealer's.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from trackerctl.api.action import Param
from trackerctl.sandbox import paging, records
from trackerctl.sandbox.codes import ApiFailure
from trackerctl.sandbox.dispatch import Ctx, action
from trackerctl.sandbox.params import validate

BUNDLE_FIELDS = ("id", "imei", "model_code", "equip_id", "iccid", "order_id", "assign_time")
_SELECT = "SELECT b.id, b.imei, b.model_code, b.equip_id, b.iccid, b.order_id, b.assign_time FROM bundles b"

ORDER_COLUMNS = {
    "id": "b.id",
    "label": "b.imei",
    "device_id": "b.imei",
    "status": "b.activated",
    "model": "b.model_code",
    "phone": "(SELECT phone FROM sims WHERE sims.iccid = b.iccid)",
    "creation_date": "b.assign_time",
    "user_id": "b.id",
    "comment": "b.id",
}
FILTER_COLUMNS = ("b.id", "b.imei", "b.model_code", "b.iccid", "b.assign_time")
# bundle/list's `user_id` and `tariff_id`, which the CLI registry does not declare for it (see above).
_OWNER_FILTERS = (Param("user_id", "int", "", required=False, ge=1), Param("tariff_id", "int", "", required=False, ge=1))


def bundle_object(row: sqlite3.Row) -> dict[str, Any]:
    return {name: row[name] for name in BUNDLE_FIELDS}


@action("panel/tracker/bundle/import", api="panel", permission=("tracker_bundles", "create"))
def import_(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    """Bundles for all `imeis` with the equipment's model, or none: 204 for equipment not of the
    dealer, 247 when any IMEI already exists (plain body)."""
    equipment = records.dealer_row(ctx, "equipment", p["equip_id"], 204)
    imeis: list[str] = p["imeis"]
    if len(set(imeis)) != len(imeis):
        raise ApiFailure(247)
    for marks, part in records.in_chunks(imeis):
        if ctx.conn.execute(f"SELECT 1 FROM bundles WHERE imei IN ({marks}) LIMIT 1", part).fetchone():
            raise ApiFailure(247)
    ctx.conn.executemany(
        "INSERT INTO bundles (dealer_id, imei, model_code, equip_id, factory_preset) VALUES (?, ?, ?, ?, ?)",
        [(ctx.dealer_id, imei, equipment["model_code"], equipment["id"], int(p["factory_preset"])) for imei in imeis],
    )
    return {}


@action("panel/tracker/bundle/read", api="panel", permission=("tracker_bundles", "read"))
def read(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    return {"value": bundle_object(records.dealer_row(ctx, "bundles", p["imei"], 201, key="imei"))}


@action("panel/tracker/bundle/list", api="panel", permission=("tracker_bundles", "read"))
def list_(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    """The dealer's bundles, filtered, ordered and paged (paging.py); `count` ignores offset and limit."""
    where, args = ["b.dealer_id = ?"], [ctx.dealer_id]
    extra = validate(_OWNER_FILTERS, ctx.raw)
    if "user_id" in extra:
        records.dealer_row(ctx, "users", extra["user_id"], 201)
        where.append("b.imei IN (SELECT s.device_id FROM sources s JOIN trackers t ON t.source_id = s.id WHERE t.user_id = ?)")
        args.append(extra["user_id"])
    if "tariff_id" in extra:
        records.dealer_row(ctx, "tariffs", extra["tariff_id"], 201)
        where.append("b.imei IN (SELECT device_id FROM sources WHERE tariff_id = ?)")
        args.append(extra["tariff_id"])
    if p.get("filter"):
        condition, patterns = paging.contains(FILTER_COLUMNS, p["filter"])
        where.append(condition)
        args.extend(patterns)
    rows, count = paging.page(
        ctx.conn, select=_SELECT, count_from="FROM bundles b", condition=" WHERE " + " AND ".join(where), args=args,
        order=ORDER_COLUMNS[p.get("order_by", "id")], id_column="b.id", ascending=p.get("ascending", True),
        limit=p.get("limit", -1), offset=p.get("offset", 0),
    )
    return {"list": [bundle_object(r) for r in rows], "count": count}


@action("panel/tracker/bundle/assign", api="panel", permission=("tracker_bundles", "update"))
def assign(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    """Give the bundle the SIM card `iccid` (its assign time is now)."""
    bundle = records.dealer_row(ctx, "bundles", p["bundle_id"], 201)
    sim = records.dealer_row(ctx, "sims", p["iccid"], 226, key="iccid")
    if sim["deleted"]:
        raise ApiFailure(250)
    if sim["blocked"]:
        raise ApiFailure(208)
    if bundle["iccid"] == sim["iccid"]:
        return {}
    if ctx.conn.execute("SELECT 1 FROM bundles WHERE iccid = ?", (sim["iccid"],)).fetchone():
        raise ApiFailure(247)
    phone_used = sim["phone"] is not None and ctx.conn.execute(
        "SELECT 1 FROM sources WHERE phone = ?", (sim["phone"],)
    ).fetchone()
    if sim["in_use"] or phone_used:
        raise ApiFailure(223)
    ctx.conn.execute("UPDATE bundles SET iccid = ?, assign_time = ? WHERE id = ?", (sim["iccid"], ctx.timestamp(), bundle["id"]))
    return {}


@action("panel/tracker/bundle/order/assign", api="panel", permission=("tracker_bundles", "update"))
def order_assign(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    """Put the bundle on order `order_id`; without one (null) take it off its order."""
    bundle = records.dealer_row(ctx, "bundles", p["bundle_id"], 201)
    ctx.conn.execute("UPDATE bundles SET order_id = ? WHERE id = ?", (p.get("order_id"), bundle["id"]))
    return {}


@action("panel/tracker/bundle/update", api="panel", permission=("tracker_bundles", "update"))
def update(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    """Give the bundle the equipment `equip_id` (and so its model)."""
    bundle = records.dealer_row(ctx, "bundles", p["bundle_id"], 201)
    equipment = records.dealer_row(ctx, "equipment", p["equip_id"], 204)
    ctx.conn.execute(
        "UPDATE bundles SET equip_id = ?, model_code = ? WHERE id = ?", (equipment["id"], equipment["model_code"], bundle["id"])
    )
    return {}
