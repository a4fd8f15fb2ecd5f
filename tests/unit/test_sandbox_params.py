"""Generic parameter validation (the CLI's own rules, the emulator's words) and the @action declaration."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from trackerctl.api.action import Action, Param
from trackerctl.api.endpoints import REGISTRY
from trackerctl.errors import UsageError
from trackerctl.cli.request import build_request
from trackerctl.sandbox import dispatch
from trackerctl.sandbox.app import Sandbox
from trackerctl.sandbox.codes import ApiFailure
from trackerctl.sandbox.dispatch import Ctx, action
from trackerctl.sandbox.params import validate


def problems(params: tuple[Param, ...], raw: dict) -> dict[str, str]:
    with pytest.raises(ApiFailure) as e:
        validate(params, raw)
    assert e.value.code == 7
    return {x["parameter"]: x["error"] for x in e.value.extra["errors"]}


def test_text_representations_are_accepted():
    params = (
        Param("n", "int", ""), Param("b", "bool", ""), Param("ids", "int_list", ""), Param("names", "str_list", ""),
        Param("s", "str", ""), Param("cmd", "json", ""), Param("tags", "tag_bindings", ""), Param("m", "month", ""),
    )
    raw = {"n": "42", "b": "false", "ids": "[1, 2]", "names": "a,b", "s": 78974217758, "cmd": '{"name": "x"}',
           "tags": '[{"tag_id": 1, "ordinal": "2"}]', "m": "2021-02", "ignored": "x"}
    assert validate(params, raw) == {"n": 42, "b": False, "ids": [1, 2], "names": ["a", "b"], "s": "78974217758",
                                     "cmd": {"name": "x"}, "tags": [{"tag_id": 1, "ordinal": 2}], "m": "2021-02"}


def test_absent_and_null_optionals_are_left_out_and_required_ones_reported():
    params = (Param("a", "int", "", required=False), Param("b", "str", ""), Param("c", "bool", ""))
    assert problems(params, {"a": None, "c": None}) == {"b": "required parameter is missing", "c": "required parameter is missing"}
    assert validate(params, {"a": None, "b": "x", "c": True}) == {"b": "x", "c": True}


@pytest.mark.parametrize("param, value, message", [
    (Param("label", "str", "", min_len=1, max_len=60, printable=True), "a\tb", "must consist of printable characters"),
    (Param("label", "str", "", no_angle=True), "<b>", "must not contain '<' or '>'"),
    (Param("imei", "str", "", digits=True), "35693803564380x", "must consist of digits only"),
    (Param("comment", "str", "", max_len=3), "abcd", "length must be at most 3"),
    (Param("type", "str", "", choices=("sms", "gsm")), "fax", "must be one of sms, gsm"),
    (Param("m", "month", ""), "2021-13", "must be a year and month, yyyy-MM"),
    (Param("ordinal", "int", "", le=5), 6, "must be at most 5"),
    (Param("n", "int", ""), 1.5, "must be an integer"),
    (Param("b", "bool", ""), "yes", "must be a boolean"),
    (Param("ids", "int_list", "", ge=1), [1, 0], "item 1: must be at least 1"),
    (Param("ids", "int_list", "", max_items=2), [1, 2, 3], "must have at most 2 items"),
    (Param("ids", "int_list", ""), ["a"], "must be an array of integers"),
    (Param("cmd", "json", ""), [1], "must be a JSON object"),
    (Param("tags", "tag_bindings", ""), [{"tag_id": 1}], "must be an array of {tag_id, ordinal} objects"),
    (Param("tags", "tag_bindings", "", unique=True), [{"tag_id": 1, "ordinal": 1}] * 2, "must not contain duplicate items"),
])
def test_constraints(param, value, message):
    assert problems((param,), {param.name: value}) == {param.name: message}


# ---- the rules the emulator took over from the CLI (issue 10 item 1) -----------------------------
TAGS = REGISTRY.by_path("tracker/tags/set").param("tag_bindings")  # type: ignore[union-attr]


@pytest.mark.parametrize("param, value, message", [
    (Param("n", "int", ""), "١٢", "must be an integer"),  # Arabic-Indic digits: ASCII only
    (Param("n", "int", ""), "1_000", "must be an integer"),
    (Param("m", "month", ""), "٢٠٢١-02", "must be a year and month, yyyy-MM"),
    (Param("b", "bool", ""), 1, "must be a boolean"),  # JSON numbers are not booleans
    (Param("s", "str", ""), "a\ud800", "must be valid UTF-8 text"),
    (TAGS, [{"tag_id": 1, "ordinal": 6}], "item 0: ordinal must be at most 5"),
    (TAGS, [{"tag_id": 1, "ordinal": 0}], "item 0: ordinal must be at least 1"),
    (TAGS, [{"tag_id": 0, "ordinal": 1}], "item 0: tag_id must be at least 1"),
    (TAGS, [{"tag_id": 1, "ordinal": 1}, {"tag_id": 1, "ordinal": 2}], "each tag_id must appear once"),
    (TAGS, [{"tag_id": 1, "ordinal": 1}, {"tag_id": 2, "ordinal": 1}], "each ordinal must appear once"),
    (TAGS, [{"tag_id": 1, "ordinal": 1, "colour": "red"}], "must be an array of {tag_id, ordinal} objects"),
])
def test_rules_shared_with_the_cli(param, value, message):
    assert problems((param,), {param.name: value}) == {param.name: message}


def test_a_number_without_a_fraction_is_an_integer():
    """The panel's OpenAPI 3.1 document types ids "integer", which JSON Schema reads as 1.0 too."""
    assert validate((Param("n", "int", ""),), {"n": 7.0}) == {"n": 7}
    assert problems((Param("n", "int", ""),), {"n": "7.0"}) == {"n": "must be an integer"}  # as text: digits only


