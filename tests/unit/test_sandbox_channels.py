"""The sandbox's WebSocket channels without sockets (trackerctl/sandbox/channels.py and the
sessions behind it): what `open_channel` refuses, and the frames a session answers with, driven by a
transport clock the test moves (`now`) and the sandbox clock (`advance_clock`). The same channels
over real sockets: tests/e2e/test_sandbox_channels_e2e.py."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from tests.helpers.environment import isolated_env
from tests.helpers.inprocess import run_cli
from tests.helpers.sandbox import ok, sql
from trackerctl.sandbox.app import Sandbox, reset
from trackerctl.sandbox.channels import ChannelRefused, ChannelSettings, open_channel
from trackerctl.sandbox.console import COMMAND_LIMIT, KEY_LIFETIME
from trackerctl.sandbox.seed import SEED
from trackerctl.sandbox.subscription import STATE_RATE

SUBSCRIPTION = "/v2/event/subscription"
FRESH, IDLE, TRACKER = SEED["tracker_fresh"], SEED["tracker_idle"], SEED["tracker"]


def decoded(frames: list[str]) -> list[Any]:
    return [json.loads(f) for f in frames]


def source_of(sb: Sandbox, tracker_id: int) -> int:
    return sql(sb, "SELECT source_id FROM trackers WHERE id = ?", tracker_id)[0][0]


# ---- the console ---------------------------------------------------------------------------------


def console_query(sb: Sandbox, tracker_id: int = FRESH) -> dict[str, str]:
    """A fresh key for the tracker from panel/tracker/console/connect, as the console URL's query."""
    body = ok(sb, "panel/tracker/console/connect", {"tracker_id": tracker_id})
    panel = ok(sb, "panel/tracker/read", {"tracker_id": tracker_id})["value"]
    return {"device": panel["source"]["device_id"], "key": body["key"], "timestamp": str(body["timestamp"]),
            "dealer_id": str(panel["dealer_id"])}


def open_console(sb: Sandbox, tracker_id: int = FRESH):
    return open_channel(sb, "/console", console_query(sb, tracker_id), 0.0)


def refusal(sb: Sandbox, path: str, query: dict[str, str]) -> tuple[int, str]:
    with pytest.raises(ChannelRefused) as e:
        open_channel(sb, path, query, 0.0)
    assert "\n" not in e.value.reason
    return e.value.status, e.value.reason


def test_a_console_opens_with_a_status_frame_of_strings(sb):
    session = open_console(sb)
    (status,) = decoded(session.opened())
    assert status["type"] == "status"
    table = dict(status["data"])
    assert all(isinstance(n, str) and isinstance(v, str) for n, v in status["data"])
    assert list(table)[:4] == ["Time", "Location valid", "Latitude", "Longitude"]
    assert table["Location valid"] == "yes" and table["Latitude"].startswith("52.") and table["Speed"] == "40"
    assert {"GSM Level", "Battery level", "Digital input 1", "Digital output 1", "Analog input 1"} <= set(table)
    assert "Digital input 2" not in table  # telfmb920 has one of each (seed)
    assert session.closed is False and 0 < session.wait_hint() <= 1.0


def test_the_status_names_follow_the_model(sb):
    atrack = dict(decoded(open_console(sb, TRACKER).opened())[0]["data"])  # atrack_ak11: 4 inputs, 4 outputs, 2 analog
    assert {"Digital input 4", "Digital output 4", "Analog input 2"} <= set(atrack) and "Digital input 5" not in atrack
    phone = dict(decoded(open_console(sb, SEED["tracker_no_gsm"]).opened())[0]["data"])  # no GSM module
    assert "GSM Level" not in phone and "Digital input 1" not in phone


