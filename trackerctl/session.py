"""Sessions of one profile on both APIs: which credential to send, how to log in, how to renew.

The user API takes a session hash or an API key; the panel only sessions, which end 24 hours after
login. Renewal uses, in order, the environment (`TRACKERCTL_LOGIN`/`TRACKERCTL_PASSWORD`, and the
`_PANEL_` twins) and a password kept with `auth login --remember`. A renewal happens at most once
per process and API, so a wrong stored password cannot loop.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from trackerctl.api.errors import ApiError
from trackerctl.errors import AuthError, UsageError
from trackerctl.credentials import env_credential

if TYPE_CHECKING:
    from trackerctl.api.action import Api
    from trackerctl.api.client import ApiClient
    from trackerctl.credentials import CredentialStore, Secret

# Read with `env_credential`: anything but printable ASCII is refused, naming the variable.
LOGIN_ENV = {"user": ("TRACKERCTL_LOGIN", "TRACKERCTL_PASSWORD"), "panel": ("TRACKERCTL_PANEL_LOGIN", "TRACKERCTL_PANEL_PASSWORD")}
AUTH_PATH = {"user": "user/auth", "panel": "panel/account/auth"}
LOGOUT_PATH = {"user": "user/logout", "panel": "panel/account/logout"}
MAX_PASSWORD = 40


@dataclass
class LoginResult:
    hash: str
    stored_in: str  # "keyring" / "file"
    permissions: dict[str, Any] | None = None


@dataclass
class Session:
    profile: str
    settings: Mapping[str, Any]  # the profile's config (login, panel_login, ...)
    store: "CredentialStore"
    env: Mapping[str, str]
    client_factory: Callable[[], "ApiClient"] = field(repr=False, default=None)  # type: ignore[assignment]
    notice: Callable[[str], None] = lambda msg: None
    offline: bool = False  # --dry-run (the client prints requests, never sends them): never log in or renew
    # The in-process sandbox: a stored credential it never issued (a real server's session, kept
    # for the profile) is not sent, so the command acts as the demo user (CLI-CONTRACT.md 9).
    issued: Callable[[str], bool] | None = field(repr=False, default=None)
    _renewed: set[str] = field(default_factory=set)

    # -- what the client sends ----------------------------------------------------------------
    def credential(self, api: "Api") -> str | None:
        """The stored (or environment) credential; logs in first when only a login is configured
        (not under --dry-run, which sends nothing: there it is None)."""
        secret = self.store.get(self.profile, api)
        if secret and (secret.source == "env" or self.issued is None or self.issued(secret.value)):
            return secret.value
        if not self.offline and self._password_login(api) is not None:
            return self.renew(api, first=True)
        return None

    def renew(self, api: "Api", *, first: bool = False) -> str | None:
        """Log in again with a known login and password, once per process; None when impossible."""
        if api in self._renewed or self.offline:
            return None
        self._renewed.add(api)
        creds = self._password_login(api)
        if creds is None:
            return None
        login, password = creds
        try:
            result = self.login(api, login, password, code_prompt=None)
        except ApiError as e:
            raise AuthError(
                f"session ended and logging in again as {login} failed: error {e.code}: {e.description}",
                hint=f"run `trackerctl auth login{' --panel' if api == 'panel' else ''}`",
            ) from None
        what = "panel" if api == "panel" else "user"
        self.notice(f"logged in to the {what} API as {login}" if first else f"{what} session renewed: logged in again as {login}")
        return result.hash

    def _password_login(self, api: "Api") -> tuple[str, str] | None:
        login_var, password_var = LOGIN_ENV[api]
        login = env_credential(self.env, login_var) or self.settings.get("panel_login" if api == "panel" else "login")
        password = env_credential(self.env, password_var)
        if login and not password:
            secret = self.store.get(self.profile, f"{api}_password")  # type: ignore[arg-type]
            password = secret.value if secret else None
        if login and password:
            return str(login), password
        return None

    # -- login / logout -----------------------------------------------------------------------
    def login(
        self,
        api: "Api",
        login: str,
        password: str,
        *,
        code_prompt: Callable[[str], str] | None,
        remember: bool = False,
    ) -> LoginResult:
        """Call the auth action (and the two-factor step), store the hash, and maybe the password."""
        check_login(api, login, password)
        client = self.client_factory()
        body = client.call(AUTH_PATH[api], {"login": login, "password": password}, api=None, read_only=False)
        hash_ = _hash_of(body)
        if api == "user" and body.get("type") == "second_factor_required":
            if code_prompt is None:
                raise AuthError(
                    f"{login} needs a two-factor code ({body.get('factor_type', 'email')})",
                    hint="run `trackerctl auth login` in a terminal, or use an API key: `trackerctl auth login --api-key`",
                )
            code = code_prompt(str(body.get("factor_type", "email")))
            verified = client.call("user/auth/code/verify", {"code": code}, api="user", read_only=False, credential=hash_)
            hash_ = _hash_of(verified)
        stored_in = self.store.set(self.profile, api, hash_)
        if remember:
            self.store.set(self.profile, f"{api}_password", password)  # type: ignore[arg-type]
        return LoginResult(hash_, stored_in, body.get("permissions") if api == "panel" else None)

    def logout(self, api: "Api") -> "Secret | None":
        """End the stored session on the server (API keys have none to end) and forget it, with a
        kept password; the stored secret, or None. A credential in the environment is left alone.
        (Under --dry-run the request is printed and the command ends there: nothing is forgotten.)"""
        secret = self.store.get(self.profile, api, include_env=False)
        if secret is None:
            return None
        try:
            self.client_factory().call(LOGOUT_PATH[api], {}, api=api, read_only=False, credential=secret.value)
        except ApiError as e:
            if e.code not in (3, 4):  # already ended, or an API key: nothing to end
                raise
        self.store.delete(self.profile, api)
        self.store.delete(self.profile, f"{api}_password")  # type: ignore[arg-type]
        return secret


def check_login(api: "Api", login: str, password: str) -> None:
    if not login:
        raise UsageError("missing login")
    if api == "panel" and not login.isdigit() and login != "admin":
        raise UsageError(f"invalid panel login {login!r}: the panel login is the dealer's numeric id")
    if not password or len(password) > MAX_PASSWORD or not password.isprintable():
        raise UsageError(f"invalid password: 1-{MAX_PASSWORD} printable characters")


def _hash_of(body: Mapping[str, Any]) -> str:
    value = body.get("hash")
    if not isinstance(value, str) or not value:
        from trackerctl.api.errors import BadResponse

        raise BadResponse("the login answer carries no session hash")
    return value

