"""The environment of a trackerctl process that a test or benchmark starts: its own HOME, config,
data and state folders, no keyring (keyring's `fail` backend), nothing of the caller's TRACKERCTL_*,
keyring, NO_COLOR or proxy settings, and this checkout's package first on the path."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
NO_KEYRING = "keyring.backends.fail.Keyring"
_LEFT_OUT = ("TRACKERCTL_", "PYTHON_KEYRING", "NO_COLOR", "XDG_")
_PROXIES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


def isolated_env(root: Path, *, repo: Path = REPO, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(_LEFT_OUT) and k.lower() not in _PROXIES}
    env.update(
        HOME=str(root / "home"),
        XDG_CONFIG_HOME=str(root / "config"),
        XDG_DATA_HOME=str(root / "data"),
        XDG_STATE_HOME=str(root / "state"),
        TRACKERCTL_SANDBOX_DB=str(root / "sandbox.sqlite"),
        PYTHON_KEYRING_BACKEND=NO_KEYRING,
        PYTHONPATH=str(repo),
    )
    env.update(extra)
    return env


def context_env(root: Path, **extra: str) -> dict[str, str]:
    """The environment of an in-process run (`AppContext(env=...)` under CliRunner): its own config and
    sandbox, the credentials file instead of a keyring; `extra` adds TRACKERCTL_API_URL and the like."""
    return {
        "TRACKERCTL_CONFIG": str(root / "cfg" / "config.toml"),
        "TRACKERCTL_SANDBOX_DB": str(root / "sandbox.sqlite"),
        "TRACKERCTL_KEYRING": "file",
        "XDG_STATE_HOME": str(root / "state"),  # journals and the audit log
        **extra,
    }
