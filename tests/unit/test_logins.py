"""Logins and profiles (issue 11, items 7 and 8; CLI-CONTRACT.md section 11), through the CLI
against the in-process sandbox. Whether a person is at a terminal is a fact the test gives the
context (`Terminal`), never a faked isatty; the real pseudo-terminal is tests/e2e/test_logins_e2e.py.

Sandbox accounts (trackerctl/sandbox/seed.py): demo@example.com / demo, panel 1000 / demo, and
2fa@example.com / demo, whose emailed code is always 123456.
"""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from tests.helpers.environment import context_env
from trackerctl.cli.app import build_cli
from trackerctl.cli.context import AppContext
from trackerctl.output import Terminal
from trackerctl.sandbox.app import Sandbox

TWO_FACTOR = "2fa@example.com"
CODE = "123456"
AT_A_TERMINAL = Terminal(stdin_tty=True, stderr_tty=True, no_color=True)
PIPED = Terminal()


@pytest.fixture
def env(tmp_path):
    return context_env(tmp_path, TRACKERCTL_API_URL="sandbox")


def run(env, *args, input=None, terminal=PIPED):
    return CliRunner().invoke(build_cli(), list(args), obj=AppContext(env=env, terminal=terminal), input=input)


def one_failure(result, code: int) -> str:
    """The exit code, nothing on stdout, no traceback, and the error on one line (a hint may follow)."""
    assert result.exit_code == code, (result.exit_code, result.stderr, result.exception)
    assert result.stdout == "" and "Traceback" not in result.stderr
    # a prompt answered in a CliRunner leaves no echoed newline: what follows it is on its line
    lines = [re.sub(r"^.*\): (?=error)", "", line) for line in result.stderr.splitlines()]
    errors = [line for line in lines if line.startswith("error")]
    assert len(errors) == 1, result.stderr
    assert lines.index(errors[0]) >= len(lines) - 2, "the error (and its hint) end stderr"
    return "\n".join(lines) + "\n"


def login(env, who="demo@example.com", password="demo", *extra, terminal=PIPED):
    args = ["auth", "login", "--login", who, "--password-stdin", *extra]
    return run(env, *args, input=password + "\n", terminal=terminal)


def panel_login(env, *extra):
    return run(env, "auth", "login", "--panel", "--login", "1000", "--password-stdin", *extra, input="demo\n")


def sandbox(env) -> Sandbox:
    return Sandbox(env["TRACKERCTL_SANDBOX_DB"])


# ---- item 7: two-factor codes ----------------------------------------------------------------------
def test_a_wrong_two_factor_code_is_asked_again_on_a_terminal(env):
    result = run(env, "auth", "login", "--login", TWO_FACTOR, "--password-stdin",
                 input=f"demo\n000000\n{CODE}\n", terminal=AT_A_TERMINAL)
    assert result.exit_code == 0, result.stderr
    assert result.stderr.count("wo-factor code") == 2
    assert "error 282: Wrong authentication code; two-factor code (try 2 of 3): " in result.stderr
    assert f"logged in to the user API as {TWO_FACTOR}" in result.stderr
    assert run(env, "tracker", "list", "-o", "json").exit_code == 0
    assert json.loads(run(env, "auth", "status", "-o", "json").stdout)["list"][0]["user"]["login"] == TWO_FACTOR


def test_three_wrong_codes_are_exit_3_and_store_nothing(env):
    result = run(env, "auth", "login", "--login", TWO_FACTOR, "--password-stdin",
                 input="demo\n000000\n111111\n222222\n" + CODE + "\n", terminal=AT_A_TERMINAL)
    stderr = one_failure(result, 3)
    assert "two-factor code refused 3 times (error 282: Wrong authentication code): not logged in" in stderr
    assert "try 3 of 3" in result.stderr and "try 4" not in result.stderr
    assert "demo\n" not in result.stderr and CODE not in result.stderr
    assert run(env, "auth", "token").exit_code == 3  # nothing stored


def test_an_empty_code_counts_as_a_try_and_the_end_of_input_ends_the_login(env):
    empty = run(env, "auth", "login", "--login", TWO_FACTOR, "--password-stdin",
                input=f"demo\n\n{CODE}\n", terminal=AT_A_TERMINAL)
    assert empty.exit_code == 0 and "nothing entered; two-factor code (try 2 of 3)" in empty.stderr
    ended = run(env, "auth", "login", "--login", TWO_FACTOR, "--password-stdin", input="demo\n000000\n", terminal=AT_A_TERMINAL)
    assert "no two-factor code entered: not logged in" in one_failure(ended, 3)


@pytest.mark.parametrize("terminal", [PIPED, Terminal(stderr_tty=True, no_color=True), Terminal(stdin_tty=True)],
                         ids=["pipes", "stdin-not-a-terminal", "stderr-not-a-terminal"])
