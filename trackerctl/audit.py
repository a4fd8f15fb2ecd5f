"""The audit log: one JSON line per write request, `$XDG_STATE_HOME/trackerctl/audit.jsonl`
(CLI-CONTRACT.md section 13), and its reader for `trackerctl history`.

    {"time": "2026-11-29T02:24:12.123Z", "user": "ops", "profile": "default", "api": "panel",
     "action": "panel/tracker/settings/update", "params": {"tracker_id": 999119, "label": "x"},
     "code": 0, "journal": null}

`code` is 0 for success, the API's error code when it refused, null when the outcome is unknown
(`ApiClient` calls `AuditLog.record` once per write it sent, with its final outcome). `params` is
the request body with the value of every secret key replaced by `…` (`redact`: wider than
`trackerctl.masking`, which shows a long secret's ends and knows `password` but not `apn_password`).

Many processes append at once (a bulk job's threads, several cron jobs): each line is one
`os.write` to a file opened with O_APPEND, under an exclusive `flock` of `audit.jsonl.lock`, which
never rotates. Under that lock a writer checks that its file is still the one at the path (another
process may have rotated it: then it reopens) and whether the line would take the file past
`MAX_BYTES` (then it renames it to `audit.jsonl.1`, replacing the old one, and starts a new file).
The files are kept open for the run. A failure to write is one warning, once; the write's result
is never lost over it.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from trackerctl.masking import is_secret
from trackerctl.when import stamp

try:
    import fcntl
except ImportError:  # Windows: this process's threads are still serialised; other processes rely on O_APPEND
    fcntl = None  # type: ignore[assignment]

MAX_BYTES = 10 * 2**20  # the file is rotated before a line would take it past this size
REMOVED = "\u2026"
_FILE_MODE = 0o600
_OPEN_FLAGS = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str)  # built once: a line costs ~1/3 less


def rotated_path(path: Path) -> Path:
    """Where the previous file goes: `audit.jsonl.1`."""
    return path.with_name(f"{path.name}.1")


def redact(data: Any) -> Any:
    """A JSON value with the value of every secret key, at any depth, replaced by `…`."""
    if isinstance(data, dict):
        return {k: REMOVED if isinstance(k, str) and is_secret(k) else redact(v) for k, v in data.items()}
    if isinstance(data, list):
        return [redact(v) for v in data]
    return data


def os_user() -> str:
    """The OS user running trackerctl (LOGNAME, USER... then the password database), else the uid."""
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no name for this uid (a container's): KeyError, or OSError from 3.13
        return str(os.getuid()) if hasattr(os, "getuid") else "unknown"


class AuditLog:
    """Appends one line per `record` to `path`; thread-safe and process-safe (see the module's doc).

    `journal` answers the run's journal path at the time of each line (None: no journal). `warn`
    reports a failure to write, once (default: a line on stderr)."""

    def __init__(
        self,
        path: Path,
        *,
        profile: str,
        journal: Callable[[], str | None],
        warn: Callable[[str], None] | None = None,
        max_bytes: int = MAX_BYTES,
    ) -> None:
        self.path = path
        self._profile = profile
        self._journal = journal
        self._warn = warn
        self._max_bytes = max_bytes
        self._user: str | None = None
        self._lock = threading.Lock()  # this process's threads; the flock is for the processes
        self._fd = -1  # the log, opened under the flock
        self._lock_fd = -1  # audit.jsonl.lock, held open for the run
        self._warned = False

    def record(self, api: str, path: str, params: dict[str, Any], code: int | None) -> None:
        """Append the line of one write; never raises (a failure is one warning for the run)."""
        try:
            if self._user is None:
                self._user = os_user()
            entry = {"time": stamp(), "user": self._user, "profile": self._profile, "api": api, "action": path,
                     "params": redact(params), "code": code, "journal": self._journal()}
            line = (_ENCODER.encode(entry) + "\n").encode("utf-8", "replace")
            with self._lock:
                self._append(line)
        except Exception as e:  # noqa: BLE001 - a disk, a permission, a lock: the write's result comes first
            self._failed(e)

    def close(self) -> None:
        with self._lock:
            for fd in (self._fd, self._lock_fd):
                if fd >= 0:
                    try:
                        os.close(fd)
                    except OSError:
                        pass
            self._fd = self._lock_fd = -1

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001 - at interpreter shutdown
            pass

    # -- the append ---------------------------------------------------------------------------
    def _append(self, line: bytes) -> None:
        if self._lock_fd < 0:
            from trackerctl.files import lock_path, make_private_dir

            make_private_dir(self.path.parent)
            self._lock_fd = _open_private(lock_path(self.path), os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0))
        if fcntl is not None:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
        try:
            size = self._current_size()
            if size and size + len(line) > self._max_bytes:
                os.replace(self.path, rotated_path(self.path))
                self._reopen()
            view = memoryview(line)
            while view:  # one write for a line, but a short write (a full disk) is finished, still under the lock
                view = view[os.write(self._fd, view):]
        finally:
            if fcntl is not None:
                fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    def _current_size(self) -> int:
        """The size of the file at the path, which our fd is made to point at (opened, or reopened
        when another process rotated or removed the one we had). Called under the flock."""
        if self._fd >= 0:
            try:
                at_path = os.stat(self.path)
            except FileNotFoundError:
                at_path = None
            mine = os.fstat(self._fd)
            if at_path is not None and (at_path.st_ino, at_path.st_dev) == (mine.st_ino, mine.st_dev):
                return mine.st_size
        self._reopen()
        return os.fstat(self._fd).st_size

    def _reopen(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
        self._fd = _open_private(self.path, _OPEN_FLAGS)

    def _failed(self, error: Exception) -> None:
        with self._lock:
            if self._warned:
                return
            self._warned = True
        reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
        where = getattr(error, "filename", None) or self.path
        message = f"cannot write the audit log ({where}: {reason}); this run's writes may be missing from it"
        try:
            if self._warn is not None:
                self._warn(message)
            else:
                print(f"warning: {message}", file=sys.stderr, flush=True)
        except Exception:  # noqa: BLE001 - stderr itself gone: nothing more to say
            pass


def _open_private(path: Path, flags: int) -> int:
    """Open (creating) `path` as a 0600 file; an existing file more open than that is made 0600."""
    fd = os.open(path, flags, _FILE_MODE)
    try:
        if hasattr(os, "fchmod") and os.fstat(fd).st_mode & 0o077:
            os.fchmod(fd, _FILE_MODE)
    except OSError:
        os.close(fd)
        raise
    return fd


class History:
    """The lines of the audit log, oldest first: `audit.jsonl.1`, then `audit.jsonl`. A line that is
    not a JSON object is skipped and counted in `skipped`; files that do not exist are empty."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.skipped = 0

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for path in (rotated_path(self.path), self.path):
            try:
                handle = open(path, "rb")
            except FileNotFoundError:
                continue
            with handle:
                for raw in handle:
                    if not raw.strip():
                        continue
                    try:
                        entry = json.loads(raw)
                    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
                        entry = None
                    if isinstance(entry, dict):
                        yield entry
                    else:
                        self.skipped += 1
