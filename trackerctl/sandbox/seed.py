"""Deterministic seed data: the same ids, labels, IMEIs and dates on every machine.

Ids reuse the documents' examples where they can, so the examples run against the sandbox as
written (`tracker read 123456`, `tracker get-states 999119 999199`, `panel tracker read 1245678`,
`panel tracker clone 134537 --user-id 354468`, `panel bundle read 835664527777452`, ...).
`SEED` names every id tests may rely on:

Accounts (password `demo` for all):
    panel `1000` (dealer 1, every permission), `1001` (dealer 1, no `tracker_bundles`),
    `2000` (dealer 2, every permission).
    users of dealer 1: demo@example.com 183654 (master, the implicit-auth user, API key
    0123456789abcdef0123456789abcdef that never expires), noregister@example.com 183655 (sub-user
    of demo, rights tracker_configure + tracker_set_output, not tracker_register), 2fa@example.com
    183656 (two-factor; the emailed code is always 123456), inactive@example.com 183657 (not
    activated: code 103), other@example.com 354468 (owns originals demo has clones of, and a clone
    of demo's 134537), fleet@example.com 214034 (legal entity, no trackers: a move target).
    dealer 2: foreign@example.com 500001.

Demo user's trackers (tracker/list shows 11 of the 13):
    123456 "Truck 01 north"     atrack_ak11, group 167, tag 456789 (ordinal 4), avatar, idle
    999119 "Truck 02 north"     telfmb920, live: its last fix is always fresh, active
    999199 "Truck 03 south"     qlgv55lite, blocked (tariff ended), offline
    265489 "Van 04 city"        tt1_wp, active, readings/fuel/diagnostics/inputs data
    1245678 "Van 05 city"       telfmb920, idle, has a comment
    134537 "Car 06 sales"       qlgv55lite, cloned to other@ as 458412, bound to rule 12
    200007 "Courier 07 phone"   navixymobile_android: no GSM module, phone null
    200008 "Container 08 lock"  jointech_jt701: special_control jointech_lock_password
    200009 "Trailer 09 yard"    telfmb920, offline since 2025-06-01; its device was replaced and the new one
                                has not connected yet (corrupt, register_retry, replace_retry succeed)
    200010 "Truck 10 scrapped"  corrupted (and deleted): hidden from tracker/list, 252 on the panel
    200011 "Truck 11 retired"   deleted, not corrupted: hidden from tracker/list
    777002 "Shared van A"       clone of other@'s 777001, bound to rule 10 and vehicle 11 (code 203)
    777003 "Shared van B"       clone of other@'s 777004, nothing bound (deletable)
other@'s: 777001 "Other van A", 777004 "Other van B" (originals), 458412 "Car 06 sales (shared)" (clone).
foreign@'s: 900001 "Foreign truck" (dealer 2: not found for dealer 1's panel).

Tariffs of dealer 1: 1294 premium monthly, 12163 basic monthly (14 free days), 13457 everyday,
15843 activeday, 1295 monthly for legal entities only (doc_type 2), 1296 monthly with a device
limit of 2; dealer 2: 9901. Bundles 1241 (IMEI 835664527777452), 13457, 1242-1249; equipment 13785,
35468, 13786; free SIM 78974217758; unused activation code 123123123.

The connected devices (active, idle) last connected (the panel's `last_connection`) within the last
quarter hour before the seed was made, whatever their last fix; the offline ones with their last fix,
on 2025-05-31 or 2025-06-01.

`generate` adds N trackers (ids from 3000001, spread over demo@ and other@; every 10th is other@'s
clone of the one before it) and N bundles (ids from 100001) with deterministic labels and IMEIs,
their devices' last connections spread before the reset as _GEN_CONNECTIONS says (most within the
last week, a fifth stale for weeks or months, 3% never; the connection status to match):
`reset(trackers=100_000)` takes 2-3 seconds.
"""

from __future__ import annotations

import bisect
import itertools
import json
import random
import sqlite3
from collections.abc import Iterator
from typing import Any

from trackerctl.sandbox.objects import coordinate
from trackerctl.sandbox.records import corrupted_device_id
from trackerctl.sandbox.store import fmt_date, parse_datetime

