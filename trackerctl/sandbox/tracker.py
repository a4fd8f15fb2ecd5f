"""User API `tracker/*` actions (user-api-tracker.md).

Every action works on the trackers of the user's account (a sub-user's: its master's) that are
neither deleted nor corrupted; anything else is 201 (the replace family answers 204, as its Errors
sections list: there 201 means "no bundle"). A blocked source answers 208 wherever a tracker "must
not be blocked". The state the answers come from:

- `sources.activated`: 1 once the device has connected since its registration ("connected" in the
  document). corrupt refuses a connected device (243), register_retry and replace_retry too (242);
  replace and replace_quick refuse a device that has not been activated yet (266). A registration
  or a replacement leaves the source `just_registered` and not activated until the device connects
  (a test sets `activated = 1`).
- `sources.replaced_device_id`: set by replace/replace_quick. replace_retry resends to a new device
  only: for a tracker whose own first device never activated and that was never replaced it answers
  266 ("the old device is not activated yet").
- `device_data` (per source): the last fix (`live`: always fresh), `state` JSON (gps_signal_level,
  gsm, battery_level, inputs, outputs, additional; optional epoch keys gsm_updated, battery_updated,
  inputs_updated, outputs_updated, track_updated), the sensor lists of get_readings / get_fuel /
  get_diagnostics and get_inputs' lists. A fix is fresh within FRESH_FIX seconds of the sandbox
  clock. Date-times are shown in the user's `time_zone`.
- Sensor values: `converted_units_type` / `converted_value` are computed from the user's
  `measurement_system` (null when the sensor's unit already belongs to it), whatever the stored JSON
  holds there.
- Registration (`register`, `replace`): the plugin's `params` (plugins table) are required beside the
  common ones, checked with the rest (7 naming each). A plugin taking `activation_code` consumes an
  unused code of the dealer (227; its tariff and free days); one taking `iccid` needs a bundle of the
  dealer for the device ID (258) and the dealer's SIM with that ICCID, not deleted and matching the
  bundle's SIM when the bundle has one (226); the SIM's phone becomes the device's. A plugin with
  `models` null supports every model with a GSM module (222 otherwise). replace does not use
  activation codes. register_quick and replace_quick use the bundle of the IMEI (201 without one)
  through plugin QUICK_PLUGIN (222 when it is missing or does not support the bundle's model); the
  bundle's model, else its equipment's (220 without either); its SIM (226 when deleted) gives the
  phone; its activation code, if any, is consumed (227 when unknown or used). The new device's
  tariff is the code's, else the dealer's `default_tariff_id`; 225 unless the tariff's doc_type
  admits the owner's legal type; 221 when the dealer's `device_limit` would be exceeded (a
  replacement adds no device: 221 only when the dealer is already beyond it). device_id follows the
  model's id_type (imei: 14-16 digits, meid: 14 hex digits, id,N: N digits; N,M: generated, a given
  one is ignored). Models `navixymobile*`, `mobile_unknown*`, `iosnavixytracker*` are mobile apps:
  the replace family refuses them with 7.

Choices where the document is silent or loose:
- corrupt lists both 13 and 243 for "already connected": the sandbox answers 243; 13 is the
  missing right. Live clones of the corrupted source (other users') are deleted with it.
- delete: 203 carries `rules` when rules are bound, else `vehicles` (as panel delete_clone).
  Deleting marks the clone deleted and drops its tags.
- change_phone: 241 when the phone is the number of a SIM that a bundle holds (checked before 223);
  keeping the tracker's own number is allowed.
- location_request: support (214: has_location_request for sms, has_gsm_lbs_location_request for
  gsm, has_gprs_location_request for gprs), then online for gsm/gprs (213 unless `active` or
  `idle`), then 256 when the last fix is fresh. The request is queued in `commands`.
- get_states: per category in this order: 217 (ids not the user's, or deleted), 201 (corrupted),
  208 (blocked); with allow_not_exist the first two go to `not_exist`, with list_blocked the third to
  `blocked`; repeated ids once.
- register_retry accepts `device_id` instead of `tracker_id` (both given must agree, else 201); it
  sets `register_retry_at`, which the panel's 120-second limit reads (the user API has no limit).
- replace and replace_quick put the new device into the tracker's source (same source id, so the
  history in device_data, the clones and the tariff stay): 225 checks the tracker's tariff.
- get_last_gps_point: `value` is null when the device never had a GPS fix.
- send_command: a command name the model's special_control does not offer (table of the
  document; `none` offers nothing) is 7 with an `errors` entry for `command.name`, since the
  document lists general errors only; command_code must be seal/unseal, special_settings an
  object (required for set_special_settings_command). The answer is the document's
  `{"list": [tracker]}`.
- tags/set: ordinals 1-5, each tag and ordinal once (7); tags that are not the user's: 217.
- The response objects follow the tracker object structure's key order (as tracker/read does);
  `tag_bindings` is in the answers whose examples show it (register_retry, register_quick,
  replace_quick, replace_retry, send_command).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
from collections import defaultdict
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from trackerctl.api.action import Param
from trackerctl.api.endpoints import REGISTRY
from trackerctl.sandbox import objects, records
from trackerctl.sandbox.codes import ApiFailure, invalid
from trackerctl.sandbox.dispatch import Ctx, action
from trackerctl.sandbox.params import validate

FRESH_FIX = 300.0  # seconds: a fix this recent makes location_request answer 256
ONLINE = ("active", "idle")  # connection statuses that count as online ("online", "GPS not updated")
MOBILE_APP_PREFIXES = ("navixymobile", "mobile_unknown", "iosnavixytracker")
QUICK_PLUGIN = 44  # the bundle registration plugin register_quick and replace_quick go through
LOCK_CONTROLS = ("jointech_lock_password", "hhd_lock_password", "vg_lock_password")
_IN_CHUNK = 900  # ids per SQL IN (...)

# Key orders of the `sensor value` objects as each action's example shows them.
SENSOR_KEYS = ("label", "units", "name", "type", "value", "units_type", "converted_units_type", "converted_value")
FUEL_KEYS = ("label", "name", "type", "value", "units_type", "units", "converted_units_type", "converted_value")

# units_type -> (converted units type, conversion) per measurement system.
_GALLON_US, _GALLON_UK, _MILE = 3.785411784, 4.54609, 1.609344
_CONVERSIONS: dict[str, dict[str, tuple[str, Any]]] = {
    "imperial": {
        "litre": ("gallon", lambda v: v / _GALLON_UK),
        "celsius": ("fahrenheit", lambda v: v * 9 / 5 + 32),
        "kilometer": ("mile", lambda v: v / _MILE),
    },
    "us": {
        "litre": ("gallon", lambda v: v / _GALLON_US),
        "celsius": ("fahrenheit", lambda v: v * 9 / 5 + 32),
        "kilometer": ("mile", lambda v: v / _MILE),
    },
    "metric_gal_us": {"litre": ("gallon", lambda v: v / _GALLON_US)},
}

# How registration plugins' own parameters are checked (any other: a non-empty string).
PLUGIN_PARAMS = {
    "phone": Param("phone", "str", "", digits=True),
    "apn_name": Param("apn_name", "str", "", max_len=40),
    "apn_user": Param("apn_user", "str", "", max_len=40),
    "apn_password": Param("apn_password", "str", "", max_len=40),
    "activation_code": Param("activation_code", "str", "", min_len=1),
    "iccid": Param("iccid", "str", "", digits=True),
}

# list_models compact_view: the reduced model object.
COMPACT_MODEL_KEYS = ("id", "code", "type", "name", "id_type", "has_phone", "has_apn_settings", "register", "vendor")
_INDEXED = re.compile(r"(.+)_(\d+)")


# ---- lookups and checks ------------------------------------------------------------------------------


def _tracker(ctx: Ctx, tracker_id: int, *, missing: int = 201) -> sqlite3.Row:
    """The user's live tracker; `missing` (201, or 204 for the replace family) otherwise."""
    try:
        return records.user_tracker(ctx, tracker_id)
    except ApiFailure:
        raise ApiFailure(missing) from None