def test_a_param_and_its_alternative():
    params = REGISTRY.by_path("tracker/register_retry").params  # type: ignore[union-attr]
    apn = {"apn_name": "a", "apn_user": "", "apn_password": ""}
    assert problems(params, apn) == {"tracker_id": "required parameter is missing (or device_id)"}
    assert validate(params, {**apn, "device_id": "123451234512346"})["device_id"] == "123451234512346"
    assert validate(params, {**apn, "tracker_id": "5", "device_id": "1"})["tracker_id"] == 5  # both: the handler compares


def test_every_rule_has_the_emulators_words():
    import typing

    from trackerctl.api.validate import Problem, Rule
    from trackerctl.sandbox.params import error

    for rule in typing.get_args(Rule):
        assert error(Problem("x", rule, Param("x", "str", "", min_len=1, choices=("a",)))), rule


# ---- one rule, two front ends: the CLI refuses what the emulator refuses ---------------------------
def valid(p: Param) -> object:
    if p.choices:
        return p.choices[0]
    return {
        "int": p.ge if p.ge is not None else 1, "bool": True, "json": {"name": "x"}, "month": "2021-02",
        "int_list": [p.ge or 1], "str_list": ["1" if p.digits else "a"], "tag_bindings": [{"tag_id": 1, "ordinal": 1}],
    }.get(p.kind, "0A" if p.hex_if else "1" * max(p.min_len or 1, 1) if p.digits else "a" * max(p.min_len or 1, 1))


def bad_values(p: Param) -> list[object]:
    """Values of the JSON types the CLI hands over too (the wire's text forms are the emulator's alone)."""
    values: list[object] = [True, 1.5, {"a": 1}, [None]]
    if p.kind in ("int", "int_list"):
        ints: list[object] = [0, -1, 2**63, -(2**63) - 1, "١٢", "1_0", "1.0", " ", 7.0, "+7", True]
        if p.le is not None:
            ints.append(p.le + 1)
        values += [[i] for i in ints] if p.kind == "int_list" else ints
    if p.kind in ("str", "month", "str_list"):
        texts: list[object] = ["", "a\tb", "a<b", "12a", "١٢", "a\ud800", "x" * ((p.max_len or 60) + 1), "2021-13", "٢٠٢١-01", "0A"]
        values += [[t] for t in texts] + [["a", "a"]] if p.kind == "str_list" else texts
    if p.kind == "bool":
        values += ["yes", "true", "0", 1]
    if p.kind == "tag_bindings":
        values += [[{"tag_id": t, "ordinal": o}] for t, o in [(0, 1), (1, 0), (1, 6), ("1", "5"), (2**63, 1)]]
        values += [[{"tag_id": 1, "ordinal": 1}, {"tag_id": 1, "ordinal": 2}], [{"tag_id": 1, "ordinal": 1, "x": 1}]]
    if p.kind == "json":
        values += [[1], "x"]
    return values


