"""Issue 4 through the real CLI: every panel action (panel-api-tracker.md, plus batch_clone) end to
end over HTTP against `trackerctl sandbox serve`.

- the success path of each non-bulk action in json, jsonl, csv and table, parsed and checked, with
  the state change seen through the CLI or the database;
- `panel tracker list` / `panel bundle list`: every filter, order and paging option, and `--all`;
- `panel bundle X` is `panel tracker bundle X`; `register-entry` calls `register_retry`;
- every error code the document lists for an action, produced by the sandbox state that causes it
  (the cases of tests/unit/test_sandbox_panel_actions.py, its parameters and setups) and checked
  through the CLI: the contract's exit code, `error <code>: <description>` on stderr, nothing on
  stdout (ERROR_CASES, held against the document by
  test_every_documented_error_is_exercised_through_the_cli);
- 13 for the panel account without `tracker_bundles`; destructive commands refuse without --yes.

Most commands run in-process (`CliRunner` with `--api-url <served url>`: real HTTP, no interpreter
start-up per command); a few run as subprocesses. One server serves the whole module; each test
that needs a known state resets the database with `trackerctl sandbox reset --db PATH`, which the
serving process sees at once, and logs in again with `auth login --panel`.
"""

from __future__ import annotations

import csv
import io
import json
import re
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import pytest
from typer.testing import CliRunner

from tests.e2e.conftest import TRACKERCTL, Server, cli, start_server
from tests.e2e.test_user_actions_e2e import api_argv, argv_for
from tests.helpers.environment import NO_KEYRING, isolated_env
from tests.helpers.spec import spec_file
from tests.unit.test_sandbox_panel_actions import ERROR_CASES as SANDBOX_ERROR_CASES
from tests.helpers.sandbox import ErrorCase as SandboxErrorCase
from trackerctl.api.endpoints import REGISTRY
from trackerctl.cli.app import build_cli
from trackerctl.cli.context import AppContext
from trackerctl.sandbox.app import Sandbox
from trackerctl.sandbox.codes import describe
from trackerctl.sandbox.seed import SEED

pytestmark = pytest.mark.e2e

FORMATS = ("json", "jsonl", "csv", "table")
PASSWORD = SEED["password"]
CORRUPTED_DEVICE = "corrupted.200110.356938035643833"  # 200010's source, as panel/tracker/list shows it
IDLE = SEED["tracker_idle"]  # 1245678 "Van 05 city", telfmb920, everyday tariff 13457, device 862436965665430
IDLE_DEVICE = "862436965665430"
SHOWN = "table"  # the error format the contract's `error <code>: <description>` line is checked in


# ---- the served sandbox and the CLI in-process -------------------------------------------------


@dataclass
class Run:
    code: int
    out: str
    err: str


@dataclass
class Panel:
    """One `sandbox serve` for the module and a CLI bound to it."""

    server: Server
    env: dict[str, str]  # for subprocesses and in-process runs alike
    db: Path
    dirty: bool = True

    @property
    def url(self) -> str:
        return self.server.url

    def __call__(self, *args: str, input: str | None = None, env: dict[str, str] | None = None, url: str | None = None) -> Run:
        """`trackerctl --api-url <url> ARGS` in-process; any request goes over HTTP."""
        result = CliRunner().invoke(build_cli(), ["--api-url", url or self.url, *args],
                                    obj=AppContext(env=env or self.env), input=input)
        return Run(result.exit_code, result.stdout, result.stderr)

    def login(self, account: str = SEED["panel_login"], env: dict[str, str] | None = None) -> None:
        done = self("auth", "login", "--panel", "--login", account, "--password-stdin", input=PASSWORD + "\n", env=env)
        assert done.code == 0, done.err

    def reset(self, *options: str) -> None:
        """`sandbox reset --db PATH` (picked up at once by the server), then log in again: the reset
        drops the sessions too."""
        done = self("sandbox", "reset", "--db", str(self.db), *options, "-o", "json")
        assert done.code == 0, done.err
        self.login()
        self.dirty = bool(options)

    def fresh(self) -> None:
        """Seed state, resetting only when something may have changed it."""
        if self.dirty:
            self.reset()

    def sandbox(self) -> Sandbox:
        """The database the server serves, for setting up state as the unit tests do."""
        return Sandbox(self.db, implicit_auth=True)

    def call(self, action: str, params: dict[str, Any]) -> dict[str, Any]:
        """One action on the served database as the demo panel account, bypassing the CLI (setup)."""
        sb = self.sandbox()
        try:
            _, body = sb.call(action, params)
        finally:
            sb.store.close()
        assert body["success"], body
        return body

    def sql(self, statement: str, *args: Any) -> list[tuple]:
        sb = self.sandbox()
        try:
            with sb.transaction() as conn:
                return [tuple(r) for r in conn.execute(statement, args).fetchall()]
        finally:
            sb.store.close()

    def json(self, *args: str) -> Any:
        done = self(*args, "-o", "json")
        assert done.code == 0, (args, done.err)
        return json.loads(done.out)


def clean_env(root: Path) -> dict[str, str]:
    """As conftest's `home`: own HOME, config and data dirs, no keyring, no TRACKERCTL_* from outside."""
    return isolated_env(root, TRACKERCTL_CONFIG=str(root / "config" / "trackerctl" / "config.toml"),
                        TRACKERCTL_SANDBOX_DB=str(root / "unused.sqlite"), TRACKERCTL_KEYRING="file")


