from __future__ import annotations

import pytest

from trackerctl.sandbox.app import Sandbox


@pytest.fixture
def sb(tmp_path) -> Sandbox:
    """A fresh seeded sandbox, called in-process with implicit auth (a request without a credential
    acts as demo@example.com / panel 1000)."""
    return Sandbox(tmp_path / "sandbox.sqlite", implicit_auth=True)
