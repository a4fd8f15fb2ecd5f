"""`trackerctl completion SHELL`: print the completion script for bash, zsh or fish.

The script is generated from the command tree on the spot (`trackerctl.cli.docs.shells`), so it is
always the installed version's and is the same text as `completions/` in the repository. It carries
the command tree itself: TAB never starts Python.
"""

from __future__ import annotations

from typing import Annotated, Literal

import typer

from trackerctl.cli.context import AppContext
from trackerctl.cli.options import with_global_options

app = typer.Typer(name="completion", rich_markup_mode=None, add_completion=False)

Shell = Literal["bash", "zsh", "fish"]


@app.command("completion")
@with_global_options
def completion(
    app_: AppContext,
    shell: Annotated[Shell, typer.Argument(metavar="SHELL", help="bash, zsh or fish.", show_default=False)],
) -> None:
    """Print the shell completion script for bash, zsh or fish.

    Install it once where the shell looks for completions (see the README): bash
    ~/.local/share/bash-completion/completions/trackerctl, zsh a directory of $fpath as _trackerctl,
    fish ~/.config/fish/completions/trackerctl.fish. The script completes commands, options and
    fixed option values by itself; profile names are read from the config file by the shell.

    Example: trackerctl completion bash > ~/.local/share/bash-completion/completions/trackerctl
    """
    from trackerctl.cli.docs.shells import script

    app_.stdout.write(script(shell))
    app_.stdout.flush()


command = typer.main.get_command(app)