def test_without_a_terminal_a_two_factor_login_is_exit_3_and_asks_nothing(env, terminal):
    result = run(env, "auth", "login", "--login", TWO_FACTOR, "--password-stdin", input=f"demo\n{CODE}\n", terminal=terminal)
    stderr = one_failure(result, 3)
    assert "needs a two-factor code (email), and there is no terminal to ask for it" in stderr
    assert "Two-factor code" not in stderr
    assert run(env, "auth", "token").exit_code == 3


def test_a_renewal_of_a_two_factor_account_never_asks(env):
    result = run({**env, "TRACKERCTL_LOGIN": TWO_FACTOR, "TRACKERCTL_PASSWORD": "demo"}, "tracker", "list",
                 terminal=AT_A_TERMINAL)
    assert "two-factor code" in one_failure(result, 3) and "Two-factor code" not in result.stderr


# ---- item 7: logging in again names the account ------------------------------------------------------
def test_logging_in_again_names_the_account_it_replaces(env):
    first = login(env)
    assert first.exit_code == 0 and "already" not in first.stderr
    again = login(env)
    assert again.exit_code == 0, again.stderr
    assert again.stderr.splitlines()[0] == \
        "already logged in to the user API as demo@example.com (profile default); logging in again replaces it"
    assert "already" not in panel_login(env).stderr  # the panel has its own session
    assert "already logged in to the panel API as 1000 (profile default)" in panel_login(env).stderr


def test_logging_in_again_says_so_before_the_password_is_asked(env):
    assert login(env).exit_code == 0
    result = run(env, "auth", "login", "--login", "demo@example.com", "--password-stdin", terminal=AT_A_TERMINAL, input="\n")
    lines = result.stderr.splitlines()
    assert lines[0].startswith("already logged in to the user API as demo@example.com")
    assert result.exit_code == 2 and "invalid password" in lines[1]  # none given: nothing was sent


def test_an_api_key_stored_again_names_the_account(env):
    key = "0123456789abcdef0123456789abcdef"  # the seed's API key of demo@example.com
    first = run(env, "auth", "login", "--api-key", "--password-stdin", input=key + "\n")
    assert first.exit_code == 0, first.stderr
    assert "API key of demo@example.com stored" in first.stderr
    again = run(env, "auth", "login", "--api-key", "--password-stdin", input=key + "\n")
    assert again.stderr.startswith("already logged in to the user API as demo@example.com (profile default)")


# ---- item 7: a failed login in a renewal is a failed login, not an ended session -------------------------
def test_a_login_from_the_environment_that_fails_with_no_session_stored_says_the_login_failed(env):
    cron = {**env, "TRACKERCTL_PANEL_LOGIN": "1000", "TRACKERCTL_PANEL_PASSWORD": "wrong"}
    stderr = one_failure(run(cron, "panel", "tracker", "list"), 3)
    assert stderr.startswith("error: logging in to the panel API as 1000 failed: error 102: Wrong login or password\n")
    assert "session" not in stderr.splitlines()[0] and "wrong" not in stderr
    assert "check TRACKERCTL_PANEL_PASSWORD, or run `trackerctl --profile default auth login --panel`" in stderr


def test_a_renewal_that_fails_after_the_session_ended_says_both(env):
    assert panel_login(env).exit_code == 0
    sandbox(env).advance_clock(25 * 3600)
    cron = {**env, "TRACKERCTL_PANEL_PASSWORD": "wrong"}  # the login is the profile's, from the first login
    stderr = one_failure(run(cron, "panel", "tracker", "list"), 3)
    assert "the panel session ended and logging in again as 1000 failed: error 102" in stderr


def test_a_kept_password_that_fails_is_named_in_the_hint(env):
    assert panel_login(env, "--remember").exit_code == 0
    from trackerctl.credentials import CredentialStore

    CredentialStore(sandbox_config_dir(env), env={}).set("default", "panel_password", "stale")
    sandbox(env).advance_clock(25 * 3600)
    stderr = one_failure(run(env, "panel", "tracker", "list"), 3)
    assert "check the password kept by `auth login --panel --remember`" in stderr and "stale" not in stderr


def sandbox_config_dir(env):
    from pathlib import Path

    return Path(env["TRACKERCTL_CONFIG"]).parent


# ---- item 7: the login's form is checked before the password is asked ------------------------------------
@pytest.mark.parametrize("argv, fragment", [
    (["--login", "demo"], "invalid --login 'demo': the user API's login is an e-mail address"),
    (["--login", "demo @example.com"], "invalid --login 'demo @example.com'"),
    (["--login", "a@b@c"], "invalid --login 'a@b@c'"),
    (["--login", "1000"], "add --panel"),
    (["--panel", "--login", "demo@example.com"], "invalid --login 'demo@example.com': the panel login is the dealer's numeric id"),
    (["--panel", "--login", "１０００"], "numeric id"),  # full-width digits are not the dealer id
])
def test_a_malformed_login_is_refused_before_the_password_is_asked(env, argv, fragment):
    result = run(env, "auth", "login", *argv, terminal=AT_A_TERMINAL, input="demo\n")
    assert fragment in one_failure(result, 2)
    assert "Password" not in result.stderr


