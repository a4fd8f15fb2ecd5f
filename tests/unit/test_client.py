"""The HTTP client against answers the sandbox cannot produce (httpx.MockTransport)."""

from __future__ import annotations

import json

import httpx
import pytest

from trackerctl.api.client import ApiClient, RetryPolicy, resolve_base_url
from trackerctl.api.connection import HttpxExchange
from trackerctl.api.errors import (
    EXIT_AUTH,
    EXIT_NOT_FOUND,
    EXIT_TRANSIENT,
    ApiError,
    AuthError,
    BadResponse,
    OutcomeUnknown,
    TransientError,
    UsageError,
)

HASH = "a6aa75587e5c59c32d347da438505fc3"
FAST = RetryPolicy(attempts=4, base_delay=0.0, max_delay=0.0)


def make(handler, **kw) -> tuple[ApiClient, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request, len(seen))

    kw.setdefault("credential", lambda api: HASH)
    kw.setdefault("retry", FAST)
    return ApiClient("https://api.example.com/v2", exchange=HttpxExchange(transport=httpx.MockTransport(record)), **kw), seen


def ok(body: dict) -> httpx.Response:
    return httpx.Response(200, json={"success": True, **body})


def err(code: int, status: int = 400, **extra) -> httpx.Response:
    return httpx.Response(status, json={"success": False, "status": {"code": code, "description": f"d{code}"}, **extra})


def test_request_shape_header_and_body():
    client, seen = make(lambda r, n: ok({"list": []}))
    assert client.call("tracker/list", {"labels": ["a"]}) == {"success": True, "list": []}
    (req,) = seen
    assert req.method == "POST"
    assert str(req.url) == "https://api.example.com/v2/tracker/list"
    assert req.headers["Authorization"] == f"NVX {HASH}"
    assert req.headers["User-Agent"].startswith("trackerctl/")
    assert json.loads(req.content) == {"labels": ["a"]}
    assert HASH not in str(req.url) and HASH.encode() not in req.content


def test_api_error_keeps_code_extra_and_exit_code():
    client, _ = make(lambda r, n: err(203, rules=[10]))
    with pytest.raises(ApiError) as e:
        client.call("tracker/delete", {"tracker_id": 1}, read_only=False)
    assert (e.value.code, e.value.extra, e.value.exit_code) == (203, {"rules": [10]}, 1)


def test_code_inside_http_500_decides_the_exit_code():
    client, _ = make(lambda r, n: err(201, status=500))
    with pytest.raises(ApiError) as e:
        client.call("tracker/read", {"tracker_id": 1})
    assert e.value.exit_code == EXIT_NOT_FOUND


@pytest.mark.parametrize("code,status", [(15, 429), (8, 503), (14, 503)])
def test_not_processed_answers_are_retried_even_for_writes(code, status):
    client, seen = make(lambda r, n: err(code, status) if n < 3 else ok({}))
    assert client.call("tracker/corrupt", {"tracker_id": 1}, read_only=False) == {"success": True}
    assert len(seen) == 3


def test_retry_after_is_honoured(monkeypatch):
    waits: list[float] = []
    monkeypatch.setattr("trackerctl.api.client.time.sleep", waits.append)
    client, _ = make(lambda r, n: httpx.Response(429, headers={"Retry-After": "2"}, json={
        "success": False, "status": {"code": 15, "description": "Too many requests"}}) if n == 1 else ok({}),
        retry=RetryPolicy(attempts=3, base_delay=0.0, max_delay=30.0))
    client.call("tracker/list", {})
    assert waits == [2.0]


def test_retries_run_out_with_exit_5():
    client, seen = make(lambda r, n: err(15, 429))
    with pytest.raises(ApiError) as e:
        client.call("tracker/list", {})
    assert e.value.exit_code == EXIT_TRANSIENT and len(seen) == FAST.attempts


@pytest.mark.parametrize("response", [
    lambda: httpx.Response(502, text="<html>Bad gateway</html>", headers={"Content-Type": "text/html"}),
    lambda: err(6, 500),
])
def test_open_outcome_is_retried_for_reads_only(response):
    client, seen = make(lambda r, n: response() if n == 1 else ok({"value": {}}))
    assert client.call("tracker/read", {"tracker_id": 1})["value"] == {}
    assert len(seen) == 2
    client, seen = make(lambda r, n: response())
    with pytest.raises(TransientError) as e:
        client.call("tracker/corrupt", {"tracker_id": 1}, read_only=False)
    assert len(seen) == 1, "a write whose outcome is open is never repeated blindly"
    assert "may or may not" in e.value.message


