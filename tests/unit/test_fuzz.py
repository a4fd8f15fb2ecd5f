"""Fuzz: every option and argument of every action in the registry, fed bad values.

Each bad value must end with exit 2, one error line (and at most a hint) on stderr, no traceback,
and no request sent (CLI-CONTRACT.md sections 2, 5 and 10). The cases are derived from the
registry (each param's kind and constraints), so a new action or constraint is fuzzed too.

A seeded random choice decides where the global options go, which harmless options come along,
and which actions the bad global options are tried on: TRACKERCTL_FUZZ_SEED=N repeats a run. The
seed is printed with every failure. `python tests/unit/test_fuzz.py [SEED]` prints the failure
classes of a run without asserting (what the issue notes quote). A run takes a few seconds.
"""

from __future__ import annotations

import os
import random
import secrets
import shlex
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from trackerctl.api.action import Action, Param
from trackerctl.api.endpoints import REGISTRY
from trackerctl.cli.app import build_cli
from trackerctl.cli.context import AppContext
from trackerctl.cli.request import option

MIN_INVOCATIONS = 1000
DEEP = 100_000  # nesting that breaks a recursive parser
I64 = 2**63


@dataclass
class Case:
    tag: str  # the failure class this case belongs to: "int:2**64", "json:NaN", ...
    argv: list[str]
    input: str | None = None
    given: str | None = None  # no harmless extra may add this option (the one under test, or --dry-run)


@dataclass
class Outcome:
    invocations: int = 0
    failures: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))


class Recorder:
    """An exchange that records what would have been sent, and answers success."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    def post(self, url: str, headers: Any, body: bytes, timeout: float) -> Any:
        from trackerctl.api.connection import Reply

        self.sent.append(url)
        return Reply(200, "OK", {}, b'{"success": true}')

    def close(self) -> None:
        pass


# ---- valid values, to fill the params not under test ---------------------------------------------
def valid(p: Param) -> list[str]:
    """argv words giving `p` a valid value (empty for an optional param left out)."""
    if p.kind == "bool":
        return [option(p)] if p.required else []
    if not p.required and not p.positional:
        return []
    value = {
        "int": str(max(p.ge or 1, 1)),
        "month": {"from": "2021-02", "to": "2021-03"}.get(p.name, "2021-02"),
        "json": '{"name": "set_special_settings_command"}',
        "tag_bindings": "1:1",
        "int_list": "5",
    }.get(p.kind)
    if value is None:  # str, str_list
        value = "835664527777452" if p.digits else p.choices[0] if p.choices else "Courier"
    return [value] if p.positional else [option(p), value]


def argv_with(action: Action, param: Param | None, words: list[str]) -> list[str]:
    """The action's command line with `words` standing for `param` and valid values elsewhere."""
    argv = list(action.command_path)
    for p in action.params:
        argv += words if p is param else valid(p)
    if action.destructive:
        argv.append("--yes")  # the value must be refused before any confirmation would matter
    return argv


# ---- bad values, by kind and constraint ----------------------------------------------------------
BAD_INTS = ["2**63", "2**64", "-2**63-1", "1e3", "0x10", "", " ", "١٢", "NaN", "1_000", "1.0", "+-1", "inf", "12 34", "٣"]


def int_text(label: str) -> str:
    return str(eval(label, {})) if "**" in label else label  # noqa: S307  our own literals only


def bad_ints(p: Param) -> Iterator[tuple[str, str]]:
    low = p.ge
    if low is not None:
        yield f"below-ge({low})", str(low - 1)
        if low - 1 != -1:
            yield "-1", "-1"
    if p.le is not None:
        yield f"above-le({p.le})", str(p.le + 1)
    for label in BAD_INTS:
        yield label, int_text(label)


