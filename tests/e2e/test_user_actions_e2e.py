"""Issue 3 end to end: the 23 user-API `tracker/*` actions through the real CLI over real HTTP.

One `trackerctl sandbox serve` for the module; the CLI runs in-process (CliRunner, `--api-url` the
served URL: still HTTP through the real client) and, for a few cases, as the installed binary.
The state is reset to the seed before every case (`sandbox.app.reset`, what `trackerctl sandbox
reset --db` runs; a reset while serving is picked up at once) and set up exactly as the sandbox's
unit tests do (tests/unit/test_sandbox_user_actions.py: its constants and setups are reused).

- SUCCESS: every action's success path, in json, jsonl, csv and table.
- ERROR_CASES: every documented error code of every action (the document's `#### Errors` lists,
  and every (action, code) pair the unit tests produce), produced from the sandbox state that
  causes it and checked through the CLI: the contract's exit code, `error <code>: <description>`
  on stderr in table mode, the API's error body as one JSON line in json mode, stdout empty.
- USAGE_CASES: input the CLI refuses itself (exit 2, nothing sent) where the sandbox would answer 7;
  ERROR_CASES produce that 7 through a path the CLI cannot pre-check.
- test_cli_covers_the_document: every action of the document has a command, every documented
  (action, code) pair a case here, and every case ran.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from tests.e2e.conftest import Server, cli, start_server
from tests.helpers.environment import isolated_env
from tests.helpers.sandbox import sql
from tests.helpers.spec import spec_file
from tests.unit.test_sandbox_user_actions import (
    APN,
    CLONE,
    NEW_IMEI,
    NEW_PHONE,
    PHONE,
    QUICK,
    REGISTER,
    REPLACE,
    T,
    documented_errors,
    login,
)
from tests.helpers.sandbox import ErrorCase
from tests.unit.test_sandbox_user_actions import ERROR_CASES as SANDBOX_ERROR_CASES
from trackerctl.api.action import Action
from trackerctl.api.endpoints import REGISTRY, USER_ACTIONS
from trackerctl.cli.app import build_cli
from trackerctl.cli.context import AppContext
from trackerctl.cli.request import option
from trackerctl.sandbox.app import Sandbox, reset
from trackerctl.sandbox.codes import describe
from trackerctl.sandbox.seed import SEED

pytestmark = pytest.mark.e2e

BOX = set("│┃─━┌┐└┘├┤┬┴┼╭╮╰╯═║")
FORMATS = ("json", "jsonl", "csv", "table")


def contract_exit(code: int) -> int:
    """CLI-CONTRACT.md section 5, written out independently of trackerctl.api.errors."""
    if code in (201, 204, 217, 258):
        return 4
    if code in (3, 4, 102, 103, 276):
        return 3
    if code in (1, 6, 8, 14, 15):
        return 5
    return 1


# ---- the served sandbox and the CLI ------------------------------------------------------------------


@dataclass
class Served:
    server: Server
    sandbox: Sandbox  # the same file, for setups and logins (as the unit tests use it)
    env: dict[str, str]  # for the installed binary
    tmp: Path

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def db(self) -> Path:
        return self.server.db

    def fresh(self, setup: Callable[[Sandbox], None] | None = None) -> None:
        """Back to the seed (what `trackerctl sandbox reset --db` does), then the case's state."""
        reset(self.db)
        if setup is not None:
            setup(self.sandbox)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("user-actions")
    env = isolated_env(tmp, TRACKERCTL_SANDBOX_DB=str(tmp / "unused.sqlite"))
    server = start_server(env, tmp / "served.sqlite")
    try:
        yield Served(server, Sandbox(server.db, implicit_auth=True), env, tmp)
    finally:
        server.stop()


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str


def run(served: Served, *args: str, credential: str = SEED["api_key"]) -> Run:
    """`trackerctl --api-url <served> ARGS` in-process, with the credential in TRACKERCTL_HASH."""
    env = {"TRACKERCTL_CONFIG": str(served.tmp / "config.toml"), "TRACKERCTL_KEYRING": "file",
           "TRACKERCTL_HASH": credential, "TRACKERCTL_SANDBOX_DB": str(served.tmp / "unused.sqlite")}
    result = CliRunner().invoke(build_cli(), ["--api-url", served.url, *args], obj=AppContext(env=env))
    assert "Traceback" not in result.stderr, result.stderr
    return Run(result.exit_code, result.stdout, result.stderr)


