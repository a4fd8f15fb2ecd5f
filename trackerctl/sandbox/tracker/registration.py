"""User API `tracker/*` registration and replacement: register, register_quick, register_retry,
replace, replace_quick, replace_retry.

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
- register_retry accepts `device_id` instead of `tracker_id` (both given must agree, else 201); it
  sets `register_retry_at`, which the panel's 120-second limit reads (the user API has no limit).
- replace and replace_quick put the new device into the tracker's source (same source id, so the
  history in device_data, the clones and the tariff stay): 225 checks the tracker's tariff.
"""

from __future__ import annotations

import json
import re
import sqlite3
from typing import Any

from trackerctl.api.action import Param
from trackerctl.api.endpoints import REGISTRY
from trackerctl.sandbox import records
from trackerctl.sandbox.codes import ApiFailure, invalid
from trackerctl.sandbox.dispatch import Ctx, action
from trackerctl.sandbox.params import validate
from trackerctl.sandbox.records import has_gsm, mobile_app, queue_command
from trackerctl.sandbox.tracker.common import (
    live_tracker,
    model_row,
    owner_row,
    phone_free,
    source_row,
    tracker_answer,
    tracker_model,
    unblocked,
)

QUICK_PLUGIN = 44  # the bundle registration plugin register_quick and replace_quick go through

# How registration plugins' own parameters are checked (any other: a non-empty string).
PLUGIN_PARAMS = {
    "phone": Param("phone", "str", "", digits=True),
    "apn_name": Param("apn_name", "str", "", max_len=40),
    "apn_user": Param("apn_user", "str", "", max_len=40),
    "apn_password": Param("apn_password", "str", "", max_len=40),
    "activation_code": Param("activation_code", "str", "", min_len=1),
    "iccid": Param("iccid", "str", "", digits=True),
}


def _group(ctx: Ctx, group_id: int) -> None:
    if group_id and not ctx.conn.execute("SELECT 1 FROM groups WHERE id = ? AND user_id = ?", (group_id, ctx.owner_id)).fetchone():
        raise ApiFailure(204)


def _plugin(ctx: Ctx, plugin_id: int, model: sqlite3.Row) -> sqlite3.Row:
    """222 when the plugin is unknown or does not support the model."""
    plugin = ctx.conn.execute("SELECT * FROM plugins WHERE id = ?", (plugin_id,)).fetchone()
    if plugin is None:
        raise ApiFailure(222)
    models = json.loads(plugin["models"]) if plugin["models"] else None
    if (model["code"] not in models) if models is not None else not has_gsm(model):
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
    if tariff is None or not records.tariff_admits(tariff["doc_type"], owner_row(ctx)["face"]):
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


def _create(ctx: Ctx, p: dict[str, Any], model: str, device_id: str, phone: str | None, apn: tuple[str, str, str],
            code: sqlite3.Row | None, bundle: sqlite3.Row | None) -> tuple[int, int]:
    """A new source and tracker, `just_registered`, on the activation code's tariff, else the
    dealer's default (221, 225); the code is used up, the bundle activated. (tracker id, source id)."""
    _device_limit(ctx, 1)
    tariff = _tariff_for(ctx, code["tariff_id"] if code else _default_tariff(ctx))
    days = (code["free_days"] if code else tariff["free_period"]) or (30 if tariff["type"] == "monthly" else 1)
    source_id = ctx.conn.execute(
        "INSERT INTO sources (device_id, phone, model, tariff_id, creation_date, tariff_end_date, connection_status, activated,"
        " apn_name, apn_user, apn_password) VALUES (?, ?, ?, ?, ?, ?, 'just_registered', 0, ?, ?, ?)",
        (device_id, phone, model, tariff["id"], ctx.today(), ctx.today(days), *apn),
    ).lastrowid
    tracker_id = ctx.conn.execute(
        "INSERT INTO trackers (label, user_id, group_id, source_id, creation_date) VALUES (?, ?, ?, ?, ?)",
        (p["label"], ctx.owner_id, p["group_id"], source_id, ctx.today()),
    ).lastrowid
    ctx.conn.execute("INSERT INTO device_data (source_id) VALUES (?)", (source_id,))
    if code is not None:
        ctx.conn.execute("UPDATE activation_codes SET activated = 1, activation_date = ?, device_id = ? WHERE code = ?",
                         (ctx.timestamp(), source_id, code["code"]))
        ctx.conn.execute("UPDATE users SET balance = balance + ?, bonus = bonus + ? WHERE id = ?",
                         (code["money_amount"], code["bonus_amount"], ctx.owner_id))
    if bundle is not None:
        ctx.conn.execute("UPDATE bundles SET activated = 1 WHERE id = ?", (bundle["id"],))
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
    model = model_row(ctx, p["model"])
    if model is None:
        raise ApiFailure(220)
    plugin, device_id, values, phone, bundle = _new_device(ctx, p, model, replacing=False)
    phone_free(ctx, phone)
    code = _activation_code(ctx, values["activation_code"]) if "activation_code" in values else None
    tracker_id, source_id = _create(ctx, p, model["code"], device_id, phone, _apn(values), code, bundle)
    if p.get("send_register_commands", True):
        queue_command(ctx, source_id, "register", {"action": "register", "plugin_id": plugin["id"], **values})
    return {"value": tracker_answer(ctx, tracker_id, tags=False)}


