"""`--jq`: jq's language through libjq's bindings, imported only when --jq is given."""

from __future__ import annotations

from typing import Any

from trackerctl.output.tables import one_line

class JqFilter:
    """A compiled `--jq` expression (jq's own language, through libjq's Python bindings).

    The `jq` package is imported here only, when --jq is given. An expression that does not compile
    is a UsageError (exit 2), raised before anything is sent; one that fails on the data (`.list.x`)
    is a TrackerctlError (exit 1) raised before anything is printed.
    """

    def __init__(self, expression: str) -> None:
        from trackerctl.errors import UsageError

        try:
            import jq
        except ImportError:  # pragma: no cover - a dependency of trackerctl
            raise UsageError("--jq needs the jq package: pip install jq") from None
        try:
            self._program = jq.compile(expression)
        except ValueError as e:
            raise UsageError(f"invalid --jq expression: {_jq_message(e)}") from None
        self.expression = expression

    def run(self, document: Any) -> list[Any]:
        """Every value the expression yields for `document`."""
        from trackerctl.errors import TrackerctlError

        try:
            return self._program.input_value(document).all()
        except ValueError as e:
            raise TrackerctlError(f"--jq: {_jq_message(e)} (the command's request succeeded; nothing was printed)") from None


def _jq_message(error: Exception) -> str:
    """libjq's message on one line: `syntax error, unexpected ... at <top-level>, line 1, column 3`."""
    first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return one_line(first.removeprefix("jq: error: ").rstrip(":"))
