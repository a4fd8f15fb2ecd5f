"""The errors of the platform's answers and of the transport; the base classes and the exit codes
are `trackerctl.errors`'. `exit_code_for_api_code` is the one mapping from an API code to an exit code.

`TransientError.reached` says whether the request may have reached the platform: it is False only
for `Unreachable`, raised when every attempt failed before the request was sent (connection
refused, name not resolved, certificate refused), so nothing can have been applied. A bulk job
tells "nothing reached the platform" (exit 5) from items the platform refused (exit 6) with it.
"""

from __future__ import annotations

from typing import Any

from trackerctl.errors import EXIT_API, EXIT_AUTH, EXIT_NOT_FOUND, EXIT_TRANSIENT, TrackerctlError, TransientError

# API codes grouped by the exit code the contract gives them.
AUTH_CODES = frozenset({3, 4, 102, 103, 276})
NOT_FOUND_CODES = frozenset({201, 204, 217, 258})
TRANSIENT_CODES = frozenset({1, 6, 8, 14, 15})
# Codes whose answer says the request was not processed at all: safe to repeat for any action.
NOT_PROCESSED_CODES = frozenset({8, 14, 15})


class Unreachable(TransientError):
    """No attempt got the request out: connection refused, name not resolved, certificate refused.
    Nothing was sent, so nothing was applied."""

    reached = False


class OutcomeUnknown(TransientError):
    """A write was sent and no answer came back: it may or may not have been applied."""


class BadResponse(TransientError):
    """The server answered with something that is not the API's JSON."""


class ApiError(TrackerctlError):
    """The API answered `success: false`. `extra` holds the fields beside `status` (rules, list, errors...)."""

    retry_after: float | None = None  # seconds, from a Retry-After header
    api: str | None = None  # the API ("user", "panel") whose credential was sent, set by the client

    def __init__(
        self,
        code: int,
        description: str,
        *,
        extra: dict[str, Any] | None = None,
        http_status: int | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(f"error {code}: {description}", hint=hint)
        self.code = code
        self.description = description
        self.extra = extra or {}
        self.http_status = http_status

    @property
    def exit_code(self) -> int:  # type: ignore[override]
        return exit_code_for_api_code(self.code)

    def as_json(self) -> dict[str, Any]:
        return {"success": False, "status": {"code": self.code, "description": self.description}, **self.extra}

    @classmethod
    def from_body(cls, body: dict[str, Any], http_status: int | None = None) -> "ApiError":
        """The error of a `success: false` body; BadResponse when its `status` is not
        `{"code": <integer>, "description": ...}` (a code of another type is not guessed at)."""
        status = body.get("status")
        code = status.get("code") if isinstance(status, dict) else None
        if type(code) is not int or not 0 < code < 2**31:  # bool, float, text, null: not the API's
            what = "no code" if code is None else f"the code {_short(code)}"
            raise BadResponse(f"the server answered HTTP {http_status} with an error that has {what}")
        description = status.get("description")
        description = description if isinstance(description, str) else ("" if description is None else _short(description))
        extra = {k: v for k, v in body.items() if k not in ("success", "status")}
        return cls(code, description, extra=extra, http_status=http_status)


def _short(value: Any, limit: int = 60) -> str:
    """A scalar as JSON would show it, shortened; a container by its kind (never walked)."""
    if isinstance(value, (list, dict)):
        return "a list" if isinstance(value, list) else "an object"
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


def exit_code_for_api_code(code: int) -> int:
    if code in AUTH_CODES:
        return EXIT_AUTH
    if code in NOT_FOUND_CODES:
        return EXIT_NOT_FOUND
    if code in TRANSIENT_CODES:
        return EXIT_TRANSIENT
    return EXIT_API