def test_a_command_is_answered_by_one_output_frame_echo_then_reply(sb):
    session = open_console(sb)
    (reply,) = decoded(session.received("getinfo"))
    echo, answer = reply["msg"].split("\n")
    assert reply["type"] == "output" and echo == "getinfo"  # the message that contains the command is its reply
    assert "IMEI:356938035643809" in answer and "FW:03.28" in answer
    assert decoded(session.received("setparam 101:4")) == [{"type": "output", "msg": "setparam 101:4\nNew value 101:4"}]
    assert decoded(session.received("getparam 101"))[0]["msg"] == "getparam 101\nParam ID:101 Value:4"
    assert decoded(session.received("getgps"))[0]["msg"].startswith("getgps\nGPS:1 Sat:9 Lat:52.")
    kept = [json.loads(p)["command"] for (p,) in sql(sb, "SELECT payload FROM commands WHERE kind = 'console' ORDER BY id")]
    assert kept == ["getinfo", "setparam 101:4", "getparam 101", "getgps"]


@pytest.mark.parametrize("command, error", [
    ("reboot now", "ERROR: unknown command 'reboot'"),
    ("", "ERROR: empty command"),
    ("setparam 101", "ERROR: setparam takes ID:VALUE[;ID:VALUE...]"),
    ("getparam x", "ERROR: getparam takes a parameter ID"),
    ("setdigout 2", "ERROR: setdigout takes one of 0, 1 or ? for each of the 1 outputs"),
    ("getinfo " + "x" * COMMAND_LIMIT, f"ERROR: command longer than {COMMAND_LIMIT} characters"),
])
def test_a_command_the_device_does_not_take_gets_an_error_line(sb, command, error):
    (reply,) = decoded(open_console(sb).received(command))
    assert reply == {"type": "output", "msg": f"{command}\n{error}"}


def test_setdigout_changes_the_outputs_and_a_status_frame_follows(sb):
    session = open_console(sb, IDLE)
    assert dict(decoded(session.opened())[0]["data"])["Digital output 1"] == "1"
    assert decoded(session.received("setdigout 0"))[0]["msg"] == "setdigout 0\nDOUT1:0"
    (status,) = decoded(session.tick(1.0))
    assert dict(status["data"])["Digital output 1"] == "0"
    assert ok(sb, "tracker/get_state", {"tracker_id": IDLE})["state"]["outputs"] == [False]
    assert session.tick(2.0) == []  # nothing changed since


def test_a_console_key_is_single_use(sb):
    query = console_query(sb)
    open_channel(sb, "/console", query, 0.0)
    status, reason = refusal(sb, "/console", query)
    assert status == 403 and "used already" in reason
    open_channel(sb, "/console", console_query(sb), 0.0)  # a new key for every connection


def test_a_console_key_expires_after_60_seconds_by_the_sandbox_clock(sb):
    query = console_query(sb)
    sb.advance_clock(KEY_LIFETIME + 1)
    status, reason = refusal(sb, "/console", query)
    assert status == 403 and "expired" in reason
    query = console_query(sb)
    sb.advance_clock(KEY_LIFETIME - 5)
    open_channel(sb, "/console", query, 0.0)


@pytest.mark.parametrize("change, status", [
    ({"device": "356938035643817"}, 403),  # another tracker's IMEI
    ({"timestamp": "1"}, 403),
    ({"dealer_id": "2"}, 403),
    ({"key": "0" * 40}, 403),
    ({"key": ""}, 400),
    ({"timestamp": "soon"}, 400),
    ({"dealer_id": "1.5"}, 400),
])
def test_a_console_key_is_checked_against_imei_timestamp_and_dealer(sb, change, status):
    query = console_query(sb)
    assert refusal(sb, "/console", {**query, **change})[0] == status
    open_channel(sb, "/console", query, 0.0)  # a refusal does not use the key up


def test_a_key_of_a_tracker_blocked_since_is_refused(sb):
    query = console_query(sb, IDLE)
    ok(sb, "panel/tracker/source/update", {"tracker_id": IDLE, "blocked": True})
    assert refusal(sb, "/console", query)[0] == 403


