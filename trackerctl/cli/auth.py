"""`trackerctl auth ...`: log in to either API, show what is stored, print it, forget it."""

from __future__ import annotations

import getpass
from typing import Annotated, Any

import typer

from trackerctl.api.errors import ApiError
from trackerctl.errors import AuthError, TrackerctlError, UsageError
from trackerctl.cli.context import AppContext
from trackerctl.cli.options import DISPLAY, OUTPUT, PROFILE, REQUEST, with_global_options
from trackerctl.config import Config
from trackerctl.credentials import env_credential
from trackerctl.session import LOGIN_ENV, check_login_name, login_command

app = typer.Typer(name="auth", help="Log in and out of both APIs; show or print stored credentials.",
                  rich_markup_mode=None, add_completion=False, no_args_is_help=True)

PanelFlag = Annotated[bool, typer.Option("--panel", help="The dealer panel API (panel/*) instead of the user API.")]
USER_CHECK = "user/get_info"  # a cheap call that any credential of the user API may make
PANEL_CHECK = "panel/account/get_permissions"


@app.command("login")
@with_global_options(uses=DISPLAY | REQUEST)
def login(
    app_: AppContext,
    panel: PanelFlag = False,
    api_key: Annotated[bool, typer.Option("--api-key", help="Store a user-API key (read from the prompt or stdin) instead of logging in.")] = False,
    login_: Annotated[str | None, typer.Option("--login", help="User e-mail, or the panel's numeric dealer login.", metavar="LOGIN")] = None,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password (or API key) from stdin.")] = False,
    remember: Annotated[bool, typer.Option("--remember", help="Also keep the password in the secret store, so an ended session is renewed by itself.")] = False,
) -> None:
    """Log in and store the session for the profile.

    The user API (default) calls user/auth and, on a terminal, asks for a two-factor code when the
    account needs one (three tries); --panel calls panel/account/auth (panel sessions end after 24 hours: add --remember, or set
    TRACKERCTL_PANEL_LOGIN and TRACKERCTL_PANEL_PASSWORD, for jobs that must renew them).
    Non-interactive: TRACKERCTL_LOGIN/TRACKERCTL_PASSWORD (or their _PANEL_ twins), or --login with
    --password-stdin.

    Example: printf '%s\\n' "$PASS" | trackerctl auth login --panel --login 1000 --password-stdin --remember
    """
    a = app_
    if api_key and panel:
        raise UsageError("the panel API has no API keys: use `trackerctl auth login --panel`")
    api = "panel" if panel else "user"
    setting = "panel_login" if panel else "login"
    # a malformed store stops us before anything is sent (the environment's credential would skip reading it)
    if a.credentials.get(a.profile_name, api, include_env=False) is not None:
        known = a.profile.get(setting)
        account = f" as {known}" if known else " (account not recorded)"
        a.output.notice(f"already logged in to the {api} API{account} (profile {a.profile_name}); logging in again replaces it")
    if api_key:
        return _store_api_key(a, password_stdin)
    login_var, password_var = LOGIN_ENV[api]
    who, source = login_, "--login"
    if not who:
        who, source = env_credential(a.env, login_var), login_var
    if not who:
        who, source = a.profile.get(setting), f"{setting} of profile {a.profile_name}"
    if not who:
        who, source = _prompt(a, "Panel login (dealer id): " if panel else "Login (e-mail): ", hidden=False,
                              missing=f"no login: give --login, or set {login_var}"), "login"
    check_login_name(api, who, source)  # before the password is asked for
    if password_stdin:
        password = a.stdin.readline().rstrip("\r\n")
    else:
        password = env_credential(a.env, password_var) or _prompt(
            a, "Password: ", hidden=True, missing=f"no password: use --password-stdin, or set {password_var}")
    code_prompt = (lambda question: _ask_code(a, question)) if a.interactive() else None
    result = a.session.login(api, who, password, code_prompt=code_prompt, remember=remember)
    _remember_login(a, setting, who)
    where = _where(a, result.stored_in)
    a.output.notice(f"logged in to the {api} API as {who} (profile {a.profile_name}); session stored in {where}")
    _warn_env_override(a, api)
    if remember:
        a.output.notice(f"password kept in {where} for renewals")