def argv_for(path: str, params: dict[str, Any]) -> list[str]:
    """The command line of `trackerctl tracker ...` that sends `params` (the registry names the options):
    primary keys positional, booleans --x/--no-x, repeatable options per item, plugin params --param."""
    action = REGISTRY.by_path(path)
    assert action is not None, path
    argv, extra = list(action.command_path), []
    for name, value in params.items():
        p = next((p for p in action.params if p.name == name), None)
        if p is None:
            assert action.extra_params, f"{path} takes no {name}"
            extra += ["--param", f"{name}={value}"]
        elif p.positional:
            argv += [str(v) for v in value] if isinstance(value, list) else [str(value)]
        elif p.kind == "bool":
            argv.append(option(p) if value else f"--{p.cli_false or 'no-' + option(p)[2:]}")
        elif p.kind == "tag_bindings":
            for b in value:
                argv += [option(p), f"{b['tag_id']}:{b['ordinal']}"]
        elif p.kind == "json":
            argv += [option(p), json.dumps(value)]
        elif p.kind.endswith("_list"):
            for v in value:
                argv += [option(p), str(v)]
        else:
            argv += [option(p), str(value)]
    if action.destructive:
        argv.append("--yes")
    return argv + extra


def api_argv(path: str, params: dict[str, Any]) -> list[str]:
    """`trackerctl api PATH -F key=JSON ...`: the raw call, which checks nothing before sending."""
    argv = ["api", path]
    for name, value in params.items():
        argv += ["-F", f"{name}={json.dumps(value)}"]
    return argv


# ---- success paths -----------------------------------------------------------------------------------

LOCK = {"name": "electronic_lock_command", "command_code": "unseal",
        "special_settings": {"type": "electronic_lock_password", "password": "345892"}}
ONLINE, REPLACED = SEED["tracker_online"], SEED["tracker_offline"]  # 200009: replaced, new device never connected


@dataclass
class Ok:
    path: str
    params: dict[str, Any]
    check: Callable[[dict], Any]  # on the json body: the action's own facts
    after: tuple[tuple[str, ...], Callable[[Run], Any]] | None = None  # a later command (json) that sees the effect

    @property
    def action(self) -> Action:
        return REGISTRY.by_path(self.path)


def value(key: str, expected: Any) -> Callable[[dict], bool]:
    def check(body: dict) -> bool:
        node: Any = body
        for part in key.split("."):
            node = node[int(part)] if isinstance(node, list) else node[part]
        assert node == expected, (key, node, expected)
        return True
    return check


def listed(ids: list[int]) -> Callable[[dict], bool]:
    return lambda body: [t["id"] for t in body["list"]] == ids


