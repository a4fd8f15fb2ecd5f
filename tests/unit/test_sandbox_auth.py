"""Sandbox authentication: user sessions, two-factor login, API keys, panel sessions, expiry."""

from __future__ import annotations

import json

import pytest

from trackerctl.sandbox.app import Sandbox
from trackerctl.sandbox.seed import SEED

DAY = 86400


@pytest.fixture
def sb(tmp_path):
    return Sandbox(tmp_path / "sandbox.sqlite")


def login(sb: Sandbox, who: str = "demo@example.com", password: str = "demo") -> str:
    status, body = sb.call("user/auth", {"login": who, "password": password})
    assert status == 200, body
    return body["hash"]


def panel_login(sb: Sandbox, who: str = "1000") -> str:
    status, body = sb.call("panel/account/auth", {"login": who, "password": "demo"})
    assert status == 200, body
    return body["hash"]


def code(body: dict) -> int:
    assert body["success"] is False, body
    return body["status"]["code"]


# ---- user/auth -------------------------------------------------------------------------------------


def test_login_gives_a_session_hash_that_lists_trackers(sb):
    status, body = sb.call("user/auth", {"login": "demo@example.com", "password": "demo"})
    assert status == 200
    assert list(body) == ["success", "type", "hash"]
    assert body["type"] == "authenticated" and len(body["hash"]) == 32
    status, listing = sb.call("tracker/list", credential=body["hash"])
    assert status == 200 and listing["success"] is True and listing["list"]


@pytest.mark.parametrize("who, password", [("demo@example.com", "wrong"), ("nobody@example.com", "demo")])
def test_wrong_login_or_password_is_102(sb, who, password):
    status, body = sb.call("user/auth", {"login": who, "password": password})
    assert (status, code(body)) == (400, 102)
    assert body["status"]["description"] == "Wrong login or password"


def test_inactive_user_is_103(sb):
    status, body = sb.call("user/auth", {"login": "inactive@example.com", "password": "demo"})
    assert (status, code(body)) == (400, 103)


def test_two_factor_login(sb):
    status, body = sb.call("user/auth", {"login": "2fa@example.com", "password": "demo"})
    assert status == 200
    assert body == {"success": True, "type": "second_factor_required", "factor_type": "email", "hash": body["hash"]}
    temp = body["hash"]
    # the temporary hash serves only user/auth/code/*
    assert code(sb.call("tracker/list", credential=temp)[1]) == 276
    assert code(sb.call("user/auth/code/verify", {"code": "000000"}, credential=temp)[1]) == 282
    status, verified = sb.call("user/auth/code/verify", {"code": SEED["two_factor_code"]}, credential=temp)
    assert status == 200 and verified["hash"] != temp
    assert sb.call("tracker/list", credential=verified["hash"])[0] == 200
    assert code(sb.call("user/auth/code/verify", {"code": "123456"}, credential=temp)[1]) == 4  # spent


def test_code_verify_needs_the_temporary_hash(sb):
    assert code(sb.call("user/auth/code/verify", {"code": "123456"}, credential=login(sb))[1]) == 276


def test_code_resend_at_most_once_in_five_minutes(sb):
    temp = sb.call("user/auth", {"login": "2fa@example.com", "password": "demo"})[1]["hash"]
    status, body = sb.call("user/auth/code/resend", credential=temp)
    assert (status, code(body)) == (403, 264)
    assert body["timeout"] == "PT5M" and body["remainder"].startswith("PT")
    sb.advance_clock(301)
    assert sb.call("user/auth/code/resend", credential=temp) == (200, {"success": True})


def test_two_factor_hash_lives_ten_minutes(sb):
    temp = sb.call("user/auth", {"login": "2fa@example.com", "password": "demo"})[1]["hash"]
    sb.advance_clock(601)
    assert code(sb.call("user/auth/code/verify", {"code": "123456"}, credential=temp)[1]) == 4


