"""Records: what the renderers print of an answer, flattened to dotted field names."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

def without_success(body: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in body.items() if key != "success"}


def records_of(body: Mapping[str, Any], key: str | None) -> tuple[list[Any], bool]:
    """The records of a body and whether it holds a single record (shown as field/value).

    None: the body itself. `states` as a dict (get_states): one record per tracker, blocked and
    missing ones included (`state_records`). Any other key: a list gives its items, anything else
    is one record, absent none.
    """
    if key is None:
        return [body], True
    value = body.get(key)
    if value is None:
        return (state_records(body) if key == "states" else []), False
    if key == "states" and isinstance(value, Mapping):
        return state_records(body), False
    if isinstance(value, list):
        return value, False
    return [value], True


STATE_STATUSES = ("ok", "blocked", "not_exist")  # of get_states' records: in `states`, `blocked`, `not_exist`


def state_records(body: Mapping[str, Any]) -> list[dict[str, Any]]:
    """get_states' records (CLI-CONTRACT.md section 11): one per tracker the answer names, with
    `tracker_id` and `status` first. Each state of `states` is `ok`; the ids in `blocked` and
    `not_exist` (there when --list-blocked and --allow-not-exist ask for them) are records of their
    own, with nothing else to show. In that order, each in the answer's order."""
    states = body.get("states")
    records = [_with_tracker_id(i, "ok", state) for i, state in (states.items() if isinstance(states, Mapping) else ())]
    for status in STATE_STATUSES[1:]:
        ids = body.get(status)
        records += [_with_tracker_id(i, status) for i in (ids if isinstance(ids, list) else ())]
    return records


def _with_tracker_id(tracker_id: Any, status: str, state: Any = None) -> dict[str, Any]:
    """A get_states record: `"tracker_id": <int>` and its status first, then the state's fields."""
    ident: Any = int(tracker_id) if str(tracker_id).isascii() and str(tracker_id).isdigit() else tracker_id
    head = {"tracker_id": ident, "status": status}
    if state is None:
        return head
    if not isinstance(state, Mapping):
        return {**head, "state": state}
    return {**head, **{k: v for k, v in state.items() if k not in head}}


def as_mapping(record: Any, name: str) -> Mapping[str, Any]:
    """Records for a table are mappings; a bare value becomes `{name: value}`."""
    return record if isinstance(record, Mapping) else {name: record}


def flatten(record: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested mappings become dotted keys (`source.device_id`); an empty mapping stays a leaf."""
    flat: dict[str, Any] = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            flat.update(flatten(value, name + "."))
        else:
            flat[name] = value
    return flat


def first_seen_keys(flat_records: Iterable[Mapping[str, Any]]) -> list[str]:
    seen: dict[str, None] = {}
    for fields in flat_records:
        seen.update(dict.fromkeys(fields))
    return list(seen)


def lookup(fields: Mapping[str, Any], record: Mapping[str, Any], column: str) -> Any:
    """A column's value: a flattened leaf, else the sub-object at that dotted path, else None."""
    if column in fields:
        return fields[column]
    value: Any = record
    for part in column.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def cell(value: Any) -> str:
    """A value as table/csv text: None empty, scalars as in JSON, lists and objects compact JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def check_columns(columns: Sequence[str], fields: Sequence[str], what: str) -> None:
    """Refuse (UsageError, one line) a column that names no field of the records of `what`.

    A column is a field (`source.device_id`), an object holding fields (`source`, shown as compact
    JSON), or any key of an open map (`additional.*` in `fields` admits `additional.hardware_key`).
    """
    exact: set[str] = set()
    maps: list[str] = []
    for field in fields:
        name = field[:-2] if field.endswith(".*") else field
        if name != field:
            maps.append(name + ".")
        parts = name.split(".")
        exact.update(".".join(parts[:n]) for n in range(1, len(parts) + 1))
    unknown = [c for c in columns if c not in exact and not c.startswith(tuple(maps))]
    if not unknown:
        return
    from trackerctl.errors import UsageError

    if not fields:
        raise UsageError(f"--columns: {what} prints no fields (its answer is only success): leave out --columns")
    import difflib

    names = ", ".join(unknown)
    near = difflib.get_close_matches(unknown[0], [f for f in fields if not f.endswith(".*")], n=1)
    guess = f" (did you mean {near[0]}?)" if near else ""
    raise UsageError(f"--columns: no field{'s' if len(unknown) > 1 else ''} {names} in {what}{guess}; "
                     f"the fields are {', '.join(fields)}")
