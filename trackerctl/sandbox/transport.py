"""In-process mode (`--api-url sandbox`): httpx requests answered by `Sandbox.handle`, no sockets.

Faults behave as over HTTP: refusals and latency come back as answers, and a dropped answer raises
httpx.RemoteProtocolError after the request was processed, as a closed connection would.
"""

from __future__ import annotations

import httpx

from trackerctl.sandbox.app import Sandbox


class SandboxTransport(httpx.BaseTransport):
    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        url = request.url
        reply = self.sandbox.handle(url.path, body, request.headers, url.query.decode("ascii"), method=request.method)
        if reply.drop:
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.", request=request)
        headers = {**reply.headers, "Content-Length": str(len(reply.body))}
        return httpx.Response(reply.status, headers=headers, content=reply.body, request=request)
