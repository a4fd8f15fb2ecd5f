"""The registry against the API documents: every action has an entry, every entry is complete, and every constraint is the documents'.

The documents are read from the folder named by TRACKERCTL_SPEC_DIR; without it, the tests that
need them are skipped (tests/helpers/spec.py).
"""

from __future__ import annotations

import functools
import json
import re

import pytest

from tests.helpers.spec import SPEC_DIR, needs_spec, spec_cases, spec_file
from trackerctl.api.action import TAG_BINDING, Action, Param
from trackerctl.api.endpoints import REGISTRY


# The documents' slips (spec/README.md): action names that differ from the platform's.
RENAMED = {"panel/tracker/register_entry": "panel/tracker/register_retry"}
# Actions that are not in the action documents, and where they are described.
UNDOCUMENTED = {"panel/tracker/batch_clone": "panel-openapi.json"}
# Params the documents do not mark optional, and why trackerctl does not require them.
NOT_REQUIRED = {
    ("tracker/register", "device_id"): "needed only for models with a fixed device ID",
    ("tracker/replace", "device_id"): "needed only for models with a fixed device ID",
    ("tracker/register", "send_register_commands"): "left out, the platform settings decide",
    ("tracker/replace", "send_register_commands"): "left out, the platform settings decide",
    ("tracker/register_retry", "send_register_commands"): "left out, the platform settings decide",
    ("tracker/register_retry", "tracker_id"): "device_id \"can be used instead of `tracker_id`\" (its alternative)",
    ("panel/tracker/bundle/list", "ascending"): "mirrors panel/tracker/list (spec/README.md)",
    ("panel/tracker/bundle/order/assign", "order_id"): "nullable: left out, null is sent",
}
PRIMARY_KEYS = {
    "panel/tracker/bundle/assign": "bundle_id",
    "panel/tracker/bundle/order/assign": "bundle_id",
    "panel/tracker/bundle/update": "bundle_id",
    "panel/tracker/bundle/read": "imei",
    "panel/tracker/raw_command/send": "device_id",
}
# Actions that change nothing, so that a request whose outcome is unknown may be repeated.
READS = {
    "tracker/read", "tracker/list", "tracker/get_diagnostics", "tracker/get_fuel", "tracker/get_inputs",
    "tracker/get_last_gps_point", "tracker/get_readings", "tracker/get_state", "tracker/get_states",
    "tracker/list_models", "panel/tracker/read", "panel/tracker/list", "panel/tracker/bundle/list",
    "panel/tracker/bundle/read", "panel/tracker/active/history/list", "panel/tracker/console/connect",
}
DESTRUCTIVE = {
    "tracker/corrupt", "tracker/delete", "panel/tracker/corrupt", "panel/tracker/delete_clone",
    "panel/tracker/batch_delete_clones", "panel/tracker/move",
}


def sections(document: str, prefix: str) -> dict[str, str]:
    """API path -> the text of its `### action` section."""
    text = spec_file(document).read_text(encoding="utf-8")
    parts = re.split(r"^### +`?([a-z_/]+)`? *$", text, flags=re.M)
    found = {}
    for name, body in zip(parts[1::2], parts[2::2]):
        path = prefix + name
        found[RENAMED.get(path, path)] = body
    return found


def documented() -> dict[str, str]:
    return sections("user-api-tracker.md", "tracker/") | sections("panel-api-tracker.md", "panel/tracker/")


def documented_errors(section: str) -> set[int]:
    """Codes of the `* 201 – ...` lines under the section's `#### Errors` heading."""
    match = re.search(r"^#### +errors *$(.*?)(?=^####? |\Z)", section, flags=re.M | re.S | re.I)
    if match is None:
        return set()
    return {int(code) for code in re.findall(r"^\* +(\d+) *[–-]", match.group(1), flags=re.M)}


def documented_params(section: str) -> dict[str, bool]:
    """Param name -> marked optional, from the `| name | description | ...` tables above the examples."""
    return {name: "Optional." in description for name, (description, _) in documented_rows(section).items()}


def documented_rows(section: str) -> dict[str, tuple[str, str]]:
    """Param name -> (description, type) from the parameter tables above the examples."""
    head = re.split(r"^#### +examples?\b", section, maxsplit=1, flags=re.M | re.I)[0]
    rows = {}
    for table in re.findall(r"(?:^\|.*\|[ \t]*\n?)+", head, flags=re.M):
        header, _, *lines = table.strip().splitlines()
        if first_cell(header) != "name":
            continue
        for line in lines:
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            # `apn_ user` is apn_user; bundle/list's broken row runs the description into the name cell
            name, _, rest = re.sub(r"_ +", "_", cells[0].replace("`", "")).partition(" ")
            description, kind = (rest.strip(), cells[1]) if len(cells) == 2 else (cells[1], cells[2])
            rows[name] = (description, kind)
    return rows


