"""Request parameters against an action's `Param` list, checked by the CLI's own validator.

The rules are `trackerctl.api.validate`'s, the same the CLI checks before sending. What is the
emulator's own is the wire and the words: values as a query string or form gives them (text: "[1, 2]"
or "1,2" is a list, '{"name": ...}' an object) and a JSON number where the documents type a string
(their examples send `"device_id": 889654248978`) are read first; every problem is then answered as
code 7 with `errors: [{"parameter", "error"}]`. Absent and null parameters are left out of the result;
parameters the action does not declare are ignored here (handlers find them in `Ctx.raw`, as
registration plugins need).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from trackerctl.api.action import Param
from trackerctl.api.user_json import INT64_MAX, INT64_MIN
from trackerctl.api.validate import Problem, check
from trackerctl.sandbox.codes import invalid

_ARRAY_OF = {"int_list": "integers", "str_list": "strings", "tag_bindings": "{tag_id, ordinal} objects"}


def validate(params: Iterable[Param], raw: dict[str, Any]) -> dict[str, Any]:
    """The declared parameters of `raw`, checked and typed; raises code 7 listing every violation."""
    params = tuple(params)
    checked = check(params, {p.name: _from_wire(p, raw[p.name]) for p in params if raw.get(p.name) is not None})
    if checked.problems:
        raise invalid(*((problem.name, error(problem)) for problem in checked.problems))
    return checked.values


def _from_wire(p: Param, value: Any) -> Any:
    """A value in the JSON type its kind has, where the wire gave its text or a number for a string."""
    kind = p.kind
    if kind in ("str", "month") and isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if kind in _ARRAY_OF and isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            value = _json(value)
        elif kind != "tag_bindings":
            value = [item.strip() for item in text.split(",")] if text else []
    if kind == "str_list" and isinstance(value, list):
        return [str(item) if isinstance(item, int) and not isinstance(item, bool) else item for item in value]
    if kind == "json" and isinstance(value, str):
        return _json(value)
    return value


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text  # not JSON: refused as not an array or object


# ---- the emulator's words for a problem -----------------------------------------------------------
def error(problem: Problem) -> str:
    """The `error` of one `{"parameter", "error"}` entry."""
    p, rule = problem.param, problem.rule
    assert p is not None, "undeclared parameters are not passed in"
    if p.kind in _ARRAY_OF and problem.item is not None:
        if p.kind == "tag_bindings" and problem.field is not None and rule in ("minimum", "maximum", "int64"):
            return f"item {problem.item}: {problem.field.name} {_words(problem.field, rule)}"
        if p.kind == "tag_bindings" or rule in ("integer", "text"):
            return f"must be an array of {_ARRAY_OF[p.kind]}"
        return f"item {problem.item}: {_words(p, rule)}"
    if rule == "unique" and problem.field is not None:
        return f"each {problem.field.name} must appear once"
    return _words(p, rule)


def _words(p: Param, rule: str) -> str:
    if rule == "missing":
        return "required parameter is missing" + (f" (or {p.alternative})" if p.alternative else "")
    if rule in ("minimum", "maximum", "int64"):
        return (f"must be at least {p.ge}" if rule == "minimum" else f"must be at most {p.le}" if rule == "maximum"
                else f"must be from {INT64_MIN} to {INT64_MAX}")
    if rule == "length":
        low, high = p.min_len, p.max_len
        return (f"length must be between {low} and {high}" if low is not None and high is not None
                else f"length must be at least {low}" if low is not None else f"length must be at most {high}")
    if rule == "count":
        low, high = p.min_items, p.max_items
        return "must have " + (f"between {low} and {high}" if low is not None and high is not None
                               else f"at least {low}" if low is not None else f"at most {high}") + " items"
    if rule == "choice":
        return "must be one of " + ", ".join(p.choices or ())
    if rule == "array":
        return f"must be an array of {_ARRAY_OF.get(p.kind, 'values')}"
    return _WORDS[rule]


_WORDS = {
    "integer": "must be an integer",
    "boolean": "must be a boolean",
    "object": "must be a JSON object",
    "text": "must be a string",
    "unicode": "must be valid UTF-8 text",
    "printable": "must consist of printable characters",
    "no_angle": "must not contain '<' or '>'",
    "digits": "must consist of digits only",
    "month": "must be a year and month, yyyy-MM",
    "unique": "must not contain duplicate items",
    "null_item": "must not contain null items",
    "hex_if": "Non-hex string",  # the user document's example of a code 7 answer
    "unknown": "is not a parameter of this action",
    "invalid": "is not valid",
}
