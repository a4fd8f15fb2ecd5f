"""Layer 1: argv in, request out (or a usage error), no network. CliRunner with a private context."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.helpers.environment import context_env
from trackerctl.cli.app import build_cli
from trackerctl.cli.context import AppContext

HASH = "a6aa75587e5c59c32d347da438505fc3"


@pytest.fixture
def env(tmp_path):
    return context_env(tmp_path, TRACKERCTL_HASH=HASH, TRACKERCTL_PANEL_HASH="b" * 32)


def run(env, *args, input=None):
    result = CliRunner().invoke(build_cli(), list(args), obj=AppContext(env=env), input=input)
    return result


def requests(result) -> list[dict]:
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_global_options_before_and_after_the_sub_command(env):
    before = run(env, "--api-url", "us", "--dry-run", "tracker", "read", "7")
    after = run(env, "tracker", "read", "7", "--dry-run", "--api-url", "us")
    assert before.exit_code == after.exit_code == 0, before.stderr + after.stderr
    assert requests(before) == requests(after)
    (req,) = requests(before)
    assert req["url"] == "https://api.us.navixy.com/v2/tracker/read" and req["body"] == {"tracker_id": 7}
    assert req["headers"]["Authorization"] == "NVX a6aa…5fc3"


def test_the_later_level_wins(env):
    result = run(env, "--api-url", "us", "tracker", "read", "7", "--dry-run", "--api-url", "me")
    assert requests(result)[0]["url"].startswith("https://api.me.navixy.com/")


def test_command_tree_mirrors_api_paths(env):
    cases = {
        ("tracker", "tags", "set", "5", "--tag", "1:1", "--tag", "2:2"): ("tracker/tags/set", {"tracker_id": 5, "tag_bindings": [{"tag_id": 1, "ordinal": 1}, {"tag_id": 2, "ordinal": 2}]}),
        ("tracker", "list", "--label", "aa", "--label", "b"): ("tracker/list", {"labels": ["aa", "b"]}),
        ("panel", "tracker", "delete-clone", "9", "--yes"): ("panel/tracker/delete_clone", {"tracker_id": 9}),
        ("panel", "tracker", "register-entry", "9"): ("panel/tracker/register_retry", {"tracker_id": 9}),
        ("panel", "bundle", "read", "0123"): ("panel/tracker/bundle/read", {"imei": "0123"}),
        ("panel", "tracker", "source", "update", "12", "--no-blocked"): ("panel/tracker/source/update", {"tracker_id": 12, "blocked": False}),
        ("panel", "tracker", "list", "--descending", "--order-by", "label"): ("panel/tracker/list", {"order_by": "label", "ascending": False}),
    }
    for argv, (path, body) in cases.items():
        result = run(env, *argv, "--dry-run")
        assert result.exit_code == 0, (argv, result.stderr)
        (req,) = requests(result)
        assert req["url"].endswith("/" + path) and req["body"] == body, argv


@pytest.mark.parametrize("argv,fragment", [
    (("tracker", "read", "abc"), "TRACKER_ID"),
    (("tracker", "read", "0"), "TRACKER_ID"),
    (("tracker", "list", "--label", "x" * 61), "--label"),
    (("tracker", "list", "--label", "a", "--label", "a"), "--label"),
    (("panel", "tracker", "settings", "update", "5", "--label", "a<b", "--deleted"), "--label"),
    (("panel", "tracker", "settings", "update", "5", "--label", "ok"), "--deleted"),
    (("panel", "tracker", "list", "--order-by", "nope"), "--order-by"),
    (("tracker", "read", "5", "-o", "xml"), "xml"),
    (("tracker", "read", "5", "--api-url", "ftp://x"), "ftp://x"),
    (("tracker", "read", "5", "--profile", "bad name"), "bad name"),
    (("tracker", "no-such"), "no-such"),
    (("tracker", "read", "5", "--ca-bundle", "/nonexistent/ca.pem"), "/nonexistent/ca.pem"),
    (("tracker", "read", "5", "--timeout", "-1"), "timeout"),
    (("tracker", "read", "5", "--columns", ","), "--columns"),
])
def test_bad_input_is_exit_2_one_line_and_nothing_sent(env, argv, fragment):
    result = run(env, *argv, "--dry-run")
    assert result.exit_code == 2, result.stderr
    assert result.stdout == "", "nothing is sent: not even a dry-run line"
    assert fragment in result.stderr
    assert "Traceback" not in result.stderr
    assert len([line for line in result.stderr.splitlines() if line.strip()]) <= 2


def test_destructive_without_terminal_needs_yes(env):
    result = run(env, "tracker", "delete", "5")
    assert result.exit_code == 2 and "--yes" in result.stderr and result.stdout == ""
    assert run(env, "tracker", "delete", "5", "--dry-run").exit_code == 0


def test_malformed_config_is_exit_2_and_left_alone(env, tmp_path):
    path = tmp_path / "cfg" / "config.toml"
    path.parent.mkdir()
    path.write_text("[profiles.x\n")
    result = run(env, "tracker", "read", "5", "--dry-run")
    assert result.exit_code == 2 and str(path) in result.stderr
    assert run(env, "profile", "set", "x", "--api-url", "us").exit_code == 2
    assert path.read_text() == "[profiles.x\n"


def test_profiles(env):
    assert run(env, "profile", "set", "work", "--api-url", "us", "--output", "json").exit_code == 0
    assert run(env, "profile", "use", "work").exit_code == 0
    result = run(env, "tracker", "read", "5", "--dry-run")
    assert requests(result)[0]["url"].startswith("https://api.us.navixy.com/")
    listed = json.loads(run(env, "profile", "list", "-o", "json").stdout)["list"]
    assert {p["name"]: p["current"] for p in listed}["work"] is True
    assert run(env, "profile", "use", "nope").exit_code == 2
    assert run(env, "profile", "remove", "work").exit_code == 0
    assert "work" not in run(env, "profile", "list", "-o", "json").stdout


def test_env_profile_must_exist(env):
    result = run({**env, "TRACKERCTL_PROFILE": "ghost"}, "tracker", "read", "5", "--dry-run")
    assert result.exit_code == 2 and "ghost" in result.stderr


def test_missing_credential_is_exit_3_and_nothing_sent(env):
    bare = {k: v for k, v in env.items() if "HASH" not in k}
    result = run(bare, "tracker", "read", "5")
    assert result.exit_code == 3 and "auth login" in result.stderr and result.stdout == ""


def test_auth_token_prints_only_the_secret(env):
    result = run(env, "auth", "token")
    assert result.exit_code == 0 and result.stdout == HASH + "\n"


def test_version_and_help(env):
    assert run(env, "--version").stdout == "trackerctl 0.1.0\n"
    help_ = run(env, "panel", "tracker", "clone", "--help")
    assert help_.exit_code == 0
    assert "panel/tracker/clone" in help_.stdout and "Examples:\n  trackerctl panel tracker clone" in help_.stdout
    assert "trackers: create" in help_.stdout


def test_api_raw_call(env):
    result = run(env, "api", "panel/tracker/read", "-F", "tracker_id=5", "--dry-run")
    (req,) = requests(result)
    assert req["url"].endswith("/panel/tracker/read") and req["body"] == {"tracker_id": 5}
    assert req["headers"]["Authorization"].startswith("NVX bbbb")
    assert run(env, "api", "../etc", "--dry-run").exit_code == 2
    assert run(env, "api", "tracker/list", "-F", "x=nojson", "--dry-run").exit_code == 2


def test_malformed_credentials_file_is_exit_2_nothing_sent_nothing_overwritten(env, tmp_path):
    bare = {k: v for k, v in env.items() if "HASH" not in k}
    creds = tmp_path / "cfg" / "credentials.json"
    creds.parent.mkdir(parents=True)
    creds.write_text("{not json")
    creds.chmod(0o600)
    result = run(bare, "--api-url", "sandbox", "auth", "login", "--login", "demo@example.com", "--password-stdin", input="demo\n")
    assert result.exit_code == 2 and str(creds) in result.stderr
    assert creds.read_text() == "{not json"
    assert run(bare, "--api-url", "https://api.example.com/v2", "tracker", "list").exit_code == 2


def test_from_file_plain_lines_csv_and_a_lone_header(env, tmp_path):
    plain = tmp_path / "ids.txt"
    plain.write_text("# clones to drop\n458412\n\n777003\n")
    lone = tmp_path / "lone.csv"
    lone.write_text("tracker_id\n458412\n777003\n")
    table = tmp_path / "ids.csv"
    table.write_text("label,tracker_id\nA,458412\nB,777003\n")
    bodies = []
    for path in (plain, lone, table):
        result = run(env, "panel", "tracker", "batch-delete-clones", "--from-file", str(path), "--dry-run")
        assert result.exit_code == 0, result.stderr
        bodies.append(requests(result)[0]["body"])
    assert bodies == [{"trackers": [458412, 777003]}] * 3
    bad = tmp_path / "bad.csv"
    bad.write_text("label,id\nA,1\n")
    result = run(env, "panel", "tracker", "batch-delete-clones", "--from-file", str(bad), "--dry-run")
    assert result.exit_code == 2 and "tracker_id" in result.stderr and result.stdout == ""


BAD_INPUT = {  # content -> the message, {where}: the JSON's place, {reading}: the file read
    "not-json": (b"{not json", "invalid JSON in {where}: Expecting property name"),
    "not-an-object": (b"[1, 2]", "{where} must hold a JSON object"),
    "not-utf8": (b"\xff\xfe{}", "cannot read {reading}: not UTF-8 text"),
    "missing": (None, "cannot read {reading}: No such file or directory"),
}
INPUT_CASES = [(command, bad) for command in ("api", "send-command") for bad in BAD_INPUT] + [
    ("from-file", "not-utf8"), ("from-file", "missing")]  # --from-file takes ids, not JSON


@pytest.mark.parametrize(("command", "bad"), INPUT_CASES, ids=[f"{c}-{b}" for c, b in INPUT_CASES])
def test_unreadable_input_is_one_usage_line_and_nothing_sent(env, tmp_path, command, bad):
    content, says = BAD_INPUT[bad]
    path = tmp_path / "input"
    if content is not None:
        path.write_bytes(content)
    argv, where = {
        "api": (["api", "tracker/send_command", "--input", str(path)], f"--input {path}"),
        "send-command": (["tracker", "send-command", "5", "--command", f"@{path}"], f"--command file {path}"),
        "from-file": (["panel", "tracker", "batch-delete-clones", "--from-file", str(path), "--yes"], f"--from-file {path}"),
    }[command]
    result = run(env, "--dry-run", *argv)
    assert result.exit_code == 2, result.stderr
    assert result.stdout == ""  # under --dry-run a request would have been printed
    (line, *_) = result.stderr.splitlines()
    assert line.startswith("error: " + says.format(where=where, reading=where)), result.stderr
    assert "Traceback" not in result.stderr


def test_json_from_stdin(env):
    result = run(env, "--dry-run", "api", "tracker/list", "--input", "-", input='{"labels": ["a"]}')
    assert result.exit_code == 0 and requests(result)[0]["body"] == {"labels": ["a"]}
    result = run(env, "--dry-run", "api", "tracker/list", "--input", "-", input="[]")
    assert result.exit_code == 2 and "--input (stdin) must hold a JSON object" in result.stderr


def test_in_process_sandbox_sends_only_credentials_it_issued(env):
    """--api-url sandbox acts as the demo user unless logged in to that sandbox: a stored session it
    never issued (another server's, or an older sandbox's) is not sent (CLI-CONTRACT.md 9)."""
    env = {k: v for k, v in env.items() if k not in ("TRACKERCTL_HASH", "TRACKERCTL_PANEL_HASH")}

    def labels() -> set[str]:
        result = run(env, "--api-url", "sandbox", "-o", "json", "tracker", "list")
        assert result.exit_code == 0, result.stderr
        return {t["label"] for t in json.loads(result.stdout)["list"]}

    demo = labels()
    assert "Truck 01 north" in demo
    login = run(env, "--api-url", "sandbox", "auth", "login", "--login", "other@example.com", "--password-stdin", input="demo\n")
    assert login.exit_code == 0, login.stderr
    other = labels()  # the stored session is this sandbox's: sent, so other@'s trackers
    assert "Other van A" in other and "Truck 01 north" not in other
    assert run(env, "sandbox", "reset").exit_code == 0  # a new database never issued that session
    assert labels() == demo
    stored = json.loads((Path(env["TRACKERCTL_CONFIG"]).parent / "credentials.json").read_text())["profiles"]["default"]["user"]
    explicit = run({**env, "TRACKERCTL_HASH": stored}, "--api-url", "sandbox", "tracker", "list")
    assert explicit.exit_code == 3 and json.loads(explicit.stderr)["status"]["code"] == 4  # the environment's: sent as given


def test_timeout_zero_is_refused_not_ignored(env):
    result = run(env, "--dry-run", "--timeout", "0", "tracker", "read", "5")
    assert result.exit_code == 2 and result.stdout == "" and "invalid timeout" in result.stderr


@pytest.mark.parametrize("kind", ["not-a-database", "under-a-file"])
def test_an_unusable_sandbox_database_is_one_line_not_an_internal_error(env, tmp_path, kind):
    path = tmp_path / "junk.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    env = {**env, "TRACKERCTL_SANDBOX_DB": str(path if kind == "not-a-database" else path / "s.sqlite")}
    result = run(env, "--api-url", "sandbox", "tracker", "list")
    assert result.exit_code == 2 and result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("error: cannot ") and "sandbox database" in line and "internal error" not in line


def test_a_config_that_cannot_be_written_is_one_line_not_an_internal_error(env, monkeypatch):
    def read_only(src, dst):
        raise OSError(30, "Read-only file system", str(dst))

    monkeypatch.setattr("trackerctl.config.os.replace", read_only)
    result = run(env, "profile", "set", "work", "--api-url", "us")
    assert result.exit_code == 1 and result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line == f"error: Read-only file system ({env['TRACKERCTL_CONFIG']})"


def test_ids_beyond_64_bits_are_refused_before_sending_and_by_the_sandbox(env, capfd, tmp_path):
    cli = run(env, "--dry-run", "tracker", "read", "100000000000000000000")
    assert cli.exit_code == 2 and cli.stdout == "" and "TRACKER_ID" in cli.stderr
    raw = run(env, "--dry-run", "api", "tracker/read", "-F", "tracker_id=100000000000000000000")  # contract 10
    assert raw.exit_code == 2 and raw.stdout == ""
    assert raw.stderr.startswith("error: invalid JSON in -F tracker_id: 100000000000000000000 does not fit in 64 bits")
    from trackerctl.sandbox.app import Sandbox  # another client may send one: the sandbox answers 7

    status, body = Sandbox(tmp_path / "s.sqlite", implicit_auth=True).call("tracker/read", {"tracker_id": 10**20})
    assert body["status"]["code"] == 7 and body["errors"][0]["parameter"] == "tracker_id"
    assert "Traceback" not in capfd.readouterr().err


def test_an_unexpected_sandbox_error_in_process_is_the_apis_code_not_a_traceback(env, monkeypatch, capfd):
    def broken(row):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr("trackerctl.sandbox.objects.user_tracker", broken)
    demo = {k: v for k, v in env.items() if not k.endswith("_HASH")}
    result = run({**demo, "TRACKERCTL_MAX_ATTEMPTS": "1"}, "--api-url", "sandbox", "tracker", "read", "123456")
    assert result.exit_code == 5 and json.loads(result.stderr)["status"]["code"] == 6
    assert "Traceback" not in result.stderr + capfd.readouterr().err


def test_profile_remove_of_an_unknown_profile_fails_even_with_a_credential_in_the_environment(env):
    result = run(env, "profile", "remove", "typo")  # env holds TRACKERCTL_HASH, which belongs to no profile
    assert result.exit_code == 2 and "no profile named 'typo'" in result.stderr


def test_a_dry_run_login_checks_the_login_as_the_real_one_does(env):
    bad = run(env, "--dry-run", "auth", "login", "--panel", "--login", "abc", "--password-stdin", input="x\n")
    assert bad.exit_code == 2 and bad.stdout == "" and "numeric" in bad.stderr
    good = run(env, "--dry-run", "auth", "login", "--panel", "--login", "1000", "--password-stdin", input="demo\n")
    (request,) = requests(good)
    assert good.exit_code == 0 and request["body"] == {"login": "1000", "password": "…"}


def test_max_attempts_in_other_digits_is_a_usage_error(tmp_path):
    from typer.testing import CliRunner

    from trackerctl.cli.app import build_cli
    from trackerctl.cli.context import AppContext

    env = {"TRACKERCTL_CONFIG": str(tmp_path / "config.toml"), "TRACKERCTL_MAX_ATTEMPTS": "\u00b2", "TRACKERCTL_HASH": "a" * 32}
    result = CliRunner().invoke(build_cli(), ["--api-url", "sandbox", "tracker", "list"], obj=AppContext(env=env))
    assert result.exit_code == 2 and "TRACKERCTL_MAX_ATTEMPTS" in result.stderr and "internal" not in result.stderr


# ---- --dry-run is a transport (DryRun in api/client.py, chosen in AppContext.client) ----------------
def test_a_dry_run_prints_only_requests_even_where_a_table_or_a_live_view_would_be_drawn(env):
    from trackerctl.output import Terminal

    terminal = Terminal(stdin_tty=True, stdout_tty=True, stderr_tty=True, width=80)
    for argv, lines in ((["tracker", "read", "5"], 1), (["tracker", "delete", "5"], 1),  # no question on a terminal
                        (["panel", "tracker", "list", "--all"], 1), (["tracker", "get-state", "1", "2", "--watch", "1"], 1),
                        (["tracker", "get-states", "1", "2", "3", "--chunk-size", "1", "--concurrency", "3"], 3),
                        (["panel", "tracker", "batch-delete-clones", "1", "2", "3", "--chunk-size", "2"], 2)):
        app = AppContext(env={**env, "TRACKERCTL_API_URL": "us"}, terminal=terminal)
        result = CliRunner().invoke(build_cli(), ["--dry-run", *argv], obj=app)
        assert result.exit_code == 0, (argv, result.stderr)
        assert len(requests(result)) == lines, (argv, result.stdout)  # nothing but the requests, in order
    pages = run({**env, "TRACKERCTL_API_URL": "us"}, "--dry-run", "panel", "tracker", "list", "--all")
    assert requests(pages)[0]["body"] == {"offset": 0, "limit": 1000}
    chunks = run({**env, "TRACKERCTL_API_URL": "us"}, "--dry-run", "tracker", "get-states", *map(str, range(1, 8)),
                 "--chunk-size", "2", "--concurrency", "4")
    assert [r["body"]["trackers"] for r in requests(chunks)] == [[1, 2], [3, 4], [5, 6], [7]]


def test_a_dry_run_login_or_logout_stores_and_forgets_nothing(env, tmp_path):
    bare = {k: v for k, v in env.items() if "HASH" not in k} | {"TRACKERCTL_API_URL": "us"}
    key = run(bare, "--dry-run", "auth", "login", "--api-key", "--password-stdin", input="abc123\n")
    assert key.exit_code == 0 and requests(key)[0]["url"].endswith("/user/get_info") and "abc123" not in key.stdout
    login = run(bare, "--dry-run", "auth", "login", "--login", "demo@example.com", "--password-stdin", input="demo\n")
    assert login.exit_code == 0 and requests(login)[0]["body"] == {"login": "demo@example.com", "password": "…"}
    assert not (tmp_path / "cfg" / "credentials.json").exists()
    stored = run(bare, "--api-url", "sandbox", "auth", "login", "--login", "demo@example.com", "--password-stdin", input="demo\n")
    assert stored.exit_code == 0, stored.stderr
    logout = run(bare, "--dry-run", "--api-url", "sandbox", "auth", "logout")
    assert logout.exit_code == 0 and requests(logout)[0]["url"].endswith("/user/logout")
    assert run(bare, "auth", "token", "--api-url", "sandbox").exit_code == 0  # still stored


def test_terminal_facts_are_read_once_by_the_context():
    import io

    from trackerctl.output import Terminal

    piped = AppContext(env={"NO_COLOR": "0", "COLUMNS": "132"}, stdin=io.StringIO(), stdout=io.StringIO(), stderr=io.StringIO())
    assert piped.terminal == Terminal(width=132, no_color=True)  # NO_COLOR: any non-empty value
    assert piped.output_format == "json" and not piped.interactive()
    given = AppContext(env={}, terminal=Terminal(stdin_tty=True, stdout_tty=True, stderr_tty=True))
    assert given.output_format == "table" and given.interactive() and given.output.terminal is given.terminal


def test_auth_status_under_dry_run_prints_its_first_check_and_sends_nothing(tmp_path):
    from typer.testing import CliRunner

    from trackerctl.cli.app import build_cli
    from trackerctl.cli.context import AppContext

    env = {"TRACKERCTL_CONFIG": str(tmp_path / "config.toml"), "TRACKERCTL_KEYRING": "file", "TRACKERCTL_HASH": "a" * 32}
    result = CliRunner().invoke(build_cli(), ["--api-url", "http://127.0.0.1:9/v2", "--dry-run", "auth", "status"],
                                obj=AppContext(env=env))  # port 9: a request sent would be refused
    assert result.exit_code == 0, result.stderr
    (line,) = result.stdout.splitlines()
    assert json.loads(line)["url"] == "http://127.0.0.1:9/v2/user/get_info" and "cannot connect" not in result.stderr


@pytest.mark.parametrize(("argv", "hint"), [
    (["tracker", "list"], "run `trackerctl --profile default auth login`, or set TRACKERCTL_HASH"),
    (["panel", "tracker", "list"], "run `trackerctl --profile default auth login --panel`, or set TRACKERCTL_PANEL_HASH"),
])
def test_not_logged_in_says_how_to_log_in(env, argv, hint):
    """The client says which API has no credential; the CLI says how to get one (exit 3, nothing sent)."""
    env = {k: v for k, v in env.items() if k not in ("TRACKERCTL_HASH", "TRACKERCTL_PANEL_HASH")}
    result = run(env, "--api-url", "https://api.example.com/v2", *argv)
    assert result.exit_code == 3
    assert f"not logged in to the {argv[0] if argv[0] == 'panel' else 'user'} API" in result.stderr and hint in result.stderr


def test_any_error_after_a_signal_is_the_interrupt(monkeypatch):
    """pydantic-core turns an interrupt that lands in it into a SchemaError with only its text: once a
    signal has arrived, whatever error follows is reported as the interrupt (exit 130), not a bug."""
    import trackerctl.cli as entry

    monkeypatch.setattr(entry, "_signalled", False)
    assert not entry.interrupted_by(ValueError("schema"))
    assert entry.interrupted_by(RuntimeError("wrapped")) is False
    monkeypatch.setattr(entry, "_signalled", True)
    assert entry.interrupted_by(ValueError("Error building schema: KeyboardInterrupt"))
