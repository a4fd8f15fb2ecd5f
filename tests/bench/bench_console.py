"""Console benchmark (run on demand: `python tests/bench/bench_console.py`): the time from the start of
`trackerctl panel tracker console open 134537 --follow` to its first frame on stdout, as a ratio to
`trackerctl --version` measured in the same run (issue 12), against the in-process sandbox
(`--api-url sandbox`) and against `sandbox serve` over loopback (real HTTP requests and a real
WebSocket); for scale, a whole `panel tracker read` against the same server (one request, the same
start-up). Runs are interleaved (--version, in-process, --version, served, read, ...) and the ratios
are taken from the medians. The installed `trackerctl` beside this Python is timed.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.helpers.environment import isolated_env  # noqa: E402

BIN = Path(sys.executable).parent / "trackerctl"
TRACKER = "134537"


def until_first_line(argv: list[str], env: dict[str, str]) -> float:
    """Seconds from starting `trackerctl ARGV` to its first line on stdout; the run is then interrupted."""
    start = time.perf_counter()
    proc = subprocess.Popen([str(BIN), *argv], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    elapsed = time.perf_counter() - start
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    if not line:
        raise SystemExit(f"no frame from {' '.join(argv)}: {err.strip()}")
    return elapsed


def whole_run(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run([str(BIN), *argv], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=15, help="runs per case")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = isolated_env(Path(tmp), TRACKERCTL_KEYRING="file")
        served = subprocess.Popen([str(BIN), "sandbox", "serve", "--port", "0", "--db", str(Path(tmp) / "served.sqlite")],
                                  env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            url = served.stdout.readline().strip()
            login = subprocess.run([str(BIN), "--api-url", url, "auth", "login", "--panel", "--login", "1000", "--password-stdin"],
                                   env=env, input="demo\n", capture_output=True, text=True)
            assert login.returncode == 0, login.stderr
            console = ["panel", "tracker", "console", "open", TRACKER, "--follow"]
            cases = {"in-process (--api-url sandbox)": ["--api-url", "sandbox", *console], "sandbox serve (loopback)": ["--api-url", url, *console]}
            whole_run(["--api-url", "sandbox", "panel", "tracker", "read", TRACKER], env)  # seed the in-process database first
            read = ["--api-url", url, "panel", "tracker", "read", TRACKER, "-o", "json"]
            version: list[float] = []
            times: dict[str, list[float]] = {name: [] for name in [*cases, "reads"]}
            for _ in range(args.n):
                for name, argv in cases.items():
                    version.append(whole_run(["--version"], env))
                    times[name].append(until_first_line(argv, env))
                times["reads"].append(whole_run(read, env))
            v = statistics.median(version)
            print(f"trackerctl --version: {v * 1000:.1f} ms (median of {len(version)})")
            for name in cases:
                t = statistics.median(times[name])
                print(f"first frame, {name:32s} {t * 1000:7.1f} ms  {t / v:5.1f}x --version")
            t = statistics.median(times["reads"])
            print(f"for scale: panel tracker read (sandbox serve), whole run {t * 1000:7.1f} ms  {t / v:5.1f}x --version")
        finally:
            served.send_signal(signal.SIGINT)
            served.wait(10)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
