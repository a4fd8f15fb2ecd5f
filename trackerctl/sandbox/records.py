"""Lookups of trackers as the two APIs see them, and what both do to them (delete, corrupt, queue a
command for the device), shared by the action modules.

A user sees the trackers of its account (a sub-user those of its master) that are neither deleted
nor corrupted; anything else is "not found" (201). The panel sees every tracker whose owner belongs
to its dealer, deleted and corrupted ones included; each panel action decides what a corrupted
source means for it (most answer 252).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from trackerctl.sandbox.codes import ApiFailure

if TYPE_CHECKING:
    from trackerctl.sandbox.dispatch import Ctx

# One row per tracker with its source and its owner's dealer; objects.py renders it.
TRACKER_FROM = "FROM trackers t JOIN sources s ON s.id = t.source_id JOIN users u ON u.id = t.user_id"
_TRACKER_COLUMNS = """t.id, t.label, t.user_id, t.group_id, t.source_id, t.clone, t.deleted, t.comment, t.creation_date,
       t.avatar_file_name, s.device_id, s.phone, s.model, s.blocked, s.tariff_id, s.status_listing_id,
       s.creation_date AS source_creation_date, s.tariff_end_date, s.connection_status, s.corrupted, u.dealer_id"""
TRACKER_SELECT = f"\nSELECT {_TRACKER_COLUMNS}\n{TRACKER_FROM}\n"
# The panel's tracker row adds when the device last connected (device_data.last_connection),
# `yyyy-MM-dd HH:mm:ss` UTC in whole seconds as fmt_datetime shows them: one lookup by primary key.
# The owner's and the model's names are looked up once per answer (`PanelNames`), not joined to every row.
PANEL_TRACKER_SELECT = f"""
SELECT {_TRACKER_COLUMNS}, datetime(CAST(d.last_connection AS INTEGER), 'unixepoch') AS last_connection
{TRACKER_FROM} LEFT JOIN device_data d ON d.source_id = s.id
"""

USER_VISIBLE = "t.deleted = 0 AND s.corrupted = 0"
MOBILE_APP_PREFIXES = ("navixymobile", "mobile_unknown", "iosnavixytracker")
IN_CHUNK = 900  # host parameters per IN (...) query


def user_tracker(ctx: Ctx, tracker_id: int) -> sqlite3.Row:
    """The user's tracker `tracker_id`: 201 unless it is theirs, not deleted and not corrupted."""
    row = ctx.conn.execute(
        TRACKER_SELECT + f" WHERE t.id = ? AND t.user_id = ? AND {USER_VISIBLE}", (tracker_id, ctx.owner_id)
    ).fetchone()
    if row is None:
        raise ApiFailure(201)
    return row


def dealer_tracker(ctx: Ctx, tracker_id: int) -> sqlite3.Row:
    """The dealer's tracker `tracker_id`, whatever its state: 201 unless its owner is the dealer's."""
    row = ctx.conn.execute(PANEL_TRACKER_SELECT + " WHERE t.id = ? AND u.dealer_id = ?", (tracker_id, ctx.dealer_id)).fetchone()
    if row is None:
        raise ApiFailure(201)
    return row


@dataclass(frozen=True)
class PanelNames:
    """What the panel's tracker object shows beside ids (the OpenAPI's `owner_name`, `model_name`)."""

    owners: dict[int, str]  # user id -> display name
    models: dict[str, str]  # model code -> name


def panel_names(ctx: Ctx, rows: Sequence[sqlite3.Row]) -> PanelNames:
    """The names for these tracker rows, in two small queries: a page of 1,000 trackers has a few
    owners and models, so this costs less than a join to every row."""
    owners: dict[int, str] = {}
    for marks, part in in_chunks(sorted({row["user_id"] for row in rows})):
        owners.update((user["id"], owner_name(user)) for user in ctx.conn.execute(
            f"SELECT id, first_name, middle_name, last_name, legal_name, face FROM users WHERE id IN ({marks})", part))
    return PanelNames(owners, {code: name for code, name in ctx.conn.execute("SELECT code, name FROM models")})


def owner_name(user: sqlite3.Row) -> str:
    """A user's display name: a legal entity's legal name, else the first, middle and last names
    that are set (the OpenAPI shows only an example, "User Demo")."""
    if user["face"] == 2 and user["legal_name"]:
        return user["legal_name"]
    return " ".join(name for name in (user["first_name"], user["middle_name"], user["last_name"]) if name)


