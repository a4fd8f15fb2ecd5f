"""A trackerctl process with its stdout on a pseudo-terminal of a given size (stdin empty, stderr to a
file: a full stderr pipe would block the child), read until it closes the terminal."""

from __future__ import annotations

import fcntl
import os
import struct
import subprocess
import termios
from pathlib import Path


def on_pty(command: list[str], env: dict[str, str], columns: int, rows: int, err_path: Path) -> tuple[int, str, str]:
    """(exit code, what was written to the terminal, stderr) of `command` run with stdout on a pty."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    with open(os.devnull, "rb") as stdin, open(err_path, "wb") as err:
        proc = subprocess.Popen(command, env=env, stdin=stdin, stdout=slave, stderr=err)
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child's side is closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    return proc.wait(60), b"".join(chunks).decode(), err_path.read_text()