def first_cell(row: str) -> str:
    return row.strip().strip("|").split("|")[0].strip().replace("`", "")


def command_paths(action: Action) -> list[tuple[str, ...]]:
    return [action.command_path, *action.aliases]


DOCUMENTED = documented() if SPEC_DIR else {}
ACTIONS = {a.path: a for a in REGISTRY.actions}


@needs_spec
def test_documents_list_43_actions() -> None:
    assert len(DOCUMENTED) == 43


@pytest.mark.parametrize("path", spec_cases(lambda: sorted(DOCUMENTED)))
def test_every_documented_action_has_an_entry(path: str) -> None:
    assert path in ACTIONS, f"{path} is documented but has no entry in endpoints.py"


@needs_spec
def test_every_entry_is_documented() -> None:
    unknown = set(ACTIONS) - set(DOCUMENTED) - set(UNDOCUMENTED)
    assert not unknown, f"entries for actions no document describes: {sorted(unknown)}"


def test_paths_are_unique() -> None:
    assert len(ACTIONS) == len(REGISTRY.actions)


@pytest.mark.parametrize("action", REGISTRY.actions, ids=lambda a: a.path)
def test_entry_has_summary_and_runnable_example(action: Action) -> None:
    assert action.summary.strip() and "\n" not in action.summary, "summary must be one line"
    assert action.summary.endswith("."), "summary is a sentence"
    assert action.example, "entry has no example"
    starts = ["trackerctl " + " ".join(words) for words in command_paths(action)]
    assert any(action.example == s or action.example.startswith(s + " ") for s in starts), (
        f"example {action.example!r} does not start with any of {starts}"
    )
    assert all(p.help for p in action.params), "every param needs help"


def test_command_paths_do_not_collide() -> None:
    seen: dict[tuple[str, ...], str] = {}
    for action in REGISTRY.actions:
        for words in command_paths(action):
            assert words not in seen, f"{' '.join(words)}: both {seen[words]} and {action.path}"
            seen[words] = action.path
    for words in seen:
        for other in seen:
            assert other[: len(words)] != words or other == words, (
                f"{' '.join(words)} is a command and also a group of {' '.join(other)}"
            )


def test_command_lookup_finds_aliases() -> None:
    assert REGISTRY.by_command(("panel", "tracker", "register-entry")) is ACTIONS["panel/tracker/register_retry"]
    assert REGISTRY.by_command(("panel", "bundle", "import")) is ACTIONS["panel/tracker/bundle/import"]
    assert REGISTRY.by_command(("tracker", "raw-command", "send")) is ACTIONS["tracker/raw_command/send"]


@pytest.mark.parametrize("path", spec_cases(lambda: sorted(DOCUMENTED)))
def test_documented_errors_are_listed(path: str) -> None:
    missing = documented_errors(DOCUMENTED[path]) - set(ACTIONS[path].errors)
    assert not missing, f"{path}: documented error codes not in `errors`: {sorted(missing)}"


@needs_spec
def test_error_parser_reads_the_lists() -> None:
    assert documented_errors(DOCUMENTED["tracker/delete"]) == {201, 249, 203}
    assert documented_errors(DOCUMENTED["panel/tracker/delete_clone"]) == {201, 249, 203, 252}
    assert documented_errors(DOCUMENTED["tracker/list"]) == set()


@pytest.mark.parametrize("path", spec_cases(lambda: sorted(DOCUMENTED)))
def test_documented_params_are_declared(path: str) -> None:
    action = ACTIONS[path]
    params = {p.name: p for p in action.params}
    for name, optional in documented_params(DOCUMENTED[path]).items():
        assert name in params, f"{path}: documented param {name} is not declared"
        required = not optional and (path, name) not in NOT_REQUIRED
        assert params[name].required == required, f"{path}: {name} should have required={required}"


@needs_spec
def test_param_parser_reads_the_tables() -> None:
    assert documented_params(DOCUMENTED["tracker/change_phone"]) == {
        "tracker_id": False, "phone": False, "apn_name": False, "apn_user": False, "apn_password": False,
    }
    assert documented_params(DOCUMENTED["panel/tracker/bundle/list"])["filter"] is True


