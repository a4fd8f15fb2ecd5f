"""Where trackerctl keeps its secrets: the environment, then the OS keyring, then a 0600 file.

Four kinds of secret exist per profile: the user-API credential (`user`: session hash or API key),
the panel session hash (`panel`), and the passwords kept by `auth login --remember`
(`user_password`, `panel_password`). None of them ever goes into the config file.

Lookup order for `CredentialStore.get`:

1. the environment: `TRACKERCTL_HASH`, `TRACKERCTL_PANEL_HASH`, `TRACKERCTL_PASSWORD`,
   `TRACKERCTL_PANEL_PASSWORD` (an empty value counts as unset; anything but printable ASCII, or a
   space in a hash, is refused: `env_credential`);
2. the OS keyring, service `trackerctl`, username `<profile>:<kind>`;
3. `credentials.json` beside the config, mode 0600: `{"profiles": {"<profile>": {"<kind>": "..."}}}`.

`set` writes to the keyring when one is usable, else to the file; `delete` removes from both.
The file is changed under its lock and re-read inside it (trackerctl/files.py), so that concurrent
processes lose no secret. It is read only when it is a regular file of this user with mode 0600 (no
group or other bits): a symbolic link is never followed, and anything else is refused (AuthError).

The keyring is decided on once per process and may only ever be turned off, never back on:

- `TRACKERCTL_KEYRING=0` (or `off`, `file`) turns it off explicitly: secrets go to the file.
- On Linux and other D-Bus desktops, without `DBUS_SESSION_BUS_ADDRESS` (ssh, cron, containers),
  the keyring is off unless a backend was named explicitly (`PYTHON_KEYRING_BACKEND`, the
  `default-keyring` of keyring's `keyringrc.cfg`, or `keyring.set_keyring()` in this process).
  keyring is then not even imported, and nothing can autolaunch a D-Bus daemon.
- The `fail` and `null` backends, a chainer with nothing to chain and any backend whose priority
  is 0 or less count as no keyring.
- Every keyring call, backend discovery included, runs in a daemon thread bounded by
  `keyring_timeout`. A call that hangs or raises turns the keyring off for the rest of the process,
  adds a line to `CredentialStore.notices` (the CLI prints those on stderr) and falls back to the file.

Those switches read the process environment (`os.environ`), as the keyring library itself does; the
`env` argument of `CredentialStore` only feeds the four overrides above.

keyring is imported lazily: importing this module stays cheap for `--help` and completion.
"""

from __future__ import annotations

import json
import os
import stat
import sys
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Literal, TypeVar, get_args

from trackerctl.errors import AuthError, UsageError
from trackerctl.files import locked, make_private_dir, write_private
from trackerctl.masking import mask

Kind = Literal["user", "panel", "user_password", "panel_password"]
Source = Literal["env", "keyring", "file"]

KINDS: tuple[str, ...] = get_args(Kind)
ENV_VARS: dict[str, str] = {
    "user": "TRACKERCTL_HASH",
    "panel": "TRACKERCTL_PANEL_HASH",
    "user_password": "TRACKERCTL_PASSWORD",
    "panel_password": "TRACKERCTL_PANEL_PASSWORD",
}
TOKEN_KINDS = frozenset({"user", "panel"})  # hashes and keys: a token, never a space in it
SERVICE = "trackerctl"
FILE_NAME = "credentials.json"

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)  # a FIFO put in its place must not hang the open
_OPT_OUT_VALUES = frozenset({"0", "off", "file"})
_NO_STORE_BACKENDS = frozenset({"keyring.backends.fail.Keyring", "keyring.backends.null.Keyring"})
T = TypeVar("T")


def env_credential(env: Mapping[str, str], var: str, *, token: bool = False) -> str | None:
    """The credential (hash, key, login or password) in environment variable `var`; None when unset
    or empty. Anything but printable ASCII, and for a `token` (a hash or key) a space too, is
    refused with AuthError naming the variable, before anything is sent (a line break would end
    the request's header). The value itself is never shown."""
    value = env.get(var)
    if not value:
        return None
    lowest = 0x21 if token else 0x20
    bad = next((c for c in value if not lowest <= ord(c) <= 0x7E), None)
    if bad is not None:
        allowed = "printable ASCII without spaces" if token else "printable ASCII"
        raise AuthError(f"{var} holds {_describe_character(bad)}, and a credential is {allowed}: set it again without it")
    return value


def _describe_character(c: str) -> str:
    if c in "\r\n":
        return "a line break"
    if c == " ":
        return "a space"
    if c == "\t":
        return "a tab"
    if ord(c) < 0x20 or ord(c) == 0x7F:
        return "a control character"
    return "a character that is not ASCII"


