"""The fields of each action's records, so that `--columns` is checked before anything is sent
(CLI-CONTRACT.md section 11).

A record's fields are dotted names, as the table header, the CSV header and `--columns` spell them
(`source.device_id`); a name ending in `.*` stands for a map whose keys vary (a state's
`additional`, keyed by what the model reports). They are the union of what the two action documents
and the panel's OpenAPI description show and what the sandbox answers (tests/unit/test_columns.py
checks both). A column naming an object (`source`) shows it as compact JSON and is accepted too.

These are facts about the platform's answers and belong beside `Action.columns` in the registry;
they live here until trackerctl/api/ can take them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from trackerctl.api.action import Action
from trackerctl.api.endpoints import REGISTRY
from trackerctl.output import BULK_COLUMNS

TRACKER = (  # user API: tracker/read, list, register*, replace*, send_command
    "id", "label", "clone", "group_id", "avatar_file_name",
    "source.id", "source.device_id", "source.model", "source.blocked", "source.tariff_id", "source.status_listing_id",
    "source.creation_date", "source.tariff_end_date", "source.phone",
    "tag_bindings",
)
PANEL_TRACKER = (  # panel/tracker/list and read; owner_name, model_name, last_connection from the OpenAPI
    "id", "label", "clone", "comment", "creation_date", "group_id", "dealer_id", "user_id", "owner_name",
    "model_name", "deleted", "last_connection", "avatar_file_name",
    "source.id", "source.device_id", "source.model", "source.blocked", "source.tariff_id", "source.creation_date",
    "source.tariff_end_date", "source.connection_status", "source.phone", "source.corrupted",
)
SENSOR = ("label", "name", "type", "value", "units_type", "units", "converted_units_type", "converted_value")
STATE = (
    "source_id", "gps.updated", "gps.signal_level", "gps.location.lat", "gps.location.lng", "gps.heading",
    "gps.speed", "gps.alt", "gps.precision", "gps.gsm_lbs", "connection_status", "movement_status",
    "gsm.updated", "gsm.signal_level", "gsm.network_name", "gsm.roaming", "last_update", "battery_level",
    "battery_update", "inputs", "inputs_update", "outputs", "outputs_update", "additional.*", "actual_track_update",
)
MODEL = (
    "id", "code", "type", "name", "vendor", "parent_code", "id_type", "has_phone", "has_apn_settings", "register",
    "has_auto_registration", "battery.min_charge", "battery.low_charge", "battery.max_charge", "altitude",
    "satellites", "gsm_level", "gsm_network", "gsm_roaming", "has_detach_button", "has_fuel_input", "analog_inputs",
    "digital_inputs", "rs232_inputs", "digital_outputs", "track_control", "output_control", "special_control",
    "rules", "inputs", "state_fields", "special_settings", "sms_control", "has_led_control", "has_location_request",
    "has_gprs_location_request", "has_gsm_lbs_location_request", "has_chat", "check_bundle", "has_odometer",
    "has_lbs", "has_motion_sensor", "has_hardware_key", "additional_fields",
)
BUNDLE = ("id", "imei", "model_code", "equip_id", "iccid", "order_id", "assign_time")

# API path -> the fields of its records. An action answering only `success` has none.
FIELDS: dict[str, tuple[str, ...]] = {
    "tracker/read": TRACKER,
    "tracker/list": TRACKER,
    "tracker/register": TRACKER,
    "tracker/register_retry": TRACKER,
    "tracker/register_quick": TRACKER,
    "tracker/replace": TRACKER,
    "tracker/replace_quick": TRACKER,
    "tracker/replace_retry": TRACKER,
    "tracker/send_command": TRACKER,
    "tracker/get_diagnostics": SENSOR,
    "tracker/get_fuel": SENSOR,
    "tracker/get_readings": SENSOR,
    "tracker/get_inputs": ("input_number", "type", "name", "status"),
    "tracker/get_last_gps_point": ("get_time", "lat", "lng", "speed", "heading", "satellites", "precision"),
    # get-state --watch shows several trackers: each state with its tracker_id, like get_states
    "tracker/get_state": ("tracker_id", *STATE),
    "tracker/get_states": ("tracker_id", "status", *STATE),
    "tracker/list_models": MODEL,
    "panel/tracker/active/history/list": ("month", "amount", "trackers"),
    "panel/tracker/bundle/list": BUNDLE,
    "panel/tracker/bundle/read": BUNDLE,
    "panel/tracker/list": PANEL_TRACKER,
    "panel/tracker/read": PANEL_TRACKER,
    "panel/tracker/clone": ("id",),
    "panel/tracker/console/connect": ("key", "timestamp"),
}
BULK_RUNNER = "trackerctl.cli.bulk:run_bulk"


def fields_of(action: Action) -> tuple[str, ...]:
    """The fields of `action`'s records as printed: a bulk command's are its per-item rows."""
    if action.handler == BULK_RUNNER:
        return BULK_COLUMNS
    return FIELDS.get(action.path, ())


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
