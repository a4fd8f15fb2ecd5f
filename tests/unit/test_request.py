"""Request validation: each constraint kind accepted and refused, and the body that is sent."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from trackerctl.api.action import Action, Param
from trackerctl.api.endpoints import REGISTRY
from trackerctl.errors import EXIT_USAGE, UsageError
from trackerctl.cli.request import build_request, request_model


def body(path: str, **values: Any) -> dict[str, Any]:
    action = REGISTRY.by_path(path)
    assert action is not None, path
    return build_request(action, values)


def refusal(path: str, **values: Any) -> str:
    with pytest.raises(UsageError) as caught:
        body(path, **values)
    assert caught.value.exit_code == EXIT_USAGE
    return caught.value.message


REGISTER = {"label": "Courier", "group_id": 0, "model": "qlgv55lite", "plugin_id": 37}
SETTINGS = {"tracker_id": 1245678, "label": "Courier", "deleted": False}


# ---- the body ---------------------------------------------------------------------------------------
def test_body_follows_declaration_order_not_the_values_order() -> None:
    values = {"charge": True, "repay": False, "tariff_id": 15843, "tracker_id": 1245678}
    assert list(body("panel/tracker/tariff/change", **values)) == ["tracker_id", "tariff_id", "repay", "charge"]


def test_optional_params_left_out_are_not_sent() -> None:
    assert body("panel/tracker/list", user_id=None, filter=None, ascending=None, limit=None) == {}
    assert body("tracker/list", labels=[]) == {}
    assert body("panel/tracker/settings/update", **SETTINGS, comment=None) == SETTINGS


def test_false_and_zero_are_sent() -> None:
    assert body("panel/tracker/list", ascending=False, offset=0) == {"ascending": False, "offset": 0}
    assert body("tracker/register", **REGISTER)["group_id"] == 0


def test_nullable_param_left_out_is_sent_as_null() -> None:
    assert body("panel/tracker/bundle/order/assign", bundle_id=1241) == {"bundle_id": 1241, "order_id": None}
    assert body("panel/tracker/bundle/order/assign", bundle_id=1241, order_id=7) == {"bundle_id": 1241, "order_id": 7}


def test_registration_plugin_params_follow_the_declared_ones() -> None:
    sent = body("tracker/register", phone="79123122312", **REGISTER, send_register_commands=True)
    assert list(sent) == ["label", "group_id", "model", "plugin_id", "send_register_commands", "phone"]
    assert sent["phone"] == "79123122312"


def test_undeclared_param_is_refused_without_extra_params() -> None:
    assert refusal("tracker/read", tracker_id=1, phone="1") == "unknown parameter phone"


def test_structured_values() -> None:
    command = {"name": "electronic_lock_command", "command_code": "unseal"}
    assert body("tracker/send_command", tracker_id=999119, command=command)["command"] == command
    sent = body("tracker/tags/set", tracker_id=123456, tag_bindings=[{"tag_id": 1, "ordinal": 1}, {"tag_id": 2, "ordinal": 2}])
    assert sent == {"tracker_id": 123456, "tag_bindings": [{"tag_id": 1, "ordinal": 1}, {"tag_id": 2, "ordinal": 2}]}
    assert body("tracker/get_states", trackers=[999119, 999199]) == {"trackers": [999119, 999199]}


def test_api_names_that_are_python_keywords() -> None:
    sent = body("panel/tracker/active/history/list", **{"from": "2021-02", "to": "2021-03"})
    assert sent == {"from": "2021-02", "to": "2021-03"}


# ---- messages ---------------------------------------------------------------------------------------
def test_missing_argument_and_options() -> None:
    assert refusal("tracker/read") == "missing argument TRACKER_ID"
    assert refusal("tracker/get_states", trackers=[]) == "missing argument TRACKER_ID"
    assert refusal("panel/tracker/bundle/read") == "missing argument IMEI"
    assert refusal("tracker/register", **{**REGISTER, "label": None}) == "missing option --label"
    assert refusal("panel/tracker/active/history/list", to="2021-03") == "missing option --from"


def test_missing_booleans_name_both_flags() -> None:
    assert refusal("panel/tracker/settings/update", tracker_id=1, label="a") == "missing option --deleted/--no-deleted"
    assert refusal("panel/tracker/tariff/change", tracker_id=1, tariff_id=2) == (
        "missing option --repay/--no-repay; missing option --charge/--no-charge"
    )


def test_several_problems_in_one_line_in_declaration_order() -> None:
    message = refusal("tracker/register", label="", group_id=-1, plugin_id=37)
    assert message == (
        "invalid value for --label: must be 1-60 printable characters; "
        "invalid value for --group-id: must be an integer >= 0; "
        "missing option --model"
    )
    assert "\n" not in message


# ---- each constraint kind ---------------------------------------------------------------------------
@pytest.mark.parametrize("label", ["C", "Courier 7", "x" * 60, "Грузовик"])
def test_label_accepted(label: str) -> None:
    assert body("tracker/register", **{**REGISTER, "label": label})["label"] == label


@pytest.mark.parametrize("label", ["", "x" * 61, "bell\x07", "two\nlines"])
def test_label_refused(label: str) -> None:
    assert refusal("tracker/register", **{**REGISTER, "label": label}) == (
        "invalid value for --label: must be 1-60 printable characters"
    )


def test_angle_brackets_refused_where_documented() -> None:
    assert body("panel/tracker/settings/update", **{**SETTINGS, "label": "a&b"})["label"] == "a&b"
    assert refusal("panel/tracker/settings/update", **{**SETTINGS, "label": "<b>"}) == (
        "invalid value for --label: must be 1-60 printable characters without '<' or '>'"
    )
    assert body("panel/tracker/clone", tracker_id=1, user_id=2, label="<b>")["label"] == "<b>"


@pytest.mark.parametrize(("iccid", "ok"), [("123", True), ("8" * 20, True), ("12", False), ("8" * 21, False), ("12\t3", False)])
def test_iccid(iccid: str, ok: bool) -> None:
    if ok:
        assert body("panel/tracker/bundle/assign", bundle_id=1, iccid=iccid)["iccid"] == iccid
    else:
        assert refusal("panel/tracker/bundle/assign", bundle_id=1, iccid=iccid) == (
            "invalid value for --iccid: must be 3-20 printable characters"
        )


def test_apn_fields_and_comment_lengths() -> None:
    phone = {"tracker_id": 1, "phone": "6156680000", "apn_name": "x" * 40, "apn_user": "", "apn_password": ""}
    assert body("tracker/change_phone", **phone)["apn_user"] == ""
    assert refusal("tracker/change_phone", **{**phone, "apn_password": "p" * 41}) == (
        "invalid value for --apn-password: must be at most 40 characters"
    )
    assert body("panel/tracker/settings/update", **SETTINGS, comment="c" * 3000)["comment"] == "c" * 3000
    assert refusal("panel/tracker/settings/update", **SETTINGS, comment="c" * 3001) == (
        "invalid value for --comment: must be at most 3000 characters"
    )


def test_apn_limits_only_where_documented() -> None:
    """register_retry and change_phone say "Max length 40"; replace_retry's table gives no limit."""
    apn = {"apn_name": "x" * 41, "apn_user": "u" * 41, "apn_password": "p" * 41}
    assert body("tracker/replace_retry", tracker_id=1, **apn) == {"tracker_id": 1, **apn}
    assert refusal("tracker/register_retry", tracker_id=1, **apn).startswith("invalid value for --apn-name: must be at most 40")