def _unblocked(row: sqlite3.Row) -> sqlite3.Row:
    if row["blocked"]:
        raise ApiFailure(208)
    return row


def _source(ctx: Ctx, source_id: int) -> sqlite3.Row:
    return ctx.conn.execute("SELECT * FROM sources WHERE id = ?", (source_id,)).fetchone()


def _model(ctx: Ctx, code: str | None) -> sqlite3.Row | None:
    if code is None:
        return None
    return ctx.conn.execute("SELECT * FROM models WHERE code = ?", (code,)).fetchone()


def _tracker_model(ctx: Ctx, row: sqlite3.Row) -> sqlite3.Row:
    return _model(ctx, row["model"])  # sources.model references models


def _has_gsm(model: sqlite3.Row) -> bool:
    return bool(model["has_gsm"]) and not _mobile_app(model["code"])


def _mobile_app(code: str) -> bool:
    return code.startswith(MOBILE_APP_PREFIXES)


def _owner(ctx: Ctx) -> sqlite3.Row:
    return ctx.conn.execute("SELECT * FROM users WHERE id = ?", (ctx.owner_id,)).fetchone()


def _bindings(ctx: Ctx, tracker_id: int) -> list[dict[str, int]]:
    return [
        {"tag_id": r["tag_id"], "ordinal": r["ordinal"]}
        for r in ctx.conn.execute("SELECT tag_id, ordinal FROM tracker_tags WHERE tracker_id = ? ORDER BY ordinal", (tracker_id,))
    ]


def _answer(ctx: Ctx, tracker_id: int, *, tags: bool) -> dict[str, Any]:
    row = ctx.conn.execute(records.TRACKER_SELECT + " WHERE t.id = ?", (tracker_id,)).fetchone()
    return objects.user_tracker(row, _bindings(ctx, tracker_id) if tags else None)


def _queue(ctx: Ctx, source_id: int, kind: str, payload: dict[str, Any], reliable: bool = True) -> None:
    """What the platform would send to the device, kept in `commands` for tests to inspect."""
    ctx.conn.execute(
        "INSERT INTO commands (source_id, kind, payload, reliable, created) VALUES (?, ?, ?, ?, ?)",
        (source_id, kind, json.dumps(payload), int(reliable), ctx.now),
    )


# ---- time ------------------------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _zone(name: str) -> dt.tzinfo:
    try:
        return ZoneInfo(name)
    except Exception:  # unknown name or no tz database: UTC
        return dt.timezone.utc


def _time(ctx: Ctx, epoch: float | None) -> str | None:
    """`yyyy-MM-dd HH:mm:ss` in the user's time zone; None stays None."""
    if epoch is None:
        return None
    assert ctx.user is not None
    return dt.datetime.fromtimestamp(epoch, _zone(ctx.user["time_zone"] or "UTC")).strftime("%Y-%m-%d %H:%M:%S")


def _device_data(ctx: Ctx, source_id: int) -> sqlite3.Row | None:
    return ctx.conn.execute("SELECT * FROM device_data WHERE source_id = ?", (source_id,)).fetchone()


def _fix(ctx: Ctx, data: sqlite3.Row | None) -> float | None:
    """Epoch of the last fix: now for a live device."""
    if data is None:
        return None
    return ctx.now if data["live"] else data["last_fix"]


def _reported(ctx: Ctx, data: sqlite3.Row | None) -> float | None:
    """When the device last reported anything."""
    if data is None:
        return None
    if data["live"]:
        return ctx.now
    times = [t for t in (data["last_fix"], data["updated"]) if t is not None]
    return max(times) if times else None


# ---- reads -----------------------------------------------------------------------------------------


