"""Issue 11, items 7 and 8, end to end: the installed trackerctl against `sandbox serve`, on a real
pseudo-terminal where a person would type (the terminal is the process's controlling terminal, as
in a shell, so the password prompt turns echo off on it), and through pipes where a script runs it.
The two-factor account of the sandbox: 2fa@example.com / demo, code 123456."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import termios
import time

import pytest

from tests.e2e.conftest import TRACKERCTL, cli
from trackerctl.sandbox.app import Sandbox

pytestmark = pytest.mark.e2e
WAIT = 30.0


class OnATerminal:
    """trackerctl ARGS with a pseudo-terminal for stdin, stdout and stderr (pty.fork: its
    controlling terminal). `expect` waits for text to appear, `type` sends a line as Enter does."""

    def __init__(self, env: dict[str, str], *args: str) -> None:
        pid, fd = pty.fork()
        if pid == 0:  # the child: nothing but exec
            try:
                os.execvpe(TRACKERCTL[0], [*TRACKERCTL, *args], env)
            finally:
                os._exit(127)
        self.pid, self.fd, self.seen = pid, fd, b""

    def _read(self, deadline: float) -> bool:
        """Add what the terminal shows to `seen`; False once the child closed it."""
        ready, _, _ = select.select([self.fd], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            return True
        try:
            chunk = os.read(self.fd, 4096)
        except OSError:  # EIO: the child is gone
            return False
        self.seen += chunk
        return bool(chunk)

    def expect(self, text: bytes) -> None:
        deadline = time.monotonic() + WAIT
        while text not in self.seen:
            if time.monotonic() > deadline or not self._read(deadline):
                pytest.fail(f"{text!r} never came: {self.seen[-2000:]!r}")

    def echoing(self) -> bool:
        """Whether the terminal echoes what is typed (a pty's master shows its slave's settings)."""
        return bool(termios.tcgetattr(self.fd)[3] & termios.ECHO)

    def type(self, line: str) -> None:
        os.write(self.fd, line.encode() + b"\r")  # Enter sends CR; the terminal makes it NL

    def finish(self) -> int:
        deadline = time.monotonic() + WAIT
        while self._read(deadline):
            if time.monotonic() > deadline:
                os.kill(self.pid, 9)
                pytest.fail(f"still running: {self.seen[-2000:]!r}")
        os.close(self.fd)
        _, status = os.waitpid(self.pid, 0)
        return os.waitstatus_to_exitcode(status)


@pytest.fixture
def env(home, server):
    return {**home, "TRACKERCTL_API_URL": server.url}


def two_factor_login(env) -> OnATerminal:
    term = OnATerminal(env, "auth", "login", "--login", "2fa@example.com")
    term.expect(b"Password: ")
    # off before the prompt shows: a password typed at once is neither echoed nor thrown away by
    # getpass's TCSAFLUSH (an expect script, or test_docs_examples_e2e's, answers at once)
    assert not term.echoing()
    term.type("demo")
    term.expect(b"Two-factor code (sent by email): ")
    return term


def test_a_wrong_code_is_asked_again_on_a_terminal(env):
    term = two_factor_login(env)
    term.type("000000")
    term.expect(b"error 282: Wrong authentication code; two-factor code (try 2 of 3): ")
    term.type("123456")
    assert term.finish() == 0, term.seen
    assert b"logged in to the user API as 2fa@example.com" in term.seen
    assert b"demo" not in term.seen  # the password was not echoed
    assert cli(env, "tracker", "list", "-o", "json").returncode == 0


def test_three_wrong_codes_on_a_terminal_are_exit_3(env):
    term = two_factor_login({**env, "NO_COLOR": "1"})
    for attempt, code in ((2, "000000"), (3, "111111")):
        term.type(code)
        term.expect(f"(try {attempt} of 3): ".encode())
    term.type("222222")
    assert term.finish() == 3
    shown = term.seen.decode()
    assert "Traceback" not in shown and "try 4" not in shown
    last = shown.rstrip("\r\n").split("\r\n")[-2:]
    assert last == ["error: two-factor code refused 3 times (error 282: Wrong authentication code): not logged in",
                    "run `trackerctl --profile default auth login` again, with the latest code sent by email"], shown
    assert cli(env, "auth", "token").returncode == 3  # nothing stored


def test_with_stdin_not_a_terminal_a_two_factor_login_is_exit_3_and_asks_nothing(env):
    """stderr is a terminal, stdin a pipe (the password): nobody can type a code."""
    master, slave = os.openpty()
    proc = subprocess.run([*TRACKERCTL, "auth", "login", "--login", "2fa@example.com", "--password-stdin"],
                          env=env, input=b"demo\n123456\n", stdout=subprocess.PIPE, stderr=slave, timeout=60)
    os.close(slave)
    shown = b""
    while select.select([master], [], [], 0)[0]:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    os.close(master)
    assert proc.returncode == 3 and proc.stdout == b""
    assert b"needs a two-factor code (email), and there is no terminal to ask for it" in shown
    assert b"Two-factor code" not in shown and b"Traceback" not in shown


def test_logging_in_again_names_the_account(env):
    def login(*extra: str, who: str = "demo@example.com") -> subprocess.CompletedProcess:
        return cli(env, "auth", "login", "--login", who, "--password-stdin", *extra, input="demo\n")

    assert "already" not in login().stderr
    again = login()
    assert again.returncode == 0
    assert again.stderr.startswith(
        "already logged in to the user API as demo@example.com (profile default); logging in again replaces it\n")
    assert "already" not in login("--panel", who="1000").stderr


def test_a_cron_login_that_fails_says_the_login_failed_not_that_a_session_ended(env):
    cron = {**env, "TRACKERCTL_PANEL_LOGIN": "1000", "TRACKERCTL_PANEL_PASSWORD": "wrong"}
    result = cli(cron, "panel", "tracker", "list", "-o", "json")
    assert result.returncode == 3 and result.stdout == ""
    assert result.stderr == ("error: logging in to the panel API as 1000 failed: error 102: Wrong login or password\n"
                             "check TRACKERCTL_PANEL_PASSWORD, or run `trackerctl --profile default auth login --panel`\n")


def test_a_malformed_login_is_refused_before_the_password_is_asked(env):
    term = OnATerminal(env, "auth", "login", "--panel", "--login", "dealer")
    assert term.finish() == 2
    assert b"invalid --login 'dealer': the panel login is the dealer's numeric id" in term.seen
    assert b"Password" not in term.seen


def test_an_ended_session_names_the_api_and_the_profile(env, server):
    assert cli(env, "profile", "set", "work", "--api-url", server.url).returncode == 0
    bare = {k: v for k, v in env.items() if k != "TRACKERCTL_API_URL"}
    done = cli(bare, "--profile", "work", "auth", "login", "--panel", "--login", "1000", "--password-stdin", input="demo\n")
    assert done.returncode == 0, done.stderr
    Sandbox(server.db).advance_clock(25 * 3600)  # a panel session ends after 24 h
    ended = cli(bare, "--profile", "work", "panel", "tracker", "list", "-o", "table")
    assert ended.returncode == 3 and ended.stdout == ""
    assert ended.stderr == ("error 4: User or API key not found or session ended\n"
                            "the panel session ended: run `trackerctl --profile work auth login --panel`\n")


def test_the_built_in_sandbox_profile_works_without_a_login_and_stays(home):
    status = cli(home, "--profile", "sandbox", "auth", "status", "-o", "json")
    assert status.returncode == 0, status.stderr
    removed = cli(home, "profile", "remove", "sandbox")
    assert removed.returncode == 2 and removed.stderr.startswith("error: 'sandbox' is a built-in profile and cannot be removed\n")
    assert '"name": "sandbox"' in cli(home, "profile", "list", "-o", "json").stdout
    typo = cli(home, "--profile", "sandbx", "tracker", "list")
    assert typo.returncode == 2 and "did you mean 'sandbox'?" in typo.stderr