def test_an_unknown_path_is_404_and_both_subscription_paths_open(sb):
    assert refusal(sb, "/v2/tracker/list", {})[0] == 404
    assert refusal(sb, "/", {})[0] == 404
    for path in (SUBSCRIPTION, "/event/subscription", SUBSCRIPTION + "/"):
        assert open_channel(sb, path, {}, 0.0).opened()


# ---- the subscription ----------------------------------------------------------------------------


def subscription(sb: Sandbox, heartbeat_ms: int = 1000, silence_s: float | None = None, query: dict | None = None):
    sb.channel_settings = ChannelSettings(heartbeat_ms=heartbeat_ms, silence_s=silence_s)
    return open_channel(sb, SUBSCRIPTION, query or {"X-Atmosphere-tracking-id": "0", "X-Atmosphere-Transport": "websocket"}, 0.0)


def subscribe(session, *requests: dict, hash: str | None = SEED["api_key"], action: str = "subscribe") -> list[Any]:
    message = {"action": action, "hash": hash, "requests": list(requests)}
    return decoded(session.received(json.dumps(message)))


def events(frames: list[Any], name: str) -> list[Any]:
    return [f["data"] for f in frames if f != "X" and f["type"] == "event" and f["event"] == name]


class Ticks:
    """Ticks a session along the transport clock, a second apart (beyond the poll interval)."""

    def __init__(self, session) -> None:
        self.session, self.now = session, 0.0

    def __call__(self, seconds: float = 1.0) -> list[Any]:
        self.now += seconds
        return [f if f == "X" else json.loads(f) for f in self.session.tick(self.now)]


def test_the_first_frame_is_the_atmosphere_handshake(sb):
    (first,) = subscription(sb, heartbeat_ms=1500).opened()
    uid, heartbeat, padding, rest = first.split("|")
    assert len(uid) == 36 and uid.count("-") == 4 and (heartbeat, padding, rest) == ("1500", "X", "")
    again = subscription(sb, query={"X-Atmosphere-tracking-id": uid}).opened()[0]
    assert again.startswith(uid + "|")  # a reconnect keeps its tracking id


@pytest.mark.parametrize("query", [{"X-Atmosphere-tracking-id": "not-a-uuid"}, {"X-Atmosphere-Transport": "long-polling"}])
def test_a_bad_atmosphere_query_is_400(sb, query):
    assert refusal(sb, SUBSCRIPTION, query)[0] == 400


def test_heartbeats_both_ways_and_silence_ends_the_session(sb):
    session = subscription(sb, heartbeat_ms=1000)  # silence: ten heartbeats
    tick = Ticks(session)
    assert tick(0.5) == [] and tick(0.5) == ["X"] and tick(0.5) == [] and tick(0.5) == ["X"]
    assert session.received("X") == [] and session.received("1|X") == []  # a client's heartbeat needs no answer
    assert tick(0.0) == []  # a transport ticks right after a frame: the session heard the client at 2.0
    for _ in range(9):
        tick(1.0)
    assert not session.closed  # heard at 2.0: not yet 10 s of silence
    tick(1.5)
    assert session.closed and "10 s" in session.close_reason


def test_subscribe_answers_each_tracker_and_sends_its_state(sb):
    session = subscription(sb)
    frames = subscribe(session, {"type": "state", "trackers": [TRACKER, SEED["tracker_blocked"], SEED["tracker_other"], 5,
                                                                SEED["tracker_corrupted"]]})
    response, *rest = frames
    assert response == {"type": "response", "action": "subscription/subscribe", "events": ["state"], "data": {"state": {
        "success": True, "value": {str(TRACKER): "normal", str(SEED["tracker_blocked"]): "blocked",
                                   str(SEED["tracker_other"]): "disallowed", "5": "unknown",
                                   str(SEED["tracker_corrupted"]): "unknown"}}}}
    (state,) = events(rest, "state")
    assert state == ok(sb, "tracker/get_state", {"tracker_id": TRACKER})["state"]
    assert state["source_id"] == source_of(sb, TRACKER)
    assert rest[0]["user_time"][:2] == "20" and len(rest[0]["user_time"]) == 19