SEED: dict[str, Any] = {
    "dealer": 1,
    "dealer_foreign": 2,
    "password": "demo",
    "panel_login": "1000",
    "panel_login_no_bundles": "1001",
    "panel_login_foreign": "2000",
    "user_demo": 183654,
    "user_noregister": 183655,
    "user_2fa": 183656,
    "user_inactive": 183657,
    "user_other": 354468,
    "user_fleet": 214034,
    "user_foreign": 500001,
    "login_demo": "demo@example.com",
    "login_noregister": "noregister@example.com",
    "login_2fa": "2fa@example.com",
    "login_inactive": "inactive@example.com",
    "login_other": "other@example.com",
    "login_fleet": "fleet@example.com",
    "two_factor_code": "123456",
    "api_key": "0123456789abcdef0123456789abcdef",
    "group": 167,
    "group_south": 168,
    "tag": 456789,
    "tracker": 123456,
    "tracker_fresh": 999119,
    "tracker_blocked": 999199,
    "tracker_online": 265489,
    "tracker_idle": 1245678,
    "tracker_cloned": 134537,
    "tracker_no_gsm": 200007,
    "tracker_lock": 200008,
    "tracker_offline": 200009,
    "tracker_corrupted": 200010,
    "tracker_deleted": 200011,
    "clone": 458412,  # other@'s clone of 134537
    "clone_with_rules": 777002,  # demo's clone of 777001: rule 10, vehicle 11
    "clone_free": 777003,  # demo's clone of 777004
    "tracker_other": 777001,
    "tracker_other_b": 777004,
    "tracker_foreign": 900001,
    "rule": 10,
    "vehicle": 11,
    "tariff_premium": 1294,
    "tariff_monthly": 12163,
    "tariff_everyday": 13457,
    "tariff_activeday": 15843,
    "tariff_legal": 1295,
    "tariff_small": 1296,
    "tariff_foreign": 9901,
    "bundle": 1241,
    "bundle_imei": "835664527777452",
    "bundle_assigned": 13457,
    "equipment": 13785,
    "equipment_b": 35468,
    "sim_free": "78974217758",
    "sim_assigned": "8901260000000000011",  # bundle 13457's SIM: 247 when assigned to another bundle
    "sim_blocked": "8901260000000000037",  # 208 on bundle/assign
    "sim_deleted": "8901260000000000045",  # 250 on bundle/assign
    "sim_in_use": "8901260000000000060",  # no bundle, but in use (200009's phone): 223 on bundle/assign
    "generated_clone_every": 10,  # every 10th generated tracker is other@'s clone of the one before it
    "activation_code": "123123123",
    "generated_tracker_start": 3_000_001,
    "generated_bundle_start": 100_001,
}

_ALL_PERMISSIONS = {
    "trackers": ["read", "create", "delete", "update", "corrupt", "report"],
    "tracker_bundles": ["read", "create", "update"],
    "tariffs": ["read", "create", "update"],
    "transactions": ["read", "create"],
}
_NO_BUNDLES = {k: v for k, v in _ALL_PERMISSIONS.items() if k != "tracker_bundles"}

_OFFLINE_SINCE = "2025-06-01 08:00:00"
_FUTURE_END = "2030-01-01"


