"""Keyring backends for tests, selectable in-process or from a subprocess.

In-process: `keyring.set_keyring(MemoryKeyring())`, or set `PYTHON_KEYRING_BACKEND` to one of the
names below (with the repository root on sys.path). From a subprocess (end-to-end tests):

    PYTHONPATH=<repo root> PYTHON_KEYRING_BACKEND=tests.helpers.fake_keyring.HangingKeyring trackerctl ...

`JsonFileKeyring` keeps its entries in the JSON file named by `FAKE_KEYRING_FILE`, so that several
trackerctl processes share one fake keyring. Call `reset()` between tests.

Every class sets `viable = False`: keyring's own scan (`get_all_keyring`) never picks them up, so
merely importing this module cannot change which backend another test gets. Naming one explicitly
still works, as `keyring.core.load_keyring` only checks the priority.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import ClassVar

from keyring.backend import KeyringBackend
from keyring.errors import KeyringLocked, PasswordDeleteError

HANG_SECONDS = 30.0


class MemoryKeyring(KeyringBackend):
    """Entries live in a class-level dict shared by every instance: inspect `MemoryKeyring.entries`."""

    priority = 1
    viable = False
    entries: ClassVar[dict[tuple[str, str], str]] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.entries.pop((service, username), None) is None:
            raise PasswordDeleteError("no such password")  # as the real backends do


class JsonFileKeyring(KeyringBackend):
    """Entries persist in the JSON file named by `FAKE_KEYRING_FILE`, across processes."""

    priority = 1
    viable = False

    @property
    def path(self) -> Path:
        return Path(os.environ["FAKE_KEYRING_FILE"])

    def _read(self) -> dict[str, str]:
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._read().get(f"{service}/{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        entries = self._read()
        entries[f"{service}/{username}"] = password
        self.path.write_text(json.dumps(entries), encoding="utf-8")

    def delete_password(self, service: str, username: str) -> None:
        entries = self._read()
        if entries.pop(f"{service}/{username}", None) is None:
            raise PasswordDeleteError("no such password")
        self.path.write_text(json.dumps(entries), encoding="utf-8")


class HangingKeyring(KeyringBackend):
    """Every operation blocks for 30 s (a locked or unanswering secret service).

    `calls` counts the operations entered; `reset()` releases the threads still blocked.
    """

    priority = 1
    viable = False
    calls: ClassVar[int] = 0
    release: ClassVar[threading.Event] = threading.Event()

    def _hang(self) -> None:
        type(self).calls += 1
        type(self).release.wait(HANG_SECONDS)

    def get_password(self, service: str, username: str) -> str | None:
        self._hang()
        return "from-the-hanging-keyring"

    def set_password(self, service: str, username: str, password: str) -> None:
        self._hang()

    def delete_password(self, service: str, username: str) -> None:
        self._hang()


class SlowStartKeyring(MemoryKeyring):
    """Backend discovery itself hangs: the constructor blocks like HangingKeyring's operations."""

    def __init__(self) -> None:
        HangingKeyring.release.wait(HANG_SECONDS)
        super().__init__()


class RaisingKeyring(KeyringBackend):
    """Every operation raises, like a collection that refuses to unlock."""

    priority = 1
    viable = False

    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringLocked("Failed to unlock the collection!")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise KeyringLocked("Failed to unlock the collection!")

    def delete_password(self, service: str, username: str) -> None:
        raise KeyringLocked("Failed to unlock the collection!")


class ZeroPriorityKeyring(MemoryKeyring):
    """A working store whose priority says "not suitable": trackerctl must not use it."""

    priority = 0


def reset() -> None:
    """Forget every process-wide keyring choice: trackerctl's, keyring's and the fakes' state."""
    import keyring.core

    from trackerctl import credentials

    HangingKeyring.release.set()  # let threads blocked by the previous test finish, and wait for
    for thread in threading.enumerate():  # them: a late discovery would set keyring's backend
        if thread.name == credentials._THREAD_NAME:
            thread.join(5)
    HangingKeyring.release = threading.Event()
    HangingKeyring.calls = 0
    MemoryKeyring.entries.clear()
    keyring.core._keyring_backend = None
    credentials._reset_keyring_state()
