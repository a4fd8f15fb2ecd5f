"""Sandbox tracker/read, tracker/list, panel/tracker/read, panel/tracker/list (and its paging, with
bundle/list's); checks every action gets."""

from __future__ import annotations

import json
import re

import pytest

from tests.helpers.sandbox import code, errors, ok, sql
from tests.helpers.spec import spec_file
from trackerctl.sandbox import paging
from trackerctl.sandbox.app import Sandbox, reset
from trackerctl.sandbox.seed import SEED
from trackerctl.sandbox.store import fmt_datetime, parse_datetime

DEMO_VISIBLE = [123456, 200007, 200008, 200009, 265489, 777002, 777003, 999119, 999199, 134537, 1245678]
DEALER_1_COUNT = 16  # 13 of demo@ (deleted and corrupted included) + 3 of other@


# ---- tracker/read, tracker/list --------------------------------------------------------------------


def test_tracker_read_shape(sb):
    status, body = sb.call("tracker/read", {"tracker_id": SEED["tracker"]})
    assert status == 200
    assert body == {
        "success": True,
        "value": {
            "id": 123456, "label": "Truck 01 north", "clone": False, "group_id": 167, "avatar_file_name": "truck_01.png",
            "source": {
                "id": 10021901, "device_id": "123456789009876", "model": "atrack_ak11", "blocked": False, "tariff_id": 1294,
                "status_listing_id": None, "creation_date": "2024-02-01", "tariff_end_date": "2030-01-01", "phone": "79161234533",
            },
            "tag_bindings": [{"tag_id": SEED["tag"], "ordinal": 4}],  # the read example shows them
        },
    }
    value = body["value"]
    assert list(value) == ["id", "label", "clone", "group_id", "avatar_file_name", "source", "tag_bindings"]  # the document's order
    plain = sb.call("tracker/read", {"tracker_id": SEED["tracker_fresh"]})[1]["value"]
    assert "avatar_file_name" not in plain and plain["tag_bindings"] == [{"tag_id": 456790, "ordinal": 1}]
    assert sb.call("tracker/read", {"tracker_id": SEED["tracker_online"]})[1]["value"]["tag_bindings"] == []  # as in the example
    listed = {t["id"]: t for t in sb.call("tracker/list")[1]["list"]}
    assert all(sb.call("tracker/read", {"tracker_id": i})[1]["value"] == t for i, t in listed.items())  # read and list agree


def test_tracker_read_states(sb):
    blocked = sb.call("tracker/read", {"tracker_id": SEED["tracker_blocked"]})[1]["value"]
    assert blocked["source"]["blocked"] is True
    assert sb.call("tracker/read", {"tracker_id": SEED["tracker_no_gsm"]})[1]["value"]["source"]["phone"] is None
    assert sb.call("tracker/read", {"tracker_id": SEED["clone_with_rules"]})[1]["value"]["clone"] is True


@pytest.mark.parametrize("tracker_id", [SEED["tracker_other"], SEED["tracker_deleted"], SEED["tracker_corrupted"],
                                        SEED["tracker_foreign"], 987654321])
def test_tracker_read_201_unless_the_users_live_tracker(sb, tracker_id):
    status, body = sb.call("tracker/read", {"tracker_id": tracker_id})
    assert (status, code(body)) == (400, 201)
    assert body["status"]["description"] == "Not found in database"


@pytest.mark.parametrize("params, message", [
    ({}, "required parameter is missing"),
    ({"tracker_id": 0}, "must be at least 1"),
    ({"tracker_id": "abc"}, "must be an integer"),
    ({"tracker_id": True}, "must be an integer"),
])
def test_tracker_read_invalid_parameter_is_7_with_errors(sb, params, message):
    status, body = sb.call("tracker/read", params)
    assert status == 400
    assert body == {"success": False, "status": {"code": 7, "description": "Invalid parameters"},
                    "errors": [{"parameter": "tracker_id", "error": message}]}