def _model_body(
    id: int, code: str, type_: str, name: str, id_type: str, vendor: str, *, gsm: bool = True,
    analog: int = 2, digital: int = 4, outputs: int = 4, special: str = "none", location: bool = True,
    lbs: bool = True, track_control: str = "default", parent: str | None = None, motion: bool = True,
    hardware_key: bool = False,
) -> dict[str, Any]:
    """A model object shaped like the list_models example (same keys, same order), with the fields
    the document describes but the example leaves out: `parent_code` after `vendor` (next to each
    other in the description), `has_auto_registration` after `register`, `has_lbs`,
    `has_motion_sensor` and `has_hardware_key` last (as described)."""
    return {
        "id": id, "code": code, "type": type_, "name": name, "id_type": id_type,
        "has_phone": gsm, "has_apn_settings": gsm, "register": True, "has_auto_registration": gsm,
        "battery": {"min_charge": 3.4, "low_charge": 3.7, "max_charge": 4.1},
        "altitude": True, "satellites": True, "gsm_level": gsm, "gsm_network": gsm, "gsm_roaming": gsm,
        "has_detach_button": False, "has_fuel_input": analog > 0, "analog_inputs": analog,
        "digital_inputs": digital, "rs232_inputs": 0, "digital_outputs": outputs,
        "track_control": track_control, "output_control": "default", "special_control": special, "vendor": vendor,
        "parent_code": parent,
        "rules": ["offline", "input_change", "sos", "sensor_range", "speedup", "route", "track_change", "inoutzone", "battery_off"],
        "inputs": [f"analog_{i}" for i in range(1, analog + 1)],  # list_models compact_index keeps the last
        "state_fields": [], "special_settings": [special], "sms_control": [],
        "has_led_control": False, "has_location_request": location, "has_gsm_lbs_location_request": lbs and gsm,
        "has_chat": not gsm, "check_bundle": False, "has_odometer": True,
        "has_lbs": lbs and gsm, "has_motion_sensor": motion, "has_hardware_key": hardware_key,
    }


# (body, has_gprs_location_request)
_MODELS: list[tuple[dict[str, Any], bool]] = [
    (_model_body(166, "tt1_wp", "vehicle", "WondeProud TT1", "10,2", "WondeProud", track_control="tt1", hardware_key=True), True),
    (_model_body(300, "qlgv55", "vehicle", "Queclink GV55", "imei", "Queclink", analog=1, digital=2, outputs=2), True),
    (_model_body(301, "qlgv55lite", "vehicle", "Queclink GV55 Lite", "imei", "Queclink", analog=1, digital=2, outputs=2,
                 parent="qlgv55"), True),  # a variant: its parent_code names a model of the list
    (_model_body(412, "telfmb920", "vehicle", "Teltonika FMB920", "imei", "Teltonika", analog=1, digital=1, outputs=1), True),
    (_model_body(95, "atrack_ak11", "vehicle", "ATrack AK11", "imei", "ATrack", analog=2, digital=4, outputs=4,
                 hardware_key=True), False),
    (_model_body(570, "navixymobile_android", "personal", "Navixy Mobile Tracker (Android)", "10,7", "Navixy",
                 gsm=False, analog=0, digital=0, outputs=0, location=False, lbs=False), False),
    (_model_body(233, "jointech_jt701", "portable", "Jointech JT701", "id,10", "Jointech",
                 analog=0, digital=1, outputs=0, special="jointech_lock_password"), True),
    (_model_body(180, "pt10", "personal", "GlobalSat PT-10", "imei", "GlobalSat", analog=0, digital=1, outputs=0), False),
    (_model_body(640, "calamp_lmu2630", "vehicle", "CalAmp LMU-2630", "meid", "CalAmp", analog=4, digital=4, outputs=2,
                 lbs=False, hardware_key=True), True),
]


