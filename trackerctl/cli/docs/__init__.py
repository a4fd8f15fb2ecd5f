"""Generated documentation: help pages, shell completion scripts and man pages (STYLE.md, example 9).

Both are made from the real command tree (`tree.walk`: every command, alias and option as Typer
builds it), so they cannot say anything the CLI does not do. `python -m trackerctl.cli.docs`
rewrites `completions/` and `man/` in the repository; `tests/unit/test_completion.py` and
`tests/unit/test_man.py` fail when the checked-in files differ from freshly generated ones.

    tree.py     the command tree as plain data: nodes, options, arguments, value completers
    pages.py    every --help page as data (trackerctl/cli/help.json), laid out by trackerctl.cli.help
    shells.py   bash, zsh and fish completion scripts
    man.py      one roff page per command and group, and trackerctl(1)
"""


def generate() -> dict[str, str]:
    """Every generated file, by its path in the repository: trackerctl/cli/help.json, completions/* and man/*.1."""
    from trackerctl.cli.docs import man, pages, shells
    from trackerctl.cli.docs.tree import walk

    root = walk()
    files = {"trackerctl/cli/help.json": pages.pages(root)}
    files.update({f"completions/{name}": text for name, text in shells.scripts(root).items()})
    files.update({f"man/{name}": text for name, text in man.pages(root).items()})
    return files