def test_the_older_form_and_length_prefixed_frames_are_taken(sb):
    session = subscription(sb)
    message = json.dumps({"action": "subscribe", "hash": SEED["api_key"], "trackers": [IDLE], "events": ["state"]})
    response, state = decoded(session.received(f"{len(message)}|{message}"))
    assert response["data"]["state"]["value"] == {str(IDLE): "normal"}
    assert state["event"] == "state" and state["data"]["source_id"] == source_of(sb, IDLE)


@pytest.mark.parametrize("hash, code", [("x", 3), ("0" * 32, 3), (None, 3), (12, 3)])
def test_a_wrong_hash_is_an_error_frame_with_code_3(sb, hash, code):
    sb.implicit_auth = False
    session = subscription(sb)
    (error,) = subscribe(session, {"type": "state", "trackers": [TRACKER]}, hash=hash)
    assert error["type"] == "error" and error["action"] == "subscription/subscribe"
    assert error["status"] == {"code": code, "description": "Wrong hash"}
    assert error["data"] == {"requests": [{"type": "state", "trackers": [TRACKER]}]}
    assert not session.closed


def test_a_session_ended_by_idleness_is_code_4(sb):
    hash = ok(sb, "user/auth", {"login": SEED["login_demo"], "password": "demo"})["hash"]
    sb.advance_clock(31 * 86400)
    (error,) = subscribe(subscription(sb), {"type": "state", "trackers": [TRACKER]}, hash=hash)
    assert error["status"]["code"] == 4


@pytest.mark.parametrize("message, code, parameter", [
    ("{not json", 5, None),
    ("[1, 2]", 5, None),
    ({"action": "listen"}, 7, "action"),
    ({"action": "subscribe", "hash": SEED["api_key"]}, 7, "requests"),
    ({"action": "subscribe", "hash": SEED["api_key"], "requests": []}, 7, "requests"),
    ({"action": "subscribe", "hash": SEED["api_key"], "requests": [{"type": "state", "trackers": []}]}, 7, "requests[0].trackers"),
    ({"action": "subscribe", "hash": SEED["api_key"], "requests": [{"type": "state", "trackers": ["1"]}]}, 7, "requests[0].trackers"),
    ({"action": "subscribe", "hash": SEED["api_key"], "requests": [{"type": "state_batch"}]}, 7, "requests[0].target"),
    ({"action": "subscribe", "hash": SEED["api_key"], "requests": [
        {"type": "state_batch", "target": {"type": "all"}, "rate_limit": "5 s"}]}, 7, "requests[0].rate_limit"),
    ({"action": "subscribe", "hash": SEED["api_key"], "requests": [
        {"type": "state_batch", "target": {"type": "all"}, "rate_limit": "10ms"}]}, 7, "requests[0].rate_limit"),
    ({"action": "subscribe", "hash": SEED["api_key"], "requests": [
        {"type": "state_batch", "target": {"type": "all"}, "format": "tiny"}]}, 7, "requests[0].format"),
    ({"action": "subscribe", "hash": SEED["api_key"], "requests": [
        {"type": "readings_batch", "target": {"type": "all"}}]}, 7, "requests[0].type"),
    ({"action": "subscribe", "hash": SEED["api_key"], "trackers": [1], "events": ["state", "readings"]}, 7, "events"),
])
def test_a_malformed_message_is_an_error_frame_with_the_rest_codes(sb, message, code, parameter):
    text = message if isinstance(message, str) else json.dumps(message)
    (error,) = decoded(subscription(sb).received(text))
    assert error["type"] == "error" and error["status"]["code"] == code
    if parameter:
        assert [e["parameter"] for e in error["errors"]] == [parameter]