@pytest.mark.parametrize("action", REGISTRY.actions, ids=lambda a: a.path)
def test_primary_keys_and_ids(action: Action) -> None:
    names = [p.name for p in action.params]
    expected = PRIMARY_KEYS.get(action.path) or action.bulk_key or ("tracker_id" if "tracker_id" in names else None)
    assert [p.name for p in action.positionals] == ([expected] if expected else [])
    for param in action.params:
        if param.name.endswith("_id") and param.kind in ("int", "int_list"):
            assert param.ge == (0 if param.name == "group_id" else 1), f"{param.name}: ids are positive"
    bulk = [p for p in action.params if p.bulk]
    if bulk:
        assert [p.name for p in bulk] == [action.bulk_key]
        assert bulk[0].positional and bulk[0].kind in ("int_list", "str_list")
        assert bulk[0].max_items is None, "the bulk engine splits ids: the limit is the action's max_chunk"
    else:
        assert action.bulk_key is None and action.max_chunk is None


@pytest.mark.parametrize("action", REGISTRY.actions, ids=lambda a: a.path)
def test_flags_follow_the_contract(action: Action) -> None:
    assert action.destructive == (action.path in DESTRUCTIVE)
    assert action.read_only == (action.path in READS)
    assert action.paginated == (action.path in ("panel/tracker/list", "panel/tracker/bundle/list"))
    assert action.extra_params == (action.path in ("tracker/register", "tracker/replace"))
    if action.path.startswith("panel/tracker/bundle/"):
        assert ("panel", "bundle", *action.command_path[3:]) in action.aliases
    if action.result is not None and action.path not in UNDOCUMENTED:
        assert action.columns, "records need default columns"
    assert action.permission is not None or action.api == "user"


def test_max_chunks() -> None:
    assert ACTIONS["panel/tracker/batch_delete_clones"].max_chunk == 500
    assert ACTIONS["panel/tracker/batch_clone"].max_chunk == 1000


def openapi_request_schemas() -> dict[str, dict]:
    spec = json.loads(spec_file("panel-openapi.json").read_text(encoding="utf-8"))
    return {
        path.strip("/"): ops["post"].get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
        for path, ops in spec["paths"].items()
        if path.startswith("/panel/tracker/")
    }


@pytest.mark.parametrize("path,schema", spec_cases(lambda: sorted(openapi_request_schemas().items()), arity=2))
def test_panel_entries_agree_with_openapi(path: str, schema: dict) -> None:
    action = ACTIONS[path]
    params = {p.name: p for p in action.params}
    for name, prop in schema.get("properties", {}).items():
        assert name in params, f"{path}: OpenAPI param {name} is not declared"
        param = params[name]
        if "minimum" in prop:
            assert param.ge == prop["minimum"], f"{path}: {name} minimum"
        if prop.get("type") == "array":
            assert param.ge == prop["items"].get("minimum")
            assert action.max_chunk == prop.get("maxItems")
    for name in schema.get("required", []):
        assert params[name].required, f"{path}: {name} is required"


# ---- every constraint against the documents ---------------------------------------------------------
# The registry's constraints are checked before anything is sent and by the emulator, so a wrong one
# refuses what the platform takes. Each param's constraints are read from the documents (the
# parameter tables' type and description, the panel OpenAPI) and must equal the registry's, both
# ways: a constraint the documents do not give is a failure too, unless WORDS below quotes the
# sentence it comes from.

