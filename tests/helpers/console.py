"""The platform's side of the device console for tests: a console server on loopback (websockets'
sync server, port 0) whose `behave(ws, console)` plays one connection, and the sandbox's HTTP API
beside it for the key and the tracker's IMEI (tests/unit/test_console.py, tests/e2e/test_console_e2e.py)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from websockets.sync.server import ServerConnection, serve

from trackerctl.sandbox.app import Sandbox
from trackerctl.sandbox.seed import SEED
from trackerctl.sandbox.server import make_server

TRACKER = SEED["tracker_cloned"]  # 134537: the panel document's example
STATUS = {"type": "status", "data": [["Time", "2017-11-16 10:02:37.0"], ["Location valid", "yes"], ["GSM Level", "13"]]}


@dataclass
class Api:
    """The sandbox served over HTTP on loopback, and a panel session of the demo dealer."""

    url: str
    hash: str
    sandbox: Sandbox
    root: Path


@contextmanager
def served_api(root: Path) -> Iterator[Api]:
    sb = Sandbox(root / "served.sqlite")
    status, body = sb.call("panel/account/auth", {"login": SEED["panel_login"], "password": SEED["password"]})
    assert status == 200, body
    server = make_server("127.0.0.1", 0, sb)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        yield Api(server.base_url, body["hash"], sb, root)
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Console:
    """A console server on loopback: `behave(ws, console)` is the platform's side of one connection;
    `requests` are the paths (with the query) it was opened at, `received` what `behave` recorded."""

    behave: Callable[[ServerConnection, "Console"], None]
    options: dict = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    received: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        def handler(ws: ServerConnection) -> None:
            self.requests.append(ws.request.path)
            self.behave(ws, self)

        self.server = serve(handler, "127.0.0.1", 0, **self.options)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"ws://127.0.0.1:{self.server.socket.getsockname()[1]}/console"

    def query(self, n: int = 0) -> list[tuple[str, str]]:
        return parse_qsl(urlsplit(self.requests[n]).query)

    def stop(self) -> None:
        self.server.shutdown()


def send(ws: ServerConnection, frame: dict) -> None:
    ws.send(json.dumps(frame))


@contextmanager
def consoles() -> Iterator[Callable[..., Console]]:
    """`start(behave, **options)` starts a console server; every one started is stopped at the end."""
    started: list[Console] = []

    def start(behave: Callable[[ServerConnection, Console], None], **options) -> Console:
        started.append(Console(behave, options))
        return started[-1]

    try:
        yield start
    finally:
        for c in started:
            c.stop()
