"""Generic validation of request parameters against an action's `Param` list (the CLI's registry).

Like the platform, it is lenient about representation (query and form values are text, so "123"
is an int, "true" a bool, "[1, 2]" or "1,2" a list, and a number is accepted where a string is
expected) and strict about the documented constraints. Every violation is collected; the answer is
code 7 with `errors: [{"parameter", "error"}]`. Absent and null optional parameters are left out of
the result; parameters the action does not declare are ignored here (handlers find them in
`Ctx.raw`, as registration plugins need).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from trackerctl.api.action import Param, is_hex_text
from trackerctl.sandbox.codes import invalid

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
_INT_TEXT = re.compile(r"[+-]?\d+")
_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
_TRUE, _FALSE = ("true", "1"), ("false", "0")


class _Bad(Exception):
    """One parameter's violation; the message becomes its `error`."""


def validate(params: Iterable[Param], raw: dict[str, Any]) -> dict[str, Any]:
    """The declared parameters of `raw`, coerced and checked; raises code 7 listing every violation."""
    params = tuple(params)
    out: dict[str, Any] = {}
    errors: list[tuple[str, str]] = []
    for p in params:
        value = raw.get(p.name)
        if value is None:
            if p.required:
                errors.append((p.name, "required parameter is missing"))
            continue
        try:
            out[p.name] = _check(p, _coerce(p, value))
        except _Bad as e:
            errors.append((p.name, str(e)))
    for p in params:  # a string that must be hex when another parameter has a value: raw commands
        if p.hex_if is not None and p.name in out and out.get(p.hex_if[0]) == p.hex_if[1]:
            if not is_hex_text(out[p.name]):
                errors.append((p.name, "Non-hex string"))
    if errors:
        raise invalid(*errors)
    return out


# ---- representation --------------------------------------------------------------------------------


def _int(value: Any) -> int:
    """A 64-bit integer (SQLite's, and the platform's)."""
    if isinstance(value, bool):
        raise _Bad("must be an integer")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, str) and _INT_TEXT.fullmatch(value.strip()) and len(value.strip()) <= 20:
        value = int(value)
    if not isinstance(value, int):
        raise _Bad("must be an integer")
    if not INT64_MIN <= value <= INT64_MAX:
        raise _Bad(f"must be from {INT64_MIN} to {INT64_MAX}")
    return value


def _str(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise _Bad("must be a string")


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE + _FALSE:
        return value.strip().lower() in _TRUE
    raise _Bad("must be a boolean")


def _list(value: Any, what: str) -> list[Any]:
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                value = json.loads(text)
            except ValueError:
                raise _Bad(f"must be an array of {what}") from None
        else:
            value = [item.strip() for item in text.split(",")] if text else []
    if not isinstance(value, list):
        raise _Bad(f"must be an array of {what}")
    if any(item is None for item in value):
        raise _Bad("must not contain null items")
    return value


def _items(value: list[Any], convert: Any, what: str) -> list[Any]:
    try:
        return [convert(item) for item in value]
    except _Bad:
        raise _Bad(f"must be an array of {what}") from None


def _coerce(p: Param, value: Any) -> Any:
    kind = p.kind
    if kind == "int":
        return _int(value)
    if kind in ("str", "month"):
        return _str(value)
    if kind == "bool":
        return _bool(value)
    if kind == "int_list":
        return _items(_list(value, "integers"), _int, "integers")
    if kind == "str_list":
        return _items(_list(value, "strings"), _str, "strings")
    if kind == "json":
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise _Bad("must be a JSON object") from None
        if not isinstance(value, dict):
            raise _Bad("must be a JSON object")
        return value
    if kind == "tag_bindings":
        bindings = _list(value, "{tag_id, ordinal} objects")
        try:
            return [{"tag_id": _int(b["tag_id"]), "ordinal": _int(b["ordinal"])} for b in bindings]
        except (_Bad, KeyError, TypeError):
            raise _Bad("must be an array of {tag_id, ordinal} objects") from None
    raise _Bad(f"unsupported parameter kind {kind}")


# ---- constraints -----------------------------------------------------------------------------------


def _check(p: Param, value: Any) -> Any:
    if p.kind == "int":
        _bounds(p, value)
    elif p.kind in ("str", "month"):
        _text(p, value)
    elif p.kind in ("int_list", "str_list", "tag_bindings"):
        _array(p, value)
        for index, item in enumerate(value):
            try:
                if p.kind == "int_list":
                    _bounds(p, item)
                elif p.kind == "str_list":
                    _text(p, item)
            except _Bad as e:
                raise _Bad(f"item {index}: {e}") from None
    return value


def _bounds(p: Param, value: int) -> None:
    if p.ge is not None and value < p.ge:
        raise _Bad(f"must be at least {p.ge}")
    if p.le is not None and value > p.le:
        raise _Bad(f"must be at most {p.le}")


def _text(p: Param, value: str) -> None:
    if p.kind == "month" and not _MONTH.fullmatch(value):
        raise _Bad("must be a year and month, yyyy-MM")
    if p.min_len is not None and len(value) < p.min_len or p.max_len is not None and len(value) > p.max_len:
        raise _Bad(_length_rule(p))
    if p.printable and not value.isprintable():
        raise _Bad("must consist of printable characters")
    if p.no_angle and ("<" in value or ">" in value):
        raise _Bad("must not contain '<' or '>'")
    if p.digits and not (value.isascii() and value.isdigit()):
        raise _Bad("must consist of digits only")
    if p.hex_ and not is_hex_text(value):
        raise _Bad("Non-hex string")
    if p.pattern is not None and not re.fullmatch(p.pattern, value):
        raise _Bad(f"does not match {p.pattern}")
    if p.choices is not None and value not in p.choices:
        raise _Bad("must be one of " + ", ".join(p.choices))


def _length_rule(p: Param) -> str:
    if p.min_len is not None and p.max_len is not None:
        return f"length must be between {p.min_len} and {p.max_len}"
    if p.min_len is not None:
        return f"length must be at least {p.min_len}"
    return f"length must be at most {p.max_len}"


def _array(p: Param, value: list[Any]) -> None:
    n = len(value)
    if p.min_items is not None and n < p.min_items or p.max_items is not None and n > p.max_items:
        lo, hi = p.min_items, p.max_items
        rule = f"between {lo} and {hi}" if lo is not None and hi is not None else f"at least {lo}" if lo is not None else f"at most {hi}"
        raise _Bad(f"must have {rule} items")
    if p.unique:
        seen = [json.dumps(item, sort_keys=True) for item in value] if p.kind == "tag_bindings" else value
        if len(set(seen)) != n:
            raise _Bad("must not contain duplicate items")