def bad_strs(p: Param) -> Iterator[tuple[str, str]]:
    if p.choices:
        yield from [("not-a-choice", "nope"), ("empty-choice", ""), ("choice-case", p.choices[0].upper())]
        return
    fill = "1" if p.digits else "x"
    if p.max_len is not None:
        yield "over-max-len", fill * (p.max_len + 1)
    if p.min_len:
        yield "under-min-len", fill * (p.min_len - 1)
    if p.printable:
        yield from [("nul", "a\x00b"), ("newline", "a\nb"), ("escape", "a\x1b[31mb"), ("zero-width", "a\u200bb")]
    if p.no_angle:
        yield from [("angle<", "a<b"), ("angle>", "a>b")]
    if p.digits:
        yield from [("letters-in-digits", "12a"), ("arabic-digits", "١٢"), ("empty-digits", ""), ("signed-digits", "-1"),
                    ("fullwidth-digits", "１２")]
    yield from [("surrogate", "a\udcff"), ("lone-surrogate", "\ud800")]


BAD_MONTHS = ["2026-13", "26-01", "2026-1", "2026-00", "2026/01", "", "２０２６-01", "2026-01-01", " 2026-01", "١٢٣٤-01"]


def bad_json(files: dict[str, Path]) -> Iterator[tuple[str, str, str | None]]:
    """(label, value, stdin) for an option taking a JSON object."""
    deep = "[" * DEEP + "]" * DEEP
    for label, text in [
        ("NaN", '{"name": "x", "a": NaN}'),
        ("Infinity", '{"name": "x", "a": Infinity}'),
        ("-Infinity", '{"name": "x", "a": [-Infinity]}'),
        ("nested-65", '{"name": "x", "a": ' + "[" * 65 + "]" * 65 + "}"),
        ("nested-deep", '{"name": "x", "a": ' + deep + "}"),
        ("int-2**64", '{"name": "x", "a": 18446744073709551616}'),
        ("int-below-int64", '{"name": "x", "a": -9223372036854775809}'),
        ("huge-int", '{"name": "x", "a": ' + "9" * 5000 + "}"),
        ("float-overflow", '{"name": "x", "a": 1e999}'),
        ("not-an-object", "[1]"),
        ("a-string", '"x"'),
        ("empty", ""),
        ("not-json", "{nope"),
        ("surrogate", '{"name": "\udcff"}'),
    ]:
        yield label, text, None
    for label, path in files.items():
        yield f"file-{label}", f"@{path}", None
    yield "missing-file", "@/nonexistent/command.json", None
    yield "stdin-NaN", "-", '{"name": "x", "a": NaN}'
    yield "stdin-deep", "-", deep


BAD_TAGS = ["1", "1:", ":1", "0:1", "1:0", "1:6", "-1:1", "2**64:1", "2**63:1", "1:2**64", "١:1", "1:1:1", "a:b", " : ", "1e3:1", "0x1:1"]


def bad_values(p: Param, files: dict[str, Path]) -> Iterator[tuple[str, list[str], str | None]]:
    """(label, the argv words for p, stdin) for each bad value of p."""

    def words(value: str) -> list[str]:
        return [value] if p.positional else [option(p), value]

    kind = p.kind
    if kind == "int":
        for label, value in bad_ints(p):
            yield f"int:{label}", words(value), None
    elif kind in ("str",):
        for label, value in bad_strs(p):
            yield f"str:{label}", words(value), None
    elif kind == "month":
        for value in BAD_MONTHS:
            yield f"month:{value!r}", words(value), None
    elif kind == "json":
        for label, value, stdin in bad_json(files):
            yield f"json:{label}", words(value), stdin
    elif kind == "tag_bindings":
        for label in BAD_TAGS:
            value = ":".join(int_text(part) for part in label.split(":")) if "**" in label else label
            yield f"tag:{label}", words(value), None
        yield "tag:duplicate-tag", words("1:1") + words("1:2"), None
        yield "tag:duplicate-ordinal", words("1:1") + words("2:1"), None
    elif kind in ("int_list", "str_list"):
        item = Param(p.name, "int" if kind == "int_list" else "str", "", positional=p.positional, ge=p.ge, le=p.le,
                     min_len=p.min_len, max_len=p.max_len, printable=p.printable, no_angle=p.no_angle,
                     digits=p.digits, cli_name=p.cli_name)
        items = bad_ints(item) if kind == "int_list" else bad_strs(item)
        for label, value in items:
            yield f"{kind}:{label}", words("1" if p.digits else "5") + words(value), None
        if p.unique:
            yield f"{kind}:duplicates", words("a") + words("a"), None
        if p.max_items:
            many = [w for n in range(p.max_items + 1) for w in words(f"v{n}")]
            yield f"{kind}:too-many", many, None
        if p.bulk:
            for label, path in files.items():
                int_only = label in ("ids-zero", "ids-2**64")  # a valid IMEI: digits
                if (label.startswith("ids-") and (kind == "int_list" or not int_only)) or label in ("invalid-utf8", "directory"):
                    yield f"from-file:{label}", ["--from-file", str(path)], None
            yield "from-file:missing", ["--from-file", "/nonexistent/ids.txt"], None
            yield "from-file:stdin-bad", ["--from-file", "-"], "1\nabc\n"


