"""The one validator: the registry's constraints, compiled once, checked for the CLI and the emulator.

`check(params, values)` takes values keyed by API name and answers `Checked`: the values as the API
takes them, and every `Problem` (parameter, rule) that failed, the first of each parameter, in
declaration order (botocore's ParamValidator). pydantic is the engine (`trackerctl.api.model`): a
model per parameter list, built on first use, whose field types carry every constraint of a `Param`;
it is imported only when there is a value to check, so --help, completion and a call that gives no
parameter (`tracker list`) do without it. The few rules that span two params (`hex_if`,
`alternative`) are checked here beside it.

Nothing here words a message: the CLI names options (`trackerctl.cli.request`), the emulator answers
code 7 with `errors: [{"parameter", "error"}]` (`trackerctl.sandbox.params`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, Literal, NamedTuple

from trackerctl.api.action import Param

INTEGER = re.compile(r"[+-]?[0-9]{1,20}")
HEX_DIGITS = frozenset("0123456789abcdefABCDEF")

# What failed. Each front end words these its own way.
Rule = Literal[
    "missing",  # a required param (or a param and its alternative) not given
    "unknown",  # a param the action does not declare
    "integer", "minimum", "maximum", "int64",  # ints: not one; below ge; above le; beyond 64 bits
    "boolean", "object", "array", "text",  # not a bool, a JSON object, an array, a string
    "unicode",  # a string that is not text (a lone surrogate: undecodable bytes)
    "length", "printable", "no_angle", "digits", "month", "choice",  # strings
    "count", "unique", "null_item",  # arrays: number of items, duplicates, null items
    "hex_if",  # not hex although another param says it is
    "invalid",  # anything else pydantic refuses
]


class Problem(NamedTuple):
    name: str  # the API name at fault
    rule: Rule
    param: Param | None = None  # None for a param the action does not declare
    item: int | None = None  # the array item at fault
    field: Param | None = None  # the field of that item (a tag binding's tag_id or ordinal)


class Checked:
    __slots__ = ("values", "problems")

    def __init__(self, values: dict[str, Any], problems: list[Problem] | None = None) -> None:
        self.values = values  # the given params as the API takes them, in declaration order, then extras
        self.problems = [] if problems is None else problems


def check(params: Iterable[Param], values: dict[str, Any], *, extra: Literal["forbid", "allow"] = "forbid") -> Checked:
    """`values` (None means not given) against `params`; `extra="allow"` passes undeclared keys on."""
    params = tuple(params)
    given = {k: v for k, v in values.items() if v is not None}
    if given:
        from trackerctl.api.model import validated  # pydantic: only when there is a value to check

        checked = validated(params, given, extra)
    else:  # nothing to check but what is missing (pydantic's "missing" for a field with no default)
        checked = Checked({}, [Problem(p.name, "missing", p) for p in params if p.required and not p.alternative])
    checked.problems += _across(params, given, {p.name for p in checked.problems})
    order = {p.name: i for i, p in enumerate(params)}
    checked.problems.sort(key=lambda problem: order.get(problem.name, len(order)))
    return checked


def parse_int(value: Any) -> Any:
    """An integer written in ASCII digits, with an optional sign; other text is refused.

    Python's int() also takes '١٢' (Arabic-Indic digits), '1_000' and, through pydantic, '1.0': none
    of them is how anyone writes an id on a command line, in an id file or a query string. A JSON
    number with no fraction (1.0) is an integer, as the panel's OpenAPI 3.1 document reads "integer".
    """
    if isinstance(value, str):
        text = value.strip()
        if not INTEGER.fullmatch(text):
            raise ValueError("not an integer")
        return int(text)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("not an integer")
    return value


def is_hex_text(value: str) -> bool:
    """A command in hexadecimal: whole bytes (pairs of hex digits), spaces allowed between them."""
    digits = value.replace(" ", "")
    return bool(digits) and len(digits) % 2 == 0 and set(digits) <= HEX_DIGITS


def _across(params: tuple[Param, ...], given: dict[str, Any], at_fault: set[str]) -> list[Problem]:
    """The rules that span two params, for params whose own value passed."""
    problems = []
    for p in params:
        if p.name in at_fault:
            continue
        if p.alternative and p.name not in given and p.alternative not in given:
            problems.append(Problem(p.name, "missing", p))
        if p.hex_if and p.name in given and p.hex_if[0] not in at_fault:
            other, when = p.hex_if
            if given.get(other) == when and not is_hex_text(given[p.name]):
                problems.append(Problem(p.name, "hex_if", p))
    return problems