class Secret:
    """A secret and where it came from. Its repr and str are masked: use `.value` deliberately.
    A plain class, not a NamedTuple: nothing unpacks, iterates or `json.dumps` the value by accident."""

    __slots__ = ("value", "source")

    def __init__(self, value: str, source: Source) -> None:
        self.value = value
        self.source = source

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and (self.value, self.source) == (other.value, other.source)

    def __hash__(self) -> int:
        return hash((self.value, self.source))

    def masked(self) -> str:
        return mask(self.value)

    def __repr__(self) -> str:
        return f"Secret({self.masked()!r}, source={self.source!r})"

    __str__ = __repr__


class _ProcessKeyring:
    """The keyring as this process sees it: decided once, then usable until something fails."""

    def __init__(self) -> None:
        self.decided = False
        self.backend: Any = None  # a keyring.backend.KeyringBackend while usable, else None
        self.name = "keyring"

    def turn_off(self) -> None:
        self.decided = True
        self.backend = None


_keyring = _ProcessKeyring()
_keyring_lock = threading.Lock()
_THREAD_NAME = "trackerctl-keyring"  # every keyring call runs in a daemon thread of this name


def _reset_keyring_state() -> None:
    """Forget the process-wide keyring decision. For tests only (see tests/helpers/fake_keyring.py)."""
    global _keyring
    with _keyring_lock:
        _keyring = _ProcessKeyring()


