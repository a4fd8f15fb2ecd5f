"""In-process mode (`--api-url sandbox`): the client's requests answered by `Sandbox.handle`, no sockets.

`SandboxExchange` is an exchange of `trackerctl.api.connection` (`post(url, headers, body, timeout)`),
so the client takes the same path as over HTTP from the reply on. Faults behave as over HTTP:
refusals and latency come back as answers, and a dropped answer raises `Lost` after the request
was processed, as a closed connection would.
"""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from http.client import HTTPMessage
from urllib.parse import urlsplit

from trackerctl.api.connection import Lost, Reply
from trackerctl.sandbox.app import Sandbox


class SandboxExchange:
    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox

    def post(self, url: str, headers: Mapping[str, str], body: bytes, timeout: float) -> Reply:
        parts = urlsplit(url)
        reply = self.sandbox.handle(parts.path, body, headers, parts.query, method="POST")
        if reply.drop:
            raise Lost("the server closed the connection without answering")
        answer_headers = HTTPMessage()  # what the http.client pool answers with: names in any case
        for name, value in reply.headers.items():
            answer_headers[name] = value
        return Reply(reply.status, HTTPStatus(reply.status).phrase, answer_headers, reply.body)

    def close(self) -> None:
        pass