def seed(conn: sqlite3.Connection, now: float) -> None:
    """Insert the fixed seed into an empty schema."""
    conn.executemany("INSERT INTO dealers (id, name, blocked, device_limit) VALUES (?, ?, 0, NULL)",
                     [(1, "Sandbox Telematics"), (2, "Other Dealer Ltd")])
    conn.executemany("INSERT INTO panel_accounts (login, dealer_id, password, permissions) VALUES (?, ?, 'demo', ?)", [
        ("1000", 1, json.dumps(_ALL_PERMISSIONS)),
        ("1001", 1, json.dumps(_NO_BUNDLES)),
        ("2000", 2, json.dumps(_ALL_PERMISSIONS)),
    ])
    _users(conn)
    conn.execute(
        "INSERT INTO user_sessions (hash, user_id, kind, title, created, last_used) VALUES (?, ?, 'api_key', ?, ?, ?)",
        (SEED["api_key"], SEED["user_demo"], "Sandbox demo key", parse_datetime("2024-01-15 09:31:00"), parse_datetime("2024-01-15 09:31:00")),
    )
    conn.executemany("INSERT INTO groups (id, user_id, title, color) VALUES (?, ?, ?, ?)", [
        (167, 183654, "North depot", "1E96DC"), (168, 183654, "South depot", "E64A19"), (169, 354468, "Vans", "43A047"),
    ])
    conn.executemany("INSERT INTO tags (id, user_id, name, color) VALUES (?, ?, ?, ?)", [
        (456789, 183654, "Refrigerated", "00ACC1"), (456790, 183654, "Night shift", "5E35B1"),
    ])
    conn.executemany(
        "INSERT INTO models (code, id, name, vendor, type, id_type, has_gsm, special_control, has_location_request,"
        " has_gprs_location_request, has_gsm_lbs_location_request, analog_inputs, digital_inputs, digital_outputs,"
        " rs232_inputs, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(b["code"], b["id"], b["name"], b["vendor"], b["type"], b["id_type"], b["has_phone"], b["special_control"],
          b["has_location_request"], gprs, b["has_gsm_lbs_location_request"], b["analog_inputs"], b["digital_inputs"],
          b["digital_outputs"], b["rs232_inputs"], json.dumps(b)) for b, gprs in _MODELS],
    )
    conn.executemany("INSERT INTO plugins (id, name, params, models) VALUES (?, ?, ?, ?)", [
        (37, "Standard registration by SMS", json.dumps(["phone", "apn_name", "apn_user", "apn_password", "activation_code"]), None),
        (38, "Mobile application", json.dumps([]), json.dumps(["navixymobile_android"])),
        (44, "Bundled device", json.dumps(["iccid"]), None),
    ])
    conn.executemany(
        "INSERT INTO tariffs (id, dealer_id, name, type, price, device_limit, doc_type, free_period) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (1294, 1, "Premium monthly", "monthly", 12.5, 1000, 0, 0),
            (12163, 1, "Basic monthly", "monthly", 5.0, 1000, 0, 14),
            (13457, 1, "Everyday", "everyday", 0.2, 1000, 0, 0),
            (15843, 1, "Active day", "activeday", 0.3, 1000, 0, 0),
            (1295, 1, "Business monthly", "monthly", 9.0, 1000, 2, 0),
            (1296, 1, "Tiny fleet", "monthly", 3.0, 2, 0, 0),
            (9901, 2, "Foreign monthly", "monthly", 7.0, 1000, 0, 0),
        ],
    )
    conn.executemany("UPDATE dealers SET default_tariff_id = ? WHERE id = ?", [(12163, 1), (9901, 2)])  # tracker/register
    _trackers(conn, now)
    _bundles(conn)
    conn.executemany("INSERT INTO rules (id, user_id, type, name) VALUES (?, ?, ?, ?)", [
        (10, 183654, "speedup", "Speeding over 90 km/h"), (12, 183654, "inoutzone", "Left the depot"),
    ])
    conn.executemany("INSERT INTO rule_trackers (rule_id, tracker_id) VALUES (?, ?)", [(10, 777002), (12, 134537)])
    conn.executemany("INSERT INTO vehicles (id, user_id, label, tracker_id) VALUES (?, ?, ?, ?)", [
        (11, 183654, "MAN TGX 18.440", 777002), (13, 183654, "Volvo FH16", 123456),
    ])
    conn.executemany("INSERT INTO tracker_activity (month, tracker_id) VALUES (?, ?)", [
        (month, tid) for month in ("2025-08", "2025-09", "2025-10") for tid in (123456, 999119, 265489, 134537)
    ] + [("2025-10", 1245678)])


