"""The platform's API documents, for the tests that cross-check against them.

The repository does not hold the documents: they are read from the folder named by
TRACKERCTL_SPEC_DIR (`.ci/run` points it at `../shared/spec`). Without it those tests are skipped,
saying why; with it set to a folder that lacks a document, they fail.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

SPEC_DIR = Path(os.environ["TRACKERCTL_SPEC_DIR"]) if os.environ.get("TRACKERCTL_SPEC_DIR") else None
REASON = "needs the API documents: set TRACKERCTL_SPEC_DIR to their folder (.ci/run sets ../shared/spec)"

needs_spec = pytest.mark.skipif(SPEC_DIR is None, reason=REASON)


def spec_file(name: str) -> Path:
    """The path of one document; inside a test, skips it when TRACKERCTL_SPEC_DIR is unset."""
    if SPEC_DIR is None:
        pytest.skip(REASON)
    path = SPEC_DIR / name
    if not path.is_file():
        pytest.fail(f"API document {name} is not in TRACKERCTL_SPEC_DIR={SPEC_DIR}")
    return path


def spec_cases(make: Callable[[], Iterable[Any]], arity: int = 1) -> list[Any]:
    """Parameters read from the documents, for `parametrize` at collection time: without the
    documents, one case skipped with the reason (not pytest's silent "empty parameter set")."""
    if SPEC_DIR is None:
        values = None if arity == 1 else (None,) * arity
        return [pytest.param(*((values,) if arity == 1 else values), marks=pytest.mark.skip(reason=REASON), id="no-documents")]
    return list(make())
