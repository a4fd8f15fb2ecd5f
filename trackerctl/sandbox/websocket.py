"""The WebSocket transport of `sandbox serve`: a channel's handshake and frames (channels.py) on the
connection the HTTP server accepted, with the `websockets` package's sans-I/O server protocol (no
framing here). Imported only when a request asks for `Upgrade: websocket`.

The handshake is a request for the fault options (refused with 503 at --fail-rate, 429 beyond
--rate-limit, answered after --latency); a refused one (ChannelRefused, a bad handshake) is an
HTTP error status with one line of text. Once open, the loop waits for client data at most
`wait_hint()` seconds, hands each text message (fragments joined) to `received()`, then `tick()`s,
and sends what they return, each frame delayed by --latency and, at --drop-rate, the socket closed
instead (the client sees the connection drop, no close frame). A client message over MAX_MESSAGE
bytes is closed with 1009, a binary one with 1003, text that is not UTF-8 with 1007, bytes that
are no WebSocket frame with 1002.
A session that ends (`closed`) is closed with 1000 and its reason.
"""

from __future__ import annotations

import select
import socket
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote

from websockets.datastructures import Headers
from websockets.frames import CloseCode, Frame, Opcode
from websockets.http11 import Request
from websockets.protocol import State
from websockets.server import ServerProtocol

from trackerctl.sandbox.channels import ChannelRefused, ChannelSession, open_channel
from trackerctl.sandbox.codes import describe

if TYPE_CHECKING:
    from trackerctl.sandbox.app import Sandbox
    from trackerctl.sandbox.server import SandboxHandler

MAX_MESSAGE = 64 * 1024  # bytes of one client message, fragments together
CLOSE_WAIT = 2.0  # seconds to wait for the client's close frame after ours
SEND_TIMEOUT = 30.0  # a client that reads nothing for this long is dropped
RECEIVE_CHUNK = 65536


def serve_channel(handler: SandboxHandler) -> None:
    """Answer the handshake of `handler`'s request and, when it opens, run the channel until it
    closes; the handler closes the connection afterwards."""
    handler.close_connection = True
    sandbox: Sandbox = handler.server.sandbox
    sock: socket.socket = handler.connection
    sock.settimeout(SEND_TIMEOUT)
    protocol = ServerProtocol(max_size=MAX_MESSAGE)
    link = _Link(sock, protocol, sandbox)
    try:
        session = _handshake(handler, protocol, sandbox)
        link.flush()
        if session is not None:
            link.run(session, _buffered(handler, sock))
    except OSError:  # the client went away, or a send timed out
        pass


def _handshake(handler: SandboxHandler, protocol: ServerProtocol, sandbox: Sandbox) -> ChannelSession | None:
    """Answer the handshake (the answer waits in the protocol); the session when it opened."""
    # The HTTP handler has read the request: the protocol gets it again, as bytes, to parse it itself.
    protocol.receive_data(Request(handler.path, Headers(list(handler.headers.items()))).serialize())
    request = next((e for e in protocol.events_received() if isinstance(e, Request)), None)
    if request is None:  # a request line or header the protocol does not take: answered already
        return None
    response = protocol.accept(request)
    session: ChannelSession | None = None
    if response.status_code != 101:  # not a valid handshake: the protocol's answer, in one line
        line = (response.body or b"").decode("utf-8", "replace").strip().splitlines()[:1] or [response.reason_phrase]
        refusal = protocol.reject(response.status_code, line[0] + "\n")
        for name in ("Upgrade", "Allow"):
            if name in response.headers:
                refusal.headers[name] = response.headers[name]
        response = refusal
    else:
        path, _, query = handler.path.partition("?")
        decision = sandbox.injector.decide()
        try:
            if decision.refuse is not None:
                description, status = describe(decision.refuse)
                raise ChannelRefused(status, description)
            session = open_channel(sandbox, unquote(path), dict(parse_qsl(query, keep_blank_values=True)), time.monotonic())
        except ChannelRefused as e:
            response = protocol.reject(e.status, e.reason + "\n")
            if e.status == 429:
                response.headers["Retry-After"] = "1"
    sandbox.injector.delay()  # --latency: the handshake's answer too
    protocol.send_response(response)
    handler.log_request(response.status_code)
    return session


