"""User API `tracker/*` reads: read, list, get_state, get_states, the sensor reads (get_readings,
get_fuel, get_diagnostics, get_inputs), get_last_gps_point, list_models.

The state they answer from:
- `device_data` (per source): the last fix (`live`: always fresh), `state` JSON (gps_signal_level,
  gsm, battery_level, inputs, outputs, additional; optional epoch keys gsm_updated, battery_updated,
  inputs_updated, outputs_updated, track_updated), the sensor lists of get_readings / get_fuel /
  get_diagnostics and get_inputs' lists. Date-times are shown in the user's `time_zone`.
- Sensor values: `converted_units_type` / `converted_value` are computed from the user's
  `measurement_system` (null when the sensor's unit already belongs to it), whatever the stored JSON
  holds there.

Choices where the document is silent or loose:
- get_states: per category in this order: 217 (ids not the user's, or deleted), 201 (corrupted),
  208 (blocked); with allow_not_exist the first two go to `not_exist`, with list_blocked the third to
  `blocked`; repeated ids once.
- get_last_gps_point: `value` is null when the device never had a GPS fix.
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

from trackerctl.sandbox import objects, records
from trackerctl.sandbox.objects import coordinate
from trackerctl.sandbox.codes import ApiFailure
from trackerctl.sandbox.dispatch import Ctx, action
from trackerctl.sandbox.tracker.common import device_data, last_fix, live_tracker, tag_bindings, unblocked

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

# list_models compact_view: the reduced model object.
COMPACT_MODEL_KEYS = ("id", "code", "type", "name", "id_type", "has_phone", "has_apn_settings", "register", "vendor")
_INDEXED = re.compile(r"(.+)_(\d+)")


# ---- read and list ---------------------------------------------------------------------------------


@action("tracker/read", api="user")
def read(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    """One of the user's trackers with its tag bindings (the document's example shows them, its
    object description says "only for tracker/list": the example wins); 201 when it is not theirs,
    deleted or corrupted."""
    row = records.user_tracker(ctx, p["tracker_id"])
    return {"value": objects.user_tracker(row, tag_bindings(ctx, row["id"]))}


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


# ---- the device's state and sensors ---------------------------------------------------------------


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


def _reported(ctx: Ctx, data: sqlite3.Row | None) -> float | None:
    """When the device last reported anything."""
    if data is None:
        return None
    if data["live"]:
        return ctx.now
    times = [t for t in (data["last_fix"], data["updated"]) if t is not None]
    return max(times) if times else None


def _readable(ctx: Ctx, p: dict[str, Any]) -> tuple[sqlite3.Row, sqlite3.Row | None]:
    row = unblocked(live_tracker(ctx, p["tracker_id"]))
    return row, device_data(ctx, row["source_id"])


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


def _sensor_answer(ctx: Ctx, data: sqlite3.Row | None, inputs: list[Any], **states: Any) -> dict[str, Any]:
    """The answer of the sensor reads: the user's time, `inputs` (and `states`), when they changed."""
    return {"user_time": _time(ctx, ctx.now), "inputs": inputs, **states,
            "update_time": _time(ctx, None if data is None else (ctx.now if data["live"] else data["updated"]))}


@action("tracker/get_readings", api="user")
def get_readings(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    """The device's metering sensor values (device_data.readings)."""
    _, data = _readable(ctx, p)
    return _sensor_answer(ctx, data, _sensors(ctx, json.loads(data["readings"]) if data else [], SENSOR_KEYS))


@action("tracker/get_fuel", api="user")
def get_fuel(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    """The device's fuel sensor values (device_data.fuel)."""
    _, data = _readable(ctx, p)
    return _sensor_answer(ctx, data, _sensors(ctx, json.loads(data["fuel"]) if data else [], FUEL_KEYS))


@action("tracker/get_diagnostics", api="user")
def get_diagnostics(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    """CAN/OBD sensor values and states (device_data.diagnostics); `states` null when there are none."""
    _, data = _readable(ctx, p)
    diag = json.loads(data["diagnostics"]) if data else {}
    return _sensor_answer(ctx, data, _sensors(ctx, diag.get("inputs") or [], SENSOR_KEYS),
                          states=diag.get("states") or None)


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
    return _sensor_answer(ctx, data, _digital_inputs(data), states=[
        {"type": s.get("type"), "name": s.get("name"), "status": s.get("status"), "input_number": s.get("input_number")}
        for s in semantic])


@action("tracker/get_last_gps_point", api="user")
def get_last_gps_point(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    """The last GPS fix (a GSM LBS fix is passed over for `gps_point`); null when there is none."""
    _, data = _readable(ctx, p)
    point: dict[str, Any] | None = None
    if data is not None and data["gsm_lbs"]:
        point = json.loads(data["gps_point"]) if data["gps_point"] else None
    elif data is not None and last_fix(ctx, data) is not None and data["lat"] is not None:
        point = {k: data[k] for k in ("lat", "lng", "heading", "speed", "satellites", "precision")}
        point["get_time"] = last_fix(ctx, data)
    if point is None:
        return {"value": None}
    value = {"get_time": _time(ctx, point["get_time"]), "heading": point.get("heading"), "lat": coordinate(point.get("lat")),
             "lng": coordinate(point.get("lng")), "satellites": point.get("satellites"), "speed": point.get("speed")}
    if point.get("precision"):
        value["precision"] = point["precision"]
    return {"value": value}


def _state(ctx: Ctx, source_id: int, connection_status: str, data: sqlite3.Row | None) -> dict[str, Any]:
    """The state object of get_state, keys in the document's order."""
    st: dict[str, Any] = json.loads(data["state"]) if data is not None else {}
    fix, reported = last_fix(ctx, data), _reported(ctx, data)

    def when(key: str, default: float | None) -> str | None:
        return _time(ctx, st.get(key, default))

    gps: dict[str, Any] = {
        "updated": _time(ctx, fix),
        "signal_level": st.get("gps_signal_level"),
        "location": ({"lat": coordinate(data["lat"]), "lng": coordinate(data["lng"])}
                     if data is not None and data["lat"] is not None else None),
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


def state_object(ctx: Ctx, row: sqlite3.Row, data: sqlite3.Row | None) -> dict[str, Any]:
    """get_state's state object of a tracker (a records.TRACKER_SELECT row) and its device_data row:
    what the event subscription sends (subscription.py)."""
    return _state(ctx, row["source_id"], row["connection_status"], data)


def user_time(ctx: Ctx, epoch: float) -> str:
    """`yyyy-MM-dd HH:mm:ss` in the user's time zone, as answers' `user_time`."""
    return str(_time(ctx, epoch))


@action("tracker/get_state", api="user")
def get_state(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    row, data = _readable(ctx, p)
    return {"user_time": _time(ctx, ctx.now), "state": _state(ctx, row["source_id"], row["connection_status"], data)}


@action("tracker/get_states", api="user")
def get_states(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    """States keyed by tracker id (as text); see the module's notes for the error order."""
    ids = list(dict.fromkeys(p["trackers"]))
    rows = records.trackers_by_id(ctx, ids, "t.user_id = ?", ctx.owner_id)
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
            states[str(i)] = _state(ctx, row["source_id"], row["connection_status"], device_data(ctx, row["source_id"]))
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