class CredentialStore:
    """Reads and writes the secrets of every profile. See the module docstring for the rules."""

    def __init__(
        self,
        config_dir: Path,
        *,
        env: Mapping[str, str] | None = None,
        keyring_timeout: float = 3.0,
    ) -> None:
        if keyring_timeout <= 0:
            raise ValueError("keyring_timeout must be positive")
        self._config_dir = Path(config_dir)
        self._env: Mapping[str, str] = os.environ if env is None else env
        self._timeout = keyring_timeout
        self.notices: list[str] = []

    @property
    def file_path(self) -> Path:
        return self._config_dir / FILE_NAME

    def location(self) -> str:
        """Where `set` would store a secret now, as text for humans."""
        if self._backend() is not None:
            return f"keyring ({_keyring.name})"
        return f"file {self.file_path}"

    def get(self, profile: str, kind: Kind, *, include_env: bool = True) -> Secret | None:
        """The secret from the environment, else the keyring, else the file; None if nowhere.
        `include_env=False`: only what is stored."""
        _check_kind(kind)
        from_env = env_credential(self._env, ENV_VARS[kind], token=kind in TOKEN_KINDS) if include_env else None
        if from_env:
            return Secret(from_env, "env")
        from_keyring = self._keyring_call(
            f"reading the {kind} secret",
            lambda backend: backend.get_password(SERVICE, _username(profile, kind)),
        )
        if from_keyring:
            return Secret(from_keyring, "keyring")
        from_file = self._load().get("profiles", {}).get(profile, {}).get(kind)
        if from_file:
            return Secret(from_file, "file")
        return None

    def set(self, profile: str, kind: Kind, value: str) -> Literal["keyring", "file"]:
        """Store a secret in the keyring if usable, else in the file; return where it went.

        Storing in the keyring also drops any older copy of the same secret from the file.
        """
        _check_kind(kind)
        if not value:
            raise ValueError("an empty secret cannot be stored")
        document = self._load()  # a malformed or unsafe file stops everything before anything is written
        stored = self._keyring_call(
            f"storing the {kind} secret",
            lambda backend: _store_password(backend, _username(profile, kind), value),
        )
        if stored:
            if _has(document, profile, kind):
                self._change(lambda fresh: _pop(fresh, profile, kind))
            return "keyring"
        self._change(lambda fresh: _put(fresh, profile, kind, value))
        return "file"

    def delete(self, profile: str, kind: Kind) -> None:
        """Forget a secret in the keyring and in the file. Nothing happens where it is absent."""
        _check_kind(kind)
        document = self._load()
        self._keyring_call(
            f"deleting the {kind} secret",
            lambda backend: _delete_password(backend, _username(profile, kind)),
        )
        if _has(document, profile, kind):
            self._change(lambda fresh: _pop(fresh, profile, kind))

    # The keyring

    def _backend(self) -> Any:
        """The usable keyring backend, or None. Discovers it on the first call in the process."""
        with _keyring_lock:
            if _keyring.decided:
                return _keyring.backend
            _keyring.decided = True
            if _keyring_ruled_out(os.environ):
                return None
            try:
                _keyring.backend, _keyring.name = _run_bounded(_discover_backend, self._timeout)
            except Exception as exc:  # noqa: BLE001 - any failure means "no keyring", said once
                _keyring.turn_off()
                self.notices.append(
                    f"keyring {_describe_failure(exc, self._timeout)} while opening it; "
                    f"secrets are kept in {self.file_path}"
                )
            return _keyring.backend

    def _keyring_call(self, doing: str, call: Callable[[Any], T]) -> T | None:
        """Run `call(backend)` within the timeout; None when there is no keyring or it failed."""
        backend = self._backend()
        if backend is None:
            return None
        try:
            return _run_bounded(lambda: call(backend), self._timeout)
        except Exception as exc:  # noqa: BLE001 - any failure falls back to the file
            _keyring.turn_off()
            consequence = (
                "it may still hold the secret"
                if doing.startswith("deleting")
                else f"using {self.file_path} for the rest of this run"
            )
            self.notices.append(
                f"keyring ({_keyring.name}) {_describe_failure(exc, self._timeout)} "
                f"while {doing}; {consequence}"
            )
            return None

    # The file

    def _load(self) -> dict[str, Any]:
        """The file's document, `{}` when there is no file. Raises UsageError when it is malformed,
        AuthError when it is unsafe to read (see `_read`)."""
        raw = self._read()
        if raw is None:
            return {}
        try:
            document = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            raise self._invalid("it is not UTF-8 text") from None
        except ValueError as exc:
            raise self._invalid(f"it is not JSON ({exc})") from None
        if not isinstance(document, dict):
            raise self._invalid("the top level is not an object")
        profiles = document.get("profiles", {})
        if not isinstance(profiles, dict):
            raise self._invalid('"profiles" is not an object')
        for name, secrets in profiles.items():
            if not isinstance(secrets, dict):
                raise self._invalid(f'profile "{name}" is not an object')
            for kind, value in secrets.items():
                if not isinstance(value, str):
                    raise self._invalid(f'"{name}.{kind}" is not a string')
        return document

    def _invalid(self, reason: str) -> UsageError:
        return UsageError(
            f"credentials file {self.file_path} is not valid: {reason}",
            hint="fix or remove the file, then run `trackerctl auth login` again",
        )

    def _read(self) -> bytes | None:
        """The file's bytes, None when there is none. A file that is a symbolic link, not a regular
        file, another user's, or open to group or others is refused (AuthError), never followed."""
        path = self.file_path
        if not _NOFOLLOW and path.is_symlink():  # no O_NOFOLLOW (Windows): the best that can be done
            raise self._unsafe("is a symbolic link")
        try:
            fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _NONBLOCK | getattr(os, "O_CLOEXEC", 0))
        except FileNotFoundError:
            return None
        except OSError as exc:
            if path.is_symlink():  # ELOOP (EMLINK on some BSDs): O_NOFOLLOW refused the link
                raise self._unsafe("is a symbolic link") from None
            raise UsageError(f"credentials file {path} cannot be read: {exc.strerror or exc}") from exc
        with os.fdopen(fd, "rb") as handle:
            self._check_safe(os.fstat(handle.fileno()))  # what was opened, not what the name says now
            return handle.read()

    def _check_safe(self, st: os.stat_result) -> None:
        if not stat.S_ISREG(st.st_mode):
            raise self._unsafe("is not a regular file")
        if os.name != "posix":  # ownership and modes are POSIX ideas
            return
        uid = os.getuid()
        if st.st_uid != uid:
            raise self._unsafe(f"belongs to another user (uid {st.st_uid}; you are uid {uid})")
        mode = stat.S_IMODE(st.st_mode)
        if mode & 0o077:
            raise AuthError(f"credentials file {self.file_path} is {_exposure(mode)} (mode {mode:04o}): "
                            f"run `chmod 600 {self.file_path}`")

    def _unsafe(self, what: str) -> AuthError:
        return AuthError(f"credentials file {self.file_path} {what}: remove it and run `trackerctl auth login` again")

    def _change(self, edit: Callable[[dict[str, Any]], bool]) -> None:
        """Under the file's lock: read it again, `edit` the document, and save it if `edit` says it
        changed, so that another process's change made since `_load` is never lost."""
        make_private_dir(self._config_dir)
        with locked(self.file_path):
            document = self._load()
            if edit(document):
                self._save(document)

    def _save(self, document: dict[str, Any]) -> None:
        """Write the document atomically with mode 0600, or remove the file when nothing is left.
        Called under the file's lock (`_change`)."""
        path = self.file_path
        if not document.get("profiles") and set(document) <= {"profiles"}:
            path.unlink(missing_ok=True)
            return
        write_private(path, json.dumps(document, indent=2, ensure_ascii=False) + "\n")


# Helpers


def _exposure(mode: int) -> str:
    """How a mode opens a file beyond its owner: 'readable by others', 'writable by its group'..."""
    bits = mode & 0o007 or mode & 0o070
    who = "others" if mode & 0o007 else "its group"
    what = "readable" if bits & 0o044 else "writable" if bits & 0o022 else "open"
    return f"{what} by {who}"


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown secret kind {kind!r}; expected one of {', '.join(KINDS)}")