def input_files(tmp: Path) -> dict[str, Path]:
    contents: dict[str, bytes] = {
        "NaN": b'{"name": "x", "a": NaN}',
        "Infinity": b'{"name": "x", "a": Infinity}',
        "deep": b'{"name": "x", "a": ' + b"[" * DEEP + b"]" * DEEP + b"}",
        "int-2**64": b'{"name": "x", "a": 18446744073709551616}',
        "array": b"[1, 2]",
        "invalid-utf8": b'{"name": "\xff\xfe"}',
        "empty": b"",
        "ids-letters": b"5\nabc\n",
        "ids-arabic": b"5\n\xd9\xa1\xd9\xa2\n",
        "ids-zero": b"5\n0\n",
        "ids-negative": b"5\n-3\n",
        "ids-2**64": b"5\n18446744073709551616\n",
        "ids-csv-no-column": b"label,other\nA,1\n",
        "ids-nul": b"5\n1\x002\n",
        "ids-float": b"5\n1.5\n",
        "ids-underscore": b"5\n1_000\n",
    }
    files = {}
    for label, data in contents.items():
        path = tmp / f"{label}.txt"
        path.write_bytes(data)
        files[label] = path
    (tmp / "dir").mkdir()
    files["directory"] = tmp / "dir"
    return files