@pytest.fixture(scope="module")
def panel(tmp_path_factory):
    root = tmp_path_factory.mktemp("panel")
    env = clean_env(root)
    db = root / "served.sqlite"
    server = start_server(env, db)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TRACKERCTL_KEYRING", "file")  # the credential store reads this switch from os.environ
        mp.setenv("PYTHON_KEYRING_BACKEND", NO_KEYRING)
        # the first login as a script does it: the installed trackerctl, password on stdin
        first = cli(env, "--api-url", server.url, "auth", "login", "--panel", "--login", SEED["panel_login"], "--password-stdin",
                    input=PASSWORD + "\n")
        assert first.returncode == 0, first.stderr
        try:
            yield Panel(server, env, db, dirty=False)
        finally:
            server.stop()


def exit_for(code: int) -> int:
    """CLI-CONTRACT.md section 5."""
    if code in (201, 204, 217, 258):
        return 4
    if code in (3, 4, 102, 103, 276):
        return 3
    return 1


def error_line(code: int) -> str:
    return f"error {code}: {describe(code)[0]}"


# ---- parsing the four formats into the same flat string records --------------------------------


def cell(value: Any) -> str:
    """A JSON value as table/csv show it."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def flat(record: dict[str, Any], prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in record.items():
        if isinstance(value, dict) and value:
            out.update(flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = cell(value)
    return out


def parse_table(text: str) -> list[dict[str, str]]:
    """A plain table (columns two spaces apart, cells cut by the header's column starts); a
    field/value table of one record gives that one record."""
    lines = text.splitlines()
    if not lines:
        return []
    starts = [(m.start(), m.group()) for m in re.finditer(r"\S+", lines[0])]
    bounds = [(s, starts[i + 1][0] if i + 1 < len(starts) else None, name) for i, (s, name) in enumerate(starts)]
    rows = [{name: line[s:e].strip() for s, e, name in bounds} for line in lines[1:]]
    if [name for _, name in starts] == ["field", "value"]:
        return [{r["field"]: r["value"] for r in rows}]
    return rows


def records(run: Run, fmt: str, key: str | None) -> list[dict[str, str]]:
    """The records of a successful run as flat string dicts, whatever the format."""
    assert run.code == 0, run.err
    if fmt == "json":
        body = json.loads(run.out)
        found = body if key is None else body[key]
        return [flat(r) for r in (found if isinstance(found, list) else [found])]
    if fmt == "jsonl":
        return [flat(json.loads(line)) for line in run.out.splitlines()]
    if fmt == "csv":
        return list(csv.DictReader(io.StringIO(run.out)))
    return parse_table(run.out)


def only_success(run: Run, fmt: str) -> None:
    """A write whose answer is nothing but success: `{}` in json and jsonl, nothing in csv/table."""
    assert run.code == 0, run.err
    if fmt == "json":
        assert json.loads(run.out) == {}
    elif fmt == "jsonl":
        assert [json.loads(line) for line in run.out.splitlines()] == [{}]
    else:
        assert run.out == ""


def panel_read(panel: Panel, tracker_id: int) -> dict[str, Any]:
    return panel.json("panel", "tracker", "read", str(tracker_id))["value"]


def bundle_read(panel: Panel, imei: str) -> dict[str, Any]:
    return panel.json("panel", "bundle", "read", imei)["value"]


# ---- success paths, four formats each -----------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_read(panel, fmt):
    panel.fresh()
    (row,) = records(panel("panel", "tracker", "read", str(IDLE), "-o", fmt), fmt, "value")
    assert (row["id"], row["label"], row["user_id"], row["source.device_id"], row["source.model"]) == (
        str(IDLE), "Van 05 city", str(SEED["user_demo"]), IDLE_DEVICE, "telfmb920")
    assert (row["clone"], row["deleted"], row["source.blocked"]) == ("false", "false", "false")
    if fmt in ("json", "jsonl"):
        assert row["comment"] == "Need to change SIM till next month" and row["source.tariff_id"] == str(SEED["tariff_everyday"])


@pytest.mark.parametrize("fmt", FORMATS)
def test_list(panel, fmt):
    panel.fresh()
    whole = panel.json("panel", "tracker", "list")
    assert list(whole) == ["list", "count"] and whole["count"] == len(whole["list"]) > 10
    rows = records(panel("panel", "tracker", "list", "--limit", "4", "-o", fmt), fmt, "list")
    assert [r["id"] for r in rows] == [str(t["id"]) for t in whole["list"][:4]]
    assert [r["source.device_id"] for r in rows] == [t["source"]["device_id"] for t in whole["list"][:4]]
    if fmt in ("csv", "table"):
        action = REGISTRY.by_path("panel/tracker/list")
        assert list(rows[0]) == list(action.columns)


@pytest.mark.parametrize("fmt", FORMATS)
def test_active_history_list(panel, fmt):
    panel.fresh()
    rows = records(panel("panel", "tracker", "active", "history", "list", "--from", "2025-08", "--to", "2025-10", "-o", fmt), fmt, "list")
    assert [r["month"] for r in rows] == ["2025-08", "2025-09", "2025-10"]
    body = panel.json("panel", "tracker", "active", "history", "list", "--from", "2025-08", "--to", "2025-10")
    assert [r["amount"] for r in rows] == [str(len(m["trackers"])) for m in body["list"]]
    october = {t["tracker_id"] for t in body["list"][2]["trackers"]}
    assert {SEED["tracker"], SEED["tracker_fresh"], SEED["tracker_online"], SEED["tracker_cloned"], IDLE} <= october


@pytest.mark.parametrize("fmt", FORMATS)
def test_bundle_list(panel, fmt):
    panel.fresh()
    rows = records(panel("panel", "bundle", "list", "--limit", "3", "--offset", "1", "-o", fmt), fmt, "list")
    assert [r["id"] for r in rows] == ["1242", "1243", "1244"]
    assert rows[0]["iccid"] == "8901260000000000029" and rows[0]["assign_time"] == "2025-03-01 10:05:00"
    if fmt == "json":
        body = json.loads(panel("panel", "bundle", "list", "--limit", "3", "-o", "json").out)
        assert list(body) == ["list", "count"] and body["count"] == 10


@pytest.mark.parametrize("fmt", FORMATS)
def test_bundle_read(panel, fmt):
    panel.fresh()
    (row,) = records(panel("panel", "bundle", "read", SEED["bundle_imei"], "-o", fmt), fmt, "value")
    assert row == {"id": "1241", "imei": SEED["bundle_imei"], "model_code": "qlgv55lite", "equip_id": "13785",
                   "iccid": "", "order_id": "", "assign_time": ""}


@pytest.mark.parametrize("fmt", FORMATS)
def test_bundle_assign(panel, fmt):
    panel.fresh()
    panel.dirty = True
    only_success(panel("panel", "bundle", "assign", str(SEED["bundle"]), "--iccid", SEED["sim_free"], "-o", fmt), fmt)
    value = bundle_read(panel, SEED["bundle_imei"])
    assert value["iccid"] == SEED["sim_free"] and value["assign_time"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_bundle_order_assign(panel, fmt):
    panel.fresh()
    panel.dirty = True
    only_success(panel("panel", "bundle", "order", "assign", str(SEED["bundle"]), "--order-id", "77", "-o", fmt), fmt)
    assert bundle_read(panel, SEED["bundle_imei"])["order_id"] == 77
    only_success(panel("panel", "tracker", "bundle", "order", "assign", str(SEED["bundle"]), "-o", fmt), fmt)  # off its order
    assert bundle_read(panel, SEED["bundle_imei"])["order_id"] is None


@pytest.mark.parametrize("fmt", FORMATS)
def test_bundle_update(panel, fmt):
    panel.fresh()
    panel.dirty = True
    only_success(panel("panel", "bundle", "update", str(SEED["bundle"]), "--equip-id", str(SEED["equipment_b"]), "-o", fmt), fmt)
    value = bundle_read(panel, SEED["bundle_imei"])
    assert (value["equip_id"], value["model_code"]) == (SEED["equipment_b"], "telfmb920")


@pytest.mark.parametrize("fmt", FORMATS)
def test_clone(panel, fmt):
    panel.fresh()
    panel.dirty = True
    (row,) = records(panel("panel", "tracker", "clone", str(IDLE), "--user-id", str(SEED["user_fleet"]), "--label", "Courier",
                           "-o", fmt), fmt, None)
    assert list(row) == ["id"]
    value = panel_read(panel, int(row["id"]))
    assert (value["clone"], value["user_id"], value["label"]) == (True, SEED["user_fleet"], "Courier")
    assert value["source"]["id"] == panel_read(panel, IDLE)["source"]["id"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_console_connect(panel, fmt):
    panel.fresh()
    (row,) = records(panel("panel", "tracker", "console", "connect", str(SEED["tracker_cloned"]), "-o", fmt), fmt, None)
    assert list(row) == ["key", "timestamp"]
    assert re.fullmatch(r"[0-9a-f]{40}", row["key"]) and abs(int(row["timestamp"]) - time.time()) < 120


@pytest.mark.parametrize("fmt", FORMATS)
def test_corrupt(panel, fmt):
    panel.fresh()
    panel.dirty = True
    only_success(panel("panel", "tracker", "corrupt", str(IDLE), "--yes", "-o", fmt), fmt)
    gone = panel("panel", "tracker", "read", str(IDLE), "-o", SHOWN)
    assert gone.code == 1 and error_line(252) in gone.err
    (listed,) = panel.json("panel", "tracker", "list", "--filter", "Van 05")["list"]
    assert listed["deleted"] is True and listed["source"]["device_id"].startswith("corrupted.")


@pytest.mark.parametrize("fmt", FORMATS)
def test_corrupt_with_clones(panel, fmt):
    panel.fresh()
    panel.dirty = True
    only_success(panel("panel", "tracker", "corrupt", str(SEED["tracker_cloned"]), "--corrupt-clones", "--yes", "-o", fmt), fmt)
    (clone,) = panel.json("panel", "tracker", "list", "--filter", str(SEED["clone"]))["list"]
    assert clone["deleted"] is True and clone["source"]["corrupted"] is True


@pytest.mark.parametrize("fmt", FORMATS)
def test_delete_clone(panel, fmt):
    panel.fresh()
    panel.dirty = True
    only_success(panel("panel", "tracker", "delete-clone", str(SEED["clone_free"]), "--yes", "-o", fmt), fmt)
    assert panel_read(panel, SEED["clone_free"])["deleted"] is True


@pytest.mark.parametrize("fmt", FORMATS)
def test_move(panel, fmt):
    panel.fresh()
    panel.dirty = True
    (row,) = records(panel("panel", "tracker", "move", str(IDLE), "--user-id", str(SEED["user_fleet"]), "--yes", "-o", fmt), fmt, None)
    new = int(row["id"])
    assert new != IDLE
    value = panel_read(panel, new)
    assert (value["user_id"], value["label"], value["source"]["device_id"]) == (SEED["user_fleet"], "Van 05 city", IDLE_DEVICE)
    assert panel("panel", "tracker", "read", str(IDLE), "-o", SHOWN).code == 4  # the old id is gone


@pytest.mark.parametrize("fmt", FORMATS)
def test_register_retry(panel, fmt):
    panel.fresh()
    panel.dirty = True
    only_success(panel("panel", "tracker", "register-retry", str(IDLE), "--send-register-commands", "-o", fmt), fmt)
    rows = panel.sql("SELECT payload FROM commands WHERE kind = 'register'")
    assert [json.loads(p)["send_register_commands"] for (p,) in rows] == [True]


@pytest.mark.parametrize("fmt", FORMATS)
def test_register_entry_is_register_retry(panel, fmt):
    panel.fresh()
    panel.dirty = True
    done = panel("-v", "panel", "tracker", "register-entry", str(IDLE), "-o", fmt)
    only_success(done, fmt)
    assert f"POST {panel.url}/panel/tracker/register_retry" in done.err and "register_entry" not in done.err
    again = panel("panel", "tracker", "register-retry", str(IDLE), "-o", SHOWN)  # the same action: its 120 s limit
    assert again.code == 1 and error_line(264) in again.err


@pytest.mark.parametrize("fmt", FORMATS)
def test_settings_update(panel, fmt):
    panel.fresh()
    panel.dirty = True
    only_success(panel("panel", "tracker", "settings", "update", str(IDLE), "--label", "Courier", "--deleted", "--comment", "Gone",
                       "-o", fmt), fmt)
    value = panel_read(panel, IDLE)
    assert (value["label"], value["deleted"], value["comment"]) == ("Courier", True, "Gone")


@pytest.mark.parametrize("fmt", FORMATS)
def test_source_update(panel, fmt):
    panel.fresh()
    panel.dirty = True
    only_success(panel("panel", "tracker", "source", "update", str(IDLE), "--blocked", "-o", fmt), fmt)
    assert panel_read(panel, IDLE)["source"]["blocked"] is True
    only_success(panel("panel", "tracker", "source", "update", str(IDLE), "--no-blocked", "-o", fmt), fmt)
    assert panel_read(panel, IDLE)["source"]["blocked"] is False


@pytest.mark.parametrize("fmt", FORMATS)
def test_tariff_change(panel, fmt):
    panel.fresh()
    panel.dirty = True
    only_success(panel("panel", "tracker", "tariff", "change", str(IDLE), "--tariff-id", str(SEED["tariff_premium"]),
                       "--no-repay", "--no-charge", "-o", fmt), fmt)
    assert panel_read(panel, IDLE)["source"]["tariff_id"] == SEED["tariff_premium"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_raw_command_send(panel, fmt):
    panel.fresh()
    panel.dirty = True
    only_success(panel("panel", "tracker", "raw-command", "send", IDLE_DEVICE, "--command", "setparam 101:4", "-o", fmt), fmt)
    only_success(panel("panel", "tracker", "raw-command", "send", IDLE_DEVICE, "--command", "0A1b", "--type", "hex",
                       "--no-reliable", "-o", fmt), fmt)
    rows = panel.sql("SELECT payload, reliable FROM commands WHERE kind = 'raw' ORDER BY id")
    assert [(json.loads(p)["command"], json.loads(p)["type"], r) for p, r in rows] == [
        ("setparam 101:4", "text", 1), ("0A1b", "hex", 0)]


# ---- panel tracker list / panel bundle list: filters, order, paging, --all ----------------------


def ids(body: dict[str, Any]) -> list[int]:
    return [r["id"] for r in body["list"]]


def test_tracker_list_filters(panel):
    panel.fresh()
    everything = panel.json("panel", "tracker", "list")["list"]
    by_user = panel.json("panel", "tracker", "list", "--user-id", str(SEED["user_other"]))
    others = sorted(t["id"] for t in everything if t["user_id"] == SEED["user_other"])
    assert len(others) >= 3 and ids(by_user) == others and by_user["count"] == len(others)
    by_tariff = panel.json("panel", "tracker", "list", "--tariff-id", str(SEED["tariff_everyday"]))
    assert by_tariff["list"] and ids(by_tariff) == [t["id"] for t in everything if t["source"]["tariff_id"] == SEED["tariff_everyday"]]
    both = panel.json("panel", "tracker", "list", "--user-id", str(SEED["user_demo"]), "--tariff-id", str(SEED["tariff_everyday"]))
    assert ids(both) == [t["id"] for t in by_tariff["list"] if t["user_id"] == SEED["user_demo"]]
    vans = panel.json("panel", "tracker", "list", "--filter", "van")  # label, case-insensitively
    assert ids(vans) and all("van" in t["label"].lower() for t in vans["list"])
    assert ids(panel.json("panel", "tracker", "list", "--filter", IDLE_DEVICE)) == [IDLE]  # source.device_id
    assert ids(panel.json("panel", "tracker", "list", "--filter", "jointech")) == [SEED["tracker_lock"]]  # source.model
    clones = panel.json("panel", "tracker", "list", "--clones-filter", "only_include_clones")
    assert ids(clones) == sorted(t["id"] for t in everything if t["clone"]) and SEED["clone"] in ids(clones)
    originals = panel.json("panel", "tracker", "list", "--clones-filter", "exclude_clones")
    assert ids(originals) == sorted(t["id"] for t in everything if not t["clone"])
    assert ids(panel.json("panel", "tracker", "list", "--clones-filter", "not_set")) == [t["id"] for t in everything]
    assert panel.json("panel", "tracker", "list", "--filter", "no such tracker anywhere") == {"list": [], "count": 0}


ORDER_KEYS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "id": lambda t: t["id"],
    "label": lambda t: t["label"].lower(),
    "status": lambda t: t["source"]["connection_status"],
    "model": lambda t: t["source"]["model"],
    "device_id": lambda t: t["source"]["device_id"],
    "phone": lambda t: t["source"]["phone"],
    "creation_date": lambda t: t["creation_date"],
}


def ordered(items: list[dict[str, Any]], key: Callable[[dict[str, Any]], Any], descending: bool) -> list[int]:
    """SQLite's order: NULLs first ascending, ties by id in the same direction."""
    def sort_key(t: dict[str, Any]) -> tuple:
        value = key(t)
        return (value is not None, value if value is not None else 0, t["id"])
    return [t["id"] for t in sorted(items, key=sort_key, reverse=descending)]


@pytest.mark.parametrize("order_by", list(ORDER_KEYS))
def test_tracker_list_order_by(panel, order_by):
    panel.fresh()
    everything = panel.json("panel", "tracker", "list")["list"]
    assert REGISTRY.by_path("panel/tracker/list").param("order_by").choices == tuple(ORDER_KEYS)
    for direction, descending in (("--ascending", False), ("--descending", True)):
        got = panel.json("panel", "tracker", "list", "--order-by", order_by, direction)
        assert ids(got) == ordered(everything, ORDER_KEYS[order_by], descending), (order_by, direction)
    default = panel.json("panel", "tracker", "list", "--order-by", order_by)
    assert ids(default) == ordered(everything, ORDER_KEYS[order_by], False)


def test_tracker_list_offset_and_limit(panel):
    panel.fresh()
    everything = panel.json("panel", "tracker", "list", "--descending")
    page = panel.json("panel", "tracker", "list", "--descending", "--offset", "3", "--limit", "4")
    assert ids(page) == ids(everything)[3:7] and page["count"] == everything["count"]
    assert ids(panel.json("panel", "tracker", "list", "--offset", str(everything["count"]))) == []
    assert panel.json("panel", "tracker", "list", "--limit", "0")["list"] == []


BUNDLE_ORDER_KEYS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "id": lambda b: b["id"],
    "label": lambda b: b["imei"],
    "status": None,  # activation: not in the bundle object; checked as a permutation
    "model": lambda b: b["model_code"],
    "device_id": lambda b: b["imei"],
    "phone": None,  # the SIM's phone: not in the bundle object
    "creation_date": lambda b: b["assign_time"],
    "user_id": lambda b: b["id"],
    "comment": lambda b: b["id"],
}


