"""The registry's constraints as pydantic field types: the engine of `trackerctl.api.validate`.

`compiled(params)` is the model of a parameter list, built once; `validated` checks values against it
and words pydantic's errors as the validator's `Problem`s.
"""

from __future__ import annotations

import functools
import keyword
import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, Strict, ValidationError, create_model
from pydantic_core import PydanticCustomError

from trackerctl.api.action import TAG_BINDING, Param
from trackerctl.api.user_json import INT64_MAX, INT64_MIN, is_text
from trackerctl.api.validate import Checked, Problem, Rule, parse_int

DIGITS = re.compile(r"[0-9]+")
MONTH = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")
_TRUE, _FALSE = ("true", "1"), ("false", "0")

_ERROR_RULES: dict[str, Rule] = {
    "missing": "missing", "extra_forbidden": "unknown",
    "bool_type": "boolean", "bool_parsing": "boolean", "dict_type": "object", "list_type": "array",
    "model_type": "object", "model_attributes_type": "object",
    "string_type": "text", "string_unicode": "unicode", "string_too_short": "length", "string_too_long": "length",
    "literal_error": "choice", "too_short": "count", "too_long": "count",
}
_OWN_RULES = frozenset({"integer", "unicode", "printable", "no_angle", "digits", "month", "unique", "null_item"})  # raised here


def validated(params: tuple[Param, ...], given: dict[str, Any], extra: Literal["forbid", "allow"]) -> Checked:
    try:
        request = compiled(params, extra).model_validate(given)
    except ValidationError as exc:
        return Checked({}, _problems(params, exc))
    dump = request.model_dump(by_alias=True)
    return Checked({p.name: dump[p.name] for p in params if p.name in given} | (request.model_extra or {}))


# ---- the model -------------------------------------------------------------------------------------
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