def test_register_retry_takes_a_tracker_id_or_a_device_id() -> None:
    apn = {"apn_name": "a", "apn_user": "", "apn_password": ""}
    assert body("tracker/register_retry", tracker_id="5", **apn) == {"tracker_id": 5, **apn}
    assert body("tracker/register_retry", device_id="123451234512346", **apn) == {"device_id": "123451234512346", **apn}
    assert refusal("tracker/register_retry", **apn) == "missing argument TRACKER_ID or option --device-id"
    assert refusal("tracker/register_retry", tracker_id=5, device_id="1", **apn) == "give TRACKER_ID or --device-id, not both"


@pytest.mark.parametrize("phone", ["+6156680000", "615 668", "61566800OO", ""])
def test_digits_refused(phone: str) -> None:
    values = {"tracker_id": 1, "phone": phone, "apn_name": "a", "apn_user": "", "apn_password": ""}
    assert refusal("tracker/change_phone", **values) == "invalid value for --phone: must be digits only"


def test_imei_digits_keep_leading_zeros() -> None:
    assert body("tracker/replace_quick", tracker_id=1, imei="035645587458999")["imei"] == "035645587458999"
    assert refusal("tracker/replace_quick", tracker_id=1, imei=35645587458999) == (
        "invalid value for --imei: must be digits only"
    )


