"""Request models: an action's params as a pydantic model, and the request body built from CLI values.

`request_model(action)` builds the model on first use, so that pydantic stays off the import path of
the registry. `build_request(action, values)` checks every documented constraint before anything is
sent and answers a usage error of one line that names each option at fault, as the user typed it.
"""

from __future__ import annotations

import functools
import keyword
import re
from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, create_model, model_validator
from pydantic_core import PydanticCustomError

from trackerctl.api.action import Action, Param, is_hex_text
from trackerctl.api.errors import UsageError
from trackerctl.api.user_json import INT64_MAX, INT64_MIN, is_text

DIGITS = re.compile(r"[0-9]+")
INTEGER = re.compile(r"[+-]?[0-9]{1,20}")
MONTH = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")
MAX_ORDINAL = 5  # tag_bindings: "Max value is 5"


def parse_int(value: Any) -> Any:
    """An integer written in ASCII digits, with an optional sign; other text is refused.

    Python's int() also takes '١٢' (Arabic-Indic digits), '1_000' and, through pydantic, '1.0':
    none of them is how anyone writes an id on a command line or in an id file.
    """
    if isinstance(value, str):
        text = value.strip()
        if not INTEGER.fullmatch(text):
            raise ValueError("not an integer")
        return int(text)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("not an integer")
    return value


def _integer(ge: int | None = None, le: int | None = None) -> Any:
    """A 64-bit integer (the platform's ids are), from an int or from its text, within [ge, le]."""
    return Annotated[int, BeforeValidator(parse_int),
                     Field(ge=INT64_MIN if ge is None else ge, le=INT64_MAX if le is None else le)]


class TagBinding(BaseModel):
    """One tag of a tracker: `--tag TAG_ID:ORDINAL`."""

    model_config = ConfigDict(extra="forbid")

    tag_id: _integer(ge=1)  # type: ignore[valid-type]
    ordinal: _integer(ge=1, le=MAX_ORDINAL)  # type: ignore[valid-type]


@functools.cache
def request_model(action: Action) -> type[BaseModel]:
    """The pydantic model of `action`'s request, built once; fields are aliased to the API's names."""
    fields: dict[str, Any] = {
        _field_name(p.name): (_annotation(p), Field(alias=p.name)) if p.required
        else (_annotation(p) | None, Field(None, alias=p.name))
        for p in action.params
    }
    validators = {}
    if any(p.hex_if for p in action.params):
        validators["hex_if"] = model_validator(mode="after")(_hex_if_check(action.params))
    name = "".join(part.title() for part in re.split(r"[/_]", action.path)) + "Request"
    config = ConfigDict(extra="allow" if action.extra_params else "forbid")
    return create_model(name, __config__=config, __validators__=validators, **fields)


def build_request(action: Action, values: dict[str, Any]) -> dict[str, Any]:
    """The JSON body for `action` from parsed CLI values keyed by API name.

    None or an empty list or tuple means "not given": optional params are then left out of the body (a
    nullable one is sent as null). Params come in declaration order; with `extra_params`, keys the
    action does not declare (registration plugin parameters) follow unchecked. Raises UsageError.
    """
    given = {k: v for k, v in values.items() if not (v is None or (isinstance(v, (list, tuple)) and not v))}
    try:
        request = request_model(action).model_validate(given)
    except ValidationError as exc:
        raise UsageError("; ".join(_problems(action, exc, given))) from None
    dump = request.model_dump(by_alias=True)
    body = {p.name: dump[p.name] for p in action.params if dump[p.name] is not None or p.nullable}
    body.update((k, dump[k]) for k in request.model_extra or {})
    return body


# ---- the model's types ----------------------------------------------------------------------------
def _field_name(name: str) -> str:
    """A Python name for the field of API param `name` (`from` -> `from_`)."""
    if keyword.iskeyword(name) or hasattr(BaseModel, name):
        return name + "_"
    return name


def _annotation(param: Param) -> Any:
    kind = param.kind
    if kind == "bool":
        return bool
    if kind == "json":
        return dict[str, Any]
    if kind == "month":
        return Annotated[str, AfterValidator(_month)]
    if kind == "tag_bindings":
        return Annotated[list[TagBinding], AfterValidator(_distinct_tags)]
    if kind in ("int_list", "str_list"):
        item = _scalar(param, int if kind == "int_list" else str)
        checks = [AfterValidator(_distinct)] if param.unique else []
        return Annotated[list[item], Field(min_length=param.min_items, max_length=param.max_items), *checks]
    return _scalar(param, int if kind == "int" else str)


def _scalar(param: Param, base: type) -> Any:
    """An int or str with the param's bounds, choices and character rules."""
    if param.choices:
        return Literal[param.choices]
    if base is int:
        # the platform's integers are 64-bit: a larger id is refused here rather than by the server
        return _integer(param.ge, param.le)
    return Annotated[str, Field(min_length=param.min_len, max_length=param.max_len), AfterValidator(_text_check(param))]


def _text_check(param: Param) -> Callable[[str], str]:
    def check(value: str) -> str:
        if not is_text(value):  # pydantic itself refuses some lone surrogates, not all ('\ud800')
            raise PydanticCustomError("string_unicode", "not valid UTF-8 text")
        if (
            (param.printable and not value.isprintable())
            or (param.no_angle and ("<" in value or ">" in value))
            or (param.digits and not DIGITS.fullmatch(value))
            or (param.hex_ and not is_hex_text(value))
            or (param.pattern and not re.fullmatch(param.pattern, value))
        ):
            raise ValueError("not allowed")
        return value

    return check