SUCCESS = [
    Ok("tracker/read", T, value("value.label", "Truck 01 north")),
    Ok("tracker/list", {"labels": ["north"]}, listed([SEED["tracker"], SEED["tracker_fresh"]])),
    Ok("tracker/corrupt", {"tracker_id": REPLACED}, lambda b: b == {},
       after=(("tracker", "read", str(REPLACED)), lambda r: r.exit_code == 4 and json.loads(r.stderr)["status"]["code"] == 201)),
    Ok("tracker/delete", CLONE, lambda b: b == {},
       after=(("tracker", "list"), lambda r: SEED["clone_free"] not in [t["id"] for t in json.loads(r.stdout)["list"]])),
    Ok("tracker/change_phone", {"tracker_id": ONLINE, **PHONE}, lambda b: b == {},
       after=(("tracker", "read", str(ONLINE)), lambda r: value("value.source.phone", PHONE["phone"])(json.loads(r.stdout)))),
    Ok("tracker/get_diagnostics", {"tracker_id": ONLINE},
       lambda b: b["inputs"][0]["name"] == "obd_rpm" and b["states"]["obd_vin"] == "123"),
    Ok("tracker/get_fuel", {"tracker_id": ONLINE}, value("inputs.0.name", "can_fuel_litres")),
    Ok("tracker/get_inputs", {"tracker_id": ONLINE}, lambda b: b["states"][0]["type"] == "ignition" and b["inputs"] == [True, True, False]),
    Ok("tracker/get_last_gps_point", {"tracker_id": ONLINE}, lambda b: set(b["value"]) >= {"lat", "lng", "get_time"}),
    Ok("tracker/get_readings", {"tracker_id": ONLINE}, value("inputs.0.value", 13.562)),
    Ok("tracker/get_state", {"tracker_id": ONLINE}, value("state.connection_status", "active")),
    Ok("tracker/get_states", {"trackers": [SEED["tracker"], ONLINE, SEED["tracker_blocked"]], "list_blocked": True},
       lambda b: list(b["states"]) == ["123456", "265489"] and b["blocked"] == [SEED["tracker_blocked"]]),
    Ok("tracker/list_models", {"codes": ["tt1_wp", "pt10"]}, lambda b: [m["code"] for m in b["list"]] == ["tt1_wp", "pt10"]),
    Ok("tracker/tags/set", {**T, "tag_bindings": [{"tag_id": SEED["tag"], "ordinal": 1}, {"tag_id": 456790, "ordinal": 2}]},
       lambda b: b == {}, after=(("tracker", "list"), lambda r: {t["id"]: t for t in json.loads(r.stdout)["list"]}[SEED["tracker"]][
           "tag_bindings"] == [
           {"tag_id": SEED["tag"], "ordinal": 1}, {"tag_id": 456790, "ordinal": 2}])),
    Ok("tracker/location_request", {"tracker_id": ONLINE, "type": "gprs"}, lambda b: b == {}),
    Ok("tracker/register", REGISTER, lambda b: b["value"]["source"]["device_id"] == NEW_IMEI and b["value"]["label"] == "Courier",
       after=(("tracker", "list", "--label", "Courier"),
              lambda r: [t["source"]["phone"] for t in json.loads(r.stdout)["list"] if t["label"] == "Courier"] == [NEW_PHONE])),
    Ok("tracker/register_retry", {"tracker_id": REPLACED, **APN, "send_register_commands": True}, value("value.id", REPLACED)),
    Ok("tracker/register_quick", {**QUICK, "imei": SEED["bundle_imei"]}, value("value.source.device_id", SEED["bundle_imei"])),
    Ok("tracker/replace", REPLACE, lambda b: b["value"]["id"] == SEED["tracker"] and b["value"]["source"]["device_id"] == NEW_IMEI),
    Ok("tracker/replace_quick", {"tracker_id": SEED["tracker_idle"], "imei": SEED["bundle_imei"]},
       lambda b: b["value"]["id"] == SEED["tracker_idle"] and b["value"]["source"]["device_id"] == SEED["bundle_imei"]),
    Ok("tracker/replace_retry", {"tracker_id": REPLACED, **APN}, value("value.id", REPLACED)),
    Ok("tracker/send_command", {"tracker_id": SEED["tracker_lock"], "command": LOCK}, value("list.0.id", SEED["tracker_lock"])),
    Ok("tracker/raw_command/send", {"tracker_id": ONLINE, "command": "AT+GTRTO=gv200,A,,,,,,0001$", "type": "text"}, lambda b: b == {}),
]


def records_of(action: Action, body: dict) -> tuple[list[dict], bool]:
    """The records the contract prints one per jsonl line / csv row (section 4), and whether the
    answer is a single record (a table of field/value lines)."""
    if action.result is None:
        return [body], True
    found = body[action.result]
    if isinstance(found, dict) and action.path == "tracker/get_states":  # blocked and missing trackers too (section 11)
        return ([{"tracker_id": int(k), "status": "ok", **v} for k, v in found.items()]
                + [{"tracker_id": i, "status": s} for s in ("blocked", "not_exist") for i in body.get(s, [])]), False
    return (found, False) if isinstance(found, list) else ([found], True)


def flat_cell(record: dict, column: str) -> str:
    """A dotted column of a record as csv/table text: null empty, strings as they are, the rest as JSON."""
    node: Any = record
    for part in column.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    if node is None:
        return ""
    return node if isinstance(node, str) else json.dumps(node, separators=(",", ":"))


@pytest.mark.parametrize("ok", SUCCESS, ids=lambda ok: ok.path)
def test_success_in_every_format(served, ok):
    action, argv = ok.action, argv_for(ok.path, ok.params)
    out: dict[str, Run] = {}
    for fmt in FORMATS:
        served.fresh()  # writes run against the seed each time, so the four answers agree
        out[fmt] = run(served, *argv, "-o", fmt)
        assert out[fmt].exit_code == 0, (fmt, argv, out[fmt].stderr)
        assert not any(c in BOX for c in out[fmt].stdout), f"box characters off a terminal: {fmt}"

    body = json.loads(out["json"].stdout)
    assert "success" not in body
    if action.result:
        assert action.result in body, body  # the documented top-level key
    assert ok.check(body) is not False, body
    records, single = records_of(action, body)

    lines = out["jsonl"].stdout.splitlines()
    assert [json.loads(line) for line in lines] == records  # one record per line

    columns = list(action.columns)
    rows = list(csv.reader(io.StringIO(out["csv"].stdout)))
    if columns:
        assert rows[0] == columns, "csv header = the action's default columns"
        assert rows[1:] == [[flat_cell(r, c) for c in columns] for r in records]
    else:  # a write answering only success: no fields, no rows
        assert records == [{}] and rows in ([], [[]])

    table = out["table"].stdout
    for record in records:
        for column in columns:
            assert flat_cell(record, column) in table, (column, table)
    if single and columns:
        assert [line.split()[0] for line in table.splitlines()[1:]] == columns  # one field per line
    elif columns:
        assert table.splitlines()[0].split() == columns and len(table.splitlines()) == len(records) + 1

    if ok.after:
        served.fresh()
        assert run(served, *argv, "-o", "json").exit_code == 0
        later_argv, predicate = ok.after
        later = run(served, *later_argv, "-o", "json")
        assert predicate(later), later


