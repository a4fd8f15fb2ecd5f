"""`panel tracker console open` as the installed trackerctl runs it (CLI-CONTRACT.md section 12).

- on a real pseudo-terminal: the status table redrawn in place, the device's output below it;
- in a pipe with --follow: a JSON line per frame until Ctrl-C, then exit 130;
- against the sandbox's own console, served (`sandbox serve`) and in-process (`--api-url sandbox`).

The platform's side of the first two is a console server of the test's own (websockets' sync server
on loopback, tests/helpers/console.py) beside the sandbox's HTTP API in this process.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.sync.server import ServerConnection

from tests.e2e.conftest import TRACKERCTL, cli
from tests.helpers.terminal import on_pty
from tests.helpers.environment import isolated_env
from tests.helpers.console import STATUS, TRACKER, Api, Console, send, served_api
from trackerctl.sandbox.seed import SEED

pytestmark = pytest.mark.e2e

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@pytest.fixture(scope="module")
def api(tmp_path_factory) -> Iterator[Api]:
    with served_api(tmp_path_factory.mktemp("console-e2e")) as served:
        yield served


@pytest.fixture
def console() -> Iterator[list[Console]]:
    started: list[Console] = []
    yield started
    for c in started:
        c.stop()


def lively(ws: ServerConnection, c: Console) -> None:
    """The status on open; for a command, a changed status, two lines of traffic and the reply."""
    send(ws, STATUS)
    for message in ws:
        c.received.append(message)
        send(ws, {"type": "status", "data": [["GSM Level", "20"], ["Battery level", "3.827"]]})
        send(ws, {"type": "output", "msg": "+RESP:GTFRI,first\n+RESP:GTFRI,second"})
        send(ws, {"type": "output", "msg": f"{message}: OK"})


def env_for(api: Api, c: Console, tmp_path: Path) -> dict[str, str]:
    env = isolated_env(tmp_path, TRACKERCTL_API_URL=api.url, TRACKERCTL_PANEL_HASH=api.hash, TRACKERCTL_CONSOLE_URL=c.url)
    for name in ("COLUMNS", "LINES"):  # the terminal's own size must decide
        env.pop(name, None)
    return env


def on_terminal(env: dict[str, str], argv: list[str], columns: int = 80, rows: int = 30) -> tuple[int, str, str]:
    """Run trackerctl with stdout on a pseudo-terminal; (exit code, stdout as written, stderr)."""
    return on_pty([*TRACKERCTL, *argv], env, columns, rows, Path(env["HOME"]).parent / "stderr.txt")


def last_picture(raw: str) -> list[str]:
    """The lines of the view as it was last drawn: what follows the last erase of a line."""
    tail = raw.rsplit("\x1b[2K", 1)[-1]
    return [line.rstrip() for line in ANSI.sub("", tail).replace("\r\n", "\n").split("\n") if line.strip()]


def test_on_a_terminal_the_status_table_is_updated_in_place_and_the_output_is_below_it(api, console, tmp_path):
    c = Console(lively)
    console.append(c)
    code, raw, err = on_terminal(env_for(api, c, tmp_path), ["panel", "tracker", "console", "open", str(TRACKER), "--send", "getinfo",
                                                             "--until-reply", "--timeout", "30"])
    assert code == 0, err
    assert err == "" and c.received == ["getinfo"]
    assert "\x1b[2K" in raw and "\x1b[1A" in raw  # redrawn in place, not printed again below
    picture = last_picture(raw)
    assert re.fullmatch(r"name\s+value", picture[0])
    cells = [re.split(r"\s{2,}", line.strip(), maxsplit=1) for line in picture[2:]]  # after the header's rule
    assert cells[:4] == [["Time", "2017-11-16 10:02:37.0"], ["Location valid", "yes"], ["GSM Level", "20"],
                         ["Battery level", "3.827"]]  # updated by name, new names added in order
    assert [cell[-1] for cell in cells[4:]] == ["+RESP:GTFRI,first", "+RESP:GTFRI,second", "getinfo: OK"]
    assert re.fullmatch(r"\d\d:\d\d:\d\d", cells[4][0]) and len(cells[5]) == 1  # the time a message came, once
    assert all(len(line) <= 80 for line in picture)


def test_follow_prints_until_ctrl_c_and_ends_with_130(api, console, tmp_path):
    c = Console(lively)
    console.append(c)
    proc = subprocess.Popen([*TRACKERCTL, "panel", "tracker", "console", "open", str(TRACKER), "--send", "getinfo", "--follow"],
                            env=env_for(api, c, tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = [json.loads(proc.stdout.readline()) for _ in range(4)]  # status, status, output, reply
    proc.send_signal(signal.SIGINT)
    rest, err = proc.communicate(timeout=30)
    assert proc.returncode == 130 and err == "interrupted\n" and rest == ""
    assert [f["type"] for f in first] == ["status", "status", "output", "output"] and first[-1]["msg"] == "getinfo: OK"


# ---- the sandbox's own console ------------------------------------------------------------------
def test_against_sandbox_serve(home, server):
    login = cli(home, "--api-url", server.url, "auth", "login", "--panel", "--login", SEED["panel_login"], "--password-stdin",
                input=SEED["password"] + "\n")
    assert login.returncode == 0, login.stderr
    done = cli(home, "--api-url", server.url, "panel", "tracker", "console", "open", str(TRACKER), "--send", "getver", "--send",
               "getinfo", "--until-reply", "--timeout", "30")
    assert done.returncode == 0, done.stderr
    frames = [json.loads(line) for line in done.stdout.splitlines()]
    assert frames[0]["type"] == "status" and frames[-1]["type"] == "output" and "getinfo" in frames[-1]["msg"]
    assert any("getver" in f.get("msg", "") for f in frames)


def test_in_process_against_the_sandbox(home):
    done = cli(home, "--api-url", "sandbox", "panel", "tracker", "console", "open", str(TRACKER), "--send", "getinfo",
               "--until-reply", "--timeout", "30")
    assert done.returncode == 0, done.stderr
    frames = [json.loads(line) for line in done.stdout.splitlines()]
    assert frames[0]["type"] == "status" and "getinfo" in frames[-1]["msg"]
