"""The one validator: the registry's constraints, compiled once, checked for the CLI and the emulator.

`check(params, values)` takes values keyed by API name and answers `Checked`: the values as the API
takes them, and every `Problem` (parameter, rule) that failed, the first of each parameter, in
declaration order (botocore's ParamValidator). pydantic is the engine: a model per parameter list,
built on first use (never on --help or completion), whose field types carry every constraint of a
`Param`. The few rules that span two params (`hex_if`, `alternative`) are checked here beside it.

Nothing here words a message: the CLI names options (`trackerctl.cli.request`), the emulator answers
code 7 with `errors: [{"parameter", "error"}]` (`trackerctl.sandbox.params`).
"""

from __future__ import annotations

import functools
import keyword
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, Strict, ValidationError, create_model
from pydantic_core import PydanticCustomError

from trackerctl.api.action import TAG_BINDING, Param
from trackerctl.api.user_json import INT64_MAX, INT64_MIN, is_text

INTEGER = re.compile(r"[+-]?[0-9]{1,20}")
DIGITS = re.compile(r"[0-9]+")
MONTH = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")
HEX_DIGITS = frozenset("0123456789abcdefABCDEF")
_TRUE, _FALSE = ("true", "1"), ("false", "0")

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
_ERROR_RULES: dict[str, Rule] = {
    "missing": "missing", "extra_forbidden": "unknown",
    "bool_type": "boolean", "bool_parsing": "boolean", "dict_type": "object", "list_type": "array",
    "model_type": "object", "model_attributes_type": "object",
    "string_type": "text", "string_unicode": "unicode", "string_too_short": "length", "string_too_long": "length",
    "literal_error": "choice", "too_short": "count", "too_long": "count",
}


_OWN_RULES = frozenset({"integer", "unicode", "printable", "no_angle", "digits", "month", "unique", "null_item"})  # raised here


@dataclass(frozen=True)
class Problem:
    name: str  # the API name at fault
    rule: Rule
    param: Param | None = None  # None for a param the action does not declare
    item: int | None = None  # the array item at fault
    field: Param | None = None  # the field of that item (a tag binding's tag_id or ordinal)


@dataclass
class Checked:
    values: dict[str, Any]  # the given params as the API takes them, in declaration order, then extras
    problems: list[Problem] = field(default_factory=list)


def check(params: Iterable[Param], values: dict[str, Any], *, extra: Literal["forbid", "allow"] = "forbid") -> Checked:
    """`values` (None means not given) against `params`; `extra="allow"` passes undeclared keys on."""
    params = tuple(params)
    given = {k: v for k, v in values.items() if v is not None}
    try:
        request = compiled(params, extra).model_validate(given)
    except ValidationError as exc:
        problems = _problems(params, exc)
        checked = Checked({}, problems)
    else:
        dump = request.model_dump(by_alias=True)
        checked = Checked({p.name: dump[p.name] for p in params if p.name in given} | (request.model_extra or {}))
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


# ---- the model ------------------------------------------------------------------------------------
@functools.cache
def compiled(params: tuple[Param, ...], extra: Literal["forbid", "allow"] = "forbid") -> type[BaseModel]:
    """The pydantic model of a parameter list, built once; fields are aliased to the API's names."""
    fields: dict[str, Any] = {
        field_name(p.name): (_annotation(p), Field(alias=p.name)) if p.required and not p.alternative
        else (_annotation(p) | None, Field(None, alias=p.name))
        for p in params
    }
    return create_model("Request", __config__=ConfigDict(extra=extra), **fields)


def field_name(name: str) -> str:
    """A Python name for the field of API param `name` (`from` -> `from_`)."""
    if keyword.iskeyword(name) or hasattr(BaseModel, name):
        return name + "_"
    return name


def _annotation(param: Param) -> Any:
    kind = param.kind
    if kind == "bool":
        return Annotated[bool, Strict(), BeforeValidator(_boolean)]
    if kind == "json":
        return dict[str, Any]
    if kind == "month":
        return Annotated[str, Strict(), AfterValidator(_month)]
    if kind in ("int_list", "str_list", "tag_bindings"):
        item = _tag_binding() if kind == "tag_bindings" else _scalar(param, int if kind == "int_list" else str)
        return Annotated[list[item], BeforeValidator(_no_null_items), Field(min_length=param.min_items, max_length=param.max_items),
                         AfterValidator(_distinct(param))]
    return _scalar(param, int if kind == "int" else str)


