"""Request bodies from CLI values, and the CLI's words: how a param is spelled on the command line
(`option`, `metavar`, `label`) and what the one validator refuses.

`build_request(action, values)` checks every documented constraint before anything is sent
(`trackerctl.api.validate`, the rules the emulator answers with too) and answers a usage error of
one line that names each option at fault, as the user typed it. `request_model(action)` is the
action's pydantic model, built on first use. The validator (and pydantic) is imported by the two
functions that use it, not here: help text names options too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from trackerctl.api.action import TAG_BINDING, Action, Param
from trackerctl.errors import UsageError

if TYPE_CHECKING:
    from pydantic import BaseModel

    from trackerctl.api.validate import Problem

__all__ = ["build_request", "label", "metavar", "option", "request_model"]


def option(param: Param) -> str:
    """`--tracker-id`, `--label` (for labels), ..."""
    return "--" + (param.cli_name or param.name.replace("_", "-"))


def metavar(param: Param) -> str:
    """TRACKER_ID: a positional param in usage lines and messages."""
    return (param.cli_name or param.name).upper().replace("-", "_")


def request_model(action: Action) -> type[BaseModel]:
    """The pydantic model of `action`'s request, built once; fields are aliased to the API's names."""
    from trackerctl.api.model import compiled  # pydantic: not on the --help path, which names options

    return compiled(action.params, "allow" if action.extra_params else "forbid")


def build_request(action: Action, values: dict[str, Any]) -> dict[str, Any]:
    """The JSON body for `action` from parsed CLI values keyed by API name.

    None or an empty list or tuple means "not given": optional params are then left out of the body (a
    nullable one is sent as null). Params come in declaration order; with `extra_params`, keys the
    action does not declare (registration plugin parameters) follow unchecked. Raises UsageError.
    """
    from trackerctl.api.validate import check

    given = {k: v for k, v in values.items() if not (v is None or (isinstance(v, (list, tuple)) and not v))}
    checked = check(action.params, given, extra="allow" if action.extra_params else "forbid")
    problems = [_problem(action, problem, given) for problem in checked.problems]
    problems += [f"give {label(p)} or {label(action.param(p.alternative))}, not both"
                 for p in action.params if p.alternative and p.name in given and p.alternative in given]
    if problems:
        raise UsageError("; ".join(problems))
    body = {p.name: checked.values.get(p.name) for p in action.params if p.name in given or p.nullable}
    body.update((k, v) for k, v in checked.values.items() if k not in body)
    return body


# ---- messages -------------------------------------------------------------------------------------
def _problem(action: Action, problem: Problem, given: dict[str, Any]) -> str:
    """One problem in the CLI's words: the option or argument as typed, and what a valid value is."""
    param = problem.param
    if param is None:
        return f"unknown parameter {problem.name}"
    if problem.rule == "missing" and problem.item is None:
        what = f"{'argument' if param.positional else 'option'} {label(param)}"
        if param.alternative:
            other = action.param(param.alternative)
            what += f" or {'argument' if other.positional else 'option'} {label(other)}"
        return f"missing {what}"
    if problem.rule == "unicode":  # a lone surrogate: bytes of the command line that are not UTF-8
        return f"invalid value for {label(param)}: not valid UTF-8 text"
    if problem.rule == "hex_if":
        other, when = param.hex_if or ("", "")
        return (f"invalid value for {label(param)}: must be whole bytes of hex digits (spaces allowed between them) "
                f"with {label(action.param(other))} {when}")
    message = f"invalid value for {label(param)}: must be {_rule(param)}"
    if param.kind in ("int_list", "str_list") and problem.item is not None:
        message += f" (got {given[param.name][problem.item]!r})"
    return message


def label(param: Param) -> str:
    """The param as the user types it: TRACKER_ID, --label, --deleted/--no-deleted."""
    if param.positional:
        return metavar(param)
    if param.kind == "bool":
        return f"{option(param)}/--no-{option(param)[2:]}"
    return option(param)


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
        tag, ordinal = TAG_BINDING
        return f"TAG_ID:ORDINAL with a tag ID >= {tag.ge} and an ordinal {ordinal.ge}-{ordinal.le}, each tag ID and ordinal once"
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