# Constraints the documents state in words no pattern below reads, or imply: (action, param) ->
# (constraints, the document's sentence). The test checks that the sentence is in the action's section.
WORDS: dict[tuple[str, str], tuple[dict[str, object], str]] = {
    # digits: phone numbers and IMEIs are numbers written in digits
    ("tracker/change_phone", "phone"): ({"digits": True}, 'in international format without "+" sign'),
    ("tracker/register_quick", "imei"): ({"digits": True}, "Tracker's IMEI."),
    ("tracker/replace_quick", "imei"): ({"digits": True}, "IMEI of the new device"),
    ("panel/tracker/bundle/read", "imei"): ({"digits": True}, "Device's IMEI."),
    ("panel/tracker/bundle/import", "imeis"): ({"digits": True, "min_items": 1}, "Array of IMEI numbers."),
    # non-empty: a code or an id names something, an empty text nothing
    ("tracker/register", "model"): ({"min_len": 1}, "A code of one of the supported models."),
    ("tracker/replace", "model"): ({"min_len": 1}, "A code of one of the supported models."),
    ("tracker/register", "device_id"): ({"min_len": 1}, "**Must** be specified if device model uses fixed device ID."),
    ("tracker/replace", "device_id"): ({"min_len": 1}, "**Must** be specified if device model uses fixed device ID."),
    ("tracker/register_retry", "device_id"): ({"min_len": 1}, "Device ID that was used to register, e.g. IMEI."),
    ("panel/tracker/raw_command/send", "device_id"): ({"min_len": 1}, "Fixed device ID, e.g. IMEI"),
    ("tracker/list_models", "codes"): ({"min_items": 1, "min_len": 1}, "Array of model codes. If passed only given models will be returned."),
    ("tracker/get_states", "trackers"): ({"min_items": 1}, 'ID of trackers (aka "object_id").'),
    # the command is hexadecimal when its type says so; the document's example of code 7 is "Non-hex string"
    ("tracker/raw_command/send", "command"): ({"min_len": 1, "hex_if": ("type", "hex")}, "Text or hexadecimal representation of the command."),
    ("panel/tracker/raw_command/send", "command"): ({"min_len": 1, "hex_if": ("type", "hex")}, "Text or hexadecimal representation of the command"),
}
# Params the registry declares that no parameter table lists, and the document's words that name them.
REGISTRY_ONLY = {
    ("panel/tracker/bundle/list", "user_id"): "if `user_id` or `tariff_id` specified but was not found",
    ("panel/tracker/bundle/list", "tariff_id"): "if `user_id` or `tariff_id` specified but was not found",
}
# spec/README.md: "Its `order_by` values and pagination (`offset`, `limit`) mirror `panel/tracker/list`."
MIRRORS = {"panel/tracker/bundle/list": "panel/tracker/list"}
# Params an action's table does not list (its OpenAPI schema does, without their values), read from
# the row of another action that has the same param: panel/tracker/list's clones_filter is bundle/list's.
SAME_AS = {("panel/tracker/list", "clones_filter"): "panel/tracker/bundle/list"}
KINDS = {
    "int": "int", "int array": "int_list", "string": "str", "sting": "str", "string array": "str_list",
    "boolean": "bool", "year-month string": "month", "JSON object": "json", "array of Json objects": "tag_bindings",
}
CONSTRAINTS = ("kind", "required", "ge", "le", "min_len", "max_len", "printable", "no_angle", "digits", "choices",
               "min_items", "max_items", "unique", "nullable", "hex_if", "alternative")


def profile(param: Param) -> dict[str, object]:
    """A param's constraints, as compared with the documents'."""
    found = {key: getattr(param, key) for key in CONSTRAINTS}
    found["choices"] = set(param.choices) if param.choices else None
    return found


def unset() -> dict[str, object]:
    return {key: False if key in ("printable", "no_angle", "digits", "unique", "nullable") else None for key in CONSTRAINTS}


def read_constraints(path: str, name: str, description: str, kind: str, section: str) -> dict[str, object]:
    """What the table row (and the text around it) says of one param."""
    found = unset()
    found["kind"] = "str" if kind.startswith("[enum]") else KINDS[kind]
    found["required"] = "Optional." not in description and (path, name) not in NOT_REQUIRED
    if found["kind"] in ("int", "int_list") and re.search(r"\b(ID|Id|id)\b", description):
        # ids are positive (CLI-CONTRACT.md section 2; the panel OpenAPI says "minimum": 1), 0 is no group
        found["ge"] = 0 if re.search(r"\b0 if\b", description) else 1
    if match := re.search(r"length between (\d+) and (\d+)", description):
        found["min_len"], found["max_len"] = int(match[1]), int(match[2])
    if match := re.search(r"Max length (\d+)|Up to (\d+) symbols", description):
        found["max_len"] = int(match[1] or match[2])
    found["printable"] = "printable characters" in description
    found["no_angle"] = "Cannot contain '<' and '>'" in description
    found["nullable"] = "Nullable" in description
    found["choices"] = documented_choices(description, name, section)
    if block := re.search(rf"^Constraints for {name}:\n(.*?)\n\n", section, flags=re.M | re.S):
        found.update(list_constraints(block[1]))
    return found


