"""One column naming (CLI-CONTRACT.md section 11): the dotted field name in the table header, the
CSV header and `--columns`; an unknown name is exit 2 listing the fields, before anything is sent;
`--columns` with json or jsonl is exit 2 pointing to `--jq`. And the record fields behind the check
(trackerctl/cli/fields.py) hold every field the sandbox answers and the documents show."""

from __future__ import annotations

import json
import re
import shlex

import pytest
from typer.testing import CliRunner

from tests.helpers.spec import spec_file
from tests.helpers.environment import context_env
from trackerctl.api.endpoints import REGISTRY
from trackerctl.cli.app import build_cli
from trackerctl.cli.context import AppContext
from trackerctl.cli.fields import fields_of
from trackerctl.output import Terminal, check_columns
from trackerctl.errors import UsageError


@pytest.fixture
def env(tmp_path):
    return context_env(tmp_path)


def run(env, *args, terminal=None):
    return CliRunner().invoke(build_cli(), list(args), obj=AppContext(env=env, terminal=terminal))


def refused(result, *fragments):
    """Exit 2, one line on stderr holding every fragment, nothing on stdout (under --dry-run: nothing sent)."""
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, lines
    for fragment in fragments:
        assert fragment in lines[0]
    assert "Traceback" not in result.stderr


# ---- unknown names: exit 2 before anything is sent ------------------------------------------------
@pytest.mark.parametrize(("columns", "says"), [
    ("id,lable", "no field lable in tracker list (did you mean label?)"),
    ("id,device_id,model", "no fields device_id, model in tracker list (did you mean source.device_id?)"),
    ("id,source.imei", "no field source.imei in tracker list"),
])
def test_an_unknown_column_is_exit_2_listing_the_fields_and_nothing_is_sent(env, columns, says):
    result = run(env, "tracker", "list", "--columns", columns, "-o", "csv", "--dry-run")
    refused(result, says, "the fields are id, label, clone, group_id, avatar_file_name, source.id, source.device_id")


def test_the_check_holds_for_every_command_of_an_action_and_its_aliases(env):
    refused(run(env, "panel", "bundle", "list", "--columns", "imei,model_cod", "-o", "csv", "--dry-run"),
            "no field model_cod in panel bundle list (did you mean model_code?)", "the fields are id, imei, model_code")
    refused(run(env, "panel", "tracker", "bundle", "list", "--columns", "x", "-o", "csv", "--dry-run"), "in panel tracker bundle list")
    refused(run(env, "tracker", "get-states", "5", "--columns", "gps.lat", "-o", "csv", "--dry-run"),
            "no field gps.lat in tracker get-states", "gps.location.lat")
    refused(run(env, "panel", "bundle", "import", "1", "--columns", "imei", "-o", "csv", "--dry-run"),
            "no field imei in panel bundle import", "the fields are item, status, code, description")
    refused(run(env, "tracker", "delete", "5", "--yes", "--columns", "id", "-o", "csv", "--dry-run"),
            "tracker delete prints no fields")
    refused(run(env, "api", "/v2/tracker/list/", "--columns", "lable", "-o", "csv", "--dry-run"), "no field lable in api tracker/list")


def test_a_write_with_an_unknown_column_is_not_sent(env):
    """Not a dry run: the register is refused before the sandbox sees it (no tracker is made)."""
    before = run(env, "--api-url", "sandbox", "tracker", "list", "-o", "json")
    result = run(env, "--api-url", "sandbox", "tracker", "register", "--label", "New", "--group-id", "0", "--plugin-id", "37",
                 "--model", "qlgv55lite", "--device-id", "123451234512346", "--columns", "id,lable", "-o", "csv")
    refused(result, "no field lable in tracker register")
    assert run(env, "--api-url", "sandbox", "tracker", "list", "-o", "json").stdout == before.stdout


@pytest.mark.parametrize("columns", ["id,source", "source.device_id,tag_bindings", "gps.location,additional.hardware_key"])
def test_objects_and_open_maps_are_columns_too(env, columns):
    argv = ("tracker", "get-state", "123456") if columns.startswith("gps") else ("tracker", "read", "123456")
    result = run(env, "--api-url", "sandbox", *argv, "--columns", columns, "-o", "csv")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0] == columns


# ---- one name in the table header, the CSV header and --columns ----------------------------------
def test_the_table_header_is_the_csv_header_is_the_columns_name(env):
    columns = "id,source.device_id,source.model"
    csv = run(env, "--api-url", "sandbox", "tracker", "list", "--columns", columns, "-o", "csv")
    piped = run(env, "--api-url", "sandbox", "tracker", "list", "--columns", columns, "-o", "table")
    shown = run(env, "--api-url", "sandbox", "tracker", "list", "--columns", columns, terminal=Terminal(stdout_tty=True, width=200))
    assert csv.exit_code == piped.exit_code == shown.exit_code == 0, csv.stderr + piped.stderr + shown.stderr
    assert csv.stdout.splitlines()[0].split(",") == columns.split(",")
    assert piped.stdout.splitlines()[0].split() == columns.split(",")
    assert re.sub(r"\x1b\[[0-9;]*m", "", shown.stdout).splitlines()[0].split() == columns.split(",")
    default = run(env, "--api-url", "sandbox", "tracker", "list", terminal=Terminal(stdout_tty=True, width=200, no_color=True))
    assert default.stdout.splitlines()[0].split() == list(REGISTRY.by_path("tracker/list").columns)  # source.device_id, not device_id


