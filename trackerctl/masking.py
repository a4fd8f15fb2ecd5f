"""The one rule for showing a secret (`fa7b…1b06`), and where secrets sit in what trackerctl prints:
the credential in an Authorization header, and the values of secret keys in a request or answer
(`hash`, `password`, `key`, `code`). Used by the client's trace and dry run, `auth status` and the
credential store; imports nothing of trackerctl.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

_ELLIPSIS = "\u2026"
_SHOWN = 4  # characters kept at each end by `mask`
_MIN_MASKED_LEN = 6 * _SHOWN  # shorter secrets are hidden entirely: at most a third is ever shown
SECRET_KEYS = ("hash", "password", "key", "code", "activation_code")
# Further keys are secret when one of their words (split at `_`) is one of these (`apn_password`,
# `api_key`, `session_hash`), or they contain one of SECRET_PARTS (`simpassword`); `model_code` is not.
SECRET_WORDS = frozenset({"hash", "password", "passwd", "pass", "key", "secret", "token", "pin"})
SECRET_PARTS = ("password", "passwd", "secret", "token")


def mask(value: str) -> str:
    """`fa7b…1b06` for a long secret (first and last four characters); `…` for a short one."""
    if len(value) < _MIN_MASKED_LEN:
        return _ELLIPSIS
    return f"{value[:_SHOWN]}{_ELLIPSIS}{value[-_SHOWN:]}"


def mask_header(name: str, value: str) -> str:
    """A request header as it may be shown: the credential of `Authorization: NVX ...` masked."""
    if name.lower() == "authorization" and value.startswith("NVX "):
        return "NVX " + mask(value[4:])
    return value


@lru_cache(maxsize=1024)  # the same few keys, thousands of times in a bulk job
def is_secret(key: str) -> bool:
    """Whether the value under `key` is a secret: the one rule of the trace, --dry-run, --plan, the
    journal and the audit log."""
    key = key.lower()
    return key in SECRET_KEYS or not SECRET_WORDS.isdisjoint(key.split("_")) or any(p in key for p in SECRET_PARTS)


def mask_tree(data: Any) -> Any:
    """A JSON value with the strings under secret keys masked, at any depth."""
    if isinstance(data, dict):
        return {k: (mask(v) if isinstance(v, str) and isinstance(k, str) and is_secret(k) else mask_tree(v))
                for k, v in data.items()}
    if isinstance(data, list):
        return [mask_tree(v) for v in data]
    return data
