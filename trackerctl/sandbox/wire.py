"""The HTTP envelope: request parameters in, `Reply` out. No transport here (server.py and
exchange.py carry the bytes)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from trackerctl.sandbox.codes import ApiFailure, describe

JSON_TYPE = "application/json; charset=utf-8"


@dataclass
class Reply:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False  # processed, but the client gets no answer: close the connection / raise


def success(result: dict[str, Any]) -> Reply:
    return Reply(200, _encode({"success": True, **result}), {"Content-Type": JSON_TYPE})


def failure(code: int, extra: dict[str, Any] | None = None) -> Reply:
    description, status = describe(code)
    body = {"success": False, "status": {"code": code, "description": description}, **(extra or {})}
    headers = {"Content-Type": JSON_TYPE}
    if code == 15:
        headers["Retry-After"] = "1"
    return Reply(status, _encode(body), headers)


def _encode(obj: dict[str, Any]) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def request_params(body: bytes, content_type: str | None, query: str) -> dict[str, Any]:
    """Query parameters overlaid with the body's: a JSON object, or form fields. A body that starts
    with `{` is JSON whatever its Content-Type (`curl -d '{...}'` labels it a form). Code 5 for a
    body that is neither."""
    params: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True)) if query else {}
    if not body.strip():
        return params
    try:
        text = body.decode("utf-8")
        form = (content_type or "").split(";")[0].strip().lower() == "application/x-www-form-urlencoded"
        if form and not text.lstrip().startswith("{"):
            fields: Any = dict(parse_qsl(text, keep_blank_values=True, strict_parsing=True))
        else:
            fields = json.loads(text)
    except ValueError:  # UnicodeDecodeError and JSONDecodeError included
        raise ApiFailure(5) from None
    if not isinstance(fields, dict):
        raise ApiFailure(5)
    params.update(fields)
    return params