def test_tracker_id_as_text_is_accepted(sb):
    assert sb.call("tracker/read", {"tracker_id": "123456"})[0] == 200


def test_tracker_list_hides_deleted_and_corrupted(sb):
    status, body = sb.call("tracker/list")
    assert status == 200 and list(body) == ["success", "list"]
    assert sorted(t["id"] for t in body["list"]) == sorted(DEMO_VISIBLE)
    first = body["list"][0]
    assert list(first) == ["id", "label", "clone", "group_id", "avatar_file_name", "source", "tag_bindings"]
    assert first["tag_bindings"] == [{"tag_id": SEED["tag"], "ordinal": 4}]
    assert all(isinstance(t["source"]["device_id"], str) and "tag_bindings" in t for t in body["list"])


@pytest.mark.parametrize("labels, ids", [
    (["north"], [123456, 999119]),
    (["NORTH", "van a"], [123456, 777002, 999119]),
    (["aa1-nothing"], []),
])
def test_tracker_list_labels_filter(sb, labels, ids):
    assert [t["id"] for t in sb.call("tracker/list", {"labels": labels})[1]["list"]] == ids


@pytest.mark.parametrize("labels, message", [
    ([], "must have between 1 and 1024 items"),
    (["a", "a"], "must not contain duplicate items"),
    (["x" * 61], "item 0: length must be between 1 and 60"),
    ([""], "item 0: length must be between 1 and 60"),
    (["ok", None], "must not contain null items"),
    ({"a": 1}, "must be an array of strings"),
])
def test_tracker_list_labels_constraints(sb, labels, message):
    assert errors(sb.call("tracker/list", {"labels": labels})[1]) == {"labels": message}


def test_sub_user_sees_the_masters_trackers(sb):
    h = sb.call("user/auth", {"login": "noregister@example.com", "password": "demo"})[1]["hash"]
    assert sorted(t["id"] for t in sb.call("tracker/list", credential=h)[1]["list"]) == sorted(DEMO_VISIBLE)


def test_other_user_sees_its_clone(sb):
    h = sb.call("user/auth", {"login": "other@example.com", "password": "demo"})[1]["hash"]
    listed = {t["id"]: t for t in sb.call("tracker/list", credential=h)[1]["list"]}
    assert sorted(listed) == [458412, 777001, 777004]
    assert listed[458412]["clone"] is True
    assert listed[458412]["source"]["id"] == sb.call("tracker/read", {"tracker_id": 134537})[1]["value"]["source"]["id"]


# ---- panel/tracker/read ----------------------------------------------------------------------------


def test_panel_tracker_read_shape(sb):
    status, body = sb.call("panel/tracker/read", {"tracker_id": SEED["tracker_idle"]})
    assert status == 200
    value = body["value"]
    assert list(value) == ["id", "clone", "comment", "creation_date", "group_id", "dealer_id", "deleted", "label", "user_id",
                           "owner_name", "model_name", "last_connection", "source"]  # the document's, then the OpenAPI's
    assert list(value["source"]) == ["id", "device_id", "model", "blocked", "tariff_id", "creation_date", "tariff_end_date",
                                     "connection_status", "phone"]
    assert value["comment"] == "Need to change SIM till next month" and value["dealer_id"] == 1
    assert value["source"]["connection_status"] == "idle"
    with_avatar = sb.call("panel/tracker/read", {"tracker_id": SEED["tracker"]})[1]["value"]
    assert list(with_avatar)[:2] == ["id", "avatar_file_name"]


def test_panel_tracker_read_deleted_252_corrupted_201_foreign(sb):
    assert sb.call("panel/tracker/read", {"tracker_id": SEED["tracker_deleted"]})[1]["value"]["deleted"] is True
    status, body = sb.call("panel/tracker/read", {"tracker_id": SEED["tracker_corrupted"]})
    assert (status, code(body)) == (400, 252)
    assert code(sb.call("panel/tracker/read", {"tracker_id": SEED["tracker_foreign"]})[1]) == 201
    assert code(sb.call("panel/tracker/read", {"tracker_id": 987654321})[1]) == 201