def _store_api_key(a: AppContext, from_stdin: bool) -> None:
    key = (a.stdin.readline().strip() if from_stdin or not a.interactive()
           else _prompt(a, "API key: ", hidden=True, missing="no API key on stdin"))
    if not key or not key.isalnum():
        raise UsageError("invalid API key: it is a string of letters and digits (made in the web interface)")
    answer = a.client().call(USER_CHECK, {}, api="user", credential=key)  # one call: is it a working key?
    stored = a.credentials.set(a.profile_name, "user", key)
    who = (answer.get("user_info") or {}).get("login")
    if isinstance(who, str) and who:
        _remember_login(a, "login", who)  # whose key it is, for `auth login` run again
    of = f" of {who}" if isinstance(who, str) and who else ""
    a.output.notice(f"API key{of} stored in {_where(a, stored)} for profile {a.profile_name}")
    _warn_env_override(a, "user")


def _warn_env_override(a: AppContext, api: str) -> None:
    var = "TRACKERCTL_PANEL_HASH" if api == "panel" else "TRACKERCTL_HASH"
    if a.env.get(var):
        a.output.warn(f"{var} is set and is used instead of the stored credential until you unset it")


@app.command("status")
@with_global_options(uses=DISPLAY | REQUEST | OUTPUT)
def status(
    app_: AppContext,
    all_profiles: Annotated[bool, typer.Option("--all", help="Every profile, not only the current one.")] = False,
) -> None:
    """Show, per profile, the API URL, which credentials are stored and where, and whether they work now.

    Secrets are masked (fa7b…1b06). The sandbox needs no login: there a credential shows as implicit.
    Exit 0 when every credential works, 3 when none is stored or one is refused.

    Example: trackerctl auth status --all -o json | jq -r '.list[] | select(.user.valid == false or .panel.valid == false) | .profile'
    """
    a = app_
    if not all_profiles:
        _ = a.profile  # a --profile that names no profile is an error ("did you mean"), not a row
    names = a.config.names() if all_profiles else [a.profile_name]
    rows = [_status_of(a, name) for name in names]
    a.output.result({"list": rows}, records="list", columns=("profile", "api_url", "user.stored", "user.credential", "user.valid",
                                                              "panel.stored", "panel.credential", "panel.valid"))
    checked = [s for r in rows for s in (r["user"], r["panel"]) if s["stored"]]
    if not checked or any(s["valid"] is False for s in checked):
        raise _SilentExit(3)


def _status_of(a: AppContext, name: str) -> dict[str, Any]:
    """One profile's row. The in-process sandbox needs no credential (commands act as its demo
    accounts): there each API is checked as a command would call it, and shows as `implicit`
    when nothing is stored."""
    from trackerctl.api.client import SANDBOX

    sub = a.for_profile(name)
    row: dict[str, Any] = {"profile": name, "current": name == a.profile_name}
    try:
        row["api_url"] = sub.api_url
    except UsageError as e:
        row["api_url"] = f"invalid: {e.message}"
    sandbox = row["api_url"] == SANDBOX
    for api, check in (("user", USER_CHECK), ("panel", PANEL_CHECK)):
        secret = a.credentials.get(name, api)
        entry: dict[str, Any] = {"stored": secret.source if secret else ("implicit" if sandbox else None),
                                 "credential": secret.masked() if secret else None, "valid": None}
        if entry["stored"] and not row["api_url"].startswith("invalid"):
            try:
                # the sandbox: what a command would send (a credential it never issued is not sent)
                answer = sub.client().call(check, {}, api=api, **({} if sandbox else {"credential": secret.value}))
                entry["valid"] = True
                if api == "panel":
                    entry["permissions"] = answer.get("permissions")
                else:
                    info = answer.get("user_info") or {}
                    entry["login"] = info.get("login")
            except ApiError as e:
                entry["valid"] = False
                entry["error"] = f"error {e.code}: {e.description}"
            except TrackerctlError as e:
                entry["error"] = e.message  # unreachable or broken server: unknown, not invalid
        row[api] = entry
    sub.close()
    return row


