"""The root command, and the one place where errors become exit codes (STYLE.md, example 6).

`run(argv)` answers `--version` before importing Typer, then hands the command line to `cli`, the
root group. Sub-commands are listed here with their one-line help and built only when used.
"""

import sys
from collections.abc import Sequence
from typing import Annotated, Any

from trackerctl import __version__

# name -> (module exposing `command`, one-line help). Order is the help's order.
TOP_LEVEL = {
    "tracker": ("trackerctl.cli.tracker", "User API: the trackers of the logged-in user (tracker/*)."),
    "panel": ("trackerctl.cli.panel", "Dealer panel API: trackers, clones, bundles, tariffs (panel/tracker/*)."),
    "auth": ("trackerctl.cli.auth", "Log in and out of both APIs; show or print stored credentials."),
    "profile": ("trackerctl.cli.profile", "Manage profiles: an API URL and defaults per account."),
    "api": ("trackerctl.cli.api", "Call any API action: trackerctl api PATH -f key=value."),
    "sandbox": ("trackerctl.cli.sandbox", "The local API emulator: serve it over HTTP, or reset its data."),
    "completion": ("trackerctl.cli.completion", "Print the shell completion script for bash, zsh or fish, or install it."),
    "undo": ("trackerctl.cli.undo", "Revert what a run that wrote changed, from its journal."),
    "history": ("trackerctl.cli.history", "Show the audit log: every write trackerctl sent, who sent it and how it ended."),
}
ROOT_HELP = """Navixy GPS-tracking from the command line: the user API (tracker/*) and the dealer panel API
(panel/tracker/*), with profiles, stored credentials, and table, json, jsonl or csv output.

Try it without an account: trackerctl --api-url sandbox tracker list

Exit codes: 0 success, 1 API error, 2 usage error (nothing sent), 3 authentication,
4 not found, 5 transient/server failure, 6 partial failure of a bulk command, 130 interrupted."""


def wants_version(argv: Sequence[str]) -> bool:
    """`--version` before any sub-command (global options may stand before it)."""
    for word in argv:
        if word == "--version":
            return True
        if word in TOP_LEVEL or word == "--":
            return False
    return False


def run(argv: Sequence[str]) -> int:
    """The exit code of one command line. SIGINT and SIGTERM are `trackerctl.cli.main`'s to handle:
    it installs their handler before anything is imported."""
    if wants_version(argv):
        print(f"trackerctl {__version__}")
        return 0
    import typer

    return typer.main.get_command(build_cli()).main(list(argv), prog_name="trackerctl", standalone_mode=False)


def build_cli() -> Any:
    """The root as a Typer app (what `typer.testing.CliRunner().invoke` takes)."""
    import typer

    from trackerctl.cli.framework import install_fast_coercion, install_help

    install_fast_coercion()  # keeps pydantic off the --help path
    install_help()

    from trackerctl.cli.lazy import LazyGroup
    from trackerctl.cli.options import with_global_options

    class RootGroup(LazyGroup):
        def __init__(self, **kwargs: Any) -> None:
            children = {name: (_module_loader(module), help_) for name, (module, help_) in TOP_LEVEL.items()}
            super().__init__(children=children, **kwargs)

        def main(self, args: Sequence[str] | None = None, prog_name: str | None = None, standalone_mode: bool = True, **extra: Any) -> Any:
            code = _main(self, list(sys.argv[1:] if args is None else args), prog_name or "trackerctl", extra)
            if standalone_mode:
                sys.exit(code)
            return code

    def root(
        app: Any,
        version: Annotated[bool, typer.Option("--version", is_eager=True, callback=_print_version,
                                              help="Print `trackerctl <version>` and exit.")] = False,
    ) -> None:
        """The root callback: global options only; everything else waits for the leaf."""

    cli = typer.Typer(
        cls=RootGroup,
        name="trackerctl",
        help=ROOT_HELP,
        add_completion=False,
        rich_markup_mode=None,
        no_args_is_help=True,
        context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    )
    cli.callback()(with_global_options(root))
    return cli


def _print_version(value: bool) -> None:
    if value:
        import typer

        print(f"trackerctl {__version__}")
        raise typer.Exit(0)


def _module_loader(module: str) -> Any:
    def load() -> Any:
        import importlib

        return importlib.import_module(module).command

    return load


