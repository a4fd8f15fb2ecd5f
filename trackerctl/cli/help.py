"""Every `--help` page, from one generated file, without Typer (CLI-CONTRACT.md section 11).

`help.json` holds each command's page as data, made from the real command tree by
`python -m trackerctl.cli.docs` (as the man pages and completions are; a test fails when it
drifts). `render` lays a page out for the terminal's width: usage, the command's text, its own
arguments and options, its commands, then the global options under their own heading, then the
examples, one per line and never re-wrapped.

Two ways in, one layout: `help_page(argv)` answers a help request before Typer is imported (the
entry point tries it first, so `--help` costs an interpreter and this module), and
`trackerctl.cli.framework.install_help` makes every help Typer would print (a group run with no
command) come from `page_for` too. A request the walk cannot follow (an unknown command or
option) is left to Typer, which reports the usage error.
"""

from __future__ import annotations

import json
import shutil
import textwrap
from functools import cache
from pathlib import Path
from typing import Any

PAGES = Path(__file__).with_name("help.json")
HELP = ("-h", "--help")
MAX_WIDTH = 100  # as wide as a page gets on a wide terminal


@cache
def _pages() -> dict[str, Any]:
    try:
        return json.loads(PAGES.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # not generated yet (a checkout before `python -m trackerctl.cli.docs`)
        return {"globals": {}, "pages": {}}


def page_for(path: tuple[str, ...], width: int | None = None) -> str | None:
    """The help of the command at `path` (() for trackerctl itself), laid out; None if unknown."""
    data = _pages()
    page = data["pages"].get(" ".join(path))
    return None if page is None else render(page, data["globals"], width)


def help_page(argv: list[str]) -> str | None:
    """The page `argv` asks for when it asks for help (-h or --help where an option may stand), else None.

    The words are walked as Click parses them: a command name descends, an option that takes a value
    takes the next word, anything after `--` is an argument. A word the walk does not know leaves
    the request to Typer.
    """
    if not any(word in HELP for word in argv):
        return None
    data = _pages()
    pages, path, wants = data["pages"], [], False
    words = iter(argv)
    for word in words:
        page = pages.get(" ".join(path))
        if page is None or word in ("--", "--version"):  # --version: Typer prints what comes first
            return None
        if word in HELP:
            wants = True
        elif word.startswith("-") and word != "-":
            name, eq, _ = word.partition("=")
            takes = page["takes"].get(name)
            if takes is None or (eq and not takes):
                return None  # an unknown option, or --version: Typer's
            if takes and not eq:
                next(words, None)
        elif page["commands"]:
            if word not in dict(page["commands"]):
                return None
            path.append(word)
        # else: an argument of a leaf command
    return page_for(tuple(path)) if wants else None


def render(page: dict[str, Any], globals_: dict[str, list[str]], width: int | None = None) -> str:
    width = width or max(min(shutil.get_terminal_size().columns, MAX_WIDTH) - 2, 50)
    out = [f"Usage: {page['usage']}", ""]
    for para in page["text"]:
        out += _wrap(para, width, "  ") + [""]
    sections = (
        ("Arguments", page["args"]),
        ("Options", page["options"]),
        ("Commands", page["commands"]),
        ("Global options", [globals_[name] for name in page["globals"]]),
    )
    for title, rows in sections:
        if rows:
            out += [f"{title}:", *_table(rows, width), ""]
    if page["examples"]:
        out += ["Examples:", *(f"  {line}" for line in page["examples"]), ""]
    return "\n".join(out)


def _table(rows: list[list[str]], width: int) -> list[str]:
    """Two columns: a term, and its text wrapped beside it (below it when the term is too long)."""
    first = min(max(len(term) for term, _ in rows), 30) + 4
    out = []
    for term, text in rows:
        lines = _wrap(text, width - first, "") or [""]
        if len(term) + 4 > first:
            out.append(f"  {term}")
            out += [" " * first + line for line in lines if line]
        else:
            out.append(f"  {term.ljust(first - 4)}  {lines[0]}".rstrip())
            out += [" " * first + line for line in lines[1:]]
    return out


def _wrap(text: str, width: int, indent: str) -> list[str]:
    return textwrap.wrap(text, width, initial_indent=indent, subsequent_indent=indent, break_on_hyphens=False,
                         break_long_words=False)
