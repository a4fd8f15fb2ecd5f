"""Sandbox user API tracker/* actions beyond read and list (the sandbox/tracker/ package): the success path and
shape of each, and every error code the document lists, produced from the state that causes it
(ERROR_CASES; test_every_documented_error_is_produced parses the document's `#### Errors` lists and
fails for any (action, code) no case produces)."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from typing import Any

import pytest

from tests.helpers.sandbox import Setup, code, error_case, errors, ok, one, sql
from tests.helpers.spec import spec_file
from trackerctl.sandbox.app import Sandbox, reset
from trackerctl.sandbox.codes import describe
from trackerctl.sandbox.seed import SEED
from trackerctl.sandbox.store import fmt_datetime


NEW_IMEI = "123451234512346"  # the document's register example
NEW_PHONE = "79123122312"
FRESH_PHONE = "79123999999"
APN = {"apn_name": "fast.tmobile.com", "apn_user": "tmobile", "apn_password": "tmobile"}
REGISTER = {"label": "Courier", "group_id": 0, "plugin_id": 37, "model": "qlgv55lite", "phone": NEW_PHONE,
            "activation_code": SEED["activation_code"], "device_id": NEW_IMEI, **APN}
REPLACE = {"tracker_id": SEED["tracker"], "plugin_id": 37, "model": "qlgv55lite", "phone": NEW_PHONE, "device_id": NEW_IMEI, **APN}
PHONE_OF_999119 = "79123456701"
IMEI_OF_999119 = "356938035643809"
SUB_USER = SEED["login_noregister"]  # rights tracker_configure + tracker_set_output
TRACKER_KEYS = ["id", "label", "clone", "group_id", "source"]
SOURCE_KEYS = ["id", "device_id", "model", "blocked", "tariff_id", "status_listing_id", "creation_date", "tariff_end_date", "phone"]
STATE_KEYS = ["source_id", "gps", "connection_status", "movement_status", "gsm", "last_update", "battery_level", "battery_update",
              "inputs", "inputs_update", "outputs", "outputs_update", "additional", "actual_track_update"]
SENSOR_KEYS = ["label", "units", "name", "type", "value", "units_type", "converted_units_type", "converted_value"]
FUEL_KEYS = ["label", "name", "type", "value", "units_type", "units", "converted_units_type", "converted_value"]
TIME = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")


def login(sb: Sandbox, user: str) -> str:
    return ok(sb, "user/auth", {"login": user, "password": "demo"})["hash"]


def source(sb: Sandbox, tracker_id: int) -> dict:
    with sb.transaction() as conn:
        return dict(conn.execute("SELECT s.* FROM sources s JOIN trackers t ON t.source_id = s.id WHERE t.id = ?", (tracker_id,)).fetchone())


def commands(sb: Sandbox, tracker_id: int) -> list[tuple[str, dict, int]]:
    return [(k, json.loads(p), r) for k, p, r in sql(
        sb, "SELECT c.kind, c.payload, c.reliable FROM commands c JOIN trackers t ON t.source_id = c.source_id WHERE t.id = ? ORDER BY c.id",
        tracker_id)]


# ---- state a case sets up ----------------------------------------------------------------------------



def add_sim(sb: Sandbox, iccid: str, phone: str, *, deleted: int = 0) -> None:
    sql(sb, "INSERT INTO sims (iccid, dealer_id, phone, apn_name, deleted) VALUES (?, 1, ?, 'bundle.apn', ?)", iccid, phone, deleted)


def add_bundle(sb: Sandbox, imei: str, model: str | None = "telfmb920", *, iccid: str | None = None,
               activation_code: str | None = None, equip_id: int | None = None) -> None:
    sql(sb, "INSERT INTO bundles (dealer_id, imei, model_code, iccid, equip_id, activation_code) VALUES (1, ?, ?, ?, ?, ?)",
        imei, model, iccid, equip_id, activation_code)


def rights(*granted: str) -> Setup:
    return lambda sb: sql(sb, "UPDATE users SET rights = ? WHERE id = ?", json.dumps(list(granted)), SEED["user_noregister"])


def limit_reached(sb: Sandbox) -> None:
    """The dealer's device limit is its current count: one more device exceeds it."""
    sql(sb, "UPDATE dealers SET device_limit = (SELECT COUNT(*) FROM trackers t JOIN users u ON u.id = t.user_id"
            " WHERE u.dealer_id = 1 AND t.clone = 0 AND t.deleted = 0) WHERE id = 1")


def limit_exceeded(sb: Sandbox) -> None:
    """The dealer is already beyond its limit (it was lowered): even a replacement is refused."""
    limit_reached(sb)
    sql(sb, "UPDATE dealers SET device_limit = device_limit - 1 WHERE id = 1")


def not_activated(tracker_id: int) -> Setup:
    return lambda sb: sql(sb, "UPDATE sources SET activated = 0, connection_status = 'just_registered'"
                              " WHERE id = (SELECT source_id FROM trackers WHERE id = ?)", tracker_id)


def legal_tariff_for(tracker_id: int) -> Setup:
    """The tracker's tariff becomes one for legal entities only (1295); the demo user is an individual."""
    return lambda sb: sql(sb, "UPDATE sources SET tariff_id = ? WHERE id = (SELECT source_id FROM trackers WHERE id = ?)",
                          SEED["tariff_legal"], tracker_id)


def legal_activation_code(sb: Sandbox) -> None:
    sql(sb, "INSERT INTO activation_codes (code, dealer_id, tariff_id, free_days) VALUES ('777000111', 1, ?, 0)", SEED["tariff_legal"])


def bundled_sim_phone(sb: Sandbox) -> None:
    add_sim(sb, "8999000000000000001", "79990000001")
    add_bundle(sb, "835660000000001", iccid="8999000000000000001")


def bundle_plain(sb: Sandbox) -> None:
    add_bundle(sb, "835660000000002")


def bundle_without_model(sb: Sandbox) -> None:
    add_bundle(sb, "835660000000003", None)


def bundle_mobile_app(sb: Sandbox) -> None:
    add_bundle(sb, "835660000000004", "navixymobile_android")


def bundle_phone_in_use(sb: Sandbox) -> None:
    add_sim(sb, "8999000000000000005", PHONE_OF_999119)
    add_bundle(sb, "835660000000005", iccid="8999000000000000005")


def bundle_registered_imei(sb: Sandbox) -> None:
    """A bundle for 999119's IMEI (the seed may hold one already)."""
    if not one(sb, "SELECT 1 FROM bundles WHERE imei = ?", IMEI_OF_999119):
        add_bundle(sb, IMEI_OF_999119)


def bundle_deleted_sim(sb: Sandbox) -> None:
    add_sim(sb, "8999000000000000006", "79990000006", deleted=1)
    add_bundle(sb, "835660000000006", iccid="8999000000000000006")


def bundle_used_code(sb: Sandbox) -> None:
    add_bundle(sb, "835660000000007", activation_code="000000000")  # no such code