def _users(conn: sqlite3.Connection) -> None:
    rows = [
        # id, dealer, login, first, last, face, activated, two_factor, master, rights, balance, legal_name
        (183654, 1, "demo@example.com", "Demo", "User", 1, 1, 0, None, [], 100.0, None),
        (183655, 1, "noregister@example.com", "Sub", "User", 1, 1, 0, 183654, ["tracker_configure", "tracker_set_output"], 0.0, None),
        (183656, 1, "2fa@example.com", "Second", "Factor", 1, 1, 1, None, [], 10.0, None),
        (183657, 1, "inactive@example.com", "Not", "Activated", 1, 0, 0, None, [], 0.0, None),
        (354468, 1, "other@example.com", "Other", "Owner", 1, 1, 0, None, [], 50.0, None),
        (214034, 1, "fleet@example.com", "Fleet", "Manager", 2, 1, 0, None, [], 500.0, "Fleet Logistics LLC"),
        (500001, 2, "foreign@example.com", "Foreign", "User", 1, 1, 0, None, [], 0.0, None),
    ]
    conn.executemany(
        "INSERT INTO users (id, dealer_id, login, password, first_name, last_name, face, activated, two_factor,"
        " email_code, master_id, rights, balance, legal_name, creation_date)"
        " VALUES (?, ?, ?, 'demo', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '2024-01-15 09:30:00')",
        [(i, d, login, first, last, face, act, tf, SEED["two_factor_code"] if tf else None, master, json.dumps(rights), bal, legal)
         for i, d, login, first, last, face, act, tf, master, rights, bal, legal in rows],
    )


# tracker, label, user, group, source, device_id, model, phone, tariff, status, creation_date
_ORIGINALS = [
    (123456, "Truck 01 north", 183654, 167, 10021901, "123456789009876", "atrack_ak11", "79161234533", 1294, "idle", "2024-02-01"),
    (999119, "Truck 02 north", 183654, 167, 234567, "356938035643809", "telfmb920", "79123456701", 12163, "active", "2024-02-01"),
    (999199, "Truck 03 south", 183654, 168, 234568, "356938035643817", "qlgv55lite", "79123456702", 12163, "offline", "2024-02-01"),
    (265489, "Van 04 city", 183654, 0, 545139, "2012345678", "tt1_wp", "79123456703", 13457, "active", "2024-02-15"),
    (1245678, "Van 05 city", 183654, 0, 456751, "862436965665430", "telfmb920", "79995693344", 13457, "idle", "2024-02-15"),
    (134537, "Car 06 sales", 183654, 168, 456752, "864180031234567", "qlgv55lite", "79123456706", 1294, "active", "2024-03-01"),
    (200007, "Courier 07 phone", 183654, 0, 200107, "7000000007", "navixymobile_android", None, 15843, "active", "2024-03-10"),
    (200008, "Container 08 lock", 183654, 0, 200108, "7101234567", "jointech_jt701", "79123456708", 12163, "idle", "2024-03-10"),
    (200009, "Trailer 09 yard", 183654, 168, 200109, "356938035643825", "telfmb920", "79123456709", 12163, "offline", "2024-03-15"),
    (200010, "Truck 10 scrapped", 183654, 0, 200110, corrupted_device_id(200110, "356938035643833"), "telfmb920", None, 12163, "offline", "2024-01-20"),
    (200011, "Truck 11 retired", 183654, 0, 200111, "356938035643841", "qlgv55lite", "79123456711", 12163, "offline", "2024-01-20"),
    (777001, "Other van A", 354468, 169, 777101, "356938035643858", "telfmb920", "79123456721", 12163, "active", "2024-04-01"),
    (777004, "Other van B", 354468, 169, 777104, "356938035643866", "qlgv55lite", "79123456722", 12163, "idle", "2024-04-01"),
    (900001, "Foreign truck", 500001, 0, 900101, "356938035643874", "telfmb920", "79123456790", 9901, "active", "2024-04-01"),
]
# clone, label, owner, source, creation_date
_CLONES = [
    (458412, "Car 06 sales (shared)", 354468, 456752, "2024-06-01"),
    (777002, "Shared van A", 183654, 777101, "2024-06-01"),
    (777003, "Shared van B", 183654, 777104, "2024-06-01"),
]


