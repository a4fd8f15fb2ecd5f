"""`trackerctl completion bash|zsh|fish` prints the completion script; `completion install` puts it
where the shell loads it from.

The script is generated from the command tree on the spot (`trackerctl.cli.docs.shells`), so it is
always the installed version's and is the same text as `completions/` in the repository. It carries
the command tree itself: TAB never starts Python.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal, get_args

import typer

from trackerctl.cli.context import AppContext
from trackerctl.cli.options import DISPLAY, with_global_options
from trackerctl.errors import UsageError

app = typer.Typer(name="completion", rich_markup_mode=None, add_completion=False, no_args_is_help=True,
                  help="Print the shell completion script for bash, zsh or fish, or install it.")

Shell = Literal["bash", "zsh", "fish"]


def _printer(shell: str) -> None:
    def print_script(app_: AppContext) -> None:
        from trackerctl.cli.docs.shells import script

        app_.stdout.write(script(shell))
        app_.stdout.flush()

    loads = {"bash": "bash-completion", "zsh": "compinit, from a directory of $fpath as _trackerctl",
             "fish": "fish, from ~/.config/fish/completions"}[shell]
    print_script.__doc__ = f"""Print the {shell} completion script.

    `trackerctl completion install {shell}` writes it where {loads} loads it. The script completes
    commands, options and fixed option values by itself; profile names are read from the config file
    by the shell.

    Example: {_example(shell)}
    """
    app.command(shell)(with_global_options(print_script, uses=DISPLAY))


def _example(shell: str) -> str:
    if shell == "bash":
        return "source <(trackerctl completion bash)  # this shell only; `completion install bash` for every new one"
    target = {"zsh": "~/.local/share/zsh/site-functions/_trackerctl", "fish": "~/.config/fish/completions/trackerctl.fish"}[shell]
    return f"mkdir -p {target.rsplit('/', 1)[0]} && trackerctl completion {shell} > {target}"


for _shell in get_args(Shell):
    _printer(_shell)


@app.command("install")
@with_global_options(uses=DISPLAY)
def install(
    app_: AppContext,
    shell: Annotated[Shell | None, typer.Argument(metavar="SHELL", help="bash, zsh or fish (default: the one $SHELL names).",
                                                  show_default=False)] = None,
) -> None:
    """Write the completion script where the shell loads it from, and say where.

    bash: $BASH_COMPLETION_USER_DIR/completions (default ~/.local/share/bash-completion/completions),
    loaded by bash-completion on the first TAB. fish: ~/.config/fish/completions, loaded by fish.
    zsh: ~/.local/share/zsh/site-functions/_trackerctl, loaded by compinit once that directory is in
    $fpath (the line to add to ~/.zshrc is printed when it is not). Prints the file written.

    Example: trackerctl completion install bash
    """
    from trackerctl.cli.docs.shells import script
    from trackerctl.files import make_private_dir, write_private

    env = app_.env
    if shell is None:
        shell = Path(env.get("SHELL", "")).name  # type: ignore[assignment]
        if shell not in get_args(Shell):
            raise UsageError(f"cannot tell the shell from SHELL={env.get('SHELL', '')!r}: give bash, zsh or fish")
    target = install_path(shell, env)
    make_private_dir(target.parent)
    write_private(target, script(shell))
    app_.stdout.write(f"{target}\n")
    note = f"installed the {shell} completion in {target}: new shells complete trackerctl"
    if shell == "zsh" and str(target.parent) not in env.get("FPATH", "").split(":"):
        note += f"; if it does not, add `fpath=({target.parent} $fpath)` before compinit in ~/.zshrc"
    app_.output.notice(note)


def install_path(shell: str, env: os._Environ[str] | dict[str, str]) -> Path:
    """Where `shell` loads trackerctl's completion from, by its own conventions and the XDG variables."""
    home = Path(env.get("HOME") or Path.home())
    data = Path(env.get("XDG_DATA_HOME") or home / ".local" / "share")
    if shell == "bash":
        return Path(env.get("BASH_COMPLETION_USER_DIR") or data / "bash-completion") / "completions" / "trackerctl"
    if shell == "zsh":
        return data / "zsh" / "site-functions" / "_trackerctl"
    config = Path(env.get("XDG_CONFIG_HOME") or home / ".config")
    return config / "fish" / "completions" / "trackerctl.fish"


command = typer.main.get_command(app)
