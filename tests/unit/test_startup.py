"""Start-up stays cheap: what each fast path must not import (the benchmark in tests/bench times it)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def imported(*argv: str) -> set[str]:
    """Top-level packages imported by `python -m trackerctl ARGV` (from -X importtime)."""
    return {name.split(".")[0] for name in modules(*argv)}


def modules(*argv: str) -> set[str]:
    """Every module imported by `python -m trackerctl ARGV`, by its full name (from -X importtime)."""
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "trackerctl", *argv], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    names = set()
    for line in proc.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip())
    return names


# Modules of trackerctl that only a run that writes (or `history`) needs.
WRITE_PATH = {"trackerctl.audit"}


def test_version_imports_nothing_heavy():
    mods = modules("--version")
    assert not {m.split(".")[0] for m in mods} & {"typer", "rich", "httpx", "pydantic", "keyring", "jq", "websockets"}
    assert not mods & WRITE_PATH


@pytest.mark.parametrize("argv", [["--help"], ["tracker", "read", "--help"], ["panel", "tracker", "list", "--help"], ["auth", "login", "--help"],
                                  ["panel", "tracker", "console", "open", "--help"], ["history", "--help"],
                                  ["panel", "tracker", "settings", "update", "--help"]])
def test_help_needs_no_typer_pydantic_httpx_keyring_or_rich(argv):
    """Help pages come from trackerctl/cli/help.json (trackerctl.cli.help), before Typer is imported."""
    heavy = {"typer", "pydantic", "httpx", "keyring", "rich", "jq", "websockets"}
    mods = modules(*argv)
    assert not {m.split(".")[0] for m in mods} & heavy, {m.split(".")[0] for m in mods} & heavy
    assert not mods & WRITE_PATH, mods & WRITE_PATH


def test_completion_does_not_load_the_audit_log_and_a_write_does(monkeypatch, tmp_path):
    monkeypatch.setenv("TRACKERCTL_SANDBOX_DB", str(tmp_path / "s.sqlite"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("TRACKERCTL_KEYRING", "file")
    assert not modules("completion", "bash") & WRITE_PATH
    assert "trackerctl.audit" in modules("--api-url", "sandbox", "-o", "json", "panel", "tracker", "settings", "update", "999119",
                                         "--label", "x", "--no-deleted")


def test_a_read_does_not_load_the_audit_log(monkeypatch, tmp_path):
    """The client's audit is `AppContext.audit_write`, which builds the log on the first write."""
    monkeypatch.setenv("TRACKERCTL_SANDBOX_DB", str(tmp_path / "s.sqlite"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("TRACKERCTL_KEYRING", "file")
    loaded = modules("--api-url", "sandbox", "-o", "json", "tracker", "list")
    assert not loaded & WRITE_PATH
    assert not (tmp_path / "state" / "trackerctl" / "audit.jsonl").exists()
    assert not loaded & {"http", "http.client", "email.parser"}, "the in-process sandbox answers without http.client"


def test_dry_run_needs_no_keyring_when_the_credential_is_in_the_environment(monkeypatch):
    monkeypatch.setenv("TRACKERCTL_HASH", "a" * 32)
    assert "keyring" not in imported("tracker", "read", "5", "--dry-run")


def test_requests_need_no_httpx_without_a_proxy(monkeypatch, tmp_path):
    """The http.client pool sends (trackerctl/api/connection.py); httpx is for proxies only."""
    for key in [k for k in os.environ if k.lower() in ("http_proxy", "https_proxy", "all_proxy")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("TRACKERCTL_SANDBOX_DB", str(tmp_path / "s.sqlite"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("TRACKERCTL_KEYRING", "file")
    assert "httpx" not in imported("--api-url", "sandbox", "-o", "json", "tracker", "list")


def test_jq_is_imported_only_for_jq(monkeypatch, tmp_path):
    """The jq bindings load when --jq is given, and on no other path (a plain command, --columns)."""
    monkeypatch.setenv("TRACKERCTL_SANDBOX_DB", str(tmp_path / "s.sqlite"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("TRACKERCTL_KEYRING", "file")
    assert "jq" not in imported("--api-url", "sandbox", "tracker", "list")
    assert "jq" not in imported("--api-url", "sandbox", "tracker", "list", "-o", "csv", "--columns", "id,label")
    assert "jq" in imported("--api-url", "sandbox", "tracker", "list", "--jq", ".list[].id")


def test_websockets_is_imported_only_to_open_a_socket(monkeypatch, tmp_path):
    """The live channels' library (trackerctl/api/channel.py) loads when a console is opened over
    the network, and on no plain command of the panel or its console group."""
    monkeypatch.setenv("TRACKERCTL_SANDBOX_DB", str(tmp_path / "s.sqlite"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("TRACKERCTL_KEYRING", "file")
    assert "websockets" not in imported("--api-url", "sandbox", "panel", "tracker", "list", "-o", "json")
    assert "websockets" not in imported("--api-url", "sandbox", "panel", "tracker", "console", "connect", "134537", "-o", "json")


def test_a_call_that_gives_no_parameter_needs_no_pydantic(monkeypatch):
    """Nothing to validate, no validator to import (trackerctl/api/validate.py); a value brings it."""
    monkeypatch.setenv("TRACKERCTL_HASH", "a" * 32)
    assert "pydantic" not in imported("tracker", "list", "--dry-run")
    assert "pydantic" in imported("tracker", "list", "--label", "x", "--dry-run")


def test_without_the_typer_patch_the_cli_works_only_slower(monkeypatch, tmp_path):
    """trackerctl/cli/framework.py patches Typer's coercion; a Typer where it cannot apply (here:
    TRACKERCTL_TYPER_PATCH=0) gets Typer's own coercion, and every path still works the same."""
    monkeypatch.setenv("TRACKERCTL_SANDBOX_DB", str(tmp_path / "s.sqlite"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("TRACKERCTL_KEYRING", "file")
    runs = {}
    for patch in ("1", "0"):
        monkeypatch.setenv("TRACKERCTL_TYPER_PATCH", patch)
        runs[patch] = [subprocess.run([sys.executable, "-m", "trackerctl", *argv], capture_output=True, text=True)
                       for argv in (["tracker", "--profile"], ["--api-url", "sandbox", "-o", "json", "tracker", "read", "123456"],
                                    ["--api-url", "sandbox", "tracker", "read", "x1"], ["-o", "xml", "tracker", "list"],
                                    ["--api-url", "sandbox", "panel", "tracker", "list", "--limit", "2", "-o", "json", "--order-by", "label"])]
    for with_patch, without in zip(runs["1"], runs["0"]):  # pydantic words a refusal "Value error, ..."
        assert (without.returncode, without.stdout, without.stderr.replace("Value error, ", "")) == (
            with_patch.returncode, with_patch.stdout, with_patch.stderr)
    assert [r.returncode for r in runs["0"]] == [2, 0, 2, 2, 0]
    monkeypatch.setenv("TRACKERCTL_TYPER_PATCH", "1")
    assert "pydantic" not in imported("completion", "bash")
    monkeypatch.setenv("TRACKERCTL_TYPER_PATCH", "0")
    assert "pydantic" in imported("completion", "bash")  # slower: Typer's own coercion is pydantic's


def test_the_patch_stands_aside_when_typers_insides_differ(monkeypatch):
    import typer

    from trackerctl.cli import framework

    monkeypatch.delattr(typer._coercion, "RuntimeParam")
    monkeypatch.setattr(framework, "_installed", None)
    assert framework.install_fast_coercion() is False
