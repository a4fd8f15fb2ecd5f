"""A destructive action on many trackers asks once, on a terminal, naming how many and a few labels
(CLI-CONTRACT.md section 13); a no sends nothing. In-process against the sandbox, with the
terminal facts set (stdin and stderr terminals: a person is there to answer)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from trackerctl.cli.app import build_cli
from trackerctl.cli.context import AppContext
from trackerctl.output import Terminal
from tests.helpers.environment import context_env

PERSON = Terminal(stdin_tty=True, stdout_tty=False, stderr_tty=True, width=100)


def run(env: dict[str, str], *args: str, input: str = "") -> object:
    return CliRunner().invoke(build_cli(), ["--api-url", "sandbox", *args], obj=AppContext(env=env, terminal=PERSON),
                              input=input)


def labels(env: dict[str, str]) -> dict[int, dict]:
    listed = CliRunner().invoke(build_cli(), ["--api-url", "sandbox", "panel", "tracker", "list", "--all", "-o", "json"],
                                obj=AppContext(env=env))
    return {t["id"]: t for t in json.loads(listed.stdout)["list"]}


def test_many_destructive_asks_once_with_the_count_and_labels_and_a_no_sends_nothing(tmp_path):
    env = context_env(tmp_path)
    before = labels(env)
    said_no = run(env, "panel", "tracker", "corrupt", "--where", "label=Van*", "-o", "json", input="n\n")
    assert said_no.exit_code == 1, said_no.stderr
    assert said_no.stderr.count("[y/N]") == 1
    assert "Run `panel tracker corrupt on 2 trackers (Van 04 city, Van 05 city)`? [y/N]" in said_no.stderr
    assert "not confirmed; nothing was sent" in said_no.stderr and said_no.stdout == ""
    assert labels(env) == before
    assert not (tmp_path / "state" / "trackerctl" / "journal").exists()  # nothing written, nothing kept


def test_a_yes_at_the_question_runs_on_each(tmp_path):
    env = context_env(tmp_path)
    said_yes = run(env, "panel", "tracker", "corrupt", "--where", "label=Van*", "-o", "json", input="y\n")
    assert said_yes.exit_code == 0, said_yes.stderr
    assert sorted(json.loads(said_yes.stdout)["succeeded"]) == [265489, 1245678]
    after = labels(env)
    assert all(after[i]["source"]["device_id"].startswith("corrupted.") for i in (265489, 1245678))


def test_more_trackers_than_shown_end_the_list_with_an_ellipsis(tmp_path):
    env = context_env(tmp_path)
    asked = run(env, "panel", "tracker", "move", "--where", "user_id=183654", "--user-id", "354468", input="n\n")
    assert asked.exit_code == 1
    question = next(line for line in asked.stderr.splitlines() if "[y/N]" in line)
    assert ", ...)`? [y/N]" in question and question.count(",") == 3  # three labels, then the rest


def test_an_action_s_own_check_holds_for_many_trackers_too(tmp_path):
    """send-command's rule (the command names itself) is the registry's `check`: refused before
    anything is sent, whether for one tracker or many."""
    env = context_env(tmp_path)
    for ids in (["123456"], ["123456", "999119"]):
        refused = run(env, "tracker", "send-command", *ids, "--command", '{"x": 1}', "--yes")
        assert refused.exit_code == 2 and 'needs a "name"' in refused.stderr, refused.stderr
    assert not (tmp_path / "state" / "trackerctl").exists()  # no journal, no audit line: nothing was sent