def documented_choices(description: str, name: str, section: str) -> set[str] | None:
    """`Can be one of `a`, `b``, `Possible values: ...`, `Can be "a" or "b"`, `` `a` or `b` format``, or
    a list of `- **value** – ...` lines under `<Name> types:` (location_request)."""
    match = re.search(r"(?:Can be one of|Possible values:|Can be)\s+(.+?)(?:\.\s|\.?$)", description)
    if match is None:
        match = re.search(r"(`\w+` or `\w+`) format", description)
    if match is not None:
        span = match[1]
        return set(re.findall(r"`(\w+)`", span) if "`" in span else re.findall(r'"(\w+)"', span))
    listed = re.search(rf"^\w+ {name}s:\n\n((?:- \*\*\w+\*\*.*\n)+)", section, flags=re.M)
    return set(re.findall(r"\*\*(\w+)\*\*", listed[1])) if listed else None


def list_constraints(block: str) -> dict[str, object]:
    """tracker/list's "Constraints for labels:" bullets."""
    found: dict[str, object] = {}
    if match := re.search(r"array size: minimum (\d+), maximum (\d+)", block):
        found["min_items"], found["max_items"] = int(match[1]), int(match[2])
    if match := re.search(r"Item length: minimum (\d+), maximum (\d+)", block):
        found["min_len"], found["max_len"] = int(match[1]), int(match[2])
    found["unique"] = "No duplicate items." in block
    return found


def openapi_constraints(prop: dict) -> dict[str, object]:
    """What panel-openapi.json says of one request property (for arrays, of their items too)."""
    found: dict[str, object] = {}
    items = prop.get("items", {})
    for key, ours in (("minimum", "ge"), ("maximum", "le"), ("minLength", "min_len"), ("maxLength", "max_len")):
        if key in prop or key in items:
            found[ours] = prop.get(key, items.get(key))
    if "enum" in prop:
        found["choices"] = set(prop["enum"])
    if "minItems" in prop:
        found["min_items"] = prop["minItems"]
    return found


@functools.cache
def expected_constraints() -> dict[tuple[str, str], dict[str, object]]:
    """(action, param) -> the constraints the documents give, for every param of a documented action."""
    schemas = openapi_request_schemas()
    expected = {}
    for path, section in DOCUMENTED.items():
        for name, (description, kind) in documented_rows(section).items():
            found = read_constraints(path, name, description, kind, section)
            words, _ = WORDS.get((path, name), ({}, ""))
            found.update(words)
            prop = schemas.get(MIRRORS.get(path, path), {}).get("properties", {}).get(name, {})
            for key, value in openapi_constraints(prop).items():
                assert found[key] in (None, value), f"{path} {name}: the documents disagree on {key}"
                found[key] = value
            expected[(path, name)] = found
    for key in REGISTRY_ONLY:  # optional ids
        expected[key] = {**unset(), "kind": "int", "required": False, "ge": 1}
    for path, schema in schemas.items():
        for name, prop in schema["properties"].items():  # in the OpenAPI document only: batch_clone, corrupt_clones
            if (path, name) in expected:
                continue
            found = {**unset(), "kind": {"integer": "int", "boolean": "bool", "array": "int_list", "string": "str"}[prop["type"]]}
            if (path, name) in SAME_AS:
                other = SAME_AS[(path, name)]
                found = read_constraints(other, name, *documented_rows(DOCUMENTED[other])[name], DOCUMENTED[other])
            found["required"] = name in schema.get("required", [])
            found.update(openapi_constraints(prop))
            expected[(path, name)] = found
    for path, section in DOCUMENTED.items():  # "device_id ... can be used instead of `tracker_id`"
        for name, (description, _) in documented_rows(section).items():
            if match := re.search(r"can be used instead of `(\w+)`", description):
                expected[(path, match[1])]["alternative"] = name
    for (path, name), found in expected.items():
        if ACTIONS[path].bulk_key == name:  # the bulk engine splits: the limit per request is max_chunk
            found["max_items"] = None
    return expected


@pytest.mark.parametrize("path", spec_cases(lambda: sorted({path for path, _ in expected_constraints()})))
def test_every_constraint_is_documented(path: str) -> None:
    expected = expected_constraints()
    for param in ACTIONS[path].params:
        assert (path, param.name) in expected, f"{path}: {param.name} is in no document (REGISTRY_ONLY names those)"
        documents, registry = expected[(path, param.name)], profile(param)
        wrong = {key: (registry[key], documents[key]) for key in CONSTRAINTS if registry[key] != documents[key]}
        assert not wrong, f"{path} {param.name}: registry vs documents {wrong}"


