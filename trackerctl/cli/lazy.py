"""Command groups that build their sub-commands only when a command line reaches them.

Typer builds its whole command tree before parsing anything; with 50 commands that is most of a
`--help`. A LazyGroup knows its children's names and one-line help up front and builds a child
(importing its module, generating its options) only when it is invoked or its own help is shown.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from trackerctl.cli.framework import Command, Context, HelpFormatter, TyperCommand, TyperGroup

Loader = Callable[[], Command]


class LazyGroup(TyperGroup):
    def __init__(self, *, children: dict[str, tuple[Loader, str]], **kwargs: Any) -> None:
        kwargs.setdefault("rich_markup_mode", None)
        super().__init__(**kwargs)
        self.children = children  # name -> (loader, one-line help)
        self._listing = False

    def list_commands(self, ctx: Context) -> list[str]:
        return list(self.children)

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        if cmd_name not in self.children:
            return None
        loader, short_help = self.children[cmd_name]
        if self._listing:  # a help listing needs the name and one line, not the command
            return TyperCommand(name=cmd_name, help=short_help, rich_markup_mode=None)
        command = loader()
        self.commands[cmd_name] = command
        return command

    def format_help(self, ctx: Context, formatter: HelpFormatter) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False

    def resolve_command(self, ctx: Context, args: list[str]) -> tuple[str | None, Command | None, list[str]]:
        # Typer suggests close matches from self.commands, which a lazy group has not filled yet.
        from difflib import get_close_matches

        from trackerctl.cli.framework import UsageError

        try:
            return super()._click_resolve_command(ctx, args)
        except UsageError as e:
            matches = get_close_matches(args[0], list(self.children)) if args else []
            if matches:
                e.message = f"{e.message.rstrip('.')}. Did you mean {', '.join(repr(m) for m in matches)}?"
            raise