def test_a_change_through_the_api_is_a_state_event(sb):
    session = subscription(sb)
    subscribe(session, {"type": "state", "trackers": [IDLE, TRACKER]})
    tick = Ticks(session)
    assert events(tick(), "state") == []
    ok(sb, "tracker/change_phone", {"tracker_id": IDLE, "phone": "79995690000", "apn_name": "a", "apn_user": "", "apn_password": ""})
    assert events(tick(), "state") == []  # the phone is not in the state
    source = source_of(sb, IDLE)
    with sb.transaction() as conn:  # the device reports
        conn.execute("UPDATE device_data SET speed = 77 WHERE source_id = ?", (source,))
    (state,) = events(tick(), "state")
    assert state["source_id"] == source_of(sb, IDLE) and state["gps"]["speed"] == 77


def test_block_unblock_and_corrupt_are_lifecycle_events(sb):
    session = subscription(sb)
    subscribe(session, {"type": "state", "trackers": [IDLE, SEED["tracker_offline"]]})
    tick = Ticks(session)
    source = source_of(sb, IDLE)
    ok(sb, "panel/tracker/source/update", {"tracker_id": IDLE, "blocked": True})
    frames = tick()
    assert events(frames, "lifecycle") == [{"source_id": source, "lifecycle_event": "block"}] and not events(frames, "state")
    ok(sb, "panel/tracker/source/update", {"tracker_id": IDLE, "blocked": False})
    frames = tick()
    assert events(frames, "lifecycle") == [{"source_id": source, "lifecycle_event": "unblock"}]
    assert [s["source_id"] for s in events(frames, "state")] == [source]  # a state after an unblock
    ok(sb, "tracker/corrupt", {"tracker_id": SEED["tracker_offline"]})
    assert events(tick(), "lifecycle") == [{"source_id": source_of(sb, SEED["tracker_offline"]), "lifecycle_event": "corrupt"}]


def test_logout_is_an_event_then_the_session_closes(sb):
    hash = ok(sb, "user/auth", {"login": SEED["login_demo"], "password": "demo"})["hash"]
    session = subscription(sb)
    subscribe(session, {"type": "state", "trackers": [TRACKER]}, hash=hash)
    tick = Ticks(session)
    assert not events(tick(), "logout")
    assert sb.call("user/logout", {}, credential=hash)[0] == 200
    frames = tick()
    assert [f for f in frames if f != "X"][-1]["event"] == "logout" and events(frames, "logout") == ["session closed"]
    assert session.closed and session.close_reason == "session closed"


def test_a_session_that_ends_by_the_sandbox_clock_logs_out(sb):
    hash = ok(sb, "user/auth", {"login": SEED["login_demo"], "password": "demo"})["hash"]
    session = subscription(sb)
    subscribe(session, {"type": "state", "trackers": [TRACKER]}, hash=hash)
    sb.advance_clock(31 * 86400)  # 30 days without a use
    assert events(Ticks(session)(), "logout") == ["session closed"] and session.closed


def test_a_deleted_api_key_and_a_blocked_user_log_out(sb):
    key = ok(sb, "api/key/create", {"title": "watch"}, credential=ok(sb, "user/auth", {
        "login": SEED["login_demo"], "password": "demo"})["hash"])["value"]["hash"]
    session = subscription(sb)
    subscribe(session, {"type": "state", "trackers": [TRACKER]}, hash=key)
    with sb.transaction() as conn:
        conn.execute("DELETE FROM user_sessions WHERE hash = ?", (key,))
    assert events(Ticks(session)(), "logout") == ["session closed"]
    session = subscription(sb)
    subscribe(session, {"type": "state", "trackers": [TRACKER]})
    with sb.transaction() as conn:
        conn.execute("UPDATE users SET blocked = 1 WHERE id = ?", (SEED["user_demo"],))
    assert events(Ticks(session)(), "logout") == ["session closed"] and session.closed


