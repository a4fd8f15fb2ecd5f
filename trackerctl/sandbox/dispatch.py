"""The action table and the checks every action gets before its handler runs.

A handler module declares each action with `@action`:

    @action("tracker/read", api="user")
    def read(ctx: Ctx, p: dict) -> dict:
        return {"value": objects.user_tracker(records.user_tracker(ctx, p["tracker_id"]))}

`dispatch` then, in order: authenticates (code 3/4; `implicit_auth` lets a request without any
credential act as the demo user or the demo panel account), refuses a credential of the wrong kind
(an API key where a session is needed: 4; a two-factor hash elsewhere than `user/auth/code/*`: 276),
checks the sub-user right or panel permission (13), validates the parameters against the action's
`Param` list, by default the CLI registry's, with the CLI's own rules (`sandbox/params.py` over
`trackerctl/api/validate.py`: 7 with an `errors` list), and calls the handler with the validated
parameters. A handler returns the answer's fields (`{"value": ...}`) or raises
`ApiFailure(code, **extra)`; the whole request is one transaction, rolled back on a failure.

Adding a module: write `sandbox/<resource>.py` with its `@action` functions and name it in
`ACTION_MODULES`.
"""

from __future__ import annotations

import importlib
import json
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from trackerctl.api.action import Api, Param
from trackerctl.sandbox import sessions
from trackerctl.sandbox.codes import ApiFailure
from trackerctl.sandbox.params import validate
from trackerctl.sandbox.store import fmt_date, fmt_datetime

ACTION_MODULES = ("user", "panel_account", "tracker", "panel_tracker", "panel_bundle")

# The demo identities of implicit auth (in-process `--api-url sandbox`); seed.py creates them.
IMPLICIT_USER_LOGIN = "demo@example.com"
IMPLICIT_PANEL_LOGIN = "1000"

SESSION_KINDS = frozenset({"session", "api_key"})  # what user actions accept by default


@dataclass
class Ctx:
    """What a handler works with: the transaction, the clock, and who is asking."""

    conn: sqlite3.Connection
    now: float  # epoch seconds, sandbox clock
    raw: dict[str, Any]  # every request parameter (the credential removed), before validation
    user: sqlite3.Row | None = None  # user API: the user the credential belongs to
    session: sqlite3.Row | None = None  # its user_sessions row; None under implicit auth
    account: sqlite3.Row | None = None  # panel API: the panel account
    panel_session: sqlite3.Row | None = None

    @property
    def owner_id(self) -> int:
        """The account whose data the user works on: the master's for a sub-user."""
        assert self.user is not None
        return self.user["master_id"] or self.user["id"]

    @property
    def dealer_id(self) -> int:
        row = self.account if self.account is not None else self.user
        assert row is not None
        return row["dealer_id"]

    def today(self, days: int = 0) -> str:
        return fmt_date(self.now + days * 86400)

    def timestamp(self) -> str:
        return fmt_datetime(self.now)