def test_timeout_after_sending_a_write_is_outcome_unknown_and_not_resent():
    def handler(request, n):
        raise httpx.ReadTimeout("timed out", request=request)

    client, seen = make(handler)
    with pytest.raises(OutcomeUnknown):
        client.call("tracker/register", {"label": "x"}, read_only=False)
    assert len(seen) == 1
    client, seen = make(handler)
    with pytest.raises(OutcomeUnknown):
        client.call("tracker/register", {"label": "x"}, read_only=False, idempotent=True)
    assert len(seen) == FAST.attempts, "an idempotent write may be repeated"


def test_connection_refused_is_retried_then_exit_5():
    def handler(request, n):
        raise httpx.ConnectError("refused", request=request)

    client, seen = make(handler)
    with pytest.raises(TransientError) as e:
        client.call("tracker/corrupt", {"tracker_id": 1}, read_only=False)
    assert len(seen) == FAST.attempts and e.value.exit_code == EXIT_TRANSIENT


@pytest.mark.parametrize("response", [
    lambda: httpx.Response(200, text="<html>maintenance</html>", headers={"Content-Type": "text/html"}),
    lambda: httpx.Response(200, content=b'{"success": true, "list": [1, 2'),
    lambda: httpx.Response(200, content=b""),
    lambda: httpx.Response(200, json=[1, 2]),
    lambda: httpx.Response(404, text="Not Found"),
])
def test_a_body_that_is_not_the_apis_json_is_exit_5(response):
    client, _ = make(lambda r, n: response())
    with pytest.raises(BadResponse) as e:
        client.call("tracker/read", {"tracker_id": 1})
    assert e.value.exit_code == EXIT_TRANSIENT


def test_session_ended_renews_once_and_repeats():
    renewals: list[str] = []

    def renew(api):
        renewals.append(api)
        return "b" * 32

    def handler(request, n):
        return err(4) if request.headers["Authorization"] == f"NVX {HASH}" else ok({"list": []})

    client, seen = make(handler, renew=renew)
    client.call("panel/tracker/list", {}, api="panel")
    assert renewals == ["panel"] and len(seen) == 2
    client, seen = make(lambda r, n: err(4), renew=renew)
    with pytest.raises(ApiError) as e:
        client.call("panel/tracker/list", {}, api="panel")
    assert e.value.exit_code == EXIT_AUTH and len(seen) == 2, "renewal happens once"


def test_no_credential_sends_nothing():
    client, seen = make(lambda r, n: ok({}), credential=lambda api: None)
    with pytest.raises(AuthError):
        client.call("tracker/list", {})
    assert seen == []


def test_dry_run_describes_with_masked_credential_and_sends_nothing():
    printed: list[dict] = []
    client, seen = make(lambda r, n: ok({}), dry_run=printed.append)
    client.call("tracker/read", {"tracker_id": 5})
    assert seen == []
    (req,) = printed
    assert req["headers"]["Authorization"] == "NVX a6aa…5fc3" and req["body"] == {"tracker_id": 5}


def test_trace_masks_the_credential_and_passwords():
    lines: list[str] = []
    client, _ = make(lambda r, n: ok({"hash": "c" * 32}), trace=lines.append)
    client.call("user/auth", {"login": "a@b.c", "password": "s3cret-pass"}, api=None, read_only=False)
    client.call("tracker/list", {})
    text = "\n".join(lines)
    assert HASH not in text and "s3cret-pass" not in text and "c" * 32 not in text
    assert "NVX a6aa…5fc3" in text


@pytest.mark.parametrize("value,expected", [
    ("eu", "https://api.eu.navixy.com/v2"),
    ("us", "https://api.us.navixy.com/v2"),
    ("me", "https://api.me.navixy.com/v2"),
    ("sandbox", "sandbox"),
    ("https://api.example.com/v2/", "https://api.example.com/v2"),
    ("http://127.0.0.1:8900/v2", "http://127.0.0.1:8900/v2"),
    ("http://localhost:8900", "http://localhost:8900"),
])
def test_base_urls(value, expected):
    assert resolve_base_url(value) == expected


@pytest.mark.parametrize("value", ["ftp://x", "api.example.com", "https://", "https://u:p@h/v2", "https://h:99999/", "http://10.0.0.5/v2"])
def test_bad_or_unsafe_base_urls_are_usage_errors(value):
    with pytest.raises(UsageError):
        resolve_base_url(value)


def test_http_to_a_private_host_needs_allow_http():
    assert resolve_base_url("http://10.0.0.5/v2", allow_http=True) == "http://10.0.0.5/v2"