def _readable(ctx: Ctx, p: dict[str, Any]) -> tuple[sqlite3.Row, sqlite3.Row | None]:
    row = _unblocked(_tracker(ctx, p["tracker_id"]))
    return row, _device_data(ctx, row["source_id"])


def _sensors(ctx: Ctx, items: list[dict[str, Any]], keys: tuple[str, ...]) -> list[dict[str, Any]]:
    assert ctx.user is not None
    table = _CONVERSIONS.get(ctx.user["measurement_system"], {})
    out = []
    for item in items:
        unit, value = item.get("units_type"), item.get("value")
        converted: tuple[Any, Any] = (None, None)
        if unit in table and isinstance(value, (int, float)):
            target, convert = table[unit]
            converted = (target, round(convert(value), 3))
        obj = {**item, "converted_units_type": converted[0], "converted_value": converted[1]}
        out.append({k: obj.get(k) for k in keys})
    return out


def _sensor_answer(ctx: Ctx, data: sqlite3.Row | None, items: list[dict[str, Any]], keys: tuple[str, ...]) -> dict[str, Any]:
    return {
        "user_time": _time(ctx, ctx.now),
        "inputs": _sensors(ctx, items, keys),
        "update_time": _time(ctx, None if data is None else (ctx.now if data["live"] else data["updated"])),
    }