def panel_list(sb: Sandbox, **params) -> dict:
    status, body = sb.call("panel/tracker/list", params)
    assert status == 200, body
    return body


def panel_read(sb: Sandbox, tracker_id: int) -> dict:
    return ok(sb, "panel/tracker/read", {"tracker_id": tracker_id})["value"]


# ---- owner_name, model_name, last_connection (the OpenAPI's Tracker) --------------------------------

DATETIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")


def test_panel_trackers_carry_the_owner_the_model_name_and_the_last_connection(sb):
    models = {m["code"]: m["name"] for m in ok(sb, "tracker/list_models")["list"]}
    listed = panel_list(sb)["list"]
    for tracker in listed:
        assert tracker["model_name"] == models[tracker["source"]["model"]]  # what `tracker list-models` shows as name
        assert tracker["owner_name"] == {SEED["user_demo"]: "Demo User", SEED["user_other"]: "Other Owner"}[tracker["user_id"]]
        assert DATETIME.fullmatch(tracker["last_connection"]), tracker
    assert {t["id"]: t for t in listed}[SEED["tracker_idle"]] == panel_read(sb, SEED["tracker_idle"])  # read and list agree
    by_id = {t["id"]: t for t in listed}
    assert by_id[SEED["tracker_cloned"]]["last_connection"] == by_id[458412]["last_connection"]  # a clone shares the device
    # its last connection, whatever it sent: not its last fix, which may be months older
    sql(sb, "UPDATE device_data SET last_fix = ?, last_connection = ? WHERE source_id = 456751",
        parse_datetime("2025-03-01 10:00:00"), parse_datetime("2026-03-01 10:00:59") + 0.999)
    assert panel_read(sb, SEED["tracker_idle"])["last_connection"] == "2026-03-01 10:00:59"


def test_the_seed_spreads_last_connections_by_connection_status(sb):
    now = sb.now()
    ages = {t["id"]: (t["source"]["connection_status"], now - parse_datetime(t["last_connection"])) for t in panel_list(sb)["list"]}
    assert all(age < 15 * 60 for status, age in ages.values() if status in ("active", "idle"))  # connected: minutes ago
    assert all(age > 365 * 86400 for status, age in ages.values() if status == "offline")  # offline since 2025-06
    # get_state shows what the device sent: its fix months ago, while it connected minutes ago
    state = ok(sb, "tracker/get_state", {"tracker_id": SEED["tracker_idle"]})["state"]
    assert state["gps"]["updated"] == state["last_update"] == "2025-06-01 04:00:00"


def registered(sb: Sandbox) -> int:
    """A tracker registered just now (tracker/register, as the document's example): its device has not connected yet."""
    return ok(sb, "tracker/register", {
        "label": "Courier", "group_id": 0, "plugin_id": 37, "model": "qlgv55lite", "phone": "79123122312", "device_id": "123451234512346",
        "activation_code": SEED["activation_code"], "apn_name": "internet", "apn_user": "", "apn_password": "",
    })["value"]["id"]


def test_a_device_that_never_connected_has_no_last_connection(sb):
    value = panel_read(sb, registered(sb))
    assert value["last_connection"] is None and value["source"]["connection_status"] == "just_registered"
    assert value["model_name"] == "Queclink GV55 Lite"


def test_last_connection_moves_forward_when_the_device_reports(sb):
    before = {t["id"]: t["last_connection"] for t in panel_list(sb)["list"]}
    sb.advance_clock(3 * 86400)
    assert {t["id"]: t["last_connection"] for t in panel_list(sb)["list"]} == before  # the clock alone moves nothing
    assert sb.move_fleet(1, 1.0) > 0  # `sandbox serve --move`: the connected devices report
    now = fmt_datetime(sb.now())
    after = {t["id"]: t for t in panel_list(sb)["list"]}
    for tracker_id, tracker in after.items():
        if tracker["source"]["connection_status"] in ("active", "idle") and not tracker["deleted"]:
            assert before[tracker_id] < tracker["last_connection"] <= now, tracker_id
        else:
            assert tracker["last_connection"] == before[tracker_id], tracker_id
    assert after[SEED["tracker_blocked"]]["last_connection"] == before[SEED["tracker_blocked"]]


