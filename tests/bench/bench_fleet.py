"""Fleet operations (issue 13, CLI-CONTRACT.md section 13), run on demand:
`python tests/bench/bench_fleet.py [select|apply|journal] [--runs N]`.

  select   choosing trackers with --where over 100,000 (`sandbox reset --trackers 100000`, served):
           `panel tracker list --all --where ... -o jsonl` and `settings update --where ... --plan`
           against `panel tracker list --all -o jsonl`, interleaved, medians; peak RSS of each.
           Goals: at most 1.2x the plain list's time; memory within the 40 MiB the list uses.
  apply    `panel tracker settings update` on 10,000 trackers chosen by --where, against
           `sandbox serve --latency 50`, concurrency 8. Goal: within 1.25x of 10,000 x 50 ms / 8.
  journal  what the journal and the audit log cost per write (in-process: a planned line, an
           outcome line and an audit line, as `Writer.send` writes them), as a share of the apply
           run's time per tracker. Goal: under 5%.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_bulk import TRACKERCTL, Server, environment, login, reset, timed  # noqa: E402

FIRST_ID = 3_000_001  # `sandbox reset --trackers N` numbers its trackers from here
SELECT = ["--where", "label=*7 north", "--where", "deleted=false"]  # about a tenth of the seeded trackers' labels


def case_select(tmp: Path, env: dict[str, str], args: argparse.Namespace) -> None:
    db = tmp / "select.sqlite"
    reset(env, db, trackers=100_000)
    server = Server(env, db)
    try:
        run_env = login(env, server.url, panel=True)
        cases = {
            "list --all -o jsonl": ["panel", "tracker", "list", "--all", "-o", "jsonl"],
            "list --all --where -o jsonl": ["panel", "tracker", "list", "--all", *SELECT, "-o", "jsonl"],
            "settings update --where --plan": ["panel", "tracker", "settings", "update", *SELECT, "--label", "x",
                                               "--no-deleted", "--plan"],
        }
        walls: dict[str, list[float]] = {name: [] for name in cases}
        peaks: dict[str, list[float]] = {name: [] for name in cases}
        lines: dict[str, int] = {}
        for _ in range(args.runs):
            for name, argv in cases.items():
                wall, peak, done = timed([TRACKERCTL, *argv], run_env, memory=True)
                walls[name].append(wall)
                peaks[name].append(peak or 0.0)
                lines[name] = done.stdout.count("\n")
        base = statistics.median(walls["list --all -o jsonl"])
        print(f"\n== choosing with --where over 100,000 trackers ({args.runs} interleaved runs, medians)")
        for name in cases:
            wall = statistics.median(walls[name])
            print(f"  {name:32s} {wall:6.2f} s  {wall / base:4.2f}x the list  peak RSS {statistics.median(peaks[name]):5.1f} MiB"
                  f"  {lines[name]} lines")
    finally:
        server.stop()


def case_apply(tmp: Path, env: dict[str, str], args: argparse.Namespace) -> None:
    db = tmp / "apply.sqlite"
    reset(env, db, trackers=10_000)
    server = Server(env, db, "--latency", "50")
    try:
        run_env = {**login(env, server.url, panel=True), "XDG_STATE_HOME": str(tmp / "state")}
        argv = ["panel", "tracker", "settings", "update", "--where", f"id>={FIRST_ID}", "--where", f"id<{FIRST_ID + 10_000}",
                "--label", "Fleet", "--no-deleted", "--concurrency", "8", "-o", "jsonl"]
        wall, peak, done = timed([TRACKERCTL, *argv], run_env, memory=True)
        n = done.stdout.count('"succeeded"')
        ideal = 10_000 * 0.050 / 8
        print("\n== settings update on 10,000 trackers chosen by --where, --latency 50, concurrency 8")
        print(f"  {wall:.1f} s for {n} succeeded: {wall / ideal:.2f}x the ideal {ideal:.1f} s; peak RSS {peak:.1f} MiB")
        args.apply_seconds_per_write = wall / max(n, 1)
    finally:
        server.stop()


def case_journal(tmp: Path, env: dict[str, str], args: argparse.Namespace) -> None:
    """Writer.send's bookkeeping without the request: a journal's two lines and an audit line."""
    from trackerctl.audit import AuditLog
    from trackerctl.fleet.journal import SUCCEEDED, Journal

    journal = Journal(tmp / "journal", {"action": "panel/tracker/settings/update", "api": "panel"})
    audit = AuditLog(tmp / "audit.jsonl", profile="default", journal=lambda: str(journal.path))
    n = 10_000
    start = time.perf_counter()
    for i in range(n):
        body = {"tracker_id": FIRST_ID + i, "label": "Fleet", "deleted": False}
        k = journal.planned(body["tracker_id"], body, {"label": f"Truck {i}", "deleted": False, "comment": ""})
        journal.outcome(k, body["tracker_id"], SUCCEEDED, answer={"success": True})
        audit.record("panel", "panel/tracker/settings/update", body, 0)
    per_write = (time.perf_counter() - start) / n
    journal.close()
    per_tracker = getattr(args, "apply_seconds_per_write", 10_000 * 0.050 / 8 / 10_000)
    print(f"\n== journal and audit log: {per_write * 1e6:.0f} us per write, {per_write / per_tracker * 100:.2f}% of "
          f"the apply run's {per_tracker * 1e3:.2f} ms per tracker"
          + ("" if hasattr(args, "apply_seconds_per_write") else " (the ideal's; run `apply` too for the measured)"))


CASES = {"select": case_select, "apply": case_apply, "journal": case_journal}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("cases", nargs="*", help=f"any of {', '.join(CASES)} (default: all, in that order)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        env = environment(tmp)
        env["XDG_STATE_HOME"] = str(tmp / "state")
        for case in args.cases or CASES:
            if case not in CASES:
                parser.error(f"no case {case!r}: {', '.join(CASES)}")
            CASES[case](tmp, env, args)


if __name__ == "__main__":
    main()
