"""Sandbox panel/tracker/* actions beyond read and list (panel_tracker.py, panel_bundle.py): the
success path of each, every error code the document lists produced from the state that causes it
(ERROR_CASES, checked against the document by test_every_documented_error_is_produced), the
tariff/change pseudo-code branch by branch under a controlled clock, and permissions."""

from __future__ import annotations

import functools
import datetime as dt
import json
import re
import time
from typing import Any

import pytest

from tests.helpers.sandbox import code, error_case, ok, one, sql
from tests.helpers.spec import spec_file
from trackerctl.sandbox.app import Sandbox, reset
from trackerctl.sandbox.codes import describe
from trackerctl.sandbox.panel_tracker import first_of_next_month, repayment
from trackerctl.sandbox.seed import SEED
from trackerctl.sandbox.store import parse_datetime


CORRUPTED_DEVICE = "corrupted.200110.356938035643833"  # 200010's source, as panel/tracker/list shows it


def set_clock(sb: Sandbox, when: str) -> None:
    """Make the sandbox clock read `when` (UTC) now."""
    with sb.transaction() as conn:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'clock_offset'", (str(parse_datetime(when) - time.time()),))


def panel_read(sb: Sandbox, tracker_id: int) -> dict:
    return ok(sb, "panel/tracker/read", {"tracker_id": tracker_id})["value"]


def user_hash(sb: Sandbox, login: str) -> str:
    return ok(sb, "user/auth", {"login": login, "password": "demo"})["hash"]


def user_ids(sb: Sandbox, login: str) -> list[int]:
    return sorted(t["id"] for t in ok(sb, "tracker/list", credential=user_hash(sb, login))["list"])


def source_of(sb: Sandbox, tracker_id: int) -> dict:
    with sb.transaction() as conn:
        row = conn.execute("SELECT s.* FROM sources s JOIN trackers t ON t.source_id = s.id WHERE t.id = ?", (tracker_id,)).fetchone()
        return dict(row)


# ---- the error catalogue: every (action, code) of the document, from state ------------------------



def _retry_once(sb: Sandbox) -> None:
    ok(sb, "panel/tracker/register_retry", {"tracker_id": SEED["tracker_idle"]})


def _corrupt_with_clones(sb: Sandbox) -> None:
    ok(sb, "panel/tracker/corrupt", {"tracker_id": SEED["tracker_other"], "corrupt_clones": True})


def _foreign_current_tariff(sb: Sandbox) -> None:
    sql(sb, "UPDATE sources SET tariff_id = ? WHERE id = 456751", SEED["tariff_foreign"])


def _unbind_rules(sb: Sandbox) -> None:
    sql(sb, "DELETE FROM rule_trackers WHERE tracker_id = ?", SEED["clone_with_rules"])


def _camera_tariff(sb: Sandbox) -> None:
    sql(sb, "UPDATE tariffs SET device_type = 'camera' WHERE id = ?", SEED["tariff_premium"])


TARIFF = {"repay": False, "charge": False}
IMPORT = {"equip_id": SEED["equipment"], "factory_preset": False}
SETTINGS = {"label": "Courier", "deleted": False}


case = functools.partial(error_case, "panel/tracker/")


