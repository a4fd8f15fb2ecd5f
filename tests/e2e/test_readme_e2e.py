"""The README's two commands stay true: CI runs the test one; the try-it one really works."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from tests.e2e.conftest import cli

pytestmark = pytest.mark.e2e
REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text()


def sh_blocks() -> list[str]:
    return re.findall(r"```sh\n(.*?)```", README, flags=re.S)


def test_ci_runs_the_readmes_test_command():
    test_command = sh_blocks()[1].strip()
    ci = (REPO / ".ci" / "run").read_text().strip().splitlines()
    assert ci[-1].strip() == test_command


def test_the_try_it_command_runs_a_real_session(home):
    """Each trackerctl step of the first command, as written, against a fresh in-process sandbox."""
    steps = [shlex.split(step.strip()) for step in sh_blocks()[0].split("&&")]
    runs = [step for step in steps if step[0].endswith("trackerctl")]
    assert len(runs) >= 3
    for argv in runs:
        result = cli(home, *argv[1:])
        assert result.returncode == 0, (argv, result.stderr)
        assert result.stdout.strip(), argv


def test_in_process_sandbox_keeps_state_and_needs_no_login(home):
    first = cli(home, "--api-url", "sandbox", "tracker", "list", "-o", "json")
    assert first.returncode == 0, first.stderr
    reset = cli(home, "sandbox", "reset", "--trackers", "50", "-o", "json")
    assert reset.returncode == 0, reset.stderr
    many = cli(home, "--profile", "sandbox", "panel", "tracker", "list", "--limit", "1", "-o", "json")
    assert many.returncode == 0, many.stderr
    import json

    assert json.loads(many.stdout)["count"] >= 50
    assert Path(home["TRACKERCTL_SANDBOX_DB"]).exists()
