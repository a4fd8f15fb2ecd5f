"""Sessions of one profile on both APIs: which credential to send, how to log in, how to renew.

The user API takes a session hash or an API key; the panel only sessions, which end 24 hours after
login. Renewal uses, in order, the environment (`TRACKERCTL_LOGIN`/`TRACKERCTL_PASSWORD`, and the
`_PANEL_` twins) and a password kept with `auth login --remember`. A renewal happens at most once
per process and API, so a wrong stored password cannot loop.

A two-factor login asks `code_prompt` for the code (the CLI passes one only when a person is at
a terminal) at most `CODE_TRIES` times; a login that cannot be completed is an AuthError (exit 3).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from trackerctl.api.errors import ApiError
from trackerctl.errors import AuthError, TrackerctlError, UsageError
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
CODE_TRIES = 3  # two-factor codes asked for in one login, the first included
WRONG_CODE = 282  # user/auth/code/verify: "Wrong authentication code"


class _Known(NamedTuple):
    login: str
    login_from: str  # TRACKERCTL_LOGIN, or the profile's setting
    password: str
    password_from: str  # TRACKERCTL_PASSWORD, or the password kept by --remember


class LoginResult(NamedTuple):
    hash: str
    stored_in: str  # "keyring" / "file"
    permissions: dict[str, Any] | None = None


class Session:
    __slots__ = ("profile", "settings", "store", "env", "client_factory", "notice", "offline", "issued", "_renewed")

    def __init__(
        self,
        profile: str,
        settings: Mapping[str, Any],  # the profile's config (login, panel_login, ...)
        store: "CredentialStore",
        env: Mapping[str, str],
        client_factory: Callable[[], "ApiClient"] = None,  # type: ignore[assignment]
        notice: Callable[[str], None] = lambda msg: None,
        offline: bool = False,  # --dry-run (the client prints requests, never sends them): never log in or renew
        # The in-process sandbox: a stored credential it never issued (a real server's session, kept
        # for the profile) is not sent, so the command acts as the demo user (CLI-CONTRACT.md 9).
        issued: Callable[[str], bool] | None = None,
    ) -> None:
        self.profile, self.settings, self.store, self.env = profile, settings, store, env
        self.client_factory = client_factory
        self.notice = notice
        self.offline = offline
        self.issued = issued
        self._renewed: set[str] = set()  # the APIs logged in again in this process (once each)

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
        """Log in again with a known login and password, once per process; None when impossible.
        `first`: no session was in use (only a login and password are known), so a refusal is a
        failed login, not an ended session."""
        if api in self._renewed or self.offline:
            return None
        self._renewed.add(api)
        creds = self._password_login(api)
        if creds is None:
            return None
        login, password = creds.login, creds.password
        check_login_name(api, login, creds.login_from)
        what = "panel" if api == "panel" else "user"
        try:
            result = self.login(api, login, password, code_prompt=None)
        except ApiError as e:
            failed = f"logging in to the {what} API as {login} failed" if first else \
                f"the {what} session ended and logging in again as {login} failed"
            raise AuthError(f"{failed}: error {e.code}: {e.description}",
                            hint=f"check {creds.password_from}, or run `{self.login_command(api)}`") from None
        self.notice(f"logged in to the {what} API as {login}" if first else f"{what} session renewed: logged in again as {login}")
        return result.hash

    def _password_login(self, api: "Api") -> "_Known | None":
        """The login and password a renewal would use, and where each comes from; None when either is unknown."""
        login_var, password_var = LOGIN_ENV[api]
        setting = "panel_login" if api == "panel" else "login"
        login, login_from = env_credential(self.env, login_var), login_var
        if not login:
            login, login_from = self.settings.get(setting), f"{setting} of profile {self.profile}"
        password, password_from = env_credential(self.env, password_var), password_var
        if login and not password:
            secret = self.store.get(self.profile, f"{api}_password")  # type: ignore[arg-type]
            password = secret.value if secret else None
            password_from = f"the password kept by `auth login{' --panel' if api == 'panel' else ''} --remember`"
        if login and password:
            return _Known(str(login), login_from, password, password_from)
        return None

    # -- what to tell the user ------------------------------------------------------------------
    def login_command(self, api: "Api") -> str:
        return login_command(self.profile, api)

    def ended_hint(self, api: "Api") -> str:
        """The next step after code 4 (an ended session, an unknown key) that no renewal cured."""
        what = "panel" if api == "panel" else "user"
        try:
            secret = self.store.get(self.profile, api)
        except TrackerctlError:  # a store that cannot be read now: the usual advice
            secret = None
        if secret is not None and secret.source == "env":
            from trackerctl.credentials import ENV_VARS

            return f"the {what} credential in {ENV_VARS[api]} no longer works: replace it, or unset it and run `{self.login_command(api)}`"
        return f"the {what} session ended: run `{self.login_command(api)}`"

    # -- login / logout -----------------------------------------------------------------------
    def login(
        self,
        api: "Api",
        login: str,
        password: str,
        *,
        code_prompt: Callable[[str], str | None] | None,
        remember: bool = False,
    ) -> LoginResult:
        """Call the auth action (and the two-factor step), store the hash, and maybe the password.

        `code_prompt(question)` returns the two-factor code a person typed (None or "" for none);
        without it a two-factor account cannot log in (AuthError)."""
        check_login(api, login, password)
        client = self.client_factory()
        body = client.call(AUTH_PATH[api], {"login": login, "password": password}, api=None, read_only=False)
        hash_ = _hash_of(body)
        if api == "user" and body.get("type") == "second_factor_required":
            hash_ = self._second_factor(client, login, str(body.get("factor_type") or "email"), hash_, code_prompt)
        stored_in = self.store.set(self.profile, api, hash_)
        if remember:
            self.store.set(self.profile, f"{api}_password", password)  # type: ignore[arg-type]
        return LoginResult(hash_, stored_in, body.get("permissions") if api == "panel" else None)

    def _second_factor(self, client: "ApiClient", login: str, factor: str, temporary: str,
                       code_prompt: Callable[[str], str | None] | None) -> str:
        """Trade the temporary hash and a code for a session hash: up to CODE_TRIES codes asked for."""
        if code_prompt is None:
            raise AuthError(
                f"{login} needs a two-factor code ({factor}), and there is no terminal to ask for it",
                hint="run `trackerctl auth login` in a terminal, or use an API key: `trackerctl auth login --api-key`",
            )
        refused = ""
        for attempt in range(1, CODE_TRIES + 1):
            question = f"Two-factor code (sent by {factor}): " if attempt == 1 else \
                f"{refused}; two-factor code (try {attempt} of {CODE_TRIES}): "
            code = (code_prompt(question) or "").strip()
            if not code:
                refused = "nothing entered"
                continue
            try:
                verified = client.call("user/auth/code/verify", {"code": code}, api="user", read_only=False, credential=temporary)
            except ApiError as e:
                if e.code == WRONG_CODE:
                    refused = f"error {e.code}: {e.description}"
                    continue
                if e.code == 4:  # the temporary hash lives 10 minutes
                    raise AuthError(f"the two-factor login of {login} expired before the code was checked",
                                    hint=f"run `{self.login_command('user')}` again") from None
                raise
            return _hash_of(verified)
        raise AuthError(f"two-factor code refused {CODE_TRIES} times ({refused}): not logged in",
                        hint=f"run `{self.login_command('user')}` again, with the latest code sent by {factor}")

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


def login_command(profile: str, api: "Api") -> str:
    """The command line that logs `profile` in to `api` (named: the hint may be read elsewhere)."""
    return f"trackerctl --profile {profile} auth login{' --panel' if api == 'panel' else ''}"


def check_login(api: "Api", login: str, password: str) -> None:
    check_login_name(api, login)
    if not password or len(password) > MAX_PASSWORD or not password.isprintable():
        raise UsageError(f"invalid password: 1-{MAX_PASSWORD} printable characters")


def check_login_name(api: "Api", login: str, source: str = "login") -> None:
    """The login's form, before a password is asked for: an e-mail address for the user API
    (spec auth-and-sessions.md), the dealer's numeric id for the panel (`admin` on self-hosted
    installs). `source` names where it came from (--login, TRACKERCTL_LOGIN...)."""
    if not login:
        raise UsageError("missing login")
    if api == "panel":
        if not (login.isascii() and login.isdigit()) and login != "admin":
            raise UsageError(f"invalid {source} {login!r}: the panel login is the dealer's numeric id")
    elif not (_EMAIL.fullmatch(login) and login.isprintable()):
        hint = "a dealer id is the panel's login: add --panel" if login.isascii() and login.isdigit() else None
        raise UsageError(f"invalid {source} {login!r}: the user API's login is an e-mail address", hint=hint)


_EMAIL = re.compile(r"[^@\s]+@[^@\s]+", re.ASCII)  # one @ with something on each side; no space or control


def _hash_of(body: Mapping[str, Any]) -> str:
    value = body.get("hash")
    if not isinstance(value, str) or not value:
        from trackerctl.api.errors import BadResponse

        raise BadResponse("the login answer carries no session hash")
    return value

