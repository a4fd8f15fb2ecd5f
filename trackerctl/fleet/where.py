"""`--where FIELD OP VALUE`: conditions on the fields of a list's records, all of which must hold.

    conditions = [Condition.parse(text, FIELD_KINDS, fields) for text in args.where]
    chosen = [r for r in records if all(c.holds(r) for c in conditions)]

A field is dotted (`source.model`) and has a kind (`trackerctl.api.endpoints.FIELD_KINDS`), which
decides the operators it takes and how VALUE is read, once, before anything is sent:

- text: `=` and `!=`, where `*` in VALUE matches any run of characters; case is ignored, as a
  dealer typing `truck*` means "Truck 12" too;
- numbers: every operator; VALUE an integer;
- booleans: `=` and `!=`; VALUE `true` or `false`;
- times (the API's `YYYY-MM-DD` and `YYYY-MM-DD HH:MM:SS`, UTC): every operator; VALUE a date, a
  date and time, or a duration meaning that long ago (`last_connection<30d`: older than 30 days);
  `=` with a date alone holds for any time of that day, and a `*` in VALUE compares the text.

An empty VALUE stands for "no value": `last_connection=` holds for a device that never connected
(null), and `!=` for one that did. A record without the field (or null there) satisfies no other
comparison, so `last_connection<30d` leaves out devices that never connected.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

from trackerctl.errors import UsageError

OPERATORS = ("!=", "<=", ">=", "=", "<", ">")  # longest first: `<=` is not `<` then `=VALUE`
_SYNTAX = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_.]*)\s*(!=|==|<=|>=|=|<|>)\s*(.*?)\s*", re.DOTALL)
_ORDERS: dict[str, Callable[[Any, Any], bool]] = {
    "<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
}
KIND_WORDS = {"str": "text", "int": "a number", "bool": "true or false", "time": "a date", "list": "a list"}


@dataclass(frozen=True)
class Condition:
    field: str
    op: str
    text: str  # VALUE as typed
    test: Callable[[Any], bool]  # the field's value (None when absent) -> holds

    @classmethod
    def parse(cls, text: str, kinds: Mapping[str, str], fields: Sequence[str], *, what: str = "--where") -> "Condition":
        """`FIELD OP VALUE` for records with `fields` (the list's, as --columns names them), checked
        and compiled; UsageError (exit 2, one line) for anything that cannot be evaluated."""
        match = _SYNTAX.fullmatch(text)
        if match is None:
            raise UsageError(f"invalid {what} {text!r}: write FIELD OP VALUE, such as source.model=telfmb* or "
                             f"last_connection<30d (OP one of {', '.join(reversed(OPERATORS))})")
        field, op, value = match[1], "=" if match[2] == "==" else match[2], match[3]
        if field not in fields:
            raise UsageError(f"invalid {what} {text!r}: no field {field}{_near(field, fields)}; "
                             f"the fields are {', '.join(f for f in fields if not f.endswith('.*'))}")
        kind = kinds[field]
        return cls(field, op, value, _compile(kind, op, value, f"invalid {what} {text!r}: {field} is {KIND_WORDS[kind]}"))

    def holds(self, record: Mapping[str, Any]) -> bool:
        return self.test(field_value(record, self.field))

    def __str__(self) -> str:
        return f"{self.field}{self.op}{self.text}"


def field_value(record: Mapping[str, Any], field: str) -> Any:
    """The value at a dotted field, None when any step is missing."""
    value: Any = record
    for part in field.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def matches(record: Mapping[str, Any], conditions: Sequence[Condition]) -> bool:
    return all(c.holds(record) for c in conditions)


# ---- compiling one condition ----------------------------------------------------------------------
def _compile(kind: str, op: str, value: str, invalid: str) -> Callable[[Any], bool]:
    if value == "":  # "no value": null, absent, or empty text
        if op not in ("=", "!="):
            raise UsageError(f"{invalid}; an empty VALUE means no value, which takes only = and !=")
        empty = op == "="
        return lambda v: (v is None or v == "" or v == []) == empty
    if kind == "list":
        raise UsageError(f"{invalid}, which --where cannot compare (use --jq)")
    if kind == "bool":
        if op not in ("=", "!="):
            raise UsageError(f"{invalid}: use = or !=")
        if value.lower() not in ("true", "false"):
            raise UsageError(f"{invalid}: the value must be true or false, not {value!r}")
        wanted = value.lower() == "true"
        return _equality(op, lambda v: isinstance(v, bool) and v == wanted)
    if kind == "int":
        if not re.fullmatch(r"-?\d{1,19}", value, re.ASCII):
            raise UsageError(f"{invalid}: the value must be a whole number, not {value!r}")
        number = int(value)
        if op in ("=", "!="):
            return _equality(op, lambda v: _is_number(v) and v == number)
        order = _ORDERS[op]
        return lambda v: _is_number(v) and order(v, number)
    if kind == "time":
        return _time(op, value, invalid)
    # text
    if op not in ("=", "!="):
        raise UsageError(f"{invalid}: it takes = and != (with * for any characters), not {op}")
    pattern = _glob(value)
    return _equality(op, lambda v: isinstance(v, str) and pattern.fullmatch(v) is not None)


def _time(op: str, value: str, invalid: str) -> Callable[[Any], bool]:
    from trackerctl.when import parse_api_time, parse_instant

    if "*" in value:
        if op not in ("=", "!="):
            raise UsageError(f"{invalid}: * matches text, which takes = and !=")
        pattern = _glob(value)
        return _equality(op, lambda v: isinstance(v, str) and pattern.fullmatch(v) is not None)
    moment = parse_instant(value)
    if moment is None:
        raise UsageError(f"{invalid}: the value must be a date (2026-12-01), a date and time (2026-12-01 10:00:00) "
                         f"or a time ago (30d, 12h), not {value!r}")

    def when(v: Any) -> datetime | None:
        return parse_api_time(v) if isinstance(v, str) else None

    if op in ("=", "!=") and len(value) == 10 and value[4] == "-":  # a date alone: that whole day
        day = moment.date()
        return _equality(op, lambda v: (t := when(v)) is not None and t.date() == day)
    if op in ("=", "!="):
        return _equality(op, lambda v: when(v) == moment)
    order = _ORDERS[op]
    return lambda v: (t := when(v)) is not None and order(t, moment)


def _equality(op: str, equal: Callable[[Any], bool]) -> Callable[[Any], bool]:
    """`=` as given; `!=` its negation, which a record without the value satisfies (it is not equal)."""
    return equal if op == "=" else (lambda v: not equal(v))


def _glob(value: str) -> re.Pattern[str]:
    """VALUE with `*` for any run of characters; nothing else is special; case ignored."""
    return re.compile(".*".join(re.escape(part) for part in value.split("*")), re.IGNORECASE | re.DOTALL)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _near(field: str, fields: Sequence[str]) -> str:
    import difflib

    near = difflib.get_close_matches(field, [f for f in fields if not f.endswith(".*")], n=1)
    return f" (did you mean {near[0]}?)" if near else ""
