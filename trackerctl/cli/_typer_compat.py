"""Keep pydantic off the `--help` path.

Typer 0.29 coerces every parameter it processes through a pydantic TypeAdapter, which imports
pydantic (about 90 ms here) even to print a leaf command's `--help` or to read a root option.
trackerctl's parameters are plain str, int, float, bool, lists of those, and Literal choices:
this module coerces exactly those itself and leaves anything else to Typer. It patches one
method of a private class, so Typer is pinned to 0.29.x in pyproject.toml, and
tests/unit/test_startup.py fails if `trackerctl tracker read --help` imports pydantic again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, get_args, get_origin

from typer import _coercion, core
from typer._click.exceptions import BadParameter

_PLAIN = (str, int, float, bool)
_TRUE = ("1", "true", "t", "yes", "y", "on")
_FALSE = ("0", "false", "f", "no", "n", "off")


def _plain_element(annotation: Any) -> bool:
    if annotation in _PLAIN:
        return True
    return get_origin(annotation) is Literal and all(isinstance(v, str) for v in get_args(annotation))


def _coerce_one(value: Any, annotation: Any, param: Any, ctx: Any) -> Any:
    if get_origin(annotation) is Literal:
        choices = get_args(annotation)
        if value in choices:
            return value
        listed = ", ".join(repr(c) for c in choices)
        raise BadParameter(f"{value!r} is not one of {listed}.", ctx=ctx, param=param)
    if annotation is bool:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE or text in _FALSE:
            return text in _TRUE
        raise BadParameter(f"{value!r} is not a valid boolean.", ctx=ctx, param=param)
    if isinstance(value, annotation) and not isinstance(value, bool):
        return value
    try:
        if annotation in (int, float) and isinstance(value, str) and (not value.isascii() or "_" in value):
            raise ValueError(value)  # int() takes '١٢' and '1_000'; nobody types a number so
        return annotation(value)
    except (TypeError, ValueError):
        kind = {int: "integer", float: "number"}.get(annotation, "text")
        raise BadParameter(f"{value!r} is not a valid {kind}.", ctx=ctx, param=param) from None


@dataclass(frozen=True)
class _PlainRuntimeParam(_coercion.RuntimeParam):
    """Coercion of plain values, with the messages Typer would give."""

    def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
        if get_origin(self.annotation) is list:
            (element,) = get_args(self.annotation)
            items = value if isinstance(value, (list, tuple)) else [value]
            return [_coerce_one(v, element, param, ctx) for v in items]
        return _coerce_one(value, self.annotation, param, ctx)


def _is_plain(descriptor: Any) -> bool:
    info = descriptor.parameter_info
    if descriptor.file_annotation is not None or info.parser is not None or getattr(info, "click_type", None) is not None:
        return False
    if info.min is not None or info.max is not None or not info.case_sensitive:
        return False
    annotation = descriptor.annotation
    if get_origin(annotation) is list:
        return _plain_element(get_args(annotation)[0])
    return _plain_element(annotation)


_original = core._TyperParameter.get_runtime_param


def _get_runtime_param(self: Any) -> Any:
    if self._runtime_param is None and _is_plain(self.type_descriptor):
        self._runtime_param = _PlainRuntimeParam(
            parameter_info=self.type_descriptor.parameter_info, annotation=self.type_descriptor.annotation
        )
    return _original(self)


core._TyperParameter.get_runtime_param = _get_runtime_param  # type: ignore[method-assign]