def _quick_device(ctx: Ctx, imei: str) -> tuple[sqlite3.Row, sqlite3.Row]:
    """The dealer's bundle of the IMEI (201) and its model, else its equipment's (220)."""
    bundle = _bundle(ctx, imei)
    if bundle is None:
        raise ApiFailure(201)
    code = bundle["model_code"]
    if code is None and bundle["equip_id"] is not None:
        code = ctx.conn.execute("SELECT model_code FROM equipment WHERE id = ?", (bundle["equip_id"],)).fetchone()[0]
    model = model_row(ctx, code)
    if model is None:
        raise ApiFailure(220)
    return bundle, model


def _quick_checks(ctx: Ctx, bundle: sqlite3.Row, model: sqlite3.Row,
                  source_id: int | None) -> tuple[str | None, tuple[str, str, str]]:
    """The quick plugin supports the model (222), the IMEI is not registered (224), the bundle's SIM
    is not deleted (226) and its phone not another device's (223): the SIM's phone and APN."""
    _plugin(ctx, QUICK_PLUGIN, model)
    _device_id_free(ctx, bundle["imei"])
    if bundle["iccid"] is None:
        return None, ("", "", "")
    sim = _sim(ctx, bundle["iccid"], bundle)
    phone_free(ctx, sim["phone"], source_id)
    return sim["phone"], (sim["apn_name"], sim["apn_user"], sim["apn_password"])