def cases() -> list[tuple[str, str, object]]:
    """Each param of each action, bad values one at a time; not the alternative of a param the valid
    base holds (the CLI refuses both: "give TRACKER_ID or --device-id, not both")."""
    alternatives = {(a.path, p.alternative) for a in REGISTRY.actions for p in a.params if p.alternative}
    return [(a.path, p.name, v) for a in REGISTRY.actions for p in a.params if (a.path, p.name) not in alternatives
            for v in bad_values(p)]


@pytest.mark.parametrize("path, name, value", cases())
def test_cli_and_emulator_agree(path: str, name: str, value: object) -> None:
    action = REGISTRY.by_path(path)
    assert isinstance(action, Action)
    base = {p.name: valid(p) for p in action.params if p.required or p.alternative}
    values = {**base, name: value}
    try:
        build_request(action, values)
        cli = "accepted"
    except UsageError:
        cli = "refused"
    try:
        validate(action.params, values)
        emulator = "accepted"
    except ApiFailure as e:
        assert e.code == 7
        emulator = "refused"
    assert cli == emulator, f"{path} {name}={value!r}: the CLI {cli} it, the emulator {emulator} it"


# ---- @action: what a later module writes ----------------------------------------------------------


@pytest.fixture
def temporary_action() -> Iterator[None]:
    @action("tracker/sandbox_test_only", api="user", right="tracker_register",
            params=(Param("tracker_id", "int", "", ge=1),))
    def handler(ctx: Ctx, p: dict) -> dict:
        if p["tracker_id"] == 13:
            raise ApiFailure(203, rules=[10])
        return {"value": {"owner": ctx.owner_id, "tracker_id": p["tracker_id"]}}

    try:
        yield
    finally:
        del dispatch.ACTIONS["tracker/sandbox_test_only"]


def test_a_declared_action_gets_auth_rights_validation_and_extras(tmp_path, temporary_action):
    sb = Sandbox(tmp_path / "s.sqlite")
    master = sb.call("user/auth", {"login": "demo@example.com", "password": "demo"})[1]["hash"]
    sub = sb.call("user/auth", {"login": "noregister@example.com", "password": "demo"})[1]["hash"]
    assert sb.call("tracker/sandbox_test_only", {"tracker_id": 5}, credential=master) == (
        200, {"success": True, "value": {"owner": 183654, "tracker_id": 5}})
    assert sb.call("tracker/sandbox_test_only", {"tracker_id": 5}, credential=sub)[1]["status"]["code"] == 13
    assert sb.call("tracker/sandbox_test_only", {"tracker_id": 0}, credential=master)[1]["errors"][0]["parameter"] == "tracker_id"
    assert sb.call("tracker/sandbox_test_only", {"tracker_id": 5})[1]["status"]["code"] == 4
    status, body = sb.call("tracker/sandbox_test_only", {"tracker_id": 13}, credential=master)
    assert (status, body) == (400, {"success": False, "status": {"code": 203, "description": "Delete entity associated with"},
                                    "rules": [10]})


def test_a_failed_action_rolls_back(tmp_path):
    @action("tracker/sandbox_test_rollback", api="user", params=())
    def handler(ctx: Ctx, p: dict) -> dict:
        ctx.conn.execute("UPDATE trackers SET label = 'changed' WHERE id = 123456")
        raise ApiFailure(201)

    try:
        sb = Sandbox(tmp_path / "s.sqlite", implicit_auth=True)
        assert sb.call("tracker/sandbox_test_rollback")[1]["status"]["code"] == 201
        assert sb.call("tracker/read", {"tracker_id": 123456})[1]["value"]["label"] == "Truck 01 north"
    finally:
        del dispatch.ACTIONS["tracker/sandbox_test_rollback"]


def test_an_unexpected_exception_is_code_6(tmp_path, capsys):
    @action("tracker/sandbox_test_crash", api="user", params=())
    def handler(ctx: Ctx, p: dict) -> dict:
        raise RuntimeError("boom")

    try:
        status, body = Sandbox(tmp_path / "s.sqlite", implicit_auth=True).call("tracker/sandbox_test_crash")
        assert (status, body["status"]["code"]) == (500, 6)
        assert "RuntimeError: boom" in capsys.readouterr().err
    finally:
        del dispatch.ACTIONS["tracker/sandbox_test_crash"]


def test_declaring_a_path_twice_is_an_error():
    dispatch.load_actions()
    with pytest.raises(ValueError):
        action("tracker/read", api="user")(lambda ctx, p: {})
