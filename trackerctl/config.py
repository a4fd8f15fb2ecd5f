"""The config file: profiles with their API URL and defaults. Never secrets (those are in credentials).

`$XDG_CONFIG_HOME/trackerctl/config.toml`, or `TRACKERCTL_CONFIG`:

    current_profile = "work"

    [profiles.work]
    api_url = "eu"
    output = "json"
    panel_login = "1000"

The built-in profile `sandbox` (api_url = "sandbox") exists without being written down.
Changes go through `Config.update`, which re-reads the file under its lock (trackerctl/files.py), so
that concurrent trackerctl processes never lose each other's changes.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from trackerctl.errors import UsageError
from trackerctl.files import locked, make_private_dir, write_private

DEFAULT_PROFILE = "default"
BUILTIN_PROFILES: dict[str, dict[str, Any]] = {"sandbox": {"api_url": "sandbox"}}
PROFILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")

# Settings a profile may hold, with their types. Anything else in the file is refused, so a typo
# ("api-url") is reported instead of silently ignored.
PROFILE_KEYS: dict[str, type] = {
    "api_url": str,
    "output": str,
    "timeout": float,
    "allow_http": bool,
    "ca_bundle": str,
    "console_url": str,  # the device console's ws(s):// URL, when the platform's is not the default (cli/console.py)
    "login": str,  # user-API login (e-mail): not a secret; remembered for renewals and prompts
    "panel_login": str,  # panel login (dealer id)
}


def default_config_path(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    if env.get("TRACKERCTL_CONFIG"):
        return Path(env["TRACKERCTL_CONFIG"]).expanduser()
    base = env.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "trackerctl" / "config.toml"


def default_state_dir(env: Mapping[str, str] | None = None) -> Path:
    """$XDG_STATE_HOME/trackerctl (~/.local/state by default): the journals of runs that wrote and
    the audit log (CLI-CONTRACT.md section 13)."""
    env = os.environ if env is None else env
    if env.get("XDG_STATE_HOME"):
        return Path(env["XDG_STATE_HOME"]) / "trackerctl"
    home = Path(env["HOME"]) if env.get("HOME") else Path.home()
    return home / ".local" / "state" / "trackerctl"


def check_profile_name(name: str) -> str:
    if not PROFILE_NAME.fullmatch(name):
        raise UsageError(
            f"invalid profile name {name!r}: use letters, digits, '.', '_' or '-' (at most 64, not starting with a symbol)"
        )
    return name


class Config:
    __slots__ = ("path", "current_profile", "profiles")

    def __init__(self, path: Path, current_profile: str | None = None, profiles: dict[str, dict[str, Any]] | None = None) -> None:
        self.path = path
        self.current_profile = current_profile
        self.profiles = {} if profiles is None else profiles

    @classmethod
    def load(cls, path: Path) -> "Config":
        """Read the file; a missing file is an empty config, a malformed one is a usage error."""
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return cls(path)
        except OSError as e:
            raise UsageError(f"cannot read config file {path}: {e.strerror}") from None
        import tomllib

        try:
            data = tomllib.loads(raw.decode("utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            raise UsageError(f"config file {path} is not valid TOML: {e}") from None
        return cls(path, *_validate(data, path))

    def profile(self, name: str) -> dict[str, Any]:
        """Settings of a profile: the file's over the built-in ones; empty for an unknown name."""
        return {**BUILTIN_PROFILES.get(name, {}), **self.profiles.get(name, {})}

    def names(self) -> list[str]:
        return sorted(set(self.profiles) | set(BUILTIN_PROFILES) | {DEFAULT_PROFILE})

    def exists(self, name: str) -> bool:
        return name in self.profiles or name in BUILTIN_PROFILES

    def closest(self, name: str) -> str | None:
        """The profile a mistyped `name` most likely meant (difflib), or None when none is close."""
        import difflib

        close = difflib.get_close_matches(name, [n for n in self.names() if n != name], n=1)
        return close[0] if close else None

    def no_such_profile(self, name: str, *, otherwise: str = "see `trackerctl profile list`") -> UsageError:
        """The error for a name that is no profile: "did you mean" the closest one, else `otherwise`."""
        near = self.closest(name)
        hint = f"did you mean {near!r}? (`trackerctl profile list` shows them all)" if near else otherwise
        return UsageError(f"no profile named {name!r}", hint=hint)

    def save(self) -> None:
        """Write this whole config over the file, under its lock. To change what the file holds
        now (another process may have changed it since it was read), use `update`."""
        make_private_dir(self.path.parent)
        with locked(self.path):
            write_private(self.path, self.dumps())

    def update(self, change: Callable[["Config"], None]) -> None:
        """Change the file without losing a concurrent change: under its lock, read it again, apply
        `change` to what it holds and write the result (nothing when `change` changed nothing).
        This object then holds what the file holds. An error raised by `change` writes nothing."""
        make_private_dir(self.path.parent)
        with locked(self.path):
            fresh = Config.load(self.path)
            before = fresh.dumps()
            change(fresh)
            if fresh.dumps() != before:
                write_private(self.path, fresh.dumps())
        self.current_profile, self.profiles = fresh.current_profile, fresh.profiles

    def dumps(self) -> str:
        import tomli_w

        document: dict[str, Any] = {"current_profile": self.current_profile} if self.current_profile else {}
        if self.profiles:
            document["profiles"] = {name: self.profiles[name] for name in sorted(self.profiles)}
        return "# trackerctl configuration: profiles and defaults. Secrets are never stored here.\n" + tomli_w.dumps(document)


def _validate(data: dict[str, Any], path: Path) -> tuple[str | None, dict[str, dict[str, Any]]]:
    def bad(why: str) -> UsageError:
        return UsageError(f"config file {path} is not valid: {why}")

    unknown = set(data) - {"current_profile", "profiles"}
    if unknown:
        raise bad(f"unknown key {sorted(unknown)[0]!r}")
    current = data.get("current_profile")
    if current is not None and (not isinstance(current, str) or not PROFILE_NAME.fullmatch(current)):
        raise bad("current_profile must be a profile name")
    profiles = data.get("profiles", {})
    if not isinstance(profiles, dict):
        raise bad("profiles must be a table")
    out: dict[str, dict[str, Any]] = {}
    for name, settings in profiles.items():
        if not PROFILE_NAME.fullmatch(name):
            raise bad(f"invalid profile name {name!r}")
        if not isinstance(settings, dict):
            raise bad(f"profile {name!r} must be a table")
        for key, value in settings.items():
            want = PROFILE_KEYS.get(key)
            if want is None:
                raise bad(f"unknown setting {key!r} in profile {name!r}")
            if want is float and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            if not isinstance(value, want) or (want is not bool and isinstance(value, bool)):
                raise bad(f"setting {key!r} of profile {name!r} must be a {want.__name__}")
        out[name] = dict(settings)
    return current, out