def test_a_malformed_login_from_the_environment_or_the_profile_is_named_by_its_source(env):
    from_env = run({**env, "TRACKERCTL_LOGIN": "demo"}, "auth", "login", terminal=AT_A_TERMINAL, input="demo\n")
    assert "invalid TRACKERCTL_LOGIN 'demo'" in one_failure(from_env, 2) and "Password" not in from_env.stderr
    typed = run(env, "auth", "login", "--panel", terminal=AT_A_TERMINAL, input="admn\ndemo\n")
    assert "invalid login 'admn'" in one_failure(typed, 2) and "Password" not in typed.stderr
    renewal = run({**env, "TRACKERCTL_PANEL_LOGIN": "dealer", "TRACKERCTL_PANEL_PASSWORD": "demo"}, "panel", "tracker", "list")
    assert "invalid TRACKERCTL_PANEL_LOGIN 'dealer'" in one_failure(renewal, 2)


def test_profile_set_checks_the_logins_too(env):
    assert "invalid --login 'demo'" in one_failure(run(env, "profile", "set", "work", "--login", "demo"), 2)
    assert "invalid --panel-login 'x1'" in one_failure(run(env, "profile", "set", "work", "--panel-login", "x1"), 2)
    assert run(env, "profile", "set", "work", "--login", "demo@example.com", "--panel-login", "admin").exit_code == 0


def test_the_valid_forms_still_log_in(env):
    assert login(env).exit_code == 0
    assert panel_login(env).exit_code == 0
    assert login(env, "Demo@Example.com").exit_code == 0  # the platform's logins ignore case


# ---- item 7: the session-ended hint names the API and the profile -----------------------------------------
def test_an_ended_panel_session_names_the_api_and_the_profile(env):
    assert run(env, "profile", "set", "work", "--api-url", "sandbox").exit_code == 0
    assert run(env, "--profile", "work", "auth", "login", "--panel", "--login", "1000", "--password-stdin", input="demo\n").exit_code == 0
    sandbox(env).advance_clock(25 * 3600)
    stderr = one_failure(run(env, "--profile", "work", "panel", "tracker", "list", "-o", "table"), 3)
    assert stderr == ("error 4: User or API key not found or session ended\n"
                      "the panel session ended: run `trackerctl --profile work auth login --panel`\n")


def test_an_ended_user_session_names_the_user_api(env):
    assert login(env).exit_code == 0
    sandbox(env).advance_clock(31 * 24 * 3600)
    stderr = one_failure(run(env, "tracker", "list", "-o", "table"), 3)
    assert stderr.endswith("the user session ended: run `trackerctl --profile default auth login`\n")


def test_an_ended_credential_from_the_environment_says_to_replace_it(env):
    assert panel_login(env).exit_code == 0
    hash_ = run(env, "auth", "token", "--panel").stdout.strip()
    sandbox(env).advance_clock(25 * 3600)
    stderr = one_failure(run({**env, "TRACKERCTL_PANEL_HASH": hash_}, "panel", "tracker", "list", "-o", "table"), 3)
    assert "the panel credential in TRACKERCTL_PANEL_HASH no longer works: replace it" in stderr and hash_ not in stderr


def test_in_json_mode_an_ended_session_is_the_apis_body_alone(env):
    assert panel_login(env).exit_code == 0
    sandbox(env).advance_clock(25 * 3600)
    result = run(env, "panel", "tracker", "list", "-o", "json")
    assert result.exit_code == 3 and json.loads(result.stderr)["status"]["code"] == 4 and len(result.stderr.splitlines()) == 1


# ---- item 8: the built-in sandbox profile ------------------------------------------------------------------
def test_the_sandbox_profile_needs_no_login_and_auth_status_says_it_works(env):
    bare = {k: v for k, v in env.items() if k != "TRACKERCTL_API_URL"}
    result = run(bare, "--profile", "sandbox", "auth", "status", "-o", "json")
    assert result.exit_code == 0, result.stderr
    (row,) = json.loads(result.stdout)["list"]
    assert row["api_url"] == "sandbox"
    assert row["user"] == {"stored": "implicit", "credential": None, "valid": True, "login": "demo@example.com"}
    assert row["panel"]["stored"] == "implicit" and row["panel"]["valid"] is True and row["panel"]["permissions"]
    table = run(bare, "--profile", "sandbox", "auth", "status", "-o", "csv")
    assert table.exit_code == 0 and "sandbox,sandbox,implicit,,true,implicit,,true" in table.stdout