def _username(profile: str, kind: str) -> str:
    return f"{profile}:{kind}"


def _has(document: dict[str, Any], profile: str, kind: str) -> bool:
    return kind in document.get("profiles", {}).get(profile, {})


def _put(document: dict[str, Any], profile: str, kind: str, value: str) -> bool:
    document.setdefault("profiles", {}).setdefault(profile, {})[kind] = value
    return True


def _pop(document: dict[str, Any], profile: str, kind: str) -> bool:
    """Remove one secret from the document (and its profile once empty); True if it was there."""
    profiles = document.get("profiles", {})
    secrets = profiles.get(profile)
    if not secrets or kind not in secrets:
        return False
    del secrets[kind]
    if not secrets:
        del profiles[profile]
    return True


class _KeyringTimeout(Exception):
    """A keyring call did not return in time; its thread is left behind as a daemon."""


def _run_bounded(call: Callable[[], T], timeout: float) -> T:
    """Run `call` in a daemon thread; raise _KeyringTimeout when it has not returned in `timeout` s."""
    outcome: list[tuple[bool, Any]] = []

    def target() -> None:
        try:
            outcome.append((True, call()))
        except Exception as exc:  # noqa: BLE001 - handed to the caller's thread
            outcome.append((False, exc))

    thread = threading.Thread(target=target, name=_THREAD_NAME, daemon=True)
    thread.start()
    thread.join(timeout)
    if not outcome:
        if thread.is_alive():
            raise _KeyringTimeout
        raise RuntimeError("the keyring call stopped without an answer")
    succeeded, value = outcome[0]
    if succeeded:
        return value
    raise value


def _describe_failure(exc: Exception, timeout: float) -> str:
    if isinstance(exc, _KeyringTimeout):
        return f"did not answer within {timeout:g} s"
    message = str(exc).strip().splitlines()
    detail = f": {message[0][:200]}" if message else ""
    return f"failed ({type(exc).__name__}{detail})"


def _keyring_ruled_out(environ: Mapping[str, str]) -> bool:
    """True when the keyring must not be used, decided without importing keyring."""
    if environ.get("TRACKERCTL_KEYRING", "").strip().lower() in _OPT_OUT_VALUES:
        return True
    named = _named_backend(environ)
    if named in _NO_STORE_BACKENDS:
        return True
    needs_dbus = sys.platform not in ("darwin", "win32", "cygwin")
    return named is None and needs_dbus and not environ.get("DBUS_SESSION_BUS_ADDRESS")


def _named_backend(environ: Mapping[str, str]) -> str | None:
    """The backend chosen explicitly for this process, if any, so that keyring need not scan."""
    if environ.get("PYTHON_KEYRING_BACKEND"):
        return environ["PYTHON_KEYRING_BACKEND"].strip()
    core = sys.modules.get("keyring.core")
    chosen = getattr(core, "_keyring_backend", None)
    if chosen is not None:  # keyring.set_keyring() was called (or keyring already resolved one)
        return f"{type(chosen).__module__}.{type(chosen).__qualname__}"
    return _configured_backend(environ)


def _configured_backend(environ: Mapping[str, str]) -> str | None:
    """The `default-keyring` of keyring's own config file (keyring reads it from the same place)."""
    root = environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    path = os.path.join(root, "python_keyring", "keyringrc.cfg")
    if not os.path.isfile(path):
        return None
    import configparser

    parser = configparser.RawConfigParser()
    try:
        parser.read(path, encoding="utf-8")
        return parser.get("backend", "default-keyring").strip() or None
    except (configparser.Error, OSError, UnicodeError):
        return None


def _discover_backend() -> tuple[Any, str]:
    """Resolve keyring's backend (runs in the bounded thread). (None, name) when it cannot store."""
    import keyring
    from keyring.backends import chainer, fail, null

    backend = keyring.get_keyring()
    name = str(type(backend).name)
    if isinstance(backend, (fail.Keyring, null.Keyring)):
        return None, name
    if isinstance(backend, chainer.ChainerBackend):
        return (backend if backend.backends else None), name
    if backend.priority <= 0:
        return None, name
    return backend, name


def _store_password(backend: Any, username: str, value: str) -> bool:
    backend.set_password(SERVICE, username, value)
    return True


def _delete_password(backend: Any, username: str) -> None:
    """Delete from the keyring; an absent entry (PasswordDeleteError) is not a failure."""
    from keyring.errors import PasswordDeleteError

    try:
        backend.delete_password(SERVICE, username)
    except PasswordDeleteError:
        pass