def test_implicit_auth_subscribes_the_demo_user_without_a_hash(sb):
    response, state = subscribe(subscription(sb), {"type": "state", "trackers": [TRACKER]}, hash=None)
    assert response["type"] == "response" and state["data"]["source_id"] == source_of(sb, TRACKER)


def test_state_batch_sends_all_at_once_then_changes_at_most_once_per_rate_limit(sb):
    session = subscription(sb)
    response, batch = subscribe(session, {"type": "state_batch", "target": {"type": "all"}, "rate_limit": "2s"})
    visible = [t["id"] for t in ok(sb, "tracker/list")["list"]]
    value = response["data"]["state_batch"]["value"]
    assert set(value) == {str(i) for i in visible} and value[str(SEED["tracker_blocked"])] == "blocked"
    assert batch["event"] == "state_batch"
    assert {s["source_id"] for s in batch["data"]} == {source_of(sb, i) for i in visible if i != SEED["tracker_blocked"]}
    tick = Ticks(session)
    sb.move_fleet(1, 1.0)
    assert events(tick(1.0), "state_batch") == []  # 1 s after the last batch
    (moved,) = events(tick(1.0), "state_batch")
    assert moved and all("gps" in s for s in moved)
    assert events(tick(1.0), "state_batch") == []  # nothing new


def test_a_tracker_registered_after_a_state_batch_of_all_comes_in_the_next_batch(sb):
    session = subscription(sb)
    subscribe(session, {"type": "state_batch", "target": {"type": "all"}, "rate_limit": "1s"})
    new = ok(sb, "tracker/register_quick", {"label": "New", "group_id": 0, "imei": SEED["bundle_imei"]})["value"]
    (batch,) = events(Ticks(session)(), "state_batch")
    assert [s["source_id"] for s in batch] == [new["source"]["id"]]


def test_state_batch_of_selected_trackers_compact(sb):
    session = subscription(sb)
    response, batch = subscribe(session, {"type": "state_batch", "target": {"type": "selected", "tracker_ids": [IDLE, 5]},
                                          "rate_limit": "500ms", "format": "compact"})
    assert response["data"]["state_batch"]["value"] == {str(IDLE): "normal", "5": "unknown"}
    (item,) = batch["data"]
    assert item["type"] == "source_state_event"
    assert list(item["state"]) == ["source_id", "gps", "connection_status", "movement_status", "last_update"]


def test_unsubscribe_stops_the_events(sb):
    session = subscription(sb)
    subscribe(session, {"type": "state", "trackers": [IDLE, TRACKER]})
    (response,) = subscribe(session, {"type": "state", "trackers": [IDLE]}, action="unsubscribe")
    assert response["action"] == "subscription/unsubscribe" and response["data"]["state"]["value"] == {str(IDLE): "normal"}
    sb.move_fleet(1, 1.0)  # both are connected: both report
    assert [s["source_id"] for s in events(Ticks(session)(), "state")] == [source_of(sb, TRACKER)]


def test_state_events_are_limited_to_350_a_second(tmp_path):
    path = tmp_path / "big.sqlite"
    reset(path, trackers=2 * STATE_RATE + 100)
    sb = Sandbox(path, implicit_auth=True)
    ids = [t["id"] for t in ok(sb, "tracker/list")["list"] if t["id"] >= SEED["generated_tracker_start"]][:STATE_RATE + 20]
    session = subscription(sb)
    response, *first = subscribe(session, {"type": "state", "trackers": ids})
    normal = list(response["data"]["state"]["value"].values()).count("normal")  # the others are blocked
    assert len(events(first, "state")) == STATE_RATE < normal
    tick = Ticks(session)
    assert len(events(tick(0.01), "state")) == 3  # 0.01 s later: 3.5 more allowed
    assert len(events(tick(1.0), "state")) == normal - STATE_RATE - 3


# ---- the moving fleet ----------------------------------------------------------------------------


def positions(sb: Sandbox) -> list[tuple]:
    return sql(sb, "SELECT source_id, lat, lng, heading, speed, movement_status FROM device_data ORDER BY source_id")


