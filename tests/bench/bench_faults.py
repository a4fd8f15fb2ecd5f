"""Fault benchmark (run on demand: `python tests/bench/bench_faults.py [MODE ...]`; not collected by pytest).

For each fault mode of tests/helpers/fault_server.py x (read, write, login, bulk), one whole
`trackerctl` process against a fresh fault server on loopback, and prints: the exit code, how many
requests arrived, the wall time, and the child's peak RSS (wait4's rusage of that process alone).

    read   tracker read 1
    write  tracker corrupt 5 --yes
    login  auth login --panel --login 1000 --password-stdin
    bulk   panel tracker batch-delete-clones 1 2 3 --yes

Settings: TRACKERCTL_MAX_ATTEMPTS=--attempts (3), --timeout (2 s); a run is killed after --cap
seconds (45). `refused` is a closed loopback port; `tls` a TLS server whose certificate nobody
trusts (needs trustme).

To measure another tree (the code before a change), put it first on the children's path:
    git clone -q . /tmp/before && git -C /tmp/before checkout -q <commit>
    PYTHONPATH=/tmp/before python tests/bench/bench_faults.py
The first line printed says which trackerctl the children import.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))  # this tree's fault server, whatever PYTHONPATH gives the children

from tests.helpers.fault_server import FaultServer  # noqa: E402

COMMANDS = {
    "read": ("tracker", "read", "1"),
    "write": ("tracker", "corrupt", "5", "--yes"),
    "login": ("auth", "login", "--panel", "--login", "1000", "--password-stdin"),
    "bulk": ("panel", "tracker", "batch-delete-clones", "1", "2", "3", "--yes"),
}
MODES = [
    "ok", "html502", "html503", "bare429", "code8", "code1", "truncated", "reset", "drop", "drip", "dripbody",
    "blackhole", "huge", "hugecl", "gzipbomb", "oddcode", "nocode", "statustext", "notobject", "deep", "oddtypes",
    "redirect302", "redirecthost", "r429-seconds", "r429-nan", "r429-inf", "r429-negative", "r429-datefar",
    "r429-garbage", "flaky503-2", "flaky-html503-2", "flaky-drop-2", "refused", "tls",
]
MIB = 2**20


def child_env(home: Path, attempts: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRACKERCTL_", "PYTHON_KEYRING"))
           and k.lower() not in ("http_proxy", "https_proxy", "all_proxy")}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / "config"), XDG_DATA_HOME=str(home / "data"),
               XDG_STATE_HOME=str(home / "state"), PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
               TRACKERCTL_HASH="a" * 32, TRACKERCTL_PANEL_HASH="b" * 32, TRACKERCTL_MAX_ATTEMPTS=str(attempts))
    return env


def run(env: dict[str, str], api_url: str, args: tuple[str, ...], timeout: float, cap: float) -> tuple[str, float, int]:
    """(exit code or "killed", wall seconds, peak RSS bytes) of one trackerctl process."""
    with tempfile.TemporaryFile() as inp, tempfile.TemporaryFile() as out:
        inp.write(b"pw\n")
        inp.seek(0)
        started = time.monotonic()
        proc = subprocess.Popen([sys.executable, "-m", "trackerctl", "--api-url", api_url, "-o", "json",
                                 "--timeout", str(timeout), *args], env=env, stdin=inp, stdout=out, stderr=out)
        killed = False
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - started > cap:
                proc.kill()
                killed = True
                _, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.02)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.monotonic() - started
        return ("killed" if killed else str(proc.returncode)), wall, usage.ru_maxrss * 1024


def tls_server() -> FaultServer | None:
    try:
        import ssl

        import trustme
    except ImportError:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    trustme.CA().issue_cert("localhost").configure_cert(context)
    return FaultServer(tls=context)


def cell(mode: str, what: str, env: dict[str, str], args: argparse.Namespace) -> str:
    if mode == "refused":
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            code, wall, peak = run(env, f"http://127.0.0.1:{s.getsockname()[1]}/v2", COMMANDS[what], args.timeout, args.cap)
            arrived = "-"
    else:
        server = tls_server() if mode == "tls" else FaultServer()
        if server is None:
            return "(no trustme)"
        with server:
            code, wall, peak = run(env, server.api("ok" if mode == "tls" else mode), COMMANDS[what], args.timeout, args.cap)
            arrived = str(server.accepted if mode == "tls" else server.count(mode)) + ("c" if mode == "tls" else "")
    return f"{code:>6} {arrived:>3} {wall:6.1f}s {peak / MIB:5.0f}M"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("modes", nargs="*", default=MODES)
    parser.add_argument("--attempts", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=2.0)
    parser.add_argument("--cap", type=float, default=45.0)
    parser.add_argument("--only", choices=list(COMMANDS), action="append", help="commands to run (default: all)")
    args = parser.parse_args()
    whats = args.only or list(COMMANDS)
    with tempfile.TemporaryDirectory() as tmp:
        env = child_env(Path(tmp), args.attempts)
        which = subprocess.run([sys.executable, "-c", "import trackerctl; print(trackerctl.__file__)"], env=env,
                               capture_output=True, text=True).stdout.strip()
        print(f"trackerctl from {which}; TRACKERCTL_MAX_ATTEMPTS={args.attempts}, --timeout {args.timeout:g}, "
              f"cap {args.cap:g}s")
        print("cells: exit code, requests arrived (c: TLS connections accepted), wall time, peak RSS of the process")
        print()
        print(f"| {'mode':<16} | " + " | ".join(f"{w:^28}" for w in whats) + " |")
        print(f"|{'-' * 18}|" + "|".join("-" * 30 for _ in whats) + "|")
        for mode in args.modes:
            cells = [cell(mode, what, env, args) for what in whats]
            print(f"| {mode:<16} | " + " | ".join(f"{c:^28}" for c in cells) + " |", flush=True)


if __name__ == "__main__":
    main()