# ---- sessions --------------------------------------------------------------------------------------


def test_logout_ends_the_session(sb):
    h = login(sb)
    assert sb.call("user/logout", credential=h) == (200, {"success": True})
    assert code(sb.call("tracker/list", credential=h)[1]) == 4


def test_session_ends_after_30_days_without_use(sb):
    h = login(sb)
    sb.advance_clock(29 * DAY)
    assert sb.call("tracker/list", credential=h)[0] == 200  # a use refreshes it
    sb.advance_clock(29 * DAY)
    assert sb.call("tracker/list", credential=h)[0] == 200
    sb.advance_clock(30 * DAY + 1)
    status, body = sb.call("tracker/list", credential=h)
    assert (status, code(body)) == (400, 4)
    assert body["status"]["description"] == "User or API key not found or session ended"


def test_clock_offset_can_be_written_in_the_database(sb):
    h = login(sb)
    with sb.transaction() as conn:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'clock_offset'", (str(31 * DAY),))
    assert code(sb.call("tracker/list", credential=h)[1]) == 4


def test_panel_session_ends_24_hours_after_creation_whatever_its_use(sb):
    h = panel_login(sb)
    sb.advance_clock(23 * 3600)
    assert sb.call("panel/tracker/list", {"limit": 1}, credential=h)[0] == 200
    sb.advance_clock(3600)
    assert code(sb.call("panel/tracker/list", {"limit": 1}, credential=h)[1]) == 4


def test_panel_login_logout_and_permissions(sb):
    status, body = sb.call("panel/account/auth", {"login": "1000", "password": "demo"})
    assert status == 200 and list(body) == ["success", "hash", "permissions"]
    assert body["permissions"]["trackers"] == ["read", "create", "delete", "update", "corrupt", "report"]
    assert "tracker_bundles" in body["permissions"]
    h = body["hash"]
    assert sb.call("panel/account/get_permissions", credential=h)[1]["permissions"] == body["permissions"]
    limited = sb.call("panel/account/auth", {"login": "1001", "password": "demo"})[1]
    assert "tracker_bundles" not in limited["permissions"]
    assert sb.call("panel/account/logout", credential=h) == (200, {"success": True})
    assert code(sb.call("panel/account/get_permissions", credential=h)[1]) == 4
    assert code(sb.call("panel/account/auth", {"login": "1000", "password": "nope"})[1]) == 102


# ---- credentials -------------------------------------------------------------------------------------


def test_credentials_do_not_cross_between_apis(sb):
    assert code(sb.call("panel/tracker/list", credential=login(sb))[1]) == 4
    assert code(sb.call("panel/tracker/list", credential=SEED["api_key"])[1]) == 4
    assert code(sb.call("tracker/list", credential=panel_login(sb))[1]) == 4


@pytest.mark.parametrize("bad", ["zz", "0123456789abcdef", "g123456789abcdef0123456789abcdef", "not a hash at all"])
def test_malformed_hash_is_3(sb, bad):
    status, body = sb.call("tracker/list", credential=bad)
    assert (status, code(body)) == (400, 3)
    assert body["status"]["description"] == "Wrong hash"
    assert code(sb.call("panel/tracker/list", credential=bad)[1]) == 3


def test_unknown_well_formed_hash_is_4(sb):
    assert code(sb.call("tracker/list", credential="f" * 32)[1]) == 4


def test_credential_in_header_body_or_query(sb):
    h = login(sb)
    in_body = sb.handle("/v2/tracker/read", json.dumps({"hash": h, "tracker_id": 123456}).encode(), {})
    in_query = sb.handle("/v2/tracker/read", b"", {}, f"hash={h}&tracker_id=123456", method="GET")
    lower_header = sb.handle("/tracker/read", b'{"tracker_id": 123456}', {"authorization": f"nvx {h}"})
    assert in_body.status == in_query.status == lower_header.status == 200
    # the header wins over the body
    both = sb.handle("/v2/tracker/list", json.dumps({"hash": "f" * 32}).encode(), {"Authorization": f"NVX {h}"})
    assert both.status == 200


