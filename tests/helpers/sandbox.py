"""Helpers for tests that call the sandbox in-process (`Sandbox.call`) and look at its database."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from trackerctl.sandbox.app import Sandbox

Setup = Callable[[Sandbox], None] | None


@dataclass(frozen=True)
class ErrorCase:
    """A documented error and the state that causes it, for the emulator's unit tables
    (tests/unit/test_sandbox_*_actions.py); the e2e tests drive the same cases through the CLI over HTTP."""

    path: str
    code: int
    params: dict
    setup: Setup
    id: str
    user: str | None = None  # user API: a login to send the request as (the API key otherwise)
    via: str = "cli"  # "api": the CLI has no option for these params or refuses them itself: sent with `trackerctl api`

    @property
    def pair(self) -> tuple[str, int]:
        """(action, code) as the document names them: register_entry is the platform's register_retry."""
        return self.path.replace("register_entry", "register_retry"), self.code


def error_case(prefix: str, action: str, expected: int, params: dict, setup: Setup = None, *, user: str | None = None,
               id: str = "", via: str = "cli") -> ErrorCase:
    return ErrorCase(prefix + action, expected, params, setup, f"{action}-{expected}" + (f"-{id}" if id else ""), user, via)


def ok(sb: Sandbox, action: str, params: dict | None = None, **kw: Any) -> dict:
    """The answer of a call that must succeed."""
    status, body = sb.call(action, params, **kw)
    assert status == 200 and body["success"] is True, body
    return body


def code(body: dict) -> int:
    """The error code of an answer that must be an error."""
    assert body["success"] is False, body
    return body["status"]["code"]


def errors(body: dict) -> dict[str, str]:
    """A code-7 answer's errors, parameter -> text."""
    assert code(body) == 7, body
    return {e["parameter"]: e["error"] for e in body["errors"]}


def sql(sb: Sandbox, statement: str, *args: Any) -> list[tuple]:
    with sb.transaction() as conn:
        return [tuple(r) for r in conn.execute(statement, args).fetchall()]


def one(sb: Sandbox, statement: str, *args: Any) -> Any:
    """The first row's only column, or the first row when it has several; None for no row."""
    rows = sql(sb, statement, *args)
    return rows[0][0] if rows and len(rows[0]) == 1 else (rows[0] if rows else None)