@needs_spec
def test_the_quoted_words_are_the_documents() -> None:
    for (path, name), (_, words) in WORDS.items():
        assert " ".join(words.split()) in " ".join(DOCUMENTED[path].split()), f"{path} {name}: not in the document: {words!r}"
    for (path, name), words in REGISTRY_ONLY.items():
        assert words in DOCUMENTED[path], f"{path} {name}: not in the document: {words!r}"
        assert name not in documented_rows(DOCUMENTED[path]), f"{path} {name}: now in the table, take it out of REGISTRY_ONLY"


@needs_spec
def test_the_constraint_reader_reads_the_documents() -> None:
    """The reader above, against constraints read by hand, so that a reader that reads nothing fails."""
    expected = expected_constraints()
    assert expected[("tracker/list", "labels")] == {
        **unset(), "kind": "str_list", "required": False, "min_items": 1, "max_items": 1024, "unique": True, "min_len": 1, "max_len": 60}
    assert expected[("panel/tracker/settings/update", "label")] == {
        **unset(), "kind": "str", "required": True, "min_len": 1, "max_len": 60, "printable": True, "no_angle": True}
    assert expected[("tracker/register_retry", "apn_user")]["max_len"] == 40
    assert expected[("tracker/replace_retry", "apn_user")]["max_len"] is None
    assert expected[("tracker/register", "group_id")]["ge"] == 0
    assert expected[("tracker/location_request", "type")]["choices"] == {"sms", "gsm", "gprs"}
    assert expected[("panel/tracker/bundle/list", "clones_filter")]["choices"] == {"exclude_clones", "only_include_clones", "not_set"}
    assert len(expected[("panel/tracker/bundle/list", "order_by")]["choices"]) == 9  # type: ignore[arg-type]
    assert expected[("panel/tracker/list", "order_by")]["choices"] == {"id", "label", "status", "model", "device_id", "phone", "creation_date"}
    assert expected[("tracker/raw_command/send", "type")]["choices"] == {"text", "hex"}
    assert expected[("panel/tracker/raw_command/send", "type")]["choices"] == {"text", "hex"}
    assert expected[("panel/tracker/bundle/list", "limit")]["ge"] == 0  # the panel/tracker/list it mirrors
    assert expected[("panel/tracker/batch_clone", "tracker_ids")] == {**unset(), "kind": "int_list", "required": True, "ge": 1, "min_items": 1}
    assert expected[("panel/tracker/bundle/order/assign", "order_id")]["nullable"] is True
    assert expected[("tracker/register_retry", "tracker_id")]["alternative"] == "device_id"


@needs_spec
def test_tag_bindings_follow_the_tracker_object() -> None:
    """TAG_BINDING's fields against the user document's `tag_binding` object."""
    text = spec_file("user-api-tracker.md").read_text(encoding="utf-8")
    fields = dict(re.findall(r"^ +\* `(tag_id|ordinal)` - int\. (.*)$", text, flags=re.M))
    assert set(fields) == {"tag_id", "ordinal"}
    for param in TAG_BINDING:
        words = fields[param.name]
        assert param.kind == "int"
        assert param.unique == ("Must be unique for a tracker." in words)
        assert param.le == (int(m[1]) if (m := re.search(r"Max value is (\d+)", words)) else None)
        # ids are positive; an ordinal counts from 1 ("Number that can be used as ordinal"): the document gives no minimum
        assert param.ge == 1 and ("An ID of tag." in words or "used as ordinal" in words)


@pytest.mark.parametrize("path,name,prop", spec_cases(lambda: sorted(
    (path, name, prop) for path, schema in openapi_request_schemas().items()
    for name, prop in schema.get("properties", {}).items() if "pattern" in prop), arity=3))
def test_openapi_patterns_hold_for_what_the_registry_accepts(path: str, name: str, prop: dict) -> None:
    """A param with a pattern (the months of active/history/list, `^\\d{4}-\\d{2}$`): its kind's rule
    accepts the document's example and only text the pattern matches."""
    from trackerctl.api.validate import check

    param = ACTIONS[path].param(name)
    assert param.kind == "month"
    pattern = re.compile(prop["pattern"], flags=re.ASCII)  # JSON Schema patterns are ECMA-262: \d is [0-9]
    for value in [prop["example"], "2021-13", "2021-00", "21-01", "2021-1", "٢٠٢١-01", "2021-01 ", "0000-12", "9999-01"]:
        accepted = not check((param,), {name: value}).problems
        assert not accepted or pattern.search(value), f"{path} {name}: {value!r} accepted, the OpenAPI pattern refuses it"
        assert accepted or value != prop["example"], f"{path} {name}: the document's example {value!r} refused"
