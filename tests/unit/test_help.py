"""Help pages (CLI-CONTRACT.md section 11): one layout, printed before Typer is imported or by Typer,
current with the command tree, and laid out as the contract says."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from trackerctl.cli import help as help_
from trackerctl.cli.app import build_cli
from trackerctl.cli.context import AppContext
from trackerctl.cli.docs import pages
from trackerctl.cli.docs.tree import walk


@pytest.fixture(scope="module")
def tree():
    return walk()


def typer_help(path, env) -> str:
    result = CliRunner().invoke(build_cli(), [*path, "--help"], obj=AppContext(env=env))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_checked_in_pages_are_current(tree):
    assert help_.PAGES.read_text(encoding="utf-8") == pages.pages(tree), "run `python -m trackerctl.cli.docs`"


def test_the_entry_point_and_typer_print_the_same_page(tree, tmp_path, monkeypatch):
    """Every command's page: what `main` prints before Typer is imported is what Typer prints."""
    monkeypatch.setenv("COLUMNS", "80")
    env = {"TRACKERCTL_CONFIG": str(tmp_path / "config.toml"), "TRACKERCTL_KEYRING": "file"}
    for node in tree.walk():
        assert help_.help_page([*node.path, "--help"]) == typer_help(node.path, env), node.path


@pytest.mark.parametrize(("argv", "path"), [
    (["-h"], ()),
    (["--profile", "work", "-o", "json", "tracker", "read", "--help"], ("tracker", "read")),
    (["--profile=work", "tracker", "read", "123456", "-h"], ("tracker", "read")),
    (["tracker", "list", "--label", "x", "--help", "--label", "y"], ("tracker", "list")),
    (["panel", "bundle", "import", "--no-factory-preset", "-h"], ("panel", "bundle", "import")),
    (["panel", "tracker"], None),  # no help asked: Typer's (a group with no command prints its page too)
    (["tracker", "list", "--label", "--help"], None),  # --help is --label's value here, as Click reads it
    (["tracker", "read", "--", "--help"], None),  # an argument after --
    (["tracker", "nosuch", "--help"], None),  # Typer says "No such command"
    (["tracker", "read", "--nosuch", "--help"], None),
    (["--version", "--help"], None),
    (["--dry-run=yes", "--help"], None),  # a flag given a value: Typer's usage error
])
def test_the_walk_finds_the_page_asked_for(argv, path):
    page = help_.help_page(argv)
    assert page == (None if path is None else help_.page_for(path))


def test_layout_own_options_first_then_globals_then_examples():
    page = help_.page_for(("panel", "bundle", "import"), width=78)
    assert page.startswith("Usage: trackerctl panel bundle import [OPTIONS] [IMEI...]\n")
    heads = [line for line in page.splitlines() if line and not line.startswith(" ")][1:]
    assert heads == ["Arguments:", "Options:", "Global options:", "Examples:"]
    options, globals_ = page.split("Options:\n")[1].split("Global options:\n")
    assert "--equip-id INTEGER" in options and "--profile" not in options and "--profile NAME" in globals_
    assert re.search(r"--equip-id INTEGER +ID of the equipment\.  \[required\]", options)
    assert re.search(r"--factory-preset / --no-factory-preset\n +Whether .*\n? *.*\[required\]", options)
    assert "--concurrency N" in options and "[default: 4]" in options
    # one tracker or many (CLI-CONTRACT.md section 13), or none given as arguments: --from-file, --where
    assert help_.page_for(("tracker", "read"), width=78).startswith("Usage: trackerctl tracker read [OPTIONS] [TRACKER_ID...]\n")
    assert "Usage: trackerctl tracker register-retry [OPTIONS] [TRACKER_ID...]\n" in help_.page_for(("tracker", "register-retry"))


def test_no_page_shows_braces_python_types_or_optional(tree):
    for node in tree.walk():
        page = help_.page_for(node.path)
        usage = page.splitlines()[0]
        assert "{" not in usage and "}" not in usage, node.path
        assert not re.search(r"<(str|int|float|bool)>|list\[(str|int)|\(optional\)", page), node.path


