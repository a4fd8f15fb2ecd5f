"""The files trackerctl keeps (config.toml, credentials.json): private directories, atomic writes, a lock.

Both files are changed by read-modify-write, and any number of trackerctl processes may do so at
once. A change therefore runs inside `locked(path)`, which holds an exclusive lock on `path.lock`
beside the file (mode 0600), and re-reads the file inside it; `write_private` then replaces the file
through a 0600 temporary one, so that a crash never leaves half a file. Directories made on the way
are 0700 whatever the umask. filelock is imported on these write paths only, never by `--help`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from trackerctl.errors import TransientError

LOCK_TIMEOUT = 30.0  # seconds: a writer holds the lock for milliseconds; only a stuck process holds it longer
_PRIVATE_DIR = 0o700
_PRIVATE_FILE = 0o600


def lock_path(path: Path) -> Path:
    return path.with_name(f"{path.name}.lock")


@contextmanager
def locked(path: Path, *, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Hold the lock of `path` (threads and processes alike wait for it). The directory must exist."""
    from filelock import FileLock, Timeout

    lock = FileLock(lock_path(path), timeout=timeout, mode=_PRIVATE_FILE)
    try:
        lock.acquire()
    except Timeout:
        raise TransientError(
            f"{path} is being changed by another trackerctl process, which has held {lock_path(path)} "
            f"for {timeout:g} s: try again when it has finished"
        ) from None
    try:
        yield
    finally:
        lock.release()


def make_private_dir(path: Path) -> None:
    """Create `path` and its missing parents, each 0700; directories that exist are left as they are."""
    missing: list[Path] = []
    while not path.is_dir() and path.parent != path:
        missing.append(path)
        path = path.parent
    for directory in reversed(missing):
        try:
            os.mkdir(directory, _PRIVATE_DIR)
        except FileExistsError:  # another process made it first, or it is not a directory (said below)
            if not directory.is_dir():
                raise NotADirectoryError(20, "Not a directory", str(directory)) from None
            continue
        if os.name == "posix":
            os.chmod(directory, _PRIVATE_DIR)  # exactly 0700, whatever the umask took away


def write_private(path: Path, text: str) -> None:
    """Replace `path` with `text` through a 0600 temporary file in the same directory."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(tmp, flags, _PRIVATE_FILE)
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, _PRIVATE_FILE)  # exactly 0600, whatever the umask
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            fd = -1  # the file object owns it now
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if fd >= 0:
            os.close(fd)
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(directory: Path) -> None:
    """Make the rename durable where the platform allows it."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