def test_owner_name_is_a_legal_entitys_legal_name(sb):
    moved = ok(sb, "panel/tracker/move", {"tracker_id": SEED["tracker_idle"], "user_id": SEED["user_fleet"]})["id"]
    assert panel_read(sb, moved)["owner_name"] == "Fleet Logistics LLC"
    sql(sb, "UPDATE users SET middle_name = 'J.' WHERE id = ?", SEED["user_other"])
    assert panel_read(sb, SEED["tracker_other"])["owner_name"] == "Other J. Owner"


def openapi_type(value) -> str:
    return {bool: "boolean", int: "integer", str: "string", type(None): "null", dict: "object"}[type(value)]


def test_panel_trackers_have_every_property_of_the_openapi_tracker_with_its_type(sb):
    schemas = json.loads(spec_file("panel-openapi.json").read_text())["components"]["schemas"]
    answers = [*panel_list(sb)["list"], panel_read(sb, SEED["tracker"])]
    answers.append(panel_read(sb, registered(sb)))  # never connected: last_connection null
    for schema, records in ((schemas["Tracker"], answers), (schemas["TrackerSource"], [a["source"] for a in answers])):
        for name, prop in schema["properties"].items():
            allowed = prop.get("type", "object")
            allowed = set(allowed) if isinstance(allowed, list) else {allowed}
            for record in records:
                assert name in record, (name, record["id"])
                assert openapi_type(record[name]) in allowed, (name, record[name])
                if prop.get("format") == "date" and record[name] is not None:
                    assert re.fullmatch(r"\d{4}-\d\d-\d\d", record[name]), (name, record[name])
    assert any(a["last_connection"] is None for a in answers) and any(a["last_connection"] for a in answers)


# ---- panel/tracker/list ----------------------------------------------------------------------------


def test_panel_list_everything_of_the_dealer(sb):
    body = panel_list(sb)
    assert list(body) == ["success", "list", "count"]
    assert body["count"] == len(body["list"]) == DEALER_1_COUNT
    assert SEED["tracker_foreign"] not in {t["id"] for t in body["list"]}
    by_id = {t["id"]: t for t in body["list"]}
    assert by_id[SEED["tracker_corrupted"]]["source"]["corrupted"] is True
    assert by_id[SEED["tracker_corrupted"]]["deleted"] is True
    assert "corrupted" not in by_id[SEED["tracker"]]["source"]
    assert [t["id"] for t in body["list"]] == sorted(by_id)  # default: by id, ascending


def test_panel_list_paging_keeps_the_total_count(sb):
    first = panel_list(sb, limit=5)
    second = panel_list(sb, limit=5, offset=5)
    rest = panel_list(sb, offset=10)
    assert first["count"] == second["count"] == rest["count"] == DEALER_1_COUNT
    ids = [t["id"] for t in first["list"] + second["list"] + rest["list"]]
    assert ids == [t["id"] for t in panel_list(sb)["list"]]
    assert panel_list(sb, offset=100)["list"] == []


# ---- paging: the count once per query, pages by id (sandbox/paging.py) ------------------------------

PAGE = 100
TRACKER_QUERIES = [{}, {"ascending": False}, {"filter": "van"}, {"clones_filter": "only_include_clones", "ascending": False},
                   {"user_id": SEED["user_other"]}, {"order_by": "label"}, {"order_by": "device_id", "ascending": False}]
BUNDLE_QUERIES = [{}, {"ascending": False}, {"filter": "qlgv"}, {"order_by": "user_id", "ascending": False}, {"order_by": "model"}]


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Sandbox:
    path = tmp_path_factory.mktemp("paging") / "sandbox.sqlite"
    reset(path, trackers=2500, bundles=2500)
    return Sandbox(path, implicit_auth=True)


