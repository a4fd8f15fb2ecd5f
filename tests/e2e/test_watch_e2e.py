"""`tracker get-state ID... --watch`: JSON lines per refresh in a pipe; Ctrl-C is exit 130.

The watch runs as the installed trackerctl (a signal ends it); the commands against the in-process
sandbox (`--api-url sandbox`) run in this process (tests/helpers/inprocess.py).
"""

from __future__ import annotations

import json
import signal
import subprocess

import pytest

from tests.e2e.conftest import TRACKERCTL
from tests.helpers.inprocess import run_cli as cli

pytestmark = pytest.mark.e2e


def test_watch_in_a_pipe_prints_one_line_per_tracker_per_refresh(home, server):
    env = {**home, "TRACKERCTL_API_URL": server.url, "TRACKERCTL_HASH": "0123456789abcdef0123456789abcdef"}
    proc = subprocess.Popen([*TRACKERCTL, "tracker", "get-state", "123456", "999119", "987654321", "--watch", "0.5"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = [proc.stdout.readline() for _ in range(6)]
    proc.send_signal(signal.SIGINT)
    rest, err = proc.communicate(timeout=20)
    assert proc.returncode == 130 and "Traceback" not in err
    records = [json.loads(line) for line in lines]
    assert [r["tracker_id"] for r in records] == [123456, 999119, 987654321] * 2
    assert records[0]["connection_status"] and records[2]["connection_status"] == "not found"


def test_get_state_takes_one_id_without_watch(home):
    assert cli(home, "--api-url", "sandbox", "tracker", "get-state", "123456", "999119").returncode == 2
    one = cli(home, "--api-url", "sandbox", "tracker", "get-state", "123456", "-o", "json")
    assert one.returncode == 0 and "state" in json.loads(one.stdout)
    assert cli(home, "--api-url", "sandbox", "tracker", "get-state", "1", "--watch", "0.1").returncode == 2


def test_send_command_sends_one_request_and_the_platform_checks_the_model(home):
    """No read of the tracker or its model goes first (contract 10): a command the model does not
    take is the platform's refusal (code 7), one request in all, as for one it takes."""
    lock = '{"name": "electronic_lock_command", "command_code": "unseal", "special_settings": {"type": "electronic_lock_password", "password": "345892"}}'
    ok = cli(home, "--api-url", "sandbox", "-v", "tracker", "send-command", "200008", "--command", lock, "-o", "json")
    assert ok.returncode == 0, ok.stderr
    assert [line for line in ok.stderr.splitlines() if line.startswith("> POST")] == ["> POST http://sandbox.invalid/v2/tracker/send_command"]
    refused = cli(home, "--api-url", "sandbox", "-v", "tracker", "send-command", "123456", "--command", lock, "-o", "json")
    assert refused.returncode == 1 and refused.stdout == "" and '"code": 7' in refused.stderr
    assert sum(line.startswith("> POST") for line in refused.stderr.splitlines()) == 1
    assert cli(home, "--api-url", "sandbox", "tracker", "send-command", "123456", "--command", "{bad").returncode == 2
    assert cli(home, "--api-url", "sandbox", "tracker", "send-command", "123456", "--command", "@/nonexistent").returncode == 2
