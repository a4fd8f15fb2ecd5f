"""What every test shares: a state folder of the session's own.

Every run that writes keeps a journal and an audit line under $XDG_STATE_HOME/trackerctl (or
~/.local/state/trackerctl), and many tests run the CLI in-process with an environment of their own
that names neither: HOME and XDG_STATE_HOME point into the session's temporary folder, so that no
test writes to the home of whoever runs the suite.
"""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True, scope="session")
def _no_writes_to_the_real_home(tmp_path_factory):
    patch = pytest.MonkeyPatch()
    home = tmp_path_factory.mktemp("home")
    patch.setenv("HOME", str(home))
    patch.setenv("XDG_STATE_HOME", str(home / ".local" / "state"))
    yield
    patch.undo()
