"""The errors trackerctl reports and the exit codes they end with (CLI-CONTRACT.md section 5).

Code raises these; `trackerctl.cli.app` turns each into one line and its exit code. The errors of
the platform's answers (`ApiError`, with the mapping of an API code to an exit code, and the
transport's `Unreachable`, `OutcomeUnknown`, `BadResponse`) are in `trackerctl.api.errors`.
"""

from __future__ import annotations

from typing import Any

EXIT_OK = 0
EXIT_API = 1
EXIT_USAGE = 2
EXIT_AUTH = 3
EXIT_NOT_FOUND = 4
EXIT_TRANSIENT = 5
EXIT_PARTIAL = 6
EXIT_INTERRUPTED = 130


class TrackerctlError(Exception):
    """Base of every error trackerctl reports. `hint` is the next step shown after the message."""

    exit_code = EXIT_API

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def as_json(self) -> dict[str, Any]:
        """The body printed on stderr in json/jsonl mode."""
        return {"success": False, "status": {"code": None, "description": self.message}}


class UsageError(TrackerctlError):
    """Bad input: an option, a file, a config. Nothing was sent."""

    exit_code = EXIT_USAGE


class AuthError(TrackerctlError):
    """No usable credential, and no way to get one."""

    exit_code = EXIT_AUTH


class NotLoggedIn(AuthError):
    """No credential stored or given for `api` ("user" or "panel"); the CLI says how to log in."""

    def __init__(self, api: str) -> None:
        super().__init__(f"not logged in to the {api} API")
        self.api = api


class TransientError(TrackerctlError):
    """The server or the network failed in a way that outlasted the retries (exit 5).

    `reached`: the request may have reached the server (False only for `Unreachable`)."""

    exit_code = EXIT_TRANSIENT
    reached = True


class PartialFailure(TrackerctlError):
    """A bulk command finished with some items failed."""

    exit_code = EXIT_PARTIAL


class Interrupted(TrackerctlError):
    exit_code = EXIT_INTERRUPTED
