"""Lost updates of the state files under concurrency (run on demand: `python tests/bench/bench_state.py`;
not collected by pytest).

Starts N trackerctl processes at once, each changing its own entry of a shared file, and counts the
entries that survive: N `profile set pI --api-url eu` (config.toml), then N `auth login` on N
profiles against the in-process sandbox (credentials.json, and config.toml, where login keeps the
login name). Without a lock each process writes back what it read, and the last writers win.
`--repo PATH` measures another checkout (such as a clone of an older commit) with this venv.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))  # run as a script: the tests' helpers

from tests.helpers.environment import isolated_env  # noqa: E402


def run_at_once(argvs: list[list[str]], env: dict[str, str], stdin: Path | None = None, timeout: float = 300) -> list[int]:
    """Start every command before waiting for any; their exit codes."""
    procs = []
    for argv in argvs:
        with open(stdin or os.devnull, "rb") as source:
            procs.append(subprocess.Popen([sys.executable, "-m", "trackerctl", *argv], env=env, stdin=source,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
    deadline = time.monotonic() + timeout
    codes = []
    for proc in procs:
        try:
            _, err = proc.communicate(timeout=max(1.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
        if proc.returncode != 0:
            print(f"  exit {proc.returncode}: {err.decode(errors='replace').strip()[-300:]}", file=sys.stderr)
        codes.append(proc.returncode)
    return codes


def config_profiles(tmp: Path) -> dict[str, dict]:
    path = tmp / "config" / "trackerctl" / "config.toml"
    return tomllib.loads(path.read_text()).get("profiles", {}) if path.exists() else {}


def stored_sessions(tmp: Path) -> dict[str, dict]:
    path = tmp / "config" / "trackerctl" / "credentials.json"
    return json.loads(path.read_text()).get("profiles", {}) if path.exists() else {}


def profile_set(repo: Path, n: int) -> str:
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        started = time.monotonic()
        codes = run_at_once([["profile", "set", f"p{i}", "--api-url", "eu"] for i in range(n)], isolated_env(tmp, repo=repo))
        took = time.monotonic() - started
        kept = sum(f"p{i}" in config_profiles(tmp) for i in range(n))
    return (f"{n} parallel `profile set`: {codes.count(0)} exited 0, {kept} profiles kept, "
            f"{n - kept} lost ({took:.1f} s)")


def logins(repo: Path, n: int) -> str:
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        env = isolated_env(tmp, repo=repo)
        config = tmp / "config" / "trackerctl" / "config.toml"
        config.parent.mkdir(parents=True, mode=0o700)
        config.write_text("".join(f'[profiles.p{i}]\napi_url = "sandbox"\n\n' for i in range(n)))
        subprocess.run([sys.executable, "-m", "trackerctl", "--api-url", "sandbox", "-o", "json", "tracker", "list"],
                       env=env, stdout=subprocess.DEVNULL, check=True, timeout=120)  # the sandbox, seeded once
        password = tmp / "password"
        password.write_text("demo\n")
        started = time.monotonic()
        argvs = [["--profile", f"p{i}", "auth", "login", "--login", "demo@example.com", "--password-stdin"] for i in range(n)]
        codes = run_at_once(argvs, env, stdin=password)
        took = time.monotonic() - started
        sessions = stored_sessions(tmp)
        kept = sum("user" in sessions.get(f"p{i}", {}) for i in range(n))
        profiles = config_profiles(tmp)
        remembered = sum(profiles.get(f"p{i}", {}).get("login") == "demo@example.com" for i in range(n))
        present = sum(f"p{i}" in profiles for i in range(n))
    return (f"{n} parallel `auth login`: {codes.count(0)} exited 0, {kept} sessions kept ({n - kept} lost); "
            f"config: {present} profiles left, {remembered} logins kept ({took:.1f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=50, help="processes at once")
    parser.add_argument("-r", "--rounds", type=int, default=3, help="rounds of each case")
    parser.add_argument("--repo", type=Path, default=REPO, help="checkout to measure (default: this one)")
    args = parser.parse_args()
    repo = args.repo.resolve()
    print(f"trackerctl from {repo}, {os.cpu_count()} CPUs, {args.rounds} rounds")
    for case in (profile_set, logins):
        for _ in range(args.rounds):
            print(case(repo, args.n), flush=True)


if __name__ == "__main__":
    main()
