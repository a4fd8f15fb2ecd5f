"""Interrupting at any moment, start-up included, ends with exit 130 and one line, never a traceback
(CLI-CONTRACT.md section 10).

The real CLI as a subprocess (`python -m trackerctl --profile sandbox tracker list`), sent SIGINT or
SIGTERM at moments spread over its first 300 ms: during Python's start-up, our imports, the sandbox's
set-up, the request, the rendering, the exit. The moment is the variable under test, so the sleep
before the signal is the point here, not a way of waiting for something.

Python's own start-up, before trackerctl's `main` runs, is out of our reach: a SIGINT there is
Python's (a KeyboardInterrupt traceback from site or runpy, or death by the signal before Python has
a handler), and a SIGTERM kills the process as it would any program. Those runs are recognised (no
frame of a trackerctl function in the traceback, or death by the very signal sent with nothing
written) and counted apart; every other run must end with 130 and "interrupted", or 0 when it
finished first.

The last tests raise KeyboardInterrupt at chosen places (an import, clean-up, the error message,
code run by exec) through a sitecustomize module, so that those places are covered every time.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tests.helpers.environment import REPO, isolated_env

COMMAND = [sys.executable, "-m", "trackerctl", "--profile", "sandbox", "tracker", "list"]
RUNS = 40
LATEST = 0.300  # seconds
FRAME = re.compile(r'^ *File "(?P<file>[^"]+)", line \d+, in (?P<function>\S+)', re.M)
MAIN = str(Path("trackerctl", "cli", "__init__.py"))  # everything after start-up runs under its main()


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> dict[str, str]:
    """The isolated environment, with the sandbox's database made once for the module (not inside
    the timed runs; the command only reads it)."""
    home = isolated_env(tmp_path_factory.mktemp("interrupt"))
    first = subprocess.run(COMMAND, env=home, capture_output=True, text=True, timeout=60)
    assert first.returncode == 0, first.stderr
    return home


def interrupt(env: dict[str, str], delay: float, *signals: signal.Signals, gap: float = 0.0) -> subprocess.CompletedProcess:
    proc = subprocess.Popen(COMMAND, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(delay)
    for n, sig in enumerate(signals):
        if n:
            time.sleep(gap)
        if proc.poll() is None:
            proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def before_main(run: subprocess.CompletedProcess, sig: signal.Signals) -> bool:
    """Interrupted in Python's start-up, before trackerctl's main ran (see the module's docstring):
    death by the signal with nothing written, or Python's traceback without main() in it."""
    if run.returncode == -sig and not run.stderr:
        return True  # the default action: killed before Python or we had a handler
    in_main = any(file.endswith(MAIN) and function == "main" for file, function in FRAME.findall(run.stderr))
    return sig == signal.SIGINT and "Traceback" in run.stderr and "Exception ignored" not in run.stderr and not in_main


def judge(run: subprocess.CompletedProcess, sig: signal.Signals, what: str) -> str | None:
    """What is wrong with a run that was not interrupted before main, if anything."""
    lines = run.stderr.splitlines()
    if "Traceback" in run.stderr or "Exception ignored" in run.stderr:
        return f"{what}: a traceback: {run.stderr[-1500:]}"
    if run.returncode == 0:
        return None if json_list(run.stdout) else f"{what}: exit 0 without the list: {run.stdout[:200]!r}"
    if run.returncode != 130:
        return f"{what}: exit {run.returncode}: {run.stderr[-500:]!r}"
    if lines.count("interrupted") != 1 or len(lines) != 1:
        return f"{what}: stderr is not the one line 'interrupted': {run.stderr[-500:]!r}"
    return None


def json_list(text: str) -> bool:
    import json

    try:
        return isinstance(json.loads(text).get("list"), list)
    except ValueError:
        return False


def test_a_signal_at_any_moment_is_exit_130_and_one_line(env):
    problems, outcomes = [], {"before main": 0, "finished": 0, "interrupted": 0}
    for n in range(RUNS):
        sig = (signal.SIGINT, signal.SIGTERM)[n % 2]
        delay = LATEST * n / (RUNS - 1)
        run = interrupt(env, delay, sig)
        what = f"{sig.name} after {delay * 1000:.0f} ms"
        if before_main(run, sig):
            outcomes["before main"] += 1
            continue
        problem = judge(run, sig, what)
        if problem:
            problems.append(problem)
        else:
            outcomes["finished" if run.returncode == 0 else "interrupted"] += 1
    assert not problems, "\n".join(problems) + f"\n{outcomes}"
    assert outcomes["interrupted"] >= RUNS // 4, f"too few runs were interrupted inside trackerctl: {outcomes}"


def test_a_second_signal_while_the_first_is_handled_adds_nothing(env):
    """Ctrl-C pressed twice, or SIGTERM on the heels of Ctrl-C: still one line and 130."""
    problems = []
    for n in range(16):
        delay, gap = 0.080 + 0.012 * n, 0.001 * (n % 4)
        second = signal.SIGTERM if n % 2 else signal.SIGINT
        run = interrupt(env, delay, signal.SIGINT, second, gap=gap)
        # killed in Python's start-up by the second signal, a SIGTERM, is as much "before main" as by the first
        if before_main(run, signal.SIGINT) or before_main(run, second):
            continue
        problem = judge(run, signal.SIGINT, f"two signals {gap * 1000:.0f} ms apart after {delay * 1000:.0f} ms")
        if problem:
            problems.append(problem)
    assert not problems, "\n".join(problems)


# ---- KeyboardInterrupt raised at chosen places ------------------------------------------------------
PLACES = {
    "importing typer": """
        import sys
        class Finder:
            def find_spec(self, name, path=None, target=None):
                if name == "typer":
                    sys.meta_path.remove(self)
                    raise KeyboardInterrupt
        sys.meta_path.insert(0, Finder())
    """,
    "clean-up after the command": """
        import trackerctl.cli.context as context
        def close(self):
            raise KeyboardInterrupt
        context.AppContext.close = close
    """,
    "writing an error message": """
        import trackerctl.output as output
        def error(self, *args, **kwargs):
            raise KeyboardInterrupt
        output.Output.error = error
        import trackerctl.cli.runners as runners
        def run_action(app, action, values):
            from trackerctl.errors import UsageError
            raise UsageError("a usage error to report")
        runners.run_action = run_action
    """,
    "code run by exec() of a string": """
        import trackerctl.cli.runners as runners
        def run_action(app, action, values):
            exec("raise KeyboardInterrupt")
        runners.run_action = run_action
    """,
    "a finalizer, where Python drops what it raises": """
        import trackerctl.cli.runners as runners
        class Dropped:
            def __del__(self):
                raise KeyboardInterrupt
        def run_action(app, action, values):
            import time
            Dropped()  # gone at once: Python would print "Exception ignored" and carry on
            time.sleep(30)  # the interrupt, delivered again, ends this
        runners.run_action = run_action
    """,
    "the making of a class, where Python wraps it in a RuntimeError": """
        import trackerctl.cli.runners as runners
        class Named:
            def __set_name__(self, owner, name):
                raise KeyboardInterrupt
        def run_action(app, action, values):
            class Made:
                attribute = Named()
        runners.run_action = run_action
    """,
    "an import before the command line is read, wrapped in a RuntimeError": """
        import sys
        class Finder:
            def find_spec(self, name, path=None, target=None):
                if name == "typer":
                    sys.meta_path.remove(self)
                    raise RuntimeError("Error calling __set_name__") from KeyboardInterrupt()
        sys.meta_path.insert(0, Finder())
    """,
    "the report of a bulk command": """
        import trackerctl.cli.runners as runners
        def run_action(app, action, values):
            from trackerctl.errors import Interrupted
            raise Interrupted("interrupted: 1 succeeded; 2 items not done")
        runners.run_action = run_action
    """,
}


@pytest.mark.parametrize("place", list(PLACES))
def test_a_keyboard_interrupt_anywhere_is_exit_130_and_one_line(env, tmp_path, place):
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(textwrap.dedent(PLACES[place]))
    # 20 s: well under the finalizer case's sleep of 30, so an interrupt delivered again must end that sleep
    run = subprocess.run(COMMAND, env={**env, "PYTHONPATH": f"{site}:{REPO}"}, capture_output=True, text=True, timeout=20)
    assert run.returncode == 130, run.stderr
    assert "Traceback" not in run.stderr
    (line,) = run.stderr.splitlines()
    assert line.startswith(("interrupted", "error: interrupted")), run.stderr
