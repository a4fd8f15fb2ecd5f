"""The one adapter between trackerctl and Typer's insides (STYLE.md: public APIs of what we depend on).

Typer carries its own copy of Click (`typer._click`) and builds commands from private classes
(`typer.core`). Every name trackerctl needs from them is imported here and nowhere else, so that a
Typer upgrade is felt in one module; the rest of `trackerctl.cli` imports them from this one.

It also keeps pydantic off the `--help` path. Typer 0.29 coerces every parameter it processes
through a pydantic TypeAdapter, which imports pydantic (about 90 ms here) even to print a leaf
command's `--help` or to read a root option. trackerctl's parameters are plain str, int, float,
bool, lists of those, and Literal choices: `install_fast_coercion` coerces exactly those itself and
leaves anything else to Typer. That patches a method of a private class; where it cannot apply (a
Typer whose insides differ) it patches nothing and the CLI works as Typer made it, only slower to
start. `TRACKERCTL_TYPER_PATCH=0` leaves it out on purpose (tests/unit/test_startup.py runs the CLI
so), and test_startup fails if `trackerctl tracker read --help` imports pydantic with it in.
"""

from __future__ import annotations

import os
from typing import Any, Literal, get_args, get_origin

from typer._click import Command, Context, HelpFormatter
from typer._click.exceptions import BadParameter, ClickException, NoArgsIsHelpError, UsageError
from typer.core import TyperCommand, TyperGroup

__all__ = [
    "BadParameter", "ClickException", "Command", "Context", "HelpFormatter", "NoArgsIsHelpError", "TyperCommand",
    "TyperGroup", "UsageError", "install_fast_coercion", "install_help",
]

_PLAIN = (str, int, float, bool)
_TRUE = ("1", "true", "t", "yes", "y", "on")
_FALSE = ("0", "false", "f", "no", "n", "off")
_installed: bool | None = None


def install_fast_coercion() -> bool:
    """Coerce plain parameters without pydantic, once per process; False when the patch is off or
    cannot apply (then Typer coerces everything itself, as it would without trackerctl)."""
    global _installed
    if _installed is None:
        _installed = os.environ.get("TRACKERCTL_TYPER_PATCH", "").strip() != "0" and _patch()
    return _installed


def install_help() -> None:
    """Every help page Click would print (`--help`, a group run with no command) is trackerctl's own
    (`trackerctl.cli.help`), the one the entry point prints before Typer is imported; a command with
    no page there (help.json not regenerated yet) keeps Click's."""
    if getattr(Command.get_help, "trackerctl", False):
        return
    original = Command.get_help

    def get_help(self: Any, ctx: Any) -> str:
        from trackerctl.cli.help import page_for

        path: list[str] = []
        at = ctx
        while at.parent is not None:
            path.insert(0, at.info_name)
            at = at.parent
        page = page_for(tuple(path))
        return original(self, ctx) if page is None else page.rstrip("\n")

    get_help.trackerctl = True  # type: ignore[attr-defined]
    Command.get_help = get_help


def _patch() -> bool:
    try:
        from typer import _coercion, core

        original = core._TyperParameter.get_runtime_param
        base = _coercion.RuntimeParam
    except (ImportError, AttributeError):
        return False

    # Not a @dataclass of its own: no field to add, and Typer's frozen dataclass methods are inherited.
    class PlainRuntimeParam(base):  # type: ignore[misc, valid-type]
        """Coercion of plain values, with the messages Typer would give."""

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            if get_origin(self.annotation) is list:
                (element,) = get_args(self.annotation)
                items = value if isinstance(value, (list, tuple)) else [value]
                return [_coerce_one(v, element, param, ctx) for v in items]
            return _coerce_one(value, self.annotation, param, ctx)

    def get_runtime_param(self: Any) -> Any:
        try:
            if self._runtime_param is None and _is_plain(self.type_descriptor):
                self._runtime_param = PlainRuntimeParam(
                    parameter_info=self.type_descriptor.parameter_info, annotation=self.type_descriptor.annotation
                )
        except (AttributeError, TypeError):  # insides that differ from 0.29's: Typer's own way
            pass
        return original(self)

    core._TyperParameter.get_runtime_param = get_runtime_param
    return True


def _plain_element(annotation: Any) -> bool:
    if annotation in _PLAIN:
        return True
    return get_origin(annotation) is Literal and all(isinstance(v, str) for v in get_args(annotation))


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