def test_bundle_list_filters_order_and_paging(panel):
    panel.fresh()
    everything = panel.json("panel", "bundle", "list")
    assert everything["count"] == len(everything["list"]) == 10
    assert ids(panel.json("panel", "bundle", "list", "--filter", "atrack")) == [1244, 1249]  # model_code
    assert ids(panel.json("panel", "bundle", "list", "--filter", "0000000000029")) == [1242]  # iccid
    assert ids(panel.json("panel", "bundle", "list", "--filter", SEED["bundle_imei"])) == [1241]  # imei
    for value in ("exclude_clones", "only_include_clones", "not_set"):  # accepted; nothing to filter on bundles
        assert ids(panel.json("panel", "bundle", "list", "--clones-filter", value)) == ids(everything)
    assert REGISTRY.by_path("panel/tracker/bundle/list").param("order_by").choices == tuple(BUNDLE_ORDER_KEYS)
    for order_by, key in BUNDLE_ORDER_KEYS.items():
        for direction, descending in (("--ascending", False), ("--descending", True)):
            got = ids(panel.json("panel", "bundle", "list", "--order-by", order_by, direction))
            if key is None:
                assert sorted(got) == sorted(ids(everything)), order_by
            else:
                assert got == ordered(everything["list"], key, descending), (order_by, direction)
    page = panel.json("panel", "bundle", "list", "--descending", "--offset", "2", "--limit", "3")
    assert ids(page) == sorted(ids(everything), reverse=True)[2:5] and page["count"] == 10


