"""Man pages and help texts: current, complete, and rendered by groff and man without a warning."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trackerctl.cli.app import build_cli
from trackerctl.cli.context import AppContext
from trackerctl.cli.docs import man
from trackerctl.cli.docs.tree import walk

REPO = Path(__file__).resolve().parents[2]
MAN = REPO / "man"


@pytest.fixture(scope="module")
def tree():
    return walk()


@pytest.fixture(scope="module")
def generated(tree):
    return man.pages(tree)


def need(program: str) -> str:
    path = shutil.which(program)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"{program} is not installed (.ci/run installs it)")
        pytest.skip(f"{program} is not installed")
    return path


# ---- the files are current -------------------------------------------------------------------------
def test_checked_in_pages_are_current(generated):
    stale = [name for name, text in generated.items()
             if not (MAN / name).is_file() or (MAN / name).read_text(encoding="utf-8") != text]
    extra = sorted({p.name for p in MAN.glob("*")} - set(generated))
    assert not stale and not extra, f"stale: {stale}, not generated: {extra}; run `python -m trackerctl.cli.docs`"


def test_every_command_and_group_has_a_page(tree):
    for node in tree.walk():
        assert (MAN / f"{man.page_name(node.path)}.1").is_file(), node.path
    assert (MAN / "trackerctl-panel-tracker-clone.1").is_file() and (MAN / "trackerctl-panel-tracker.1").is_file()


# ---- they render cleanly ---------------------------------------------------------------------------
def test_groff_renders_every_page_without_a_warning():
    groff = need("groff")
    for page in sorted(MAN.glob("*.1")):
        proc = subprocess.run([groff, "-man", "-ww", "-z", str(page)], capture_output=True, text=True, timeout=30)
        assert proc.returncode == 0 and proc.stderr == "", f"{page.name}: {proc.stderr}"


@pytest.mark.parametrize("name", ["trackerctl.1", "trackerctl-panel-tracker.1", "trackerctl-panel-tracker-clone.1",
                                  "trackerctl-auth-login.1", "trackerctl-panel-tracker-console-connect.1"])
def test_man_renders_pages(name, tmp_path):
    man_ = need("man")
    env = {**os.environ, "MANWIDTH": "80", "MAN_KEEP_FORMATTING": "", "HOME": str(tmp_path)}
    proc = subprocess.run([man_, "--warnings", "-l", str(MAN / name)], capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    text = re.sub(r".\x08", "", proc.stdout)  # overstrike bold and underline
    assert "NAME" in text and "SYNOPSIS" in text and "trackerctl" in text


def test_man_finds_pages_through_manpath(tmp_path):
    man_ = need("man")
    root = tmp_path / "share" / "man"
    (root / "man1").mkdir(parents=True)
    for page in MAN.glob("*.1"):
        (root / "man1" / page.name).write_bytes(page.read_bytes())
    env = {**os.environ, "MANPATH": str(root), "MANWIDTH": "80", "HOME": str(tmp_path)}
    proc = subprocess.run([man_, "trackerctl-panel-tracker-clone"], capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "panel/tracker/clone" in re.sub(r".\x08", "", proc.stdout)


# ---- what they say ---------------------------------------------------------------------------------
def sections(text: str) -> list[str]:
    return [m.strip('"') for m in re.findall(r"^\.SH (.+)$", text, flags=re.M)]


def test_every_api_page_names_its_api_path_and_permission(tree, generated):
    for node in tree.walk():
        if node.action is None:
            continue
        text = generated[f"{man.page_name(node.path)}.1"]
        assert f"POST {node.action.path}" in text, node.path
        if node.action.permission:
            assert man.esc(node.action.permission) in text, node.path


def test_every_command_page_has_the_sections(tree, generated):
    required = ["NAME", "SYNOPSIS", "DESCRIPTION", "EXAMPLES", "ENVIRONMENT", "EXIT STATUS", "FILES", "SEE ALSO"]
    for node in tree.walk():
        text = generated[f"{man.page_name(node.path)}.1"]
        have = sections(text)
        if node.is_group:
            assert {"NAME", "SYNOPSIS", "DESCRIPTION", "COMMANDS", "SEE ALSO"} <= set(have), node.path
            continue
        assert [s for s in have if s in required] == required, (node.path, have)
        if node.action is not None:
            assert "API" in have, node.path
        for opt in node.options:
            if opt.long != "--help":
                assert man.esc(opt.long) in text, (node.path, opt.long)


def test_see_also_points_at_pages_that_exist(generated):
    for name, text in generated.items():
        for ref in re.findall(r"\\fB(trackerctl[^\\]*(?:\\-[^\\]*)*)\\fR\(1\)", text):
            assert ref.replace("\\-", "-") + ".1" in generated, (name, ref)


def test_every_environment_variable_the_code_reads_is_documented():
    documented = {n for names, _ in man.ENVIRONMENT for n in names.split(", ")}
    read = set()
    for path in (REPO / "trackerctl").rglob("*.py"):
        read |= set(re.findall(r"\bTRACKERCTL_[A-Z_]*[A-Z]\b", path.read_text(encoding="utf-8")))
    assert read - documented == set(), "add them to ENVIRONMENT in trackerctl/cli/docs/man.py"


def test_files_section_names_config_credentials_and_sandbox(generated):
    text = generated["trackerctl.1"]
    for path in ("config.toml", "credentials.json", "sandbox.sqlite"):
        assert path in text


# ---- help texts (what the pages are made of) --------------------------------------------------------
def test_every_command_help_has_a_summary_its_api_path_and_an_example(tree, tmp_path):
    """Walks the whole tree and reads each command's real `--help`."""
    env = {"TRACKERCTL_CONFIG": str(tmp_path / "config.toml"), "TRACKERCTL_KEYRING": "file"}
    for node in tree.walk():
        result = CliRunner().invoke(build_cli(), [*node.path, "--help"], obj=AppContext(env=env))
        assert result.exit_code == 0, (node.path, result.output)
        text = " ".join(result.stdout.split())
        assert node.summary and " ".join(node.summary.split()) in text, node.path
        if node.is_group:
            continue
        assert "trackerctl" in node.example and f"Examples:\n  {node.example}\n" in result.stdout, node.path  # one line, as written
        if node.action is not None:
            assert f"API: POST {node.action.path}." in text, node.path


def test_an_installed_wheel_puts_the_pages_where_man_finds_them(tmp_path):
    """`pip install` places man/*.1 under <prefix>/share/man/man1; man(1) maps <prefix>/bin on PATH there."""
    man_program = need("man")
    wheels = tmp_path / "wheels"
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), str(REPO)],
                           capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stderr[-2000:]
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    put = subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "-q", "--no-deps",
                          *map(str, wheels.glob("*.whl"))], capture_output=True, text=True, timeout=300)
    assert put.returncode == 0, put.stderr[-2000:]
    env = {k: v for k, v in os.environ.items() if k != "MANPATH"}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}/usr/bin{os.pathsep}/bin"
    found = subprocess.run([man_program, "-w", "trackerctl", "trackerctl-tracker-list", "trackerctl-completion-install"],
                           env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert found.returncode == 0, found.stderr
    assert found.stdout.split() == [str(venv / "share" / "man" / "man1" / f"{name}.1") for name in
                                    ("trackerctl", "trackerctl-tracker-list", "trackerctl-completion-install")]
