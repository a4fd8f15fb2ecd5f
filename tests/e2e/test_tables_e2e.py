"""Tables on a real terminal (CLI-CONTRACT.md section 11): `python -m trackerctl --api-url sandbox`
with its stdout on a pseudo-terminal of 80 and of 200 columns, for every action whose records are
printed as a table (each read action's registry example, without its `-o`, and the plain lists).

What must hold: an identifier, number, date, IMEI or header is never split across lines; only free
text (labels, comments, names, nested values) is shortened, with `…`; no line is wider than the
terminal unless the table cannot fit even with its free text shortened, and then every row is one
line. The cells are compared with the same command's `-o csv`, which prints the same texts whole.
"""

from __future__ import annotations

import csv
import io
import re
import shlex
import subprocess
from pathlib import Path

import pytest
from rich.cells import cell_len

from tests.e2e.conftest import TRACKERCTL
from tests.helpers.terminal import on_pty
from tests.helpers.environment import isolated_env
from trackerctl.api.endpoints import REGISTRY
from trackerctl.output import FREE_MIN, GAP, is_free_text

pytestmark = pytest.mark.e2e
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
LONG_LABEL = "Refrigerated trailer 12 (north depot, bay 7) spare unit"  # 55 characters, for tracker 999119


def _argv(example: str) -> list[str]:
    """An example's trackerctl arguments up to the first pipe, without its `-o FORMAT`."""
    words = shlex.split(example.split("|", 1)[0])[1:]
    while "-o" in words:
        i = words.index("-o")
        del words[i : i + 2]
    return words


# (argv, whether the records are one, shown as field / value)
COMMANDS = [(_argv(a.example), a.result in ("value", "state")) for a in REGISTRY.actions if a.result and a.columns and a.read_only] + [
    (["tracker", "list"], False),
    (["panel", "tracker", "list"], False),
    (["panel", "tracker", "list", "--columns", "id,label,comment,source.device_id,creation_date"], False),
    (["tracker", "get-states", "123456", "134537", "200007", "200008", "200009", "265489", "999119", "999199", "1245678", "--list-blocked"], False),
    (["tracker", "read", "999119", "--columns", "id,label,tag_bindings,source"], True),
]


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("tables")
    env = isolated_env(root)
    for name in ("COLUMNS", "LINES"):  # the terminal's own size must decide
        env.pop(name, None)
    update = subprocess.run([*TRACKERCTL, "--api-url", "sandbox", "panel", "tracker", "settings", "update", "999119",
                             "--label", LONG_LABEL, "--no-deleted", "-o", "json"], env=env, capture_output=True, text=True)
    assert update.returncode == 0, update.stderr
    return env


def on_terminal(env: dict[str, str], argv: list[str], columns: int) -> tuple[int, str, str]:
    """Run trackerctl with stdout on a pseudo-terminal `columns` wide; (exit code, stdout, stderr)."""
    code, raw, err = on_pty([*TRACKERCTL, "--api-url", "sandbox", *argv], env, columns, 50, Path(env["HOME"]).parent / "stderr.txt")
    return code, ANSI.sub("", raw).replace("\r\n", "\n"), err


_CSV: dict[tuple[str, ...], list[list[str]]] = {}


def as_csv(env: dict[str, str], argv: list[str]) -> list[list[str]]:
    """The same command's `-o csv` rows (run once for both widths)."""
    if tuple(argv) not in _CSV:
        proc = subprocess.run([*TRACKERCTL, "--api-url", "sandbox", *argv, "-o", "csv"], env=env, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        _CSV[tuple(argv)] = list(csv.reader(io.StringIO(proc.stdout)))
    return _CSV[tuple(argv)]


def cells_of(line: str, widths: list[int]) -> list[str]:
    """Split a table line at the column starts (columns are GAP apart)."""
    out, start = [], 0
    for width in widths:
        out.append(line[start : start + width].rstrip())
        start += width + GAP
    return out


def check_cell(shown: str, whole: str, free: bool, where: str) -> None:
    if shown == whole:
        return
    if not free:  # whole, even when it moved between the two runs (a moving tracker's last_update)
        assert len(shown) == len(whole) and "…" not in shown, f"{where}: {whole!r} shown as {shown!r}"
        return
    assert shown.endswith("…") and whole.startswith(shown[:-1]), f"{where}: {whole!r} shown as {shown!r}"


@pytest.mark.parametrize("columns", [80, 200])
@pytest.mark.parametrize(("argv", "single"), COMMANDS, ids=[" ".join(argv[:5]) for argv, _ in COMMANDS])
def test_a_table_fits_without_splitting_what_must_stay_whole(env, argv, single, columns):
    code, out, err = on_terminal(env, argv, columns)
    assert code == 0, err
    assert "Traceback" not in err
    rows = as_csv(env, argv)
    if not rows or len(rows) == 1:  # no records: nothing printed, a notice on stderr
        assert out == "" and "no results" in err
        return
    header, records = rows[0], rows[1:]
    lines = out.rstrip("\n").split("\n")
    if single:  # field / value
        names, texts = ["field", "value"], [[h, v] for h, v in zip(header, records[0])]
        free = [[False, is_free_text(h) or v.startswith(("[", "{"))] for h, v in zip(header, records[0])]
    else:  # the default columns, the last left out (and named on stderr) where they cannot fit
        starts = [m.start() for m in re.finditer(r"(?:(?<=  )|^)\S", lines[0])]
        shown = len(starts)
        assert 2 <= shown <= len(header), lines[0]
        if shown < len(header):
            left = len(header) - shown
            assert f"{left} column{'s' if left > 1 else ''} left out to fit the terminal: {', '.join(header[shown:])}" in err
        names, texts = header[:shown], [row[:shown] for row in records]
        free = [[is_free_text(h) or v.startswith(("[", "{")) for h, v in zip(names, row)] for row in texts]
    assert len(lines) == 2 + len(texts), f"every row on one line:\n{out}"
    assert set(lines[1]) == {"─"}, "a rule under the header"
    starts = [m.start() for m in re.finditer(r"(?:(?<=  )|^)\S", lines[0])]  # where each header begins
    assert [lines[0][s:].split(" ", 1)[0] for s in starts] == names, f"every header whole, in one line:\n{lines[0]}"
    if not single and len(names) < len(header):
        assert max(cell_len(line) for line in lines) <= columns, f"columns were left out, so it fits:\n{out}"
    widths = [b - a - GAP for a, b in zip(starts, starts[1:])] + [cell_len(lines[1]) - starts[-1]]
    for n, (line, row, row_free) in enumerate(zip(lines[2:], texts, free)):
        for i, (shown, whole, is_free) in enumerate(zip(cells_of(line, widths), row, row_free)):
            check_cell(shown, whole, is_free, f"row {n}, column {names[i]}")
    widest = max(cell_len(line) for line in lines)
    if widest > columns:  # only when it cannot fit: free text at its shortest, still too wide
        floor = [max(cell_len(name), *(cell_len(r[i]) if not f[i] else min(cell_len(r[i]), FREE_MIN) for r, f in zip(texts, free)))
                 for i, name in enumerate(names)]
        assert sum(floor) + GAP * (len(names) - 1) > columns, f"{widest} columns on a terminal of {columns}:\n{out}"
        assert widest == sum(floor) + GAP * (len(names) - 1), "as narrow as it can be"