# ---- global options, the api command, plugin params -----------------------------------------------
BAD_GLOBALS = [
    ("timeout-0", ["--timeout", "0"]), ("timeout-nan", ["--timeout", "nan"]), ("timeout-inf", ["--timeout", "inf"]),
    ("timeout-negative", ["--timeout", "-1"]), ("timeout-empty", ["--timeout", ""]), ("timeout-text", ["--timeout", "abc"]),
    ("timeout-huge", ["--timeout", "1e309"]), ("timeout-day", ["--timeout", "86400"]),
    ("output-xml", ["-o", "xml"]), ("output-empty", ["-o", ""]), ("output-upper", ["-o", "JSON"]),
    ("columns-comma", ["--columns", ","]), ("columns-spaces", ["--columns", " , "]),
    ("api-url-ftp", ["--api-url", "ftp://x"]), ("api-url-plain-http", ["--api-url", "http://example.com"]),
    ("api-url-no-host", ["--api-url", "https://"]), ("api-url-bad-ipv6", ["--api-url", "http://[::1"]),
    ("api-url-credentials", ["--api-url", "https://u:p@example.com/v2"]), ("api-url-empty", ["--api-url", ""]),
    ("api-url-bad-port", ["--api-url", "https://example.com:99999/v2"]), ("api-url-query", ["--api-url", "https://example.com/v2?x=1"]),
    ("api-url-spaces", ["--api-url", " "]), ("api-url-surrogate", ["--api-url", "https://ex\udcffample.com"]),
    ("profile-dotdot", ["--profile", "../x"]), ("profile-empty", ["--profile", ""]), ("profile-slash", ["--profile", "a/b"]),
    ("profile-dots", ["--profile", ".."]), ("profile-space", ["--profile", "bad name"]), ("profile-unknown", ["--profile", "ghost"]),
    ("profile-surrogate", ["--profile", "a\udcff"]), ("profile-newline", ["--profile", "a\nb"]),
    ("ca-bundle-missing", ["--ca-bundle", "/nonexistent/ca.pem"]),
]
BAD_BULK = [
    ("chunk-size-0", ["--chunk-size", "0"]), ("chunk-size-negative", ["--chunk-size", "-1"]),
    ("chunk-size-huge", ["--chunk-size", str(2**64)]), ("chunk-size-over", ["--chunk-size", "1001"]),
    ("chunk-size-text", ["--chunk-size", "x"]), ("concurrency-0", ["--concurrency", "0"]),
    ("concurrency-huge", ["--concurrency", "65"]), ("concurrency-arabic", ["--concurrency", "٣"]),
]
BAD_PLUGIN = [
    ("param-no-equals", ["--param", "phone"]), ("param-no-key", ["--param", "=1"]),
    ("param-surrogate", ["--param", "phone=\udcff"]),
    ("param-json-NaN", ["--param-json", "k=NaN"]), ("param-json-Infinity", ["--param-json", "k=Infinity"]),
    ("param-json--Infinity", ["--param-json", "k=-Infinity"]), ("param-json-nan-in-list", ["--param-json", "k=[1, NaN]"]),
    ("param-json-nested-65", ["--param-json", "k=" + "[" * 65 + "]" * 65]),
    ("param-json-deep", ["--param-json", "k=" + "[" * DEEP + "]" * DEEP]),
    ("param-json-2**64", ["--param-json", f"k={2**64}"]), ("param-json-below-int64", ["--param-json", f"k={-I64 - 1}"]),
    ("param-json-not-json", ["--param-json", "k=nope"]), ("param-json-empty", ["--param-json", "k="]),
    ("param-json-no-key", ["--param-json", "=1"]), ("param-json-float-overflow", ["--param-json", "k=1e999"]),
]


def api_cases(files: dict[str, Path]) -> Iterator[Case]:
    deep = "[" * DEEP + "]" * DEEP
    for label, value in [
        ("NaN", "NaN"), ("nan-lower", "nan"), ("Infinity", "Infinity"), ("-Infinity", "-Infinity"),
        ("nan-in-object", '{"a": NaN}'), ("nested-65", "[" * 65 + "]" * 65), ("deep", deep),
        ("2**64", str(2**64)), ("below-int64", str(-I64 - 1)), ("2**64-in-list", f"[1, {2**64}]"),
        ("not-json", "nope"), ("surrogate", '"\udcff"'), ("float-overflow", "-1e400"),
    ]:
        yield Case(f"api-F:{label}", ["api", "tracker/read", "-F", f"k={value}"])
    for label in ("NaN", "Infinity", "deep", "int-2**64", "array", "invalid-utf8", "empty"):
        yield Case(f"api-input:{label}", ["api", "tracker/read", "--input", str(files[label])])
    yield Case("api-input:stdin-NaN", ["api", "tracker/read", "--input", "-"], '{"a": NaN}')
    yield Case("api-input:stdin-deep", ["api", "tracker/read", "--input", "-"], deep)
    for label, fields in [("no-equals", ["-f", "x"]), ("hash", ["-f", "hash=x"]), ("surrogate", ["-f", "k=\udcff"])]:
        yield Case(f"api-f:{label}", ["api", "tracker/read", *fields])
    for path in ("../etc", "", "tracker//list", "Tracker/List", "tracker/list?x=1", "/", "tracker\x00"):
        yield Case(f"api-path:{path!r}", ["api", path])
    for action in REGISTRY.actions:
        if action.destructive:  # no terminal, no --yes: refused, nothing sent
            yield Case(f"api-destructive:{action.path}", ["api", action.path, "-F", "tracker_id=5"], given="--dry-run")
    for path in ("user/auth", "panel/account/auth", "/v2/user/auth/"):
        yield Case(f"api-login:{path}", ["api", path, "-f", "login=demo@example.com", "-f", "password=demo"])


