"""The command line. `main` is the console-script entry point."""

from __future__ import annotations

import sys


def main() -> None:
    from trackerctl.cli.app import run

    sys.exit(run(sys.argv[1:]))
