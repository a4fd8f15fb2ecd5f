"""Where the API documents are: `spec/` in the repository, or `../shared/spec` beside it, or the
folder named by TRACKERCTL_SPEC_DIR. A test that needs them fails when none has them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def spec_file(name: str) -> Path:
    candidates = [REPO / "spec", REPO.parent / "shared" / "spec"]
    if os.environ.get("TRACKERCTL_SPEC_DIR"):
        candidates.insert(0, Path(os.environ["TRACKERCTL_SPEC_DIR"]))
    for folder in candidates:
        if (folder / name).is_file():
            return folder / name
    pytest.fail(f"API document {name} not found: put the documents in spec/ or set TRACKERCTL_SPEC_DIR")
