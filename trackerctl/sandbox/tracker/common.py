"""What the `tracker/*` modules share: the user's tracker and the checks on it, model and device
lookups, the answer object (what the panel shares with them is in records.py)."""

from __future__ import annotations

import sqlite3
from typing import Any

from trackerctl.sandbox import objects, records
from trackerctl.sandbox.codes import ApiFailure
from trackerctl.sandbox.dispatch import Ctx


def live_tracker(ctx: Ctx, tracker_id: int, *, missing: int = 201) -> sqlite3.Row:
    """The user's live tracker; `missing` (201, or 204 for the replace family) otherwise."""
    try:
        return records.user_tracker(ctx, tracker_id)
    except ApiFailure:
        raise ApiFailure(missing) from None


def unblocked(row: sqlite3.Row) -> sqlite3.Row:
    if row["blocked"]:
        raise ApiFailure(208)
    return row


def source_row(ctx: Ctx, source_id: int) -> sqlite3.Row:
    return ctx.conn.execute("SELECT * FROM sources WHERE id = ?", (source_id,)).fetchone()


def model_row(ctx: Ctx, code: str | None) -> sqlite3.Row | None:
    if code is None:
        return None
    return ctx.conn.execute("SELECT * FROM models WHERE code = ?", (code,)).fetchone()


def tracker_model(ctx: Ctx, row: sqlite3.Row) -> sqlite3.Row:
    return model_row(ctx, row["model"])  # sources.model references models


def owner_row(ctx: Ctx) -> sqlite3.Row:
    return ctx.conn.execute("SELECT * FROM users WHERE id = ?", (ctx.owner_id,)).fetchone()


def tag_bindings(ctx: Ctx, tracker_id: int) -> list[dict[str, int]]:
    return [
        {"tag_id": r["tag_id"], "ordinal": r["ordinal"]}
        for r in ctx.conn.execute("SELECT tag_id, ordinal FROM tracker_tags WHERE tracker_id = ? ORDER BY ordinal", (tracker_id,))
    ]


def tracker_answer(ctx: Ctx, tracker_id: int, *, tags: bool) -> dict[str, Any]:
    row = ctx.conn.execute(records.TRACKER_SELECT + " WHERE t.id = ?", (tracker_id,)).fetchone()
    return objects.user_tracker(row, tag_bindings(ctx, tracker_id) if tags else None)


def device_data(ctx: Ctx, source_id: int) -> sqlite3.Row | None:
    return ctx.conn.execute("SELECT * FROM device_data WHERE source_id = ?", (source_id,)).fetchone()


def last_fix(ctx: Ctx, data: sqlite3.Row | None) -> float | None:
    """Epoch of the last fix: now for a live device."""
    if data is None:
        return None
    return ctx.now if data["live"] else data["last_fix"]


def phone_free(ctx: Ctx, phone: str | None, source_id: int | None = None) -> None:
    """223 when another device has this phone."""
    if phone and ctx.conn.execute("SELECT 1 FROM sources WHERE phone = ? AND id IS NOT ?", (phone, source_id)).fetchone():
        raise ApiFailure(223)