def test_auth_status_in_the_sandbox_checks_what_a_command_would_send(env):
    assert login(env).exit_code == 0
    (row,) = json.loads(run(env, "auth", "status", "-o", "json").stdout)["list"]
    assert row["user"]["stored"] == "file" and row["user"]["valid"] is True
    assert row["panel"]["stored"] == "implicit" and row["panel"]["valid"] is True


def test_auth_status_elsewhere_still_needs_a_stored_credential(env):
    result = run({**env, "TRACKERCTL_API_URL": "http://127.0.0.1:9/v2"}, "auth", "status", "-o", "json")
    assert result.exit_code == 3  # nothing stored, nothing implicit: and nothing sent (port 9 would refuse)
    (row,) = json.loads(result.stdout)["list"]
    assert row["user"]["stored"] is None and row["user"]["valid"] is None


# ---- item 8: built-in profiles cannot be removed -------------------------------------------------------------
def test_the_sandbox_profile_cannot_be_removed(env):
    assert run(env, "--profile", "sandbox", "profile", "set", "sandbox", "--output", "json").exit_code == 0
    stderr = one_failure(run(env, "profile", "remove", "sandbox"), 2)
    assert "'sandbox' is a built-in profile and cannot be removed" in stderr and "no profile named" not in stderr
    listed = json.loads(run(env, "profile", "list", "-o", "json").stdout)["list"]
    assert {"name": "sandbox", "current": False, "api_url": "sandbox", "output": "json"} in listed


def test_removing_the_default_profile_clears_it(env):
    nothing = run(env, "profile", "remove", "default")
    assert nothing.exit_code == 0 and "nothing to remove" in nothing.stderr
    assert run(env, "profile", "set", "default", "--output", "csv").exit_code == 0 and login(env).exit_code == 0
    cleared = run(env, "profile", "remove", "default")
    assert cleared.exit_code == 0 and "profile default cleared" in cleared.stderr
    assert run(env, "auth", "token").exit_code == 3
    assert "default" in [p["name"] for p in json.loads(run(env, "profile", "list", "-o", "json").stdout)["list"]]


# ---- item 8: "did you mean" wherever a profile name is looked up --------------------------------------------
@pytest.mark.parametrize("argv", [
    ["--profile", "wrok", "tracker", "list"],
    ["--profile", "wrok", "auth", "status"],
    ["--profile", "wrok", "auth", "token"],
    ["--profile", "wrok", "auth", "login", "--login", "demo@example.com", "--password-stdin"],
    ["--profile", "wrok", "auth", "logout"],
    ["profile", "use", "wrok"],
    ["profile", "show", "wrok"],
    ["profile", "remove", "wrok"],
])
def test_a_mistyped_profile_name_gets_did_you_mean(env, argv):
    assert run(env, "profile", "set", "work", "--api-url", "sandbox").exit_code == 0
    result = run(env, *argv, input="demo\n")
    stderr = one_failure(result, 2)
    assert stderr == "error: no profile named 'wrok'\ndid you mean 'work'? (`trackerctl profile list` shows them all)\n"


def test_the_environments_profile_and_the_built_in_names_get_did_you_mean_too(env):
    stderr = one_failure(run({**env, "TRACKERCTL_PROFILE": "sandbx"}, "tracker", "list"), 2)
    assert "no profile named 'sandbx'" in stderr and "did you mean 'sandbox'?" in stderr


def test_a_name_near_nothing_keeps_the_usual_advice(env):
    assert run(env, "profile", "show", "zzzz").stderr.endswith("see `trackerctl profile list`\n")
    use = run(env, "profile", "use", "zzzz")
    assert use.exit_code == 2 and "create it with `trackerctl profile set zzzz --api-url ...`" in use.stderr


def test_profile_set_creating_a_near_name_says_which_one_exists(env):
    assert run(env, "profile", "set", "work", "--api-url", "us").exit_code == 0
    created = run(env, "profile", "set", "wrok", "--output", "json")
    assert created.exit_code == 0  # creating a profile is what set does: a notice, not a refusal
    assert "profile wrok created" in created.stderr and "did you mean 'work'?" in created.stderr
    changed = run(env, "profile", "set", "wrok", "--output", "csv")
    assert "did you mean" not in changed.stderr  # it exists now


def test_profile_use_default_is_allowed(env):
    assert run(env, "profile", "set", "work", "--api-url", "us").exit_code == 0
    assert run(env, "profile", "use", "work").exit_code == 0
    assert run(env, "profile", "use", "default").exit_code == 0
    listed = json.loads(run(env, "profile", "list", "-o", "json").stdout)["list"]
    assert [p["name"] for p in listed if p["current"]] == ["default"]
