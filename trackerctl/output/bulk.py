"""A bulk command's per-item result (CLI-CONTRACT.md section 8) and its one summary line."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

BULK_COLUMNS = ("item", "status", "code", "description")

STATUSES = ("succeeded", "skipped", "failed", "not_done")  # of a bulk command's items, in report order
DONE = ("succeeded", "skipped")  # a skipped item was done already (an IMEI that exists, a clone deleted)


class BulkResult:
    """Per-item outcome of a bulk command (contract section 8): the engine's records
    (`trackerctl.bulk.Outcome`: item, status, code, description) as they are given, grouped by
    status in the json result and one row each otherwise. Items keep the type they had in the
    request (tracker ids numbers, IMEIs strings)."""

    def __init__(self, outcomes: Iterable[Any] = ()) -> None:
        self.outcomes = list(outcomes)

    @property
    def summary(self) -> str:
        return bulk_summary({status: sum(o.status == status for o in self.outcomes) for status in STATUSES})

    def as_json(self) -> dict[str, Any]:
        """`{"succeeded": [item...], "skipped": [item...], "failed": [{item, code, description}...]}`,
        and `"not_done": [{item, description}...]` when a job stopped."""
        groups: dict[str, list[Any]] = {status: [] for status in STATUSES}
        for o in self.outcomes:
            if o.status == "failed":
                groups["failed"].append({"item": o.item, "code": o.code, "description": o.description})
            elif o.status == "not_done":
                groups["not_done"].append({"item": o.item, "description": o.description})
            else:
                groups[o.status].append(o.item)
        if not groups["not_done"]:
            del groups["not_done"]
        results = [{"item": o.item, **o.result} for o in self.outcomes if getattr(o, "result", None)]
        if results:  # what the answers said of each item (an action on many trackers: a read's record, a new id)
            groups["results"] = results
        return groups

    def items(self) -> Iterator[dict[str, Any]]:
        """One `{item, status, code, description}` row per item, in the order of STATUSES."""
        rank = {status: n for n, status in enumerate(STATUSES)}
        for o in sorted(self.outcomes, key=lambda o: rank[o.status]):
            yield o.as_json()


def bulk_summary(counts: Mapping[str, int]) -> str:
    """`3 succeeded, 1 skipped, 2 failed`, and `, 4 not done` when there are such: the one wording."""
    return ", ".join(f"{counts.get(s, 0)} {s.replace('_', ' ')}" for s in STATUSES if counts.get(s) or s != "not_done")