def test_all_pages_on_the_seed(panel):
    panel.fresh()
    for what in (("tracker",), ("bundle",)):
        listed = panel.json("panel", *what, "list", "--all")
        assert list(listed) == ["list", "count"] and len(listed["list"]) == listed["count"] > 0
        lines = panel("panel", *what, "list", "--all", "-o", "jsonl").out.splitlines()
        assert [json.loads(line)["id"] for line in lines] == ids(listed)
    filtered = panel.json("panel", "tracker", "list", "--all", "--filter", "van", "--descending")
    assert ids(filtered) == ids(panel.json("panel", "tracker", "list", "--filter", "van", "--descending"))
    both = panel("panel", "tracker", "list", "--all", "--limit", "5", "-o", SHOWN)
    assert both.code == 2 and both.out == "" and "--all" in both.err


def test_all_pages_through_3000_generated_trackers(panel):
    panel.reset("--trackers", "3000", "--bundles", "2500")
    expected = sorted(i for (i,) in panel.sql("SELECT t.id FROM trackers t JOIN users u ON u.id = t.user_id WHERE u.dealer_id = 1"))
    assert len(expected) > 3000
    listed = panel.json("panel", "tracker", "list", "--all")
    assert len(listed["list"]) == listed["count"] == len(expected)
    assert ids(listed) == expected  # every id exactly once, in order
    lines = panel("panel", "tracker", "list", "--all", "--order-by", "label", "--descending", "-o", "jsonl").out.splitlines()
    assert sorted(json.loads(line)["id"] for line in lines) == expected
    rows = list(csv.DictReader(io.StringIO(panel("panel", "tracker", "list", "--all", "--clones-filter", "only_include_clones",
                                                 "-o", "csv").out)))
    clones = sorted(i for (i,) in panel.sql(
        "SELECT id FROM trackers WHERE clone = 1 AND user_id IN (SELECT id FROM users WHERE dealer_id = 1)"))
    assert len(clones) >= 300 and sorted(int(r["id"]) for r in rows) == clones and all(r["clone"] == "true" for r in rows)
    table = parse_table(panel("panel", "tracker", "list", "--all", "--order-by", "device_id", "-o", "table").out)
    assert sorted(int(r["id"]) for r in table) == expected
    bundles = panel.json("panel", "bundle", "list", "--all")
    expected_bundles = sorted(i for (i,) in panel.sql("SELECT id FROM bundles WHERE dealer_id = 1"))
    assert len(bundles["list"]) == bundles["count"] == len(expected_bundles) > 2500
    assert ids(bundles) == expected_bundles
    stream_check(panel)
    panel.reset()


