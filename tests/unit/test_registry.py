"""The registry against the API documents: every action has an entry, and every entry is complete.

The documents are read from the folder named by TRACKERCTL_SPEC_DIR; without it, the tests that
need them are skipped (tests/helpers/spec.py).
"""

from __future__ import annotations

import json
import re

import pytest

from tests.helpers.spec import SPEC_DIR, needs_spec, spec_cases, spec_file
from trackerctl.api.action import Action
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
    head = re.split(r"^#### +examples?\b", section, maxsplit=1, flags=re.M | re.I)[0]
    params = {}
    for table in re.findall(r"(?:^\|.*\|[ \t]*\n?)+", head, flags=re.M):
        header, _, *rows = table.strip().splitlines()
        if first_cell(header) != "name":
            continue
        for row in rows:
            # `apn_ user` is apn_user; bundle/list's broken row runs the description into the name cell
            name = re.sub(r"_ +", "_", first_cell(row)).split()[0]
            params[name] = "Optional." in row
    return params


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
