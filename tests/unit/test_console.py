"""`panel tracker console open` (CLI-CONTRACT.md section 12; spec websockets.md section 1).

The CLI runs in this process (tests/helpers/inprocess.py) against the sandbox served over HTTP on
loopback (the key and the tracker's IMEI come from it) and a small console server of the test's own
(websockets' sync server on 127.0.0.1, port 0), which plays the platform's side of each case:
the whole exchange, --until-reply, the --timeout ending, drops and closes, a handshake refused or
never answered, garbage, fragmented and oversized frames, TLS. `TRACKERCTL_CONSOLE_URL` points the
command at it. The in-process sandbox's console (`--api-url sandbox`) is tested once the sandbox's
channels exist (trackerctl/sandbox/channels.py).
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import pytest
from websockets.sync.server import ServerConnection

from tests.helpers.console import STATUS, consoles, TRACKER, Api, Console, send, served_api
from tests.helpers.environment import isolated_env
from tests.helpers.inprocess import run_cli
from tests.helpers.sandbox import sql
from trackerctl.cli.console import TerminalView, check_options, parse_frame
from trackerctl.errors import UsageError
from trackerctl.sandbox.seed import SEED

# ---- the platform's side ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def api(tmp_path_factory) -> Iterator[Api]:
    with served_api(tmp_path_factory.mktemp("console")) as served:
        yield served


@pytest.fixture
def console() -> Iterator[Callable[..., Console]]:
    with consoles() as start:
        yield start


def platform(ws: ServerConnection, c: Console) -> None:
    """The status on open; then for each command some device traffic and the reply, which names it."""
    send(ws, STATUS)
    for message in ws:
        c.received.append(message)
        send(ws, {"type": "output", "msg": "+RESP:GTFRI,device traffic"})
        send(ws, {"type": "output", "msg": f"{message}: OK"})


def silent(ws: ServerConnection, c: Console) -> None:
    send(ws, STATUS)
    for message in ws:
        c.received.append(message)


def run(api: Api, url: str | None, *args: str, **env: str):
    environment = isolated_env(api.root / "client", TRACKERCTL_API_URL=api.url, TRACKERCTL_PANEL_HASH=api.hash, **env)
    if url:
        environment["TRACKERCTL_CONSOLE_URL"] = url
    return run_cli(environment, "panel", "tracker", "console", "open", *args, timeout=90)


def lines(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines()]


def imei_of(api: Api, tracker_id: int) -> str:
    return sql(api.sandbox, "SELECT s.device_id FROM trackers t JOIN sources s ON s.id = t.source_id WHERE t.id = ?", tracker_id)[0][0]


# ---- the exchange -------------------------------------------------------------------------------
def test_the_whole_exchange_until_the_reply(api, console):
    c = console(platform)
    r = run(api, c.url, str(TRACKER), "--send", "getver", "--send", "getinfo", "--until-reply", "--timeout", "60")
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    assert c.received == ["getver", "getinfo"]  # each once, in order, once the socket was open
    got = lines(r.stdout)
    assert [(f["type"], f.get("msg")) for f in got] == [("status", None), ("output", "+RESP:GTFRI,device traffic"),
                                                         ("output", "getver: OK"), ("output", "+RESP:GTFRI,device traffic"),
                                                         ("output", "getinfo: OK")]  # ends at the last command's reply
    assert got[0] == {"ts": got[0]["ts"], **STATUS} and list(got[0])[:2] == ["ts", "type"]
    assert got[0]["ts"].endswith("+00:00") and "T" in got[0]["ts"]
    query = c.query()
    assert [k for k, _ in query] == ["device", "key", "timestamp", "dealer_id"]
    values = dict(query)
    assert values["device"] == imei_of(api, TRACKER) and values["dealer_id"] == str(SEED["dealer"])
    assert len(values["key"]) == 40 and values["timestamp"].isdigit()
    assert urlsplit(c.requests[0]).path == "/console"


def test_a_key_is_asked_for_every_connection_and_the_trace_masks_it(api, console):
    c = console(platform)
    for _ in range(2):
        r = run(api, c.url, str(TRACKER), "--send", "getinfo", "--until-reply", "-v")
        assert r.returncode == 0, r.stderr
        posts = [line for line in r.stderr.splitlines() if line.startswith("> POST")]
        assert [p.rsplit("/v2/", 1)[1] for p in posts] == ["panel/tracker/read", "panel/tracker/console/connect"]
        key = dict(c.query(len(c.requests) - 1))["key"]
        assert key not in r.stderr and f"key={key[:4]}…{key[-4:]}" in r.stderr
        assert "> getinfo" in r.stderr
    assert len(c.requests) == 2


def test_without_until_reply_it_ends_after_timeout_seconds_without_a_frame(api, console):
    c = console(silent)
    r = run(api, c.url, str(TRACKER), "--send", "getinfo", "--timeout", "0.5")
    assert r.returncode == 0, r.stderr
    assert [f["type"] for f in lines(r.stdout)] == ["status"] and c.received == ["getinfo"]


def test_until_reply_without_a_reply_is_exit_5(api, console):
    c = console(silent)
    r = run(api, c.url, str(TRACKER), "--send", "getinfo", "--until-reply", "--timeout", "0.5")
    assert r.returncode == 5 and r.stderr.strip() == "error: no reply to 'getinfo': no frame for 0.5 s"
    assert [f["type"] for f in lines(r.stdout)] == ["status"]


def test_jsonl_and_jq_print_a_line_per_frame(api, console):
    c = console(platform)
    r = run(api, c.url, str(TRACKER), "--send", "getinfo", "--until-reply", "-o", "jsonl")
    assert r.returncode == 0 and len(lines(r.stdout)) == 3
    r = run(api, c.url, str(TRACKER), "--send", "getinfo", "--until-reply", "--jq", "select(.type == \"output\") | .msg")
    assert r.returncode == 0 and r.stdout == "+RESP:GTFRI,device traffic\ngetinfo: OK\n"


# ---- ends that are failures ---------------------------------------------------------------------
def test_a_drop_mid_stream_is_exit_5_after_what_came(api, console):
    def drop(ws: ServerConnection, c: Console) -> None:
        send(ws, STATUS)
        c.received.append(ws.recv())
        send(ws, {"type": "output", "msg": "partial"})
        ws.socket.shutdown(socket.SHUT_RDWR)  # no close frame: the connection just ends

    r = run(api, console(drop).url, str(TRACKER), "--send", "getinfo", "--until-reply")
    assert r.returncode == 5 and r.stderr == "error: the connection to the console dropped\n"
    assert [f.get("msg") for f in lines(r.stdout)] == [None, "partial"]


def test_the_server_closing_the_console_is_exit_5_with_its_reason(api, console):
    def close(ws: ServerConnection, c: Console) -> None:
        send(ws, STATUS)
        ws.close(1011, "device went away")

    r = run(api, console(close).url, str(TRACKER), "--follow")
    assert r.returncode == 5 and r.stderr == "error: the console closed the connection (code 1011: device went away)\n"
    assert len(lines(r.stdout)) == 1


def test_a_refused_handshake_is_exit_5_with_the_status_and_no_key_shown(api, console):
    c = console(platform, process_request=lambda ws, request: ws.respond(403, "console key expired\n"))
    r = run(api, c.url, str(TRACKER), "--send", "getinfo")
    assert r.returncode == 5 and r.stdout == ""
    assert r.stderr == f"error: cannot open the console at {c.url}: the server refused it (HTTP 403: console key expired)\n"


def test_a_server_that_never_answers_the_handshake_is_bounded_by_timeout(api):
    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    threading.Thread(target=lambda: held.append(listener.accept()[0]), daemon=True).start()
    try:
        url = f"ws://127.0.0.1:{listener.getsockname()[1]}/console"
        r = run(api, url, str(TRACKER), "--send", "getinfo", "--timeout", "1")
        assert r.returncode == 5 and r.stderr == f"error: cannot open the console at {url}: no answer within 1 s\n"
        assert r.seconds < 30  # the deadline, not the suite's: without it the run would wait for ever
    finally:
        for s in [*held, listener]:
            s.close()


def test_nothing_listening_is_exit_5_on_one_line(api):
    free = socket.create_server(("127.0.0.1", 0))
    port = free.getsockname()[1]
    free.close()
    r = run(api, f"ws://127.0.0.1:{port}/console", str(TRACKER))
    assert r.returncode == 5 and len(r.stderr.splitlines()) == 1 and "cannot open the console" in r.stderr


# ---- frames -------------------------------------------------------------------------------------
def test_garbage_frames_are_ignored_with_one_warning(api, console):
    def garbage(ws: ServerConnection, c: Console) -> None:
        for text in ("not json", "[1, 2]", '{"type": "status", "data": "x"}', '{"type": "output"}', '{"no": "type"}'):
            ws.send(text)
        ws.send(b"\x00\x01binary")
        send(ws, {"type": "unknown_kind", "x": 1})  # another type: ignored, without a word (websockets.md)
        send(ws, {"type": "output", "msg": "still here"})
        for _ in ws:
            pass

    r = run(api, console(garbage).url, str(TRACKER), "--timeout", "0.5")
    assert r.returncode == 0
    assert lines(r.stdout) == [{"ts": lines(r.stdout)[0]["ts"], "type": "output", "msg": "still here"}]
    assert r.stderr == "warning: ignoring frames that are not the console's JSON objects, such as 'not json'\n"


def test_a_fragmented_frame_is_one_frame(api, console):
    def fragments(ws: ServerConnection, c: Console) -> None:
        text = json.dumps({"type": "output", "msg": "getinfo: " + "x" * 3000})
        ws.send([text[i:i + 100] for i in range(0, len(text), 100)])  # one message in 31 frames
        for _ in ws:
            pass

    r = run(api, console(fragments).url, str(TRACKER), "--send", "getinfo", "--until-reply")
    assert r.returncode == 0, r.stderr
    assert lines(r.stdout)[0]["msg"] == "getinfo: " + "x" * 3000


def test_an_oversized_frame_ends_the_console_with_exit_5(api, console):
    def oversized(ws: ServerConnection, c: Console) -> None:
        send(ws, STATUS)
        send(ws, {"type": "output", "msg": "x" * (2 * 2**20)})
        for _ in ws:
            pass

    r = run(api, console(oversized).url, str(TRACKER), "--follow")
    assert r.returncode == 5 and len(r.stderr.splitlines()) == 1 and "console" in r.stderr
    assert len(lines(r.stdout)) == 1


# ---- refused before anything is sent or opened --------------------------------------------------
@pytest.mark.parametrize("args, message", [
    (["--send", "x" * 301], "error: invalid value for --send: 301 characters, at most 300"),
    (["--send", "getinfo\nreboot"], "error: invalid value for --send: it holds a control character ('\\n'); a command is one line of text"),
    (["--send", "a\x1b[2J"], "error: invalid value for --send: it holds a control character ('\\x1b'); a command is one line of text"),
    (["--send", " "], "error: invalid value for --send: empty"),
    (["--timeout", "0"], "error: invalid value for --timeout: 0; a number of seconds above 0 and at most 86400"),
    (["--timeout", "-1"], "error: invalid value for --timeout: -1; a number of seconds above 0 and at most 86400"),
    (["--timeout", "nan"], "error: invalid value for --timeout: nan; a number of seconds above 0 and at most 86400"),
    (["--until-reply"], "error: --until-reply waits for the reply to the last --send: give a command with --send"),
    (["--send", "a", "--until-reply", "--follow"], "error: give --follow or --until-reply, not both"),
    (["-o", "csv"], "error: the console prints JSON lines, or a live view on a terminal: use -o jsonl or -o table, not -o csv"),
])
def test_bad_input_is_exit_2_and_nothing_is_sent(api, console, args, message):
    c = console(platform)
    r = run(api, c.url, str(TRACKER), *args, "-v")
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr == message + "\n"  # no request traced, nothing opened
    assert c.requests == []


def test_300_characters_are_sent(api, console):
    c = console(platform)
    command = "setparam " + "9" * 291
    r = run(api, c.url, str(TRACKER), "--send", command, "--until-reply")
    assert r.returncode == 0 and c.received == [command]


@pytest.mark.parametrize("url, message", [
    ("http://127.0.0.1:1/console", "invalid TRACKERCTL_CONSOLE_URL 'http://127.0.0.1:1/console': use a ws:// or wss:// URL"),
    ("ws://console.example.com/console", "refusing plain ws:// to console.example.com (TRACKERCTL_CONSOLE_URL)"),
    ("wss://panel.example.com/console?x=1", "invalid TRACKERCTL_CONSOLE_URL"),
])
def test_a_bad_console_url_is_exit_2_before_anything_is_sent(api, url, message):
    r = run(api, url, str(TRACKER), "-v")
    assert r.returncode == 2 and r.stderr.startswith("error: " + message) and "> POST" not in r.stderr


def test_a_tracker_without_an_imei_is_exit_2_and_no_key_is_asked(api, console):
    tracker = SEED["tracker_offline"]
    sql(api.sandbox, "UPDATE sources SET device_id = '' WHERE id = (SELECT source_id FROM trackers WHERE id = ?)", tracker)
    c = console(platform)
    r = run(api, c.url, str(tracker), "--send", "getinfo", "-v")
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.splitlines()[-1] == f"error: tracker {tracker} has no IMEI (source.device_id): its console cannot be opened"
    assert "console/connect" not in r.stderr and c.requests == []


@pytest.mark.parametrize("tracker, code, exit_code", [
    (99999999, 201, 4),  # no such tracker: the read says so, no key asked
    (SEED["tracker_blocked"], 230, 1),  # console/connect refuses a blocked tracker
    (SEED["tracker_corrupted"], 252, 1),
])
def test_api_errors_map_as_usual(api, console, tracker, code, exit_code):
    c = console(platform)
    r = run(api, c.url, str(tracker), "-o", "jsonl")
    assert r.returncode == exit_code and r.stdout == "" and c.requests == []
    assert json.loads(r.stderr)["status"]["code"] == code


def test_the_profiles_console_url_and_the_environment_over_it(api, console, tmp_path):
    from trackerctl.config import Config

    profiles, environment = console(platform), console(platform)
    Config(tmp_path / "config.toml", profiles={"default": {"console_url": profiles.url}}).save()
    r = run(api, None, str(TRACKER), "--send", "getinfo", "--until-reply", TRACKERCTL_CONFIG=str(tmp_path / "config.toml"))
    assert r.returncode == 0, r.stderr
    r = run(api, environment.url, str(TRACKER), "--send", "getinfo", "--until-reply", TRACKERCTL_CONFIG=str(tmp_path / "config.toml"))
    assert r.returncode == 0, r.stderr
    assert (len(profiles.requests), len(environment.requests)) == (1, 1)
    Config(tmp_path / "config.toml", profiles={"default": {"console_url": "ws://console.example.com/"}}).save()
    r = run(api, None, str(TRACKER), TRACKERCTL_CONFIG=str(tmp_path / "config.toml"))
    assert r.returncode == 2 and "(console_url of profile default)" in r.stderr


def test_dry_run_prints_the_first_request_and_opens_nothing(api, console):
    c = console(platform)
    r = run(api, c.url, str(TRACKER), "--send", "getinfo", "--dry-run")
    assert r.returncode == 0 and c.requests == []
    assert [json.loads(line)["url"].rsplit("/v2/", 1)[1] for line in r.stdout.splitlines()] == ["panel/tracker/read"]


def test_an_invalid_tracker_id_is_exit_2(api):
    r = run(api, None, "12x")
    assert r.returncode == 2 and "TRACKER_ID" in r.stderr


# ---- TLS: the HTTP client's trust ---------------------------------------------------------------
def test_wss_trusts_the_ca_bundle_and_refuses_an_unknown_certificate(api, console, tmp_path):
    import ssl

    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    c = console(platform, ssl=context)
    url = c.url.replace("ws://", "wss://")
    r = run(api, url, str(TRACKER), "--send", "getinfo", "--until-reply", "--timeout", "60", "--ca-bundle", str(tmp_path / "ca.pem"))
    assert r.returncode == 0, r.stderr
    r = run(api, url, str(TRACKER), "--send", "getinfo")
    assert r.returncode == 5 and r.stderr.startswith("error: certificate verify failed for 127.0.0.1")


# ---- the pieces ---------------------------------------------------------------------------------
def test_frames_as_the_console_sends_them():
    assert parse_frame(json.dumps(STATUS)) == STATUS
    assert parse_frame('{"type": "output", "msg": "x"}') == {"type": "output", "msg": "x"}
    assert parse_frame('{"type": "other", "what": 1}') == {"type": "other", "what": 1}
    for bad in ("", "x", "[]", "1", '{"type": 1}', '{"type": "status", "data": [["a"]]}', '{"type": "status", "data": [["a", 1]]}',
                '{"type": "output", "msg": null}', b'{"type": "output", "msg": "x"}', "[" * 100_000):
        assert parse_frame(bad) is None, bad


def test_the_terminal_view_keeps_the_status_by_name_and_the_latest_output():
    view = TerminalView()
    view.add(STATUS, 0)
    view.add({"type": "status", "data": [["GSM Level", "20"], ["Battery level", "3.8"]]}, 0)
    for i in range(30):
        view.add({"type": "output", "msg": f"line {i}\nmore {i}"}, 0)
    rows = view.records((40, 20))
    assert rows[:4] == [{"name": "Time", "value": "2017-11-16 10:02:37.0"}, {"name": "Location valid", "value": "yes"},
                        {"name": "GSM Level", "value": "20"}, {"name": "Battery level", "value": "3.8"}]
    output = rows[4:]
    assert len(output) == 20 - 4 - 4 and output[-1] == {"name": "", "value": "more 29"}
    view.add({"type": "output", "msg": "y" * 200}, 0)
    assert len(view.records((40, 20))[-1]["value"]) <= 40 - 14 - 2


def test_check_options_takes_what_the_web_panel_takes():
    check_options(["getinfo", "setparam 101:4", "ä" * 300], follow=False, until_reply=True, timeout=0.1)
    with pytest.raises(UsageError):
        check_options(["getinfo"], follow=False, until_reply=False, timeout=float("inf"))


# ---- in-process: the sandbox's session ----------------------------------------------------------
def test_in_process_against_the_sandbox(tmp_path):
    r = run_cli(isolated_env(tmp_path), "--api-url", "sandbox", "panel", "tracker", "console", "open", str(TRACKER), "--send", "getinfo",
                "--until-reply", "--timeout", "30")
    assert r.returncode == 0, r.stderr
    frames = lines(r.stdout)
    assert frames[0]["type"] == "status" and frames[-1]["type"] == "output" and "getinfo" in frames[-1]["msg"]


def test_in_process_a_refused_key_is_exit_5(tmp_path, monkeypatch):
    """The sandbox checks the key against the IMEI: a tracker whose IMEI changed between the read and
    the handshake is refused (HTTP 403), as the platform would refuse it."""
    from trackerctl.sandbox import channels

    opened = channels.open_channel
    monkeypatch.setattr(channels, "open_channel", lambda sb, path, query, now: opened(sb, path, {**query, "device": "1"}, now))
    r = run_cli(isolated_env(tmp_path), "--api-url", "sandbox", "panel", "tracker", "console", "open", str(TRACKER))
    assert r.returncode == 5 and len(r.stderr.splitlines()) == 1
    assert r.stderr.startswith("error: cannot open the console: the sandbox refused it (HTTP 403")