def first_read(sb: Sandbox, action: str, params: dict) -> dict:
    """The answer with nothing remembered: COUNT(*) and OFFSET."""
    paging.forget()
    return ok(sb, action, params)


@pytest.mark.parametrize("action, params", [("panel/tracker/list", q) for q in TRACKER_QUERIES]
                         + [("panel/tracker/bundle/list", q) for q in BUNDLE_QUERIES])
def test_every_page_read_by_id_is_the_page_read_by_offset(generated, action, params):
    paging.forget()
    statements: list[str] = []
    generated.store.connection().set_trace_callback(statements.append)
    try:
        pages, offset = [], 0
        while not pages or len(pages[-1]["list"]) == PAGE:  # as `--all` reads them
            pages.append(ok(generated, action, {**params, "offset": offset, "limit": PAGE}))
            offset += len(pages[-1]["list"])
    finally:
        generated.store.connection().set_trace_callback(None)
    whole = first_read(generated, action, params)
    assert [r for page in pages for r in page["list"]] == whole["list"] and {page["count"] for page in pages} == {whole["count"]}
    offset = 0
    for page in pages:
        assert page == first_read(generated, action, {**params, "offset": offset, "limit": PAGE})
        offset += len(page["list"])
    # counted once; in id order every page after the first starts from the last id of the one before
    assert sum("SELECT COUNT(*)" in s for s in statements) == 1
    by_id = params.get("order_by", "id") in ("id", "user_id")
    after_last_id = [s for s in statements if re.search(r"\b[tb]\.id [<>] \d+ ORDER BY", s)]
    assert len(after_last_id) == (len(pages) - 1 if by_id else 0)
    assert len(pages) > 2


def test_a_write_between_pages_is_counted_and_paged_anew(sb):
    first = panel_list(sb, limit=5)
    assert first["count"] == DEALER_1_COUNT and [t["id"] for t in first["list"]][0] == SEED["tracker"]
    ok(sb, "panel/tracker/clone", {"tracker_id": SEED["tracker_idle"], "user_id": SEED["user_fleet"], "label": "Copy"})
    second = panel_list(sb, limit=5, offset=5)
    assert second["count"] == DEALER_1_COUNT + 1
    # the first page's first tracker moves to a new id at the end: the page at offset 5 starts one later
    ok(sb, "panel/tracker/move", {"tracker_id": SEED["tracker"], "user_id": SEED["user_fleet"]})
    again = panel_list(sb, limit=5, offset=5)
    assert again == first_read(sb, "panel/tracker/list", {"limit": 5, "offset": 5})
    assert [t["id"] for t in again["list"]] == [t["id"] for t in second["list"]][1:] + [again["list"][-1]["id"]]
    # a write straight to the database (a test's setup) counts as well
    assert panel_list(sb, filter="north", limit=1)["count"] == 2
    sql(sb, "UPDATE trackers SET label = 'Van 05 north' WHERE id = ?", SEED["tracker_idle"])
    assert panel_list(sb, filter="north", limit=1)["count"] == 3
    assert bundle_count(sb) == 10
    ok(sb, "panel/tracker/bundle/import", {"imeis": ["111222333444555"], "equip_id": SEED["equipment"], "factory_preset": False})
    assert bundle_count(sb) == 11


def bundle_count(sb: Sandbox) -> int:
    return ok(sb, "panel/tracker/bundle/list", {"limit": 1})["count"]


def test_panel_list_order_by(sb):
    labels = [t["label"] for t in panel_list(sb, order_by="label", ascending=False)["list"]]
    assert labels == sorted(labels, key=str.lower, reverse=True)
    phones = [t["source"]["phone"] for t in panel_list(sb, order_by="phone")["list"]]
    assert phones[0] is None and phones[-1] == max(p for p in phones if p)
    statuses = [t["source"]["connection_status"] for t in panel_list(sb, order_by="status")["list"]]
    assert statuses == sorted(statuses)