def stream_check(panel: Panel) -> None:
    """jsonl streams: with 300 ms added to each answer, the first record is on stdout while later
    pages are still being fetched (the installed trackerctl, through a pipe)."""
    slow = start_server(panel.env, panel.db, "--latency", "300")
    try:
        proc = subprocess.Popen([*TRACKERCTL, "--api-url", slow.url, "panel", "tracker", "list", "--all", "-o", "jsonl"],
                                env=panel.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        first = proc.stdout.readline()
        still_running = proc.poll() is None
        rest = proc.stdout.read()  # not communicate(): it reads the pipe beneath readline's buffer
        err = proc.stderr.read()
        assert proc.wait(60) == 0, err
        assert json.loads(first)["id"] and still_running, "the first page is printed before the last is fetched"
        assert 1 + len(rest.splitlines()) > 3000
    finally:
        slow.stop()


# ---- aliases: panel bundle X == panel tracker bundle X; register-entry ---------------------------

BUNDLE_COMMANDS = [
    ("list", "--limit", "4", "--descending"),
    ("read", SEED["bundle_imei"]),
    ("assign", str(SEED["bundle"]), "--iccid", SEED["sim_free"]),
    ("order", "assign", str(SEED["bundle"]), "--order-id", "9"),
    ("update", str(SEED["bundle"]), "--equip-id", str(SEED["equipment_b"])),
    ("import", "111222333444555", "--equip-id", str(SEED["equipment"]), "--no-factory-preset"),
]


@pytest.mark.parametrize("argv", BUNDLE_COMMANDS, ids=lambda a: a[0] if a[0] != "order" else "order-assign")
def test_panel_bundle_is_panel_tracker_bundle(panel, argv):
    results = []
    for prefix in (("panel", "bundle"), ("panel", "tracker", "bundle")):
        panel.reset()
        dry = panel(*prefix, *argv, "--dry-run")
        assert dry.code == 0, dry.err
        requests = [json.loads(line) for line in dry.out.splitlines()]
        assert requests and all(r["url"].startswith(panel.url + "/panel/tracker/bundle/") for r in requests)
        done = panel(*prefix, *argv, "-o", "json")
        assert done.code == 0, done.err
        after = panel.json("panel", "bundle", "list", "--all")["list"]
        for b in after:  # the time of an assignment is now: the same second or not
            b["assign_time"] = b["assign_time"] is not None
        results.append(([(r["method"], r["url"], r["body"]) for r in requests], done.out, after))
    assert results[0] == results[1]
    panel.dirty = True


def test_register_entry_alias_requests_register_retry(panel):
    dry = panel("panel", "tracker", "register-entry", str(IDLE), "--no-send-register-commands", "--dry-run")
    (request,) = [json.loads(line) for line in dry.out.splitlines()]
    assert request["url"] == f"{panel.url}/panel/tracker/register_retry"
    assert request["body"] == {"tracker_id": IDLE, "send_register_commands": False}
    same = panel("panel", "tracker", "register-retry", str(IDLE), "--no-send-register-commands", "--dry-run")
    assert same.out == dry.out


# ---- every documented error, from the state that causes it -----------------------------------------
# The sandbox unit tests' table (tests/unit/test_sandbox_panel_actions.py ERROR_CASES: the same
# parameters and setups), each case sent through the command of its action (`trackerctl api` for the
# cases marked `via="api"`), plus CLI_CASES that only the command line has.

Setup = Callable[[Panel], None] | None


@dataclass(frozen=True)
class Case:
    action: str  # API path
    code: int
    argv: tuple[str, ...]
    setup: Setup = None
    exit: int | None = None  # None: the contract's exit for the code
    stderr: tuple[str, ...] = ()  # further lines expected on stderr (extra fields of the answer)
    note: str = ""


def case(action: str, code: int, *argv: str, setup: Setup = None, id: str = "", exit: int | None = None,
         stderr: tuple[str, ...] = (), note: str = "") -> Any:
    c = Case("panel/tracker/" + action, code, argv, setup, exit, stderr, note)
    return pytest.param(c, id=f"{action}-{code}" + (f"-{id}" if id else ""))


T, B = ("panel", "tracker"), ("panel", "bundle")
S = {k: str(v) for k, v in SEED.items()}

# Listed by the document, but no state causes it: bundle/import creates bundles, it looks none up
# (as NOT_PRODUCIBLE in tests/unit/test_sandbox_panel_actions.py).
NOT_PRODUCIBLE = {("panel/tracker/bundle/import", 201): "bundle/import looks no bundle up: no state causes 'bundle not found'"}
# Produced, but never an error of the command: the bulk engine takes it as "already done".
ENGINE_HANDLED = {
    ("panel/tracker/bundle/import", 247): "an existing IMEI is `skipped` by the bulk engine (tests/e2e/test_bulk_e2e.py)",
}
# Further lines on stderr in table mode: the answer's extra fields, by case id.
STDERR = {
    "corrupt-253": (f"list: [{S['clone']}]",),
    "delete_clone-203-rules": (f"rules: [{S['rule']}]",),
    "delete_clone-203-vehicles": (f"vehicles: [{S['vehicle']}]",),
    "raw_command/send-7": ("command: Non-hex string",),
}


def on_served(setup: Callable[[Sandbox], None]) -> Setup:
    """A unit test's setup, run on the served database."""
    def run(panel: Panel) -> None:
        sb = panel.sandbox()
        try:
            setup(sb)
        finally:
            sb.store.close()
    return run


def command_line(c: SandboxErrorCase) -> list[str]:
    """The command that sends the case: its action's (register_entry: the `register-entry` alias of
    register-retry), or `trackerctl api` for the cases the CLI cannot send."""
    if c.via == "api":
        return api_argv(c.path, c.params)
    if c.path == "panel/tracker/register_entry":
        return ["register-entry" if w == "register-retry" else w for w in argv_for("panel/tracker/register_retry", c.params)]
    argv = argv_for(c.path, c.params)
    if argv[:3] == ["panel", "tracker", "bundle"]:  # as users type it (the same command: test_panel_bundle_is_panel_tracker_bundle)
        return ["panel", *argv[2:]]
    return argv


def from_sandbox(c: SandboxErrorCase) -> Any:
    setup = on_served(c.setup) if c.setup is not None else None
    return pytest.param(Case(c.pair[0], c.code, tuple(command_line(c)), setup, stderr=STDERR.get(c.id, ())), id=c.id)


CLI_CASES = [
    case("list", 201, *T, "list", "--all", "--user-id", S["user_foreign"], id="all"),
    # The generated command checks a hex command itself (Param.hex_if): the sandbox's 7 (sent with
    # `trackerctl api` by the table's case) cannot be reached through it: a usage error, exit 2, nothing sent
    case("raw_command/send", 7, *T, "raw-command", "send", IDLE_DEVICE, "--command", "setparam", "--type", "hex", exit=2,
         stderr=("--command",), id="pre-checked", note="the CLI checks hex itself"),
]

ERROR_CASES = [from_sandbox(c) for c in SANDBOX_ERROR_CASES if c.pair not in ENGINE_HANDLED] + CLI_CASES


@pytest.mark.parametrize("c", ERROR_CASES)
def test_documented_error(panel, c: Case):
    if c.setup is not None:
        panel.reset()
        c.setup(panel)
        panel.dirty = True
    else:
        panel.fresh()
    done = panel(*c.argv, "-o", SHOWN)
    expected_exit = c.exit if c.exit is not None else exit_for(c.code)
    assert done.code == expected_exit, (done.code, done.err)
    assert done.out == ""
    assert "Traceback" not in done.err
    if c.exit == 2:
        assert "error 7" not in done.err, "a usage error: nothing was sent"
    else:
        assert error_line(c.code) in done.err, done.err
    for line in c.stderr:
        assert line in done.err, done.err


def test_errors_in_json_mode_are_the_api_body_on_stderr(panel):
    panel.fresh()
    for argv, code, extra in [
        ((*T, "corrupt", S["tracker_cloned"], "--yes"), 253, {"list": [SEED["clone"]]}),
        ((*T, "delete-clone", S["clone_with_rules"], "--yes"), 203, {"rules": [SEED["rule"]]}),
        ((*T, "read", "987654321"), 201, {}),
    ]:
        for fmt in ("json", "jsonl"):
            done = panel(*argv, "-o", fmt)
            assert done.code == exit_for(code) and done.out == ""
            (line,) = [ln for ln in done.err.splitlines() if ln.startswith("{")]
            assert json.loads(line) == {"success": False, "status": {"code": code, "description": describe(code)[0]}, **extra}


def permission_cases() -> list[tuple[str, tuple[str, ...]]]:
    return [
        ("panel/tracker/bundle/list", (*B, "list")),
        ("panel/tracker/bundle/read", (*B, "read", SEED["bundle_imei"])),
        ("panel/tracker/bundle/assign", (*B, "assign", S["bundle"], "--iccid", S["sim_free"])),
        ("panel/tracker/bundle/order/assign", (*T, "bundle", "order", "assign", S["bundle"], "--order-id", "5")),
        ("panel/tracker/bundle/update", (*B, "update", S["bundle"], "--equip-id", S["equipment"])),
        ("panel/tracker/bundle/import", (*B, "import", "111222333444555", "--equip-id", S["equipment"], "--factory-preset")),
    ]


def test_account_without_tracker_bundles_gets_13(panel, tmp_path):
    """Panel account 1001 has every permission but `tracker_bundles`: each bundle command is refused
    with 13 (exit 1), while the tracker commands work."""
    panel.fresh()
    env = {**clean_env(tmp_path), "TRACKERCTL_API_URL": panel.url}
    panel.login(SEED["panel_login_no_bundles"], env=env)
    assert panel("panel", "tracker", "list", "--limit", "1", "-o", "json", env=env).code == 0
    before = panel.sql("SELECT * FROM bundles ORDER BY id")
    bundle_paths = {a.path for a in REGISTRY.actions if a.path.startswith("panel/tracker/bundle/")}
    assert {path for path, _ in permission_cases()} == bundle_paths
    for path, argv in permission_cases():
        done = panel(*argv, "-o", SHOWN, env=env)
        assert (done.code, done.out) == (1, ""), (path, done.err)
        assert error_line(13) in done.err, (path, done.err)
    assert panel.sql("SELECT * FROM bundles ORDER BY id") == before


DESTRUCTIVE = [
    (*T, "corrupt", S["tracker_idle"]),
    (*T, "delete-clone", S["clone_free"]),
    (*T, "batch-delete-clones", S["clone_free"], S["clone"]),
    (*T, "move", S["tracker_idle"], "--user-id", S["user_fleet"]),
]


def dead_url() -> str:
    with socket.socket() as s:  # a port nobody listens on: any request would fail with exit 5
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}/v2"


