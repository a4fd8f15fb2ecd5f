"""User API authentication and account actions: `user/auth`, `user/auth/code/*`, `user/logout`,
`user/get_info`, and API keys (`api/key/*`, the platform's path, also answered as
`user/api_key/*`). None is in the CLI's tracker registry, so each declares its parameters here.
"""

from __future__ import annotations

import json
from typing import Any

from trackerctl.api.action import Param
from trackerctl.sandbox import sessions
from trackerctl.sandbox.codes import ApiFailure
from trackerctl.sandbox.dispatch import Ctx, action
from trackerctl.sandbox.store import fmt_datetime

LEGAL_TYPES = {1: "individual", 2: "legal_entity", 3: "sole_trader"}

_AUTH_PARAMS = (
    Param("login", "str", "User email.", min_len=1),
    Param("password", "str", "User password.", min_len=1, max_len=40, printable=True),
    Param("dealer_id", "int", "Only a user of this dealer.", required=False, ge=1),
)


@action("user/auth", api="user", public=True, params=_AUTH_PARAMS)
def auth(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    """A session hash for login + password, or, for a two-factor account, a temporary hash that
    only `user/auth/code/verify` and `resend` accept (the code is "emailed": see users.email_code)."""
    user = ctx.conn.execute("SELECT * FROM users WHERE login = ? COLLATE NOCASE", (p["login"].strip(),)).fetchone()
    if user is None or user["password"] != p["password"] or p.get("dealer_id", user["dealer_id"]) != user["dealer_id"]:
        raise ApiFailure(102)
    if ctx.conn.execute("SELECT blocked FROM dealers WHERE id = ?", (user["dealer_id"],)).fetchone()[0]:
        raise ApiFailure(11)
    if not user["activated"]:
        raise ApiFailure(103)
    if user["blocked"]:
        raise ApiFailure(275)
    if user["two_factor"]:
        temp = sessions.open_user_session(ctx.conn, user["id"], "second_factor", ctx.now)
        return {"type": "second_factor_required", "factor_type": "email", "hash": temp}
    return {"type": "authenticated", "hash": sessions.open_user_session(ctx.conn, user["id"], "session", ctx.now)}


@action("user/auth/code/verify", api="user", sessions=("second_factor",),
        params=(Param("code", "str", "The emailed authentication code.", min_len=1),))
def verify_code(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    """Trade the temporary hash and the emailed code for a session hash (282 for a wrong code)."""
    assert ctx.user is not None and ctx.session is not None
    if p["code"].strip() != (ctx.user["email_code"] or ""):
        raise ApiFailure(282)
    ctx.conn.execute("DELETE FROM user_sessions WHERE hash = ?", (ctx.session["hash"],))
    return {"hash": sessions.open_user_session(ctx.conn, ctx.user["id"], "session", ctx.now)}


@action("user/auth/code/resend", api="user", sessions=("second_factor",), params=())
def resend_code(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    """Email the code again; at most once in 5 minutes (264 with `timeout` and `remainder`)."""
    assert ctx.session is not None
    waited = ctx.now - (ctx.session["code_sent"] or 0.0)
    if waited < sessions.CODE_RESEND_INTERVAL:
        raise ApiFailure(264, timeout="PT5M", remainder=_iso_duration(sessions.CODE_RESEND_INTERVAL - waited))
    ctx.conn.execute("UPDATE user_sessions SET code_sent = ? WHERE hash = ?", (ctx.now, ctx.session["hash"]))
    return {}


@action("user/logout", api="user", sessions=("session",), params=())
def logout(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    """End this session (an API key gets 4: keys are not logged out)."""
    if ctx.session is not None:
        ctx.conn.execute("DELETE FROM user_sessions WHERE hash = ?", (ctx.session["hash"],))
    return {}


@action("user/get_info", api="user", params=(Param("application", "str", "Application name.", required=False),))
def get_info(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    """The user object (a subset of the platform's fields); `master` and `privileges` for sub-users."""
    user = ctx.user
    assert user is not None
    answer: dict[str, Any] = {"paas_id": user["dealer_id"], "user_info": _user_info(user)}
    if user["master_id"] is not None:
        master = ctx.conn.execute("SELECT * FROM users WHERE id = ?", (user["master_id"],)).fetchone()
        info = _user_info(master)
        answer["master"] = {k: info[k] for k in ("id", "demo", "legal_type", "first_name", "middle_name", "last_name",
                                                  "legal_name", "title", "balance", "bonus")}
        answer["privileges"] = {"rights": json.loads(user["rights"])}
    return answer


def _user_info(user: Any) -> dict[str, Any]:
    title = user["legal_name"] or f"{user['first_name']} {user['last_name']}".strip()
    return {
        "id": user["id"],
        "login": user["login"],
        "title": title,
        "phone": user["phone"] or "",
        "creation_date": user["creation_date"],
        "balance": user["balance"],
        "bonus": user["bonus"],
        "locale": user["locale"],
        "demo": False,
        "verified": bool(user["verified"]),
        "legal_type": LEGAL_TYPES.get(user["face"], "individual"),
        "time_zone": user["time_zone"],
        "measurement_system": user["measurement_system"],
        "first_name": user["first_name"],
        "middle_name": user["middle_name"],
        "last_name": user["last_name"],
        "legal_name": user["legal_name"],
    }


# ---- API keys: master users, standard sessions only (an API key or a sub-user gets 4 or 13) ------


@action("api/key/list", api="user", right="admin", sessions=("session",), params=(), aliases=("user/api_key/list",))
def list_api_keys(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    rows = ctx.conn.execute(
        "SELECT hash, created, title FROM user_sessions WHERE user_id = ? AND kind = 'api_key' ORDER BY created, hash", (ctx.owner_id,)
    )
    return {"list": [_api_key(r) for r in rows]}


@action("api/key/create", api="user", right="admin", sessions=("session",), aliases=("user/api_key/create",),
        params=(Param("title", "str", "Key title.", min_len=1, max_len=255, printable=True),))
def create_api_key(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    """A new never-ending key; 268 when the account has 20 already."""
    count = ctx.conn.execute("SELECT COUNT(*) FROM user_sessions WHERE user_id = ? AND kind = 'api_key'", (ctx.owner_id,)).fetchone()[0]
    if count >= sessions.API_KEY_LIMIT:
        raise ApiFailure(268)
    key = sessions.open_user_session(ctx.conn, ctx.owner_id, "api_key", ctx.now, title=p["title"])
    return {"value": _api_key({"hash": key, "created": ctx.now, "title": p["title"]})}


@action("api/key/delete", api="user", right="admin", sessions=("session",), aliases=("user/api_key/delete",),
        params=(Param("key", "str", "The API key to delete.", min_len=1),))
def delete_api_key(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    deleted = ctx.conn.execute(
        "DELETE FROM user_sessions WHERE hash = ? AND user_id = ? AND kind = 'api_key'", (p["key"].strip().lower(), ctx.owner_id)
    ).rowcount
    if not deleted:
        raise ApiFailure(201)
    return {}


def _api_key(row: Any) -> dict[str, Any]:
    return {"hash": row["hash"], "create_date": fmt_datetime(row["created"]), "title": row["title"]}


def _iso_duration(seconds: float) -> str:
    """`PT4M31.575S`."""
    minutes, rest = divmod(max(seconds, 0.0), 60)
    return f"PT{int(minutes)}M{rest:.3f}S" if minutes else f"PT{rest:.3f}S"
