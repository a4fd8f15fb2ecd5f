"""Panel API `panel/account/*`: log in, log out, read the session's permissions."""

from __future__ import annotations

from typing import Any

from trackerctl.api.action import Param
from trackerctl.sandbox import sessions
from trackerctl.sandbox.codes import ApiFailure
from trackerctl.sandbox.dispatch import Ctx, action


@action("panel/account/auth", api="panel", public=True, params=(
    Param("login", "str", "Panel login (numeric id, as a string).", min_len=1),
    Param("password", "str", "Panel password.", min_len=1),
))
def auth(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    """A session hash, valid 24 hours, and the permission map (102 wrong login, 11 dealer blocked)."""
    account = ctx.conn.execute("SELECT * FROM panel_accounts WHERE login = ?", (p["login"].strip(),)).fetchone()
    if account is None or account["password"] != p["password"]:
        raise ApiFailure(102)
    if ctx.conn.execute("SELECT blocked FROM dealers WHERE id = ?", (account["dealer_id"],)).fetchone()[0]:
        raise ApiFailure(11)
    return {"hash": sessions.open_panel_session(ctx.conn, account["login"], ctx.now), "permissions": sessions.permissions(account)}


@action("panel/account/logout", api="panel", params=())
def logout(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    if ctx.panel_session is not None:
        ctx.conn.execute("DELETE FROM panel_sessions WHERE hash = ?", (ctx.panel_session["hash"],))
    return {}


@action("panel/account/get_permissions", api="panel", params=())
def get_permissions(ctx: Ctx, p: dict[str, Any]) -> dict[str, Any]:
    assert ctx.account is not None
    return {"permissions": sessions.permissions(ctx.account)}