@pytest.mark.parametrize(("param", "value", "message"), [
    ("tracker_id", 0, "invalid value for TRACKER_ID: must be an integer >= 1"),
    ("tracker_id", "abc", "invalid value for TRACKER_ID: must be an integer >= 1"),
    ("user_id", 0, "invalid value for --user-id: must be an integer >= 1"),
])
def test_ids_must_be_positive(param: str, value: Any, message: str) -> None:
    values = {"tracker_id": 1, "user_id": 2, "label": "x", param: value}
    assert refusal("panel/tracker/clone", **values) == message


def test_group_id_zero_means_no_group() -> None:
    assert body("tracker/register_quick", label="a", group_id=0, imei="1")["group_id"] == 0
    assert refusal("tracker/register_quick", label="a", group_id=-1, imei="1") == (
        "invalid value for --group-id: must be an integer >= 0"
    )


@pytest.mark.parametrize("month", ["2021-01", "2021-12", "1999-09"])
def test_month_accepted(month: str) -> None:
    assert body("panel/tracker/active/history/list", **{"from": month, "to": month})["from"] == month


@pytest.mark.parametrize("month", ["2021-13", "2021-00", "2021-1", "21-01", "2021-02-01", "2021/02"])
def test_month_refused(month: str) -> None:
    assert refusal("panel/tracker/active/history/list", **{"from": "2021-01", "to": month}) == (
        "invalid value for --to: must be a year and month as yyyy-MM"
    )


def test_choices() -> None:
    assert body("tracker/location_request", tracker_id=1, type="gprs")["type"] == "gprs"
    assert refusal("tracker/location_request", tracker_id=1, type="gps") == (
        "invalid value for --type: must be one of: sms, gsm, gprs"
    )
    assert refusal("panel/tracker/list", clones_filter="all") == (
        "invalid value for --clones-filter: must be one of: exclude_clones, only_include_clones, not_set"
    )
    assert body("panel/tracker/bundle/list", order_by="comment")["order_by"] == "comment"
    assert refusal("panel/tracker/list", order_by="comment").startswith("invalid value for --order-by: must be one of: id,")


def test_boolean_with_an_alias_of_its_negative_flag() -> None:
    """--no-ascending is the negative (contract section 2); --descending only an alias of it."""
    assert refusal("panel/tracker/list", ascending="sometimes") == (
        "invalid value for --ascending/--no-ascending: must be true or false"
    )


def test_label_filters() -> None:
    assert body("tracker/list", labels=["aa", "b"]) == {"labels": ["aa", "b"]}
    rule = "invalid value for --label: must be 1-1024 unique values, each 1-60 characters"
    assert refusal("tracker/list", labels=["aa", "aa"]) == rule
    assert refusal("tracker/list", labels=[f"t{i}" for i in range(1025)]) == rule
    assert refusal("tracker/list", labels=["ok", "x" * 61]) == f"{rule} (got {'x' * 61!r})"
    assert refusal("tracker/list", labels=["ok", ""]) == f"{rule} (got '')"


def test_bulk_ids_name_the_bad_item() -> None:
    assert refusal("tracker/get_states", trackers=[999119, 0]) == (
        "invalid value for TRACKER_ID: must be one or more integers >= 1 (got 0)"
    )
    values = {"imeis": ["896654523569742", "75485x"], "equip_id": 13785, "factory_preset": False}
    assert refusal("panel/tracker/bundle/import", **values) == (
        "invalid value for IMEI: must be one or more values, each digits only (got '75485x')"
    )


def test_bulk_ids_are_not_capped_before_chunking() -> None:
    ids = list(range(1, 1502))
    assert body("panel/tracker/batch_delete_clones", trackers=ids) == {"trackers": ids}


@pytest.mark.parametrize("bindings", [
    [{"tag_id": 1, "ordinal": 6}],
    [{"tag_id": 1, "ordinal": 0}],
    [{"tag_id": 0, "ordinal": 1}],
    [{"tag_id": 1, "ordinal": 1}, {"tag_id": 1, "ordinal": 2}],
    [{"tag_id": 1, "ordinal": 1}, {"tag_id": 2, "ordinal": 1}],
    [{"tag_id": 1}],
    [{"tag_id": 2**63, "ordinal": 1}],  # beyond 64 bits: the platform's ids are int64
    [{"tag_id": 1180591620717411303424, "ordinal": 1}],
    [{"tag_id": "١", "ordinal": "1"}],  # as typed: ASCII digits only
    [{"tag_id": "1_0", "ordinal": "1"}],
    [{"tag_id": True, "ordinal": 1}],
])
def test_tag_bindings_refused(bindings: list[dict[str, int]]) -> None:
    assert refusal("tracker/tags/set", tracker_id=1, tag_bindings=bindings) == (
        "invalid value for --tag: must be TAG_ID:ORDINAL with a tag ID >= 1 and an ordinal 1-5, each tag ID and ordinal once"
    )


