"""User API `tracker/*` requests sent on to the device: location_request, raw_command/send,
send_command (kept in the `commands` table).

Choices where the document is silent or loose:
- location_request: support (214: has_location_request for sms, has_gsm_lbs_location_request for
  gsm, has_gprs_location_request for gprs), then online for gsm/gprs (213 unless `active` or
  `idle`), then 256 when the last fix is fresh (within FRESH_FIX seconds of the sandbox clock).
- send_command: a command name the model's special_control does not offer (table of the
  document; `none` offers nothing) is 7 with an `errors` entry for `command.name`, since the
  document lists general errors only; command_code must be seal/unseal, special_settings an
  object (required for set_special_settings_command). The answer is the document's
  `{"list": [tracker]}`.
"""

from __future__ import annotations

from typing import Any

from trackerctl.sandbox.codes import ApiFailure, invalid
from trackerctl.sandbox.dispatch import Ctx, action
from trackerctl.sandbox.records import queue_command
from trackerctl.sandbox.tracker.common import (
    device_data, last_fix, live_tracker, tracker_answer, tracker_model, unblocked,
)

FRESH_FIX = 300.0  # seconds: a fix this recent makes location_request answer 256
ONLINE = ("active", "idle")  # connection statuses that count as online ("online", "GPS not updated")
LOCK_CONTROLS = ("jointech_lock_password", "hhd_lock_password", "vg_lock_password")


@action("tracker/location_request", api="user")
def location_request(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    """Queue a location request. Order 201, 208, 214, 213, 256."""
    row = unblocked(live_tracker(ctx, p["tracker_id"]))
    kind = p.get("type", "sms")
    model = tracker_model(ctx, row)
    supported = {"sms": model["has_location_request"], "gsm": model["has_gsm_lbs_location_request"],
                 "gprs": model["has_gprs_location_request"]}[kind]
    if not supported:
        raise ApiFailure(214)
    if kind != "sms" and row["connection_status"] not in ONLINE:
        raise ApiFailure(213)
    fix = last_fix(ctx, device_data(ctx, row["source_id"]))
    if fix is not None and ctx.now - fix <= FRESH_FIX:
        raise ApiFailure(256)
    queue_command(ctx, row["source_id"], "location_request", {"type": kind})
    return {}


@action("tracker/raw_command/send", api="user", right=("tracker_configure", "tracker_set_output"))
def raw_command_send(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    """Queue a raw command (a non-hex command with type hex is 7 before this runs: params.py)."""
    row = unblocked(live_tracker(ctx, p["tracker_id"]))
    queue_command(ctx, row["source_id"], "raw", {"command": p["command"], "type": p.get("type", "text")}, p.get("reliable", True))
    return {}


@action("tracker/send_command", api="user", right=("tracker_configure", "tracker_set_output"))
def send_command(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    """Queue a special control command the model's special_control offers (7 otherwise)."""
    row = unblocked(live_tracker(ctx, p["tracker_id"]))
    special = tracker_model(ctx, row)["special_control"]
    offered = (("electronic_lock_command", "set_special_settings_command") if special in LOCK_CONTROLS
               else () if special == "none" else ("set_special_settings_command",))
    command, problems = p["command"], []
    name = command.get("name")
    if not isinstance(name, str) or not name:
        problems.append(("command.name", "required parameter is missing"))
    elif name not in offered:
        problems.append(("command.name", f"{name} is not available for special control {special}"
                         + (f" (available: {', '.join(offered)})" if offered else "")))
    if name == "electronic_lock_command" and command.get("command_code") not in ("seal", "unseal"):
        problems.append(("command.command_code", "must be one of seal, unseal"))
    settings = command.get("special_settings")
    if settings is None and name == "set_special_settings_command":
        problems.append(("command.special_settings", "required parameter is missing"))
    elif settings is not None and not isinstance(settings, dict):
        problems.append(("command.special_settings", "must be a JSON object"))
    if problems:
        raise invalid(*problems)
    queue_command(ctx, row["source_id"], "special", command)
    return {"list": [tracker_answer(ctx, row["id"], tags=True)]}
