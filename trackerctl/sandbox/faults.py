"""Fault injection for rehearsals and tests: refusals, rate limiting, dropped answers, latency.
A WebSocket channel's handshake is a request (refused, rate limited); its frames are not: each one
sent may be dropped (the socket closed instead) and is delayed by the latency.

Each request draws its fail and drop decisions from one random stream, in arrival order, so a
`seed` makes a sequential run reproducible. The rate limit is a sliding one-second window over the
requests it let through, for the whole sandbox.
"""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from dataclasses import dataclass


@dataclass
class Faults:
    fail_rate: float = 0.0  # that share of requests: HTTP 503, code 8, not processed
    drop_rate: float = 0.0  # that share: processed (state changed), then no answer at all
    latency_ms: int = 0  # added to every answer, outside any lock
    rate_limit: int | None = None  # requests per second beyond which: HTTP 429, code 15, Retry-After: 1
    seed: int | None = None  # makes fail/drop decisions reproducible

    def __post_init__(self) -> None:
        for name in ("fail_rate", "drop_rate"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1")
        if self.latency_ms < 0:
            raise ValueError("latency_ms must be >= 0")
        if self.rate_limit is not None and self.rate_limit < 1:
            raise ValueError("rate_limit must be >= 1")


@dataclass(frozen=True)
class Decision:
    refuse: int | None  # the error code to answer without processing (15 or 8), or None
    drop: bool  # process, then give no answer


ADMIT = Decision(None, False)


class FaultInjector:
    def __init__(self, faults: Faults) -> None:
        self.faults = faults
        self._rng = random.Random(faults.seed)
        self._lock = threading.Lock()
        self._window: deque[float] = deque()

    def decide(self) -> Decision:
        """The fate of one arriving request."""
        f = self.faults
        if not (f.fail_rate or f.drop_rate or f.rate_limit):
            return ADMIT
        with self._lock:
            fail_draw, drop_draw = self._rng.random(), self._rng.random()
            if f.rate_limit is not None:
                now = time.monotonic()
                while self._window and self._window[0] <= now - 1.0:
                    self._window.popleft()
                if len(self._window) >= f.rate_limit:
                    return Decision(15, False)
                self._window.append(now)
        if fail_draw < f.fail_rate:
            return Decision(8, False)
        return Decision(None, drop_draw < f.drop_rate)

    def drop_frame(self) -> bool:
        """Whether a WebSocket channel's socket is closed instead of sending one frame (drop_rate,
        drawn from the same stream as the requests')."""
        if not self.faults.drop_rate:
            return False
        with self._lock:
            return self._rng.random() < self.faults.drop_rate

    def delay(self) -> None:
        """Sleep the configured latency (call with no lock held)."""
        if self.faults.latency_ms:
            time.sleep(self.faults.latency_ms / 1000.0)