@pytest.mark.parametrize("text", ["١٢", "٣", "1_000", "1.0", "0x10", "1e3", "", " ", "+-1", "9" * 21])
def test_integers_as_text_are_ascii_digits(text: str) -> None:
    """The command line hands ints over as typed; Python's int() would take '١٢' and '1_000'."""
    assert refusal("tracker/read", tracker_id=text) == "invalid value for TRACKER_ID: must be an integer >= 1"
    assert "--user-id" in refusal("panel/tracker/clone", tracker_id=1, label="A", user_id=text)


def test_integers_as_text_are_read() -> None:
    assert body("tracker/read", tracker_id=" 7 ") == {"tracker_id": 7}
    assert body("tracker/register", **{**REGISTER, "group_id": "0", "plugin_id": "+37"})["plugin_id"] == 37
    assert body("tracker/tags/set", tracker_id="1", tag_bindings=[{"tag_id": str(2**63 - 1), "ordinal": "5"}]) == {
        "tracker_id": 1, "tag_bindings": [{"tag_id": 2**63 - 1, "ordinal": 5}]}


def test_text_that_is_not_utf8_is_named() -> None:
    assert refusal("panel/tracker/list", filter="\ud800") == "invalid value for --filter: not valid UTF-8 text"
    assert refusal("tracker/change_phone", tracker_id=1, phone="1", apn_name="a\udcff", apn_user="", apn_password="") == (
        "invalid value for --apn-name: not valid UTF-8 text")


def test_json_must_be_an_object() -> None:
    assert refusal("tracker/send_command", tracker_id=1, command=["unseal"]) == (
        "invalid value for --command: must be a JSON object"
    )


def test_raw_command_is_hex_only_with_type_hex() -> None:
    assert body("tracker/raw_command/send", tracker_id=1, command="setparam 101:4")["command"] == "setparam 101:4"
    assert body("panel/tracker/raw_command/send", device_id="889654248978", command="0A1b", type="hex") == {
        "device_id": "889654248978", "command": "0A1b", "type": "hex",
    }
    assert body("tracker/raw_command/send", tracker_id=1, command="0A 1b", type="hex")["command"] == "0A 1b"
    expected = "invalid value for --command: must be whole bytes of hex digits (spaces allowed between them) with --type hex"
    for bad in ("setparam", "ABC", " "):
        assert refusal("tracker/raw_command/send", tracker_id=1, command=bad, type="hex") == expected


def test_an_upper_bound_on_an_int() -> None:
    """`le` bounds a tag's ordinal (TAG_BINDING); a param of an action words it the same way."""
    action = Action("x/y", "Check.", (Param("level", "int", "Level.", required=False, ge=1, le=5),))
    assert build_request(action, {"level": 5}) == {"level": 5}
    with pytest.raises(UsageError) as caught:
        build_request(action, {"level": 6})
    assert caught.value.message == "invalid value for --level: must be an integer from 1 to 5"


# ---- the model --------------------------------------------------------------------------------------
def test_every_entry_builds_a_model_once() -> None:
    for action in REGISTRY.actions:
        model = request_model(action)
        assert request_model(action) is model
        assert [f.alias for f in model.model_fields.values()] == [p.name for p in action.params]


def test_registry_imports_no_pydantic() -> None:
    code = "import sys, trackerctl.api.endpoints; print('pydantic' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "False"


def test_nothing_given_is_checked_without_pydantic_as_pydantic_would():
    """check() answers an empty call without importing pydantic (tracker list): the same problems,
    for every action, as the pydantic model gives."""
    from trackerctl.api.model import validated
    from trackerctl.api.validate import check

    for action in REGISTRY.actions:
        extra = "allow" if action.extra_params else "forbid"
        fast = check(action.params, {}, extra=extra)
        slow = validated(action.params, {}, extra)
        own = [p for p in fast.problems if not p.param.alternative]  # the rest is check()'s own, both ways
        assert sorted(own, key=str) == sorted(slow.problems, key=str), action.path
        assert fast.values == slow.values == {}, action.path