def dealer_row(ctx: Ctx, table: str, value: Any, missing: int, *, key: str = "id") -> sqlite3.Row:
    """The dealer's row of `table` whose `key` is `value` (users, tariffs, bundles, equipment, SIMs);
    code `missing` when there is none."""
    row = ctx.conn.execute(f"SELECT * FROM {table} WHERE {key} = ? AND dealer_id = ?", (value, ctx.dealer_id)).fetchone()
    if row is None:
        raise ApiFailure(missing)
    return row


def in_chunks(values: Sequence[Any]) -> Iterator[tuple[str, list[Any]]]:
    """`values` in parts of at most IN_CHUNK: (the part's `?,?,...` for IN (...), the part)."""
    for start in range(0, len(values), IN_CHUNK):
        part = list(values[start:start + IN_CHUNK])
        yield ",".join("?" * len(part)), part


def trackers_by_id(ctx: Ctx, ids: Sequence[int], condition: str, arg: Any) -> dict[int, sqlite3.Row]:
    """The trackers among `ids` that meet `condition` (one `?`, given `arg`), by id."""
    return {row["id"]: row for marks, part in in_chunks(ids)
            for row in ctx.conn.execute(TRACKER_SELECT + f" WHERE t.id IN ({marks}) AND {condition}", (*part, arg))}


def corrupted_device_id(source_id: int, device_id: str) -> str:
    """What corruption makes of a source's device_id: unique, and freeing the original for a new
    registration (the phone is set to null)."""
    return f"corrupted.{source_id}.{device_id}"


def corrupt_source(ctx: Ctx, row: sqlite3.Row) -> None:
    """Mark the tracker's source corrupted: its device_id rewritten, its phone cleared."""
    ctx.conn.execute(
        "UPDATE sources SET corrupted = 1, device_id = ?, phone = NULL WHERE id = ?",
        (corrupted_device_id(row["source_id"], row["device_id"]), row["source_id"]),
    )


def mark_deleted(ctx: Ctx, ids: list[int]) -> None:
    """Mark the trackers deleted (they stay in the database) and drop their tags."""
    ctx.conn.executemany("UPDATE trackers SET deleted = 1 WHERE id = ?", [(i,) for i in ids])
    ctx.conn.executemany("DELETE FROM tracker_tags WHERE tracker_id = ?", [(i,) for i in ids])


def delete_clone(ctx: Ctx, tracker_id: int) -> None:
    """Delete the clone, unless rules or vehicles use it (203 with their ids)."""
    used_by = bound(ctx, tracker_id)
    if used_by:
        raise ApiFailure(203, **used_by)
    mark_deleted(ctx, [tracker_id])


def bound(ctx: Ctx, tracker_id: int) -> dict[str, list[int]]:
    """The 203 extra for a tracker rules or vehicles use: {"rules": [...]} or {"vehicles": [...]}; {} if free."""
    rules = [r[0] for r in ctx.conn.execute(
        "SELECT rule_id FROM rule_trackers WHERE tracker_id = ? ORDER BY rule_id", (tracker_id,))]
    if rules:
        return {"rules": rules}
    vehicles = [r[0] for r in ctx.conn.execute("SELECT id FROM vehicles WHERE tracker_id = ? ORDER BY id", (tracker_id,))]
    return {"vehicles": vehicles} if vehicles else {}


# A tariff's doc_type and the owner legal types (`face`) it admits: the panel document's tariff/change
# step 5 (0 for all and 3 paas: without conditions; 1 physical persons; 2 legal entities and sole traders).
_DOC_TYPE_FACES: dict[int, set[int] | None] = {0: None, 1: {1}, 2: {2, 3}, 3: None}


def tariff_admits(doc_type: int, face: int) -> bool:
    faces = _DOC_TYPE_FACES.get(doc_type, set())
    return faces is None or face in faces


def has_gsm(model: sqlite3.Row) -> bool:
    return bool(model["has_gsm"]) and not mobile_app(model["code"])


def mobile_app(code: str) -> bool:
    return code.startswith(MOBILE_APP_PREFIXES)


def queue_command(ctx: Ctx, source_id: int, kind: str, payload: dict[str, Any], reliable: bool = True) -> None:
    """What the platform would send to the device, kept in `commands` for tests to inspect."""
    ctx.conn.execute(
        "INSERT INTO commands (source_id, kind, payload, reliable, created) VALUES (?, ?, ?, ?, ?)",
        (source_id, kind, json.dumps(payload), int(reliable), ctx.now),
    )