# ---- documented errors -------------------------------------------------------------------------------


@dataclass
class Case:
    path: str
    code: int
    argv: list[str]
    setup: Callable[[Sandbox], None] | None
    user: str | None
    id: str

    @property
    def pair(self) -> tuple[str, int]:
        return self.path, self.code


def cli_case(c: ErrorCase) -> Case:
    argv = argv_for(c.path, c.params) if c.via == "cli" else api_argv(c.path, c.params)
    return Case(c.path, c.code, argv, c.setup, c.user, c.id)


ERROR_CASES = [cli_case(c) for c in SANDBOX_ERROR_CASES]  # the sandbox unit tests' cases, through the CLI

RAN: set[str] = set()


@pytest.mark.parametrize("c", ERROR_CASES, ids=lambda c: c.id)
def test_documented_error_through_the_cli(served, c):
    served.fresh(c.setup)
    credential = login(served.sandbox, c.user) if c.user else SEED["api_key"]
    description = describe(c.code)[0]

    table = run(served, *c.argv, "-o", "table", credential=credential)
    assert table.exit_code == contract_exit(c.code), (c.argv, table.stderr)
    assert table.stdout == ""
    first, *extra = table.stderr.splitlines()
    assert first == f"error {c.code}: {description}", table.stderr
    if c.code == 7:  # the per-parameter errors follow
        assert extra and all(line.startswith("  ") for line in extra), table.stderr
    if c.code == 203:
        assert extra == [f"  rules: [{SEED['rule']}]"], table.stderr

    as_json = run(served, *c.argv, "-o", "json", credential=credential)  # a refusal changed nothing
    assert as_json.exit_code == table.exit_code and as_json.stdout == ""
    (line,) = as_json.stderr.splitlines()
    body = json.loads(line)
    assert body["success"] is False and body["status"] == {"code": c.code, "description": description}
    RAN.add(c.id)


@dataclass
class Usage:
    argv: list[str]
    says: str  # in the message
    id: str


USAGE_CASES = [
    Usage(argv_for("tracker/raw_command/send", {**T, "command": "AT+GTRTO", "type": "hex"}), "--command", "raw-command-not-hex"),
    Usage(argv_for("tracker/tags/set", {**T, "tag_bindings": [{"tag_id": SEED["tag"], "ordinal": 6}]}), "--tag", "tags-ordinal-6"),
    Usage(argv_for("tracker/tags/set", {**T, "tag_bindings": [{"tag_id": SEED["tag"], "ordinal": 1}] * 2}), "--tag", "tags-twice"),
    Usage(argv_for("tracker/send_command", {**T, "command": {"code": 1}}), "name", "send-command-without-name"),
    Usage(argv_for("tracker/change_phone", {**T, **PHONE, "phone": "+7912"}), "--phone", "change-phone-not-digits"),
    Usage(argv_for("tracker/change_phone", {**T, **PHONE, "apn_name": "x" * 41}), "--apn-name", "apn-too-long"),
    Usage(argv_for("tracker/register", {**REGISTER, "label": "x" * 61}), "--label", "register-label-too-long"),
    Usage(argv_for("tracker/register_quick", {**QUICK, "imei": "83566x"}), "--imei", "imei-not-digits"),
    Usage(argv_for("tracker/location_request", {**T, "type": "fax"}), "--type", "location-type"),
    Usage(argv_for("tracker/list", {"labels": ["a", "a"]}), "--label", "labels-unique"),
    Usage(["tracker", "corrupt", str(REPLACED)], "--yes", "destructive-without-yes"),
]