# ---- --columns with json or jsonl ----------------------------------------------------------------
@pytest.mark.parametrize(("argv", "says"), [
    (["-o", "json"], "--columns chooses table and csv columns, not json: add -o csv, or filter the JSON with --jq"),
    (["-o", "jsonl"], "not jsonl: add -o csv, or filter the JSON with --jq"),
    ([], "not json (the default when stdout is not a terminal): add -o csv"),
    (["--jq", ".list[].id"], "with --jq, pick the fields in the expression"),
])
def test_columns_with_json_output_is_exit_2_pointing_to_jq(env, argv, says):
    refused(run(env, "tracker", "list", "--columns", "id,label", *argv, "--dry-run"), says)


def test_columns_with_json_from_the_environment_says_where_json_came_from(env):
    refused(run({**env, "TRACKERCTL_OUTPUT": "json"}, "tracker", "list", "--columns", "id", "--dry-run"), "(from TRACKERCTL_OUTPUT)")


# ---- commands outside the registry: checked against the answer ----------------------------------
def test_outside_the_registry_the_answer_decides(env):
    assert run(env, "profile", "list", "--columns", "name,output", "-o", "csv").exit_code == 0  # a default column, unset
    refused(run(env, "profile", "list", "--columns", "name,nmae", "-o", "csv"), "no field nmae in the answer (did you mean name?)")


# ---- the fields behind the check ------------------------------------------------------------------
def flat_names(record, prefix=""):
    for key, value in record.items():
        if isinstance(value, dict) and value:
            yield from flat_names(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}"


def records_of(action, body):
    value = body.get(action.result) if action.result else body
    if action.result == "states" and isinstance(value, dict):
        return list(value.values())
    return value if isinstance(value, list) else [value] if isinstance(value, dict) else []


def test_every_action_that_prints_records_has_its_fields_and_its_defaults_are_among_them():
    for action in REGISTRY.actions:
        if action.result and action.columns:
            assert fields_of(action), f"{action.path}: no fields declared"
            check_columns(action.columns, fields_of(action), action.path)


SANDBOX_READS = [shlex.split(a.example.split("|")[0])[1:] for a in REGISTRY.actions if a.read_only and a.result] + [
    ["tracker", "list"], ["panel", "tracker", "list", "--all"], ["panel", "bundle", "list", "--all"], ["tracker", "list-models"],
    ["tracker", "get-states", "123456", "134537", "200007", "200008", "200009", "265489", "999119", "1245678"],
]


@pytest.mark.parametrize("argv", SANDBOX_READS, ids=lambda argv: " ".join(argv[:4]))
def test_every_field_the_sandbox_answers_is_known(env, argv):
    argv = [w for w in argv if w not in ("-o", "json", "jsonl")]
    action = REGISTRY.by_command(tuple(w for w in argv if not w.startswith("-") and not w.isdigit())[:5])
    action = action or REGISTRY.by_command(tuple(argv[:2]))
    result = run(env, "--api-url", "sandbox", *argv, "-o", "json")
    assert result.exit_code == 0, result.stderr
    names = {n for record in records_of(action, json.loads(result.stdout)) for n in flat_names(record)}
    check_columns(sorted(names), fields_of(action), action.path)


def doc_records(text: str, key: str | None):
    """The records of every JSON example in a document (examples that are not JSON are left out)."""
    for block in re.findall(r"```json\n(.*?)```", text, flags=re.S):
        try:
            body = json.loads(block)
        except ValueError:
            continue
        value = body.get(key) if key else body  # a block without the key is a request, not an answer
        if key == "states" and isinstance(value, dict):
            value = list(value.values())
        for record in value if isinstance(value, list) else [value]:
            if isinstance(record, dict):
                yield record


def test_every_field_the_documents_show_is_known():
    user = spec_file("user-api-tracker.md").read_text()
    tracker_object = user.split("## Tracker object structure", 1)[1].split("## API actions", 1)[0]
    check_columns(sorted({n for r in doc_records(tracker_object, None) for n in flat_names(r)}), fields_of(REGISTRY.by_path("tracker/read")), "tracker")
    for section in re.split(r"\n### ", user)[1:]:
        name = section.split("\n", 1)[0].strip("` ")
        action = REGISTRY.by_path(f"tracker/{name}")
        if action is None or not action.result:
            continue
        key = None if name == "list_models" else action.result  # the document shows one model object bare
        names = {n for r in doc_records(section, key) for n in flat_names(r)} - {"success", "user_time", "update_time"}
        check_columns(sorted(names), fields_of(action), action.path)
    panel = spec_file("panel-api-tracker.md").read_text()
    panel_object = panel.split("## Tracker object", 1)[1].split("### ", 1)[0]
    check_columns(sorted({n for r in doc_records(panel_object, None) for n in flat_names(r)}), fields_of(REGISTRY.by_path("panel/tracker/list")), "panel tracker")
    schemas = json.loads(spec_file("panel-openapi.json").read_text())["components"]["schemas"]
    openapi = [*schemas["Tracker"]["properties"], *(f"source.{n}" for n in schemas["TrackerSource"]["properties"])]
    check_columns([n for n in openapi if n != "source"], fields_of(REGISTRY.by_path("panel/tracker/list")), "panel tracker (OpenAPI)")
    check_columns(list(schemas["ActiveHistoryMonth"]["properties"]), fields_of(REGISTRY.by_path("panel/tracker/active/history/list")), "history")


def test_the_message_lists_open_maps_and_suggests_the_nearest_field():
    with pytest.raises(UsageError, match=r"no field gps\.sped in tracker get-state \(did you mean gps\.speed\?\); the fields are .*additional\.\*"):
        check_columns(["gps.sped"], fields_of(REGISTRY.by_path("tracker/get_state")), "tracker get-state")
    check_columns(["additional", "additional.hardware_key.value", "gps", "gps.location"], fields_of(REGISTRY.by_path("tracker/get_state")), "x")
