"""Bulk commands' machinery: the engine (`engine`: chunks, workers, searches) and what each action
means item by item (`strategies`). Imported by the bulk runners only, never on a `--help` path."""

from trackerctl.bulk.engine import BulkJob, fetch_chunks, merge_states
from trackerctl.bulk.strategies import (
    FAILED,
    NOT_DONE,
    SKIPPED,
    STRATEGIES,
    SUCCEEDED,
    CloneTrackers,
    DeleteClones,
    ImportBundles,
    Outcome,
    PerTracker,
    Strategy,
)

__all__ = [
    "FAILED", "NOT_DONE", "SKIPPED", "STRATEGIES", "SUCCEEDED", "BulkJob", "CloneTrackers", "DeleteClones",
    "ImportBundles", "Outcome", "PerTracker", "Strategy", "fetch_chunks", "merge_states",
]
