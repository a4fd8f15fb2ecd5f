"""Global options, accepted before and after the sub-command (CLI-CONTRACT.md section 3).

The root callback declares them, and `command()` adds them to every leaf command as well, so
`trackerctl -o json tracker list` and `trackerctl tracker list -o json` mean the same. Each level
hands what it was given to the one `AppContext`; a later level wins.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Annotated, Any, Literal

import typer

from trackerctl.cli.context import AppContext

PANEL = "Global options"
Format = Literal["table", "json", "jsonl", "csv"]


def _opt(*decls: str, help: str, envvar: str | None = None, metavar: str | None = None) -> Any:
    text = f"{help} [env: {envvar}]" if envvar else help
    return typer.Option(*decls, help=text, metavar=metavar, rich_help_panel=PANEL, show_default=False)


# name -> (annotation, default). Environment variables are resolved by AppContext, after the
# command line and before the profile, so they are only named in the help here.
GLOBAL_PARAMS: list[inspect.Parameter] = [
    inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=Annotated[ann, option])
    for name, ann, default, option in [
        ("profile", str | None, None, _opt("--profile", help="Stored profile to use (default: default).", envvar="TRACKERCTL_PROFILE", metavar="NAME")),
        ("api_url", str | None, None, _opt("--api-url", help="eu, us, me, sandbox, or a base URL.", envvar="TRACKERCTL_API_URL", metavar="URL")),
        ("output", Format | None, None, _opt("--output", "-o", help="Output format (default: table on a terminal, else json).", envvar="TRACKERCTL_OUTPUT")),
        ("columns", str | None, None, _opt("--columns", help="Fields the table/csv show, such as id,label,source.device_id.", metavar="A,B.C")),
        ("jq", str | None, None, _opt("--jq", help="Filter the JSON output with a jq expression (implies -o json); strings print without quotes.", metavar="EXPR")),
        ("timeout", float | None, None, _opt("--timeout", help="Deadline of each request in seconds: connecting, sending and reading the whole answer.", envvar="TRACKERCTL_TIMEOUT", metavar="SECONDS")),
        ("ca_bundle", str | None, None, _opt("--ca-bundle", help="CA certificates to trust (private CAs).", metavar="PATH")),
        ("dry_run", bool, False, _opt("--dry-run", help="Print the requests that would be sent; send nothing.")),
        ("yes", bool, False, _opt("--yes", "-y", help="Answer yes to confirmations.")),
        ("verbose", bool, False, _opt("--verbose", "-v", help="Trace requests and responses on stderr (credentials masked).")),
        ("quiet", bool, False, _opt("--quiet", "-q", help="No progress bars, no notices.")),
        ("no_color", bool, False, _opt("--no-color", help="Plain text, no colour (so does NO_COLOR set to anything but empty).")),
    ]
]
GLOBAL_NAMES = frozenset(p.name for p in GLOBAL_PARAMS)

# What a command reads of the global options, for `with_global_options(uses=...)`: a command offers
# (and its help lists) only those (CLI-CONTRACT.md section 11); at the root every one is accepted.
DISPLAY = frozenset({"verbose", "quiet", "no_color"})  # every command
PROFILE = frozenset({"profile"})  # reads the profile's settings or credentials
REQUEST = PROFILE | {"api_url", "timeout", "ca_bundle", "dry_run"}  # sends requests
OUTPUT = frozenset({"output", "columns", "jq"})  # prints records


def app_context(ctx: typer.Context) -> AppContext:
    """The run's AppContext: the one tests passed in, or the one the root callback made."""
    if not isinstance(ctx.obj, AppContext):
        ctx.obj = AppContext()
    return ctx.obj


# Text options that cannot be empty: given empty (an unset shell variable), they would silently
# mean the default (the eu platform, the default profile, the default columns).
NOT_EMPTY = {"profile": "--profile", "api_url": "--api-url", "columns": "--columns", "jq": "--jq", "ca_bundle": "--ca-bundle"}


def check_given(given: dict[str, Any]) -> None:
    """Refuse a global option given empty, or holding bytes that are not text (exit 2)."""
    from trackerctl.errors import UsageError
    from trackerctl.api.user_json import check_text

    for name, option in NOT_EMPTY.items():
        value = given.get(name)
        if value is None:
            continue
        if not value.strip():
            raise UsageError(f"invalid value for {option}: empty")
        if name != "ca_bundle":  # a path may be any bytes; the others are sent or shown
            check_text(value, option)


def with_global_options(func: Callable[..., Any] | None = None, *, uses: frozenset[str] = GLOBAL_NAMES) -> Any:
    """Give a command the global options it `uses` (all by default); its body receives `app: AppContext`.

    `func(app, **own_params)`: its first parameter is the AppContext, the rest its own options.
    `@with_global_options` or `@with_global_options(uses=DISPLAY | OUTPUT)`.
    """
    if func is None:
        return functools.partial(with_global_options, uses=uses)
    own = list(inspect.signature(func, eval_str=True).parameters.values())[1:]

    @functools.wraps(func)
    def wrapper(ctx: typer.Context, **kwargs: Any) -> Any:
        app = app_context(ctx)
        given = {k: kwargs.pop(k) for k in list(kwargs) if k in GLOBAL_NAMES and k not in own_names}
        check_given(given)
        app.apply(given)
        if ctx.invoked_subcommand is None:  # the leaf: every level's options are in
            from trackerctl.cli.fields import for_command

            app.record_fields = for_command(_words(ctx), kwargs)
            app.validate()
        return func(app, **kwargs)

    ctx_param = inspect.Parameter("ctx", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=typer.Context)
    own_names = {p.name for p in own}  # a command's own --output (profile set) shadows the global one
    params = [ctx_param] + [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in own]
    params += [g for g in GLOBAL_PARAMS if g.name in uses and g.name not in own_names]
    wrapper.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    wrapper.__annotations__ = {}
    del wrapper.__wrapped__  # typer must read the new signature, not the original's
    return wrapper


def _words(ctx: typer.Context) -> tuple[str, ...]:
    """The command's words below the root: ("panel", "bundle", "list")."""
    words: list[str] = []
    while ctx.parent is not None:
        words.append(ctx.info_name or "")
        ctx = ctx.parent
    return tuple(reversed(words))
