"""`python -m trackerctl.cli.docs [--check] [--root DIR]`: rewrite help.json, completions/ and man/ from the tree.

With --check nothing is written: the files that differ are listed, and the exit status is 1 when
any does (what tests/unit/test_completion.py and test_man.py assert, for CI).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from trackerctl.cli.docs import generate

REPO = Path(__file__).resolve().parents[3]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m trackerctl.cli.docs", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report stale files; write nothing")
    parser.add_argument("--root", type=Path, default=REPO, help="repository root (default: %(default)s)")
    args = parser.parse_args(argv)
    if not (args.root / "pyproject.toml").is_file():
        parser.error(f"{args.root} is not the repository (no pyproject.toml): give --root")
    wanted = generate()
    stale = drift(args.root, wanted)
    if args.check:
        for name in stale:
            print(f"stale: {name}")
        if stale:
            print("run `python -m trackerctl.cli.docs` to regenerate", file=sys.stderr)
        return 1 if stale else 0
    for rel, text in wanted.items():
        path = args.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
    for rel in stale:
        if rel not in wanted:
            (args.root / rel).unlink()
    print(f"{len(wanted)} files (help.json, completions/, man/); {len(stale)} changed", file=sys.stderr)
    return 0


def drift(root: Path, wanted: dict[str, str]) -> list[str]:
    """Files under root that differ from `wanted`, are missing, or are generated-looking leftovers."""
    out = []
    for rel, text in wanted.items():
        path = root / rel
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            out.append(rel)
    present = {f"man/{p.name}" for p in (root / "man").glob("*.1")}
    present |= {f"completions/{p.name}" for p in (root / "completions").glob("*") if p.is_file() and p.name != ".gitkeep"}
    out += sorted(present - set(wanted))
    return out


if __name__ == "__main__":
    sys.exit(main())
