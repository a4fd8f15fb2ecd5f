"""The `--help` pages as data (`trackerctl/cli/help.json`), for `trackerctl.cli.help` to lay out.

One page per command path: the usage line, the text (the example paragraphs taken out), the own
arguments and options as [term, text] rows with `[required]` and `[default: ...]` marks, the
commands of a group, which global options the command takes (their rows are kept once, under
"globals"), the examples, and `takes`: whether each spelling of each option takes a value, for
the walk of a command line.
"""

from __future__ import annotations

import json
from typing import Any

from trackerctl.cli.docs.tree import Arg, Node, Opt, paragraphs


def pages(root: Node) -> str:
    """help.json's text."""
    globals_ = {o.long: _option_row(o) for o in root.options if o.is_global}
    data = {"globals": globals_, "pages": {" ".join(node.path): _page(node) for node in root.walk()}}
    return json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


def _page(node: Node) -> dict[str, Any]:
    text = [p for p in paragraphs(node.help) if not p.startswith("Example:")]
    examples = [p[len("Example:"):].strip() for p in paragraphs(node.help) + paragraphs(node.epilog)
                if p.startswith("Example:")]
    return {
        "usage": _usage(node),
        "text": text or [node.summary],
        "args": [[_arg_term(a), a.help + ("  [required]" if a.required else "")] for a in node.args],
        "options": [_option_row(o) for o in node.options if not o.is_global],
        "commands": [[name, line] for name, line in node.listing.items()],
        "globals": [o.long for o in node.options if o.is_global],
        "examples": examples,
        "takes": {name: o.takes_value for o in node.options for name in o.names},
    }


def _usage(node: Node) -> str:
    if node.is_group:
        return f"{node.name} [OPTIONS] COMMAND [ARGS]..."
    words = [node.name, "[OPTIONS]"]
    for a in node.args:
        term = _arg_term(a)
        words.append(term if a.required else f"[{term}]")
    return " ".join(words)


def _arg_term(a: Arg) -> str:
    return a.metavar + ("..." if a.variadic else "")


def _option_row(o: Opt) -> list[str]:
    shorts = [n for n in o.names if not n.startswith("--")]
    longs = [n for n in o.names if n.startswith("--")]
    term = ", ".join(shorts + [" / ".join(longs)]) + (f" {o.metavar}" if o.takes_value else "")
    marks = ("  [required]" if o.required else "") + (f"  [default: {o.default}]" if o.default else "")
    return [term, o.help + marks]