def bundle_with_sim(sb: Sandbox) -> None:
    add_sim(sb, "8999000000000000008", "79990000008")
    add_bundle(sb, "835660000000008", iccid="8999000000000000008")


def bundle_plain_legal_default(sb: Sandbox) -> None:
    bundle_plain(sb)
    sql(sb, "UPDATE dealers SET default_tariff_id = ? WHERE id = 1", SEED["tariff_legal"])


def quick_plugin_only_queclink(sb: Sandbox) -> None:
    bundle_plain(sb)  # a telfmb920
    sql(sb, "UPDATE plugins SET models = '[\"qlgv55lite\"]' WHERE id = 44")


def unbind_rules(sb: Sandbox) -> None:
    sql(sb, "DELETE FROM rule_trackers WHERE tracker_id = ?", SEED["clone_with_rules"])


def pending_replacement_done(sb: Sandbox) -> None:
    ok(sb, "tracker/replace", REPLACE)
    sql(sb, "UPDATE sources SET activated = 1 WHERE device_id = ?", NEW_IMEI)


def both(*setups: Callable[[Sandbox], None]) -> Setup:
    return lambda sb: [setup(sb) for setup in setups] and None


case = functools.partial(error_case, "tracker/")


T, MISSING = {"tracker_id": SEED["tracker"]}, {"tracker_id": 987654321}
BLOCKED, CLONE, NO_GSM = {"tracker_id": SEED["tracker_blocked"]}, {"tracker_id": SEED["clone_free"]}, {"tracker_id": SEED["tracker_no_gsm"]}
READS = ("get_diagnostics", "get_fuel", "get_inputs", "get_last_gps_point", "get_readings", "get_state")
PHONE = {"phone": FRESH_PHONE, **APN}
QUICK = {"label": "Courier", "group_id": 0}
SEAL = {"name": "electronic_lock_command", "command_code": "seal"}
TAG = [{"tag_id": SEED["tag"], "ordinal": 1}]

