"""The HTTP client against answers the sandbox cannot produce (httpx.MockTransport)."""

from __future__ import annotations

import json
from email.utils import formatdate

import httpx
import pytest

from trackerctl.api.client import ApiClient, DryRun, DryRunStop, RetryPolicy, parse_retry_after, resolve_base_url
from trackerctl.api.connection import HttpxExchange
from trackerctl.api.errors import ApiError, BadResponse, OutcomeUnknown, Unreachable
from trackerctl.errors import EXIT_AUTH, EXIT_NOT_FOUND, EXIT_TRANSIENT, AuthError, TransientError, UsageError

HASH = "a6aa75587e5c59c32d347da438505fc3"
FAST = RetryPolicy(attempts=4, base_delay=0.0, max_delay=0.0)


def make(handler, **kw) -> tuple[ApiClient, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request, len(seen))

    kw.setdefault("credential", lambda api: HASH)
    kw.setdefault("retry", FAST)
    kw.setdefault("exchange", HttpxExchange(transport=httpx.MockTransport(record)))
    return ApiClient("https://api.example.com/v2", **kw), seen


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
    client, seen = make(lambda r, n: ok({}), exchange=DryRun(printed.append))
    with pytest.raises(DryRunStop) as stop:  # no answer to go on with: the command ends, exit 0
        client.call("tracker/read", {"tracker_id": 5})
    assert stop.value.code == 0
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


# ---- issue 9: what is retried, Retry-After, answers of the wrong shape ------------------------------
HTML_503 = lambda: httpx.Response(503, text="<html>busy</html>", headers={"Content-Type": "text/html"})  # noqa: E731
BARE_429 = lambda: httpx.Response(429, text="slow down", headers={"Retry-After": "0"})  # noqa: E731


@pytest.mark.parametrize("response", [HTML_503, BARE_429])
def test_an_http_503_or_429_without_the_apis_body_leaves_a_write_open(response):
    client, seen = make(lambda r, n: response())
    with pytest.raises(BadResponse, match="may or may not") as e:
        client.call("tracker/corrupt", {"tracker_id": 5}, read_only=False)
    assert len(seen) == 1 and e.value.exit_code == EXIT_TRANSIENT
    client, seen = make(lambda r, n: response() if n < 3 else ok({"value": {}}))
    assert client.call("tracker/read", {"tracker_id": 5})["value"] == {}
    assert len(seen) == 3, "a read is repeated"


@pytest.mark.parametrize("path", ["user/auth", "panel/account/auth"])
def test_logins_are_retried_like_reads(path):
    def handler(request, n):
        if n < 3:
            raise httpx.RemoteProtocolError("closed", request=request)
        return ok({"hash": "c" * 32})

    client, seen = make(handler)
    assert client.call(path, {"login": "x", "password": "y"}, api=None, read_only=False)["hash"] == "c" * 32
    assert len(seen) == 3


def test_a_renewal_repeat_counts_as_an_attempt():
    client, seen = make(lambda r, n: err(4) if n == 1 else err(8, 503), renew=lambda api: "b" * 32,
                        retry=RetryPolicy(attempts=3, base_delay=0, max_delay=0))
    with pytest.raises(ApiError):
        client.call("tracker/list", {})
    assert len(seen) == 3, "sent at most `attempts` times in all, the repeat after renewal included"


@pytest.mark.parametrize(("value", "expected"), [
    ("1", 1.0), ("0", 0.0), (" 7 ", 7.0), ("2.5", 2.5), ("3600", 3600.0),
    ("3601", None), ("-5", None), ("nan", None), ("NaN", None), ("inf", None), ("-inf", None), ("1e3", None),
    ("soon", None), ("", None), (None, None), ("١", None), ("Wed, 21 Oct 2015 07:28:00", None),
])
def test_retry_after_seconds(value, expected):
    assert parse_retry_after(value, now=1_000_000.0) == expected


def test_retry_after_http_dates_within_the_next_hour():
    now = 1_700_000_000.0
    assert parse_retry_after(formatdate(now + 30, usegmt=True), now=now) == pytest.approx(30)
    assert parse_retry_after(formatdate(now + 3599, usegmt=True), now=now) == pytest.approx(3599)
    assert parse_retry_after(formatdate(now + 86400, usegmt=True), now=now) is None  # far future
    assert parse_retry_after(formatdate(now - 60, usegmt=True), now=now) is None  # the past
    assert parse_retry_after("Wed, 21 Oct 99999 07:28:00 GMT", now=now) is None
    assert parse_retry_after("Wed, 99999999999 Oct 2015 07:28:00 GMT", now=now) is None


def test_one_wait_is_at_most_20_seconds_and_an_absent_retry_after_backs_off():
    policy = RetryPolicy()
    assert policy.delay(0, 3000.0) == 20.0 and policy.delay(0, 0.0) == 0.0
    assert all(0 <= policy.delay(attempt, None) <= 20.0 for attempt in (0, 5, 50, 10_000))
    assert policy.delay(0, float("nan")) <= policy.base_delay and policy.delay(0, -1.0) <= policy.base_delay