def _main(cli: Any, args: list[str], prog_name: str, extra: dict[str, Any]) -> int:
    """Run the command line; map every failure to one message on stderr and the contract's exit code."""
    from typer import exceptions as typer_exc

    from trackerctl.cli.framework import ClickException, NoArgsIsHelpError

    from trackerctl.api.errors import ApiError
    from trackerctl.errors import EXIT_INTERRUPTED, EXIT_USAGE, NotLoggedIn, TrackerctlError
    from trackerctl.cli import interrupted_by, report_interrupted
    from trackerctl.cli.context import AppContext

    app = extra.get("obj")
    if not isinstance(app, AppContext):
        app = extra["obj"] = AppContext()
    try:
        with cli.make_context(prog_name, args, **extra) as ctx:
            cli.invoke(ctx)
        return 0
    except typer_exc.Exit as e:
        return e.exit_code
    except NoArgsIsHelpError as e:  # a group without its sub-command: its help, on stderr
        print(e.ctx.get_help(), file=app.stderr)
        return EXIT_USAGE
    except ClickException as e:  # usage: bad option, missing argument, unknown command
        where = e.ctx.command_path if getattr(e, "ctx", None) else prog_name
        app.output.error(f"error: {e.format_message()}", hint=f"see `{where} --help`")
        return EXIT_USAGE
    except (typer_exc.Abort, KeyboardInterrupt):  # Abort: Ctrl-C or Ctrl-D at a prompt
        # one line, once: a signal landing while it is written does not add another (trackerctl.cli)
        report_interrupted(lambda: app.output.error("interrupted"))
        return EXIT_INTERRUPTED
    except ApiError as e:
        app.output.error(e.message, hint=e.hint or _hint_for(e, app), body=e.as_json(), details=_details(e))
        return e.exit_code
    except TrackerctlError as e:
        hint = _login_hint(app, e.api) if isinstance(e, NotLoggedIn) else e.hint
        say = lambda: app.output.error(e.message if e.message.startswith("error") else f"error: {e.message}", hint=hint)  # noqa: E731
        if e.exit_code == EXIT_INTERRUPTED:  # a command's own report of what it finished: once
            report_interrupted(say)
        elif e.message:
            say()
        return e.exit_code
    except BrokenPipeError:
        _silence_stdout()
        return 0
    except OSError as e:  # the machine's, not a bug: a read-only home, a full disk, a permission
        where = f" ({e.filename})" if e.filename else ""
        app.output.error(f"error: {e.strerror or e}{where}")
        return 1
    except Exception as e:  # a bug: say so in one line; the traceback only on request
        if interrupted_by(e):  # an interrupt Python wrapped in another error
            report_interrupted(lambda: app.output.error("interrupted"))
            return EXIT_INTERRUPTED
        if app.options.verbose:
            import traceback

            traceback.print_exc(file=app.stderr)
        app.output.error(f"internal error: {type(e).__name__}: {e}", hint="run with --verbose for the traceback, and report it")
        return 1
    finally:
        for note in _credential_notices(app):
            app.output.notice(note)
        app.close()


def _details(e: Any) -> list[str]:
    """The extra fields of an API error, one line each: rules, vehicles, list, per-parameter errors."""
    import json

    lines = []
    for key, value in e.extra.items():
        if key == "errors" and isinstance(value, list):
            for item in value:
                if isinstance(item, dict):
                    lines.append(f"{item.get('parameter', '?')}: {item.get('error', '')}")
        else:
            lines.append(f"{key}: {json.dumps(value, ensure_ascii=False)}")
    return lines


def _login_hint(app: Any, api: str) -> str:
    from trackerctl.credentials import ENV_VARS
    from trackerctl.session import login_command

    return f"run `{login_command(app.profile_name, api)}`, or set {ENV_VARS[api]}"


def _hint_for(e: Any, app: Any = None) -> str | None:
    if e.code == 4:
        session = app.__dict__.get("session") if app is not None else None  # only if the run built one
        if session is not None and e.api:
            return session.ended_hint(e.api)  # names the API and the profile
        return "the session ended: run `trackerctl auth login` (or `auth login --panel` for panel commands)"
    if e.code in (3, 102):
        return "check the stored credential with `trackerctl auth status`"
    if e.code == 13:
        return "the account lacks the permission or sub-user right this action needs (see the command's --help)"
    return None


def _credential_notices(app: Any) -> list[str]:
    store = app.__dict__.get("credentials")  # only if the run built one
    notices = list(getattr(store, "notices", []) or [])
    if store is not None:
        store.notices = []
    return notices


def _silence_stdout() -> None:
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