def cases(rng: random.Random, files: dict[str, Path]) -> Iterator[Case]:
    actions = REGISTRY.actions
    for action in actions:
        for p in action.params:
            if p.kind == "bool":
                continue
            for tag, words, stdin in bad_values(p, files):
                yield Case(tag, argv_with(action, p, words), stdin)
        if action.bulk_key:
            for tag, words in BAD_BULK:
                yield Case(f"bulk:{tag}", argv_with(action, None, []) + words)
        if action.extra_params:
            declared = action.options[0].name  # a plugin parameter may not repeat an option
            clashes = [("param-clash", ["--param", f"{declared}=x"]), ("param-json-clash", ["--param-json", f"{declared}=1"])]
            for tag, words in BAD_PLUGIN + clashes:
                yield Case(f"plugin:{tag}", argv_with(action, None, []) + words)
        if any(p.hex_if for p in action.params):
            for value in ("zz", "abc", " ", "0g"):
                yield Case(f"hex-if:{value!r}", argv_with(action, None, []) + ["--type", "hex"]
                           + [w for p in action.params if p.hex_if for w in (option(p), value)])
    for tag, words in BAD_GLOBALS:  # each bad global option on a few actions, before or after them
        for action in rng.sample(actions, 3):
            argv = argv_with(action, None, [])
            yield Case(f"global:{tag}", words + argv if rng.random() < 0.5 else argv + words, given=words[0])
    yield from api_cases(files)
    yield from combinations(rng, files)


def combinations(rng: random.Random, files: dict[str, Path], count: int = 300) -> Iterator[Case]:
    """Two bad values at once in one action (refused on one line), options in any order."""
    fuzzable = [(a, [p for p in a.params if p.kind not in ("bool", "json")]) for a in REGISTRY.actions]
    fuzzable = [(a, ps) for a, ps in fuzzable if len(ps) >= 2]
    for _ in range(count):
        action, params = rng.choice(fuzzable)
        first, second = rng.sample(params, 2)
        bad = {p: rng.choice(list(bad_values(p, files))) for p in (first, second)}
        argv = list(action.command_path)
        options: list[list[str]] = []
        for p in action.params:
            words = bad[p][1] if p in bad else valid(p)
            if p.positional:
                argv += words
            elif words:
                options.append(words)
        rng.shuffle(options)  # options before, between and after the positionals
        argv += [w for words in options for w in words] + (["--yes"] if action.destructive else [])
        yield Case(f"combination:{bad[first][0]}+{bad[second][0]}", argv)


HARMLESS = [[], [], ["-o", "json"], ["-o", "table"], ["-o", "csv"], ["-o", "jsonl"], ["--quiet"], ["--no-color"],
            ["--dry-run"], ["--verbose"], ["--timeout", "5"]]


def invoke(cli: Any, env: dict[str, str], recorder: Recorder, case: Case, argv: list[str]) -> list[str]:
    """Run one case; return what is wrong with its outcome (nothing when it was refused properly)."""
    recorder.sent.clear()
    result = CliRunner().invoke(cli, argv, obj=AppContext(env=env), input=case.input)
    problems = []
    if recorder.sent or result.stdout:
        problems.append("sent" if recorder.sent else "sent (a dry-run request printed)")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        problems.append(f"exception {type(result.exception).__name__}")
    err = result.stderr
    lines = [line for line in err.splitlines() if line.strip()]
    if "Traceback" in err:
        problems.append("traceback")
    if "internal error" in err:
        problems.append("internal error")
    if result.exit_code != 2:
        problems.append(f"exit {result.exit_code}")
    if not lines:
        problems.append("no message")
    elif len(lines) > 2:
        problems.append(f"{len(lines)} lines on stderr")
    return problems[:1]  # the first says what is wrong; the rest follow from it


