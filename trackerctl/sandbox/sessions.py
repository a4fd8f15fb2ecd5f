"""Credentials: where a request carries one, and whether it is still good (auth-and-sessions.md).

User API: session hashes end 30 days after their last use (each use refreshes them); API keys never
end; a two-factor login's temporary hash lives 10 minutes and serves only `user/auth/code/*`.
Panel API: a session ends 24 hours after creation whatever its use. The two do not cross: a user
credential on a panel action, or a panel hash on a user action, is unknown there (code 4).
All judged by the sandbox clock.
"""

from __future__ import annotations

import json
import re
import secrets
import sqlite3
from collections.abc import Callable, Mapping
from typing import Any

from trackerctl.sandbox.codes import ApiFailure

USER_IDLE_LIMIT = 30 * 86400.0
PANEL_LIFETIME = 24 * 3600.0
SECOND_FACTOR_LIFETIME = 600.0
CODE_RESEND_INTERVAL = 300.0  # user/auth/code/resend: at most once in 5 minutes (code 264)
API_KEY_LIMIT = 20  # per account (code 268 beyond)

_WELL_FORMED = re.compile(r"[0-9a-fA-F]{32,}")


def header(headers: Mapping[str, str], name: str) -> str | None:
    """A header's value, whatever the case of its name (plain dicts included)."""
    value = headers.get(name)
    if value is not None:
        return value
    lname = name.lower()
    for key, value in headers.items():
        if key.lower() == lname:
            return value
    return None


def extract(headers: Mapping[str, str], params: dict[str, Any]) -> str | None:
    """The credential, in the platform's order: `Authorization: NVX <hash>`, then a `hash` field of
    the body or query (already merged into `params`; removed from it). Another scheme in the
    Authorization header is ignored."""
    in_params = params.pop("hash", None)
    auth = header(headers, "Authorization")
    if auth:
        scheme, _, value = auth.strip().partition(" ")
        if scheme.upper() == "NVX" and value.strip():
            return value.strip()
    if in_params is None:
        return None
    return in_params if isinstance(in_params, str) else str(in_params)


def check_format(credential: str) -> str:
    """The hash, lower-cased; code 3 unless it is 32 or more hex digits."""
    if not _WELL_FORMED.fullmatch(credential):
        raise ApiFailure(3)
    return credential.lower()


def issued(conn: sqlite3.Connection, value: str) -> bool:
    """Whether `value` is a session hash or API key (user or panel)."""
    return bool(conn.execute(
        "SELECT 1 FROM user_sessions WHERE hash = ? UNION ALL SELECT 1 FROM panel_sessions WHERE hash = ?", (value, value)
    ).fetchone())


def new_hash(conn: sqlite3.Connection) -> str:
    while True:
        value = secrets.token_hex(16)
        if not issued(conn, value):
            return value


def _live(conn: sqlite3.Connection, table: str, credential: str, expired: Callable[[sqlite3.Row], bool]) -> sqlite3.Row:
    """The row of `table` behind `credential`: code 3 unless well-formed, 4 when there is none or it
    has `expired` (then it is deleted)."""
    value = check_format(credential)
    row = conn.execute(f"SELECT * FROM {table} WHERE hash = ?", (value,)).fetchone()
    if row is None:
        raise ApiFailure(4)
    if expired(row):
        conn.execute(f"DELETE FROM {table} WHERE hash = ?", (value,))
        raise ApiFailure(4)
    return row


# ---- user API -------------------------------------------------------------------------------------


def open_user_session(conn: sqlite3.Connection, user_id: int, kind: str, now: float, *, title: str | None = None) -> str:
    value = new_hash(conn)
    conn.execute(
        "INSERT INTO user_sessions (hash, user_id, kind, title, created, last_used, code_sent) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (value, user_id, kind, title, now, now, now if kind == "second_factor" else None),
    )
    return value


def user_session(conn: sqlite3.Connection, credential: str, now: float) -> sqlite3.Row:
    """The live user session or API key behind `credential` (code 3 or 4 otherwise); a use refreshes it."""
    row = _live(conn, "user_sessions", credential, lambda r: (
        r["kind"] == "session" and now - r["last_used"] > USER_IDLE_LIMIT
        or r["kind"] == "second_factor" and now - r["created"] > SECOND_FACTOR_LIFETIME))
    if now - row["last_used"] >= 1.0:  # at most one write a second per credential
        conn.execute("UPDATE user_sessions SET last_used = ? WHERE hash = ?", (now, row["hash"]))
    return row


def user_row(conn: sqlite3.Connection, user_id: int) -> sqlite3.Row:
    row = conn.execute("SELECT * FROM users WHERE id = ?", (user_id,)).fetchone()
    if row is None:  # its user is gone
        raise ApiFailure(4)
    return row


# ---- panel API ------------------------------------------------------------------------------------


def open_panel_session(conn: sqlite3.Connection, login: str, now: float) -> str:
    value = new_hash(conn)
    conn.execute("INSERT INTO panel_sessions (hash, login, created) VALUES (?, ?, ?)", (value, login, now))
    return value


def panel_session(conn: sqlite3.Connection, credential: str, now: float) -> sqlite3.Row:
    """The live panel session behind `credential` (code 3 or 4 otherwise)."""
    return _live(conn, "panel_sessions", credential, lambda r: now - r["created"] >= PANEL_LIFETIME)


def panel_account(conn: sqlite3.Connection, login: str) -> sqlite3.Row:
    row = conn.execute("SELECT * FROM panel_accounts WHERE login = ?", (login,)).fetchone()
    if row is None:
        raise ApiFailure(4)
    return row


def permissions(account: sqlite3.Row) -> dict[str, list[str]]:
    return json.loads(account["permissions"])