@pytest.mark.parametrize("u", USAGE_CASES, ids=lambda u: u.id)
def test_the_cli_refuses_before_sending(served, u):
    """Exit 2 and nothing sent, where the sandbox would answer 7 (or act): the state stays the seed's."""
    served.fresh()
    before = sql(served.sandbox, "SELECT COUNT(*) FROM commands")
    result = run(served, *u.argv, "-o", "table")
    assert result.exit_code == 2 and result.stdout == "", (u.argv, result.stderr)
    assert u.says in result.stderr and "error 7" not in result.stderr
    assert sql(served.sandbox, "SELECT COUNT(*) FROM commands") == before
    if u.id == "destructive-without-yes":
        assert run(served, "tracker", "read", str(REPLACED), "-o", "json").exit_code == 0


# ---- the installed binary: a few cases as a subprocess -------------------------------------------------


def test_the_installed_binary_and_a_reset_while_serving(served):
    served.fresh()
    env = {**served.env, "TRACKERCTL_API_URL": served.url, "TRACKERCTL_HASH": SEED["api_key"]}
    done = cli(env, "tracker", "corrupt", str(REPLACED), "--yes", "-o", "json")
    assert done.returncode == 0 and json.loads(done.stdout) == {}, done.stderr
    gone = cli(env, "tracker", "read", str(REPLACED), "-o", "table")
    assert gone.returncode == 4 and gone.stdout == "" and gone.stderr.splitlines()[0] == "error 201: Not found in database"
    reset_run = cli(env, "sandbox", "reset", "--db", str(served.db), "-o", "json")
    assert reset_run.returncode == 0, reset_run.stderr
    back = cli(env, "tracker", "read", str(REPLACED), "-o", "jsonl")  # the server sees the reset at once
    assert back.returncode == 0 and json.loads(back.stdout)["id"] == REPLACED
    tags = cli(env, "tracker", "tags", "set", "123456", "--tag", "999:1", "-o", "table")
    assert (tags.returncode, tags.stdout, tags.stderr.strip()) == (4, "", "error 217: List contains nonexistent entities")
    states = cli(env, "tracker", "get-states", "999119", "999199", "--list-blocked", "--allow-not-exist", "-o", "csv")
    rows = list(csv.reader(io.StringIO(states.stdout)))
    assert states.returncode == 0 and rows[0] == list(REGISTRY.by_path("tracker/get_states").columns)
    assert [r[:2] for r in rows[1:]] == [["999119", "ok"], ["999199", "blocked"]]


# ---- coverage: the document against the CLI and this file ---------------------------------------------


def document_actions() -> list[str]:
    """`tracker/<name>` for every `### name` under the document's `## API actions`."""
    text = spec_file("user-api-tracker.md").read_text(encoding="utf-8")
    section = text.split("## API actions", 1)[1]
    return ["tracker/" + m.strip().strip("`") for m in re.findall(r"^### (.+)$", section, flags=re.M)]


def command_at(path: tuple[str, ...]) -> Any:
    """The command `trackerctl <path...>` resolves to, walking the real tree (None when missing)."""
    command = typer.main.get_command(build_cli())
    ctx = command.make_context("trackerctl", [], resilient_parsing=True)
    for name in path:
        if not hasattr(command, "get_command"):
            return None
        command = command.get_command(ctx, name)
        if command is None:
            return None
    return command


def test_cli_covers_the_document(served, request):
    actions = document_actions()
    assert len(actions) == 23 and {a.path for a in USER_ACTIONS} == set(actions)
    for path in actions:
        words = tuple(part.replace("_", "-") for part in path.split("/"))
        leaf = command_at(words)
        assert leaf is not None and not hasattr(leaf, "get_command"), f"no command `trackerctl {' '.join(words)}` for {path}"
    # every success case sends its own action (a dry run prints the request)
    assert [ok.path for ok in SUCCESS] == [a.path for a in USER_ACTIONS]
    for ok in SUCCESS:
        dry = run(served, "--dry-run", *argv_for(ok.path, ok.params))
        assert dry.exit_code == 0, dry.stderr
        urls = [json.loads(line)["url"] for line in dry.stdout.splitlines()]
        assert urls[-1] == f"{served.url}/{ok.path}", urls

    documented = documented_errors()
    covered = {c.pair for c in ERROR_CASES}
    assert not documented - covered, f"documented errors no CLI case produces: {sorted(documented - covered)}"
    assert len({c.id for c in ERROR_CASES}) == len(ERROR_CASES)
    # every case selected in this session ran (before this test, defined last) and passed
    selected = {item.callspec.id for item in request.session.items
                if getattr(item, "originalname", "") == "test_documented_error_through_the_cli"}
    assert selected <= RAN, f"cases that did not run or pass: {sorted(selected - RAN)}"