def run_fuzz(seed: int, tmp: Path, env: dict[str, str], recorder: Recorder) -> Outcome:
    rng = random.Random(seed)
    files = input_files(tmp)
    cli = build_cli()
    outcome = Outcome()
    for case in cases(rng, files):
        extra = rng.choice([h for h in HARMLESS if not h or h[0] != case.given])
        argv = extra + case.argv if rng.random() < 0.5 else case.argv + extra  # before or after: the same
        problems = invoke(cli, env, recorder, case, argv)
        outcome.invocations += 1
        if problems:
            shown = shlex.join(w if len(w) < 80 else w[:40] + f"...({len(w)} chars)" for w in argv)
            outcome.failures[f"{', '.join(problems)} <- {case.tag}"].append(shown)
    return outcome


def fuzz_env(tmp: Path) -> dict[str, str]:
    return {
        "TRACKERCTL_CONFIG": str(tmp / "cfg" / "config.toml"),
        "TRACKERCTL_SANDBOX_DB": str(tmp / "sandbox.sqlite"),
        "TRACKERCTL_KEYRING": "file",
        "TRACKERCTL_HASH": "a6aa75587e5c59c32d347da438505fc3",
        "TRACKERCTL_PANEL_HASH": "b" * 32,
        "TRACKERCTL_MAX_ATTEMPTS": "1",
    }


def report(seed: int, outcome: Outcome) -> str:
    lines = [f"seed {seed} (TRACKERCTL_FUZZ_SEED={seed} repeats it): {outcome.invocations} invocations, "
             f"{sum(len(v) for v in outcome.failures.values())} failed in {len(outcome.failures)} classes"]
    for cls, examples in sorted(outcome.failures.items()):
        lines.append(f"  {len(examples):4d}x {cls}\n         e.g. trackerctl {examples[0]}")
    return "\n".join(lines).encode("utf-8", "backslashreplace").decode()


@pytest.fixture
def recorder(monkeypatch) -> Recorder:
    rec = Recorder()
    monkeypatch.setattr("trackerctl.api.connection.open_exchange", lambda **kwargs: rec)
    return rec


def example_argv(action: Action) -> list[str]:
    """The registry's example command line, up to a pipe, without `trackerctl`."""
    words = shlex.split(action.example)
    return words[1 : words.index("|") if "|" in words else len(words)]


def test_valid_values_are_not_refused(tmp_path):
    """Each action's example, and the values the fuzz fills in around a bad one, pass the checks:
    against the in-process sandbox they end with anything but exit 2."""
    env = {k: v for k, v in fuzz_env(tmp_path).items() if not k.endswith("_HASH")}  # the demo user
    cli = build_cli()
    refused = []
    for action in REGISTRY.actions:
        for argv in (example_argv(action), argv_with(action, None, [])):
            result = CliRunner().invoke(cli, ["--api-url", "sandbox", *argv], obj=AppContext(env=env))
            if result.exit_code == 2 or "Traceback" in result.stderr:
                refused.append(f"trackerctl {shlex.join(argv)}: {result.stderr.strip()}")
    assert not refused, "\n".join(refused)


def test_every_bad_value_is_refused_with_exit_2_and_nothing_sent(tmp_path, recorder):
    seed = int(os.environ.get("TRACKERCTL_FUZZ_SEED") or secrets.randbits(32))
    outcome = run_fuzz(seed, tmp_path, fuzz_env(tmp_path), recorder)
    assert outcome.invocations >= MIN_INVOCATIONS, report(seed, outcome)
    assert not outcome.failures, report(seed, outcome)


if __name__ == "__main__":
    import sys
    import tempfile
    from unittest import mock

    seed = int(sys.argv[1]) if len(sys.argv) > 1 else secrets.randbits(32)
    rec = Recorder()
    with tempfile.TemporaryDirectory() as tmp, mock.patch("trackerctl.api.connection.open_exchange", lambda **kw: rec):
        started = time.monotonic()
        result = run_fuzz(seed, Path(tmp), fuzz_env(Path(tmp)), rec)
        print(report(seed, result))
        print(f"{time.monotonic() - started:.1f}s")
