"""In-process mode (`--api-url sandbox`): the client's requests answered by `Sandbox.handle`, no sockets.

`SandboxExchange` is an exchange of `trackerctl.api.connection` (`post(url, headers, body, timeout)`),
so the client takes the same path as over HTTP from the reply on. Faults behave as over HTTP:
refusals and latency come back as answers, and a dropped answer raises `Lost` after the request
was processed, as a closed connection would.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from trackerctl.api.connection import Headers, Lost, Reply
from trackerctl.sandbox.app import Sandbox


# The reasons of the statuses the emulator answers with (http's HTTPStatus would cost its import)
_PHRASES = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
            429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}


class SandboxExchange:
    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox

    def post(self, url: str, headers: Mapping[str, str], body: bytes, timeout: float) -> Reply:
        parts = urlsplit(url)
        reply = self.sandbox.handle(parts.path, body, headers, parts.query, method="POST")
        if reply.drop:
            raise Lost("the server closed the connection without answering")
        answer_headers = Headers()  # what the pool answers with: names in any case, a repeated one's first value
        for name, value in reply.headers.items():
            answer_headers.setdefault(name.lower(), value)
        return Reply(reply.status, _PHRASES.get(reply.status, ""), answer_headers, reply.body)

    def close(self) -> None:
        pass
