"""`trackerctl profile ...`: profiles in the config file (an API URL and defaults per account)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from trackerctl.errors import UsageError
from trackerctl.cli.context import AppContext
from trackerctl.credentials import KINDS
from trackerctl.cli.options import DISPLAY, OUTPUT, PROFILE, with_global_options
from trackerctl.config import BUILTIN_PROFILES, DEFAULT_PROFILE, Config, check_profile_name

app = typer.Typer(name="profile", help="Manage profiles: an API URL and defaults per account.",
                  rich_markup_mode=None, add_completion=False, no_args_is_help=True)

NameArg = Annotated[str, typer.Argument(metavar="NAME", help="Profile name.", show_default=False)]


def _row(a: AppContext, name: str) -> dict[str, Any]:
    return {"name": name, "current": name == a.profile_name, **a.config.profile(name)}


@app.command("list")
@with_global_options(uses=DISPLAY | PROFILE | OUTPUT)
def list_(app_: AppContext) -> None:
    """List the profiles; the current one is marked.

    Example: trackerctl profile list -o json | jq -r '.list[].name'
    """
    rows = [_row(app_, n) for n in app_.config.names()]
    app_.output.result({"list": rows}, records="list", columns=("name", "current", "api_url", "output", "login", "panel_login"))


@app.command("show")
@with_global_options(uses=DISPLAY | PROFILE | OUTPUT)
def show(app_: AppContext, name: Annotated[str | None, typer.Argument(metavar="[NAME]", help="Profile (default: the current one).", show_default=False)] = None) -> None:
    """Show one profile's settings (never secrets: see `trackerctl auth status`).

    Example: trackerctl profile show work -o json
    """
    name = check_profile_name(name) if name else app_.profile_name
    if not app_.config.exists(name) and name != app_.profile_name:
        raise app_.config.no_such_profile(name)
    app_.output.result({"value": _row(app_, name)}, records="value")


@app.command("use")
@with_global_options(uses=DISPLAY | PROFILE)
def use(app_: AppContext, name: NameArg) -> None:
    """Make NAME the profile used when --profile and TRACKERCTL_PROFILE are not given.

    Example: trackerctl profile use work
    """
    check_profile_name(name)

    def change(config: Config) -> None:
        if not config.exists(name) and name != DEFAULT_PROFILE:
            raise config.no_such_profile(name, otherwise=f"create it with `trackerctl profile set {name} --api-url ...`")
        config.current_profile = name

    app_.config.update(change)
    app_.output.notice(f"now using profile {name}")


@app.command("set")
@with_global_options(uses=DISPLAY | PROFILE)
def set_(
    app_: AppContext,
    name: NameArg,
    api_url: Annotated[str | None, typer.Option("--api-url", help="eu, us, me, sandbox, or a base URL.", metavar="URL")] = None,
    output: Annotated[str | None, typer.Option("--output", "-o", help="Default output format.", metavar="FORMAT")] = None,
    timeout: Annotated[float | None, typer.Option("--timeout", help="Default deadline of each request (connecting, sending, reading the whole answer) in seconds.", metavar="SECONDS")] = None,
    allow_http: Annotated[bool | None, typer.Option("--allow-http/--no-allow-http", help="Allow plain http to a non-loopback host (private networks).")] = None,
    ca_bundle: Annotated[str | None, typer.Option("--ca-bundle", help="CA certificates to trust.", metavar="PATH")] = None,
    login: Annotated[str | None, typer.Option("--login", help="User-API login (e-mail), used for renewals.", metavar="LOGIN")] = None,
    panel_login: Annotated[str | None, typer.Option("--panel-login", help="Panel login (dealer id).", metavar="LOGIN")] = None,
    console_url: Annotated[str | None, typer.Option("--console-url", help="The device console's ws(s):// URL, where it is not the platform's default.", metavar="URL")] = None,
) -> None:
    """Create profile NAME or change its settings. Secrets are never stored here: see `trackerctl auth login`.

    Example: trackerctl profile set work --api-url us --output json
    """
    from trackerctl.api.client import resolve_base_url
    from trackerctl.output import FORMATS
    from trackerctl.session import check_login_name

    check_profile_name(name)
    given = {"api_url": api_url, "output": output, "timeout": timeout, "allow_http": allow_http, "ca_bundle": ca_bundle,
             "login": login, "panel_login": panel_login, "console_url": console_url}
    given = {k: v for k, v in given.items() if v is not None}
    if output is not None and output not in FORMATS:
        raise UsageError(f"invalid value for --output: {output!r} is not one of {', '.join(FORMATS)}")
    if timeout is not None and not 0 < timeout <= 3600:
        raise UsageError("invalid value for --timeout: between 0 and 3600 seconds")
    for option, value in (("--login", login), ("--panel-login", panel_login)):
        if value is not None:
            check_login_name("panel" if option == "--panel-login" else "user", value, option)
    created = not app_.config.exists(name) and name != DEFAULT_PROFILE

    def change(config: Config) -> None:  # on the file as it is now, under its lock
        settings = {**config.profiles.get(name, {}), **given}
        if "api_url" in settings:
            resolve_base_url(settings["api_url"], allow_http=bool(settings.get("allow_http")))
        if "console_url" in settings:
            from trackerctl.api.channel import check_url

            check_url(settings["console_url"], "--console-url", allow_http=bool(settings.get("allow_http")))
        if not settings and name not in BUILTIN_PROFILES and name not in config.profiles:
            raise UsageError("nothing to set: give at least one option, such as --api-url")
        config.profiles[name] = settings

    app_.config.update(change)
    near = app_.config.closest(name) if created else None
    if near:  # a new profile, named almost like one that exists: a typo?
        app_.output.notice(f"profile {name} created in {app_.config.path} (did you mean {near!r}? `trackerctl profile remove {name}` undoes it)")
    else:
        app_.output.notice(f"profile {name} saved in {app_.config.path}")


@app.command("remove")
@with_global_options(uses=DISPLAY | PROFILE)
def remove(app_: AppContext, name: NameArg) -> None:
    """Remove profile NAME and forget its stored credentials.

    The built-in profile sandbox cannot be removed; removing default clears its settings and credentials.

    Example: trackerctl profile remove old-account
    """
    check_profile_name(name)
    config = app_.config
    if name in BUILTIN_PROFILES:
        raise UsageError(f"{name!r} is a built-in profile and cannot be removed",
                         hint=f"change its settings with `trackerctl profile set {name} ...`")
    stored = any(app_.credentials.get(name, k, include_env=False) for k in KINDS)  # not the environment's
    if name not in config.profiles and not stored:
        if name == DEFAULT_PROFILE:  # always there (listed), and now with nothing of its own
            app_.output.notice(f"profile {name} has no settings and no stored credentials: nothing to remove")
            return
        raise config.no_such_profile(name)
    for kind in KINDS:
        app_.credentials.delete(name, kind)

    def change(config: Config) -> None:
        config.profiles.pop(name, None)
        if config.current_profile == name:
            config.current_profile = None

    config.update(change)
    app_.output.notice(f"profile {name} cleared: it has no settings and no stored credentials" if name == DEFAULT_PROFILE
                       else f"profile {name} removed")


command = typer.main.get_command(app)
