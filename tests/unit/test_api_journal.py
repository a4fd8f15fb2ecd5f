"""`trackerctl api PATH` keeps a journal of a known action's write, as its command does (CLI-CONTRACT.md
section 13: every run that writes); a read keeps none."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from trackerctl.cli.app import build_cli
from trackerctl.cli.context import AppContext
from trackerctl.fleet import journal
from tests.helpers.environment import context_env


def run(env: dict[str, str], *args: str):
    return CliRunner().invoke(build_cli(), ["--api-url", "sandbox", *args], obj=AppContext(env=env))


def test_a_write_through_api_is_journaled_and_a_read_is_not(tmp_path):
    env = context_env(tmp_path)
    kept = tmp_path / "state" / "trackerctl" / "journal"
    read = run(env, "api", "panel/tracker/read", "-F", "tracker_id=123456")
    assert read.exit_code == 0 and not kept.exists()
    wrote = run(env, "api", "panel/tracker/settings/update", "-F", "tracker_id=123456", "-f", "label=Via api",
                "-F", "deleted=false")
    assert wrote.exit_code == 0, wrote.stderr
    (path,) = kept.iterdir()
    run_ = journal.read(path)
    assert run_.action == "panel/tracker/settings/update" and run_.header["api_url"] == "sandbox"
    (entry,) = run_.entries
    assert (entry.item, entry.status, entry.request["label"], entry.before) == (123456, "succeeded", "Via api", None)
    audit = [json.loads(line) for line in (tmp_path / "state" / "trackerctl" / "audit.jsonl").read_text().splitlines()]
    assert [(a["action"], a["code"], a["journal"]) for a in audit] == [("panel/tracker/settings/update", 0, str(path))]