@action("tracker/get_readings", api="user")
def get_readings(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    """The device's metering sensor values (device_data.readings)."""
    _, data = _readable(ctx, p)
    return _sensor_answer(ctx, data, json.loads(data["readings"]) if data else [], SENSOR_KEYS)


@action("tracker/get_fuel", api="user")
def get_fuel(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    """The device's fuel sensor values (device_data.fuel)."""
    _, data = _readable(ctx, p)
    return _sensor_answer(ctx, data, json.loads(data["fuel"]) if data else [], FUEL_KEYS)


@action("tracker/get_diagnostics", api="user")
def get_diagnostics(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    """CAN/OBD sensor values and states (device_data.diagnostics); `states` null when there are none."""
    _, data = _readable(ctx, p)
    diag = json.loads(data["diagnostics"]) if data else {}
    answer = _sensor_answer(ctx, data, diag.get("inputs") or [], SENSOR_KEYS)
    return {"user_time": answer["user_time"], "inputs": answer["inputs"], "states": diag.get("states") or None,
            "update_time": answer["update_time"]}


def _digital_inputs(data: sqlite3.Row | None) -> list[bool]:
    """The digital inputs: get_inputs' list, else the state's (one truth for get_inputs and get_state)."""
    if data is None:
        return []
    return json.loads(data["inputs"]).get("inputs") or json.loads(data["state"]).get("inputs") or []


@action("tracker/get_inputs", api="user")
def get_inputs(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    """Digital inputs and the semantic inputs bound to them (device_data.inputs)."""
    _, data = _readable(ctx, p)
    semantic = json.loads(data["inputs"]).get("states") or [] if data else []
    return {
        "user_time": _time(ctx, ctx.now),
        "inputs": _digital_inputs(data),
        "states": [{"type": s.get("type"), "name": s.get("name"), "status": s.get("status"), "input_number": s.get("input_number")}
                   for s in semantic],
        "update_time": _time(ctx, None if data is None else (ctx.now if data["live"] else data["updated"])),
    }


@action("tracker/get_last_gps_point", api="user")
def get_last_gps_point(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    """The last GPS fix (a GSM LBS fix is passed over for `gps_point`); null when there is none."""
    _, data = _readable(ctx, p)
    point: dict[str, Any] | None = None
    if data is not None and data["gsm_lbs"]:
        point = json.loads(data["gps_point"]) if data["gps_point"] else None
    elif data is not None and _fix(ctx, data) is not None and data["lat"] is not None:
        point = {k: data[k] for k in ("lat", "lng", "heading", "speed", "satellites", "precision")}
        point["get_time"] = _fix(ctx, data)
    if point is None:
        return {"value": None}
    value = {"get_time": _time(ctx, point["get_time"]), "heading": point.get("heading"), "lat": point.get("lat"),
             "lng": point.get("lng"), "satellites": point.get("satellites"), "speed": point.get("speed")}
    if point.get("precision"):
        value["precision"] = point["precision"]
    return {"value": value}


def _state(ctx: Ctx, source_id: int, connection_status: str, data: sqlite3.Row | None) -> dict[str, Any]:
    """The state object of get_state, keys in the document's order."""
    st: dict[str, Any] = json.loads(data["state"]) if data is not None else {}
    fix, reported = _fix(ctx, data), _reported(ctx, data)

    def when(key: str, default: float | None) -> str | None:
        return _time(ctx, st.get(key, default))

    gps: dict[str, Any] = {
        "updated": _time(ctx, fix),
        "signal_level": st.get("gps_signal_level"),
        "location": {"lat": data["lat"], "lng": data["lng"]} if data is not None and data["lat"] is not None else None,
        "heading": data["heading"] if data is not None else None,
        "speed": data["speed"] if data is not None else None,
        "alt": data["alt"] if data is not None else None,
    }
    if data is not None and data["precision"]:
        gps["precision"] = data["precision"]
    if data is not None and data["gsm_lbs"]:
        gps["gsm_lbs"] = True
    gsm = st.get("gsm")
    inputs, outputs = _digital_inputs(data), st.get("outputs") or []
    battery = st.get("battery_level")
    return {
        "source_id": source_id,
        "gps": gps,
        "connection_status": connection_status,
        "movement_status": data["movement_status"] if data is not None else "parked",
        "gsm": None if gsm is None else {
            "updated": when("gsm_updated", reported),
            "signal_level": gsm.get("signal_level"),
            "network_name": gsm.get("network_name"),
            "roaming": gsm.get("roaming"),
        },
        "last_update": _time(ctx, reported),
        "battery_level": battery,
        "battery_update": when("battery_updated", reported) if battery is not None else None,
        "inputs": inputs,
        "inputs_update": when("inputs_updated", reported) if inputs else None,
        "outputs": outputs,
        "outputs_update": when("outputs_updated", reported) if outputs else None,
        "additional": st.get("additional") or {},
        "actual_track_update": when("track_updated", fix),
    }


@action("tracker/get_state", api="user")
def get_state(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    row, data = _readable(ctx, p)
    return {"user_time": _time(ctx, ctx.now), "state": _state(ctx, row["source_id"], row["connection_status"], data)}


@action("tracker/get_states", api="user")
def get_states(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    """States keyed by tracker id (as text); see the module's notes for the error order."""
    ids = list(dict.fromkeys(p["trackers"]))
    rows: dict[int, sqlite3.Row] = {}
    for start in range(0, len(ids), _IN_CHUNK):
        part = ids[start:start + _IN_CHUNK]
        for row in ctx.conn.execute(
            records.TRACKER_SELECT + f" WHERE t.id IN ({','.join('?' * len(part))}) AND t.user_id = ?", (*part, ctx.owner_id)
        ):
            rows[row["id"]] = row
    missing = [i for i in ids if i not in rows or (rows[i]["deleted"] and not rows[i]["corrupted"])]
    corrupted = [i for i in ids if i in rows and rows[i]["corrupted"]]
    blocked = [i for i in ids if i in rows and i not in missing and i not in corrupted and rows[i]["blocked"]]
    allow_not_exist, list_blocked = p.get("allow_not_exist", False), p.get("list_blocked", False)
    if missing and not allow_not_exist:
        raise ApiFailure(217)
    if corrupted and not allow_not_exist:
        raise ApiFailure(201)
    if blocked and not list_blocked:
        raise ApiFailure(208)
    skip = {*missing, *corrupted, *blocked}
    states = {}
    for i in ids:
        if i not in skip:
            row = rows[i]
            states[str(i)] = _state(ctx, row["source_id"], row["connection_status"], _device_data(ctx, row["source_id"]))
    answer: dict[str, Any] = {"user_time": _time(ctx, ctx.now), "states": states}
    if list_blocked:
        answer["blocked"] = blocked
    if allow_not_exist:
        answer["not_exist"] = [i for i in ids if i in missing or i in corrupted]
    return answer


@action("tracker/list_models", api="user")
def list_models(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    """Every model (or those of `codes`), by id; compact_index keeps the highest of indexed inputs,
    compact_view the reduced object COMPACT_MODEL_KEYS."""
    sql, args = "SELECT * FROM models", []
    if "codes" in p:
        sql += f" WHERE code IN ({','.join('?' * len(p['codes']))})"
        args = list(p["codes"])
    models = []
    for row in ctx.conn.execute(sql + " ORDER BY id", args):
        body = _model_object(row)
        if p.get("compact_index"):
            body["inputs"] = _compact_inputs(body.get("inputs") or [])
        if p.get("compact_view"):
            body = {k: body[k] for k in COMPACT_MODEL_KEYS if k in body}
        models.append(body)
    return {"list": models}


def _model_object(row: sqlite3.Row) -> dict[str, Any]:
    """The stored body, with the fields the sandbox acts on taken from their columns."""
    columns = {
        "has_phone": bool(row["has_gsm"]), "special_control": row["special_control"],
        "has_location_request": bool(row["has_location_request"]),
        "has_gsm_lbs_location_request": bool(row["has_gsm_lbs_location_request"]),
        "analog_inputs": row["analog_inputs"], "digital_inputs": row["digital_inputs"],
        "digital_outputs": row["digital_outputs"], "rs232_inputs": row["rs232_inputs"],
    }
    out: dict[str, Any] = {}
    for key, value in json.loads(row["body"]).items():
        out[key] = columns.get(key, value)
        if key == "has_location_request":
            out["has_gprs_location_request"] = bool(row["has_gprs_location_request"])
    return out


def _compact_inputs(inputs: list[str]) -> list[str]:
    highest: dict[str, int] = {}
    for name in inputs:
        m = _INDEXED.fullmatch(name)
        if m:
            highest[m.group(1)] = max(highest.get(m.group(1), 0), int(m.group(2)))
    return [name for name in inputs
            if not (m := _INDEXED.fullmatch(name)) or int(m.group(2)) == highest[m.group(1)]]


# ---- tracker changes -------------------------------------------------------------------------------


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
    _unblocked(row)
    if _source(ctx, row["source_id"])["activated"]:
        raise ApiFailure(243)
    ids = [r[0] for r in ctx.conn.execute("SELECT id FROM trackers WHERE source_id = ? AND deleted = 0", (row["source_id"],))]
    ctx.conn.executemany("UPDATE trackers SET deleted = 1 WHERE id = ?", [(i,) for i in ids])
    ctx.conn.executemany("DELETE FROM tracker_tags WHERE tracker_id = ?", [(i,) for i in ids])
    ctx.conn.execute(
        "UPDATE sources SET corrupted = 1, device_id = ?, phone = NULL WHERE id = ?",
        (records.corrupted_device_id(row["source_id"], row["device_id"]), row["source_id"]),
    )
    return {}


@action("tracker/delete", api="user", right="admin")
def delete(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    """Delete a clone: 249 for an original, 203 with `rules` (else `vehicles`) when bound."""
    row = _tracker(ctx, p["tracker_id"])
    if not row["clone"]:
        raise ApiFailure(249)
    rules = [r[0] for r in ctx.conn.execute("SELECT rule_id FROM rule_trackers WHERE tracker_id = ? ORDER BY rule_id", (row["id"],))]
    if rules:
        raise ApiFailure(203, rules=rules)
    vehicles = [r[0] for r in ctx.conn.execute("SELECT id FROM vehicles WHERE tracker_id = ? ORDER BY id", (row["id"],))]
    if vehicles:
        raise ApiFailure(203, vehicles=vehicles)
    ctx.conn.execute("UPDATE trackers SET deleted = 1 WHERE id = ?", (row["id"],))
    ctx.conn.execute("DELETE FROM tracker_tags WHERE tracker_id = ?", (row["id"],))
    return {}


@action("tracker/change_phone", api="user", right="tracker_configure")
def change_phone(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    """New phone and APN for the device. Order 201, 208, 219, 214, 241, 223."""
    row = _unblocked(_tracker(ctx, p["tracker_id"]))
    if row["clone"]:
        raise ApiFailure(219)
    if not _has_gsm(_tracker_model(ctx, row)):
        raise ApiFailure(214)
    phone = p["phone"]
    if ctx.conn.execute("SELECT 1 FROM sims s JOIN bundles b ON b.iccid = s.iccid WHERE s.phone = ?", (phone,)).fetchone():
        raise ApiFailure(241)
    _phone_free(ctx, phone, row["source_id"])
    ctx.conn.execute(
        "UPDATE sources SET phone = ?, apn_name = ?, apn_user = ?, apn_password = ? WHERE id = ?",
        (phone, p["apn_name"], p["apn_user"], p["apn_password"], row["source_id"]),
    )
    _queue(ctx, row["source_id"], "register", {"action": "change_phone", "phone": phone, "apn_name": p["apn_name"],
                                               "apn_user": p["apn_user"], "apn_password": p["apn_password"]})
    return {}


def _phone_free(ctx: Ctx, phone: str | None, source_id: int | None = None) -> None:
    """223 when another device has this phone."""
    if phone and ctx.conn.execute("SELECT 1 FROM sources WHERE phone = ? AND id IS NOT ?", (phone, source_id)).fetchone():
        raise ApiFailure(223)


@action("tracker/tags/set", api="user")
def tags_set(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    """Replace the tracker's tags: ordinals 1-5, each tag and ordinal once (7), the user's tags (217)."""
    row = _unblocked(_tracker(ctx, p["tracker_id"]))
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


@action("tracker/location_request", api="user")
def location_request(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    """Queue a location request. Order 201, 208, 214, 213, 256."""
    row = _unblocked(_tracker(ctx, p["tracker_id"]))
    kind = p.get("type", "sms")
    model = _tracker_model(ctx, row)
    supported = {"sms": model["has_location_request"], "gsm": model["has_gsm_lbs_location_request"],
                 "gprs": model["has_gprs_location_request"]}[kind]
    if not supported:
        raise ApiFailure(214)
    if kind != "sms" and row["connection_status"] not in ONLINE:
        raise ApiFailure(213)
    fix = _fix(ctx, _device_data(ctx, row["source_id"]))
    if fix is not None and ctx.now - fix <= FRESH_FIX:
        raise ApiFailure(256)
    _queue(ctx, row["source_id"], "location_request", {"type": kind})
    return {}


@action("tracker/raw_command/send", api="user", right=("tracker_configure", "tracker_set_output"))
def raw_command_send(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    """Queue a raw command (a non-hex command with type hex is 7 before this runs: params.py)."""
    row = _unblocked(_tracker(ctx, p["tracker_id"]))
    _queue(ctx, row["source_id"], "raw", {"command": p["command"], "type": p.get("type", "text")}, p.get("reliable", True))
    return {}


@action("tracker/send_command", api="user", right=("tracker_configure", "tracker_set_output"))
def send_command(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    """Queue a special control command the model's special_control offers (7 otherwise)."""
    row = _unblocked(_tracker(ctx, p["tracker_id"]))
    special = _tracker_model(ctx, row)["special_control"]
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
    _queue(ctx, row["source_id"], "special", command)
    return {"list": [_answer(ctx, row["id"], tags=True)]}


# ---- registration ----------------------------------------------------------------------------------


def _group(ctx: Ctx, group_id: int) -> None:
    if group_id and not ctx.conn.execute("SELECT 1 FROM groups WHERE id = ? AND user_id = ?", (group_id, ctx.owner_id)).fetchone():
        raise ApiFailure(204)


def _plugin(ctx: Ctx, plugin_id: int, model: sqlite3.Row) -> sqlite3.Row:
    """222 when the plugin is unknown or does not support the model."""
    plugin = ctx.conn.execute("SELECT * FROM plugins WHERE id = ?", (plugin_id,)).fetchone()
    if plugin is None:
        raise ApiFailure(222)
    models = json.loads(plugin["models"]) if plugin["models"] else None
    if (model["code"] not in models) if models is not None else not _has_gsm(model):
        raise ApiFailure(222)
    return plugin


def _device_id_problem(model: sqlite3.Row, device_id: str | None) -> str | None:
    id_type = model["id_type"]
    if re.fullmatch(r"\d+,\d+", id_type):
        return None  # generated
    if device_id is None:
        return "required parameter is missing"
    if id_type == "imei" and not re.fullmatch(r"\d{14,16}", device_id):
        return "must be an IMEI of 14-16 digits"
    if id_type == "meid" and not re.fullmatch(r"[0-9A-Fa-f]{14}", device_id):
        return "must be a MEID of 14 hex digits"
    if (m := re.fullmatch(r"id,(\d+)", id_type)) and not re.fullmatch(rf"\d{{{m.group(1)}}}", device_id):
        return f"must be {m.group(1)} digits"
    return None


def _generated_id(ctx: Ctx, id_type: str) -> str:
    """An n-digit id starting with m for an `n,m` model, unused so far."""
    n, m = (int(x) for x in id_type.split(","))
    prefix, width = str(m), max(n - len(str(m)), 1)
    seq = ctx.conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM sources").fetchone()[0]
    while True:
        candidate = prefix + str(seq % 10**width).zfill(width)
        if not ctx.conn.execute("SELECT 1 FROM sources WHERE device_id = ?", (candidate,)).fetchone():
            return candidate
        seq += 1


def _plugin_values(ctx: Ctx, plugin: sqlite3.Row, model: sqlite3.Row, given_device_id: str | None,
                   *, replacing: bool) -> tuple[str, dict[str, str]]:
    """The device id and the plugin's parameters, or 7 naming every problem."""
    names = [n for n in json.loads(plugin["params"]) if not (replacing and n == "activation_code")]
    problems: list[tuple[str, str]] = []
    problem = _device_id_problem(model, given_device_id)
    if problem:
        problems.append(("device_id", problem))
    values: dict[str, str] = {}
    try:
        values = validate(tuple(PLUGIN_PARAMS.get(n, Param(n, "str", "", min_len=1)) for n in names), ctx.raw)
    except ApiFailure as e:
        problems.extend((x["parameter"], x["error"]) for x in e.extra["errors"])
    if problems:
        raise invalid(*problems)
    generated = re.fullmatch(r"\d+,\d+", model["id_type"])
    return (_generated_id(ctx, model["id_type"]) if generated else given_device_id or ""), values


def _device_id_free(ctx: Ctx, device_id: str) -> None:
    if ctx.conn.execute("SELECT 1 FROM sources WHERE device_id = ?", (device_id,)).fetchone():
        raise ApiFailure(224)


def _bundle(ctx: Ctx, imei: str) -> sqlite3.Row | None:
    return ctx.conn.execute("SELECT * FROM bundles WHERE imei = ? AND dealer_id = ?", (imei, ctx.dealer_id)).fetchone()


def _sim(ctx: Ctx, iccid: str | None, bundle: sqlite3.Row | None) -> sqlite3.Row:
    """The dealer's SIM `iccid`, not deleted, the bundle's own when it has one: 226 otherwise."""
    sim = ctx.conn.execute("SELECT * FROM sims WHERE iccid = ? AND dealer_id = ? AND deleted = 0", (iccid, ctx.dealer_id)).fetchone()
    if sim is None or (bundle is not None and bundle["iccid"] is not None and bundle["iccid"] != iccid):
        raise ApiFailure(226)
    return sim


def _activation_code(ctx: Ctx, code: str) -> sqlite3.Row:
    row = ctx.conn.execute(
        "SELECT * FROM activation_codes WHERE code = ? AND dealer_id = ? AND activated = 0", (code, ctx.dealer_id)
    ).fetchone()
    if row is None:
        raise ApiFailure(227)
    return row


def _device_limit(ctx: Ctx, adding: int) -> None:
    """221 when the dealer's device count (live originals) plus `adding` is beyond its limit."""
    limit = ctx.conn.execute("SELECT device_limit FROM dealers WHERE id = ?", (ctx.dealer_id,)).fetchone()[0]
    if limit is None:
        return
    count = ctx.conn.execute(
        "SELECT COUNT(*) FROM trackers t JOIN users u ON u.id = t.user_id WHERE u.dealer_id = ? AND t.clone = 0 AND t.deleted = 0",
        (ctx.dealer_id,),
    ).fetchone()[0]
    if count + adding > limit:
        raise ApiFailure(221)


def _tariff_for(ctx: Ctx, tariff_id: int | None) -> sqlite3.Row:
    """225 unless the tariff's doc_type admits the owner's legal type (records.tariff_admits)."""
    tariff = ctx.conn.execute("SELECT * FROM tariffs WHERE id = ?", (tariff_id,)).fetchone()
    if tariff is None or not records.tariff_admits(tariff["doc_type"], _owner(ctx)["face"]):
        raise ApiFailure(225)
    return tariff


def _default_tariff(ctx: Ctx) -> int | None:
    """The dealer's default_tariff_id, else its first active tracker tariff."""
    chosen = ctx.conn.execute("SELECT default_tariff_id FROM dealers WHERE id = ?", (ctx.dealer_id,)).fetchone()[0]
    if chosen is None:
        first = ctx.conn.execute(
            "SELECT id FROM tariffs WHERE dealer_id = ? AND active = 1 AND device_type = 'tracker' ORDER BY id", (ctx.dealer_id,)
        ).fetchone()
        chosen = first[0] if first else None
    return chosen


def _use_code(ctx: Ctx, code: sqlite3.Row, source_id: int) -> None:
    ctx.conn.execute("UPDATE activation_codes SET activated = 1, activation_date = ?, device_id = ? WHERE code = ?",
                     (ctx.timestamp(), source_id, code["code"]))
    ctx.conn.execute("UPDATE users SET balance = balance + ?, bonus = bonus + ? WHERE id = ?",
                     (code["money_amount"], code["bonus_amount"], ctx.owner_id))


def _create(ctx: Ctx, label: str, group_id: int, model: str, device_id: str, phone: str | None,
            apn: tuple[str, str, str], tariff: sqlite3.Row, free_days: int) -> tuple[int, int]:
    """A new source and tracker, `just_registered`: (tracker id, source id)."""
    days = free_days or (30 if tariff["type"] == "monthly" else 1)
    source_id = ctx.conn.execute(
        "INSERT INTO sources (device_id, phone, model, tariff_id, creation_date, tariff_end_date, connection_status, activated,"
        " apn_name, apn_user, apn_password) VALUES (?, ?, ?, ?, ?, ?, 'just_registered', 0, ?, ?, ?)",
        (device_id, phone, model, tariff["id"], ctx.today(), ctx.today(days), *apn),
    ).lastrowid
    tracker_id = ctx.conn.execute(
        "INSERT INTO trackers (label, user_id, group_id, source_id, creation_date) VALUES (?, ?, ?, ?, ?)",
        (label, ctx.owner_id, group_id, source_id, ctx.today()),
    ).lastrowid
    ctx.conn.execute("INSERT INTO device_data (source_id) VALUES (?)", (source_id,))
    assert source_id is not None and tracker_id is not None
    return tracker_id, source_id


def _apn(values: dict[str, str]) -> tuple[str, str, str]:
    return values.get("apn_name", ""), values.get("apn_user", ""), values.get("apn_password", "")



def _new_device(ctx: Ctx, p: dict[str, Any], model: Any, *, replacing: bool) -> tuple[Any, str, dict[str, Any], str | None, Any]:
    """The plugin's values for a device being registered or put in: (plugin, device id, plugin
    values, phone, bundle); 222, 224 and, for a bundled SIM (ICCID), 258 and the SIM's own checks."""
    plugin = _plugin(ctx, p["plugin_id"], model)
    device_id, values = _plugin_values(ctx, plugin, model, p.get("device_id"), replacing=replacing)
    _device_id_free(ctx, device_id)
    phone = values.get("phone")
    bundle = None
    if "iccid" in values:
        bundle = _bundle(ctx, device_id)
        if bundle is None:
            raise ApiFailure(258)
        phone = _sim(ctx, values["iccid"], bundle)["phone"]
    return plugin, device_id, values, phone, bundle

@action("tracker/register", api="user", right="tracker_register")
def register(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    """Register a device through a plugin. Order 204, 220, 222, 7 (plugin parameters, device_id),
    224, 258, 226, 223, 227, 221, 225."""
    _group(ctx, p["group_id"])
    model = _model(ctx, p["model"])
    if model is None:
        raise ApiFailure(220)
    plugin, device_id, values, phone, bundle = _new_device(ctx, p, model, replacing=False)
    _phone_free(ctx, phone)
    code = _activation_code(ctx, values["activation_code"]) if "activation_code" in values else None
    _device_limit(ctx, 1)
    tariff = _tariff_for(ctx, code["tariff_id"] if code else _default_tariff(ctx))
    tracker_id, source_id = _create(ctx, p["label"], p["group_id"], model["code"], device_id, phone, _apn(values), tariff,
                                    code["free_days"] if code else tariff["free_period"])
    if code is not None:
        _use_code(ctx, code, source_id)
    if bundle is not None:
        ctx.conn.execute("UPDATE bundles SET activated = 1 WHERE id = ?", (bundle["id"],))
    if p.get("send_register_commands", True):
        _queue(ctx, source_id, "register", {"action": "register", "plugin_id": plugin["id"], **values})
    return {"value": _answer(ctx, tracker_id, tags=False)}


def _quick_device(ctx: Ctx, imei: str) -> tuple[sqlite3.Row, sqlite3.Row]:
    """The dealer's bundle of the IMEI (201) and its model, else its equipment's (220)."""
    bundle = _bundle(ctx, imei)
    if bundle is None:
        raise ApiFailure(201)
    code = bundle["model_code"]
    if code is None and bundle["equip_id"] is not None:
        code = ctx.conn.execute("SELECT model_code FROM equipment WHERE id = ?", (bundle["equip_id"],)).fetchone()[0]
    model = _model(ctx, code)
    if model is None:
        raise ApiFailure(220)
    return bundle, model


def _quick_checks(ctx: Ctx, bundle: sqlite3.Row, model: sqlite3.Row, source_id: int | None) -> str | None:
    """The quick plugin supports the model (222), the IMEI is not registered (224), the bundle's SIM
    is not deleted (226) and its phone not another device's (223): the phone."""
    _plugin(ctx, QUICK_PLUGIN, model)
    _device_id_free(ctx, bundle["imei"])
    phone = _sim(ctx, bundle["iccid"], bundle)["phone"] if bundle["iccid"] is not None else None
    _phone_free(ctx, phone, source_id)
    return phone


@action("tracker/register_quick", api="user", right="tracker_register")
def register_quick(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    """Register a preconfigured bundle by IMEI; no commands are sent. Order 201, 204, 220, 222, 224,
    226, 223, 227, 221, 225."""
    bundle, model = _quick_device(ctx, p["imei"])
    _group(ctx, p["group_id"])
    phone = _quick_checks(ctx, bundle, model, None)
    code = _activation_code(ctx, bundle["activation_code"]) if bundle["activation_code"] else None
    _device_limit(ctx, 1)
    tariff = _tariff_for(ctx, code["tariff_id"] if code else _default_tariff(ctx))
    sim = ctx.conn.execute("SELECT * FROM sims WHERE iccid = ?", (bundle["iccid"],)).fetchone() if bundle["iccid"] else None
    apn = (sim["apn_name"], sim["apn_user"], sim["apn_password"]) if sim is not None else ("", "", "")
    tracker_id, source_id = _create(ctx, p["label"], p["group_id"], model["code"], bundle["imei"], phone, apn, tariff,
                                    code["free_days"] if code else tariff["free_period"])
    if code is not None:
        _use_code(ctx, code, source_id)
    ctx.conn.execute("UPDATE bundles SET activated = 1 WHERE id = ?", (bundle["id"],))
    return {"value": _answer(ctx, tracker_id, tags=True)}


@action("tracker/register_retry", api="user", right="tracker_register",
        params=tuple(q if q.name != "tracker_id" else Param(q.name, q.kind, q.help, required=False, ge=1)
                     for q in REGISTRY.by_path("tracker/register_retry").params))  # type: ignore[union-attr]
def register_retry(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    """Resend the registration commands, the tracker given by tracker_id or device_id. Order 201,
    208, 219, 214, 242 (the device has connected)."""
    if "tracker_id" not in p and "device_id" not in p:
        raise invalid(("tracker_id", "required parameter is missing (or device_id)"))
    if "tracker_id" in p:
        row = _tracker(ctx, p["tracker_id"])
        if "device_id" in p and p["device_id"] != row["device_id"]:
            raise ApiFailure(201)
    else:
        found = ctx.conn.execute(
            records.TRACKER_SELECT + f" WHERE s.device_id = ? AND t.user_id = ? AND t.clone = 0 AND {records.USER_VISIBLE}",
            (p["device_id"], ctx.owner_id),
        ).fetchone()
        if found is None:
            raise ApiFailure(201)
        row = found
    _unblocked(row)
    if row["clone"]:
        raise ApiFailure(219)
    if not _has_gsm(_tracker_model(ctx, row)):
        raise ApiFailure(214)
    if _source(ctx, row["source_id"])["activated"]:
        raise ApiFailure(242)
    _resend(ctx, row["source_id"], p, "register_retry")
    # the user API has no retry limit, but the panel's (264 within 120 s) counts retries from both
    ctx.conn.execute("UPDATE sources SET register_retry_at = ? WHERE id = ?", (ctx.now, row["source_id"]))
    return {"value": _answer(ctx, row["id"], tags=True)}


def _resend(ctx: Ctx, source_id: int, p: dict[str, Any], what: str) -> None:
    ctx.conn.execute("UPDATE sources SET apn_name = ?, apn_user = ?, apn_password = ? WHERE id = ?",
                     (p["apn_name"], p["apn_user"], p["apn_password"], source_id))
    if p.get("send_register_commands", True):
        _queue(ctx, source_id, "register", {"action": what, "apn_name": p["apn_name"], "apn_user": p["apn_user"],
                                            "apn_password": p["apn_password"]})


# ---- replacement -----------------------------------------------------------------------------------


def _replaceable(ctx: Ctx, tracker_id: int) -> tuple[sqlite3.Row, sqlite3.Row]:
    """The tracker (204), not blocked (208), not a clone (219), its device activated (266)."""
    row = _unblocked(_tracker(ctx, tracker_id, missing=204))
    if row["clone"]:
        raise ApiFailure(219)
    source = _source(ctx, row["source_id"])
    if not source["activated"]:
        raise ApiFailure(266)
    return row, source


def _not_mobile_apps(old: str, new: str, new_param: str) -> None:
    problems = [(n, f"{code} is a mobile application") for n, code in (("tracker_id", old), (new_param, new)) if _mobile_app(code)]
    if problems:
        raise invalid(*problems)


def _swap(ctx: Ctx, row: sqlite3.Row, model: str, device_id: str, phone: str | None, apn: tuple[str, str, str]) -> None:
    """The tracker's source takes the new device; id, history (device_data), clones and tariff stay."""
    ctx.conn.execute(
        "UPDATE sources SET device_id = ?, model = ?, phone = ?, apn_name = ?, apn_user = ?, apn_password = ?,"
        " replaced_device_id = device_id, activated = 0, connection_status = 'just_registered' WHERE id = ?",
        (device_id, model, phone, *apn, row["source_id"]),
    )


@action("tracker/replace", api="user", right="tracker_configure")
def replace(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    """Put a new device behind the tracker. Order 204, 208, 219, 266, 220, 7 (mobile app), 222, 7
    (plugin parameters, device_id), 224, 258, 226, 223, 221, 225."""
    row, _ = _replaceable(ctx, p["tracker_id"])
    model = _model(ctx, p["model"])
    if model is None:
        raise ApiFailure(220)
    _not_mobile_apps(row["model"], model["code"], "model")
    plugin, device_id, values, phone, bundle = _new_device(ctx, p, model, replacing=True)
    _phone_free(ctx, phone, row["source_id"])
    _device_limit(ctx, 0)
    _tariff_for(ctx, row["tariff_id"])
    _swap(ctx, row, model["code"], device_id, phone, _apn(values))
    if bundle is not None:
        ctx.conn.execute("UPDATE bundles SET activated = 1 WHERE id = ?", (bundle["id"],))
    if p.get("send_register_commands", True):
        _queue(ctx, row["source_id"], "register", {"action": "replace", "plugin_id": plugin["id"], **values})
    return {"value": _answer(ctx, row["id"], tags=False)}


@action("tracker/replace_quick", api="user", right="tracker_configure")
def replace_quick(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    """Put a preconfigured bundle behind the tracker. Order 204, 208, 219, 266, 201, 220, 7 (mobile
    app), 222, 224, 226, 223, 221, 225."""
    row, _ = _replaceable(ctx, p["tracker_id"])
    bundle, model = _quick_device(ctx, p["imei"])
    _not_mobile_apps(row["model"], model["code"], "imei")
    phone = _quick_checks(ctx, bundle, model, row["source_id"])
    _device_limit(ctx, 0)
    _tariff_for(ctx, row["tariff_id"])
    sim = ctx.conn.execute("SELECT * FROM sims WHERE iccid = ?", (bundle["iccid"],)).fetchone() if bundle["iccid"] else None
    apn = (sim["apn_name"], sim["apn_user"], sim["apn_password"]) if sim is not None else ("", "", "")
    _swap(ctx, row, model["code"], bundle["imei"], phone, apn)
    ctx.conn.execute("UPDATE bundles SET activated = 1 WHERE id = ?", (bundle["id"],))
    return {"value": _answer(ctx, row["id"], tags=True)}


@action("tracker/replace_retry", api="user", right="tracker_configure")
def replace_retry(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    """Resend the registration commands to the new device. Order 204, 208, 219, 214, 242 (the new
    device has connected), 266 (no replacement: the tracker's first device is not activated yet)."""
    row = _unblocked(_tracker(ctx, p["tracker_id"], missing=204))
    if row["clone"]:
        raise ApiFailure(219)
    if not _has_gsm(_tracker_model(ctx, row)):
        raise ApiFailure(214)
    source = _source(ctx, row["source_id"])
    if source["activated"]:
        raise ApiFailure(242)
    if source["replaced_device_id"] is None:
        raise ApiFailure(266)
    _resend(ctx, row["source_id"], p, "replace_retry")
    return {"value": _answer(ctx, row["id"], tags=True)}


# ---- read and list (done first) --------------------------------------------------------------------


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