def test_panel_list_filters(sb):
    ids = lambda body: sorted(t["id"] for t in body["list"])  # noqa: E731
    assert ids(panel_list(sb, user_id=SEED["user_other"])) == [458412, 777001, 777004]
    assert ids(panel_list(sb, tariff_id=SEED["tariff_everyday"])) == [265489, 1245678]
    assert ids(panel_list(sb, filter="NORTH")) == [123456, 999119]  # label, any case
    assert ids(panel_list(sb, filter="2012345")) == [265489]  # device_id
    assert ids(panel_list(sb, filter="jointech")) == [200008]  # model
    assert ids(panel_list(sb, filter="79995693344")) == [1245678]  # phone
    assert ids(panel_list(sb, filter="545139")) == [265489]  # source id
    assert ids(panel_list(sb, filter="354468")) == [458412, 777001, 777004]  # user id
    assert ids(panel_list(sb, filter="100%")) == []  # LIKE wildcards are literal
    clones = panel_list(sb, clones_filter="only_include_clones")
    assert ids(clones) == [458412, 777002, 777003] and clones["count"] == 3
    assert panel_list(sb, clones_filter="exclude_clones")["count"] == DEALER_1_COUNT - 3
    assert panel_list(sb, clones_filter="not_set")["count"] == DEALER_1_COUNT
    combined = panel_list(sb, user_id=SEED["user_demo"], clones_filter="exclude_clones", filter="truck", limit=2)
    assert combined["count"] == 5 and len(combined["list"]) == 2


@pytest.mark.parametrize("params", [
    {"user_id": 999999}, {"user_id": SEED["user_foreign"]}, {"tariff_id": 999999}, {"tariff_id": SEED["tariff_foreign"]},
])
def test_panel_list_unknown_user_or_tariff_is_201(sb, params):
    assert code(sb.call("panel/tracker/list", params)[1]) == 201


@pytest.mark.parametrize("params, parameter", [
    ({"order_by": "colour"}, "order_by"), ({"clones_filter": "all"}, "clones_filter"),
    ({"limit": -1}, "limit"), ({"offset": -1}, "offset"), ({"filter": 42.5}, "filter"), ({"ascending": "maybe"}, "ascending"),
])
def test_panel_list_bad_parameters_are_7(sb, params, parameter):
    assert list(errors(sb.call("panel/tracker/list", params)[1])) == [parameter]


def test_several_bad_parameters_are_all_listed(sb):
    assert set(errors(sb.call("panel/tracker/list", {"limit": -1, "offset": -1, "order_by": "x"})[1])) == {"limit", "offset", "order_by"}


def test_missing_panel_permission_is_13(sb):
    h = sb.call("panel/account/auth", {"login": "1000", "password": "demo"})[1]["hash"]
    assert sb.call("panel/tracker/list", {"limit": 1}, credential=h)[0] == 200
    with sb.transaction() as conn:
        conn.execute("UPDATE panel_accounts SET permissions = ? WHERE login = '1000'",
                     (json.dumps({"trackers": ["update"], "tracker_bundles": ["read"]}),))
    status, body = sb.call("panel/tracker/list", {"limit": 1}, credential=h)
    assert (status, code(body)) == (403, 13)
    assert body["status"]["description"] == "Operation not permitted"
    assert code(sb.call("panel/tracker/read", {"tracker_id": SEED["tracker"]})[1]) == 13  # implicit account 1000 too
    limited = sb.call("panel/account/auth", {"login": "1001", "password": "demo"})[1]["hash"]
    assert sb.call("panel/tracker/list", {"limit": 1}, credential=limited)[0] == 200


def test_foreign_dealer_sees_only_its_trackers(sb):
    h = sb.call("panel/account/auth", {"login": "2000", "password": "demo"})[1]["hash"]
    body = sb.call("panel/tracker/list", credential=h)[1]
    assert [t["id"] for t in body["list"]] == [SEED["tracker_foreign"]] and body["count"] == 1
    assert code(sb.call("panel/tracker/read", {"tracker_id": SEED["tracker"]}, credential=h)[1]) == 201