def _trackers(conn: sqlite3.Connection, now: float) -> None:
    blocked, corrupted, deleted = {999199}, {200010}, {200010, 200011}
    conn.executemany(
        "INSERT INTO sources (id, device_id, phone, model, blocked, tariff_id, creation_date, tariff_end_date, tariff_end,"
        " last_charged_date, connection_status, corrupted, apn_name, apn_user, apn_password)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(src, dev, phone, model, t in blocked, tariff, created, "2025-01-31" if t in blocked else _FUTURE_END, t in blocked,
          "2025-01-01" if t in blocked else "2026-11-01", status, t in corrupted, "" if phone is None else "internet", "", "")
         for t, _, _, _, src, dev, model, phone, tariff, status, created in _ORIGINALS],
    )
    conn.executemany(
        "INSERT INTO trackers (id, label, user_id, group_id, source_id, clone, deleted, comment, creation_date, avatar_file_name)"
        " VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?, ?)",
        [(t, label, user, group, src, t in deleted, "Need to change SIM till next month" if t == 1245678 else "",
          created, "truck_01.png" if t == 123456 else None)
         for t, label, user, group, src, *_rest, created in _ORIGINALS],
    )
    conn.executemany(
        "INSERT INTO trackers (id, label, user_id, group_id, source_id, clone, deleted, comment, creation_date)"
        " VALUES (?, ?, ?, 0, ?, 1, 0, '', ?)",
        _CLONES,
    )
    # 200009: replaced, the new device not activated (every other seeded device has connected)
    conn.execute("UPDATE sources SET activated = 0, replaced_device_id = '356938035643890' WHERE id = 200109")
    conn.executemany("INSERT INTO tracker_tags (tracker_id, tag_id, ordinal) VALUES (?, ?, ?)",
                     [(123456, 456789, 4), (999119, 456790, 1)])
    offline = parse_datetime(_OFFLINE_SINCE)
    data = []
    for n, (t, _, _, _, src, _, model, phone, _, status, _) in enumerate(_ORIGINALS):
        live = status == "active"
        state = {
            "gps_signal_level": 100 if live else 0,
            "gsm": None if phone is None else {"signal_level": 80 - 5 * n, "network_name": "T-Mobile", "roaming": False},
            "battery_level": 97 - n,
            "inputs": [False, False, False],
            "outputs": [True, False],
            "additional": {"hardware_key": {"value": "20910998202956382057", "updated": _OFFLINE_SINCE}} if t == 265489 else {},
        }
        fix = now if t == 999119 else offline - 3600 * n
        # a connected device (active, idle) connected within the last quarter hour, whatever its last fix
        connected = now - 60 * n if status in ("active", "idle") else fix
        data.append((src, fix, int(t == 999119), coordinate(52.3702 + 0.01 * n), coordinate(4.8952 + 0.01 * n), (45 * n) % 360,
                     40 if live else 0, 5, 9 if live else 0, 10, "moving" if live else "parked", json.dumps(state), fix, connected))
    conn.executemany(
        "INSERT INTO device_data (source_id, last_fix, live, lat, lng, heading, speed, alt, satellites, precision,"
        " movement_status, state, updated, last_connection) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        data,
    )
    conn.execute(
        "UPDATE device_data SET readings = ?, fuel = ?, diagnostics = ?, inputs = ? WHERE source_id = 545139",
        (
            json.dumps([{"label": "Board voltage", "units": "V", "name": "board_voltage", "type": "power", "value": 13.562,
                         "units_type": "custom", "converted_units_type": None, "converted_value": None}]),
            json.dumps([{"label": "Sensor #1", "name": "can_fuel_litres", "type": "fuel", "value": 100.0, "units_type": "litre",
                         "units": "litres", "converted_units_type": None, "converted_value": None}]),
            json.dumps({"inputs": [{"label": "OBD: RPM", "units": "", "name": "obd_rpm", "type": "rpm", "value": 889.0,
                                    "units_type": "custom", "converted_units_type": None, "converted_value": None}],
                        "states": {"obd_vin": "123", "obd_mil_status": "0"}}),
            json.dumps({"inputs": [True, True, False],
                        "states": [{"type": "ignition", "name": "DIN1", "status": True, "input_number": 1}]}),
        ),
    )


