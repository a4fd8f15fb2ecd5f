"""Watch benchmark (run on demand: `python tests/bench/bench_watch.py`): push against polling (issue 12).

One `sandbox serve --move 1` over N generated trackers (default 1,000 of the demo user's), watched by
`tracker get-states ID... --watch 1 -o jsonl` for T seconds (default 60) twice at the same time:
pushed (the event subscription) and with `--poll` (one `tracker/get_states` a second). For each: the
requests sent (from the `-v` trace: `> POST <url>` lines), the JSON lines printed (one per tracker
per redraw), and the client CPU (user + system of the trackerctl process, from wait4), per line.
The installed `trackerctl` beside this Python is run.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.helpers.environment import isolated_env  # noqa: E402

BIN = Path(sys.executable).parent / "trackerctl"


def cli(env: dict[str, str], *argv: str, stdin: str | None = None) -> str:
    done = subprocess.run([str(BIN), *argv], env=env, input=stdin, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise SystemExit(f"trackerctl {' '.join(argv)}: {done.stderr.strip()}")
    return done.stdout


def watch(env: dict[str, str], url: str, ids: list[str], seconds: float, poll: bool, out: dict) -> None:
    argv = [str(BIN), "--api-url", url, "-v", "tracker", "get-states", *ids, "--watch", "1", "-o", "jsonl"]
    proc = subprocess.Popen(argv + (["--poll"] if poll else []), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    lines = Counter()
    err_lines: list[str] = []
    readers = [threading.Thread(target=lambda: lines.update(1 for _ in proc.stdout), daemon=True),
               threading.Thread(target=lambda: err_lines.extend(proc.stderr), daemon=True)]
    for r in readers:
        r.start()
    time.sleep(seconds)
    proc.send_signal(signal.SIGINT)
    _, status, usage = os.wait4(proc.pid, 0)
    for r in readers:
        r.join(30)
    requests = Counter(line.split()[2].rsplit("/v2/", 1)[-1] for line in err_lines if line.startswith("> POST "))
    printed = sum(lines.values())
    out[poll] = {"exit": os.waitstatus_to_exitcode(status), "requests": dict(requests), "lines": printed,
                 "cpu_s": usage.ru_utime + usage.ru_stime}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trackers", type=int, default=1000, help="trackers watched (default 1000)")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long each watch runs (default 60)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = isolated_env(Path(tmp))
        db = str(Path(tmp) / "served.sqlite")
        cli(env, "sandbox", "reset", "--db", db, "--trackers", str(args.trackers * 2 + 100))  # spread over two users
        server = subprocess.Popen([str(BIN), "sandbox", "serve", "--port", "0", "--db", db, "--move", "1"], env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            url = server.stdout.readline().strip()
            cli(env, "--api-url", url, "auth", "login", "--login", "demo@example.com", "--password-stdin", stdin="demo\n")
            listed = json.loads(cli(env, "--api-url", url, "tracker", "list", "-o", "json"))["list"]
            ids = [str(t["id"]) for t in listed][: args.trackers]
            if len(ids) < args.trackers:
                raise SystemExit(f"the demo user has {len(ids)} trackers, fewer than --trackers {args.trackers}")
            results: dict[bool, dict] = {}
            runs = [threading.Thread(target=watch, args=(env, url, ids, args.seconds, poll, results)) for poll in (False, True)]
            for run in runs:
                run.start()
            for run in runs:
                run.join()
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(30)
    print(f"{len(ids)} trackers, --watch 1 for {args.seconds:.0f} s, both at once against sandbox serve --move 1")
    for poll in (False, True):
        r = results[poll]
        per = r["cpu_s"] / r["lines"] * 1000 if r["lines"] else float("nan")
        print(f"  {'poll' if poll else 'push'}: exit {r['exit']}, requests {sum(r['requests'].values())} {r['requests']}, "
              f"{r['lines']} lines, client CPU {r['cpu_s']:.2f} s ({per:.3f} ms per line)")


if __name__ == "__main__":
    main()