ERROR_CASES = [
    case("active/history/list", 211, {"from": "2025-01", "to": "2026-01"}, id="13-months"),
    case("bundle/assign", 201, {"bundle_id": 999999, "iccid": SEED["sim_free"]}),
    case("bundle/assign", 226, {"bundle_id": SEED["bundle"], "iccid": "0000000000000"}),
    case("bundle/assign", 250, {"bundle_id": SEED["bundle"], "iccid": SEED["sim_deleted"]}),
    case("bundle/assign", 208, {"bundle_id": SEED["bundle"], "iccid": SEED["sim_blocked"]}),
    case("bundle/assign", 247, {"bundle_id": SEED["bundle"], "iccid": SEED["sim_assigned"]}),
    case("bundle/assign", 223, {"bundle_id": SEED["bundle"], "iccid": SEED["sim_in_use"]}),
    case("bundle/order/assign", 201, {"bundle_id": 999999, "order_id": 5}),
    case("bundle/import", 247, {"imeis": ["111222333444555", SEED["bundle_imei"]], **IMPORT}),
    case("bundle/import", 204, {"imeis": ["111222333444555"], **IMPORT, "equip_id": 999999}),
    # bundle/list has no --user-id/--tariff-id (the document's parameter table has none; only its 201 line names them)
    case("bundle/list", 201, {"user_id": 999999}, id="user", via="api"),
    case("bundle/list", 201, {"tariff_id": SEED["tariff_foreign"]}, id="tariff", via="api"),
    case("bundle/read", 201, {"imei": "000111"}),
    case("bundle/update", 201, {"bundle_id": 999999, "equip_id": SEED["equipment"]}),
    case("bundle/update", 204, {"bundle_id": SEED["bundle"], "equip_id": 999999}),
    case("clone", 219, {"tracker_id": SEED["clone"], "user_id": SEED["user_fleet"], "label": "x"}),
    case("clone", 201, {"tracker_id": SEED["tracker_foreign"], "user_id": SEED["user_fleet"], "label": "x"}),
    case("clone", 246, {"tracker_id": SEED["tracker_cloned"], "user_id": SEED["user_demo"], "label": "x"}, id="owner"),
    case("clone", 246, {"tracker_id": SEED["tracker_cloned"], "user_id": 999999, "label": "x"}, id="unknown"),
    case("clone", 246, {"tracker_id": SEED["tracker_cloned"], "user_id": SEED["user_foreign"], "label": "x"}, id="foreign"),
    case("clone", 246, {"tracker_id": SEED["tracker_cloned"], "user_id": SEED["user_noregister"], "label": "x"}, id="sub-user"),
    case("clone", 247, {"tracker_id": SEED["tracker_cloned"], "user_id": SEED["user_other"], "label": "x"}),
    case("clone", 252, {"tracker_id": SEED["tracker_corrupted"], "user_id": SEED["user_fleet"], "label": "x"}),
    case("console/connect", 230, {"tracker_id": SEED["tracker_deleted"]}, id="deleted"),
    case("console/connect", 230, {"tracker_id": SEED["tracker_blocked"]}, id="blocked"),
    case("console/connect", 201, {"tracker_id": SEED["tracker_foreign"]}),
    case("console/connect", 252, {"tracker_id": SEED["tracker_corrupted"]}),
    case("corrupt", 201, {"tracker_id": 987654321}),
    case("corrupt", 219, {"tracker_id": SEED["clone"]}),
    case("corrupt", 252, {"tracker_id": SEED["tracker_corrupted"]}),
    case("corrupt", 253, {"tracker_id": SEED["tracker_cloned"]}),
    case("corrupt", 253, {"tracker_id": SEED["tracker_cloned"], "corrupt_clones": False}, id="no-corrupt-clones"),
    case("delete_clone", 201, {"tracker_id": SEED["tracker_foreign"]}),
    case("delete_clone", 249, {"tracker_id": SEED["tracker"]}),
    case("delete_clone", 203, {"tracker_id": SEED["clone_with_rules"]}, id="rules"),
    case("delete_clone", 203, {"tracker_id": SEED["clone_with_rules"]}, _unbind_rules, id="vehicles"),
    case("delete_clone", 252, {"tracker_id": SEED["clone_with_rules"]}, _corrupt_with_clones),
    case("list", 201, {"user_id": 999999}, id="user"),
    case("list", 201, {"tariff_id": SEED["tariff_foreign"]}, id="tariff"),
    case("move", 219, {"tracker_id": SEED["clone"], "user_id": SEED["user_fleet"]}),
    case("move", 201, {"tracker_id": SEED["tracker_foreign"], "user_id": SEED["user_fleet"]}),
    case("move", 246, {"tracker_id": SEED["tracker_idle"], "user_id": SEED["user_demo"]}, id="owner"),
    case("move", 246, {"tracker_id": SEED["tracker_idle"], "user_id": SEED["user_foreign"]}, id="foreign"),
    case("move", 247, {"tracker_id": SEED["tracker_cloned"], "user_id": SEED["user_other"]}),
    case("move", 252, {"tracker_id": SEED["tracker_corrupted"], "user_id": SEED["user_fleet"]}),
    case("read", 201, {"tracker_id": 987654321}),
    case("read", 252, {"tracker_id": SEED["tracker_corrupted"]}),
    case("register_retry", 201, {"tracker_id": SEED["tracker_foreign"]}),
    case("register_retry", 252, {"tracker_id": SEED["tracker_corrupted"]}),
    case("register_retry", 264, {"tracker_id": SEED["tracker_idle"]}, _retry_once),
    case("register_entry", 264, {"tracker_id": SEED["tracker_idle"]}, _retry_once, id="alias"),
    case("register_retry", 208, {"tracker_id": SEED["tracker_blocked"]}),
    case("register_retry", 219, {"tracker_id": SEED["clone_free"]}),
    case("register_retry", 214, {"tracker_id": SEED["tracker_no_gsm"]}),
    case("settings/update", 201, {"tracker_id": SEED["tracker_foreign"], **SETTINGS}),
    case("settings/update", 252, {"tracker_id": SEED["tracker_corrupted"], **SETTINGS}),
    case("source/update", 201, {"tracker_id": SEED["tracker_foreign"], "blocked": True}),
    case("source/update", 252, {"tracker_id": SEED["tracker_corrupted"], "blocked": True}),
    case("tariff/change", 201, {"tracker_id": SEED["tracker_foreign"], "tariff_id": SEED["tariff_premium"], **TARIFF}),
    case("tariff/change", 219, {"tracker_id": SEED["clone_free"], "tariff_id": SEED["tariff_premium"], **TARIFF}),
    case("tariff/change", 221, {"tracker_id": SEED["tracker_idle"], "tariff_id": SEED["tariff_small"], **TARIFF}),
    case("tariff/change", 237, {"tracker_id": SEED["tracker_idle"], "tariff_id": SEED["tariff_premium"], **TARIFF},
         _foreign_current_tariff),
    case("tariff/change", 238, {"tracker_id": SEED["tracker_idle"], "tariff_id": SEED["tariff_everyday"], **TARIFF}, id="same"),
    case("tariff/change", 238, {"tracker_id": SEED["tracker_idle"], "tariff_id": SEED["tariff_premium"], **TARIFF}, _camera_tariff,
         id="device"),
    case("tariff/change", 238, {"tracker_id": SEED["tracker_idle"], "tariff_id": SEED["tariff_legal"], **TARIFF}, id="doc-type"),
    case("tariff/change", 239, {"tracker_id": SEED["tracker_idle"], "tariff_id": 999999, **TARIFF}, id="unknown"),
    case("tariff/change", 239, {"tracker_id": SEED["tracker_idle"], "tariff_id": SEED["tariff_foreign"], **TARIFF}, id="foreign"),
    case("tariff/change", 250, {"tracker_id": SEED["tracker_deleted"], "tariff_id": SEED["tariff_premium"], **TARIFF}),
    case("tariff/change", 252, {"tracker_id": SEED["tracker_corrupted"], "tariff_id": SEED["tariff_premium"], **TARIFF}),
    # the CLI checks a hex command itself (a usage error, nothing sent): the sandbox's 7 through `trackerctl api`
    case("raw_command/send", 7, {"device_id": "862436965665430", "command": "setparam", "type": "hex"}, via="api"),
    case("raw_command/send", 201, {"device_id": "000000000000001", "command": "setparam 101:4"}),
    case("raw_command/send", 252, {"device_id": CORRUPTED_DEVICE, "command": "setparam 101:4"}),
    # batch_clone (not in the document; the registry's codes): an unknown user or a sub-user refuses
    # the whole request, whatever the ids
    case("batch_clone", 246, {"tracker_ids": [SEED["tracker_idle"], SEED["tracker"]], "user_id": 999999}, id="unknown-user"),
    case("batch_clone", 246, {"tracker_ids": [SEED["tracker_idle"]], "user_id": SEED["user_noregister"]}, id="sub-user"),
]

# Listed by the document, but no state causes it: bundle/import creates bundles, it looks none up.
NOT_PRODUCIBLE = {("panel/tracker/bundle/import", 201)}


@pytest.mark.parametrize("c", ERROR_CASES, ids=lambda c: c.id)
def test_documented_error(sb, c):
    if c.setup is not None:
        c.setup(sb)
    before = _state(sb)
    status, body = sb.call(c.path, c.params)
    assert code(body) == c.code, body
    assert status == describe(c.code)[1]
    assert _state(sb) == before  # a refusal changes nothing


def _state(sb: Sandbox) -> tuple:
    return tuple(sql(sb, f"SELECT * FROM {t} ORDER BY 1") for t in ("trackers", "sources", "bundles", "transactions", "commands"))


