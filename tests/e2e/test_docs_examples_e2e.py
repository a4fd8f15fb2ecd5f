"""Every example a reader is shown runs as written: the examples of every `--help` page that is not an
API action's (those run in test_examples_e2e.py) and every `trackerctl` line of the README's shell
blocks (CLI-CONTRACT.md section 11; issue 11 found `auth status --help`'s failing on the real output).

Each runs in bash, pipes into jq included, with `trackerctl` the installed console script, in a world
of its own: a temporary HOME with the XDG folders in it, a fresh in-process sandbox
(`TRACKERCTL_API_URL=sandbox`), the profiles the examples name (`work`, `old-account`), the files
they read (`imeis.csv`, `clones.txt`) and `$PASS` set to the demo password. Three kinds need more
than a line of bash: an example that asks (README's `auth login`) runs on a pseudo-terminal that
answers the prompts; one that runs until Ctrl-C (`--watch`, `sandbox serve`) is interrupted once it
has printed, and must end with 130; `auth token`'s curl goes to a `sandbox serve` instead of the
platform.
"""

from __future__ import annotations

import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from trackerctl.cli import help as help_
from trackerctl.config import Config
from trackerctl.sandbox.seed import SEED

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent  # where the console script `trackerctl` is installed with this Python
PLATFORM_URL = "https://api.eu.navixy.com/v2"


def help_examples() -> list[str]:
    """Examples of the help pages, but those of API actions (run as written by test_examples_e2e)."""
    from trackerctl.api.endpoints import REGISTRY

    api = {f"Example: {a.example}" for a in REGISTRY.actions} | {a.example for a in REGISTRY.actions}
    pages = json.loads(help_.PAGES.read_text(encoding="utf-8"))["pages"]
    return sorted({e for page in pages.values() for e in page["examples"] if e not in api})


def readme_examples() -> list[str]:
    """The `trackerctl ...` lines of the README's ```sh blocks (the two install commands at its top run
    in CI as they are)."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    lines = [line for block in re.findall(r"```sh\n(.*?)```", text, re.S) for line in block.splitlines()]
    return [line for line in lines if line.startswith("trackerctl ")]


def world(tmp_path: Path, api_url: str = "sandbox") -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRACKERCTL_", "XDG_"))}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), XDG_DATA_HOME=str(home / ".local" / "share"),
               XDG_STATE_HOME=str(home / ".local" / "state"), TRACKERCTL_SANDBOX_DB=str(tmp_path / "sandbox.sqlite"),
               TRACKERCTL_API_URL=api_url, TRACKERCTL_KEYRING="file", PASS=SEED["password"], SHELL="/bin/bash",
               PATH=f"{BIN}{os.pathsep}{env.get('PATH', '/usr/bin:/bin')}")
    Config(home / ".config" / "trackerctl" / "config.toml",
           profiles={"work": {"api_url": api_url}, "old-account": {"api_url": api_url}}).save()
    (tmp_path / "imeis.csv").write_text("imei\n862436965665431\n862436965665432\n", encoding="utf-8")
    (tmp_path / "clones.txt").write_text(f"{SEED['clone_free']}\n", encoding="utf-8")
    (tmp_path / "labels.csv").write_text("tracker_id,label,comment\n123456,Van 1,leased\n999119,Van 2,\n", encoding="utf-8")
    return env


def bash(line: str, env: dict[str, str], cwd: Path, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-c", f"set -o pipefail\n{line}"], env=env, cwd=cwd, input=stdin,
                          capture_output=True, text=True, timeout=120)


def until_interrupted(line: str, env: dict[str, str], cwd: Path) -> tuple[int, str, str]:
    """Run `line` until it has printed a first line on stdout, then Ctrl-C it (SIGINT to its group)."""
    proc = subprocess.Popen(["bash", "-c", f"exec {line}"], env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    first = proc.stdout.readline()
    os.killpg(proc.pid, signal.SIGINT)
    rest, err = proc.communicate(timeout=60)
    return proc.returncode, first + rest, err


def answering(line: str, env: dict[str, str], cwd: Path, answers: dict[str, str]) -> tuple[int, str]:
    """Run `line` on a pseudo-terminal, answering each prompt whose text matches a key of `answers`."""
    import pty

    pid, fd = pty.fork()
    if pid == 0:  # the child: its stdin, stdout and stderr are the terminal
        os.chdir(cwd)
        os.execve("/bin/bash", ["bash", "-c", line], env)
    seen, pending, deadline = b"", b"", time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.5)
            try:
                chunk = os.read(fd, 4096) if ready else b""
            except OSError:  # the child closed the terminal: it has ended
                break
            if ready and not chunk:
                break
            seen += chunk
            pending += chunk
            for prompt, answer in answers.items():
                if re.search(prompt.encode(), pending, re.I):
                    os.write(fd, answer.encode() + b"\r")
                    pending = b""
                    break
    finally:
        ended, status = os.waitpid(pid, os.WNOHANG)
        if not ended:  # still running: stuck at a prompt nobody answered
            os.kill(pid, signal.SIGKILL)
            _, status = os.waitpid(pid, 0)
        os.close(fd)
    return os.waitstatus_to_exitcode(status), seen.decode(errors="replace")


ANSWERS = {"login \\(e-mail\\): *$": SEED["login_demo"], "dealer id\\): *$": SEED["panel_login"],
           "password: *$": SEED["password"], "code.*: *$": SEED["two_factor_code"]}


def run_example(line: str, tmp_path: Path) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of `line` run as the module docstring says."""
    if PLATFORM_URL in line:  # `auth token` into curl: a sandbox served over HTTP takes the platform's place
        return _with_served_sandbox(line, tmp_path)
    env = world(tmp_path)
    if "--watch" in line or "sandbox serve" in line:
        return until_interrupted(line, env, tmp_path)
    if re.fullmatch(r"trackerctl auth login( --panel)?", line.split("#")[0].strip()):
        code, seen = answering(line, env, tmp_path, ANSWERS)
        return code, seen, seen
    done = bash(line, env, tmp_path)
    return done.returncode, done.stdout, done.stderr


def _with_served_sandbox(line: str, tmp_path: Path) -> tuple[int, str, str]:
    server = subprocess.Popen([str(BIN / "trackerctl"), "sandbox", "serve", "--port", "0", "--db", str(tmp_path / "served.sqlite")],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        url = server.stdout.readline().strip()
        env = world(tmp_path, api_url=url)
        login = bash("trackerctl auth login --login demo@example.com --password-stdin", env, tmp_path, stdin="demo\n")
        assert login.returncode == 0, login.stderr
        done = bash(line.replace(PLATFORM_URL, url), env, tmp_path)
        return done.returncode, done.stdout, done.stderr
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(30)


@pytest.mark.parametrize("line", help_examples() + readme_examples())
def test_every_example_runs_as_written(line, tmp_path):
    if "| jq" in line and shutil.which("jq") is None:
        pytest.skip("jq is not installed")
    if "curl " in line and shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    code, out, err = run_example(line, tmp_path)
    expected = {0, 130} if "sandbox serve" in line else {130} if "--watch" in line else {0}  # a server stops cleanly
    assert code in expected, (line, out[-2000:], err[-2000:])
    assert "Traceback" not in err and "internal error" not in err, err
    if "| jq" in line:
        assert "null" not in out.split(), (line, out)  # a path the answer does not have gives null, not an error


def test_examples_were_found():
    """The collection itself: a README or help refactor that hid the examples would pass vacuously."""
    assert len(help_examples()) >= 15 and len(readme_examples()) >= 12