@pytest.mark.parametrize("argv", DESTRUCTIVE, ids=lambda a: a[2])
def test_destructive_commands_need_yes_off_a_terminal(panel, argv):
    panel.fresh()
    assert {a.path for a in REGISTRY.actions if a.destructive and a.api == "panel"} == {
        "panel/tracker/corrupt", "panel/tracker/delete_clone", "panel/tracker/batch_delete_clones", "panel/tracker/move"}
    before = panel.sql("SELECT * FROM trackers ORDER BY id")
    for url in (panel.url, dead_url()):  # against a dead port, anything sent would be exit 5
        done = panel(*argv, "-o", SHOWN, url=url)
        assert (done.code, done.out) == (2, ""), done.err
        assert "--yes" in done.err and "Traceback" not in done.err
    assert panel.sql("SELECT * FROM trackers ORDER BY id") == before
    # the installed trackerctl with stdin and stderr not terminals
    proc = subprocess.run([*TRACKERCTL, "--api-url", dead_url(), *argv], env=panel.env, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=60)
    assert (proc.returncode, proc.stdout) == (2, "") and "--yes" in proc.stderr
    # --dry-run needs no --yes: it prints the request and sends nothing
    dry = panel(*argv, "--dry-run", url=dead_url())
    assert dry.code == 0 and json.loads(dry.out.splitlines()[0])["url"].startswith("http://127.0.0.1:")