def _bundles(conn: sqlite3.Connection) -> None:
    conn.executemany("INSERT INTO equipment (id, dealer_id, model_code, name) VALUES (?, ?, ?, ?)", [
        (13785, 1, "qlgv55lite", "Queclink GV55 Lite kit"), (35468, 1, "telfmb920", "Teltonika FMB920 kit"),
        (13786, 1, "atrack_ak11", "ATrack AK11 kit"),
    ])
    conn.executemany(
        "INSERT INTO sims (iccid, dealer_id, phone, apn_name, blocked, deleted, in_use) VALUES (?, 1, ?, 'internet', ?, ?, ?)",
        [
            ("78974217758", "79001110001", 0, 0, 0),
            ("8901260000000000011", "79001110002", 0, 0, 1),
            ("8901260000000000029", "79001110003", 0, 0, 1),
            ("8901260000000000037", "79001110004", 1, 0, 0),
            ("8901260000000000045", "79001110005", 0, 1, 0),
            ("8901260000000000052", "79001110006", 0, 0, 0),
            ("8901260000000000060", "79123456709", 0, 0, 1),
        ],
    )
    conn.executemany(
        "INSERT INTO bundles (id, dealer_id, imei, model_code, iccid, equip_id, order_id, assign_time, factory_preset,"
        " activation_code, activated) VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (1241, "835664527777452", "qlgv55lite", None, 13785, None, None, 0, None, 0),
            (13457, "835664527777460", "telfmb920", "8901260000000000011", 35468, 5001, "2025-03-01 10:00:00", 1, None, 0),
            (1242, "835664527777478", "telfmb920", "8901260000000000029", 35468, 5001, "2025-03-01 10:05:00", 1, None, 1),
            (1243, "835664527777486", "qlgv55lite", None, 13785, 5002, None, 0, None, 0),
            (1244, "835664527777494", "atrack_ak11", None, 13786, None, None, 0, None, 0),
            (1245, "835664527777502", "telfmb920", None, 35468, None, None, 1, None, 0),
            (1246, "835664527777510", "telfmb920", None, None, None, None, 0, None, 0),
            (1247, "835664527777528", "qlgv55lite", None, 13785, 5003, None, 0, None, 0),
            (1248, "356938035643809", "telfmb920", None, 35468, None, None, 1, None, 1),  # registered: 999119
            (1249, "835664527777536", "atrack_ak11", None, None, None, None, 0, None, 0),
        ],
    )
    conn.executemany(
        "INSERT INTO activation_codes (code, dealer_id, tariff_id, free_days, activated, activation_date, device_id)"
        " VALUES (?, 1, ?, ?, ?, ?, ?)",
        [("123123123", 12163, 14, 0, None, 0), ("555000111", 12163, 14, 1, "2024-02-01 10:00:00", 234567)],
    )


# ---- generated data ------------------------------------------------------------------------------

_KINDS = ("Truck", "Van", "Car", "Bus", "Trailer", "Courier")
_AREAS = ("north", "south", "east", "west", "city", "port")
_GEN_MODELS = ("telfmb920", "qlgv55lite", "atrack_ak11")
_GEN_TARIFFS = (12163, 13457, 15843)
_DAY = 86400
# When a generated device last connected, as an age at the reset: (share, connection status, from,
# to seconds before); status None: active or idle. The 3% left never connected (just_registered,
# no fix, no position). So about 3 in 4 connected within the last week, 1 in 5 is stale.
_GEN_CONNECTIONS = (
    (0.45, None, 0, 600),                       # online: within the last 10 minutes
    (0.10, "signal_lost", 600, 2 * 3600),       # lost its signal in the last 2 hours
    (0.22, "offline", 2 * 3600, 7 * _DAY),      # offline since earlier this week
    (0.13, "offline", 7 * _DAY, 60 * _DAY),     # stale for weeks
    (0.07, "offline", 60 * _DAY, 540 * _DAY),   # stale for months
)
_GEN_SHARES = list(itertools.accumulate(share for share, *_ in _GEN_CONNECTIONS))
_GEN_RANDOM = 20240101  # the generated connections' random seed: the same spread on every machine
_BITS = 20  # a draw is three fractions of this many bits: the row of _GEN_CONNECTIONS, the age in it, active or idle
_SCALE = 1 << _BITS


