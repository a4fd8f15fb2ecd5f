"""The error codes the sandbox answers with, and the exception handlers raise to answer one.

`ERRORS` is spec/error-codes.tsv (code: description, HTTP status; a blank status is 400), plus
282 from the user/auth/code document, which the table does not list. A test keeps the copy in step
with the spec file.
"""

from __future__ import annotations

from typing import Any

ERRORS: dict[int, tuple[str, int]] = {
    1: ("Database error", 500),
    2: ("Service Auth error", 403),
    3: ("Wrong hash", 400),
    4: ("User or API key not found or session ended", 400),
    5: ("Wrong request format", 400),
    6: ("Unexpected error", 500),
    7: ("Invalid parameters", 400),
    8: ("Queue service error, try again later", 503),
    9: ("Too large request", 412),
    11: ("Access denied", 403),
    12: ("Dealer not found", 400),
    13: ("Operation not permitted", 403),
    14: ("Database unavailable", 503),
    15: ("Too many requests (rate limit exceeded)", 429),
    101: ("In demo mode this function is disabled", 403),
    102: ("Wrong login or password", 400),
    103: ("User not activated", 400),
    111: ("Wrong handler", 400),
    112: ("Wrong method", 400),
    201: ("Not found in database", 400),
    202: ("Too many points in zone", 400),
    203: ("Delete entity associated with", 400),
    204: ("Entity not found", 404),
    206: ("Login already in use", 400),
    207: ("Invalid captcha", 400),
    208: ("Device blocked", 403),
    209: ("Failed sending email", 400),
    210: ("Geocoding failed", 400),
    211: ("Requested time span is too big", 400),
    212: ("Requested limit is too big", 400),
    213: ("Cannot perform action: the device is offline", 400),
    214: ("Requested operation or parameters are not supported by the device", 400),
    215: ("External service error", 400),
    217: ("List contains nonexistent entities", 400),
    218: ("Malformed external service parameters", 400),
    219: ("Not allowed for clones of the device", 403),
    220: ("Unknown device model", 400),
    221: ("Device limit exceeded", 403),
    222: ("Plugin not found", 400),
    223: ("Phone number already in use", 400),
    224: ("Device ID already in use", 400),
    225: ("Not allowed for this legal type", 403),
    226: ("Wrong ICCID", 400),
    227: ("Wrong activation code", 400),
    228: ("Not supported by sensor", 400),
    229: ("Requested data is not ready yet", 404),
    230: ("Not supported for this entity type", 400),
    231: ("Entity type mismatch", 409),
    232: ("Input already in use", 400),
    233: ("No data file", 400),
    234: ("Invalid data format", 400),
    235: ("Missing calibration data", 400),
    236: ("Feature unavailable due to tariff restrictions", 402),
    237: ("Invalid tariff", 400),
    238: ("Changing tariff is not allowed", 403),
    239: ("New tariff does not exist", 404),
    240: ("Not allowed to change tariff too frequently", 403),
    241: ("Cannot change phone to bundled sim. Contact tech support.", 400),
    242: ("There were errors during content validation", 400),
    243: ("Device already connected.", 400),
    244: ("Duplicate entity label.", 400),
    245: ("New password must be different", 400),
    246: ("Invalid user ID", 400),
    247: ("Entity already exists", 409),
    248: ("Wrong password", 400),
    249: ("Operation available for clones only", 403),
    250: ("Not allowed for deleted devices", 403),
    251: ("Insufficient funds", 403),
    252: ("Device already corrupted", 400),
    253: ("Device has clones", 400),
    254: ("Cannot save file", 500),
    255: ("Invalid task state", 400),
    256: ("Location already actual", 400),
    257: ("Registration forbidden", 403),
    258: ("Bundle not found", 404),
    259: ("Payments count not comply with summary", 400),
    260: ("Payments sum not comply with summary", 400),
    261: ("Entity has external links", 403),
    262: ("Entries list is missing some entries or contains nonexistent entries", 400),
    263: ("No change needed, old and new values are the same", 400),
    264: ("Timeout not reached", 403),
    265: ("Already done", 403),
    266: ("Cannot perform action for the device in current status", 403),
    267: ("Too many entities", 400),
    268: ("Over quota", 402),
    269: ("Invalid file state", 400),
    270: ("Too many sensors of same type already exist", 400),
    271: ("File over max size", 413),
    272: ("Trackers must have same models", 400),
    273: ("Duplicate login", 400),
    274: ("Empty data file", 400),
    275: ("User is blocked", 403),
    276: ("Action is forbidden for received session type", 403),
    277: ("Security group has users in it", 409),
    278: ("Security group is a default one", 409),
    279: ("Invalid task period", 400),
    280: ("Invalid import request state", 400),
    281: ("This resource is closed", 400),
    284: ("Not enough points for the specified zone type", 400),
    # user/auth/code/verify (docs/backend-api/resources/commons/user/auth/code.md); not in the table
    282: ("Wrong authentication code", 400),
}


def describe(code: int) -> tuple[str, int]:
    """(description, HTTP status) of an error code."""
    return ERRORS.get(code, ("Unexpected error", 500))


class ApiFailure(Exception):
    """Raised by a handler to answer `success: false` with `code`; `extra` goes beside `status`
    (`rules`, `vehicles`, `list`, `errors`, `timeout`...)."""

    def __init__(self, code: int, **extra: Any) -> None:
        super().__init__(f"{code}: {describe(code)[0]}")
        self.code = code
        self.extra = extra


def invalid(*errors: tuple[str, str]) -> ApiFailure:
    """Code 7 with its `errors` list: `invalid(("tracker_id", "must be at least 1"))`."""
    return ApiFailure(7, errors=[{"parameter": p, "error": e} for p, e in errors])