class _Link:
    """One open WebSocket: the protocol's bytes to and from the socket, the session's frames."""

    def __init__(self, sock: socket.socket, protocol: ServerProtocol, sandbox: Sandbox) -> None:
        self.sock = sock
        self.protocol = protocol
        self.injector = sandbox.injector
        self.parts: list[bytes] = []  # a fragmented message so far
        self.ended = False  # the TCP connection is done with (EOF sent, or dropped)

    def run(self, session: ChannelSession, early: bytes) -> None:
        texts: list[str] = []
        if early:  # frames that came with, or right after, the handshake: answered after the opening frames
            self.protocol.receive_data(early)
            texts = self.receive()
        self.send(session.opened())
        for text in texts:
            self.send(session.received(text))
        while not self.ended:
            readable, _, _ = select.select([self.sock], [], [], max(0.0, min(session.wait_hint(), 1.0)))
            if readable:
                data = self.sock.recv(RECEIVE_CHUNK)
                if data:
                    self.protocol.receive_data(data)
                else:
                    self.protocol.receive_eof()
                for text in self.receive():
                    self.send(session.received(text))
                self.flush()
                if self.ended or self.protocol.state is not State.OPEN:
                    break
            self.send(session.tick(time.monotonic()))
            if session.closed and not self.ended:
                self.protocol.send_close(CloseCode.NORMAL_CLOSURE, session.close_reason[:120])
                self.flush()
                self.await_close()
                return
        if not self.ended and self.protocol.state is State.CLOSING:
            self.await_close()

    def receive(self) -> list[str]:
        """The complete text messages received; a binary message or text that is not UTF-8 fails
        the connection (the protocol has failed it already for bad frames and size)."""
        texts = []
        for frame in self.protocol.events_received():
            if not isinstance(frame, Frame) or self.protocol.state is not State.OPEN:
                continue
            if frame.opcode is Opcode.BINARY:
                self.protocol.fail(CloseCode.UNSUPPORTED_DATA, "text frames only")
                break
            if frame.opcode is Opcode.TEXT:
                self.parts = [frame.data]
            elif frame.opcode is Opcode.CONT:
                self.parts.append(frame.data)
            else:
                continue  # ping, pong, close: the protocol answers them
            if frame.fin:
                data, self.parts = b"".join(self.parts), []
                try:
                    texts.append(data.decode("utf-8"))
                except UnicodeDecodeError:
                    self.protocol.fail(CloseCode.INVALID_DATA, "text frames must be UTF-8")
                    break
        return texts

    def send(self, frames: list[str]) -> None:
        """Send the session's frames: each delayed by the latency, each dropped (the socket closed
        at once) at the drop rate."""
        for text in frames:
            if self.ended or self.protocol.state is not State.OPEN:
                return
            self.injector.delay()
            if self.injector.drop_frame():
                self.drop()
                return
            self.protocol.send_text(text.encode("utf-8"))
            self.flush()

    def flush(self) -> None:
        for data in self.protocol.data_to_send():
            if data:
                self.sock.sendall(data)
            elif not self.ended:  # the protocol is done with the connection
                self.sock.shutdown(socket.SHUT_WR)
                self.ended = True

    def await_close(self) -> None:
        """After our close frame: read until the client's answers it (or CLOSE_WAIT passes)."""
        deadline = time.monotonic() + CLOSE_WAIT
        while not self.ended and self.protocol.state is not State.CLOSED:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.sock], [], [], left)[0]:
                break
            data = self.sock.recv(RECEIVE_CHUNK)
            if data:
                self.protocol.receive_data(data)
            else:
                self.protocol.receive_eof()
            self.protocol.events_received()
            self.flush()

    def drop(self) -> None:
        """Close the socket without a close frame, as a lost connection."""
        self.ended = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def _buffered(handler: Any, sock: socket.socket) -> bytes:
    """Bytes the HTTP handler's buffered reader took past the handshake (a client that sent frames
    without waiting for the 101), read without blocking."""
    sock.setblocking(False)
    try:
        data = handler.rfile.peek(RECEIVE_CHUNK)
        return handler.rfile.read(len(data)) if data else b""
    finally:
        sock.settimeout(SEND_TIMEOUT)
