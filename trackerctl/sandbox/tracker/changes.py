"""User API `tracker/*` changes to a tracker: corrupt, delete, change_phone, tags/set.

Choices where the document is silent or loose:
- corrupt lists both 13 and 243 for "already connected": the sandbox answers 243; 13 is the
  missing right. Live clones of the corrupted source (other users') are deleted with it.
- delete: 203 carries `rules` when rules are bound, else `vehicles` (as panel delete_clone).
  Deleting marks the clone deleted and drops its tags.
- change_phone: 241 when the phone is the number of a SIM that a bundle holds (checked before 223);
  keeping the tracker's own number is allowed.
- tags/set: ordinals 1-5, each tag and ordinal once (7); tags that are not the user's: 217.
"""

from __future__ import annotations

from typing import Any

from trackerctl.sandbox import records
from trackerctl.sandbox.codes import ApiFailure, invalid
from trackerctl.sandbox.dispatch import Ctx, action
from trackerctl.sandbox.records import has_gsm, queue_command
from trackerctl.sandbox.tracker.common import live_tracker, phone_free, source_row, tracker_model, unblocked


@action("tracker/corrupt", api="user", right="tracker_register")
def corrupt(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    """Mark the tracker deleted, scramble its source's device_id and clear its phone. Order 201, 252,
    219, 208, 243 (a device that has connected)."""
    row = ctx.conn.execute(records.TRACKER_SELECT + " WHERE t.id = ? AND t.user_id = ?", (p["tracker_id"], ctx.owner_id)).fetchone()
    if row is None or (row["deleted"] and not row["corrupted"]):
        raise ApiFailure(201)
    if row["corrupted"]:
        raise ApiFailure(252)
    if row["clone"]:
        raise ApiFailure(219)
    unblocked(row)
    if source_row(ctx, row["source_id"])["activated"]:
        raise ApiFailure(243)
    ids = [r[0] for r in ctx.conn.execute("SELECT id FROM trackers WHERE source_id = ? AND deleted = 0", (row["source_id"],))]
    records.mark_deleted(ctx, ids)
    records.corrupt_source(ctx, row)
    return {}


@action("tracker/delete", api="user", right="admin")
def delete(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    """Delete a clone: 249 for an original, 203 with `rules` (else `vehicles`) when bound."""
    row = live_tracker(ctx, p["tracker_id"])
    if not row["clone"]:
        raise ApiFailure(249)
    records.delete_clone(ctx, row["id"])
    return {}


@action("tracker/change_phone", api="user", right="tracker_configure")
def change_phone(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    """New phone and APN for the device. Order 201, 208, 219, 214, 241, 223."""
    row = unblocked(live_tracker(ctx, p["tracker_id"]))
    if row["clone"]:
        raise ApiFailure(219)
    if not has_gsm(tracker_model(ctx, row)):
        raise ApiFailure(214)
    phone = p["phone"]
    if ctx.conn.execute("SELECT 1 FROM sims s JOIN bundles b ON b.iccid = s.iccid WHERE s.phone = ?", (phone,)).fetchone():
        raise ApiFailure(241)
    phone_free(ctx, phone, row["source_id"])
    ctx.conn.execute(
        "UPDATE sources SET phone = ?, apn_name = ?, apn_user = ?, apn_password = ? WHERE id = ?",
        (phone, p["apn_name"], p["apn_user"], p["apn_password"], row["source_id"]),
    )
    queue_command(ctx, row["source_id"], "register", {"action": "change_phone", "phone": phone, "apn_name": p["apn_name"],
                                               "apn_user": p["apn_user"], "apn_password": p["apn_password"]})
    return {}


@action("tracker/tags/set", api="user")
def tags_set(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    """Replace the tracker's tags: ordinals 1-5, each tag and ordinal once (7), the user's tags (217)."""
    row = unblocked(live_tracker(ctx, p["tracker_id"]))
    bindings = p["tag_bindings"]
    problems = []
    if any(not 1 <= b["ordinal"] <= 5 for b in bindings):
        problems.append(("tag_bindings", "ordinal must be between 1 and 5"))
    if len({b["tag_id"] for b in bindings}) != len(bindings) or len({b["ordinal"] for b in bindings}) != len(bindings):
        problems.append(("tag_bindings", "each tag_id and each ordinal must appear once"))
    if problems:
        raise invalid(*problems)
    tag_ids = [b["tag_id"] for b in bindings]
    if tag_ids:
        known = {r[0] for r in ctx.conn.execute(
            f"SELECT id FROM tags WHERE user_id = ? AND id IN ({','.join('?' * len(tag_ids))})", (ctx.owner_id, *tag_ids))}
        if len(known) != len(tag_ids):
            raise ApiFailure(217)
    ctx.conn.execute("DELETE FROM tracker_tags WHERE tracker_id = ?", (row["id"],))
    ctx.conn.executemany("INSERT INTO tracker_tags (tracker_id, tag_id, ordinal) VALUES (?, ?, ?)",
                         [(row["id"], b["tag_id"], b["ordinal"]) for b in bindings])
    return {}
