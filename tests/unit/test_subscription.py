"""The event subscription's client (trackerctl.api.subscription) through a scripted channel and a
fake clock: the URL and query, the handshake, the subscribe message (state or state_batch), the
heartbeats, a reconnect with the handshake's uuid, error frames and logout. The CLI over real
sockets: tests/e2e/test_watch_e2e.py."""

from __future__ import annotations

import json
from urllib.parse import parse_qs

import pytest

from trackerctl.api import subscription as sub
from trackerctl.api.channel import ChannelError
from trackerctl.api.errors import ApiError
from trackerctl.errors import EXIT_AUTH, EXIT_TRANSIENT

UUID = "b623a15d-7a33-4f4e-8f3b-0c1d2e3f4a5b"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


class Scripted:
    """A channel that hands out its frames in order (an exception in the list is raised, None is a
    quiet `timeout`) and records what was sent."""

    def __init__(self, clock: Clock, frames: list) -> None:
        self.clock, self.frames, self.sent, self.closed = clock, list(frames), [], False

    def send(self, text: str) -> None:
        self.sent.append(text)

    def recv(self, timeout):
        if not self.frames:
            self.clock.now += timeout or 0
            return None
        frame = self.frames.pop(0)
        if isinstance(frame, Exception):
            raise frame
        if frame is None:
            self.clock.now += timeout or 0
        return frame

    def close(self) -> None:
        self.closed = True


def response(values: dict[str, str]) -> str:
    return json.dumps({"type": "response", "action": "subscription/subscribe", "events": ["state"],
                       "data": {"state": {"success": True, "value": values}}})


def event(name: str, data) -> str:
    return json.dumps({"type": "event", "event": name, "user_time": "2026-01-01 00:00:00", "data": data})


def subscription(clock: Clock, *scripts: list, ids=(1, 2)):
    channels, queries = [], []

    def open_channel(query: str, timeout: float):
        queries.append(parse_qs(query))
        if isinstance(scripts[len(channels)], Exception):
            channels.append(None)
            raise scripts[len(channels) - 1]
        channels.append(Scripted(clock, scripts[len(channels)]))
        return channels[-1]

    s = sub.Subscription(open_channel, "a" * 32, list(ids), clock=clock, sleep=clock.sleep, timeout=5)
    return s, channels, queries


def test_url_query_and_messages():
    assert sub.subscription_url("http://127.0.0.1:8900/v2") == "ws://127.0.0.1:8900/v2/event/subscription"
    assert sub.subscription_url("https://api.eu.navixy.com/v2/") == "wss://api.eu.navixy.com/v2/event/subscription"
    assert sub.subscription_query() == ("X-Atmosphere-tracking-id=0&X-Atmosphere-Framework=2.3.6-javascript&X-Atmosphere-Transport=websocket"
                                        "&Content-Type=application%2Fjson&X-atmo-protocol=true")
    few = sub.subscribe_message("h", [1, 2])
    assert few == {"action": "subscribe", "hash": "h", "requests": [{"type": "state", "trackers": [1, 2], "format": "full"}]}
    many = sub.subscribe_message("h", list(range(1, 52)), rate_limit=2)
    assert many["requests"] == [{"type": "state_batch", "target": {"type": "selected", "tracker_ids": list(range(1, 52))},
                                 "rate_limit": "2s", "format": "full"}]
    assert "hash" not in sub.subscribe_message(None, [1])  # the sandbox's implicit auth


def test_frames():
    assert sub.parse_handshake(f"{UUID}|30000|X|") == (UUID, 30.0)
    with pytest.raises(ChannelError):
        sub.parse_handshake('{"type": "event"}')
    assert sub.parse_frame("X") is None and sub.parse_frame("garbage") is None and sub.parse_frame("[1]") is None
    assert sub.parse_frame('17|{"type":"event"}') == {"type": "event"}  # a <length>| prefix is accepted
    assert sub.event_states({"event": "state_batch", "data": [{"source_id": 1}, {"type": "source_state_event", "state": {"source_id": 2}}]}) \
        == [{"source_id": 1}, {"source_id": 2}]
    assert sub.response_statuses(json.loads(response({"1": "normal", "2": "blocked"}))) == {1: "normal", 2: "blocked"}


def test_handshake_subscribe_and_heartbeats():
    clock = Clock()
    s, channels, queries = subscription(clock, [f"{UUID}|1000|X|", response({"1": "normal", "2": "unknown"}),
                                                event("state", {"source_id": 11})])
    s.open()
    assert queries[0]["X-Atmosphere-tracking-id"] == ["0"] and s.heartbeat == 1.0
    assert s.subscribe() == {1: "normal", 2: "unknown"}
    assert json.loads(channels[0].sent[0])["requests"][0]["trackers"] == [1, 2]
    messages = s.poll(0.5)
    assert [m["type"] for m in messages] == ["response"]
    assert s.poll(0.5)[0]["event"] == "state"
    s.poll(3.0)  # quiet: an X goes out every heartbeat
    assert channels[0].sent.count("X") >= 2


def test_a_dropped_channel_is_opened_again_with_the_uuid_and_subscribed_again():
    clock = Clock()
    s, channels, queries = subscription(
        clock,
        [f"{UUID}|30000|X|", response({"1": "normal"}), ChannelError("the event subscription dropped")],
        ChannelError("refused"),  # the first attempt fails: the next one waits longer
        [f"{UUID}|30000|X|", response({"1": "normal"}), event("state", {"source_id": 11})],
        ids=(1,),
    )
    s.connect()
    assert s.poll(1)[0]["type"] == "response"
    assert s.poll(1)[0]["type"] == "response"  # the new subscription's answer
    assert [q["X-Atmosphere-tracking-id"] for q in queries] == [["0"], [UUID], [UUID]]
    assert json.loads(channels[2].sent[0])["action"] == "subscribe" and channels[0].closed
    assert s.poll(1)[0]["event"] == "state" and s.reconnects == 1


def test_a_channel_that_cannot_be_opened_again_is_exit_5():
    clock = Clock()
    s, _, queries = subscription(clock, [f"{UUID}|30000|X|", response({"1": "normal"}), ChannelError("dropped")],
                                 *[ChannelError("refused")] * len(sub.BACKOFF))
    s.connect()
    s.poll(1)
    with pytest.raises(ChannelError) as e:
        s.poll(1)
    assert e.value.exit_code == EXIT_TRANSIENT and len(queries) == 1 + len(sub.BACKOFF)
    assert clock.now >= sum(sub.BACKOFF)


@pytest.mark.parametrize(("code", "exit_code"), [(3, 3), (4, 3), (7, 1), (201, 4)])
def test_an_error_frame_maps_through_the_usual_exit_codes(code, exit_code):
    clock = Clock()
    error = json.dumps({"type": "error", "action": "subscription/subscribe", "status": {"code": code, "description": "no"}})
    s, _, _ = subscription(clock, [f"{UUID}|30000|X|", error])
    s.open()
    with pytest.raises(ApiError) as e:
        s.subscribe()
    assert e.value.code == code and e.value.exit_code == exit_code


def test_logout_is_exit_3():
    clock = Clock()
    s, _, _ = subscription(clock, [f"{UUID}|30000|X|", response({"1": "normal"}), event("logout", "session closed")])
    s.connect()
    s.poll(1)
    with pytest.raises(sub.SessionClosed) as e:
        s.poll(1)
    assert e.value.exit_code == EXIT_AUTH and "session closed" in e.value.message


def test_no_handshake_is_a_channel_error():
    clock = Clock()
    s, _, _ = subscription(clock, [None])
    with pytest.raises(ChannelError):
        s.open()
