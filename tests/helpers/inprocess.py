"""The CLI in this test process, as a subprocess would run it, for end-to-end tests whose subject is
not the process itself: `trackerctl ARGS` through `typer.testing.CliRunner` with the root command
of the console script (`build_cli()`, whose `main` is the same `_main` that maps errors to exit
codes), a context reading `env`, and the process environment (`os.environ`) set to `env` for the
run, as a child started with `env=` would see it: proxies, CA bundles and the keyring switches are
read from there. The keyring decision is forgotten before and after each run (a child decides it
afresh). Requests go over real HTTP through the same client (trackerctl.api.client and
connection.py's keep-alive pool) unless the command line says `--api-url sandbox` or `--dry-run`.

What this cannot stand in for, and the tests keep a real process for: signals and exit 130, the
child's peak memory, many processes at once, the console script's own start-up, stdout and stderr
at the file-descriptor level, and a keyring that hangs (its daemon thread outlives the run).
"""

from __future__ import annotations

import faulthandler
import os
import sys
import time
import traceback
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from typer.testing import CliRunner

from trackerctl import credentials
from trackerctl.cli.app import build_cli
from trackerctl.cli.context import AppContext


@dataclass
class Ran:
    """What a subprocess.CompletedProcess would say, with its names: returncode, stdout, stderr."""

    args: list[str]
    returncode: int
    stdout: str
    stderr: str
    seconds: float


@contextmanager
def environment(env: Mapping[str, str]) -> Iterator[None]:
    """os.environ is exactly `env` inside, and what it was after (changed in place: whoever holds
    a reference to os.environ sees the change, as connection.proxy_configured's default does)."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def run_cli(env: Mapping[str, str], *args: str, input: str | None = None, timeout: float = 120) -> Ran:
    """`trackerctl ARGS` in this process with the environment `env`; stdin is `input` (else empty).
    An exception that escaped the CLI (which a child would print as a traceback) is appended to
    stderr as its traceback, so that a test's `"Traceback" not in stderr` still catches it.
    `timeout` stands in for a child's kill: a run that hangs that long ends the test process with
    every thread's traceback on stderr (faulthandler), rather than holding the suite."""
    argv = list(args)
    env = dict(env)
    with environment(env):
        credentials._reset_keyring_state()
        faulthandler.dump_traceback_later(timeout, exit=True, file=sys.__stderr__)
        try:
            started = time.monotonic()
            result = CliRunner().invoke(build_cli(), argv, obj=AppContext(env=env), input=input or "",
                                        prog_name="trackerctl")
            seconds = time.monotonic() - started
        finally:
            faulthandler.cancel_dump_traceback_later()
            credentials._reset_keyring_state()
    stderr = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        stderr += "".join(traceback.format_exception(result.exception))
    return Ran(argv, result.exit_code, result.stdout, stderr, seconds)