Handler = Callable[[Ctx, dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class ActionDef:
    path: str
    api: Api
    handler: Handler
    public: bool = False  # needs no credential (user/auth, panel/account/auth)
    rights: tuple[str, ...] = ()  # sub-user rights needed (masters have them all)
    permissions: tuple[tuple[str, str], ...] = ()  # panel (category, operation) pairs needed
    sessions: frozenset[str] = SESSION_KINDS  # user credential kinds accepted
    params: tuple[Param, ...] | None = None  # None: the CLI registry's entry for `path` (an alias's too)


ACTIONS: dict[str, ActionDef] = {}


def action(
    path: str,
    *,
    api: Api,
    right: str | tuple[str, ...] | None = None,
    permission: tuple[str, str] | tuple[tuple[str, str], ...] | None = None,
    sessions: Iterable[str] = SESSION_KINDS,
    public: bool = False,
    params: tuple[Param, ...] | None = None,
    aliases: tuple[str, ...] = (),
) -> Callable[[Handler], Handler]:
    """Declare a handler. `right` is a sub-user right (or several, all needed); `permission` a panel
    pair `("trackers", "read")` or a tuple of pairs; `sessions` the user credential kinds accepted
    (`("session",)` refuses API keys); `params` replaces the registry's parameter list (for actions
    the CLI registry does not hold, such as auth); `aliases` are further paths to the same action."""
    rights = (right,) if isinstance(right, str) else tuple(right or ())
    if permission is None:
        perms: tuple[tuple[str, str], ...] = ()
    elif isinstance(permission[0], str):
        perms = (permission,)  # type: ignore[assignment]
    else:
        perms = tuple(permission)  # type: ignore[arg-type]

    def register(fn: Handler) -> Handler:
        spec = ActionDef(path, api, fn, public, rights, perms, frozenset(sessions), params)
        for p in (path, *aliases):
            if p in ACTIONS:
                raise ValueError(f"sandbox action {p} declared twice")
            ACTIONS[p] = spec
        return fn

    return register


_loaded = False
_registry_params: dict[str, tuple[Param, ...]] = {}


def load_actions() -> dict[str, ActionDef]:
    """Import the handler modules once; returns the action table."""
    global _loaded
    if not _loaded:
        for name in ACTION_MODULES:
            importlib.import_module(f"trackerctl.sandbox.{name}")
        _loaded = True
    return ACTIONS


def _params_of(spec: ActionDef) -> tuple[Param, ...]:
    if spec.params is not None:
        return spec.params
    if spec.path not in _registry_params:
        from trackerctl.api.endpoints import REGISTRY

        entry = REGISTRY.by_path(spec.path)
        _registry_params[spec.path] = entry.params if entry is not None else ()
    return _registry_params[spec.path]


def dispatch(
    spec: ActionDef, conn: sqlite3.Connection, now: float, raw: dict[str, Any], credential: str | None, *, implicit_auth: bool
) -> dict[str, Any]:
    """Run one action inside the caller's transaction: checks, then the handler."""
    ctx = Ctx(conn, now, raw)
    if not spec.public:
        if spec.api == "user":
            _authenticate_user(ctx, spec, credential, implicit_auth)
        else:
            _authenticate_panel(ctx, spec, credential, implicit_auth)
    params = validate(_params_of(spec), raw)
    return spec.handler(ctx, params)


def _authenticate_user(ctx: Ctx, spec: ActionDef, credential: str | None, implicit: bool) -> None:
    if credential is None:
        if not implicit:
            raise ApiFailure(4)
        ctx.user = ctx.conn.execute("SELECT * FROM users WHERE login = ?", (IMPLICIT_USER_LOGIN,)).fetchone()
        if ctx.user is None:
            raise ApiFailure(4)
        kind = "session"
    else:
        ctx.session = sessions.user_session(ctx.conn, credential, ctx.now)
        ctx.user = sessions.user_row(ctx.conn, ctx.session["user_id"])
        kind = ctx.session["kind"]
    if kind not in spec.sessions:
        raise ApiFailure(4 if kind == "api_key" else 276)
    if ctx.user["master_id"] is not None and spec.rights:
        granted = set(json.loads(ctx.user["rights"]))
        if "admin" in spec.rights or not set(spec.rights) <= granted:  # admin: masters only
            raise ApiFailure(13)


def _authenticate_panel(ctx: Ctx, spec: ActionDef, credential: str | None, implicit: bool) -> None:
    if credential is None:
        if not implicit:
            raise ApiFailure(4)
        login = IMPLICIT_PANEL_LOGIN
    else:
        ctx.panel_session = sessions.panel_session(ctx.conn, credential, ctx.now)
        login = ctx.panel_session["login"]
    ctx.account = sessions.panel_account(ctx.conn, login)
    granted = sessions.permissions(ctx.account)
    for category, operation in spec.permissions:
        if operation not in granted.get(category, ()):
            raise ApiFailure(13)
