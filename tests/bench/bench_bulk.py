"""Bulk benchmarks (run on demand: `python tests/bench/bench_bulk.py [CASE ...]`; not collected by pytest).

Every case starts its own `trackerctl sandbox serve` on a free loopback port (stopped by its PID at
the end) and times whole `trackerctl` processes from this interpreter's venv:

  design    the concurrency design of trackerctl/bulk.py: N POSTs at concurrency C through threads
            sharing trackerctl's own pool (trackerctl/api/connection.py), threads sharing
            one httpx.Client, threads with a client each, and httpx.AsyncClient (also with sniffio
            importable when --sniffio-dir is given): --latency 50 and 0, medians of --runs
  latency   --latency 50: an import of N one-IMEI requests (--chunk-size 1) at --concurrency C,
            for C = 8 and 16; goal: wall <= 1.25 x N x 50 ms / C
  curl      2,000 one-item `tracker get-states --chunk-size 1` requests against a shell loop of one
            curl process per request; goal: >= 12x faster
  memory    `panel tracker list --all -o jsonl` over 100,000 trackers; goal: peak RSS < 80 MiB
            (/usr/bin/time -f %M of the trackerctl process alone)
  volume    wall time of importing 100,000 IMEIs and of deleting 10,000 clones (latency 0)
  rerun     an import of 5,000 IMEIs interrupted after 4,580 and run again, against a fresh run of
            5,000 (--latency 20, interleaved, medians of --runs); goal: the re-run costs about what
            the fresh run costs (wall and requests)
  paging    `panel tracker list --all -o jsonl` and `panel bundle list --all -o jsonl` over 10,000
            and over 100,000 (two servers, interleaved, medians of --runs); goal: the 100,000 run
            within 10.5x the 10,000 run (the emulator pages like the platform: no cost growing with
            the offset)
  reset     `sandbox reset --trackers 100000 --bundles 20000` in-process (sandbox.app.reset);
            goal: < 8 s
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

BIN = Path(sys.executable).parent
TRACKERCTL = str(BIN / "trackerctl")
REPO = Path(__file__).resolve().parents[2]


class Server:
    def __init__(self, env: dict[str, str], db: Path, *options: str) -> None:
        self.proc = subprocess.Popen([TRACKERCTL, "sandbox", "serve", "--port", "0", "--db", str(db), *options],
                                     env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line: list[str] = []
        reader = threading.Thread(target=lambda: line.append(self.proc.stdout.readline()), daemon=True)
        reader.start()
        reader.join(60)
        if not line or not line[0].startswith("http"):
            self.stop()
            raise RuntimeError("sandbox serve did not start")
        self.url = line[0].strip()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def environment(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKERCTL_")}
    env.update(XDG_CONFIG_HOME=str(tmp / "config"), XDG_DATA_HOME=str(tmp / "data"), HOME=str(tmp),
               PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring", TRACKERCTL_OUTPUT="json")
    return env


def reset(env: dict[str, str], db: Path, trackers: int = 0, bundles: int = 0) -> None:
    subprocess.run([TRACKERCTL, "sandbox", "reset", "--db", str(db), "--trackers", str(trackers), "--bundles", str(bundles)],
                   env=env, check=True, stdout=subprocess.DEVNULL)


def login(env: dict[str, str], url: str, panel: bool) -> dict[str, str]:
    """The environment with a stored session (so timed runs do not log in)."""
    who = ("1000", "demo") if panel else ("demo@example.com", "demo")
    args = [TRACKERCTL, "--api-url", url, "auth", "login", "--login", who[0], "--password-stdin"] + (["--panel"] if panel else [])
    subprocess.run(args, env=env, input=who[1] + "\n", text=True, check=True, capture_output=True)
    return {**env, "TRACKERCTL_API_URL": url}


def timed(cmd: list[str], env: dict[str, str], stdin: str | None = None, memory: bool = False) -> tuple[float, float | None, subprocess.CompletedProcess]:
    """(wall seconds, peak RSS MiB of the command when `memory`, the completed process)."""
    if memory:
        cmd = ["/usr/bin/time", "-f", "%M KiB-peak", *cmd]
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, input=stdin, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:8])}... exited {done.returncode}: {done.stderr[-2000:]}")
    peak = None
    if memory:
        found = re.findall(r"(\d+) KiB-peak", done.stderr)
        peak = int(found[-1]) / 1024 if found else None
    return wall, peak, done


def imeis(n: int, start: int = 0) -> str:
    return "\n".join(f"35{i:013d}" for i in range(start, start + n)) + "\n"


# ---- cases ------------------------------------------------------------------------------------
DESIGN_CLIENT = textwrap.dedent('''
    import json, sys, threading, time
    url, hash_, n, conc, mode = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    import httpx
    target, body = url + "/tracker/read", json.dumps({"tracker_id": 123456}).encode()
    headers = {"Authorization": f"NVX {hash_}", "Content-Type": "application/json"}
    limits = httpx.Limits(max_connections=conc, max_keepalive_connections=conc)
    def check(r):
        assert json.loads(r.content)["success"]
    class PoolClient:  # trackerctl's own: HTTP/1.1 on keep-alive sockets shared by the threads
        def __init__(self):
            from trackerctl.api.connection import Pool
            self.pool = Pool(max_connections=conc)
        def post(self, url, content, headers):
            return self.pool.post(url, headers, content, 30)
    def threads():
        todo, lock = iter(range(n)), threading.Lock()
        shared = {"shared": lambda: httpx.Client(limits=limits, timeout=30), "pool": PoolClient}.get(mode, lambda: None)()
        def worker():
            c = shared or httpx.Client(limits=limits, timeout=30)
            while True:
                with lock:
                    i = next(todo, None)
                if i is None:
                    return
                check(c.post(target, content=body, headers=headers))
        ts = [threading.Thread(target=worker) for _ in range(conc)]
        t0, c0 = time.perf_counter(), time.process_time()
        for t in ts: t.start()
        for t in ts: t.join()
        return time.perf_counter() - t0, time.process_time() - c0
    def run_async():
        import asyncio
        async def main():
            async with httpx.AsyncClient(limits=limits, timeout=30) as c:
                todo = iter(range(n))
                async def worker():
                    for i in todo:
                        check(await c.post(target, content=body, headers=headers))
                t0, c0 = time.perf_counter(), time.process_time()
                await asyncio.gather(*(worker() for _ in range(conc)))
                return time.perf_counter() - t0, time.process_time() - c0
        return asyncio.run(main())
    wall, cpu = run_async() if mode == "async" else threads()
    print(json.dumps({"wall": wall, "cpu_ms": cpu / n * 1000}))
''')


def case_design(tmp: Path, env: dict[str, str], args: argparse.Namespace) -> None:
    script = tmp / "design_client.py"
    script.write_text(DESIGN_CLIENT)
    modes = ["pool", "shared", "perthread", "async"] + (["async+sniffio"] if args.sniffio_dir else [])
    for latency, sizes in ((50, lambda c: 40 * c), (0, lambda c: 2000)):
        db = tmp / f"design{latency}.sqlite"
        reset(env, db)
        server = Server(env, db, "--latency", str(latency))
        try:
            login(env, server.url, panel=False)
            hash_ = json.loads(Path(env["XDG_CONFIG_HOME"], "trackerctl", "credentials.json").read_text())["profiles"]["default"]["user"]
            results: dict[tuple[str, int], list[dict]] = {}
            for _ in range(args.runs):
                for conc in (1, 4, 8, 16, 32):
                    for mode in modes:
                        run_env = {**env, "PYTHONPATH": args.sniffio_dir} if mode == "async+sniffio" else env
                        done = subprocess.run([sys.executable, str(script), server.url, hash_, str(sizes(conc)), str(conc),
                                               mode.split("+")[0]], env=run_env, capture_output=True, text=True)
                        if done.returncode == 0:
                            results.setdefault((mode, conc), []).append(json.loads(done.stdout))
            print(f"\n== design, --latency {latency}: " + ("wall / ideal (N x 50 ms / C), client CPU ms per request" if latency
                                                          else "req/s, client CPU ms per request"))
            for conc in (1, 4, 8, 16, 32):
                cells = []
                for mode in modes:
                    runs = results.get((mode, conc), [])
                    if not runs:
                        cells.append(f"{mode}: failed")
                        continue
                    wall = statistics.median(r["wall"] for r in runs)
                    cpu = statistics.median(r["cpu_ms"] for r in runs)
                    n = sizes(conc)
                    value = f"{wall / (n * 0.05 / conc):.2f}" if latency else f"{n / wall:.0f} req/s"
                    cells.append(f"{mode}: {value} {cpu:.2f} ms ({len(runs)}/{args.runs} ok)")
                print(f"  C={conc:<3} " + " | ".join(cells))
        finally:
            server.stop()


def case_latency(tmp: Path, env: dict[str, str], args: argparse.Namespace) -> None:
    db = tmp / "latency.sqlite"
    reset(env, db)
    server = Server(env, db, "--latency", "50")
    try:
        run_env = login(env, server.url, panel=True)
        print("\n== latency 50 ms: import of N one-IMEI requests at concurrency C (goal: wall <= 1.25 x N x 50 ms / C)")
        offset = 0
        for conc in (8, 16):
            n = 200 * conc  # 10 s of ideal time
            cmd = [TRACKERCTL, "panel", "bundle", "import", "--from-file", "-", "--equip-id", "13785", "--no-factory-preset"]
            # the fixed cost: start-up, reading and checking the IMEIs, one request printed instead of sent
            base = statistics.median(timed([TRACKERCTL, "--dry-run", *cmd[1:], "--chunk-size", "1000", "--concurrency", str(conc)],
                                           run_env, stdin=imeis(n, offset))[0] for _ in range(args.runs))
            walls = []
            for _ in range(args.runs):
                wall, _, done = timed([*cmd, "--chunk-size", "1", "--concurrency", str(conc)], run_env, stdin=imeis(n, offset))
                offset += n
                assert len(json.loads(done.stdout)["succeeded"]) == n
                walls.append(wall)
            wall = statistics.median(walls)
            ideal = n * 0.05 / conc
            print(f"  C={conc}: N={n} wall {wall:.2f} s (median of {args.runs}), ideal {ideal:.2f} s: "
                  f"ratio {wall / ideal:.3f} whole process, {(wall - base) / ideal:.3f} without the fixed cost ({base * 1000:.0f} ms: "
                  "the same command under --dry-run, one request printed)")
    finally:
        server.stop()


def case_curl(tmp: Path, env: dict[str, str], args: argparse.Namespace) -> None:
    n = 2000
    db = tmp / "curl.sqlite"
    reset(env, db)
    server = Server(env, db)
    try:
        run_env = login(env, server.url, panel=False)
        hash_ = json.loads(Path(env["XDG_CONFIG_HOME"], "trackerctl", "credentials.json").read_text())["profiles"]["default"]["user"]
        loop = tmp / "curl_loop.sh"
        loop.write_text(textwrap.dedent(f'''\
            #!/bin/bash
            for ((i=0; i<{n}; i++)); do
              curl -s -X POST -H 'Content-Type: application/json' -H 'Authorization: NVX {hash_}' \\
                -d "{{\"trackers\": [$((i + 1))], \"allow_not_exist\": true}}" '{server.url}/tracker/get_states' >/dev/null || exit 1
            done
        '''))
        ids_file = tmp / "ids.txt"
        ids_file.write_text("\n".join(str(i) for i in range(1, n + 1)) + "\n")
        # the same 2,000 requests both ways: one id each, 1..2000 (unknown ids: allow_not_exist lists them)
        print(f"\n== {n} one-item get-states requests: trackerctl --chunk-size 1 against a loop of one curl process each")
        results = {"curl": [], "c1": [], "c4": [], "c8": []}
        for _ in range(args.runs):
            results["curl"].append(timed(["bash", str(loop)], run_env)[0])
            for conc in (1, 4, 8):
                wall, _, done = timed([TRACKERCTL, "tracker", "get-states", "--from-file", str(ids_file), "--allow-not-exist",
                                       "--chunk-size", "1", "--concurrency", str(conc)], run_env)
                assert len(json.loads(done.stdout)["not_exist"]) == n
                results[f"c{conc}"].append(wall)
        curl = statistics.median(results["curl"])
        print(f"  curl loop: {curl:.2f} s ({n / curl:.0f} req/s)")
        for conc in (1, 4, 8):
            wall = statistics.median(results[f"c{conc}"])
            print(f"  trackerctl --concurrency {conc}: {wall:.2f} s ({n / wall:.0f} req/s, whole process): {curl / wall:.1f}x faster")
    finally:
        server.stop()


def case_memory(tmp: Path, env: dict[str, str], args: argparse.Namespace) -> None:
    db = tmp / "memory.sqlite"
    reset(env, db, trackers=100_000)
    server = Server(env, db)
    try:
        run_env = login(env, server.url, panel=True)
        print("\n== panel tracker list --all over 100,000 trackers (goal: peak RSS < 80 MiB)")
        for fmt in ("jsonl", "json", "csv"):
            walls, peaks = [], []
            for _ in range(args.runs):
                cmd = [TRACKERCTL, "panel", "tracker", "list", "--all", "-o", fmt]
                wall, peak, done = timed(cmd, run_env, memory=True)
                lines = done.stdout.count("\n")
                walls.append(wall)
                peaks.append(peak)
            print(f"  -o {fmt}: {statistics.median(walls):.2f} s, peak RSS {statistics.median(peaks):.1f} MiB "
                  f"(max {max(peaks):.1f}), {lines} lines")
    finally:
        server.stop()


def case_volume(tmp: Path, env: dict[str, str], args: argparse.Namespace) -> None:
    db = tmp / "volume.sqlite"
    reset(env, db, trackers=100_000)
    server = Server(env, db)
    try:
        run_env = login(env, server.url, panel=True)
        print("\n== volume (latency 0)")
        wall, peak, done = timed([TRACKERCTL, "panel", "bundle", "import", "--from-file", "-", "--equip-id", "13785",
                                  "--no-factory-preset"], run_env, stdin=imeis(100_000), memory=True)
        assert len(json.loads(done.stdout)["succeeded"]) == 100_000
        print(f"  import 100,000 IMEIs (chunks of 500, concurrency 4): {wall:.2f} s, peak RSS {peak:.1f} MiB")
        wall, peak, done = timed([TRACKERCTL, "panel", "bundle", "import", "--from-file", "-", "--equip-id", "13785",
                                  "--no-factory-preset"], run_env, stdin=imeis(5_000, 0) + imeis(5_000, 200_000), memory=True)
        result = json.loads(done.stdout)
        print(f"  import 10,000 IMEIs of which 5,000 exist: {wall:.2f} s, peak RSS {peak:.1f} MiB "
              f"({len(result['succeeded'])} succeeded, {len(result['skipped'])} skipped)")
        with sqlite3.connect(db) as conn:
            clones = [r[0] for r in conn.execute("SELECT id FROM trackers WHERE clone = 1 AND deleted = 0 AND id >= 3000001 ORDER BY id")]
        assert len(clones) >= 10_000, len(clones)
        ids = "\n".join(map(str, clones[:10_000])) + "\n"
        wall, peak, done = timed([TRACKERCTL, "panel", "tracker", "batch-delete-clones", "--from-file", "-", "--yes"], run_env,
                                 stdin=ids, memory=True)
        assert len(json.loads(done.stdout)["succeeded"]) == 10_000
        print(f"  delete 10,000 clones (chunks of 500, concurrency 4): {wall:.2f} s, peak RSS {peak:.1f} MiB")
        wall, _, done = timed([TRACKERCTL, "panel", "tracker", "batch-delete-clones", "--from-file", "-", "--yes"], run_env, stdin=ids)
        print(f"  the same again (all skipped): {wall:.2f} s")
    finally:
        server.stop()


def case_rerun(tmp: Path, env: dict[str, str], args: argparse.Namespace) -> None:
    db = tmp / "rerun.sqlite"
    reset(env, db)
    server = Server(env, db, "--latency", "20")
    command = [TRACKERCTL, "-v", "panel", "bundle", "import", "--from-file", "-", "--equip-id", "13785", "--no-factory-preset"]
    try:
        run_env = login(env, server.url, panel=True)
        rows: dict[str, list[tuple[float, int]]] = {"fresh": [], "rerun": []}
        for run in range(args.runs):
            base = 1_000_000 * (2 * run + 1)
            wall, _, done = timed(command, run_env, stdin=imeis(5_000, base))
            rows["fresh"].append((wall, done.stderr.count("> POST")))
            base += 1_000_000
            timed(command, run_env, stdin=imeis(4_580, base))  # the run that was interrupted
            wall, _, done = timed(command, run_env, stdin=imeis(5_000, base))
            result = json.loads(done.stdout)
            assert len(result["skipped"]) == 4_580 and len(result["succeeded"]) == 420, result
            rows["rerun"].append((wall, done.stderr.count("> POST")))
        print("\n== re-run of an interrupted import (--latency 20, chunks of 500, concurrency 4)")
        fresh = statistics.median(w for w, _ in rows["fresh"])
        for name, values in rows.items():
            wall = statistics.median(w for w, _ in values)
            requests = statistics.median(n for _, n in values)
            print(f"  {name:6s} 5,000 IMEIs: {wall:.2f} s, {requests:.0f} requests ({wall / fresh:.2f}x the fresh run)")
    finally:
        server.stop()


def case_paging(tmp: Path, env: dict[str, str], args: argparse.Namespace) -> None:
    sizes = (10_000, 100_000)
    servers: dict[int, tuple[Server, dict[str, str]]] = {}
    try:
        for n in sizes:
            db = tmp / f"paging{n}.sqlite"
            reset(env, db, trackers=n, bundles=n)
            server = Server(env, db)
            size_env = {**env, "XDG_CONFIG_HOME": str(tmp / f"config-paging{n}")}
            servers[n] = server, login(size_env, server.url, panel=True)
        print("\n== --all -o jsonl over 10,000 and 100,000 (interleaved; goal: 100,000 within 10.5x of 10,000)")
        for what in ("tracker", "bundle"):
            walls: dict[int, list[float]] = {n: [] for n in sizes}
            for _ in range(args.runs):
                for n in sizes:
                    wall, _, done = timed([TRACKERCTL, "panel", what, "list", "--all", "-o", "jsonl"], servers[n][1])
                    assert done.stdout.count("\n") >= n
                    walls[n].append(wall)
            small, big = (statistics.median(walls[n]) for n in sizes)
            print(f"  panel {what} list: 10,000 {small:.2f} s, 100,000 {big:.2f} s: {big / small:.1f}x "
                  f"(medians of {args.runs})")
    finally:
        for server, _ in servers.values():
            server.stop()


def case_reset(tmp: Path, env: dict[str, str], args: argparse.Namespace) -> None:
    from trackerctl.sandbox.app import reset as sandbox_reset

    walls = []
    for run in range(args.runs):
        started = time.perf_counter()
        counts = sandbox_reset(tmp / f"reset{run}.sqlite", trackers=100_000, bundles=20_000)
        walls.append(time.perf_counter() - started)
        assert counts["trackers"] == 100_017 and counts["bundles"] == 20_010, counts
    print(f"\n== sandbox reset --trackers 100000 --bundles 20000 (goal: < 8 s): {statistics.median(walls):.2f} s "
          f"(median of {args.runs}, max {max(walls):.2f} s)")


CASES = {"rerun": case_rerun, "design": case_design, "latency": case_latency, "curl": case_curl, "memory": case_memory, "volume": case_volume,
         "paging": case_paging, "reset": case_reset}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("cases", nargs="*", help=f"cases to run: {', '.join(CASES)} (default: all)")
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement (median)")
    parser.add_argument("--sniffio-dir", help="a directory holding sniffio (pip install --target DIR sniffio), for design")
    args = parser.parse_args()
    unknown = [c for c in args.cases if c not in CASES]
    if unknown:
        parser.error(f"unknown case {unknown[0]!r}: choose from {', '.join(CASES)}")
    with tempfile.TemporaryDirectory() as tmp:
        env = environment(Path(tmp))
        for name in args.cases or list(CASES):
            case_env = {**env, "XDG_CONFIG_HOME": str(Path(tmp) / f"config-{name}")}
            CASES[name](Path(tmp), case_env, args)


if __name__ == "__main__":
    main()