def _month(value: str) -> str:
    if not MONTH.fullmatch(value):
        raise ValueError("not a month")
    return value


def _distinct(items: list[Any]) -> list[Any]:
    if len(set(items)) != len(items):
        raise ValueError("duplicate items")
    return items


def _distinct_tags(bindings: list[TagBinding]) -> list[TagBinding]:
    _distinct([b.tag_id for b in bindings])
    _distinct([b.ordinal for b in bindings])
    return bindings


def _hex_if_check(params: tuple[Param, ...]) -> Callable[[BaseModel], BaseModel]:
    """A model check for params that must be hex when another param has a given value."""
    by_name = {p.name: p for p in params}

    def check(request: BaseModel) -> BaseModel:
        for param in params:
            if param.hex_if is None:
                continue
            other, when = param.hex_if
            value = getattr(request, _field_name(param.name))
            if getattr(request, _field_name(other)) == when and value is not None and not is_hex_text(value):
                message = f"invalid value for {_label(param)}: must be whole bytes of hex digits (spaces allowed between them) with {_label(by_name[other])} {when}"
                raise PydanticCustomError("hex_if", message)
        return request

    return check


# ---- messages -------------------------------------------------------------------------------------
def _problems(action: Action, exc: ValidationError, given: dict[str, Any]) -> list[str]:
    """One message per param at fault, in declaration order, then those about the whole request."""
    by_name = {p.name: p for p in action.params}
    found: dict[str, str] = {}
    others: list[str] = []
    for error in exc.errors():
        loc = error["loc"]
        if not loc:
            others.append(error["msg"])
            continue
        name = str(loc[0])
        param = by_name.get(name)
        if param is None:
            others.append(f"unknown parameter {name}")
        elif name not in found:
            found[name] = _problem(param, error["type"], loc, given)
    return [found[p.name] for p in action.params if p.name in found] + others


def _problem(param: Param, error_type: str, loc: tuple[Any, ...], given: dict[str, Any]) -> str:
    if error_type == "missing" and len(loc) == 1:
        return f"missing {'argument' if param.positional else 'option'} {_label(param)}"
    if error_type == "string_unicode":  # a lone surrogate: bytes of the command line that are not UTF-8
        return f"invalid value for {_label(param)}: not valid UTF-8 text"
    message = f"invalid value for {_label(param)}: must be {_rule(param)}"
    if param.kind in ("int_list", "str_list") and len(loc) > 1 and isinstance(loc[1], int):
        message += f" (got {given[param.name][loc[1]]!r})"
    return message


def _label(param: Param) -> str:
    """The param as the user types it: TRACKER_ID, --label, --deleted/--no-deleted."""
    if param.positional:
        return param.metavar
    if param.kind == "bool":
        return f"{param.option}/--{param.cli_false or 'no-' + param.option[2:]}"
    return param.option


def _rule(param: Param) -> str:
    """What a valid value is, in words: `1-60 printable characters`."""
    kind = param.kind
    if kind == "bool":
        return "true or false"
    if kind == "json":
        return "a JSON object"
    if kind == "month":
        return "a year and month as yyyy-MM"
    if kind == "tag_bindings":
        return f"TAG_ID:ORDINAL with a tag ID >= 1 and an ordinal 1-{MAX_ORDINAL}, each tag ID and ordinal once"
    if kind in ("int_list", "str_list"):
        count = _range(param.min_items, param.max_items) or "any number of"
        if count == "at least 1":
            count = "one or more"
        unique = "unique " if param.unique else ""
        if kind == "int_list":
            return f"{count} {unique}integers{_bounds(param)}"
        item = _text_rule(param)
        return f"{count} {unique}values" + (f", each {item}" if item != "text" else "")
    if kind == "int" and not param.choices:
        return "an integer" + _bounds(param)
    return _text_rule(param)


def _text_rule(param: Param) -> str:
    if param.choices:
        return "one of: " + ", ".join(param.choices)
    chars = (
        "digits" if param.digits
        else "hex digits" if param.hex_
        else "printable characters" if param.printable
        else "characters"
    )
    length = _range(param.min_len, param.max_len)
    if length == "at least 1":
        rule = f"non-empty {'text' if chars == 'characters' else chars}"
    elif length:
        rule = f"{length} {chars}"
    else:
        rule = "text" if chars == "characters" else f"{chars} only"
    if param.no_angle:
        rule += " without '<' or '>'"
    if param.pattern:
        rule += f" matching {param.pattern}"
    return rule


def _range(low: int | None, high: int | None) -> str:
    if low and high:
        return f"{low}-{high}" if low != high else f"exactly {low}"
    if high is not None:
        return f"at most {high}"
    if low:
        return f"at least {low}"
    return ""


def _bounds(param: Param) -> str:
    if param.ge is not None and param.le is not None:
        return f" from {param.ge} to {param.le}"
    if param.ge is not None:
        return f" >= {param.ge}"
    if param.le is not None:
        return f" <= {param.le}"
    return ""
