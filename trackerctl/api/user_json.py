"""JSON and text that the user gives, checked before anything is sent (CLI-CONTRACT.md section 10).

`parse_user_json` is the one parser of JSON from the command line or a file (`--command`,
`--param-json`, `api -F` and `--input`); `is_text` the one test that a string can be sent (a lone
surrogate is what undecodable bytes of the command line or a file become). Plain Python, no
pydantic: `trackerctl api` and the models both use it.
"""

from __future__ import annotations

import json
from typing import Any

from trackerctl.errors import UsageError

MAX_JSON_DEPTH = 64
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


class _Refused(ValueError):
    """JSON that parses but must not be sent (CLI-CONTRACT.md section 10)."""


def parse_user_json(text: str, where: str, *, syntax_hint: str = "") -> Any:
    """The one parser of JSON given on the command line or in a file; UsageError naming `where`.

    Refused: what is not JSON, `NaN` and `Infinity` (Python's json takes them, the platform does
    not), numbers that overflow (1e999), integers outside 64 bits, nesting deeper than 64 levels,
    and text that is not Unicode (lone surrogates: undecodable bytes). `syntax_hint` follows the
    parser's own message when the text is not JSON at all.
    """
    try:
        value = json.loads(text, parse_constant=_no_constant, parse_int=_int64, parse_float=_finite)
    except _Refused as e:
        raise UsageError(f"invalid JSON in {where}: {e}") from None
    except RecursionError:  # the parser recurses per level: a very deep text ends here
        raise UsageError(f"invalid JSON in {where}: nests deeper than {MAX_JSON_DEPTH} levels") from None
    except ValueError as e:
        raise UsageError(f"invalid JSON in {where}: {e}{syntax_hint}") from None
    problem = _json_problem(value)
    if problem:
        raise UsageError(f"invalid JSON in {where}: {problem}")
    return value


def _no_constant(name: str) -> Any:
    raise _Refused(f"{name} is not a number JSON allows")


def _int64(digits: str) -> int:
    if len(digits.lstrip("-")) > 19 or not INT64_MIN <= int(digits) <= INT64_MAX:
        raise _Refused(f"{_clip(digits)} does not fit in 64 bits")
    return int(digits)


def _finite(digits: str) -> float:
    value = float(digits)
    if value in (float("inf"), float("-inf")):
        raise _Refused(f"{_clip(digits)} is too large a number")
    return value


def _clip(text: str) -> str:
    return text if len(text) <= 24 else f"{text[:20]}... ({len(text)} digits)"


def _json_problem(value: Any) -> str | None:
    """What is wrong with a parsed value: depth over MAX_JSON_DEPTH, or a string that is not text.

    Iterative, so that its own depth costs no stack.
    """
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth > MAX_JSON_DEPTH:
                return f"nests deeper than {MAX_JSON_DEPTH} levels"
            if isinstance(item, dict):
                stack.extend((key, depth) for key in item)
                item = item.values()
            stack.extend((child, depth + 1) for child in item)
        elif isinstance(item, str) and not is_text(item):
            return f"{_surrogate(item)} is not text (a lone surrogate)"
    return None


def is_text(value: str) -> bool:
    """Unicode text that can be sent as UTF-8: no lone surrogates (what undecodable argv bytes become)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _surrogate(value: str) -> str:
    return next(f"\\u{ord(c):04x}" for c in value if 0xD800 <= ord(c) <= 0xDFFF)


def check_text(value: str, what: str) -> str:
    """`value` given for `what` (an option as typed), refused when it is not text."""
    if not is_text(value):
        raise UsageError(f"invalid value for {what}: not valid UTF-8 text (it holds {_surrogate(value)})")
    return value