def test_the_fleet_moves_deterministically(tmp_path):
    runs = []
    for name, seed in (("a", 7), ("b", 7), ("c", 8)):
        sb = Sandbox(tmp_path / f"{name}.sqlite")
        before = positions(sb)
        assert sb.move_fleet(1, 1.0, seed) == sb.move_fleet(2, 1.0, seed) > 0
        runs.append((before, positions(sb)))
    (before, a), (_, b), (_, c) = runs
    assert a == b and a != c
    moved = {row[0] for row, old in zip(a, before) if row != old}
    active = {r[0] for r in sql(sb, "SELECT id FROM sources WHERE connection_status = 'active' AND blocked = 0 AND corrupted = 0")}
    assert moved == active  # the idle ones stand, the others do not report
    assert {r[0] for r in sql(sb, "SELECT source_id FROM device_data WHERE movement_status = 'moving'")} == active
    idle = source_of(sb, IDLE)
    assert sql(sb, "SELECT last_fix FROM device_data WHERE source_id = ?", idle)[0][0] > sql(
        sb, "SELECT last_fix FROM device_data WHERE source_id = ?", source_of(sb, SEED["tracker_offline"]))[0][0] + 86400


def test_a_moving_tracker_shows_in_the_console_and_the_subscription(sb):
    console = open_console(sb)
    subscriber = subscription(sb)
    subscribe(subscriber, {"type": "state", "trackers": [FRESH]})
    before = ok(sb, "tracker/get_state", {"tracker_id": FRESH})["state"]["gps"]["location"]
    sb.move_fleet(1, 5.0)
    (state,) = events(Ticks(subscriber)(), "state")
    assert state["gps"]["location"] != before and state["movement_status"] == "moving"
    (status,) = decoded(console.tick(1.0))
    assert dict(status["data"])["Latitude"] == f"{state['gps']['location']['lat']:.7f}"


# ---- start-up ------------------------------------------------------------------------------------


def test_the_channels_do_not_import_websockets_and_the_http_path_neither():
    code = ("import sys, tempfile, json\n"
            "from trackerctl.sandbox.app import Sandbox\n"
            "from trackerctl.sandbox.channels import open_channel\n"
            "from trackerctl.sandbox.server import make_server\n"
            "sb = Sandbox(tempfile.mkdtemp() + '/s.sqlite', implicit_auth=True)\n"
            "s = open_channel(sb, '/v2/event/subscription', {}, 0.0)\n"
            "s.received(json.dumps({'action': 'subscribe', 'requests': [{'type': 'state', 'trackers': [123456]}]}))\n"
            "sb.call('tracker/list')\n"
            "assert 'websockets' not in sys.modules, 'websockets imported'\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("argv", [["sandbox", "serve", "--help"], ["--api-url", "sandbox", "-o", "json", "tracker", "list"],
                                  ["--api-url", "sandbox", "panel", "tracker", "console", "connect", str(FRESH)]])
def test_help_and_plain_commands_do_not_import_websockets(tmp_path, argv):
    env = {**isolated_env(tmp_path), "TRACKERCTL_KEYRING": "file"}
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "trackerctl", *argv], capture_output=True, text=True, env=env,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "websockets" not in {line.rsplit("|", 1)[1].strip().split(".")[0] for line in proc.stderr.splitlines()
                                if line.startswith("import time:") and "|" in line}


@pytest.mark.parametrize("option, message", [
    (["--move", "0"], "invalid value for --move"),
    (["--move", "-1"], "invalid value for --move"),
    (["--heartbeat", "5"], "invalid value for --heartbeat"),
])
def test_sandbox_serve_refuses_bad_channel_options(tmp_path, option, message):
    ran = run_cli(isolated_env(tmp_path), "sandbox", "serve", "--port", "0", *option)
    assert ran.returncode == 2 and message in ran.stderr and ran.stdout == ""
