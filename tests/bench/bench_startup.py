"""Start-up and first-request benchmark (run on demand: `python tests/bench/bench_startup.py`).

Builds a fresh virtual environment holding only what `pip install .` brings (no test extras, no
click), then times each command against a bare `python -c pass` in the same run: runs are
interleaved (pass, A, pass, B, ...) and the ratio is taken from the medians.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CASES = [  # targets: issue 10 (ratios to `python -c pass`)
    ("--version", ["--version"], 4),
    ("--help", ["--help"], 4),
    ("tracker read --help", ["tracker", "read", "--help"], 4),
    ("panel tracker list --help", ["panel", "tracker", "list", "--help"], 4),
    ("tracker list -o json (in-process sandbox)", ["--api-url", "sandbox", "tracker", "list", "-o", "json"], None),
]


def venv(path: Path) -> Path:
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
    subprocess.run([str(path / "bin" / "pip"), "install", "-q", str(REPO)], check=True)
    return path / "bin"


def timed(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=21, help="runs per command")
    parser.add_argument("--bin", help="use this venv's bin/ instead of building one")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bin_ = Path(args.bin) if args.bin else venv(Path(tmp) / "venv")
        env = {**os.environ, "TRACKERCTL_SANDBOX_DB": str(Path(tmp) / "bench.sqlite"), "XDG_CONFIG_HOME": tmp}
        subprocess.run([str(bin_ / "trackerctl"), "sandbox", "reset"], env=env, stdout=subprocess.DEVNULL, check=True)
        served = subprocess.Popen([str(bin_ / "trackerctl"), "sandbox", "serve", "--port", "0", "--db", str(Path(tmp) / "served.sqlite")],
                                  env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        url = served.stdout.readline().strip()
        login = subprocess.run([str(bin_ / "trackerctl"), "--api-url", url, "auth", "login", "--login", "demo@example.com", "--password-stdin"],
                               env=env, input="demo\n", capture_output=True, text=True)
        cases = CASES + [("tracker list -o json (sandbox serve)", ["--api-url", url, "tracker", "list", "-o", "json"], 8)]
        try:
            base = [str(bin_ / "python"), "-c", "pass"]
            times: dict[str, list[float]] = {name: [] for name, _, _ in cases}
            passes: list[float] = []
            for _ in range(args.n):
                for name, argv, _ in cases:
                    passes.append(timed(base, env))
                    times[name].append(timed([str(bin_ / "trackerctl"), *argv], env))
            p = statistics.median(passes)
            print(f"python -c pass: {p * 1000:.1f} ms (median of {len(passes)}); login for the served case: exit {login.returncode}")
            for name, _, target in cases:
                t = statistics.median(times[name])
                verdict = "" if target is None else f"  target <= {target}x: {'ok' if t / p <= target else 'MISSED'}"
                print(f"{name:45s} {t * 1000:7.1f} ms  {t / p:5.1f}x pass{verdict}")
        finally:
            served.send_signal(2)
            served.wait(10)


if __name__ == "__main__":
    main()