@pytest.mark.parametrize("width", [50, 78, 200])
def test_examples_are_never_rewrapped_and_text_fits(width):
    page = help_.page_for(("tracker", "register"), width=width)
    examples = page.split("Examples:\n")[1].splitlines()
    assert examples[0].startswith("  trackerctl tracker register --label Courier") and examples[0].endswith("| jq .value.id")
    for line in page.split("Examples:\n")[0].splitlines():
        words = line.split()
        assert len(line) <= width or len(words) == 1 or line.lstrip().startswith("-"), line


def test_installed_console_script_prints_the_page(tmp_path):
    """The real entry point, in a real process: the same page, exit 0, nothing on stderr."""
    env = {**os.environ, "COLUMNS": "80", "XDG_CONFIG_HOME": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-m", "trackerctl", "tracker", "get-states", "--help"], capture_output=True,
                          text=True, env=env)
    assert (proc.returncode, proc.stderr) == (0, "")
    assert proc.stdout == help_.page_for(("tracker", "get-states"), width=78)


def test_a_missing_pages_file_leaves_help_to_typer(tmp_path, monkeypatch):
    """A checkout whose help.json is not generated yet still has help: Click's own."""
    monkeypatch.setattr(help_, "PAGES", tmp_path / "absent.json")
    help_._pages.cache_clear()
    try:
        assert help_.help_page(["tracker", "read", "--help"]) is None
        text = typer_help(("tracker", "read"), {"TRACKERCTL_CONFIG": str(tmp_path / "c.toml")})
        assert "Usage: " in text and "tracker read" in text
    finally:
        help_._pages.cache_clear()


def test_pages_say_which_spellings_take_a_value(tree):
    data = json.loads(help_.PAGES.read_text(encoding="utf-8"))
    read = data["pages"]["tracker read"]["takes"]
    assert read["--profile"] is True and read["-o"] is True and read["--dry-run"] is False and read["-h"] is False


def test_a_reader_that_went_away_is_no_error():
    """`trackerctl --help | true`: the page meets a closed pipe; exit 0 and nothing on stderr."""
    read, write = os.pipe()
    os.close(read)
    try:
        proc = subprocess.run([sys.executable, "-m", "trackerctl", "--help"], stdout=write, stderr=subprocess.PIPE, text=True)
    finally:
        os.close(write)
    assert (proc.returncode, proc.stderr) == (0, "")


def test_sandbox_help_and_the_readme_list_every_demo_account():
    """CLI-CONTRACT.md section 11: user, panel, two-factor (and its code), the sub-user without
    rights, the panel account without bundle rights; from the seed, so they cannot drift."""
    from pathlib import Path

    from trackerctl.sandbox.seed import SEED

    wanted = [v for k, v in SEED.items() if k.startswith(("login_", "panel_login")) and "foreign" not in k]
    wanted += [SEED["two_factor_code"], SEED["password"]]
    page = " ".join(help_.page_for(("sandbox",)).split())
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    for value in wanted:
        assert value in page, value
        assert f"`{value}`" in readme, value


@pytest.mark.parametrize(("path", "absent", "present"), [
    (("sandbox", "serve"), ["--columns", "--dry-run", "--yes", "--jq", "--profile", "--api-url", "-o"], ["-v", "-q", "--no-color"]),
    (("completion", "bash"), ["--columns", "--dry-run", "--api-url"], ["--quiet"]),
    (("profile", "list"), ["--dry-run", "--yes", "--timeout"], ["--columns", "--jq", "--profile"]),
    (("auth", "login"), ["--columns", "--yes"], ["--dry-run", "--api-url", "--timeout"]),
    (("tracker", "read"), [], ["--columns", "--dry-run", "--yes", "--jq", "--timeout"]),
])
def test_a_command_offers_only_the_global_options_it_reads(path, absent, present, tmp_path):
    takes = json.loads(help_.PAGES.read_text(encoding="utf-8"))["pages"][" ".join(path)]["takes"]
    assert not [o for o in absent if o in takes] and all(o in takes for o in present)
    if absent:  # not offered: refused where the command's own options are read (at the root, all are accepted)
        result = CliRunner().invoke(build_cli(), [*path, absent[0], "x"], obj=AppContext(env={"TRACKERCTL_CONFIG": str(tmp_path / "c.toml")}))
        assert result.exit_code == 2 and "No such option" in result.stderr