@app.command("token")
@with_global_options(uses=DISPLAY | PROFILE | {"api_url"})  # which sandbox issued it
def token(app_: AppContext, panel: PanelFlag = False) -> None:
    """Print the stored credential itself, for use with curl: the only command that shows a secret.

    Example: curl -H "Authorization: NVX $(trackerctl auth token)" https://api.eu.navixy.com/v2/tracker/list -d '{}'
    """
    api = "panel" if panel else "user"
    _ = app_.profile  # a --profile that names no profile: "did you mean"
    secret = app_.credentials.get(app_.profile_name, api)
    if secret is None:
        raise AuthError(f"no {api} credential stored for profile {app_.profile_name}",
                        hint=f"run `{login_command(app_.profile_name, api)}`")
    print(secret.value, file=app_.stdout)


@app.command("logout")
@with_global_options(uses=DISPLAY | REQUEST)
def logout(app_: AppContext, panel: PanelFlag = False) -> None:
    """End the session on the server where it can, and forget the stored credential (and password).

    Example: trackerctl auth logout --panel
    """
    from trackerctl.credentials import ENV_VARS

    api = "panel" if panel else "user"
    stored = app_.session.logout(api)
    if stored:
        app_.output.notice(f"logged out of the {api} API (profile {app_.profile_name})")
    if app_.env.get(ENV_VARS[api]):
        app_.output.notice(f"the {api} credential in {ENV_VARS[api]} is left as it is: unset it")
    elif not stored:
        app_.output.notice(f"no {api} credential stored for profile {app_.profile_name}")


class _SilentExit(TrackerctlError):
    """An exit code with nothing more to say (the result already told)."""

    def __init__(self, code: int) -> None:
        super().__init__("")
        self.exit_code = code


def _prompt(a: AppContext, text: str, *, hidden: bool, missing: str) -> str:
    if not a.interactive():
        raise UsageError(missing)
    try:
        if hidden:  # getpass writes the prompt once echo is off: what is typed when it shows is neither echoed nor flushed away
            value = getpass.getpass(text, stream=a.stderr)
        else:
            a.stderr.write(text)
            a.stderr.flush()
            value = a.stdin.readline()
    except EOFError:  # Ctrl-D
        value = ""
    value = value.strip() if not hidden else value.rstrip("\r\n")
    if not value:
        raise UsageError(missing or "nothing entered")
    return value


def _ask_code(a: AppContext, question: str) -> str:
    """One two-factor code from the person at the terminal (the session asks again when it is wrong)."""
    a.stderr.write(question)
    a.stderr.flush()
    line = a.stdin.readline()
    if not line:  # end of input (Ctrl-D): nobody will type another
        raise AuthError("no two-factor code entered: not logged in")
    return line.strip()


def _remember_login(a: AppContext, setting: str, who: str) -> None:
    """Keep the (non-secret) login in the profile, so renewals and prompts know it."""
    name = a.profile_name
    if a.config.profiles.get(name, {}).get(setting) == who:
        return

    def change(config: Config) -> None:  # the file as it is now, under its lock
        config.profiles.setdefault(name, {})[setting] = who

    a.config.update(change)


def _where(a: AppContext, stored_in: str) -> str:
    if stored_in == "file":
        return f"{a.credentials.file_path} (mode 0600; no usable keyring)"
    return a.credentials.location()


command = typer.main.get_command(app)
