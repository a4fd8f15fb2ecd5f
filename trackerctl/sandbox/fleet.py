"""`sandbox serve --move SECONDS`: a living fleet for `--watch` and the console.

Every SECONDS one step: each device that is connected (connection status `active` or `idle`), not
blocked or corrupted, with a tracker not deleted and a known position, reports. An `active` one
drives on: its heading turns by up to 30 degrees, its speed changes by up to 10 km/h (kept between
15 and 90), it covers the distance that speed makes in SECONDS; an `idle` one stands (speed 0).
Both get a fix, an update and a connection (the panel's last_connection) at the sandbox clock's now,
so their `tracker/get_state` (and the subscription's state events, the console's status frames)
change at every step.

A step is a function of the seed, the source id and the step number (and the position before it):
the same seed gives the same drive.
"""

from __future__ import annotations

import math
import random
import sqlite3
import sys
import threading
import traceback
from typing import TYPE_CHECKING

from trackerctl.sandbox.objects import coordinate

if TYPE_CHECKING:
    from trackerctl.sandbox.app import Sandbox

KM_PER_DEGREE = 111.32
MIN_SPEED, MAX_SPEED = 15, 90  # km/h while driving

_MOVERS = """
SELECT d.source_id, d.lat, d.lng, d.heading, d.speed, s.connection_status
FROM device_data d JOIN sources s ON s.id = d.source_id
WHERE s.connection_status IN ('active', 'idle') AND s.blocked = 0 AND s.corrupted = 0 AND d.lat IS NOT NULL
  AND d.lng IS NOT NULL AND EXISTS (SELECT 1 FROM trackers t WHERE t.source_id = s.id AND t.deleted = 0)
ORDER BY d.source_id
"""


def step(conn: sqlite3.Connection, now: float, number: int, seconds: float, seed: int = 0) -> int:
    """Move the fleet one step of `seconds` (the `number`th); returns how many devices reported."""
    updates = []
    for row in conn.execute(_MOVERS).fetchall():
        rng = random.Random(f"{seed}:{row['source_id']}:{number}")
        if row["connection_status"] != "active":
            updates.append((row["lat"], row["lng"], row["heading"] or 0, 0, "parked", now, row["source_id"]))
            continue
        heading = ((row["heading"] or 0) + rng.randint(-30, 30)) % 360
        speed = min(MAX_SPEED, max(MIN_SPEED, (row["speed"] or 0) + rng.randint(-10, 10)))
        km = speed * seconds / 3600.0
        lat = row["lat"] + km * math.cos(math.radians(heading)) / KM_PER_DEGREE
        if abs(lat) > 85:  # turn back before a pole
            heading, lat = (180 - heading) % 360, row["lat"]
        lng = row["lng"] + km * math.sin(math.radians(heading)) / (KM_PER_DEGREE * max(0.01, math.cos(math.radians(lat))))
        lng = (lng + 180) % 360 - 180
        updates.append((coordinate(lat), coordinate(lng), heading, speed, "moving", now, row["source_id"]))
    conn.executemany(
        "UPDATE device_data SET lat = ?, lng = ?, heading = ?, speed = ?, movement_status = ?, last_fix = ?6, updated = ?6,"
        " last_connection = ?6"
        " WHERE source_id = ?7",
        updates,
    )
    return len(updates)


class Mover(threading.Thread):
    """Moves the fleet every `seconds` until `stop()`; a failed step is logged and the next one runs."""

    def __init__(self, sandbox: Sandbox, seconds: float, seed: int | None = None) -> None:
        super().__init__(name="sandbox-fleet", daemon=True)
        self.sandbox = sandbox
        self.seconds = seconds
        self.seed = seed or 0
        self.steps = 0
        self._stopped = threading.Event()

    def run(self) -> None:
        while not self._stopped.wait(self.seconds):
            try:
                self.sandbox.move_fleet(self.steps + 1, self.seconds, self.seed)
                self.steps += 1
            except Exception:
                traceback.print_exc(file=sys.stderr)

    def stop(self) -> None:
        self._stopped.set()