def _scalar(param: Param, base: type) -> Any:
    """An int or str with the param's bounds, choices and character rules."""
    if param.choices:
        return Literal[param.choices]
    if base is int:  # the platform's integers are 64-bit: a larger one is refused here, not by the server
        return Annotated[int, BeforeValidator(_integer),
                         Field(ge=INT64_MIN if param.ge is None else param.ge, le=INT64_MAX if param.le is None else param.le)]
    return Annotated[str, Strict(), Field(min_length=param.min_len, max_length=param.max_len), AfterValidator(_text(param))]


@functools.cache
def _tag_binding() -> type[BaseModel]:
    fields: dict[str, Any] = {f.name: (_scalar(f, int), ...) for f in TAG_BINDING}
    return create_model("TagBinding", __config__=ConfigDict(extra="forbid"), **fields)


def _integer(value: Any) -> Any:
    try:
        return parse_int(value)
    except ValueError:
        raise PydanticCustomError("integer", "not an integer") from None


def _boolean(value: Any) -> Any:
    """true or false; as text (a query string), also 1 or 0."""
    if isinstance(value, str) and value.strip().lower() in _TRUE + _FALSE:
        return value.strip().lower() in _TRUE
    return value


def _text(param: Param) -> Any:
    def check(value: str) -> str:
        if not is_text(value):  # pydantic itself refuses some lone surrogates, not all ('\ud800')
            raise PydanticCustomError("unicode", "not valid UTF-8 text")
        if param.printable and not value.isprintable():
            raise PydanticCustomError("printable", "not printable")
        if param.no_angle and ("<" in value or ">" in value):
            raise PydanticCustomError("no_angle", "'<' or '>'")
        if param.digits and not DIGITS.fullmatch(value):
            raise PydanticCustomError("digits", "not digits")
        return value

    return check


def _month(value: str) -> str:
    if not MONTH.fullmatch(value):
        raise PydanticCustomError("month", "not a month")
    return value


def _no_null_items(value: Any) -> Any:
    if isinstance(value, (list, tuple)) and any(item is None for item in value):
        raise PydanticCustomError("null_item", "null item")
    return value


def _distinct(param: Param) -> Any:
    """No duplicate items (`unique`); for tag bindings, no two items with the same tag or ordinal."""
    fields = [f for f in TAG_BINDING if f.unique] if param.kind == "tag_bindings" else []

    def check(items: list[Any]) -> list[Any]:
        keys = [tuple(item.model_dump().values()) if isinstance(item, BaseModel) else item for item in items]
        if param.unique and len(set(keys)) != len(keys):
            raise PydanticCustomError("unique", "duplicate items")
        for f in fields:
            if len({getattr(item, f.name) for item in items}) != len(items):
                raise PydanticCustomError("unique", "duplicate {field}", {"field": f.name})
        return items

    return check


# ---- problems -------------------------------------------------------------------------------------
def _problems(params: tuple[Param, ...], exc: ValidationError) -> list[Problem]:
    """The first problem of each param pydantic refused."""
    by_name = {p.name: p for p in params}
    fields = {f.name: f for f in TAG_BINDING}
    found: dict[str, Problem] = {}
    for error in exc.errors():
        loc = error["loc"]
        name = str(loc[0]) if loc else ""
        if name in found:
            continue
        param = by_name.get(name)
        item = loc[1] if len(loc) > 1 and isinstance(loc[1], int) else None
        inner = fields.get(str(loc[2])) if len(loc) > 2 else None
        constrained = inner or param
        ctx = error.get("ctx") or {}
        if param is not None and param.kind == "tag_bindings" and ctx.get("field"):
            inner = fields[ctx["field"]]
        found[name] = Problem(name, _rule(error["type"], ctx, constrained), param, item, inner)
    return list(found.values())


def _rule(error_type: str, ctx: dict[str, Any], param: Param | None) -> Rule:
    if error_type == "greater_than_equal":
        return "minimum" if param is not None and ctx.get("ge") == param.ge else "int64"
    if error_type == "less_than_equal":
        return "maximum" if param is not None and ctx.get("le") == param.le else "int64"
    if error_type in _ERROR_RULES:
        return _ERROR_RULES[error_type]
    return error_type if error_type in _OWN_RULES else "invalid"  # type: ignore[return-value]


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