@action("tracker/register_quick", api="user", right="tracker_register")
def register_quick(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    """Register a preconfigured bundle by IMEI; no commands are sent. Order 201, 204, 220, 222, 224,
    226, 223, 227, 221, 225."""
    bundle, model = _quick_device(ctx, p["imei"])
    _group(ctx, p["group_id"])
    phone, apn = _quick_checks(ctx, bundle, model, None)
    code = _activation_code(ctx, bundle["activation_code"]) if bundle["activation_code"] else None
    tracker_id, _ = _create(ctx, p, model["code"], bundle["imei"], phone, apn, code, bundle)
    return {"value": tracker_answer(ctx, tracker_id, tags=True)}


@action("tracker/register_retry", api="user", right="tracker_register",
        params=tuple(q if q.name != "tracker_id" else Param(q.name, q.kind, q.help, required=False, ge=1)
                     for q in REGISTRY.by_path("tracker/register_retry").params))  # type: ignore[union-attr]
def register_retry(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    """Resend the registration commands, the tracker given by tracker_id or device_id. Order 201,
    208, 219, 214, 242 (the device has connected)."""
    if "tracker_id" not in p and "device_id" not in p:
        raise invalid(("tracker_id", "required parameter is missing (or device_id)"))
    if "tracker_id" in p:
        row = live_tracker(ctx, p["tracker_id"])
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
    _resendable(ctx, row)
    _resend(ctx, row["source_id"], p, "register_retry")
    # the user API has no retry limit, but the panel's (264 within 120 s) counts retries from both
    ctx.conn.execute("UPDATE sources SET register_retry_at = ? WHERE id = ?", (ctx.now, row["source_id"]))
    return {"value": tracker_answer(ctx, row["id"], tags=True)}


def _resendable(ctx: Ctx, row: sqlite3.Row) -> sqlite3.Row:
    """The source of a tracker whose registration commands can be sent again: not blocked (208), not
    a clone (219), with a GSM module (214), its device not connected yet (242)."""
    unblocked(row)
    if row["clone"]:
        raise ApiFailure(219)
    if not has_gsm(tracker_model(ctx, row)):
        raise ApiFailure(214)
    source = source_row(ctx, row["source_id"])
    if source["activated"]:
        raise ApiFailure(242)
    return source


def _resend(ctx: Ctx, source_id: int, p: dict[str, Any], what: str) -> None:
    ctx.conn.execute("UPDATE sources SET apn_name = ?, apn_user = ?, apn_password = ? WHERE id = ?",
                     (p["apn_name"], p["apn_user"], p["apn_password"], source_id))
    if p.get("send_register_commands", True):
        queue_command(ctx, source_id, "register", {"action": what, "apn_name": p["apn_name"], "apn_user": p["apn_user"],
                                            "apn_password": p["apn_password"]})


# ---- replacement -----------------------------------------------------------------------------------


def _replaceable(ctx: Ctx, tracker_id: int) -> sqlite3.Row:
    """The tracker (204), not blocked (208), not a clone (219), its device activated (266)."""
    row = unblocked(live_tracker(ctx, tracker_id, missing=204))
    if row["clone"]:
        raise ApiFailure(219)
    if not source_row(ctx, row["source_id"])["activated"]:
        raise ApiFailure(266)
    return row


def _not_mobile_apps(old: str, new: str, new_param: str) -> None:
    problems = [(n, f"{code} is a mobile application") for n, code in (("tracker_id", old), (new_param, new)) if mobile_app(code)]
    if problems:
        raise invalid(*problems)


def _swap(ctx: Ctx, row: sqlite3.Row, model: str, device_id: str, phone: str | None, apn: tuple[str, str, str],
          bundle: sqlite3.Row | None) -> None:
    """The tracker's source takes the new device (221 when the dealer is beyond its device limit
    already, 225 for the tracker's tariff); id, history (device_data), clones and tariff stay. The
    bundle is activated."""
    _device_limit(ctx, 0)
    _tariff_for(ctx, row["tariff_id"])
    ctx.conn.execute(
        "UPDATE sources SET device_id = ?, model = ?, phone = ?, apn_name = ?, apn_user = ?, apn_password = ?,"
        " replaced_device_id = device_id, activated = 0, connection_status = 'just_registered' WHERE id = ?",
        (device_id, model, phone, *apn, row["source_id"]),
    )
    if bundle is not None:
        ctx.conn.execute("UPDATE bundles SET activated = 1 WHERE id = ?", (bundle["id"],))


@action("tracker/replace", api="user", right="tracker_configure")
def replace(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    """Put a new device behind the tracker. Order 204, 208, 219, 266, 220, 7 (mobile app), 222, 7
    (plugin parameters, device_id), 224, 258, 226, 223, 221, 225."""
    row = _replaceable(ctx, p["tracker_id"])
    model = model_row(ctx, p["model"])
    if model is None:
        raise ApiFailure(220)
    _not_mobile_apps(row["model"], model["code"], "model")
    plugin, device_id, values, phone, bundle = _new_device(ctx, p, model, replacing=True)
    phone_free(ctx, phone, row["source_id"])
    _swap(ctx, row, model["code"], device_id, phone, _apn(values), bundle)
    if p.get("send_register_commands", True):
        queue_command(ctx, row["source_id"], "register", {"action": "replace", "plugin_id": plugin["id"], **values})
    return {"value": tracker_answer(ctx, row["id"], tags=False)}


@action("tracker/replace_quick", api="user", right="tracker_configure")
def replace_quick(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    """Put a preconfigured bundle behind the tracker. Order 204, 208, 219, 266, 201, 220, 7 (mobile
    app), 222, 224, 226, 223, 221, 225."""
    row = _replaceable(ctx, p["tracker_id"])
    bundle, model = _quick_device(ctx, p["imei"])
    _not_mobile_apps(row["model"], model["code"], "imei")
    phone, apn = _quick_checks(ctx, bundle, model, row["source_id"])
    _swap(ctx, row, model["code"], bundle["imei"], phone, apn, bundle)
    return {"value": tracker_answer(ctx, row["id"], tags=True)}


@action("tracker/replace_retry", api="user", right="tracker_configure")
def replace_retry(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    """Resend the registration commands to the new device. Order 204, 208, 219, 214, 242 (the new
    device has connected), 266 (no replacement: the tracker's first device is not activated yet)."""
    row = live_tracker(ctx, p["tracker_id"], missing=204)
    if _resendable(ctx, row)["replaced_device_id"] is None:
        raise ApiFailure(266)
    _resend(ctx, row["source_id"], p, "replace_retry")
    return {"value": tracker_answer(ctx, row["id"], tags=True)}