def test_no_credential_is_4_unless_implicit(sb, tmp_path):
    assert code(sb.call("tracker/list")[1]) == 4
    assert code(sb.call("panel/tracker/list")[1]) == 4
    implicit = Sandbox(sb.db_path, implicit_auth=True)
    status, body = implicit.call("tracker/list")
    assert status == 200 and {t["id"] for t in body["list"]} >= {SEED["tracker"]}
    assert implicit.call("panel/tracker/read", {"tracker_id": SEED["tracker"]})[1]["value"]["user_id"] == SEED["user_demo"]
    assert implicit.call("user/get_info")[1]["user_info"]["login"] == "demo@example.com"
    # a credential that is sent is checked as usual
    assert code(implicit.call("tracker/list", credential="f" * 32)[1]) == 4


# ---- API keys ----------------------------------------------------------------------------------------


def test_api_key_works_like_a_session_but_not_for_session_only_actions(sb):
    key = SEED["api_key"]
    status, body = sb.call("tracker/list", credential=key)
    assert status == 200 and body["list"]
    sb.advance_clock(400 * DAY)  # never expires
    assert sb.call("tracker/list", credential=key)[0] == 200
    assert code(sb.call("user/api_key/list", credential=key)[1]) == 4
    assert code(sb.call("api/key/list", credential=key)[1]) == 4
    assert code(sb.call("user/logout", credential=key)[1]) == 4


def test_api_key_create_list_delete(sb):
    h = login(sb)
    status, created = sb.call("user/api_key/create", {"title": "cron job"}, credential=h)
    assert status == 200 and list(created["value"]) == ["hash", "create_date", "title"]
    key = created["value"]["hash"]
    listed = sb.call("api/key/list", credential=h)[1]["list"]
    assert [k["hash"] for k in listed] == [SEED["api_key"], key]
    assert listed[0] == {"hash": SEED["api_key"], "create_date": "2024-01-15 09:31:00", "title": "Sandbox demo key"}
    assert sb.call("tracker/read", {"tracker_id": SEED["tracker"]}, credential=key)[0] == 200
    assert sb.call("user/logout", credential=h)[0] == 200
    assert sb.call("tracker/read", {"tracker_id": SEED["tracker"]}, credential=key)[0] == 200  # survives logout
    h = login(sb)
    assert sb.call("user/api_key/delete", {"key": key}, credential=h) == (200, {"success": True})
    assert code(sb.call("tracker/list", credential=key)[1]) == 4
    assert code(sb.call("user/api_key/delete", {"key": key}, credential=h)[1]) == 201
    assert code(sb.call("user/api_key/create", {"title": ""}, credential=h)[1]) == 7


def test_at_most_20_api_keys(sb):
    h = login(sb)
    for n in range(19):  # the seed has one
        assert sb.call("api/key/create", {"title": f"key {n}"}, credential=h)[0] == 200
    status, body = sb.call("api/key/create", {"title": "one too many"}, credential=h)
    assert (status, code(body)) == (402, 268)


def test_sub_user_cannot_manage_api_keys(sb):
    assert code(sb.call("user/api_key/list", credential=login(sb, "noregister@example.com"))[1]) == 13


def test_get_info(sb):
    body = sb.call("user/get_info", credential=login(sb))[1]
    assert body["user_info"]["id"] == SEED["user_demo"] and body["user_info"]["legal_type"] == "individual"
    assert "master" not in body
    sub = sb.call("user/get_info", credential=login(sb, "noregister@example.com"))[1]
    assert sub["master"]["id"] == SEED["user_demo"]
    assert sub["privileges"] == {"rights": ["tracker_configure", "tracker_set_output"]}