def documented_errors() -> set[tuple[str, int]]:
    """(action path, code) for every code under an action's `#### errors` in panel-api-tracker.md."""
    pairs, name, in_errors = set(), None, False
    for line in spec_file("panel-api-tracker.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("### "):
            name, in_errors = line[4:].strip(), False
        elif line.startswith("#### "):
            in_errors = line.strip() == "#### errors"
        elif in_errors and name and (m := re.match(r"\* (\d+)\b", line)):
            pairs.add(("panel/tracker/" + ("register_retry" if name == "register_entry" else name), int(m.group(1))))
    return pairs


def test_every_documented_error_is_produced():
    documented = documented_errors()
    assert len(documented) > 50 and ("panel/tracker/tariff/change", 238) in documented
    produced = {c.pair for c in ERROR_CASES}
    assert len({c.id for c in ERROR_CASES}) == len(ERROR_CASES)
    missing = documented - produced - NOT_PRODUCIBLE
    assert not missing, f"documented errors no test produces: {sorted(missing)}"
    assert NOT_PRODUCIBLE <= documented


# ---- bundles -------------------------------------------------------------------------------------


def bundle(sb: Sandbox, imei: str) -> dict:
    return ok(sb, "panel/tracker/bundle/read", {"imei": imei})["value"]


def test_bundle_read_shape(sb):
    assert bundle(sb, SEED["bundle_imei"]) == {
        "id": 1241, "imei": "835664527777452", "model_code": "qlgv55lite", "equip_id": 13785,
        "iccid": None, "order_id": None, "assign_time": None,
    }


def test_bundle_import_adds_all_with_the_equipments_model(sb):
    imeis = ["896654523569742", "754854"]
    body = ok(sb, "panel/tracker/bundle/import", {"imeis": imeis, "equip_id": SEED["equipment_b"], "factory_preset": True})
    assert body == {"success": True}
    for imei in imeis:
        value = bundle(sb, imei)
        assert (value["model_code"], value["equip_id"], value["iccid"]) == ("telfmb920", 35468, None)
    assert one(sb, "SELECT factory_preset FROM bundles WHERE imei = '754854'") == 1


def test_bundle_import_is_all_or_nothing(sb):
    before = one(sb, "SELECT COUNT(*) FROM bundles")
    params = {"imeis": ["111000111000111", SEED["bundle_imei"], "111000111000222"], **IMPORT}
    status, body = sb.call("panel/tracker/bundle/import", params)
    assert (status, body) == (409, {"success": False, "status": {"code": 247, "description": "Entity already exists"}})  # no list
    assert one(sb, "SELECT COUNT(*) FROM bundles") == before
    twice = {"imeis": ["111000111000333", "111000111000333"], **IMPORT}
    assert code(sb.call("panel/tracker/bundle/import", twice)[1]) == 247
    assert one(sb, "SELECT COUNT(*) FROM bundles") == before


def test_bundle_import_of_500_is_one_fast_request(sb):
    imeis = [f"4900000000{i:05d}" for i in range(500)]
    started = time.perf_counter()
    ok(sb, "panel/tracker/bundle/import", {"imeis": imeis, **IMPORT})
    assert time.perf_counter() - started < 1.0
    assert one(sb, "SELECT COUNT(*) FROM bundles WHERE imei LIKE '4900000000%'") == 500
    assert code(sb.call("panel/tracker/bundle/import", {"imeis": imeis[-1:], **IMPORT})[1]) == 247


def test_bundle_import_invalid_imeis_are_7(sb):
    status, body = sb.call("panel/tracker/bundle/import", {"imeis": ["12ab"], **IMPORT})
    assert code(body) == 7 and body["errors"][0]["parameter"] == "imeis"


def test_bundle_assign_sets_iccid_and_assign_time(sb):
    set_clock(sb, "2026-03-15 12:00:00")
    ok(sb, "panel/tracker/bundle/assign", {"bundle_id": SEED["bundle"], "iccid": SEED["sim_free"]})
    value = bundle(sb, SEED["bundle_imei"])
    assert value["iccid"] == SEED["sim_free"] and value["assign_time"].startswith("2026-03-15 12:00")
    ok(sb, "panel/tracker/bundle/assign", {"bundle_id": SEED["bundle"], "iccid": SEED["sim_free"]})  # its own: no change
    assert code(sb.call("panel/tracker/bundle/assign", {"bundle_id": 1243, "iccid": SEED["sim_free"]})[1]) == 247


def test_bundle_order_assign_sets_and_clears(sb):
    ok(sb, "panel/tracker/bundle/order/assign", {"bundle_id": SEED["bundle"], "order_id": 78974217758})
    assert bundle(sb, SEED["bundle_imei"])["order_id"] == 78974217758
    ok(sb, "panel/tracker/bundle/order/assign", {"bundle_id": SEED["bundle"], "order_id": None})
    assert bundle(sb, SEED["bundle_imei"])["order_id"] is None


def test_bundle_update_changes_equipment_and_model(sb):
    ok(sb, "panel/tracker/bundle/update", {"bundle_id": SEED["bundle"], "equip_id": SEED["equipment_b"]})
    value = bundle(sb, SEED["bundle_imei"])
    assert (value["equip_id"], value["model_code"]) == (35468, "telfmb920")


def bundle_list(sb: Sandbox, **params: Any) -> dict:
    return ok(sb, "panel/tracker/bundle/list", params)


def test_bundle_list_filters_orders_pages(sb):
    body = bundle_list(sb)
    assert list(body) == ["success", "list", "count"] and body["count"] == len(body["list"]) == 10
    assert [b["id"] for b in body["list"]] == sorted(b["id"] for b in body["list"])
    page = bundle_list(sb, limit=3, offset=3)
    assert page["count"] == 10 and [b["id"] for b in page["list"]] == [b["id"] for b in body["list"][3:6]]
    assert [b["id"] for b in bundle_list(sb, filter="atrack")["list"]] == [1244, 1249]  # model_code
    assert [b["id"] for b in bundle_list(sb, filter="0000000000029")["list"]] == [1242]  # iccid
    assert [b["id"] for b in bundle_list(sb, filter="2025-03-01 10:05")["list"]] == [1242]  # assign_time
    assert [b["id"] for b in bundle_list(sb, filter="1241")["list"]] == [1241]  # id
    assert [b["id"] for b in bundle_list(sb, filter="835664527777510")["list"]] == [1246]  # imei
    imeis = [b["imei"] for b in bundle_list(sb, order_by="device_id", ascending=False)["list"]]
    assert imeis == sorted(imeis, reverse=True)
    assert [b["id"] for b in bundle_list(sb, user_id=SEED["user_demo"])["list"]] == [1248]  # IMEI of 999119
    assert [b["id"] for b in bundle_list(sb, tariff_id=SEED["tariff_monthly"])["list"]] == [1248]
    assert code(sb.call("panel/tracker/bundle/list", {"user_id": "abc"})[1]) == 7
    foreign = ok(sb, "panel/account/auth", {"login": "2000", "password": "demo"})["hash"]
    assert ok(sb, "panel/tracker/bundle/list", credential=foreign)["count"] == 0


# ---- clones --------------------------------------------------------------------------------------


def test_clone_creates_a_clone_the_user_sees(sb):
    set_clock(sb, "2026-03-15 12:00:00")
    new = ok(sb, "panel/tracker/clone", {"tracker_id": SEED["tracker_idle"], "user_id": SEED["user_fleet"], "label": "Courier"})["id"]
    value = panel_read(sb, new)
    assert (value["clone"], value["user_id"], value["label"]) == (True, SEED["user_fleet"], "Courier")
    assert value["creation_date"] == "2026-03-15"
    assert value["source"]["id"] == panel_read(sb, SEED["tracker_idle"])["source"]["id"]
    assert user_ids(sb, "fleet@example.com") == [new]
    again = {"tracker_id": SEED["tracker_idle"], "user_id": SEED["user_fleet"], "label": "Again"}
    assert code(sb.call("panel/tracker/clone", again)[1]) == 247


def test_clone_after_deleting_the_old_clone_is_allowed(sb):
    ok(sb, "panel/tracker/delete_clone", {"tracker_id": SEED["clone"]})
    ok(sb, "panel/tracker/clone", {"tracker_id": SEED["tracker_cloned"], "user_id": SEED["user_other"], "label": "Back"})


def test_batch_clone_answers_the_new_clone_ids(sb):
    ids = [SEED["tracker_idle"], SEED["tracker"], SEED["tracker_idle"]]
    body = ok(sb, "panel/tracker/batch_clone", {"user_id": SEED["user_fleet"], "tracker_ids": ids})
    assert set(body) == {"success", "list"} and len(body["list"]) == 2  # no ignored_trackers without ignore_existing
    for source, clone in zip([SEED["tracker_idle"], SEED["tracker"]], body["list"]):
        value = panel_read(sb, clone)
        assert value["clone"] is True and value["user_id"] == SEED["user_fleet"]
        assert value["label"] == panel_read(sb, source)["label"]
    assert user_ids(sb, "fleet@example.com") == sorted(body["list"])


def test_batch_clone_existing_is_247_with_list_unless_ignored(sb):
    params = {"user_id": SEED["user_other"], "tracker_ids": [SEED["tracker_idle"], SEED["tracker_cloned"]]}
    before = one(sb, "SELECT COUNT(*) FROM trackers")
    status, body = sb.call("panel/tracker/batch_clone", params)
    assert (status, code(body), body["list"]) == (409, 247, [SEED["tracker_cloned"]])
    assert one(sb, "SELECT COUNT(*) FROM trackers") == before  # transactional
    body = ok(sb, "panel/tracker/batch_clone", {**params, "ignore_existing": True})
    assert len(body["list"]) == 1 and body["ignored_trackers"] == [SEED["tracker_cloned"]]
    assert panel_read(sb, body["list"][0])["label"] == panel_read(sb, SEED["tracker_idle"])["label"]
    again = ok(sb, "panel/tracker/batch_clone", {**params, "ignore_existing": True})
    assert again["list"] == [] and again["ignored_trackers"] == [SEED["tracker_idle"], SEED["tracker_cloned"]]


@pytest.mark.parametrize("ids, expected, offending", [
    ([SEED["tracker_idle"], 987654321, SEED["tracker_foreign"]], 217, [987654321, SEED["tracker_foreign"]]),
    ([SEED["tracker_idle"], SEED["clone_free"]], 219, [SEED["clone_free"]]),
    ([SEED["tracker_idle"], SEED["tracker_corrupted"]], 252, [SEED["tracker_corrupted"]]),
    ([SEED["tracker_other"], SEED["tracker_idle"]], 246, [SEED["tracker_other"]]),
])
def test_batch_clone_refusals_list_the_offending_ids(sb, ids, expected, offending):
    before = one(sb, "SELECT COUNT(*) FROM trackers")
    body = sb.call("panel/tracker/batch_clone", {"user_id": SEED["user_other"], "tracker_ids": ids})[1]
    assert (code(body), body["list"]) == (expected, offending)
    assert one(sb, "SELECT COUNT(*) FROM trackers") == before


def test_batch_clone_bad_user_and_limits(sb):
    for user in (999999, SEED["user_foreign"], SEED["user_noregister"]):
        body = sb.call("panel/tracker/batch_clone", {"user_id": user, "tracker_ids": [SEED["tracker_idle"]]})[1]
        assert code(body) == 246 and "list" not in body
    body = sb.call("panel/tracker/batch_clone", {"user_id": SEED["user_fleet"], "tracker_ids": list(range(1, 1002))})[1]
    assert code(body) == 7 and body["errors"] == [{"parameter": "tracker_ids", "error": "must have between 1 and 1000 items"}]
    assert code(sb.call("panel/tracker/batch_clone", {"user_id": SEED["user_fleet"], "tracker_ids": []})[1]) == 7
    body = sb.call("panel/tracker/batch_clone", {"user_id": SEED["user_fleet"], "tracker_ids": list(range(1, 1001))})[1]
    assert code(body) == 217 and len(body["list"]) == 1000 - 0  # 1000 ids pass validation; none is the dealer's


def test_delete_clone(sb):
    ok(sb, "panel/tracker/delete_clone", {"tracker_id": SEED["clone_free"]})
    assert panel_read(sb, SEED["clone_free"])["deleted"] is True
    assert SEED["clone_free"] not in user_ids(sb, "demo@example.com")
    ok(sb, "panel/tracker/delete_clone", {"tracker_id": SEED["clone_free"]})  # already deleted: nothing to do


def test_delete_clone_203_bodies(sb):
    body = sb.call("panel/tracker/delete_clone", {"tracker_id": SEED["clone_with_rules"]})[1]
    assert body == {"success": False, "status": {"code": 203, "description": "Delete entity associated with"}, "rules": [SEED["rule"]]}
    _unbind_rules(sb)
    body = sb.call("panel/tracker/delete_clone", {"tracker_id": SEED["clone_with_rules"]})[1]
    assert (code(body), body["vehicles"], "rules" in body) == (203, [SEED["vehicle"]], False)
    sql(sb, "UPDATE vehicles SET tracker_id = NULL WHERE id = ?", SEED["vehicle"])
    ok(sb, "panel/tracker/delete_clone", {"tracker_id": SEED["clone_with_rules"]})


def test_batch_delete_clones_reports_each_failure(sb):
    ids = [SEED["clone_free"], SEED["tracker"], 987654321, SEED["tracker_foreign"], SEED["clone_with_rules"], SEED["clone"],
           SEED["clone_free"]]
    body = ok(sb, "panel/tracker/batch_delete_clones", {"trackers": ids})
    assert body == {
        "success": True, "deleted_count": 2, "not_deleted_count": 5,
        "not_deleted_trackers": [
            {"id": SEED["tracker"], "error": "Not a clone"},
            {"id": 987654321, "error": "Entity not found"},
            {"id": SEED["tracker_foreign"], "error": "Entity not found"},
            {"id": SEED["clone_with_rules"], "error": "Delete entity associated with"},
            {"id": SEED["clone_free"], "error": "Already deleted"},
        ],
    }
    assert panel_read(sb, SEED["clone"])["deleted"] is True  # still there, marked deleted
    again = ok(sb, "panel/tracker/batch_delete_clones", {"trackers": [SEED["clone"], SEED["clone_free"]]})
    assert again["deleted_count"] == 0
    assert [e["error"] for e in again["not_deleted_trackers"]] == ["Already deleted", "Already deleted"]


def test_batch_delete_clones_all_deleted_has_no_failure_list(sb):
    assert ok(sb, "panel/tracker/batch_delete_clones", {"trackers": [SEED["clone_free"]]}) == {
        "success": True, "deleted_count": 1, "not_deleted_count": 0,
    }


def test_batch_delete_clones_corrupted_clone(sb):
    sql(sb, "UPDATE sources SET corrupted = 1 WHERE id = 777104")  # 777003's source, clone not deleted
    body = ok(sb, "panel/tracker/batch_delete_clones", {"trackers": [SEED["clone_free"]]})
    assert body["not_deleted_trackers"] == [{"id": SEED["clone_free"], "error": "Device already corrupted"}]


def test_batch_delete_clones_limit_is_500(sb):
    body = sb.call("panel/tracker/batch_delete_clones", {"trackers": list(range(1, 502))})[1]
    assert code(body) == 7 and body["errors"] == [{"parameter": "trackers", "error": "must have between 1 and 500 items"}]
    body = ok(sb, "panel/tracker/batch_delete_clones", {"trackers": list(range(1, 501))})
    assert (body["deleted_count"], body["not_deleted_count"]) == (0, 500)


def test_generated_data_has_clones_to_delete_in_bulk(tmp_path):
    path = tmp_path / "gen.sqlite"
    reset(path, trackers=40)
    sb = Sandbox(path, implicit_auth=True)
    clones = ok(sb, "panel/tracker/list", {"clones_filter": "only_include_clones", "filter": "3000"})["list"]
    ids = sorted(t["id"] for t in clones)
    start = SEED["generated_tracker_start"]
    assert ids == [start + 9, start + 19, start + 29, start + 39]
    first = panel_read(sb, start + 9)
    assert first["user_id"] == SEED["user_other"] and first["source"]["id"] == panel_read(sb, start + 8)["source"]["id"]
    assert one(sb, "SELECT COUNT(*) FROM sources s WHERE NOT EXISTS (SELECT 1 FROM trackers t WHERE t.source_id = s.id)") == 0
    body = ok(sb, "panel/tracker/batch_delete_clones", {"trackers": ids + [start + 8]})
    assert body["deleted_count"] == 4 and body["not_deleted_trackers"] == [{"id": start + 8, "error": "Not a clone"}]


# ---- corrupt, move -------------------------------------------------------------------------------


def test_corrupt_marks_deleted_and_corrupts_the_source(sb):
    ok(sb, "panel/tracker/corrupt", {"tracker_id": SEED["tracker_idle"]})
    assert code(sb.call("panel/tracker/read", {"tracker_id": SEED["tracker_idle"]})[1]) == 252
    listed = {t["id"]: t for t in ok(sb, "panel/tracker/list", {"filter": "Van 05"})["list"]}[SEED["tracker_idle"]]
    assert listed["deleted"] is True and listed["source"]["corrupted"] is True
    assert listed["source"]["device_id"] == "corrupted.456751.862436965665430" and listed["source"]["phone"] is None
    assert code(sb.call("tracker/read", {"tracker_id": SEED["tracker_idle"]})[1]) == 201  # gone for the user


def test_corrupt_253_lists_clones_and_corrupt_clones_true_takes_them_along(sb):
    body = sb.call("panel/tracker/corrupt", {"tracker_id": SEED["tracker_other"]})[1]
    assert body == {"success": False, "status": {"code": 253, "description": "Device has clones"}, "list": [SEED["clone_with_rules"]]}
    assert code(sb.call("panel/tracker/corrupt", {"tracker_id": SEED["tracker_other"], "corrupt_clones": False})[1]) == 253
    ok(sb, "panel/tracker/corrupt", {"tracker_id": SEED["tracker_other"], "corrupt_clones": True})
    clone = ok(sb, "panel/tracker/list", {"filter": "Shared van A"})["list"][0]
    assert clone["deleted"] is True and clone["source"]["corrupted"] is True
    assert SEED["clone_with_rules"] not in user_ids(sb, "demo@example.com")


def test_corrupt_without_live_clones(sb):
    ok(sb, "panel/tracker/delete_clone", {"tracker_id": SEED["clone"]})
    ok(sb, "panel/tracker/corrupt", {"tracker_id": SEED["tracker_cloned"]})  # its only clone is deleted


def test_move_gives_a_new_id_on_both_apis(sb):
    set_clock(sb, "2026-03-15 12:00:00")
    old = SEED["tracker_cloned"]
    ok(sb, "panel/tracker/delete_clone", {"tracker_id": SEED["clone"]})
    source = panel_read(sb, old)["source"]["id"]
    new = ok(sb, "panel/tracker/move", {"tracker_id": old, "user_id": SEED["user_fleet"]})["id"]
    assert new != old
    assert code(sb.call("panel/tracker/read", {"tracker_id": old})[1]) == 201
    value = panel_read(sb, new)
    assert (value["user_id"], value["source"]["id"], value["label"], value["clone"], value["group_id"]) == (
        SEED["user_fleet"], source, "Car 06 sales", False, 0)
    assert user_ids(sb, "fleet@example.com") == [new]
    assert old not in user_ids(sb, "demo@example.com")
    assert one(sb, "SELECT COUNT(*) FROM rule_trackers WHERE tracker_id IN (?, ?)", old, new) == 0  # unbound from rules
    assert one(sb, "SELECT COUNT(*) FROM tracker_activity WHERE tracker_id = ?", new) == 3  # history carried over
    ok(sb, "panel/tracker/move", {"tracker_id": new, "user_id": SEED["user_demo"]})


def test_move_unbinds_vehicles(sb):
    new = ok(sb, "panel/tracker/move", {"tracker_id": SEED["tracker"], "user_id": SEED["user_fleet"]})["id"]
    assert one(sb, "SELECT tracker_id FROM vehicles WHERE id = 13") is None
    assert one(sb, "SELECT COUNT(*) FROM tracker_tags WHERE tracker_id = ?", new) == 0


# ---- settings, source, console, register_retry, raw commands ---------------------------------------


def test_settings_update(sb):
    ok(sb, "panel/tracker/settings/update", {"tracker_id": SEED["tracker_idle"], **SETTINGS, "deleted": True, "comment": "Gone"})
    value = panel_read(sb, SEED["tracker_idle"])
    assert (value["label"], value["deleted"], value["comment"]) == ("Courier", True, "Gone")
    assert SEED["tracker_idle"] not in user_ids(sb, "demo@example.com")
    ok(sb, "panel/tracker/settings/update", {"tracker_id": SEED["tracker_idle"], "label": "Back", "deleted": False})
    value = panel_read(sb, SEED["tracker_idle"])
    assert (value["label"], value["deleted"], value["comment"]) == ("Back", False, "Gone")  # comment kept when left out


@pytest.mark.parametrize("params, parameter", [
    ({"label": "a<b", "deleted": False}, "label"),
    ({"label": "", "deleted": False}, "label"),
    ({"label": "ok", "deleted": False, "comment": "x" * 3001}, "comment"),
    ({"label": "ok"}, "deleted"),
])
def test_settings_update_invalid(sb, params, parameter):
    body = sb.call("panel/tracker/settings/update", {"tracker_id": SEED["tracker_idle"], **params})[1]
    assert code(body) == 7 and [e["parameter"] for e in body["errors"]] == [parameter]


def test_source_update_blocks_and_unblocks(sb):
    ok(sb, "panel/tracker/source/update", {"tracker_id": SEED["tracker_idle"], "blocked": True})
    assert panel_read(sb, SEED["tracker_idle"])["source"]["blocked"] is True
    assert code(sb.call("panel/tracker/console/connect", {"tracker_id": SEED["tracker_idle"]})[1]) == 230
    ok(sb, "panel/tracker/source/update", {"tracker_id": SEED["tracker_idle"], "blocked": False})
    assert panel_read(sb, SEED["tracker_idle"])["source"]["blocked"] is False


def test_console_connect(sb):
    set_clock(sb, "2026-03-15 12:00:00")
    body = ok(sb, "panel/tracker/console/connect", {"tracker_id": SEED["tracker_cloned"]})
    assert list(body) == ["success", "key", "timestamp"]
    assert re.fullmatch(r"[0-9a-f]{40}", body["key"])
    assert abs(body["timestamp"] - parse_datetime("2026-03-15 12:00:00")) < 5


def test_register_retry_once_in_120_seconds(sb):
    ok(sb, "panel/tracker/register_retry", {"tracker_id": SEED["tracker_idle"], "send_register_commands": True})
    status, body = sb.call("panel/tracker/register_retry", {"tracker_id": SEED["tracker_idle"]})
    assert (status, code(body)) == (403, 264)
    ok(sb, "panel/tracker/register_retry", {"tracker_id": SEED["tracker"]})  # another tracker: its own limit
    sb.advance_clock(119)
    assert code(sb.call("panel/tracker/register_entry", {"tracker_id": SEED["tracker_idle"]})[1]) == 264
    sb.advance_clock(2)
    ok(sb, "panel/tracker/register_entry", {"tracker_id": SEED["tracker_idle"]})
    assert one(sb, "SELECT COUNT(*) FROM commands WHERE kind = 'register' AND source_id = 456751") == 2


def test_raw_command_send(sb):
    ok(sb, "panel/tracker/raw_command/send", {"device_id": "862436965665430", "command": "setparam 101:4"})
    ok(sb, "panel/tracker/raw_command/send", {"device_id": "862436965665430", "command": "0A 1b", "type": "hex", "reliable": False})
    rows = sql(sb, "SELECT payload, reliable FROM commands WHERE kind = 'raw' AND source_id = 456751 ORDER BY id")
    assert [(json.loads(p)["command"], r) for p, r in rows] == [("setparam 101:4", 1), ("0A 1b", 0)]
    body = sb.call("panel/tracker/raw_command/send", {"device_id": "862436965665430", "command": "xyz", "type": "hex"})[1]
    assert body == {"success": False, "status": {"code": 7, "description": "Invalid parameters"},
                    "errors": [{"parameter": "command", "error": "Non-hex string"}]}
    assert code(sb.call("panel/tracker/raw_command/send", {"device_id": "356938035643874", "command": "x"})[1]) == 201  # dealer 2's


# ---- active/history/list -------------------------------------------------------------------------


def test_active_history_list_from_the_activity_table(sb):
    body = ok(sb, "panel/tracker/active/history/list", {"from": "2025-08", "to": "2025-10"})
    months = {m["month"]: m for m in body["list"]}
    assert list(months) == ["2025-08", "2025-09", "2025-10"]
    october = months["2025-10"]
    assert october["amount"] == len(october["trackers"])
    ids = {t["tracker_id"] for t in october["trackers"]}
    assert {123456, 999119, 265489, 134537, 1245678} <= ids
    entry = next(t for t in october["trackers"] if t["tracker_id"] == SEED["tracker_idle"])
    assert entry == {"tracker_id": 1245678, "user_id": SEED["user_demo"], "label": "Van 05 city", "device_id": "862436965665430"}


def test_active_history_list_counts_months_of_last_fixes_and_spans(sb):
    sql(sb, "UPDATE device_data SET last_fix = ? WHERE source_id = 456751", parse_datetime("2023-02-10 10:00:00"))
    body = ok(sb, "panel/tracker/active/history/list", {"from": "2023-01", "to": "2023-12"})  # 12 months: allowed
    assert body["list"] == [{"month": "2023-02", "amount": 1, "trackers": [
        {"tracker_id": 1245678, "user_id": SEED["user_demo"], "label": "Van 05 city", "device_id": "862436965665430"}]}]
    assert ok(sb, "panel/tracker/active/history/list", {"from": "2019-01", "to": "2019-01"})["list"] == []
    assert code(sb.call("panel/tracker/active/history/list", {"from": "2023-01", "to": "2024-01"})[1]) == 211
    body = sb.call("panel/tracker/active/history/list", {"from": "2023-05", "to": "2023-01"})[1]
    assert code(body) == 7 and body["errors"][0]["parameter"] == "to"
    assert code(sb.call("panel/tracker/active/history/list", {"from": "2023-01-01", "to": "2023-02"})[1]) == 7


# ---- tariff/change -------------------------------------------------------------------------------

TODAY, TOMORROW, YESTERDAY, NEXT_MONTH = "2026-03-15", "2026-03-16", "2026-03-14", "2026-04-01"


def change(sb: Sandbox, tracker_id: int, tariff_id: int, *, repay: bool = False, charge: bool = False) -> tuple[int, dict]:
    return sb.call("panel/tracker/tariff/change", {"tracker_id": tracker_id, "tariff_id": tariff_id, "repay": repay, "charge": charge})


def changed(sb: Sandbox, tracker_id: int, tariff_id: int, *, repay: bool = False, charge: bool = False) -> None:
    status, body = change(sb, tracker_id, tariff_id, repay=repay, charge=charge)
    assert (status, body) == (200, {"success": True})


def billing(sb: Sandbox, tracker_id: int) -> tuple:
    s = source_of(sb, tracker_id)
    return s["tariff_id"], s["tariff_end_date"], s["tariff_end"], s["last_charged_date"], s["tariff_change_date"]


@pytest.fixture
def clocked(sb):
    set_clock(sb, "2026-03-15 12:00:00")
    return sb


ACTIVE = SEED["tracker_idle"]  # everyday tariff, tariff_end = 0
ACTIVE_MONTHLY = SEED["tracker"]  # premium monthly, tariff_end = 0
ENDED = SEED["tracker_blocked"]  # basic monthly, tariff_end = 1


@pytest.mark.parametrize("tracker, tariff, charge, end, ended, charged", [
    # tariff active: last_charged_date = today, tariff_end = false
    (ACTIVE, SEED["tariff_premium"], False, NEXT_MONTH, 0, TODAY),  # monthly, no charge: first day of next month
    (ACTIVE, SEED["tariff_premium"], True, TOMORROW, 0, TODAY),  # monthly, charge: tomorrow
    (ACTIVE_MONTHLY, SEED["tariff_everyday"], False, TOMORROW, 0, TODAY),  # not monthly: tomorrow
    (ACTIVE_MONTHLY, SEED["tariff_everyday"], True, TOMORROW, 0, TODAY),
    (ACTIVE_MONTHLY, SEED["tariff_activeday"], False, TOMORROW, 0, TODAY),
    # tariff ended: last_charged_date = yesterday
    (ENDED, SEED["tariff_premium"], True, TODAY, 1, YESTERDAY),  # monthly, charge
    (ENDED, SEED["tariff_premium"], False, NEXT_MONTH, 0, YESTERDAY),  # monthly, no charge
    (ENDED, SEED["tariff_everyday"], True, TODAY, 1, YESTERDAY),  # everyday, charge
    (ENDED, SEED["tariff_everyday"], False, TOMORROW, 0, YESTERDAY),  # everyday, no charge
    (ENDED, SEED["tariff_activeday"], True, None, 0, YESTERDAY),  # activeday: tariff_end_date = 0 (null)
    (ENDED, SEED["tariff_activeday"], False, None, 0, YESTERDAY),
])
def test_tariff_change_branches(clocked, tracker, tariff, charge, end, ended, charged):
    status, body = change(clocked, tracker, tariff, charge=charge)
    assert (status, body) == (200, {"success": True})
    assert billing(clocked, tracker) == (tariff, end, ended, charged, TODAY)
    assert panel_read(clocked, tracker)["source"]["tariff_end_date"] == end
    assert one(clocked, "SELECT COUNT(*) FROM transactions") == 0  # no repay asked


def test_tariff_change_dates_across_the_year_end(sb):
    set_clock(sb, "2026-12-31 23:00:00")
    changed(sb, ACTIVE, SEED["tariff_premium"])
    assert billing(sb, ACTIVE)[1:4] == ("2027-01-01", 0, "2026-12-31")
    assert first_of_next_month(dt.date(2026, 1, 31)) == dt.date(2026, 2, 1)
    assert first_of_next_month(dt.date(2024, 2, 29)) == dt.date(2024, 3, 1)


def test_tariff_change_conditions_5_and_6(sb):
    moved = ok(sb, "panel/tracker/move", {"tracker_id": ACTIVE, "user_id": SEED["user_fleet"]})["id"]  # fleet: legal entity
    changed(sb, moved, SEED["tariff_legal"])
    sql(sb, "UPDATE tariffs SET doc_type = 1 WHERE id = ?", SEED["tariff_premium"])  # individuals only
    assert code(change(sb, moved, SEED["tariff_premium"])[1]) == 238
    sql(sb, "UPDATE tariffs SET doc_type = 3 WHERE id = ?", SEED["tariff_premium"])  # paas: no condition
    changed(sb, moved, SEED["tariff_premium"])
    # condition 6: the limit against the owner's not-deleted trackers (other@ has 3)
    assert code(change(sb, SEED["tracker_other"], SEED["tariff_small"])[1]) == 221
    sql(sb, "UPDATE tariffs SET device_limit = 3 WHERE id = ?", SEED["tariff_small"])
    changed(sb, SEED["tracker_other"], SEED["tariff_small"])


def transactions(sb: Sandbox) -> list[tuple]:
    return sql(sb, "SELECT user_id, tracker_id, type, amount FROM transactions ORDER BY id")


def test_tariff_change_repayment(clocked):
    sql(clocked, "UPDATE sources SET tariff_end_date = ? WHERE id = 10021901", NEXT_MONTH)  # 17 days left
    balance = one(clocked, "SELECT balance FROM users WHERE id = ?", SEED["user_demo"])
    changed(clocked, ACTIVE_MONTHLY, SEED["tariff_everyday"], repay=True)
    assert transactions(clocked) == [(SEED["user_demo"], ACTIVE_MONTHLY, "repay", 7)]  # ceil(12.5 * 17 / 31)
    assert one(clocked, "SELECT balance FROM users WHERE id = ?", SEED["user_demo"]) == balance + 7
    assert billing(clocked, ACTIVE_MONTHLY)[:2] == (SEED["tariff_everyday"], TOMORROW)


def test_repayment_amount_is_an_exact_ceiling():
    assert repayment(12.5, 17, dt.date(2026, 3, 15)) == 7
    assert repayment(5.0, 17, dt.date(2026, 3, 15)) == 3  # 2.74...
    assert repayment(3.1, 10, dt.date(2026, 3, 15)) == 1  # exactly 1: no float rounding up to 2
    assert repayment(3.1, 10, dt.date(2026, 2, 15)) == 2  # 28 days in February 2026
    assert repayment(12.5, 1, dt.date(2026, 4, 30)) == 1


def test_tariff_change_repayment_with_exact_division(clocked):
    sql(clocked, "UPDATE tariffs SET price = 3.1 WHERE id = ?", SEED["tariff_premium"])
    sql(clocked, "UPDATE sources SET tariff_end_date = '2026-03-25' WHERE id = 10021901")  # 10 days left
    changed(clocked, ACTIVE_MONTHLY, SEED["tariff_everyday"], repay=True)
    assert [t[3] for t in transactions(clocked)] == [1]


def _price_zero(sb: Sandbox) -> None:
    sql(sb, "UPDATE tariffs SET price = 0 WHERE id = ?", SEED["tariff_premium"])


def _no_end_date(sb: Sandbox) -> None:
    sql(sb, "UPDATE sources SET tariff_end_date = NULL WHERE id = 10021901")


def _ends_today(sb: Sandbox) -> None:
    sql(sb, "UPDATE sources SET tariff_end_date = ? WHERE id = 10021901", TODAY)


def _in_free_period(sb: Sandbox) -> None:  # 12163 has 14 free days; created 5 days ago
    sql(sb, "UPDATE sources SET creation_date = '2026-03-10', tariff_end_date = ? WHERE id = 234567", NEXT_MONTH)


@pytest.mark.parametrize("tracker, repay, setup", [
    pytest.param(ACTIVE_MONTHLY, False, None, id="1-no-repay-flag"),
    pytest.param(ACTIVE, True, None, id="2-current-not-monthly"),
    pytest.param(ACTIVE_MONTHLY, True, _price_zero, id="3-free-tariff"),
    pytest.param(ENDED, True, None, id="4-tariff-ended"),
    pytest.param(ACTIVE_MONTHLY, True, _no_end_date, id="5-no-end-date"),
    pytest.param(SEED["tracker_fresh"], True, _in_free_period, id="6-free-period"),
    pytest.param(ACTIVE_MONTHLY, True, _ends_today, id="7-no-day-left"),
])
def test_tariff_change_without_repayment(clocked, tracker, repay, setup):
    if setup is not None:
        setup(clocked)
    changed(clocked, tracker, SEED["tariff_activeday"], repay=repay)
    assert transactions(clocked) == []
    assert source_of(clocked, tracker)["tariff_id"] == SEED["tariff_activeday"]  # the change itself happened


def test_tariff_change_repayment_boundaries(clocked):
    sql(clocked, "UPDATE sources SET creation_date = '2026-03-01', tariff_end_date = ? WHERE id = 234567", TOMORROW)
    changed(clocked, SEED["tracker_fresh"], SEED["tariff_premium"], repay=True)
    # the free period ends today: repaid; one day left: ceil(5.0 * 1 / 31)
    assert transactions(clocked) == [(SEED["user_demo"], SEED["tracker_fresh"], "repay", 1)]


# ---- permissions ---------------------------------------------------------------------------------

PERMISSION_CASES = [
    ("active/history/list", {"from": "2025-08", "to": "2025-09"}, ("trackers", "read")),
    ("clone", {"tracker_id": SEED["tracker_idle"], "user_id": SEED["user_fleet"], "label": "x"}, ("trackers", "create")),
    ("batch_clone", {"tracker_ids": [SEED["tracker_idle"]], "user_id": SEED["user_fleet"]}, ("trackers", "create")),
    ("console/connect", {"tracker_id": SEED["tracker_idle"]}, ("trackers", "update")),
    ("corrupt", {"tracker_id": SEED["tracker_idle"]}, ("trackers", "corrupt")),
    ("delete_clone", {"tracker_id": SEED["clone_free"]}, ("trackers", "delete")),
    ("batch_delete_clones", {"trackers": [SEED["clone_free"]]}, ("trackers", "delete")),
    ("move", {"tracker_id": SEED["tracker_idle"], "user_id": SEED["user_fleet"]}, ("trackers", "create")),
    ("move", {"tracker_id": SEED["tracker_idle"], "user_id": SEED["user_fleet"]}, ("trackers", "delete")),
    ("register_retry", {"tracker_id": SEED["tracker_idle"]}, ("trackers", "update")),
    ("register_entry", {"tracker_id": SEED["tracker_idle"]}, ("trackers", "update")),
    ("settings/update", {"tracker_id": SEED["tracker_idle"], **SETTINGS}, ("trackers", "update")),
    ("source/update", {"tracker_id": SEED["tracker_idle"], "blocked": False}, ("trackers", "update")),
    ("tariff/change", {"tracker_id": ACTIVE, "tariff_id": SEED["tariff_premium"], **TARIFF}, ("trackers", "update")),
    ("tariff/change", {"tracker_id": ACTIVE, "tariff_id": SEED["tariff_premium"], **TARIFF}, ("transactions", "create")),
    ("tariff/change", {"tracker_id": ACTIVE, "tariff_id": SEED["tariff_premium"], **TARIFF}, ("tariffs", "read")),
    ("raw_command/send", {"device_id": "862436965665430", "command": "x"}, ("trackers", "update")),
    ("bundle/import", {"imeis": ["123"], **IMPORT}, ("tracker_bundles", "create")),
    ("bundle/list", {}, ("tracker_bundles", "read")),
    ("bundle/read", {"imei": SEED["bundle_imei"]}, ("tracker_bundles", "read")),
    ("bundle/assign", {"bundle_id": SEED["bundle"], "iccid": SEED["sim_free"]}, ("tracker_bundles", "update")),
    ("bundle/order/assign", {"bundle_id": SEED["bundle"], "order_id": 5}, ("tracker_bundles", "update")),
    ("bundle/update", {"bundle_id": SEED["bundle"], "equip_id": SEED["equipment"]}, ("tracker_bundles", "update")),
]


@pytest.mark.parametrize("action, params, needed", PERMISSION_CASES, ids=[f"{a}-{p[0]}:{p[1]}" for a, _, p in PERMISSION_CASES])
def test_each_action_needs_its_permission(sb, action, params, needed):
    permissions = json.loads(one(sb, "SELECT permissions FROM panel_accounts WHERE login = '1000'"))
    permissions[needed[0]] = [op for op in permissions[needed[0]] if op != needed[1]]
    sql(sb, "UPDATE panel_accounts SET permissions = ? WHERE login = '1000'", json.dumps(permissions))
    before = _state(sb)
    status, body = sb.call("panel/tracker/" + action, params)
    assert (status, code(body)) == (403, 13)
    assert _state(sb) == before


@pytest.mark.parametrize("action, params", [(a, p) for a, p, needed in PERMISSION_CASES if needed[0] == "tracker_bundles"])
def test_seeded_account_without_bundle_permissions_gets_13(sb, action, params):
    limited = ok(sb, "panel/account/auth", {"login": SEED["panel_login_no_bundles"], "password": "demo"})["hash"]
    assert code(sb.call("panel/tracker/" + action, params, credential=limited)[1]) == 13
    assert sb.call("panel/tracker/list", {"limit": 1}, credential=limited)[0] == 200
