"""API objects built from rows of `records.TRACKER_SELECT`, keys in the documents' order.

User API: the "Tracker object structure" of user-api-tracker.md (`avatar_file_name` only when
present; `tag_bindings` in the answers whose examples show it, listed in tracker/__init__.py).
Panel API: the "Tracker object" of panel-api-tracker.md (`corrupted` in the source only when true),
with what the OpenAPI's `Tracker` adds, before `source`: `owner_name`, `model_name` and
`last_connection` (a row of `records.PANEL_TRACKER_SELECT` and `records.panel_names`).
Coordinates are rounded as the documents show them (`coordinate`).
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from trackerctl.sandbox.records import PanelNames


COORDINATE_DECIMALS = 6  # as the documents' examples show latitudes and longitudes (34.178868)


def coordinate(value: float | None) -> float | None:
    """A latitude or longitude as stored and answered: rounded to COORDINATE_DECIMALS, so that
    arithmetic leaves no float noise (52.380199999999995 is 52.3802)."""
    return None if value is None else round(value, COORDINATE_DECIMALS)


def user_tracker(row: sqlite3.Row, tag_bindings: list[dict[str, int]] | None = None) -> dict[str, Any]:
    obj: dict[str, Any] = {"id": row["id"], "label": row["label"], "clone": bool(row["clone"]), "group_id": row["group_id"]}
    if row["avatar_file_name"] is not None:
        obj["avatar_file_name"] = row["avatar_file_name"]
    obj["source"] = {
        "id": row["source_id"],
        "device_id": row["device_id"],
        "model": row["model"],
        "blocked": bool(row["blocked"]),
        "tariff_id": row["tariff_id"],
        "status_listing_id": row["status_listing_id"],
        "creation_date": row["source_creation_date"],
        "tariff_end_date": row["tariff_end_date"],
        "phone": row["phone"],
    }
    if tag_bindings is not None:
        obj["tag_bindings"] = tag_bindings
    return obj


def panel_tracker(row: sqlite3.Row, names: PanelNames) -> dict[str, Any]:
    obj: dict[str, Any] = {"id": row["id"]}
    if row["avatar_file_name"] is not None:
        obj["avatar_file_name"] = row["avatar_file_name"]
    obj.update(
        clone=bool(row["clone"]),
        comment=row["comment"],
        creation_date=row["creation_date"],
        group_id=row["group_id"],
        dealer_id=row["dealer_id"],
        deleted=bool(row["deleted"]),
        label=row["label"],
        user_id=row["user_id"],
        owner_name=names.owners.get(row["user_id"]),
        model_name=names.models.get(row["model"]),
        last_connection=row["last_connection"],
    )
    source: dict[str, Any] = {
        "id": row["source_id"],
        "device_id": row["device_id"],
        "model": row["model"],
        "blocked": bool(row["blocked"]),
        "tariff_id": row["tariff_id"],
        "creation_date": row["source_creation_date"],
        "tariff_end_date": row["tariff_end_date"],
        "connection_status": row["connection_status"],
        "phone": row["phone"],
    }
    if row["corrupted"]:
        source["corrupted"] = True
    obj["source"] = source
    return obj
