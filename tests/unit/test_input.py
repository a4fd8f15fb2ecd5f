"""Hostile input is refused before anything is sent (CLI-CONTRACT.md sections 2, 7 and 10).

One test per failure class the fuzz test (test_fuzz.py) found: JSON with NaN, Infinity, numbers that
overflow, integers beyond 64 bits or nesting beyond 64 levels; integers written in other digits or
with underscores; text that is not UTF-8 (lone surrogates: undecodable command-line bytes); empty
global options; `api PATH` on destructive actions without confirmation, and on the login paths.
"""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from typer.testing import CliRunner

from trackerctl.errors import UsageError
from trackerctl.api.user_json import MAX_JSON_DEPTH, parse_user_json
from trackerctl.cli.app import build_cli
from trackerctl.cli.context import AppContext
from trackerctl.output import Terminal

DEEP = 100_000


class Recorder:
    """The exchange under the client: records what would be sent, answers success."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, Any]] = []

    def post(self, url: str, headers: Any, body: bytes, timeout: float) -> Any:
        from trackerctl.api.connection import Reply

        self.sent.append((url, json.loads(body)))
        return Reply(200, "OK", {}, b'{"success": true}')

    def close(self) -> None:
        pass


@pytest.fixture
def sent(monkeypatch) -> list[tuple[str, Any]]:
    recorder = Recorder()
    monkeypatch.setattr("trackerctl.api.connection.open_exchange", lambda **kwargs: recorder)
    return recorder.sent


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    return {
        "TRACKERCTL_CONFIG": str(tmp_path / "cfg" / "config.toml"),
        "TRACKERCTL_SANDBOX_DB": str(tmp_path / "sandbox.sqlite"),
        "TRACKERCTL_KEYRING": "file",
        "TRACKERCTL_HASH": "a6aa75587e5c59c32d347da438505fc3",
        "TRACKERCTL_PANEL_HASH": "b" * 32,
    }


def run(env: dict[str, str], *argv: str, input: str | None = None, app: AppContext | None = None) -> Any:
    return CliRunner().invoke(build_cli(), list(argv), obj=app or AppContext(env=env), input=input)


def refused(result: Any, sent: list, says: str) -> None:
    """Exit 2, one line naming the fault, nothing sent, no traceback."""
    assert result.exit_code == 2, (result.exit_code, result.stderr)
    assert sent == [] and result.stdout == ""
    (line, *hint) = result.stderr.splitlines()
    assert says in line, result.stderr
    assert len(hint) <= 1 and "Traceback" not in result.stderr and "internal error" not in result.stderr


# ---- the one parser of user JSON ------------------------------------------------------------------
@pytest.mark.parametrize(("text", "says"), [
    ('{"a": NaN}', "NaN is not a number JSON allows"),
    ('{"a": Infinity}', "Infinity is not a number JSON allows"),
    ("[1, -Infinity]", "-Infinity is not a number JSON allows"),
    ('{"a": 1e999}', "1e999 is too large a number"),
    ("-1e400", "-1e400 is too large a number"),
    ('{"a": 9223372036854775808}', "9223372036854775808 does not fit in 64 bits"),
    ("-9223372036854775809", "-9223372036854775809 does not fit in 64 bits"),
    ("9" * 5000, "(5000 digits) does not fit in 64 bits"),
    ("[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1), "nests deeper than 64 levels"),
    ('{"a": ' * (MAX_JSON_DEPTH + 1) + "1" + "}" * (MAX_JSON_DEPTH + 1), "nests deeper than 64 levels"),
    ("[" * DEEP + "]" * DEEP, "nests deeper than 64 levels"),  # json.loads itself gives up here
    ('{"a": ' + "[" * DEEP, "nests deeper than 64 levels"),  # unterminated, too
    ('{"a": "\\udcff"}', "\\udcff is not text"),
    ('{"\\ud800": 1}', "\\ud800 is not text"),
    ("{nope", "Expecting property name"),
])
def test_user_json_is_refused_naming_the_option(text, says):
    with pytest.raises(UsageError) as caught:
        parse_user_json(text, "--command")
    assert caught.value.message.startswith("invalid JSON in --command: ")
    assert says in caught.value.message


@pytest.mark.parametrize("text", [
    "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH, '{"a": ' * (MAX_JSON_DEPTH - 1) + "{}" + "}" * (MAX_JSON_DEPTH - 1),
    "9223372036854775807", "-9223372036854775808", "1e308", "-0.5", '"\\ud83d\\ude00"', '"\u00e9"',
])
def test_user_json_at_the_limits_is_taken(text):
    assert parse_user_json(text, "-F k") == json.loads(text)


# ---- every path that takes JSON ----------------------------------------------------------------------
HOSTILE = {
    "NaN": ('{"name": "x", "a": NaN}', "NaN is not a number JSON allows"),
    "-Infinity": ('{"name": "x", "a": -Infinity}', "-Infinity is not a number JSON allows"),
    "deep": ('{"name": "x", "a": ' + "[" * DEEP + "]" * DEEP + "}", "nests deeper than 64 levels"),
    "nested-65": ('{"name": "x", "a": ' + "[" * 64 + "]" * 64 + "}", "nests deeper than 64 levels"),
    "2**64": ('{"name": "x", "a": 18446744073709551616}', "18446744073709551616 does not fit in 64 bits"),
}


@pytest.mark.parametrize("hostile", list(HOSTILE))
@pytest.mark.parametrize("how", ["text", "file", "stdin"])
def test_send_command_refuses_hostile_json(env, sent, tmp_path, hostile, how):
    text, says = HOSTILE[hostile]
    path = tmp_path / "command.json"
    path.write_text(text)
    value, where = {"text": (text, "--command"), "file": (f"@{path}", f"--command file {path}"), "stdin": ("-", "--command (stdin)")}[how]
    result = run(env, "tracker", "send-command", "5", "--command", value, input=text if how == "stdin" else None)
    refused(result, sent, f"error: invalid JSON in {where}: {says}")


@pytest.mark.parametrize("hostile", list(HOSTILE))
@pytest.mark.parametrize("how", ["-F", "--input", "--input -"])
def test_api_refuses_hostile_json(env, sent, tmp_path, hostile, how):
    text, says = HOSTILE[hostile]
    path = tmp_path / "body.json"
    path.write_text(text)
    argv, where, stdin = {
        "-F": (["-F", f"command={text}"], "-F command", None),
        "--input": (["--input", str(path)], f"--input {path}", None),
        "--input -": (["--input", "-"], "--input (stdin)", text),
    }[how]
    refused(run(env, "api", "tracker/send_command", *argv, input=stdin), sent, f"error: invalid JSON in {where}: {says}")


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "1e999", "[1, NaN]", str(2**64), str(-(2**63) - 1),
                                   "[" * 65 + "]" * 65, "[" * DEEP + "]" * DEEP])
def test_param_json_refuses_hostile_json(env, sent, value):
    result = run(env, "tracker", "register", "--label", "A", "--group-id", "0", "--model", "m", "--plugin-id", "1",
                 "--param-json", f"k={value}")
    refused(result, sent, "error: invalid JSON in --param-json k: ")


def test_param_json_takes_typed_values(env, sent):
    result = run(env, "tracker", "register", "--label", "A", "--group-id", "0", "--model", "m", "--plugin-id", "1",
                 "--param-json", "send_sms=true", "--param-json", f"n={2**63 - 1}", "--param", "phone=007")
    assert result.exit_code == 0, result.stderr
    (url, body), = sent
    assert body["send_sms"] is True and body["n"] == 2**63 - 1 and body["phone"] == "007"


# ---- integers: ASCII digits, 64 bits ------------------------------------------------------------------
@pytest.mark.parametrize("argv,says", [
    (["tracker", "tags", "set", "1", "--tag", "1180591620717411303424:1"], "--tag"),
    (["tracker", "tags", "set", "1", "--tag", "9223372036854775808:1"], "--tag"),
    (["tracker", "tags", "set", "1", "--tag", "١:1"], "--tag"),
    (["tracker", "tags", "set", "1", "--tag", "1:1_0"], "--tag"),
    (["tracker", "read", "١٢"], "TRACKER_ID"),
    (["tracker", "read", "1_000"], "TRACKER_ID"),
    (["tracker", "read", "1.0"], "TRACKER_ID"),
    (["tracker", "get-state", "١٢"], "TRACKER_ID"),  # as every action on one tracker (was Typer's own int)
    (["panel", "tracker", "clone", "5", "--label", "A", "--user-id", "٣"], "--user-id"),
    (["tracker", "get-states", "5", "١٢"], "TRACKER_ID"),
    (["panel", "tracker", "batch-clone", "5", "--user-id", "1", "--concurrency", "٣"], "--concurrency"),
    (["panel", "tracker", "batch-clone", "5", "--user-id", "1", "--chunk-size", "1_0"], "--chunk-size"),
    (["tracker", "read", "5", "--timeout", "٣"], "٣"),
])
def test_integers_are_ascii_digits_within_64_bits(env, sent, argv, says):
    refused(run(env, *argv), sent, says)


@pytest.mark.parametrize("content", ["5\n١٢\n", "5\n1_000\n", "5\n18446744073709551616\n", "5\n1.5\n"])
def test_ids_from_a_file_are_ascii_digits_within_64_bits(env, sent, tmp_path, content):
    path = tmp_path / "ids.txt"
    path.write_text(content)
    refused(run(env, "tracker", "get-states", "--from-file", str(path)), sent, "error: invalid value for TRACKER_ID")


def test_integers_as_people_write_them_are_taken(env, sent):
    assert run(env, "tracker", "tags", "set", " 7 ", "--tag", f"{2**63 - 1}:5", "--tag", "+2:1").exit_code == 0
    assert run(env, "panel", "tracker", "batch-clone", "5", "6", "--user-id", "1", "--chunk-size", "1", "--concurrency", "2").exit_code == 0
    tags, *chunks = [body for _, body in sent]
    assert tags == {"tracker_id": 7, "tag_bindings": [{"tag_id": 2**63 - 1, "ordinal": 5}, {"tag_id": 2, "ordinal": 1}]}
    assert sorted(chunks, key=str) == [{"user_id": 1, "tracker_ids": [5]}, {"user_id": 1, "tracker_ids": [6]}]
    assert run(env, "tracker", "list", "--timeout", "2.5").exit_code == 0


# ---- text that is not UTF-8 ----------------------------------------------------------------------------
@pytest.mark.parametrize("argv,says", [
    (["tracker", "change-phone", "5", "--phone", "1", "--apn-name", "a\udcff", "--apn-user", "", "--apn-password", ""],
     "invalid value for --apn-name: not valid UTF-8 text"),
    (["panel", "tracker", "list", "--filter", "\ud800"], "invalid value for --filter: not valid UTF-8 text"),
    (["tracker", "list", "--label", "\udcff"], "--label"),
    (["tracker", "register", "--label", "A", "--group-id", "0", "--model", "m", "--plugin-id", "1", "--param", "phone=\udcff"],
     "invalid value for --param phone: not valid UTF-8 text"),
    (["api", "tracker/list", "-f", "k=\udcff"], "invalid value for -f k: not valid UTF-8 text"),
    (["api", "tracker/list", "-F", 'k="\\udcff"'], "invalid JSON in -F k: \\udcff is not text"),
    (["tracker", "list", "--api-url", "https://ex\udcffample.com"], "invalid value for --api-url: not valid UTF-8 text"),
])
def test_text_that_is_not_utf8_is_refused(env, sent, argv, says):
    refused(run(env, *argv), sent, says)


# ---- global options given empty -------------------------------------------------------------------------
@pytest.mark.parametrize("option", ["--api-url", "--profile", "--columns", "--ca-bundle"])
def test_an_empty_global_option_is_refused_not_taken_for_the_default(env, sent, option):
    refused(run(env, "tracker", "list", option, ""), sent, f"invalid value for {option}: empty")
    refused(run(env, option, " ", "tracker", "list"), sent, f"invalid value for {option}: empty")


# ---- api PATH: destructive actions and the login paths ------------------------------------------------
DESTRUCTIVE = ["tracker/corrupt", "tracker/delete", "panel/tracker/corrupt", "panel/tracker/delete_clone",
               "panel/tracker/batch_delete_clones", "panel/tracker/move"]


@pytest.mark.parametrize("path", DESTRUCTIVE)
def test_api_on_a_destructive_action_needs_yes_without_a_terminal(env, sent, path):
    refused(run(env, "api", path, "-F", "tracker_id=5"), sent, f"api {path} is destructive: confirm with --yes")
    refused(run(env, "api", f"/v2/{path}/", "-F", "tracker_id=5"), sent, "is destructive")
    assert run(env, "api", path, "-F", "tracker_id=5", "--yes").exit_code == 0
    assert len(sent) == 1 and sent[0][0].endswith("/" + path)
    dry = run(env, "api", path, "-F", "tracker_id=5", "--dry-run")  # a dry run sends nothing: no question
    assert dry.exit_code == 0 and json.loads(dry.stdout)["body"] == {"tracker_id": 5} and len(sent) == 1


@pytest.mark.parametrize(("answer", "code", "count"), [("n\n", 1, 0), ("\n", 1, 0), ("y\n", 0, 1)])
def test_api_on_a_destructive_action_asks_on_a_terminal(env, sent, answer, code, count):
    stderr = io.StringIO()
    app = AppContext(env=env, stdin=io.StringIO(answer), stderr=stderr, terminal=Terminal(stdin_tty=True, stderr_tty=True))
    result = run(env, "api", "panel/tracker/delete_clone", "-F", "tracker_id=5", app=app)
    assert result.exit_code == code and len(sent) == count
    assert "Run `api panel/tracker/delete_clone`? [y/N]" in stderr.getvalue()


@pytest.mark.parametrize(("path", "advice"), [
    ("user/auth", "trackerctl auth login`"), ("v2/user/auth/", "trackerctl auth login`"),
    ("panel/account/auth", "trackerctl auth login --panel`"), ("user/auth/code/verify", "trackerctl auth login`"),
])
def test_api_refuses_the_login_paths(env, sent, path, advice):
    for extra in ([], ["--dry-run"], ["--yes"]):
        result = run(env, "api", path, "-f", "login=demo@example.com", "-f", "password=demo", *extra)
        refused(result, sent, "would print a new session's secret")
        assert advice in result.stderr