@pytest.mark.parametrize("value", ["nan", "inf", "-3", "Wed, 21 Oct 2999 07:28:00 GMT", "soon"])
def test_a_retry_after_that_is_not_honoured_falls_back_to_the_backoff(monkeypatch, value):
    waits: list[float] = []
    monkeypatch.setattr("trackerctl.api.client.time.sleep", waits.append)
    client, seen = make(lambda r, n: httpx.Response(429, headers={"Retry-After": value}, json={
        "success": False, "status": {"code": 15, "description": "Too many requests"}}) if n < 3 else ok({}),
        retry=RetryPolicy(attempts=3, base_delay=0.01, max_delay=20.0))
    assert client.call("tracker/list", {}) == {"success": True}
    assert len(waits) == 2 and all(w <= 0.02 for w in waits), waits


@pytest.mark.parametrize("body", [
    {"success": False, "status": {"code": "x", "description": "d"}},
    {"success": False, "status": {"code": None}},
    {"success": False, "status": {"code": 1.5}},
    {"success": False, "status": {"code": True}},
    {"success": False, "status": {"code": [8]}},
    {"success": False, "status": {"code": 2**80}},
    {"success": False, "status": {"description": "no code"}},
    {"success": False, "status": "broken"},
    {"success": False},
    {"success": True, "list": 5},
    {"success": True, "list": "abc"},
    {"success": True, "count": "many"},
    {"success": True, "count": True},
    {"success": True, "hash": 7},
    {"success": True, "not_deleted_trackers": {}},
])
def test_an_answer_of_the_wrong_shape_is_a_bad_response(body):
    client, seen = make(lambda r, n: httpx.Response(200, json=body))
    with pytest.raises(BadResponse) as e:
        client.call("tracker/read", {"tracker_id": 1})
    assert e.value.exit_code == EXIT_TRANSIENT and len(seen) == 1


def test_an_error_description_of_another_type_is_kept_as_text():
    client, _ = make(lambda r, n: httpx.Response(400, json={"success": False, "status": {"code": 201, "description": {"a": 1}}}))
    with pytest.raises(ApiError) as e:
        client.call("tracker/read", {"tracker_id": 1})
    assert e.value.code == 201 and e.value.description == "an object"


def test_json_nested_beyond_the_parser_is_a_bad_response():
    deep = b'{"success": true, "value": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    client, seen = make(lambda r, n: httpx.Response(200, content=deep), trace=lambda line: None)
    with pytest.raises(BadResponse, match="nested too deeply"):
        client.call("tracker/read", {"tracker_id": 1})
    assert len(seen) == 1


def test_a_redirect_is_not_followed_and_names_where_it_points():
    client, seen = make(lambda r, n: httpx.Response(301, headers={"Location": "https://elsewhere.example/v2"}))
    with pytest.raises(BadResponse, match="redirect to https://elsewhere.example/v2"):
        client.call("tracker/read", {"tracker_id": 1})
    assert len(seen) == 1


def test_an_answer_past_the_limit_is_not_retried():
    seen: list[httpx.Request] = []

    def big(request):
        seen.append(request)
        return httpx.Response(200, content=b'{"success": true, "v": "' + b"x" * 5000 + b'"}')

    client = ApiClient("https://api.example.com/v2", credential=lambda api: HASH, retry=FAST,
                       exchange=HttpxExchange(transport=httpx.MockTransport(big), max_answer=4096))
    with pytest.raises(BadResponse, match="larger than 4096 bytes .*TRACKERCTL_MAX_ANSWER_MB"):
        client.call("tracker/read", {"tracker_id": 1})
    assert len(seen) == 1


def test_every_attempt_refused_is_unreachable_and_an_answer_makes_it_reached():
    def refused(request, n):
        raise httpx.ConnectError("refused", request=request)

    client, seen = make(refused)
    with pytest.raises(Unreachable) as e:
        client.call("panel/tracker/batch_delete_clones", {"trackers": [1]}, api="panel", read_only=False)
    assert e.value.reached is False and e.value.exit_code == EXIT_TRANSIENT and len(seen) == FAST.attempts

    client, seen = make(lambda r, n: err(8, 503) if n == 1 else refused(r, n))
    with pytest.raises(TransientError) as e:
        client.call("tracker/read", {"tracker_id": 1})
    assert not isinstance(e.value, Unreachable) and e.value.reached is True, "the platform answered once"

    client, seen = make(lambda r, n: HTML_503())
    with pytest.raises(BadResponse) as e:
        client.call("tracker/read", {"tracker_id": 1})
    assert e.value.reached is True and len(seen) == FAST.attempts, "5xx to everything: exit 5, reached"


def test_a_name_that_does_not_resolve_is_unreachable(monkeypatch):
    import socket

    def no_such_name(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_name)
    client = ApiClient("https://api.nowhere.invalid/v2", credential=lambda api: HASH,
                       retry=RetryPolicy(attempts=2, base_delay=0, max_delay=0))
    with pytest.raises(Unreachable, match="cannot connect to https://api.nowhere.invalid/v2: Name or service not known"):
        client.call("tracker/read", {"tracker_id": 1})
