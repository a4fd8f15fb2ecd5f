"""The fields of each command's records, so that `--columns` is checked before anything is sent
(CLI-CONTRACT.md section 11).

A record's fields are dotted names, as the table header, the CSV header and `--columns` spell them
(`source.device_id`); a name ending in `.*` stands for a map whose keys vary (a state's
`additional`, keyed by what the model reports). An action's are `Action.fields` in the registry; a
bulk command prints its per-item rows instead. A column naming an object (`source`) shows it as
compact JSON and is accepted too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from trackerctl.api.action import Action
from trackerctl.api.endpoints import REGISTRY
from trackerctl.output import BULK_COLUMNS

BULK_RUNNER = "trackerctl.cli.bulk:run_bulk"


def fields_of(action: Action) -> tuple[str, ...]:
    """The fields of `action`'s records as printed: a bulk command's are its per-item rows."""
    if action.handler == BULK_RUNNER:
        return BULK_COLUMNS
    return action.fields


def for_command(words: tuple[str, ...], params: Mapping[str, Any]) -> tuple[str, tuple[str, ...]] | None:
    """(the command's name, the fields of its records) for the command at `words`, whose own
    parameters are `params`; None when they are only known from the answer (a command outside the
    registry, or `api` with a path the registry does not know)."""
    action, what = REGISTRY.by_command(words), " ".join(words)
    if words == ("api",) and isinstance(params.get("path"), str):  # `api PATH`: PATH's action
        path = params["path"].strip("/")
        path = path[3:] if path.startswith("v2/") else path
        action, what = REGISTRY.by_path(path), f"api {path}"
    if action is None:
        return None
    return what, fields_of(action)
