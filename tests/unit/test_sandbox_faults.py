"""Sandbox fault injection, in-process (Sandbox.handle and the exchange of --api-url sandbox)."""

from __future__ import annotations

import json
import time

import pytest

from trackerctl.api.connection import Lost
from trackerctl.sandbox import faults as faults_module
from trackerctl.sandbox.app import Faults, Sandbox
from trackerctl.sandbox.exchange import SandboxExchange
from trackerctl.sandbox.seed import SEED

AUTH = ("/v2/user/auth", json.dumps({"login": "demo@example.com", "password": "demo"}).encode())


def sessions(sb: Sandbox) -> int:
    with sb.transaction() as conn:
        return conn.execute("SELECT COUNT(*) FROM user_sessions WHERE kind = 'session'").fetchone()[0]


def test_fail_rate_refuses_with_503_code_8_unprocessed(tmp_path):
    sb = Sandbox(tmp_path / "s.sqlite", faults=Faults(fail_rate=1.0))
    reply = sb.handle(*AUTH, {})
    assert reply.status == 503 and not reply.drop
    assert json.loads(reply.body) == {"success": False, "status": {"code": 8, "description": "Queue service error, try again later"}}
    assert sessions(sb) == 0


def test_drop_rate_processes_then_gives_no_answer(tmp_path):
    sb = Sandbox(tmp_path / "s.sqlite", faults=Faults(drop_rate=1.0))
    reply = sb.handle(*AUTH, {})
    assert reply.drop is True
    assert sessions(sb) == 1  # the session was created: the outcome is unknown to the client only


def test_rate_limit_answers_429_code_15_with_retry_after(tmp_path, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(faults_module.time, "monotonic", lambda: clock[0])
    sb = Sandbox(tmp_path / "s.sqlite", faults=Faults(rate_limit=3), implicit_auth=True)
    statuses = [sb.handle("/v2/tracker/list", b"{}", {}).status for _ in range(3)]
    refused = sb.handle("/v2/tracker/list", b"{}", {})
    assert statuses == [200, 200, 200]
    assert refused.status == 429 and refused.headers["Retry-After"] == "1"
    assert json.loads(refused.body)["status"] == {"code": 15, "description": "Too many requests (rate limit exceeded)"}
    clock[0] += 0.5
    assert sb.handle("/v2/tracker/list", b"{}", {}).status == 429  # refusals do not count, but the window still holds 3
    clock[0] += 0.51
    assert sb.handle("/v2/tracker/list", b"{}", {}).status == 200  # the first three left the 1 s window


def test_latency_is_added_to_every_answer(tmp_path):
    sb = Sandbox(tmp_path / "s.sqlite", faults=Faults(latency_ms=60, fail_rate=1.0))
    started = time.perf_counter()
    assert sb.handle("/v2/tracker/list", b"{}", {}).status == 503
    assert time.perf_counter() - started >= 0.06


def test_seed_makes_fault_decisions_reproducible(tmp_path):
    def run(path):
        sb = Sandbox(path, faults=Faults(fail_rate=0.5, drop_rate=0.3, seed=7), implicit_auth=True)
        return [(r.status, r.drop) for r in (sb.handle("/v2/tracker/list", b"{}", {}) for _ in range(40))]

    first, second = run(tmp_path / "a.sqlite"), run(tmp_path / "b.sqlite")
    assert first == second
    assert {s for s, _ in first} == {200, 503} and any(d for _, d in first)


@pytest.mark.parametrize("bad", [{"fail_rate": 1.5}, {"drop_rate": -0.1}, {"latency_ms": -1}, {"rate_limit": 0}])
def test_invalid_faults_are_refused(bad):
    with pytest.raises(ValueError):
        Faults(**bad)


# ---- the in-process exchange (--api-url sandbox) ---------------------------------------------------


def post(sb: Sandbox, path: str, payload: dict | None = None):
    return SandboxExchange(sb).post(f"http://sandbox.invalid/v2/{path}", {"Content-Type": "application/json"},
                                    json.dumps(payload or {}).encode(), 30)


def test_exchange_answers_like_the_server(tmp_path):
    sb = Sandbox(tmp_path / "s.sqlite", implicit_auth=True)
    r = post(sb, "tracker/read", {"tracker_id": SEED["tracker"]})
    assert (r.status, r.reason) == (200, "OK") and r.headers.get("content-type").startswith("application/json")
    assert json.loads(r.content)["value"]["label"] == "Truck 01 north"
    assert json.loads(post(sb, "tracker/nothing").content)["status"]["code"] == 111


def test_exchange_drop_raises_lost_after_processing(tmp_path):
    sb = Sandbox(tmp_path / "s.sqlite", faults=Faults(drop_rate=1.0))
    with pytest.raises(Lost, match="closed the connection without answering"):
        post(sb, "user/auth", {"login": "demo@example.com", "password": "demo"})
    assert sessions(sb) == 1


def test_exchange_fail_and_rate_limit(tmp_path):
    r = post(Sandbox(tmp_path / "s.sqlite", faults=Faults(fail_rate=1.0)), "user/auth", {"login": "demo@example.com", "password": "demo"})
    assert r.status == 503 and json.loads(r.content)["status"]["code"] == 8
    sb = Sandbox(tmp_path / "s.sqlite", faults=Faults(rate_limit=1), implicit_auth=True)
    assert post(sb, "tracker/list").status == 200
    r = post(sb, "tracker/list")
    assert (r.status, r.reason) == (429, "Too Many Requests") and r.headers.get("retry-after") == "1"