ERROR_CASES = [
    case("read", 201, MISSING),
    case("corrupt", 13, T, user=SUB_USER),
    case("corrupt", 243, {"tracker_id": SEED["tracker_online"]}),
    case("corrupt", 201, MISSING),
    case("corrupt", 201, {"tracker_id": SEED["tracker_deleted"]}, id="deleted"),
    case("corrupt", 219, CLONE),
    case("corrupt", 252, {"tracker_id": SEED["tracker_corrupted"]}),
    case("corrupt", 208, BLOCKED),
    case("delete", 201, MISSING),
    case("delete", 13, {"tracker_id": SEED["clone_free"]}, user=SUB_USER, id="sub-user"),
    case("delete", 249, T),
    case("delete", 203, {"tracker_id": SEED["clone_with_rules"]}),
    case("change_phone", 201, {**MISSING, **PHONE}),
    case("change_phone", 208, {**BLOCKED, **PHONE}),
    case("change_phone", 219, {**CLONE, **PHONE}),
    case("change_phone", 214, {**NO_GSM, **PHONE}),
    case("change_phone", 223, {**T, **PHONE, "phone": PHONE_OF_999119}),
    case("change_phone", 241, {**T, **PHONE, "phone": "79990000001"}, bundled_sim_phone),
    case("change_phone", 13, {**T, **PHONE}, rights("tracker_set_output"), user=SUB_USER, id="sub-user"),
    *[case(a, 201, MISSING) for a in READS],
    *[case(a, 208, BLOCKED) for a in READS],
    case("get_states", 201, {"trackers": [SEED["tracker"], SEED["tracker_corrupted"]]}),
    case("get_states", 208, {"trackers": [SEED["tracker"], SEED["tracker_blocked"]], "allow_not_exist": True}),
    case("get_states", 217, {"trackers": [SEED["tracker"], 987654321], "list_blocked": True}),
    case("get_states", 217, {"trackers": [SEED["tracker_deleted"]]}, id="deleted"),
    case("location_request", 201, MISSING),
    case("location_request", 208, BLOCKED),
    case("location_request", 213, {"tracker_id": SEED["tracker_offline"], "type": "gprs"}),
    case("location_request", 213, {"tracker_id": SEED["tracker_offline"], "type": "gsm"}, id="gsm"),
    case("location_request", 214, NO_GSM),
    case("location_request", 214, {**T, "type": "gprs"}, id="no-gprs-request"),  # atrack_ak11
    case("location_request", 256, {"tracker_id": SEED["tracker_fresh"]}),
    case("location_request", 256, {"tracker_id": SEED["tracker_fresh"], "type": "gprs"}, id="gprs"),
    case("register", 13, REGISTER, user=SUB_USER),
    case("register", 204, {**REGISTER, "group_id": 999}),
    case("register", 204, {**REGISTER, "group_id": 169}, id="other-users-group"),
    case("register", 220, {**REGISTER, "model": "no_such_model"}),
    case("register", 221, REGISTER, limit_reached),
    case("register", 222, {**REGISTER, "plugin_id": 99}),
    case("register", 222, {**REGISTER, "plugin_id": 37, "model": "navixymobile_android"}, id="model-not-supported"),
    case("register", 223, {**REGISTER, "phone": PHONE_OF_999119}),
    case("register", 224, {**REGISTER, "device_id": IMEI_OF_999119}),
    case("register", 225, {**REGISTER, "activation_code": "777000111"}, legal_activation_code),
    case("register", 226, {**REGISTER, "plugin_id": 44, "model": "telfmb920", "device_id": "835660000000008", "iccid": "1234"},
         bundle_with_sim),
    case("register", 226, {**REGISTER, "plugin_id": 44, "model": "telfmb920", "device_id": "835660000000008",
                           "iccid": "8999000000000000099"}, both(bundle_with_sim, lambda sb: add_sim(sb, "8999000000000000099", "79990000099")),
         id="not-the-bundles-sim"),
    case("register", 227, {**REGISTER, "activation_code": "000000000"}),
    case("register", 227, {**REGISTER, "activation_code": "555000111"}, id="used"),
    case("register", 258, {**REGISTER, "plugin_id": 44, "model": "telfmb920", "device_id": "835669999999999", "iccid": "1234"}),
    case("register_retry", 13, {**T, **APN}, user=SUB_USER),
    case("register_retry", 201, {**MISSING, **APN}),
    # the CLI takes TRACKER_ID (the contract makes the primary key positional): device_id alone goes through `api`
    case("register_retry", 201, {"device_id": "000000000000000", **APN}, id="device-id", via="api"),
    case("register_retry", 208, {**BLOCKED, **APN}),
    case("register_retry", 219, {**CLONE, **APN}),
    case("register_retry", 214, {**NO_GSM, **APN}),
    case("register_retry", 242, {**T, **APN}),
    case("register_quick", 13, {**QUICK, "imei": "835660000000002"}, bundle_plain, user=SUB_USER),
    case("register_quick", 201, {**QUICK, "imei": "835669999999999"}),
    case("register_quick", 201, {**QUICK, "imei": "835660000000002"}, lambda sb: sql(
        sb, "INSERT INTO bundles (dealer_id, imei, model_code) VALUES (2, '835660000000002', 'telfmb920')"), id="other-dealer"),
    case("register_quick", 204, {**QUICK, "group_id": 999, "imei": "835660000000002"}, bundle_plain),
    case("register_quick", 220, {**QUICK, "imei": "835660000000003"}, bundle_without_model),
    case("register_quick", 221, {**QUICK, "imei": "835660000000002"}, both(bundle_plain, limit_reached)),
    case("register_quick", 222, {**QUICK, "imei": "835660000000004"}, bundle_mobile_app),
    case("register_quick", 222, {**QUICK, "imei": "835660000000002"}, quick_plugin_only_queclink, id="plugin-models"),
    case("register_quick", 223, {**QUICK, "imei": "835660000000005"}, bundle_phone_in_use),
    case("register_quick", 224, {**QUICK, "imei": IMEI_OF_999119}, bundle_registered_imei),
    case("register_quick", 225, {**QUICK, "imei": "835660000000002"}, bundle_plain_legal_default),
    case("register_quick", 226, {**QUICK, "imei": "835660000000006"}, bundle_deleted_sim),
    case("register_quick", 227, {**QUICK, "imei": "835660000000007"}, bundle_used_code),
    case("replace", 7, {**REPLACE, "model": "navixymobile_android", "plugin_id": 38}),
    case("replace", 7, {**REPLACE, "phone": "7912x"}, id="plugin-parameter"),
    case("replace", 13, REPLACE, rights("tracker_register"), user=SUB_USER),
    case("replace", 204, {**REPLACE, **MISSING}),
    case("replace", 220, {**REPLACE, "model": "no_such_model"}),
    case("replace", 221, REPLACE, limit_exceeded),
    case("replace", 222, {**REPLACE, "plugin_id": 99}),
    case("replace", 223, {**REPLACE, "phone": PHONE_OF_999119}),
    case("replace", 224, {**REPLACE, "device_id": IMEI_OF_999119}),
    case("replace", 225, REPLACE, legal_tariff_for(SEED["tracker"])),
    case("replace", 226, {**REPLACE, "plugin_id": 44, "model": "telfmb920", "device_id": "835660000000008", "iccid": "1234"},
         bundle_with_sim),
    case("replace", 258, {**REPLACE, "plugin_id": 44, "model": "telfmb920", "device_id": "835669999999999", "iccid": "1234"}),
    case("replace", 266, REPLACE, not_activated(SEED["tracker"])),
    case("replace_quick", 7, {**T, "imei": "835660000000004"}, bundle_mobile_app),
    case("replace_quick", 13, {**T, "imei": "835660000000002"}, both(bundle_plain, rights("tracker_register")),
         user=SUB_USER),
    case("replace_quick", 201, {**T, "imei": "835669999999999"}),
    case("replace_quick", 204, {**MISSING, "imei": "835660000000002"}, bundle_plain),
    case("replace_quick", 220, {**T, "imei": "835660000000003"}, bundle_without_model),
    case("replace_quick", 221, {**T, "imei": "835660000000002"}, both(bundle_plain, limit_exceeded)),
    case("replace_quick", 222, {**T, "imei": "835660000000002"}, quick_plugin_only_queclink),
    case("replace_quick", 223, {**T, "imei": "835660000000005"}, bundle_phone_in_use),
    case("replace_quick", 224, {**T, "imei": IMEI_OF_999119}, bundle_registered_imei),
    case("replace_quick", 225, {**T, "imei": "835660000000002"}, both(bundle_plain, legal_tariff_for(SEED["tracker"]))),
    case("replace_quick", 226, {**T, "imei": "835660000000006"}, bundle_deleted_sim),
    case("replace_quick", 266, {**T, "imei": "835660000000002"}, both(bundle_plain, not_activated(SEED["tracker"]))),
    case("replace_retry", 13, {**T, **APN}, rights("tracker_register"), user=SUB_USER),
    case("replace_retry", 204, {**MISSING, **APN}),
    case("replace_retry", 208, {**BLOCKED, **APN}),
    case("replace_retry", 219, {**CLONE, **APN}),
    case("replace_retry", 214, {**NO_GSM, **APN}),
    case("replace_retry", 242, {**T, **APN}),
    case("replace_retry", 242, {**T, **APN}, pending_replacement_done, id="new-device-connected"),
    case("replace_retry", 266, {**T, **APN}, not_activated(SEED["tracker"])),
    case("send_command", 13, {"tracker_id": SEED["tracker_lock"], "command": {"name": "set_special_settings_command",
                                                                               "special_settings": {"type": "x"}}},
         rights("tracker_configure"), user=SUB_USER),
    # the platform checks the command against the model's special_control; the CLI only that it has a name
    case("send_command", 7, {"tracker_id": SEED["tracker_lock"], "command": {**SEAL, "command_code": "open"}}),
    case("send_command", 7, {**T, "command": SEAL}, id="not-for-the-model"),
    case("send_command", 201, {**MISSING, "command": SEAL}),
    # the CLI checks hex and ordinals itself: the sandbox's 7 through `trackerctl api`
    case("raw_command/send", 7, {**T, "command": "AT+GTRTO", "type": "hex"}, via="api"),
    case("raw_command/send", 201, {**MISSING, "command": "AT+GTRTO"}),
    case("raw_command/send", 13, {**T, "command": "AT+GTRTO"}, rights("tracker_configure"), user=SUB_USER),
    case("tags/set", 7, {**T, "tag_bindings": [{"tag_id": SEED["tag"], "ordinal": 6}]}, via="api"),
    case("tags/set", 217, {**T, "tag_bindings": [{"tag_id": 999, "ordinal": 1}]}),
    case("tags/set", 201, {**MISSING, "tag_bindings": TAG}),  # the CLI needs one --tag at least
]

# Listed by the document, but no state causes it (none: every listed code is produced).
NOT_PRODUCIBLE: set[tuple[str, int]] = set()


def _tables(sb: Sandbox) -> tuple:
    return tuple(sql(sb, f"SELECT * FROM {t} ORDER BY 1") for t in (
        "trackers", "sources", "tracker_tags", "bundles", "activation_codes", "commands", "users", "device_data"))


@pytest.mark.parametrize("c", ERROR_CASES, ids=lambda c: c.id)
def test_documented_error(sb, c):
    if c.setup is not None:
        c.setup(sb)
    credential = login(sb, c.user) if c.user else None
    before = _tables(sb)
    status, body = sb.call(c.path, c.params, credential=credential)
    assert code(body) == c.code, body
    assert status == describe(c.code)[1]
    assert body["status"]["description"] == describe(c.code)[0]
    assert _tables(sb) == before  # a refusal changes nothing