def _last_connections(trackers: int, now: float, created: list[float]) -> Iterator[tuple[str, float | None]]:
    """(connection status, epoch of the last connection or None) of each generated device, never
    before its creation: one draw each from one seeded stream, so the first N are the same whatever
    N, and the ages before `now` the same at every reset (whole seconds)."""
    rng, anchor, never = random.Random(_GEN_RANDOM), int(now), len(_GEN_CONNECTIONS)
    for i in range(trackers):
        draw = rng.getrandbits(3 * _BITS)
        row = bisect.bisect_right(_GEN_SHARES, (draw & (_SCALE - 1)) / _SCALE)
        if row == never:
            yield "just_registered", None
            continue
        _, status, young, old = _GEN_CONNECTIONS[row]
        when = anchor - young - (draw >> _BITS & (_SCALE - 1)) * (old - young) // _SCALE
        yield status or ("active" if draw >> 2 * _BITS < 0.55 * _SCALE else "idle"), float(max(when, created[i]))


def generate(conn: sqlite3.Connection, now: float, *, trackers: int = 0, bundles: int = 0) -> None:
    """Add `trackers` trackers (even: demo@, odd: other@) and `bundles` bundles, deterministically;
    their devices last connected at ages before `now` (the reset's time) that _GEN_CONNECTIONS spreads."""
    base = parse_datetime("2024-01-01")
    t0, s0 = SEED["generated_tracker_start"], 30_000_001
    sources, rows, data = [], [], []
    created = [base + (i % 700) * _DAY for i in range(trackers)]
    for i, (status, connected) in enumerate(_last_connections(trackers, now, created)):
        n = i + 1
        day = fmt_date(created[i])
        sources.append((s0 + i, f"35{i:013d}", f"4917{i:09d}", _GEN_MODELS[i % 3], int(i % 97 == 96),
                        _GEN_TARIFFS[i % 3], day, _FUTURE_END, status))
        rows.append((t0 + i, f"{_KINDS[i % 6]} {n:06d} {_AREAS[(i // 6) % 6]}", 183654 if i % 2 == 0 else 354468, s0 + i, day))
        data.append((s0 + i, connected, None, None) if connected is None else
                    (s0 + i, connected, coordinate(48.0 + (i % 1000) / 100.0), coordinate(2.0 + (i // 1000 % 1000) / 100.0)))
    conn.executemany(
        "INSERT INTO sources (id, device_id, phone, model, blocked, tariff_id, creation_date, tariff_end_date, connection_status,"
        " apn_name) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'internet')",
        sources,
    )
    conn.executemany("INSERT INTO trackers (id, label, user_id, source_id, creation_date) VALUES (?, ?, ?, ?, ?)", rows)
    conn.executemany("INSERT INTO device_data (source_id, last_fix, lat, lng, updated, last_connection) VALUES (?, ?, ?, ?, ?2, ?2)",
                     data)
    # Every 10th generated tracker (an odd one: other@'s) is a clone of the one before it (demo@'s),
    # so that bulk clone deletion has clones to work on: it takes that tracker's source, and the
    # source generated for it goes, with whatever rows other tables keep per source.
    gone = [(s0 + i,) for i in range(SEED["generated_clone_every"] - 1, trackers, SEED["generated_clone_every"])]
    conn.executemany("UPDATE trackers SET clone = 1, source_id = ?1 - 1 WHERE source_id = ?1", gone)
    per_source = conn.execute(
        "SELECT m.name FROM sqlite_master m, pragma_table_info(m.name) c"
        " WHERE m.type = 'table' AND c.name = 'source_id' AND m.name != 'trackers'"
    ).fetchall()
    for (table,) in per_source:
        conn.executemany(f'DELETE FROM "{table}" WHERE source_id = ?', gone)
    conn.executemany("DELETE FROM sources WHERE id = ?", gone)
    b0 = SEED["generated_bundle_start"]
    conn.executemany(
        "INSERT INTO bundles (id, dealer_id, imei, model_code, equip_id) VALUES (?, 1, ?, ?, ?)",
        [(b0 + i, f"86{i:013d}", _GEN_MODELS[i % 3], (35468, 13785, 13786)[i % 3]) for i in range(bundles)],
    )
