"""The one context object of a command run (STYLE.md, example 4).

The root callback creates it with nothing but the global options; everything else (config,
credentials, output, the HTTP client) is built on first use, so `--help` and completion never read
the config file, touch the keyring or open a connection. Tests pass their own through
`CliRunner.invoke(cli, args, obj=AppContext(env=...))`, with the terminal facts they want
(`terminal=Terminal(stdout_tty=True, width=80)`): whether a stream is a terminal is found out
here and nowhere else (gh's iostreams).
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from trackerctl.errors import UsageError
from trackerctl.config import DEFAULT_PROFILE, Config, check_profile_name, default_config_path, default_state_dir

if TYPE_CHECKING:
    from trackerctl.api.client import ApiClient
    from trackerctl.audit import AuditLog
    from trackerctl.credentials import CredentialStore
    from trackerctl.fleet.journal import Journal
    from trackerctl.output import Output, Terminal
    from trackerctl.sandbox.app import Sandbox
    from trackerctl.session import Session

DEFAULT_TIMEOUT = 30.0


class GlobalOptions:
    """Values given on the command line; None (or False) where not given. A plain class: the
    defaults are its attributes, `AppContext.apply` sets what is given on the instance."""

    profile: str | None = None
    api_url: str | None = None
    output: str | None = None
    columns: str | None = None
    jq: str | None = None
    timeout: float | None = None
    ca_bundle: str | None = None
    dry_run: bool = False
    yes: bool = False
    verbose: bool = False
    quiet: bool = False
    no_color: bool = False
    # a write's own options, set by the command (trackerctl.cli.fleet): print the writes instead of
    # sending them; read each tracker before writing it, for undo
    plan: bool = False
    undoable: bool = False


_OPTION_NAMES = frozenset(GlobalOptions.__annotations__)


class AppContext:
    def __init__(
        self,
        *,
        env: Mapping[str, str] | None = None,
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
        stderr: TextIO | None = None,
        terminal: "Terminal | None" = None,
    ) -> None:
        self.options = GlobalOptions()
        self._env = env
        self._stdin, self._stdout, self._stderr = stdin, stdout, stderr
        if terminal is not None:
            self.__dict__["terminal"] = terminal
        self._client: ApiClient | None = None
        # (what, fields): the running command's name and its records' fields, when they are known
        # before the answer (trackerctl.cli.fields); set by the leaf command before `validate`.
        self.record_fields: tuple[str, tuple[str, ...]] | None = None
        self.journal_path: Path | None = None  # the run's journal, once a run that writes has opened one
        self._journal: Journal | None = None
        self._audit_lock = threading.Lock()  # the first write builds the audit log, maybe in bulk workers at once

    def apply(self, given: Mapping[str, Any]) -> None:
        """Take the global options given at one level of the command line (later levels win)."""
        for name, value in given.items():
            if name in _OPTION_NAMES and value is not None and value is not False:  # 0 is a value given
                setattr(self.options, name, value)
        for derived in _DERIVED:  # settings computed from the options before this level: recompute
            self.__dict__.pop(derived, None)

    def validate(self) -> None:
        """Refuse malformed settings before the command does anything (exit 2, nothing sent)."""
        _ = self.output_format, self.columns, self.jq, self.timeout, self.max_attempts, self.max_answer

    # -- streams and environment --------------------------------------------------------------
    @property
    def env(self) -> Mapping[str, str]:
        return os.environ if self._env is None else self._env

    @property
    def stdin(self) -> TextIO:
        return self._stdin or sys.stdin

    @property
    def stdout(self) -> TextIO:
        return self._stdout or sys.stdout

    @property
    def stderr(self) -> TextIO:
        return self._stderr or sys.stderr

    @cached_property
    def terminal(self) -> "Terminal":
        """Which of stdin, stdout and stderr are terminals, the width, and NO_COLOR (a non-empty
        value turns colour off): found out once, here (the one `isatty` of trackerctl)."""
        from trackerctl.output import Terminal

        stdin, stdout, stderr = (_isatty(s) for s in (self.stdin, self.stdout, self.stderr))
        shown = [s for s, tty in ((self.stdout, stdout), (self.stderr, stderr)) if tty]
        return Terminal(stdin_tty=stdin, stdout_tty=stdout, stderr_tty=stderr, width=_width(self.env, shown),
                        no_color=bool(self.env.get("NO_COLOR")))

    def interactive(self) -> bool:
        """A person is there to answer a prompt: stdin and stderr are terminals."""
        return self.terminal.stdin_tty and self.terminal.stderr_tty

    # -- --dry-run: a transport that prints requests instead of sending them (httpie's --offline) --
    @property
    def offline(self) -> bool:
        """--dry-run: the client's exchange is `DryRun`, which prints each request and ends the
        command (CLI-CONTRACT.md section 3). So nothing logs in first, no credential is required,
        and nothing needs confirming: commands never ask about it."""
        return self.options.dry_run

    @property
    def confirmed(self) -> bool:
        """Destructive actions go ahead without a question: --yes, or --dry-run (nothing is sent)."""
        return self.options.yes or self.offline

    def for_profile(self, name: str) -> "AppContext":
        """This run for profile `name` (`auth status` checks each): the same streams, options and
        credential store. Under --dry-run its first check is printed and nothing is sent."""
        import copy

        sub = AppContext(env=self._env, stdin=self._stdin, stdout=self._stdout, stderr=self._stderr, terminal=self.terminal)
        sub.options = copy.copy(self.options)
        sub.options.profile = name
        sub.__dict__["credentials"] = self.credentials
        return sub

    # -- settings, resolved: command line, then environment, then profile, then default -------
    @cached_property
    def config(self) -> Config:
        return Config.load(self.config_path)

    @cached_property
    def config_path(self) -> Path:
        return default_config_path(self.env)

    @cached_property
    def state_dir(self) -> Path:
        """Where the journals and the audit log are kept ($XDG_STATE_HOME/trackerctl)."""
        return default_state_dir(self.env)

    @cached_property
    def profile_name(self) -> str:
        name = self.options.profile or self.env.get("TRACKERCTL_PROFILE") or self.config.current_profile or DEFAULT_PROFILE
        return check_profile_name(name)

    @cached_property
    def profile(self) -> dict[str, Any]:
        name = self.profile_name
        if (self.options.profile or self.env.get("TRACKERCTL_PROFILE")) and not self.config.exists(name) and name != DEFAULT_PROFILE:
            raise self.config.no_such_profile(name)  # with "did you mean"
        return self.config.profile(name)

    @cached_property
    def api_url(self) -> str:
        from trackerctl.api.client import resolve_base_url

        value = self.options.api_url or self.env.get("TRACKERCTL_API_URL") or self.profile.get("api_url") or "eu"
        return resolve_base_url(value, allow_http=bool(self.profile.get("allow_http")))

    @cached_property
    def output_format(self) -> str:
        from trackerctl.output import FORMATS

        if self.options.jq is not None:  # --jq filters the json output; a configured default gives way
            if self.options.output not in (None, "json"):
                raise UsageError(f"--jq filters json output: leave out -o {self.options.output}")
            return "json"
        value = self.options.output or self.env.get("TRACKERCTL_OUTPUT") or self.profile.get("output")
        if value is None:
            return self.terminal.default_format
        if value not in FORMATS:
            raise UsageError(f"invalid output format {value!r}: use one of {', '.join(FORMATS)}")
        return value

    def _format_origin(self) -> str:
        """Where the output format came from, for a message, when not from -o."""
        if self.options.output:
            return ""
        if self.env.get("TRACKERCTL_OUTPUT"):
            return " (from TRACKERCTL_OUTPUT)"
        if self.profile.get("output"):
            return f" (the output of profile {self.profile_name})"
        return " (the default when stdout is not a terminal)"

    @cached_property
    def timeout(self) -> float:
        raw = self.options.timeout
        if raw is None:
            raw = self.env.get("TRACKERCTL_TIMEOUT") or self.profile.get("timeout") or DEFAULT_TIMEOUT
        try:
            value = float(raw)
        except ValueError:
            raise UsageError(f"invalid timeout {raw!r}: a number of seconds") from None
        if not 0 < value <= 3600:
            raise UsageError(f"invalid timeout {raw!r}: between 0 and 3600 seconds")
        return value

    @cached_property
    def max_attempts(self) -> int:
        """Tries per request, the first included (TRACKERCTL_MAX_ATTEMPTS, like AWS_MAX_ATTEMPTS)."""
        raw = self.env.get("TRACKERCTL_MAX_ATTEMPTS") or "6"
        if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= 20:
            raise UsageError(f"invalid TRACKERCTL_MAX_ATTEMPTS {raw!r}: a whole number from 1 to 20")
        return int(raw)

    @cached_property
    def max_answer(self) -> int:
        """Bytes of one answer after decompression (TRACKERCTL_MAX_ANSWER_MB, default 64 MiB)."""
        raw = self.env.get("TRACKERCTL_MAX_ANSWER_MB") or "64"
        if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
            raise UsageError(f"invalid TRACKERCTL_MAX_ANSWER_MB {raw!r}: a positive whole number of MiB")
        return int(raw) * 2**20

    @cached_property
    def columns(self) -> list[str] | None:
        """--columns: field names for table and csv output, checked against the records' fields
        when they are known before the answer (otherwise Output checks them against the answer)."""
        if not self.options.columns:
            return None
        cols = [c.strip() for c in self.options.columns.split(",") if c.strip()]
        if not cols:
            raise UsageError("invalid --columns: give field names separated by commas, such as id,label,source.device_id")
        if self.options.jq is not None:
            raise UsageError("--columns chooses table and csv columns; with --jq, pick the fields in the expression, "
                             "such as --jq '.list[] | {id, label}'")
        if self.output_format in ("json", "jsonl"):
            raise UsageError(f"--columns chooses table and csv columns, not {self.output_format}{self._format_origin()}: "
                             "add -o csv, or filter the JSON with --jq, such as --jq '.list[] | {id, label}'")
        if self.record_fields is not None:
            from trackerctl.output import check_columns

            check_columns(cols, self.record_fields[1], self.record_fields[0])
        return cols

    @cached_property
    def jq(self) -> Any:
        """--jq: the compiled jq program (a jq expression that does not compile is exit 2), or None."""
        if self.options.jq is None:
            return None
        from trackerctl.output import JqFilter

        return JqFilter(self.options.jq)

    # -- services, built on first use ---------------------------------------------------------
    @cached_property
    def output(self) -> "Output":
        from trackerctl.output import Output

        return Output(self._safe_format(), columns=self._safe_columns(), stdout=self.stdout, stderr=self.stderr,
                      color=False if self.options.no_color else None, quiet=self.options.quiet, terminal=self.terminal,
                      fields=self.record_fields[1] if self.record_fields is not None else None, jq=self._safe(lambda: self.jq))

    def _safe_format(self) -> str | None:
        """The output format, or None (the terminal's default) when the configured one is itself the error."""
        try:
            return self.output_format
        except UsageError:
            return None

    def _safe_columns(self) -> list[str] | None:
        return self._safe(lambda: self.columns)

    @staticmethod
    def _safe(setting: Any) -> Any:
        """A setting, or None when it is itself the error being reported."""
        try:
            return setting()
        except UsageError:
            return None

    @cached_property
    def credentials(self) -> "CredentialStore":
        from trackerctl.credentials import CredentialStore

        return CredentialStore(self.config_path.parent, env=self.env)

    @cached_property
    def session(self) -> "Session":
        from trackerctl.api.client import SANDBOX
        from trackerctl.session import Session

        return Session(
            self.profile_name,
            self.profile,
            self.credentials,
            self.env,
            client_factory=self.client,
            notice=self.output.notice,
            offline=self.offline,
            issued=self.sandbox.issued if self.api_url == SANDBOX else None,
        )

    @cached_property
    def audit(self) -> "AuditLog":
        """The audit log ($XDG_STATE_HOME/trackerctl/audit.jsonl): one line per write the client sends."""
        from trackerctl.audit import AuditLog

        return AuditLog(self.state_dir / "audit.jsonl", profile=self.profile_name, warn=self.output.warn,
                        journal=lambda: str(self.journal_path) if self.journal_path else None)

    def audit_write(self, api: str, path: str, params: dict[str, Any], code: int | None) -> None:
        """The client's `audit`: one write to the audit log, built on the first write, so that a run
        that only reads never imports trackerctl.audit."""
        with self._audit_lock:
            log = self.audit
        log.record(api, path, params, code)

    @cached_property
    def sandbox(self) -> "Sandbox":
        """The in-process sandbox of `--api-url sandbox`."""
        from trackerctl.sandbox.app import Sandbox, default_db_path

        return Sandbox(default_db_path(self.env), implicit_auth=True, tracebacks=False)

    def client(self) -> "ApiClient":
        if self._client is None:
            from trackerctl.api.client import SANDBOX, ApiClient, DryRun, RetryPolicy

            base, exchange, verify = self.api_url, None, True
            if base == SANDBOX:
                base = "http://sandbox.invalid/v2"
            elif base.startswith("https://"):
                verify = self._tls_context()
            if self.offline:  # chosen here once: no command asks whether requests are sent
                exchange = DryRun(self.print_request)
            elif self.api_url == SANDBOX:
                from trackerctl.sandbox.exchange import SandboxExchange

                exchange = SandboxExchange(self.sandbox)
            self._client = ApiClient(
                base,
                credential=self.session.credential,
                renew=self.session.renew,
                timeout=self.timeout,
                verify=verify,
                exchange=exchange,
                trace=self.trace if self.options.verbose else None,
                notice=self.output.notice,
                auth_required=self.api_url != SANDBOX and not self.offline,
                retry=RetryPolicy(attempts=self.max_attempts),
                max_answer=self.max_answer,
                audit=None if self.offline else self.audit_write,
            )
        return self._client

    def _tls_context(self) -> Any:
        path = self.options.ca_bundle or self.env.get("TRACKERCTL_CA_BUNDLE") or self.profile.get("ca_bundle")
        if not path:
            return True
        import ssl

        try:
            return ssl.create_default_context(cafile=str(Path(path).expanduser()))
        except (OSError, ssl.SSLError) as e:
            raise UsageError(f"cannot use CA bundle {path}: {getattr(e, 'strerror', None) or e}") from None

    def trace(self, line: str) -> None:
        """--verbose: one line of a request's or a channel's exchange on stderr (secrets masked by the caller)."""
        if self.options.verbose:
            print(line, file=self.stderr, flush=True)

    def journal(self, action: Any, *, undo_of: str | None = None) -> "Journal":
        """The journal of this run's writes of `action` (trackerctl.fleet.journal), created with its
        first line: a run that sends no write leaves none. `undo_of`: the journal an undo reverts."""
        if self._journal is None or self._journal.header["action"] != action.path:
            from trackerctl.fleet.journal import Journal

            header = {"action": action.path, "api": action.api, "command": " ".join(action.command_path),
                      "profile": self.profile_name, "api_url": self.api_url}
            if undo_of is not None:
                header["undo_of"] = undo_of
            self._journal = Journal(self.state_dir / "journal", header)
        return self._journal

    def print_request(self, request: dict[str, Any]) -> None:
        """A request as --dry-run and --plan print it: one JSON line on stdout."""
        import json

        print(json.dumps(request, ensure_ascii=False), file=self.stdout, flush=True)

    def close(self) -> None:
        if self._journal is not None:
            self._journal.close()
        if self._client is not None:
            self._client.close()
            self._client = None


def _isatty(stream: Any) -> bool:
    """A terminal, whatever the stream (False for none, a closed one, or one without isatty)."""
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):  # no isatty, or a closed stream
        return False


def _width(env: Mapping[str, str], terminals: list[Any]) -> int | None:
    """Columns: COLUMNS when it is a positive number (as Rich and the shells read it), else the
    size of the first terminal; None when neither says."""
    columns = env.get("COLUMNS", "")
    if columns.isascii() and columns.isdigit() and int(columns) > 0:
        return int(columns)
    for stream in terminals:
        try:
            return os.get_terminal_size(stream.fileno()).columns or None
        except (AttributeError, ValueError, OSError):
            continue
    return None


# Cached settings that depend on the global options (see AppContext.apply).
_DERIVED = ("profile_name", "profile", "api_url", "output_format", "timeout", "columns", "jq", "output", "session")