def documented_errors() -> set[tuple[str, int]]:
    """(action path, code) for every `* NNN – ...` line under an action's `#### Errors` heading."""
    pairs, name, in_errors = set(), None, False
    for line in spec_file("user-api-tracker.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("### "):
            name, in_errors = line[4:].strip().strip("`"), False
        elif line.startswith("#### "):
            in_errors = line[5:].strip().lower() == "errors"
        elif in_errors and name and (m := re.match(r"\* +(\d+) *[–-]", line)):
            pairs.add(("tracker/" + name, int(m.group(1))))
    return pairs


def test_every_documented_error_is_produced():
    documented = documented_errors()
    assert len(documented) > 90 and ("tracker/replace_quick", 266) in documented and ("tracker/raw_command/send", 7) in documented
    produced = {(c.path, c.code) for c in ERROR_CASES}
    assert len({c.id for c in ERROR_CASES}) == len(ERROR_CASES)
    missing = documented - produced - NOT_PRODUCIBLE
    assert not missing, f"documented errors no case produces: {sorted(missing)}"
    assert NOT_PRODUCIBLE <= documented


# ---- corrupt, delete -----------------------------------------------------------------------------------


def register_new(sb: Sandbox, **over: Any) -> dict:
    return ok(sb, "tracker/register", {**REGISTER, **over})["value"]


def test_corrupt_a_device_that_never_connected(sb):
    tracker = register_new(sb)
    src = tracker["source"]["id"]
    # another user's clone of it shares the source and goes with it
    sql(sb, "INSERT INTO trackers (id, label, user_id, source_id, clone, creation_date) VALUES (555001, 'c', ?, ?, 1, '2025-01-01')",
        SEED["user_other"], src)
    assert ok(sb, "tracker/corrupt", {"tracker_id": tracker["id"]}) == {"success": True}
    assert code(sb.call("tracker/read", {"tracker_id": tracker["id"]})[1]) == 201
    row = source(sb, tracker["id"])
    assert row["corrupted"] == 1 and row["phone"] is None and row["device_id"] == f"corrupted.{src}.{NEW_IMEI}"
    assert sql(sb, "SELECT deleted FROM trackers WHERE source_id = ?", src) == [(1,), (1,)]
    assert code(sb.call("tracker/corrupt", {"tracker_id": tracker["id"]})[1]) == 252
    # the device id and the phone are free again
    sql(sb, "INSERT INTO activation_codes (code, dealer_id, tariff_id) VALUES ('444', 1, ?)", SEED["tariff_monthly"])
    again = register_new(sb, activation_code="444")
    assert again["source"]["device_id"] == NEW_IMEI and again["source"]["phone"] == NEW_PHONE


def test_delete_a_clone(sb):
    assert ok(sb, "tracker/delete", {"tracker_id": SEED["clone_free"]}) == {"success": True}
    assert code(sb.call("tracker/read", {"tracker_id": SEED["clone_free"]})[1]) == 201
    assert SEED["clone_free"] not in [t["id"] for t in ok(sb, "tracker/list")["list"]]
    assert ok(sb, "tracker/read", {"tracker_id": SEED["tracker_other_b"]}, credential=login(sb, SEED["login_other"]))  # original stays


def test_delete_203_names_rules_then_vehicles(sb):
    status, body = sb.call("tracker/delete", {"tracker_id": SEED["clone_with_rules"]})
    assert status == 400 and body == {"success": False, "status": {"code": 203, "description": "Delete entity associated with"},
                                      "rules": [SEED["rule"]]}
    unbind_rules(sb)
    body = sb.call("tracker/delete", {"tracker_id": SEED["clone_with_rules"]})[1]
    assert code(body) == 203 and body["vehicles"] == [SEED["vehicle"]] and "rules" not in body
    sql(sb, "UPDATE vehicles SET tracker_id = NULL WHERE id = ?", SEED["vehicle"])
    ok(sb, "tracker/delete", {"tracker_id": SEED["clone_with_rules"]})


# ---- change_phone ------------------------------------------------------------------------------------


def test_change_phone(sb):
    assert ok(sb, "tracker/change_phone", {"tracker_id": SEED["tracker_online"], **PHONE}) == {"success": True}
    row = source(sb, SEED["tracker_online"])
    assert (row["phone"], row["apn_name"], row["apn_user"], row["apn_password"]) == (FRESH_PHONE, *APN.values())
    assert ok(sb, "tracker/read", {"tracker_id": SEED["tracker_online"]})["value"]["source"]["phone"] == FRESH_PHONE
    assert commands(sb, SEED["tracker_online"])[-1][1]["phone"] == FRESH_PHONE
    # its own number again is no conflict; the old number is free for another tracker
    ok(sb, "tracker/change_phone", {"tracker_id": SEED["tracker_online"], **PHONE})
    ok(sb, "tracker/change_phone", {"tracker_id": SEED["tracker"], **PHONE, "phone": "79123456703"})


def test_change_phone_parameters(sb):
    body = sb.call("tracker/change_phone", {"tracker_id": SEED["tracker"], "phone": "+7912", "apn_name": "x" * 41, "apn_user": ""})[1]
    assert errors(body) == {"phone": "must consist of digits only", "apn_name": "length must be at most 40",
                            "apn_password": "required parameter is missing"}


# ---- reads -------------------------------------------------------------------------------------------


def test_get_readings_fuel_diagnostics_inputs_shapes(sb):
    t = {"tracker_id": SEED["tracker_online"]}
    readings = ok(sb, "tracker/get_readings", t)
    assert list(readings) == ["success", "user_time", "inputs", "update_time"]
    assert list(readings["inputs"][0]) == SENSOR_KEYS and readings["inputs"][0]["value"] == 13.562
    assert TIME.fullmatch(readings["user_time"]) and TIME.fullmatch(readings["update_time"])
    fuel = ok(sb, "tracker/get_fuel", t)
    assert list(fuel["inputs"][0]) == FUEL_KEYS and fuel["inputs"][0]["converted_value"] is None
    diag = ok(sb, "tracker/get_diagnostics", t)
    assert list(diag) == ["success", "user_time", "inputs", "states", "update_time"]
    assert diag["inputs"][0]["name"] == "obd_rpm" and diag["states"] == {"obd_vin": "123", "obd_mil_status": "0"}
    inputs = ok(sb, "tracker/get_inputs", t)
    assert list(inputs) == ["success", "user_time", "inputs", "states", "update_time"]
    assert inputs["inputs"] == [True, True, False]
    assert inputs["states"] == [{"type": "ignition", "name": "DIN1", "status": True, "input_number": 1}]
    # a tracker without such data answers empty lists and null states
    empty = ok(sb, "tracker/get_diagnostics", {"tracker_id": SEED["tracker"]})
    assert empty["inputs"] == [] and empty["states"] is None


def test_sensor_data_comes_from_state_and_converts_to_the_users_units(sb):
    sql(sb, "UPDATE device_data SET fuel = ?, updated = 1700000000 WHERE source_id = 545139", json.dumps(
        [{"label": "Tank", "name": "lls_level_1", "type": "fuel", "value": 50.0, "units_type": "litre", "units": "l"}]))
    fuel = ok(sb, "tracker/get_fuel", {"tracker_id": SEED["tracker_online"]})
    assert fuel["inputs"] == [{"label": "Tank", "name": "lls_level_1", "type": "fuel", "value": 50.0, "units_type": "litre",
                               "units": "l", "converted_units_type": None, "converted_value": None}]
    assert fuel["update_time"] == fmt_datetime(1700000000)
    sql(sb, "UPDATE users SET measurement_system = 'us', time_zone = 'America/New_York' WHERE id = ?", SEED["user_demo"])
    fuel = ok(sb, "tracker/get_fuel", {"tracker_id": SEED["tracker_online"]})
    assert fuel["inputs"][0]["converted_units_type"] == "gallon" and fuel["inputs"][0]["converted_value"] == 13.209
    assert fuel["update_time"] == "2023-11-14 17:13:20"  # 22:13:20 UTC in New York


def test_get_last_gps_point(sb):
    value = ok(sb, "tracker/get_last_gps_point", {"tracker_id": SEED["tracker_online"]})["value"]
    assert list(value) == ["get_time", "heading", "lat", "lng", "satellites", "speed", "precision"]
    sql(sb, "UPDATE device_data SET precision = 0 WHERE source_id = 545139")
    assert "precision" not in ok(sb, "tracker/get_last_gps_point", {"tracker_id": SEED["tracker_online"]})["value"]
    # a GSM LBS fix is passed over for the last GPS point
    sql(sb, "UPDATE device_data SET gsm_lbs = 1, gps_point = ? WHERE source_id = 545139", json.dumps(
        {"get_time": 1700000000, "lat": 1.5, "lng": 2.5, "heading": 90, "speed": 0, "satellites": 7, "precision": 0}))
    assert ok(sb, "tracker/get_last_gps_point", {"tracker_id": SEED["tracker_online"]})["value"] == {
        "get_time": fmt_datetime(1700000000), "heading": 90, "lat": 1.5, "lng": 2.5, "satellites": 7, "speed": 0}
    sql(sb, "UPDATE device_data SET gps_point = NULL WHERE source_id = 545139")
    assert ok(sb, "tracker/get_last_gps_point", {"tracker_id": SEED["tracker_online"]})["value"] is None


def test_get_state(sb):
    body = ok(sb, "tracker/get_state", {"tracker_id": SEED["tracker_online"]})
    assert list(body) == ["success", "user_time", "state"]
    state = body["state"]
    assert list(state) == STATE_KEYS
    assert state["source_id"] == 545139 and state["connection_status"] == "active"
    assert list(state["gps"]) == ["updated", "signal_level", "location", "heading", "speed", "alt", "precision"]
    assert list(state["gsm"]) == ["updated", "signal_level", "network_name", "roaming"]
    assert state["inputs"] == [True, True, False] and state["outputs"] == [True, False]
    assert state["additional"]["hardware_key"]["value"] == "20910998202956382057"
    live = ok(sb, "tracker/get_state", {"tracker_id": SEED["tracker_fresh"]})
    assert live["state"]["gps"]["updated"] == live["user_time"] == live["state"]["last_update"]
    assert ok(sb, "tracker/get_state", {"tracker_id": SEED["tracker_no_gsm"]})["state"]["gsm"] is None


def test_get_state_of_a_device_that_never_reported(sb):
    state = ok(sb, "tracker/get_state", {"tracker_id": register_new(sb)["id"]})["state"]
    assert state["connection_status"] == "just_registered"
    assert state["gps"]["updated"] is None and state["gps"]["location"] is None and state["last_update"] is None


def test_get_states(sb):
    ids = [SEED["tracker_fresh"], SEED["tracker_blocked"], 9991911, SEED["tracker_corrupted"], SEED["tracker_fresh"]]
    body = ok(sb, "tracker/get_states", {"trackers": ids, "list_blocked": True, "allow_not_exist": True})
    assert list(body) == ["success", "user_time", "states", "blocked", "not_exist"]
    assert list(body["states"]) == ["999119"] and list(body["states"]["999119"]) == STATE_KEYS
    assert body["blocked"] == [SEED["tracker_blocked"]] and body["not_exist"] == [9991911, SEED["tracker_corrupted"]]
    plain = ok(sb, "tracker/get_states", {"trackers": [SEED["tracker"], SEED["tracker_online"]]})
    assert list(plain) == ["success", "user_time", "states"] and list(plain["states"]) == ["123456", "265489"]
    assert plain["states"]["265489"] == ok(sb, "tracker/get_state", {"tracker_id": SEED["tracker_online"]})["state"]
    # other users' trackers do not exist for this one
    assert code(sb.call("tracker/get_states", {"trackers": [SEED["tracker_other"]]})[1]) == 217


def test_list_models(sb):
    body = ok(sb, "tracker/list_models")
    assert list(body) == ["success", "list"] and len(body["list"]) >= 8
    codes = {m["code"] for m in body["list"]}
    assert {"tt1_wp", "qlgv55lite", "telfmb920", "navixymobile_android", "jointech_jt701", "pt10"} <= codes
    tt1 = ok(sb, "tracker/list_models", {"codes": ["tt1_wp", "unknown"]})["list"]
    assert [m["code"] for m in tt1] == ["tt1_wp"]
    model = tt1[0]
    assert list(model)[:6] == ["id", "code", "type", "name", "id_type", "has_phone"] and model["id"] == 166
    assert model["inputs"] == ["analog_1", "analog_2"] and model["has_gprs_location_request"] is True
    assert ok(sb, "tracker/list_models", {"codes": ["tt1_wp"], "compact_index": True})["list"][0]["inputs"] == ["analog_2"]
    compact = ok(sb, "tracker/list_models", {"codes": ["tt1_wp"], "compact_view": True})["list"][0]
    assert compact == {"id": 166, "code": "tt1_wp", "type": "vehicle", "name": "WondeProud TT1", "id_type": "10,2", "has_phone": True,
                       "has_apn_settings": True, "register": True, "vendor": "WondeProud"}
    sql(sb, "UPDATE models SET special_control = 'vg_lock_password' WHERE code = 'tt1_wp'")  # the columns are the truth
    assert ok(sb, "tracker/list_models", {"codes": ["tt1_wp"]})["list"][0]["special_control"] == "vg_lock_password"


def list_models_section() -> str:
    text = spec_file("user-api-tracker.md").read_text(encoding="utf-8")
    return text.split("### `list_models`", 1)[1].split("##### ID type", 1)[0]


def test_list_models_objects_match_the_document(sb):
    """Every field the document describes is in every model; the example's keys in the example's
    order, and the example's model (tt1_wp, compact_index) with its values."""
    section = list_models_section()
    described = re.findall(r"^\* `(\w+)` - ", section, flags=re.M)
    assert {"parent_code", "has_auto_registration", "has_lbs", "has_motion_sensor", "has_hardware_key"} <= set(described)
    optional = {"additional_fields"}  # "optional"
    example = json.loads(re.search(r"```json\n(.*?)```", section, flags=re.S).group(1))
    models = ok(sb, "tracker/list_models")["list"]
    for model in models:
        assert set(described) - optional <= set(model), (model["code"], set(described) - set(model))
        assert [k for k in model if k in example] == list(example), model["code"]
    tt1 = ok(sb, "tracker/list_models", {"codes": [example["code"]], "compact_index": True})["list"][0]
    assert {k: tt1[k] for k in example} == example
    by_code = {m["code"]: m for m in models}
    assert by_code["qlgv55lite"]["parent_code"] == "qlgv55" and by_code["telfmb920"]["parent_code"] is None
    app = by_code["navixymobile_android"]  # no GSM module: no automatic registration, no cell info
    assert (app["has_auto_registration"], app["has_lbs"], app["has_motion_sensor"]) == (False, False, True)
    assert by_code["tt1_wp"]["has_hardware_key"] is True and by_code["telfmb920"]["has_hardware_key"] is False
    assert all(isinstance(m[k], bool) for m in models for k in ("has_auto_registration", "has_lbs", "has_motion_sensor",
                                                                   "has_hardware_key"))


def decimals(value: float) -> int:
    return len(repr(value).partition(".")[2])


def test_coordinates_have_no_float_noise(sb, tmp_path):
    """As the documents show them (34.178868): at most six decimals, in the seed, the generated
    data and the answers."""
    ids = [t["id"] for t in ok(sb, "tracker/list")["list"] if not t["source"]["blocked"]]
    states = ok(sb, "tracker/get_states", {"trackers": ids})["states"]
    points = [s["gps"]["location"] for s in states.values() if s["gps"]["location"]]
    points += [ok(sb, "tracker/get_last_gps_point", {"tracker_id": i})["value"] for i in ids]
    coordinates = [p[k] for p in points if p for k in ("lat", "lng")]
    assert len(coordinates) > 20 and max(map(decimals, coordinates)) <= 6
    assert states[str(SEED["tracker_fresh"])]["gps"]["location"] == {"lat": 52.3802, "lng": 4.9052}  # was 52.380199999999995
    # a value stored with more decimals is answered rounded
    sql(sb, "UPDATE device_data SET lat = 42.82769, lng = -78.26290833333333 WHERE source_id = 545139")
    value = ok(sb, "tracker/get_last_gps_point", {"tracker_id": SEED["tracker_online"]})["value"]
    assert (value["lat"], value["lng"]) == (42.82769, -78.262908)
    big = tmp_path / "generated.sqlite"
    reset(big, trackers=3000)
    stored = sql(Sandbox(big), "SELECT lat, lng FROM device_data")
    assert len(stored) > 2700 and all(round(v, 6) == v for row in stored for v in row if v is not None)


# ---- tags, location, commands --------------------------------------------------------------------------


def test_tags_set(sb):
    bindings = [{"tag_id": 456790, "ordinal": 2}, {"tag_id": SEED["tag"], "ordinal": 1}]
    assert ok(sb, "tracker/tags/set", {"tracker_id": SEED["tracker"], "tag_bindings": bindings}) == {"success": True}
    listed = {t["id"]: t for t in ok(sb, "tracker/list")["list"]}
    assert listed[SEED["tracker"]]["tag_bindings"] == [{"tag_id": SEED["tag"], "ordinal": 1}, {"tag_id": 456790, "ordinal": 2}]
    ok(sb, "tracker/tags/set", {"tracker_id": SEED["tracker"], "tag_bindings": "[]"})
    assert {t["id"]: t for t in ok(sb, "tracker/list")["list"]}[SEED["tracker"]]["tag_bindings"] == []
    dup = [{"tag_id": SEED["tag"], "ordinal": 1}, {"tag_id": 456790, "ordinal": 1}]
    assert "tag_bindings" in errors(sb.call("tracker/tags/set", {"tracker_id": SEED["tracker"], "tag_bindings": dup})[1])


def test_location_request(sb):
    assert ok(sb, "tracker/location_request", {"tracker_id": SEED["tracker_online"], "type": "gprs"}) == {"success": True}
    ok(sb, "tracker/location_request", {"tracker_id": SEED["tracker_offline"]})  # sms: offline is fine
    assert commands(sb, SEED["tracker_online"]) == [("location_request", {"type": "gprs"}, 1)]
    # a fix 4 minutes old is fresh, 6 minutes old is not
    sql(sb, "UPDATE device_data SET last_fix = ? WHERE source_id = 545139", sb.now() - 240)
    assert code(sb.call("tracker/location_request", {"tracker_id": SEED["tracker_online"]})[1]) == 256
    sb.advance_clock(120)
    ok(sb, "tracker/location_request", {"tracker_id": SEED["tracker_online"]})
    assert errors(sb.call("tracker/location_request", {"tracker_id": SEED["tracker_online"], "type": "fax"})[1]) == {
        "type": "must be one of sms, gsm, gprs"}


def test_raw_command_send(sb):
    assert ok(sb, "tracker/raw_command/send", {"tracker_id": SEED["tracker_online"], "command": "AT+GTRTO=gv200,A,,,,,,0001$",
                                               "type": "text"}) == {"success": True}
    ok(sb, "tracker/raw_command/send", {"tracker_id": SEED["tracker_online"], "command": "0A 1b", "type": "hex", "reliable": False})
    assert commands(sb, SEED["tracker_online"]) == [
        ("raw", {"command": "AT+GTRTO=gv200,A,,,,,,0001$", "type": "text"}, 1), ("raw", {"command": "0A 1b", "type": "hex"}, 0)]
    body = sb.call("tracker/raw_command/send", {"tracker_id": SEED["tracker_online"], "command": "xyz", "type": "hex"})[1]
    assert body == {"success": False, "status": {"code": 7, "description": "Invalid parameters"},
                    "errors": [{"parameter": "command", "error": "Non-hex string"}]}
    assert code(sb.call("tracker/raw_command/send", {**BLOCKED, "command": "x"})[1]) == 208


LOCK = {"name": "electronic_lock_command", "command_code": "unseal",
        "special_settings": {"type": "electronic_lock_password", "password": "345892", "remember_password": True}}


def test_send_command(sb):
    body = ok(sb, "tracker/send_command", {"tracker_id": SEED["tracker_lock"], "command": LOCK})
    assert list(body) == ["success", "list"] and [t["id"] for t in body["list"]] == [SEED["tracker_lock"]]
    assert list(body["list"][0]) == [*TRACKER_KEYS, "tag_bindings"]
    assert commands(sb, SEED["tracker_lock"]) == [("special", LOCK, 1)]
    ok(sb, "tracker/send_command", {"tracker_id": SEED["tracker_lock"], "command": json.dumps(
        {"name": "set_special_settings_command", "special_settings": {"type": "electronic_lock_password", "password": "1"}})})


def test_send_command_follows_the_special_control_table(sb):
    lock = {"tracker_id": SEED["tracker_lock"]}
    assert errors(sb.call("tracker/send_command", {**lock, "command": {**LOCK, "command_code": "open"}})[1]) == {
        "command.command_code": "must be one of seal, unseal"}
    assert set(errors(sb.call("tracker/send_command", {**lock, "command": {"name": "set_special_settings_command"}})[1])) == {
        "command.special_settings"}
    assert set(errors(sb.call("tracker/send_command", {**lock, "command": {"code": 1}})[1])) == {"command.name"}
    # any other special control: only set_special_settings_command
    sql(sb, "UPDATE models SET special_control = 'tracking_mode' WHERE code = 'atrack_ak11'")
    settings = {"name": "set_special_settings_command", "special_settings": {"type": "tracking_mode", "mode": 1}}
    ok(sb, "tracker/send_command", {**T, "command": settings})
    assert "not available for special control tracking_mode" in errors(sb.call("tracker/send_command", {**T, "command": LOCK})[1])[
        "command.name"]
    # no special control: nothing
    assert "command.name" in errors(sb.call("tracker/send_command", {"tracker_id": SEED["tracker_online"], "command": settings})[1])


def test_commands_need_both_rights(sb):
    cmd = {"tracker_id": SEED["tracker_lock"], "command": LOCK}
    raw = {"tracker_id": SEED["tracker_online"], "command": "x"}
    h = login(sb, SUB_USER)
    ok(sb, "tracker/send_command", cmd, credential=h)
    ok(sb, "tracker/raw_command/send", raw, credential=h)
    for granted in (["tracker_set_output"], ["tracker_configure"]):
        rights(*granted)(sb)
        assert sb.call("tracker/send_command", cmd, credential=h)[0] == 403
        assert code(sb.call("tracker/raw_command/send", raw, credential=h)[1]) == 13


# ---- registration ------------------------------------------------------------------------------------


def test_register_as_in_the_document(sb):
    body = ok(sb, "tracker/register", REGISTER)
    value = body["value"]
    assert list(body) == ["success", "value"] and list(value) == TRACKER_KEYS and list(value["source"]) == SOURCE_KEYS
    today = fmt_datetime(sb.now())[:10]
    assert value["label"] == "Courier" and value["group_id"] == 0 and value["clone"] is False
    src = value["source"]
    assert (src["device_id"], src["model"], src["phone"], src["blocked"], src["tariff_id"], src["creation_date"]) == (
        NEW_IMEI, "qlgv55lite", NEW_PHONE, False, SEED["tariff_monthly"], today)
    assert src["tariff_end_date"] > today  # the code's 14 free days
    assert ok(sb, "tracker/read", {"tracker_id": value["id"]})["value"] == {**value, "tag_bindings": []}  # read shows the tags
    assert one(sb, "SELECT activated FROM activation_codes WHERE code = ?", SEED["activation_code"]) == 1
    assert source(sb, value["id"])["connection_status"] == "just_registered"
    assert commands(sb, value["id"])[0][1]["plugin_id"] == 37
    # the code is used now
    assert code(sb.call("tracker/register", {**REGISTER, "device_id": "123451234512353", "phone": FRESH_PHONE})[1]) == 227


def test_register_plugin_parameters_and_device_ids(sb):
    body = sb.call("tracker/register", {k: v for k, v in REGISTER.items() if k not in ("phone", "apn_user", "device_id")})[1]
    assert errors(body) == {"device_id": "required parameter is missing", "phone": "required parameter is missing",
                            "apn_user": "required parameter is missing"}
    bad = {"imei": ("qlgv55lite", "12345"), "meid": ("calamp_lmu2630", "A10000009296GZ"), "id,10": ("jointech_jt701", "12345")}
    for model, device_id in bad.values():
        assert set(errors(sb.call("tracker/register", {**REGISTER, "model": model, "device_id": device_id})[1])) == {"device_id"}
    sql(sb, "INSERT INTO activation_codes (code, dealer_id, tariff_id) VALUES ('c1', 1, ?), ('c2', 1, ?)",
        SEED["tariff_monthly"], SEED["tariff_monthly"])
    meid = register_new(sb, model="calamp_lmu2630", device_id="A10000009296F2", activation_code="c1")
    assert meid["source"]["device_id"] == "A10000009296F2"
    generated = register_new(sb, model="tt1_wp", device_id="ignored", activation_code="c2", phone=FRESH_PHONE)
    assert re.fullmatch(r"2\d{9}", generated["source"]["device_id"])  # id type 10,2


def test_register_through_the_mobile_app_and_bundle_plugins(sb):
    app = register_new(sb, plugin_id=38, model="navixymobile_android", group_id=SEED["group"])
    assert app["source"]["phone"] is None and re.fullmatch(r"7\d{9}", app["source"]["device_id"]) and app["group_id"] == 167
    assert app["source"]["tariff_id"] == SEED["tariff_monthly"]  # the dealer's default
    bundle_with_sim(sb)
    bundled = register_new(sb, plugin_id=44, model="telfmb920", device_id="835660000000008", iccid="8999000000000000008")
    assert bundled["source"]["phone"] == "79990000008"
    assert one(sb, "SELECT activated FROM bundles WHERE imei = '835660000000008'") == 1


def test_register_by_a_sub_user_with_the_right(sb):
    rights("tracker_register")(sb)
    value = ok(sb, "tracker/register", REGISTER, credential=login(sb, SUB_USER))["value"]
    assert one(sb, "SELECT user_id FROM trackers WHERE id = ?", value["id"]) == SEED["user_demo"]  # the master's


def test_register_legal_type(sb):
    legal_activation_code(sb)
    sql(sb, "UPDATE users SET face = 2 WHERE id = ?", SEED["user_demo"])
    assert register_new(sb, activation_code="777000111")["source"]["tariff_id"] == SEED["tariff_legal"]


def test_register_retry(sb):
    tracker = register_new(sb)
    body = ok(sb, "tracker/register_retry", {"tracker_id": tracker["id"], **APN, "apn_name": "other.apn"})
    assert list(body["value"]) == [*TRACKER_KEYS, "tag_bindings"]
    assert source(sb, tracker["id"])["apn_name"] == "other.apn"
    ok(sb, "tracker/register_retry", {"device_id": NEW_IMEI, **APN, "send_register_commands": False})
    assert [c[1]["action"] for c in commands(sb, tracker["id"])] == ["register", "register_retry"]
    assert code(sb.call("tracker/register_retry", {"tracker_id": tracker["id"], "device_id": "1", **APN})[1]) == 201
    assert "tracker_id" in errors(sb.call("tracker/register_retry", APN)[1])
    sql(sb, "UPDATE sources SET activated = 1 WHERE device_id = ?", NEW_IMEI)  # the device connects
    assert code(sb.call("tracker/register_retry", {"tracker_id": tracker["id"], **APN})[1]) == 242
    assert code(sb.call("tracker/corrupt", {"tracker_id": tracker["id"]})[1]) == 243


def test_register_quick(sb):
    bundle_with_sim(sb)
    body = ok(sb, "tracker/register_quick", {"label": "Quick", "group_id": SEED["group_south"], "imei": "835660000000008"})
    value = body["value"]
    assert list(value) == [*TRACKER_KEYS, "tag_bindings"] and value["group_id"] == 168
    assert (value["source"]["device_id"], value["source"]["model"], value["source"]["phone"]) == ("835660000000008", "telfmb920", "79990000008")
    assert commands(sb, value["id"]) == []  # no commands for a preconfigured device
    assert code(sb.call("tracker/register_quick", {"label": "Again", "group_id": 0, "imei": "835660000000008"})[1]) == 224
    # a bundle's model may come from its equipment; a seeded bundle registers as is
    add_bundle(sb, "835660000000009", None, equip_id=SEED["equipment"])
    assert ok(sb, "tracker/register_quick", {**QUICK, "imei": "835660000000009"})["value"]["source"]["model"] == "qlgv55lite"
    assert ok(sb, "tracker/register_quick", {**QUICK, "imei": SEED["bundle_imei"]})["value"]["source"]["device_id"] == SEED["bundle_imei"]


def test_register_quick_consumes_the_bundles_activation_code(sb):
    sql(sb, "INSERT INTO activation_codes (code, dealer_id, tariff_id, free_days, money_amount) VALUES ('b1', 1, ?, 3, 20)",
        SEED["tariff_premium"])
    add_bundle(sb, "835660000000010", activation_code="b1")
    value = ok(sb, "tracker/register_quick", {**QUICK, "imei": "835660000000010"})["value"]
    assert value["source"]["tariff_id"] == SEED["tariff_premium"]
    assert one(sb, "SELECT activated FROM activation_codes WHERE code = 'b1'") == 1
    assert one(sb, "SELECT balance FROM users WHERE id = ?", SEED["user_demo"]) == 120.0


# ---- replacement -------------------------------------------------------------------------------------


def test_replace_keeps_the_tracker_and_its_history(sb):
    before = ok(sb, "tracker/get_state", {"tracker_id": SEED["tracker_cloned"]})["state"]
    old = source(sb, SEED["tracker_cloned"])
    body = ok(sb, "tracker/replace", {**REPLACE, "tracker_id": SEED["tracker_cloned"], "model": "telfmb920"})
    value = body["value"]
    assert list(value) == TRACKER_KEYS and value["id"] == SEED["tracker_cloned"] and value["label"] == "Car 06 sales"
    assert (value["source"]["id"], value["source"]["device_id"], value["source"]["model"], value["source"]["phone"]) == (
        old["id"], NEW_IMEI, "telfmb920", NEW_PHONE)
    assert value["source"]["tariff_id"] == old["tariff_id"]
    row = source(sb, SEED["tracker_cloned"])
    assert row["replaced_device_id"] == old["device_id"] and row["activated"] == 0
    after = ok(sb, "tracker/get_state", {"tracker_id": SEED["tracker_cloned"]})["state"]
    assert after["gps"] == before["gps"] and after["connection_status"] == "just_registered"
    # the clone follows; the old device can be registered anew
    other = ok(sb, "tracker/read", {"tracker_id": SEED["clone"]}, credential=login(sb, SEED["login_other"]))["value"]
    assert other["source"]["device_id"] == NEW_IMEI
    sql(sb, "INSERT INTO activation_codes (code, dealer_id, tariff_id) VALUES ('c1', 1, ?)", SEED["tariff_monthly"])
    register_new(sb, device_id=old["device_id"], phone=FRESH_PHONE, activation_code="c1")
    # resend to the new device until it connects
    retried = ok(sb, "tracker/replace_retry", {"tracker_id": SEED["tracker_cloned"], **APN})["value"]
    assert retried["id"] == SEED["tracker_cloned"] and "tag_bindings" in retried
    assert [c[1]["action"] for c in commands(sb, SEED["tracker_cloned"])] == ["replace", "replace_retry"]
    assert code(sb.call("tracker/replace", {**REPLACE, "tracker_id": SEED["tracker_cloned"], "device_id": "123451234512353"})[1]) == 266
    sql(sb, "UPDATE sources SET activated = 1 WHERE id = ?", old["id"])
    assert code(sb.call("tracker/replace_retry", {"tracker_id": SEED["tracker_cloned"], **APN})[1]) == 242


def test_replace_does_not_take_an_activation_code(sb):
    params = {k: v for k, v in REPLACE.items() if k != "phone"}
    assert errors(sb.call("tracker/replace", params)[1]) == {"phone": "required parameter is missing"}
    ok(sb, "tracker/replace", {**REPLACE, "phone": source(sb, SEED["tracker"])["phone"]})  # its own SIM in the new device


def test_replace_quick(sb):
    bundle_with_sim(sb)
    body = ok(sb, "tracker/replace_quick", {"tracker_id": SEED["tracker_idle"], "imei": "835660000000008"})
    value = body["value"]
    assert list(value) == [*TRACKER_KEYS, "tag_bindings"] and value["id"] == SEED["tracker_idle"]
    assert (value["source"]["device_id"], value["source"]["phone"]) == ("835660000000008", "79990000008")
    assert source(sb, SEED["tracker_idle"])["replaced_device_id"] == "862436965665430"
    assert one(sb, "SELECT activated FROM bundles WHERE imei = '835660000000008'") == 1
    ok(sb, "tracker/replace_retry", {"tracker_id": SEED["tracker_idle"], **APN})


def test_mobile_apps_are_not_replaced(sb):
    register = register_new(sb, plugin_id=38, model="navixymobile_android")
    sql(sb, "UPDATE sources SET activated = 1 WHERE id = ?", register["source"]["id"])
    assert errors(sb.call("tracker/replace", {**REPLACE, "tracker_id": register["id"]})[1]) == {
        "tracker_id": "navixymobile_android is a mobile application"}


@pytest.mark.parametrize(("doc_type", "admitted"), [(0, True), (1, True), (2, False), (3, True)])
def test_the_tariffs_doc_type_decides_225_as_the_panel_document_lists(sb, doc_type, admitted):
    """doc_type 0 (all) and 3 (paas) without conditions, 1 individuals (the demo user), 2 legal entities."""
    sql(sb, "UPDATE tariffs SET doc_type = ? WHERE id = ?", doc_type, SEED["tariff_legal"])
    legal_tariff_for(SEED["tracker"])(sb)
    status, body = sb.call("tracker/replace", REPLACE)
    assert (body["success"] or code(body) != 225) if admitted else code(body) == 225, body
