"""The error codes the sandbox answers with, and the exception handlers raise to answer one.

`ERRORS` is the platform's table of codes (trackerctl/api/codes.py).
"""

from __future__ import annotations

from typing import Any

from trackerctl.api.codes import ERRORS  # the platform's table, which the emulator answers with


def describe(code: int) -> tuple[str, int]:
    """(description, HTTP status) of an error code."""
    return ERRORS.get(code, ("Unexpected error", 500))


class ApiFailure(Exception):
    """Raised by a handler to answer `success: false` with `code`; `extra` goes beside `status`
    (`rules`, `vehicles`, `list`, `errors`, `timeout`...)."""

    def __init__(self, code: int, **extra: Any) -> None:
        super().__init__(f"{code}: {describe(code)[0]}")
        self.code = code
        self.extra = extra


def invalid(*errors: tuple[str, str]) -> ApiFailure:
    """Code 7 with its `errors` list: `invalid(("tracker_id", "must be at least 1"))`."""
    return ApiFailure(7, errors=[{"parameter": p, "error": e} for p, e in errors])
