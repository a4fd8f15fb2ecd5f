"""The config and credentials files at the edges (CLI-CONTRACT.md 10): concurrent writers lose
nothing, directories are 0700, an unsafe credentials file is refused, and so is an environment
credential that is not printable ASCII. The lost-update figures are in tests/bench/bench_state.py."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.e2e.conftest import start_server
from tests.helpers.environment import isolated_env
from trackerctl import credentials as credentials_module
from trackerctl.errors import AuthError, TransientError, UsageError
from trackerctl.cli.app import build_cli
from trackerctl.cli.context import AppContext
from trackerctl.config import Config
from trackerctl.credentials import CredentialStore, env_credential
from trackerctl.files import locked, make_private_dir

HASH = "fa7b" + "5e0c" * 6 + "1b06"
WRITERS = 50
WAIT = 300  # seconds for all the writer processes together: a bound against a hang, not a timing
needs_posix = pytest.mark.skipif(os.name != "posix", reason="file modes and owners are POSIX")


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


@pytest.fixture(autouse=True)
def file_store(monkeypatch):
    """No keyring in this process: secrets go to the file."""
    monkeypatch.setenv("TRACKERCTL_KEYRING", "file")
    credentials_module._reset_keyring_state()
    yield
    credentials_module._reset_keyring_state()


@pytest.fixture
def umask_000():
    old = os.umask(0)
    yield
    os.umask(old)


# many writers at once: processes running the real CLI


def cli_env(tmp_path: Path) -> dict[str, str]:
    return isolated_env(tmp_path)


def run_at_once(argvs: list[list[str]], env: dict[str, str], stdin: Path | None = None) -> list[tuple[int, str]]:
    """Start every command before waiting for any; (exit code, stderr) of each. None are left running."""
    procs: list[subprocess.Popen] = []
    try:
        for argv in argvs:
            with open(stdin or os.devnull, "rb") as source:
                procs.append(subprocess.Popen([sys.executable, "-m", "trackerctl", *argv], env=env, stdin=source,
                                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
        results = []
        for proc in procs:
            _, err = proc.communicate(timeout=WAIT)
            results.append((proc.returncode, err.decode(errors="replace")))
        return results
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def test_50_parallel_profile_set_keep_50_profiles(tmp_path):
    results = run_at_once([["profile", "set", f"p{i}", "--api-url", "eu"] for i in range(WRITERS)], cli_env(tmp_path))
    assert [code for code, _ in results] == [0] * WRITERS, [err for code, err in results if code]
    config_dir = tmp_path / "config" / "trackerctl"
    profiles = tomllib.loads((config_dir / "config.toml").read_text())["profiles"]
    assert profiles == {f"p{i}": {"api_url": "eu"} for i in range(WRITERS)}
    assert sorted(p.name for p in config_dir.iterdir()) == ["config.toml", "config.toml.lock"]  # no temporary left


def test_50_parallel_logins_on_50_profiles_keep_50_sessions(tmp_path):
    env = cli_env(tmp_path)
    config_dir = tmp_path / "config" / "trackerctl"
    make_private_dir(config_dir)
    (config_dir / "config.toml").write_text("".join(f'[profiles.p{i}]\napi_url = "sandbox"\n\n' for i in range(WRITERS)))
    seeded = subprocess.run([sys.executable, "-m", "trackerctl", "--api-url", "sandbox", "-o", "json", "tracker", "list"],
                            env=env, capture_output=True, timeout=WAIT)  # the sandbox database, created once
    assert seeded.returncode == 0, seeded.stderr
    password = tmp_path / "password"
    password.write_text("demo\n")

    # The logins go to one `sandbox serve` over HTTP (--api-url, which the profiles do not keep), so
    # that each process does not also load the sandbox: the writers of the files are what is tested.
    server = start_server(env, tmp_path / "served.sqlite")
    try:
        argvs = [["--profile", f"p{i}", "--api-url", server.url, "auth", "login", "--login", "demo@example.com",
                  "--password-stdin"] for i in range(WRITERS)]
        results = run_at_once(argvs, env, stdin=password)
    finally:
        server.stop()

    assert [code for code, _ in results] == [0] * WRITERS, [err for code, err in results if code]
    sessions = json.loads((config_dir / "credentials.json").read_text())["profiles"]
    assert sorted(sessions) == sorted(f"p{i}" for i in range(WRITERS))
    assert all(len(s["user"]) >= 32 for s in sessions.values())
    assert mode_of(config_dir / "credentials.json") == 0o600 or os.name != "posix"
    profiles = tomllib.loads((config_dir / "config.toml").read_text())["profiles"]  # login keeps the login name
    assert profiles == {f"p{i}": {"api_url": "sandbox", "login": "demo@example.com"} for i in range(WRITERS)}
    leftovers = {p.name for p in config_dir.iterdir()} - {"config.toml", "credentials.json", "config.toml.lock", "credentials.json.lock"}
    assert not leftovers


# the lock, in-process with threads


def in_threads(count: int, work) -> None:
    """Run work(i) in `count` threads released together; re-raise the first failure."""
    start = threading.Barrier(count)
    errors: list[BaseException] = []

    def body(i: int) -> None:
        try:
            start.wait(WAIT)
            work(i)
        except BaseException as e:  # noqa: BLE001 - handed to the test's thread
            errors.append(e)

    threads = [threading.Thread(target=body, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(WAIT)
    assert not any(t.is_alive() for t in threads), "a thread is stuck"
    if errors:
        raise errors[0]


def test_the_lock_admits_one_holder_at_a_time(tmp_path):
    path = tmp_path / "counter"
    path.write_text("0")
    inside, most = [0], [0]
    guard = threading.Lock()

    def work(_: int) -> None:
        for _ in range(20):
            with locked(path):
                with guard:
                    inside[0] += 1
                    most[0] = max(most[0], inside[0])
                value = int(path.read_text())
                path.write_text(str(value + 1))
                with guard:
                    inside[0] -= 1

    in_threads(16, work)
    assert most[0] == 1
    assert path.read_text() == str(16 * 20)


@needs_posix
def test_the_lock_file_is_0600_beside_the_file(tmp_path, umask_000):
    with locked(tmp_path / "config.toml"):
        pass
    assert mode_of(tmp_path / "config.toml.lock") == 0o600
    assert not (tmp_path / "config.toml").exists()


def test_a_lock_held_too_long_is_one_line_of_exit_5(tmp_path):
    path = tmp_path / "config.toml"
    failures: list[TransientError] = []

    def wait_briefly() -> None:
        try:
            with locked(path, timeout=0.2):
                pass
        except TransientError as e:
            failures.append(e)

    with locked(path):
        waiter = threading.Thread(target=wait_briefly)
        waiter.start()
        waiter.join(WAIT)
    assert len(failures) == 1 and failures[0].exit_code == 5
    assert "\n" not in failures[0].message and str(path) in failures[0].message and "another trackerctl" in failures[0].message
    with locked(path, timeout=5):  # released: the next one gets it
        pass


def test_config_updates_from_threads_are_all_kept(tmp_path):
    path = tmp_path / "cfg" / "config.toml"

    def work(i: int) -> None:
        Config.load(path).update(lambda config: config.profiles.__setitem__(f"p{i}", {"api_url": "eu"}))

    in_threads(30, work)
    assert set(Config.load(path).profiles) == {f"p{i}" for i in range(30)}


def test_a_failed_config_change_writes_nothing_and_releases_the_lock(tmp_path):
    path = tmp_path / "config.toml"
    Config(path, None, {"a": {"api_url": "eu"}}).save()
    before = path.read_bytes()

    def refuse(config: Config) -> None:
        config.profiles["b"] = {"api_url": "us"}
        raise UsageError("no")

    config = Config.load(path)
    with pytest.raises(UsageError):
        config.update(refuse)
    assert path.read_bytes() == before
    config.update(lambda c: c.profiles.__setitem__("c", {"api_url": "me"}))
    assert set(Config.load(path).profiles) == {"a", "c"} and set(config.profiles) == {"a", "c"}


def test_an_update_sees_what_another_writer_wrote_since_loading(tmp_path):
    path = tmp_path / "config.toml"
    stale = Config.load(path)  # read before the other process wrote
    Config.load(path).update(lambda c: c.profiles.__setitem__("other", {"api_url": "us"}))
    stale.update(lambda c: c.profiles.__setitem__("mine", {"api_url": "eu"}))
    assert set(Config.load(path).profiles) == {"other", "mine"}


def test_credential_sets_and_deletes_from_threads_lose_nothing(tmp_path):
    config_dir = tmp_path / "cfg"
    CredentialStore(config_dir, env={}).set("keep", "panel", HASH)
    for i in range(15):
        CredentialStore(config_dir, env={}).set(f"old{i}", "user", HASH)

    def work(i: int) -> None:
        store = CredentialStore(config_dir, env={})
        if i < 15:
            store.delete(f"old{i}", "user")
        else:
            store.set(f"new{i}", "user", f"{HASH}{i}")

    in_threads(45, work)
    stored = json.loads((config_dir / "credentials.json").read_text())["profiles"]
    assert stored == {"keep": {"panel": HASH}, **{f"new{i}": {"user": f"{HASH}{i}"} for i in range(15, 45)}}


# directories trackerctl creates are 0700


@needs_posix
def test_config_and_credentials_directories_are_0700_even_at_umask_000(tmp_path, umask_000):
    Config(tmp_path / "a" / "b" / "trackerctl" / "config.toml", None, {"x": {"api_url": "eu"}}).save()
    for made in (tmp_path / "a", tmp_path / "a" / "b", tmp_path / "a" / "b" / "trackerctl"):
        assert mode_of(made) == 0o700, made
    CredentialStore(tmp_path / "c" / "d", env={}).set("default", "user", HASH)
    assert mode_of(tmp_path / "c") == mode_of(tmp_path / "c" / "d") == 0o700
    assert mode_of(tmp_path / "c" / "d" / "credentials.json") == 0o600
    assert mode_of(tmp_path / "a" / "b" / "trackerctl" / "config.toml") == 0o600


@needs_posix
def test_an_existing_directory_keeps_its_mode(tmp_path, umask_000):
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)
    Config(shared / "trackerctl" / "config.toml").save()
    assert mode_of(shared) == 0o755 and mode_of(shared / "trackerctl") == 0o700


@needs_posix
def test_profile_set_makes_0700_directories_at_umask_000(tmp_path, umask_000):
    env = {"XDG_CONFIG_HOME": str(tmp_path / "xdg"), "TRACKERCTL_KEYRING": "file"}
    assert run(env, "profile", "set", "work", "--api-url", "us").exit_code == 0
    assert mode_of(tmp_path / "xdg") == mode_of(tmp_path / "xdg" / "trackerctl") == 0o700


# a credentials file that is not safe to read is refused (exit 3), never followed


def run(env: dict[str, str], *args: str, input: str | None = None):
    return CliRunner().invoke(build_cli(), list(args), obj=AppContext(env=env), input=input)


@pytest.fixture
def config_dir(tmp_path) -> Path:
    path = tmp_path / "cfg"
    make_private_dir(path)
    return path


def stored_file(config_dir: Path, mode: int = 0o600) -> Path:
    path = config_dir / "credentials.json"
    path.write_text(json.dumps({"profiles": {"default": {"user": HASH}}}))
    path.chmod(mode)
    return path


def refusal(store: CredentialStore) -> list[str]:
    """The message of each of get, set and delete, which must all refuse with AuthError."""
    messages = []
    for action in (lambda: store.get("default", "user"), lambda: store.set("default", "user", "new"),
                   lambda: store.delete("default", "user")):
        with pytest.raises(AuthError) as caught:
            action()
        assert caught.value.exit_code == 3
        messages.append(caught.value.message)
    return messages


@needs_posix
def test_a_symlinked_credentials_file_is_refused_and_never_followed(config_dir, tmp_path):
    target = tmp_path / "elsewhere.json"
    target.write_text(json.dumps({"profiles": {"default": {"user": HASH}}}))
    target.chmod(0o600)
    (config_dir / "credentials.json").symlink_to(target)
    path = config_dir / "credentials.json"
    expected = f"credentials file {path} is a symbolic link: remove it and run `trackerctl auth login` again"
    assert refusal(CredentialStore(config_dir, env={})) == [expected] * 3
    assert path.is_symlink() and json.loads(target.read_text()) == {"profiles": {"default": {"user": HASH}}}


@needs_posix
def test_a_dangling_symlink_is_refused_too(config_dir, tmp_path):
    (config_dir / "credentials.json").symlink_to(tmp_path / "missing.json")
    assert "is a symbolic link" in refusal(CredentialStore(config_dir, env={}))[0]
    assert not (tmp_path / "missing.json").exists()  # set did not create the target through the link


@needs_posix
def test_a_credentials_file_of_another_user_is_refused(config_dir, monkeypatch):
    stored_file(config_dir)
    mine = os.getuid()
    monkeypatch.setattr(os, "getuid", lambda: mine + 1)
    (message, *_) = refusal(CredentialStore(config_dir, env={}))
    assert message == (f"credentials file {config_dir / 'credentials.json'} belongs to another user "
                       f"(uid {mine}; you are uid {mine + 1}): remove it and run `trackerctl auth login` again")


@needs_posix
@pytest.mark.skipif(os.name != "posix" or os.geteuid() != 0, reason="chown to another user needs root")
def test_a_credentials_file_chowned_to_nobody_is_refused_even_for_root(config_dir):
    path = stored_file(config_dir)
    os.chown(path, 65534, 65534)
    assert all("belongs to another user (uid 65534; you are uid 0)" in m for m in refusal(CredentialStore(config_dir, env={})))


@needs_posix
@pytest.mark.parametrize("mode, words", [
    (0o644, "readable by others (mode 0644)"),
    (0o640, "readable by its group (mode 0640)"),
    (0o602, "writable by others (mode 0602)"),
    (0o620, "writable by its group (mode 0620)"),
])
def test_a_credentials_file_open_to_others_is_refused_with_the_chmod_fix(config_dir, mode, words):
    path = stored_file(config_dir, mode)
    expected = f"credentials file {path} is {words}: run `chmod 600 {path}`"
    assert refusal(CredentialStore(config_dir, env={})) == [expected] * 3
    assert mode_of(path) == mode  # refused, not silently changed


@needs_posix
def test_a_fifo_in_place_of_the_file_is_refused_without_hanging(config_dir):
    os.mkfifo(config_dir / "credentials.json", 0o600)
    assert "is not a regular file" in refusal(CredentialStore(config_dir, env={}))[0]


@needs_posix
def test_the_cli_refuses_an_unsafe_file_with_one_line_and_exit_3_sending_nothing(tmp_path):
    config_dir = tmp_path / "cfg"
    make_private_dir(config_dir)
    path = stored_file(config_dir, 0o644)
    env = {"TRACKERCTL_CONFIG": str(config_dir / "config.toml"), "TRACKERCTL_KEYRING": "file",
           "TRACKERCTL_SANDBOX_DB": str(tmp_path / "sandbox.sqlite")}
    for args in (["--api-url", "http://127.0.0.1:9/v2", "tracker", "list"],  # nothing listens there: exit 5 if sent
                 ["--api-url", "sandbox", "auth", "login", "--login", "demo@example.com", "--password-stdin"]):
        result = run(env, *args, input="demo\n")
        assert result.exit_code == 3, result.stderr
        assert result.stderr == f"error: credentials file {path} is readable by others (mode 0644): run `chmod 600 {path}`\n"
        assert result.stdout == "" and HASH not in result.stderr
    assert not (tmp_path / "sandbox.sqlite").exists()  # the login was never sent to the sandbox


# an environment credential that is not printable ASCII is refused (exit 3), naming the variable


@pytest.mark.parametrize("value, what", [
    ("abc\ndef", "a line break"),
    ("abc\rdef", "a line break"),
    ("abc\tdef", "a tab"),
    ("abc\x7fdef", "a control character"),
    ("abcdéf", "a character that is not ASCII"),
    ("abc def", "a space"),
])
def test_env_credential_refuses_a_hash_that_is_not_a_printable_token(value, what):
    with pytest.raises(AuthError) as caught:
        env_credential({"TRACKERCTL_HASH": value}, "TRACKERCTL_HASH", token=True)
    assert caught.value.exit_code == 3 and caught.value.message.startswith(f"TRACKERCTL_HASH holds {what},")
    assert value not in caught.value.message


def test_env_credential_lets_a_password_hold_spaces_and_ignores_empty_values():
    assert env_credential({"P": "pass word ~!"}, "P") == "pass word ~!"
    assert env_credential({"P": ""}, "P") is None and env_credential({}, "P") is None
    with pytest.raises(AuthError, match="^P holds a line break"):
        env_credential({"P": "password\n"}, "P")


BAD_VALUES = ["abc\ndef", "abc" + "é" * 29, "abc def"]


@pytest.mark.parametrize("value", BAD_VALUES)
@pytest.mark.parametrize("variable, args", [
    ("TRACKERCTL_HASH", ["tracker", "list"]),
    ("TRACKERCTL_PANEL_HASH", ["panel", "tracker", "list"]),
])
def test_a_bad_hash_in_the_environment_is_exit_3_naming_it_and_nothing_is_sent(tmp_path, variable, args, value):
    env = {"TRACKERCTL_CONFIG": str(tmp_path / "config.toml"), "TRACKERCTL_KEYRING": "file", variable: value}
    result = run(env, "--dry-run", "--api-url", "us", *args)
    assert result.exit_code == 3, result.stderr
    assert result.stdout == ""  # --dry-run prints each request it would send: none
    assert result.stderr.startswith(f"error: {variable} holds ") and result.stderr.count("\n") == 1
    assert value not in result.stderr


@pytest.mark.parametrize("variable, value", [
    ("TRACKERCTL_LOGIN", "demo@example.com\n"),
    ("TRACKERCTL_PASSWORD", "démo"),
    ("TRACKERCTL_PASSWORD", "de\nmo"),
    ("TRACKERCTL_PANEL_LOGIN", "10 00\x00"),
    ("TRACKERCTL_PANEL_PASSWORD", "de\tmo"),
])
def test_a_bad_login_or_password_in_the_environment_stops_auth_login(tmp_path, variable, value):
    env = {"TRACKERCTL_CONFIG": str(tmp_path / "config.toml"), "TRACKERCTL_KEYRING": "file",
           "TRACKERCTL_LOGIN": "demo@example.com", "TRACKERCTL_PASSWORD": "demo",
           "TRACKERCTL_PANEL_LOGIN": "1000", "TRACKERCTL_PANEL_PASSWORD": "demo", variable: value}
    panel = ["--panel"] if "PANEL" in variable else []
    result = run(env, "--dry-run", "--api-url", "us", "auth", "login", *panel)
    assert result.exit_code == 3, result.stderr
    assert result.stdout == "" and result.stderr.startswith(f"error: {variable} holds ")
    assert value not in result.stderr


def test_a_password_with_spaces_in_the_environment_is_accepted(tmp_path):
    env = {"TRACKERCTL_CONFIG": str(tmp_path / "config.toml"), "TRACKERCTL_KEYRING": "file",
           "TRACKERCTL_LOGIN": "demo@example.com", "TRACKERCTL_PASSWORD": "a pass phrase"}
    result = run(env, "--dry-run", "--api-url", "us", "auth", "login")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["url"] == "https://api.us.navixy.com/v2/user/auth"


def test_a_bad_password_for_a_renewal_is_exit_3_before_logging_in(tmp_path):
    """No stored session, a login and password in the environment: the command would log in first."""
    env = {"TRACKERCTL_CONFIG": str(tmp_path / "config.toml"), "TRACKERCTL_KEYRING": "file",
           "TRACKERCTL_LOGIN": "demo@example.com", "TRACKERCTL_PASSWORD": "demo\n"}
    result = run(env, "--api-url", "http://127.0.0.1:9/v2", "tracker", "list")  # sending would be exit 5
    assert result.exit_code == 3 and result.stderr.startswith("error: TRACKERCTL_PASSWORD holds a line break"), result.stderr


# start-up


@pytest.mark.parametrize("argv", [["--version"], ["--help"], ["profile", "set", "--help"]])
def test_help_and_version_do_not_import_filelock(argv):
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "trackerctl", *argv],
                          capture_output=True, text=True, timeout=WAIT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "filelock" not in proc.stderr