# ---- coverage: commands for every action, a CLI case for every documented error ------------------


def documented() -> tuple[set[str], set[tuple[str, int]]]:
    """The document's actions and (action, code) pairs of its `#### errors` lists; its
    `register_entry` is the platform's `register_retry` (spec/README.md)."""
    actions: set[str] = set()
    pairs: set[tuple[str, int]] = set()
    name, in_errors = None, False
    for line in spec_file("panel-api-tracker.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("### "):
            name = "panel/tracker/" + line[4:].strip().replace("register_entry", "register_retry")
            actions.add(name)
            in_errors = False
        elif line.startswith("#### "):
            in_errors = line.strip() == "#### errors"
        elif in_errors and name and (m := re.match(r"\* (\d+)\b", line)):
            pairs.add((name, int(m.group(1))))
    return actions, pairs


def api_path_of(command: Any) -> str | None:
    m = re.search(r"API: POST (\S+?)\.(?:\s|$)", command.help or "")
    return m.group(1) if m else None


def walk(group: Any, words: tuple[str, ...]) -> dict[tuple[str, ...], Any]:
    """Every leaf command under `group`, by its words."""
    from trackerctl.cli.framework import Context

    leaves: dict[tuple[str, ...], Any] = {}
    ctx = Context(group)
    for name in group.list_commands(ctx):
        child = group.get_command(ctx, name)
        if hasattr(child, "list_commands"):
            leaves.update(walk(child, (*words, name)))
        else:
            leaves[(*words, name)] = child
    return leaves


def cli_tree() -> dict[tuple[str, ...], Any]:
    from trackerctl.cli.framework import Context

    root = __import__("typer").main.get_command(build_cli())
    panel_group = root.get_command(Context(root), "panel")
    return walk(panel_group, ("panel",))


def test_every_panel_action_has_its_command():
    actions, _ = documented()
    assert len(actions) == 20
    wanted = actions | {"panel/tracker/batch_clone"}
    leaves = cli_tree()
    under_tracker = {api_path_of(c) for words, c in leaves.items() if words[:2] == ("panel", "tracker")}
    assert not wanted - under_tracker, f"actions without a `panel tracker` command: {sorted(wanted - under_tracker)}"
    bundle_paths = {a for a in wanted if a.startswith("panel/tracker/bundle/")}
    under_bundle = {api_path_of(c) for words, c in leaves.items() if words[:2] == ("panel", "bundle")}
    assert bundle_paths and under_bundle == bundle_paths
    for words, command in leaves.items():  # `panel bundle X` and `panel tracker bundle X` are one command
        if words[:2] == ("panel", "bundle"):
            assert api_path_of(leaves[("panel", "tracker", *words[1:])]) == api_path_of(command)
    assert api_path_of(leaves[("panel", "tracker", "register-entry")]) == "panel/tracker/register_retry"
    assert api_path_of(leaves[("panel", "tracker", "register-retry")]) == "panel/tracker/register_retry"


def test_every_documented_error_is_exercised_through_the_cli():
    _, pairs = documented()
    assert len(pairs) > 50 and ("panel/tracker/tariff/change", 238) in pairs
    cases: list[Case] = [p.values[0] for p in ERROR_CASES]
    assert all(not p.marks for p in ERROR_CASES), "every case runs: none is skipped or xfailed"
    covered = {(c.action, c.code) for c in cases}
    missing = pairs - covered - set(NOT_PRODUCIBLE) - set(ENGINE_HANDLED)
    assert not missing, f"documented errors no CLI case produces: {sorted(missing)}"
    assert set(NOT_PRODUCIBLE) <= pairs and set(ENGINE_HANDLED) <= pairs
    assert not (set(NOT_PRODUCIBLE) | set(ENGINE_HANDLED)) & covered
    # each case's command line really reaches its action
    leaves = cli_tree()
    for c in cases:
        if c.argv[0] == "api":
            assert c.argv[1] == c.action
            continue
        words = tuple(w for w in c.argv if not w.startswith("-"))
        command = next((leaves[words[:n]] for n in range(len(words), 1, -1) if words[:n] in leaves), None)
        assert command is not None and api_path_of(command) == c.action, c
    # and the registry names each documented code of the action
    for action, code in pairs - {(a, 7) for a, _ in pairs}:
        entry = REGISTRY.by_path(action)
        assert entry is not None and code in entry.errors, (action, code)
