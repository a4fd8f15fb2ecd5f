"""Every registry `example=` runs as written against a freshly seeded sandbox (help, man pages and
the docs show them, so they must work). Only the trackerctl part of an example runs: a pipe into
jq or anything else is cut off at the first `|`; `--api-url sandbox` is added, so the command
answers in-process from its own fresh TRACKERCTL_SANDBOX_DB."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trackerctl.api.action import Action
from trackerctl.api.endpoints import PANEL_ACTIONS, USER_ACTIONS
from trackerctl.cli.app import build_cli
from trackerctl.cli.context import AppContext

pytestmark = pytest.mark.e2e


def example_argv(action: Action) -> list[str]:
    """The example's trackerctl command as argv (without the program name), up to the first pipe."""
    assert action.example, f"{action.path} has no example"
    command = shlex.split(action.example.split("|", 1)[0])
    assert command[0] == "trackerctl", action.example
    argv = command[1:]
    assert argv[: len(action.command_path)] == list(action.command_path) or any(
        argv[: len(alias)] == list(alias) for alias in action.aliases), f"{action.path}: example runs another command: {action.example}"
    if action.destructive:
        assert "--yes" in argv or "-y" in argv, f"{action.path}: a destructive example needs --yes to run as written"
    return argv


def run_example(action: Action, db: Path, env: dict[str, str] | None = None):
    """Run `action`'s example in-process against a fresh sandbox in `db`; the CliRunner result."""
    assert not db.exists(), "each example gets a freshly seeded sandbox"
    env = {"TRACKERCTL_SANDBOX_DB": str(db), "TRACKERCTL_CONFIG": str(db.parent / "config.toml"),
           "TRACKERCTL_KEYRING": "file", **(env or {})}
    return CliRunner().invoke(build_cli(), ["--api-url", "sandbox", *example_argv(action)], obj=AppContext(env=env))


@pytest.mark.parametrize("action", USER_ACTIONS, ids=lambda a: a.path)
def test_user_examples_run(action, tmp_path):
    """Each of the 23 user actions' example, against its own fresh sandbox, exits 0."""
    result = run_example(action, tmp_path / "sandbox.sqlite")
    assert result.exit_code == 0, (action.example, result.stderr or result.output)
    assert "Traceback" not in result.stderr
    assert (tmp_path / "sandbox.sqlite").exists(), "the example ran against the in-process sandbox"


@pytest.mark.parametrize("action", PANEL_ACTIONS, ids=lambda a: a.path)
def test_panel_examples_run(action, tmp_path):
    """Each panel action's example (the 20 of the document and batch_clone), destructive ones with
    --yes as written, against its own fresh sandbox (the demo panel account), exits 0."""
    result = run_example(action, tmp_path / "sandbox.sqlite")
    assert result.exit_code == 0, (action.example, result.stderr or result.output)
    assert "Traceback" not in result.stderr
    assert (tmp_path / "sandbox.sqlite").exists(), "the example ran against the in-process sandbox"
