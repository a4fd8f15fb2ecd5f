"""End-to-end layer: the installed `trackerctl` as a subprocess, against `trackerctl sandbox serve`
on a free loopback port. Every server started here is stopped at the end of its test."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers.environment import isolated_env

BIN = shutil.which("trackerctl", path=str(Path(sys.executable).parent))
TRACKERCTL = [BIN] if BIN else [sys.executable, "-m", "trackerctl"]


@pytest.fixture
def home(tmp_path) -> dict[str, str]:
    """A clean environment: own HOME, config and data dirs, no keyring, no TRACKERCTL_* from outside."""
    return isolated_env(tmp_path)


def cli(env: dict[str, str], *args: str, input: str | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([*TRACKERCTL, *args], env=env, input=input, capture_output=True, text=True, timeout=timeout)


@dataclass
class Server:
    url: str
    db: Path
    process: subprocess.Popen

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_server(env: dict[str, str], db: Path, *options: str) -> Server:
    proc = subprocess.Popen([*TRACKERCTL, "sandbox", "serve", "--host", "127.0.0.1", "--port", "0", "--db", str(db), *options],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line: list[str] = []
    reader = threading.Thread(target=lambda: line.append(proc.stdout.readline()), daemon=True)
    reader.start()
    reader.join(30)
    if not line or not line[0].startswith("http://127.0.0.1:"):
        proc.kill()
        raise RuntimeError(f"sandbox serve did not start: {proc.stderr.read() if proc.poll() is not None else 'no URL printed'}")
    return Server(line[0].strip(), db, proc)


@pytest.fixture(scope="module")
def plain_server(tmp_path_factory):
    """A server for the module without fault options, on a freshly reset database; the tests reset
    it again as they need."""
    tmp = tmp_path_factory.mktemp("plain")
    db = tmp / "plain.sqlite"
    reset = cli(isolated_env(tmp), "sandbox", "reset", "--db", str(db), "-o", "json")
    assert reset.returncode == 0, reset.stderr
    server = start_server(isolated_env(tmp), db)
    yield server
    server.stop()


@pytest.fixture
def server(home, tmp_path):
    s = start_server(home, tmp_path / "served.sqlite")
    yield s
    s.stop()


@pytest.fixture
def serve(home, tmp_path):
    """Start servers with fault options: serve("--fail-rate", "1")."""
    started: list[Server] = []

    def start(*options: str) -> Server:
        s = start_server(home, tmp_path / f"served{len(started)}.sqlite", *options)
        started.append(s)
        return s

    yield start
    for s in started:
        s.stop()


def wait_for_line(stream, prefix: str, timeout: float = 30) -> str:
    """Read `stream` (a child's pipe) until a line starts with `prefix`: an event to wait on instead
    of a sleep. What was read, that line included; fails the test when it does not come in time."""
    lines: list[str] = []
    found = threading.Event()

    def read() -> None:
        for line in stream:
            lines.append(line)
            if line.startswith(prefix):
                found.set()
                return

    threading.Thread(target=read, daemon=True).start()
    if not found.wait(timeout):
        pytest.fail(f"no line starting with {prefix!r} within {timeout:g} s: {''.join(lines)[-2000:]}")
    return "".join(lines)
