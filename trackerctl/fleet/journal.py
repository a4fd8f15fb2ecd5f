"""The journal of a run that writes (CLI-CONTRACT.md section 13), and reading one back for `undo`.

`$XDG_STATE_HOME/trackerctl/journal/<UTC time>-<action>.jsonl`, 0600 in a 0700 directory. The first
line says what ran; then, per request, a `planned` line written before it is sent (the item, the
request with its secrets masked, and what the tracker held before where the run knows it) and an
outcome line once its fate is known:

    {"trackerctl_journal": 1, "action": "panel/tracker/settings/update", "api": "panel", ...}
    {"n": 1, "item": 101, "request": {"tracker_id": 101, "label": "Van 1", ...}, "before": {"label": "Truck 1", ...}}
    {"n": 1, "item": 101, "status": "succeeded", "answer": {}}

Each line is written whole with one `write` and reaches the OS at once, so a run killed part-way
leaves every line it wrote: a request planned but without an outcome may or may not have been
applied, and `undo` reverts it as if it had been (sending back a value that is already there is
harmless). Worker threads of a bulk run share one journal.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trackerctl.errors import UsageError

VERSION = 1
MARK = "trackerctl_journal"
SUCCEEDED, FAILED, UNKNOWN = "succeeded", "failed", "unknown"  # an outcome line's status


class Journal:
    """One run's journal, created with its first line when the first request is planned: a run
    that sends no write leaves none."""

    def __init__(self, directory: Path, header: Mapping[str, Any]) -> None:
        self.directory = directory
        self.header = dict(header)
        self.path: Path | None = None
        self._fd: int | None = None
        self._n = 0
        self._lock = threading.Lock()

    def planned(self, item: Any, request: Mapping[str, Any], before: Mapping[str, Any] | None = None) -> int:
        """Before a request is sent: its number, for `outcome`."""
        from trackerctl.masking import mask_tree

        with self._lock:
            self._n += 1
            line: dict[str, Any] = {"n": self._n, "item": item, "request": mask_tree(dict(request))}
            if before is not None:
                line["before"] = dict(before)
            self._write(line)
            return self._n

    def outcome(self, n: int, item: Any, status: str, *, code: int | None = None, description: str | None = None,
                answer: Mapping[str, Any] | None = None) -> None:
        from trackerctl.masking import mask_tree

        line: dict[str, Any] = {"n": n, "item": item, "status": status}
        if code is not None or description is not None:
            line.update(code=code, description=description)
        if answer is not None:
            line["answer"] = mask_tree({k: v for k, v in answer.items() if k != "success"})
        with self._lock:
            self._write(line)

    def close(self) -> None:
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None

    def _write(self, line: Mapping[str, Any]) -> None:
        if self._fd is None:
            self._open()
        assert self._fd is not None
        os.write(self._fd, (json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n").encode())

    def _open(self) -> None:
        from trackerctl.files import make_private_dir
        from trackerctl.when import stamp

        make_private_dir(self.directory)
        started = stamp()
        name = f"{started.replace(':', '-')}-{self.header['action'].replace('/', '.')}"
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND | getattr(os, "O_CLOEXEC", 0)
        for attempt in range(100):  # two runs in the same millisecond: -2, -3, ...
            path = self.directory / f"{name}{'' if attempt == 0 else f'-{attempt + 1}'}.jsonl"
            try:
                self._fd = os.open(path, flags, 0o600)
                break
            except FileExistsError:
                continue
        else:
            raise FileExistsError(f"cannot create a journal in {self.directory}")
        self.path = path
        header = {MARK: VERSION, **self.header, "started": started}
        os.write(self._fd, (json.dumps(header, ensure_ascii=False) + "\n").encode())


# ---- reading one back ---------------------------------------------------------------------------
@dataclass
class Entry:
    """One request of a journal: what was planned, and its outcome (None: never known)."""

    n: int
    item: Any
    request: dict[str, Any]
    before: dict[str, Any] | None = None
    status: str | None = None
    code: int | None = None
    description: str | None = None
    answer: dict[str, Any] = field(default_factory=dict)


@dataclass
class Run:
    path: Path
    header: dict[str, Any]
    entries: list[Entry]

    @property
    def action(self) -> str:
        return str(self.header["action"])


def read(path: Path) -> Run:
    """A journal as written; UsageError (exit 2) when the file is not one of ours. A last line cut
    short (a run killed while writing it) is left out."""
    where = f"{path}"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise UsageError(f"cannot read journal {where}: {e.strerror or e}") from None
    except UnicodeDecodeError:
        raise UsageError(f"{where} is not a trackerctl journal: not UTF-8 text") from None
    lines = text.split("\n")
    partial = lines.pop()  # after the last newline: nothing, or a line a kill cut short
    header = _json_line(lines[0] if lines else partial)
    if not isinstance(header, dict) or type(header.get(MARK)) is not int or header[MARK] != VERSION \
            or not isinstance(header.get("action"), str):
        raise UsageError(f"{where} is not a trackerctl journal (its first line does not say {MARK!r}: {VERSION})")
    entries: dict[int, Entry] = {}
    for number, line in enumerate(lines[1:], start=2):
        if line.strip():
            _add(entries, _json_line(line), where, number)
    last = _json_line(partial) if lines else None
    if isinstance(last, dict) and isinstance(last.get("n"), int):  # whole after all, only its newline missing
        _add(entries, last, where, len(lines) + 1)
    return Run(path, header, sorted(entries.values(), key=lambda e: e.n))


def _add(entries: dict[int, Entry], data: Any, where: str, number: int) -> None:
    if not isinstance(data, dict) or not isinstance(data.get("n"), int) or isinstance(data.get("n"), bool):
        raise UsageError(f"{where} line {number} is not a journal line: the file was changed or is not ours")
    n = data["n"]
    if "request" in data:
        request, before = data.get("request"), data.get("before")
        if not isinstance(request, dict) or not (before is None or isinstance(before, dict)):
            raise UsageError(f"{where} line {number} is not a journal line: the file was changed or is not ours")
        entries[n] = Entry(n, data.get("item"), request, before)
        return
    entry = entries.get(n)
    if entry is None or data.get("status") not in (SUCCEEDED, FAILED, UNKNOWN):
        raise UsageError(f"{where} line {number} is not a journal line: the file was changed or is not ours")
    entry.status, entry.code, entry.description = data["status"], data.get("code"), data.get("description")
    answer = data.get("answer")
    entry.answer = answer if isinstance(answer, dict) else {}


def _json_line(line: str) -> Any:
    try:
        return json.loads(line)
    except ValueError:
        return None


def journals(directory: Path) -> Iterator[Path]:
    """The journals kept, oldest first (their names start with the UTC time)."""
    if directory.is_dir():
        yield from sorted(directory.glob("*.jsonl"))
