"""Every action trackerctl knows: one declarative entry each (STYLE.md, example 1).

Commands, validation, help, man pages, completions and the coverage tests read this list. An
action's command path mirrors its API path (`tracker/get_state` -> `trackerctl tracker get-state`).
Documented constraints go on the params; `errors` lists the action-specific codes the document names.
"""

from __future__ import annotations

from trackerctl.api.action import Action, Param, Registry, Undo

# ---- parameters shared by many actions -----------------------------------------------------------
TRACKER_ID = Param("tracker_id", "int", "ID of the tracker (aka object_id).", positional=True, ge=1)
LABEL = Param("label", "str", "Label of the tracker: 1-60 printable characters.", min_len=1, max_len=60, printable=True)
GROUP_ID = Param("group_id", "int", "ID of the tracker group; 0 for no group.", ge=0)
MODEL = Param("model", "str", "Code of the device model (see `trackerctl tracker list-models`).", min_len=1)
PLUGIN_ID = Param("plugin_id", "int", "ID of the registration plugin.", ge=1)
DEVICE_ID = Param(
    "device_id", "str", "Device ID, e.g. the IMEI; needed when the model uses a fixed device ID.",
    required=False, min_len=1,
)
SEND_REGISTER_COMMANDS = Param(
    "send_register_commands", "bool",
    "Send activation commands to the device (by SMS or GPRS); left out, the platform settings decide.",
    required=False,
)
APN_NAME = Param("apn_name", "str", "Name of the GPRS APN of the SIM card in the device (at most 40 characters).", max_len=40)
APN_USER = Param("apn_user", "str", "User of the GPRS APN (at most 40 characters, may be empty).", max_len=40)
APN_PASSWORD = Param("apn_password", "str", "Password of the GPRS APN (at most 40 characters, may be empty).", max_len=40)
APN = (APN_NAME, APN_USER, APN_PASSWORD)
# replace_retry's table gives these no limit ("The name of GPRS APN of this sim card inserted into device.")
REPLACE_APN = (
    Param("apn_name", "str", "Name of the GPRS APN of the SIM card in the new device."),
    Param("apn_user", "str", "User of the GPRS APN (may be empty)."),
    Param("apn_password", "str", "Password of the GPRS APN (may be empty)."),
)
IMEI = Param("imei", "str", "IMEI of the device (digits only).", digits=True)
RAW_COMMAND = (
    Param("command", "str", "The command: text, or hexadecimal with --type hex.", min_len=1, hex_if=("type", "hex")),
    Param("type", "str", "How the command is written (default text).", required=False, choices=("text", "hex")),
    Param(
        "reliable", "bool",
        "Resend the command when the device is disconnected or does not acknowledge it (default true).",
        required=False,
    ),
)
BUNDLE_ID = Param("bundle_id", "int", "ID of the bundle.", positional=True, ge=1)
EQUIP_ID = Param("equip_id", "int", "ID of the equipment.", ge=1)
CLONES_FILTER = Param(
    "clones_filter", "str", "Clones in the result.", required=False,
    choices=("exclude_clones", "only_include_clones", "not_set"),
)
ASCENDING = Param(
    "ascending", "bool", "Order ascending (default) or descending; --descending is --no-ascending.",
    required=False, cli_false="descending",
)
OFFSET = Param("offset", "int", "Skip this many records.", required=False, ge=0)
LIMIT = Param("limit", "int", "Return at most this many records.", required=False, ge=0)

# ---- default columns -------------------------------------------------------------------------------
TRACKER_COLUMNS = ("id", "label", "group_id", "source.device_id", "source.model", "source.blocked", "source.tariff_end_date")
PANEL_TRACKER_COLUMNS = (
    "id", "label", "user_id", "clone", "deleted", "source.device_id", "source.model",
    "source.blocked", "source.connection_status", "last_connection", "source.tariff_end_date",
)
STATE_COLUMNS = (
    "connection_status", "movement_status", "gps.location.lat", "gps.location.lng", "gps.speed",
    "last_update", "battery_level",
)
SENSOR_COLUMNS = ("label", "name", "value", "units", "converted_value")
BUNDLE_COLUMNS = ("id", "imei", "model_code", "equip_id", "iccid", "order_id", "assign_time")

# ---- the fields of the records, dotted as --columns names them ------------------------------------
# The union of what the two action documents and the panel's OpenAPI description show and what the
# sandbox answers (tests/unit/test_columns.py checks both); `x.*` is a map whose keys vary.
TRACKER_FIELDS = (  # user API: tracker/read, list, register*, replace*, send_command
    "id", "label", "clone", "group_id", "avatar_file_name",
    "source.id", "source.device_id", "source.model", "source.blocked", "source.tariff_id", "source.status_listing_id",
    "source.creation_date", "source.tariff_end_date", "source.phone",
    "tag_bindings",
)
PANEL_TRACKER_FIELDS = (  # panel/tracker/list and read; owner_name, model_name, last_connection from the OpenAPI
    "id", "label", "clone", "comment", "creation_date", "group_id", "dealer_id", "user_id", "owner_name",
    "model_name", "deleted", "last_connection", "avatar_file_name",
    "source.id", "source.device_id", "source.model", "source.blocked", "source.tariff_id", "source.creation_date",
    "source.tariff_end_date", "source.connection_status", "source.phone", "source.corrupted",
)
SENSOR_FIELDS = ("label", "name", "type", "value", "units_type", "units", "converted_units_type", "converted_value")
STATE_FIELDS = (
    "source_id", "gps.updated", "gps.signal_level", "gps.location.lat", "gps.location.lng", "gps.heading",
    "gps.speed", "gps.alt", "gps.precision", "gps.gsm_lbs", "connection_status", "movement_status",
    "gsm.updated", "gsm.signal_level", "gsm.network_name", "gsm.roaming", "last_update", "battery_level",
    "battery_update", "inputs", "inputs_update", "outputs", "outputs_update", "additional.*", "actual_track_update",
)
MODEL_FIELDS = (
    "id", "code", "type", "name", "vendor", "parent_code", "id_type", "has_phone", "has_apn_settings", "register",
    "has_auto_registration", "battery.min_charge", "battery.low_charge", "battery.max_charge", "altitude",
    "satellites", "gsm_level", "gsm_network", "gsm_roaming", "has_detach_button", "has_fuel_input", "analog_inputs",
    "digital_inputs", "rs232_inputs", "digital_outputs", "track_control", "output_control", "special_control",
    "rules", "inputs", "state_fields", "special_settings", "sms_control", "has_led_control", "has_location_request",
    "has_gprs_location_request", "has_gsm_lbs_location_request", "has_chat", "check_bundle", "has_odometer",
    "has_lbs", "has_motion_sensor", "has_hardware_key", "additional_fields",
)
BUNDLE_FIELDS = ("id", "imei", "model_code", "equip_id", "iccid", "order_id", "assign_time")

# What each field of the three lists holds, for `--where` (trackerctl/fleet/where.py): int, str,
# bool, time (the API's `YYYY-MM-DD` or `YYYY-MM-DD HH:MM:SS`), list. A name means the same in each.
FIELD_KINDS = {
    "id": "int", "label": "str", "clone": "bool", "comment": "str", "creation_date": "time", "group_id": "int",
    "dealer_id": "int", "user_id": "int", "owner_name": "str", "model_name": "str", "deleted": "bool",
    "last_connection": "time", "avatar_file_name": "str", "tag_bindings": "list",
    "source.id": "int", "source.device_id": "str", "source.model": "str", "source.blocked": "bool",
    "source.tariff_id": "int", "source.status_listing_id": "int", "source.creation_date": "time",
    "source.tariff_end_date": "time", "source.connection_status": "str", "source.phone": "str",
    "source.corrupted": "bool",
    "imei": "str", "model_code": "str", "equip_id": "int", "iccid": "str", "order_id": "int", "assign_time": "time",
}

# Errors shared by the registration family of the user API.
REGISTER_ERRORS = (13, 204, 220, 221, 222, 223, 224, 225, 226)

USER_ACTIONS: tuple[Action, ...] = (
    Action(
        "tracker/read",
        "Get one tracker by ID.",
        (TRACKER_ID,),
        example="trackerctl tracker read 123456 -o json | jq .value.source.device_id",
        result="value",
        columns=TRACKER_COLUMNS,
        fields=TRACKER_FIELDS,
        errors=(201,),
    ),
    Action(
        "tracker/list",
        "List the user's trackers, optionally filtered by label.",
        (
            Param(
                "labels", "str_list",
                "Only trackers whose label contains this text (repeatable; any of them matches).",
                required=False, cli_name="label", min_items=1, max_items=1024, unique=True, min_len=1, max_len=60,
            ),
        ),
        description="With several --label options a tracker is listed when its label contains any of them.",
        example="trackerctl tracker list --label truck -o json | jq '.list[].id'",
        result="list",
        columns=TRACKER_COLUMNS,
        fields=TRACKER_FIELDS,
    ),
    Action(
        "tracker/corrupt",
        "Mark a tracker as deleted and corrupt its source, device ID and phone.",
        (TRACKER_ID,),
        description="The tracker must belong to the user, not be blocked, not be a clone and not be connected.",
        permission="tracker_register",
        example="trackerctl tracker corrupt 200009 --yes",
        destructive=True,
        read_only=False,
        errors=(13, 243, 201, 219, 252, 208),
    ),
    Action(
        "tracker/delete",
        "Delete a tracker that is a clone.",
        (TRACKER_ID,),
        description="Refused for original trackers (249) and for trackers that rules or vehicles use (203).",
        permission="admin",
        example="trackerctl tracker delete 777003 --yes",
        destructive=True,
        read_only=False,
        errors=(201, 249, 203),
    ),
    Action(
        "tracker/change_phone",
        "Change the tracker's phone number and set up its new APN.",
        (
            TRACKER_ID,
            Param("phone", "str", "Phone number of the SIM card, international format without '+'.", digits=True),
            *APN,
        ),
        permission="tracker_configure",
        example=(
            "trackerctl tracker change-phone 265489 --phone 6156680000 --apn-name fast.tmobile.com "
            "--apn-user tmobile --apn-password tmobile"
        ),
        read_only=False,
        errors=(201, 208, 219, 214, 223, 241),
    ),
    Action(
        "tracker/get_diagnostics",
        "Get the last CAN and OBD sensor readings and states of a tracker.",
        (TRACKER_ID,),
        description="The json output also holds `states`: a map of the last state values (obd_vin, ...).",
        example="trackerctl tracker get-diagnostics 265489 -o json | jq .states",
        result="inputs",
        columns=SENSOR_COLUMNS,
        fields=SENSOR_FIELDS,
        errors=(201, 208),
    ),
    Action(
        "tracker/get_fuel",
        "Get the current fuel level of the tracker's fuel tanks.",
        (TRACKER_ID,),
        example="trackerctl tracker get-fuel 265489 -o json | jq '.inputs[] | {label, value, units}'",
        result="inputs",
        columns=SENSOR_COLUMNS,
        fields=SENSOR_FIELDS,
        errors=(201, 208),
    ),
    Action(
        "tracker/get_inputs",
        "Get the state of the tracker's digital inputs and the semantic inputs bound to them.",
        (TRACKER_ID,),
        description="The json output also holds `inputs`: the raw states of all digital inputs.",
        example="trackerctl tracker get-inputs 265489 -o json | jq '.states[] | select(.type == \"ignition\").status'",
        result="states",
        columns=("input_number", "type", "name", "status"),
        fields=("input_number", "type", "name", "status"),
        errors=(201, 208),
    ),
    Action(
        "tracker/get_last_gps_point",
        "Get the last point of the tracker located by GPS.",
        (TRACKER_ID,),
        description="Points located by GSM LBS are left out.",
        example="trackerctl tracker get-last-gps-point 265489 -o json | jq '.value | [.lat, .lng]'",
        result="value",
        columns=("get_time", "lat", "lng", "speed", "heading", "satellites", "precision"),
        fields=("get_time", "lat", "lng", "speed", "heading", "satellites", "precision"),
        errors=(201, 208),
    ),
    Action(
        "tracker/get_readings",
        "Get the last values of the tracker's metering sensors (not CAN, OBD or fuel).",
        (TRACKER_ID,),
        example="trackerctl tracker get-readings 265489 -o json | jq '.inputs[] | select(.name == \"board_voltage\").value'",
        result="inputs",
        columns=SENSOR_COLUMNS,
        fields=SENSOR_FIELDS,
        errors=(201, 208),
    ),
    Action(
        "tracker/get_state",
        "Get the current state of a tracker: position, movement, connection, battery, inputs, outputs.",
        (TRACKER_ID,),
        example="trackerctl tracker get-state 265489 -o json | jq .state.gps.location",
        result="state",
        columns=STATE_COLUMNS,
        fields=("tracker_id", *STATE_FIELDS),
        errors=(201, 208),
    ),
    Action(
        "tracker/get_states",
        "Get the current states of several trackers.",
        (
            Param(
                "trackers", "int_list", "IDs of the trackers.",
                positional=True, bulk=True, cli_name="tracker-id", ge=1, min_items=1,
            ),
            Param("list_blocked", "bool", "List blocked trackers in `blocked` instead of failing with 208.", required=False),
            Param(
                "allow_not_exist", "bool", "List unknown trackers in `not_exist` instead of failing with 217 or 201.",
                required=False,
            ),
        ),
        description="`states` maps each tracker ID to its state (see `tracker get-state`).",
        example="trackerctl tracker get-states 999119 999199 --list-blocked --allow-not-exist -o json | jq '.states | keys'",
        result="states",
        columns=("tracker_id", "status", *STATE_COLUMNS),
        fields=("tracker_id", "status", *STATE_FIELDS),
        bulk_key="trackers",
        errors=(201, 208, 217),
        handler="trackerctl.cli.bulk:run_get_states",
    ),
    Action(
        "tracker/list_models",
        "List the integrated tracker models.",
        (
            Param("compact_view", "bool", "Compact view.", required=False),
            Param(
                "compact_index", "bool", "Of indexed inputs return only the one with the highest index (deprecated).",
                required=False,
            ),
            Param("codes", "str_list", "Only this model (repeatable).", required=False, cli_name="code", min_items=1, min_len=1),
        ),
        example="trackerctl tracker list-models --code tt1_wp --code pt10 -o json | jq '.list[].id_type'",
        result="list",
        columns=("code", "name", "vendor", "type", "id_type"),
        fields=MODEL_FIELDS,
    ),
    Action(
        "tracker/tags/set",
        "Set the tags of a tracker.",
        (
            TRACKER_ID,
            Param(
                "tag_bindings", "tag_bindings",
                "A tag as TAG_ID:ORDINAL (repeatable; ordinal 1-5; each tag and ordinal at most once).",
                cli_name="tag",
            ),
        ),
        description="The tags must exist. The given tags replace the tracker's tags.",
        example="trackerctl tracker tags set 123456 --tag 456789:1 --tag 456790:2",
        read_only=False,
        undo=Undo((("tag_bindings", "tag_bindings"),)),
    ),
    Action(
        "tracker/location_request",
        "Ask the device for its current position.",
        (
            TRACKER_ID,
            Param(
                "type", "str",
                "sms: GNSS by SMS (default); gsm: GSM LBS over GPRS; gprs: GNSS over GPRS (device online).",
                required=False, choices=("sms", "gsm", "gprs"),
            ),
        ),
        description="The device must support location requests; sms needs an SMS gateway on the panel.",
        example="trackerctl tracker location-request 265489 --type gprs",
        read_only=False,
        errors=(201, 208, 213, 214, 256),
    ),
    Action(
        "tracker/register",
        "Register a new tracker device with the user's account.",
        (LABEL, GROUP_ID, MODEL, PLUGIN_ID, DEVICE_ID, SEND_REGISTER_COMMANDS),
        description=(
            "The registration plugin decides further parameters (phone, apn_name, activation_code, ...): "
            "pass them with --param KEY=VALUE or --param-json KEY=JSON."
        ),
        permission="tracker_register",
        example=(
            "trackerctl tracker register --label Courier --group-id 0 --model qlgv55lite --plugin-id 37 "
            "--device-id 123451234512346 --param phone=79123122312 --param activation_code=123123123 "
            "--param apn_name=fast.tmobile.com --param apn_user=tmobile --param apn_password=tmobile -o json | jq .value.id"
        ),
        result="value",
        columns=TRACKER_COLUMNS,
        fields=TRACKER_FIELDS,
        read_only=False,
        errors=(*REGISTER_ERRORS, 227, 258),
        extra_params=True,
    ),
    Action(
        "tracker/register_retry",
        "Resend the registration commands to a tracker's device.",
        (
            # "device_id ... It can be used instead of `tracker_id` for models with a fixed ID."
            Param(
                "tracker_id", "int", "ID of the tracker (aka object_id); or give --device-id instead.",
                positional=True, required=False, ge=1, alternative="device_id",
            ),
            Param(
                "device_id", "str", "Device ID used to register, e.g. IMEI: instead of TRACKER_ID, for models with a fixed ID.",
                required=False, min_len=1,
            ),
            *APN,
            SEND_REGISTER_COMMANDS,
        ),
        description="The panel must have an SMS gateway.",
        permission="tracker_register",
        example=(
            "trackerctl tracker register-retry 200009 --apn-name fast.tmobile.com --apn-user tmobile "
            "--apn-password tmobile --send-register-commands"
        ),
        result="value",
        columns=TRACKER_COLUMNS,
        fields=TRACKER_FIELDS,
        read_only=False,
        errors=(13, 201, 208, 219, 214, 242),
    ),
    Action(
        "tracker/register_quick",
        "Register a new preconfigured bundled tracker by its IMEI alone.",
        (LABEL, GROUP_ID, IMEI),
        description="No activation commands are sent: the device must be preconfigured.",
        permission="tracker_register",
        example="trackerctl tracker register-quick --label Courier --group-id 0 --imei 835664527777452 -o json | jq .value.id",
        result="value",
        columns=TRACKER_COLUMNS,
        fields=TRACKER_FIELDS,
        read_only=False,
        errors=(13, 201, 204, 220, 221, 222, 223, 224, 225, 226, 227),
    ),
    Action(
        "tracker/replace",
        "Replace a tracker's device, keeping its history and settings.",
        (TRACKER_ID, MODEL, DEVICE_ID, PLUGIN_ID, SEND_REGISTER_COMMANDS),
        description=(
            "The registration plugin decides further parameters (phone, apn_name, ...): "
            "pass them with --param KEY=VALUE or --param-json KEY=JSON."
        ),
        permission="tracker_configure",
        example=(
            "trackerctl tracker replace 123456 --model qlgv55lite --plugin-id 37 --device-id 123451234512346 "
            "--param phone=79123122312 --param apn_name=fast.tmobile.com --param apn_user=tmobile --param apn_password=tmobile"
        ),
        result="value",
        columns=TRACKER_COLUMNS,
        fields=TRACKER_FIELDS,
        read_only=False,
        errors=(7, *REGISTER_ERRORS, 258, 266),
        extra_params=True,
    ),
    Action(
        "tracker/replace_quick",
        "Replace a tracker's device with a preconfigured bundled device, by its IMEI alone.",
        (TRACKER_ID, IMEI),
        description="No activation commands are sent: the new device must be preconfigured.",
        permission="tracker_configure",
        example="trackerctl tracker replace-quick 123456 --imei 835664527777452",
        result="value",
        columns=TRACKER_COLUMNS,
        fields=TRACKER_FIELDS,
        read_only=False,
        errors=(7, 13, 201, 204, 220, 221, 222, 223, 224, 225, 226, 266),
    ),
    Action(
        "tracker/replace_retry",
        "Resend the registration commands to a tracker's new device.",
        (TRACKER_ID, *REPLACE_APN),
        description="The panel must have an SMS gateway.",
        permission="tracker_configure",
        example=(
            "trackerctl tracker replace-retry 200009 --apn-name fast.tmobile.com --apn-user tmobile "
            "--apn-password tmobile"
        ),
        result="value",
        columns=TRACKER_COLUMNS,
        fields=TRACKER_FIELDS,
        read_only=False,
        errors=(13, 204, 208, 219, 214, 242, 266),
    ),
    Action(
        "tracker/send_command",
        "Send a special control command (electronic lock, special settings) to a tracker.",
        (
            TRACKER_ID,
            Param(
                "command", "json",
                'The command as a JSON object with its "name" (JSON text, @file or -).',
            ),
        ),
        description=(
            "The commands a tracker accepts follow the `special_control` of its model: "
            "electronic_lock_command, set_special_settings_command."
        ),
        permission="tracker_configure, tracker_set_output",
        example=(
            "trackerctl tracker send-command 200008 --command "
            "'{\"name\": \"electronic_lock_command\", \"command_code\": \"unseal\", "
            "\"special_settings\": {\"type\": \"electronic_lock_password\", \"password\": \"345892\"}}'"
        ),
        result="list",
        check="trackerctl.cli.tracker:command_names_itself",
        columns=TRACKER_COLUMNS,
        fields=TRACKER_FIELDS,
        read_only=False,
    ),
    Action(
        "tracker/raw_command/send",
        "Send a GPRS command to the device, processed by its protocol first.",
        (TRACKER_ID, *RAW_COMMAND),
        permission="tracker_configure, tracker_set_output",
        example="trackerctl tracker raw-command send 265489 --command 'AT+GTRTO=gv200,A,,,,,,0001$' --type text",
        read_only=False,
        errors=(7, 201),
    ),
)

PANEL_ACTIONS: tuple[Action, ...] = (
    Action(
        "panel/tracker/active/history/list",
        "List the trackers the billing counted as active, month by month.",
        (
            Param("from", "month", "First month, yyyy-MM."),
            Param("to", "month", "Last month, yyyy-MM."),
        ),
        permission="trackers: read",
        example=(
            "trackerctl panel tracker active history list --from 2021-02 --to 2021-03 -o json "
            "| jq '.list[] | {month, amount}'"
        ),
        result="list",
        columns=("month", "amount"),
        fields=("month", "amount", "trackers"),
        errors=(211,),
    ),
    Action(
        "panel/tracker/bundle/assign",
        "Assign a bundle to a SIM card by ICCID.",
        (
            BUNDLE_ID,
            Param("iccid", "str", "ICCID of the SIM card: 3-20 printable characters.", min_len=3, max_len=20, printable=True),
        ),
        permission="tracker_bundles: update",
        example="trackerctl panel tracker bundle assign 1241 --iccid 78974217758",
        read_only=False,
        errors=(201, 208, 223, 226, 247, 250),
        aliases=(("panel", "bundle", "assign"),),
    ),
    Action(
        "panel/tracker/bundle/order/assign",
        "Assign a bundle to an order.",
        (
            BUNDLE_ID,
            Param(
                "order_id", "int", "ID of the order; left out, the bundle is taken off its order (null is sent).",
                required=False, ge=1, nullable=True,
            ),
        ),
        permission="tracker_bundles: update",
        example="trackerctl panel tracker bundle order assign 1241 --order-id 78974217758",
        read_only=False,
        errors=(201,),
        aliases=(("panel", "bundle", "order", "assign"),),
    ),
    Action(
        "panel/tracker/bundle/import",
        "Add bundles for many IMEIs at once.",
        (
            Param(
                "imeis", "str_list", "IMEIs of the devices.",
                positional=True, bulk=True, cli_name="imei", digits=True, min_items=1,
            ),
            EQUIP_ID,
            Param("factory_preset", "bool", "Whether the devices were preconfigured at the factory."),
        ),
        permission="tracker_bundles: create",
        example="trackerctl panel bundle import 896654523569742 754854 --equip-id 13785 --no-factory-preset",
        read_only=False,
        bulk_key="imeis",
        errors=(201, 247, 204),
        handler="trackerctl.cli.bulk:run_bulk",
        aliases=(("panel", "bundle", "import"),),
    ),
    Action(
        "panel/tracker/bundle/list",
        "List the dealer's bundles, with filters, ordering and paging.",
        (
            # Not in the document's parameter table, but its 201 names them ("if user_id or tariff_id
            # specified but was not found") and the list mirrors panel/tracker/list (spec/README).
            Param("user_id", "int", "Only bundles of this user's trackers.", required=False, ge=1),
            Param("tariff_id", "int", "Only bundles on this tariff.", required=False, ge=1),
            CLONES_FILTER,
            Param("filter", "str", "Text that id, IMEI, model code, ICCID or assign time must contain.", required=False),
            Param(
                "order_by", "str", "Field to order by.", required=False,
                choices=("id", "label", "status", "model", "device_id", "phone", "creation_date", "user_id", "comment"),
            ),
            ASCENDING,
            OFFSET,
            LIMIT,
        ),
        permission="tracker_bundles: read",
        example="trackerctl panel bundle list --all -o jsonl | jq -r .imei",
        result="list",
        columns=BUNDLE_COLUMNS,
        fields=BUNDLE_FIELDS,
        paginated=True,
        errors=(201,),
        aliases=(("panel", "bundle", "list"),),
    ),
    Action(
        "panel/tracker/bundle/read",
        "Get one bundle by IMEI.",
        (Param("imei", "str", "IMEI of the device (digits only).", positional=True, digits=True),),
        permission="tracker_bundles: read",
        example="trackerctl panel bundle read 835664527777452 -o json | jq .value",
        result="value",
        columns=BUNDLE_COLUMNS,
        fields=BUNDLE_FIELDS,
        errors=(201,),
        aliases=(("panel", "bundle", "read"),),
    ),
    Action(
        "panel/tracker/bundle/update",
        "Assign equipment to a bundle.",
        (BUNDLE_ID, EQUIP_ID),
        permission="tracker_bundles: update",
        example="trackerctl panel tracker bundle update 13457 --equip-id 35468",
        read_only=False,
        errors=(201, 204),
        aliases=(("panel", "bundle", "update"),),
    ),
    Action(
        "panel/tracker/clone",
        "Create a clone of a tracker for another user.",
        (
            TRACKER_ID,
            LABEL,
            Param("user_id", "int", "ID of the user who will own the clone.", ge=1),
        ),
        description="The source tracker must not be a clone itself; the answer holds the clone's `id`.",
        permission="trackers: create",
        example="trackerctl panel tracker clone 134537 --user-id 214034 --label Courier -o json | jq .id",
        read_only=False,
        errors=(219, 201, 246, 247, 252),
        fields=("id",),
    ),
    Action(
        "panel/tracker/batch_clone",
        "Clone many trackers to one user.",
        (
            Param("user_id", "int", "ID of the user who will own the clones.", ge=1),
            Param(
                "tracker_ids", "int_list", "IDs of the trackers to clone.",
                positional=True, bulk=True, cli_name="tracker-id", ge=1, min_items=1,
            ),
            Param("ignore_existing", "bool", "Skip trackers the user already has a clone of instead of failing.", required=False),
        ),
        description="At most 1000 trackers per request; longer lists are sent in chunks.",
        permission="trackers: create",
        example="trackerctl panel tracker batch-clone 134537 1245678 --user-id 354468 --ignore-existing",
        result="list",
        read_only=False,
        bulk_key="tracker_ids",
        max_chunk=1000,
        errors=(217, 219, 246, 247, 252),
        handler="trackerctl.cli.bulk:run_bulk",
    ),
    Action(
        "panel/tracker/console/connect",
        "Get a key to connect to a tracker's command console.",
        (TRACKER_ID,),
        description=(
            "The key opens the console once, within 60 s: `trackerctl panel tracker console open` does it all "
            "(wss://<the region's panel host>/console?device=<IMEI>&key=<key>&timestamp=<timestamp>&dealer_id=<dealer id>)."
        ),
        permission="trackers: update",
        example="trackerctl panel tracker console connect 134537 -o json | jq -r .key",
        errors=(230, 201, 252),
        fields=("key", "timestamp"),
    ),
    Action(
        "panel/tracker/corrupt",
        "Mark a tracker as deleted and corrupt its source device ID and phone.",
        (
            TRACKER_ID,
            Param("corrupt_clones", "bool", "Corrupt the tracker's clones as well.", required=False),
        ),
        description=(
            "There is no undo. A tracker with clones may be refused with 253 and the clone IDs in `list`; "
            "--corrupt-clones corrupts the clones as well."
        ),
        permission="trackers: corrupt",
        example="trackerctl panel tracker corrupt 134537 --corrupt-clones --yes",
        destructive=True,
        read_only=False,
        errors=(201, 219, 252, 253),
    ),
    Action(
        "panel/tracker/batch_delete_clones",
        "Delete many tracker clones.",
        (
            Param(
                "trackers", "int_list", "IDs of the clones to delete.",
                positional=True, bulk=True, cli_name="tracker-id", ge=1, min_items=1,
            ),
        ),
        description="At most 500 clones per request; longer lists are sent in chunks. Clones already deleted count as done.",
        permission="trackers: delete",
        example="trackerctl panel tracker batch-delete-clones 458412 777003 --yes",
        destructive=True,
        read_only=False,
        bulk_key="trackers",
        max_chunk=500,
        handler="trackerctl.cli.bulk:run_bulk",
    ),
    Action(
        "panel/tracker/delete_clone",
        "Delete a tracker clone.",
        (TRACKER_ID,),
        description="Refused for trackers that are not clones (249) and for clones that rules or vehicles use (203).",
        permission="trackers: delete",
        example="trackerctl panel tracker delete-clone 458412 --yes",
        destructive=True,
        read_only=False,
        errors=(201, 249, 203, 252),
    ),
    Action(
        "panel/tracker/list",
        "List the dealer's trackers, with filters, ordering and paging.",
        (
            Param("user_id", "int", "Only trackers of this user.", required=False, ge=1),
            Param("tariff_id", "int", "Only trackers on this tariff.", required=False, ge=1),
            Param(
                "filter", "str", "Text that id, label, source id, device id, model, phone or user id must contain.",
                required=False,
            ),
            CLONES_FILTER,
            Param("order_by", "str", "Field to order by.", required=False,
                  choices=("id", "label", "status", "model", "device_id", "phone", "creation_date")),
            ASCENDING,
            OFFSET,
            LIMIT,
        ),
        permission="trackers: read",
        example="trackerctl panel tracker list --all -o jsonl | jq -r .source.device_id",
        result="list",
        columns=PANEL_TRACKER_COLUMNS,
        fields=PANEL_TRACKER_FIELDS,
        paginated=True,
        errors=(201,),
    ),
    Action(
        "panel/tracker/move",
        "Move a tracker to another user of the same dealer.",
        (
            TRACKER_ID,
            Param("user_id", "int", "ID of the user who will own the tracker.", ge=1),
        ),
        description="The tracker is unbound from its rules, and gets a new ID: the answer's `id`.",
        permission="trackers: create, delete",
        example="trackerctl panel tracker move 1245678 --user-id 214034 --yes -o json | jq .id",
        destructive=True,
        read_only=False,
        undo=Undo((("user_id", "user_id"),), note="the tracker's rules are not bound again", new_id=True),
        errors=(219, 201, 246, 247, 252),
    ),
    Action(
        "panel/tracker/read",
        "Get one of the dealer's trackers by ID.",
        (TRACKER_ID,),
        permission="trackers: read",
        example="trackerctl panel tracker read 1245678 -o json | jq .value.user_id",
        result="value",
        columns=PANEL_TRACKER_COLUMNS,
        fields=PANEL_TRACKER_FIELDS,
        errors=(201, 252),
    ),
    Action(
        "panel/tracker/register_retry",
        "Resend the registration commands to a tracker and reset its tracking settings.",
        (TRACKER_ID, SEND_REGISTER_COMMANDS),
        description=(
            "At most once in 120 seconds per tracker (264). Mobile-app models are not supported. "
            "The panel document calls this action register_entry."
        ),
        permission="trackers: update",
        example="trackerctl panel tracker register-retry 1245678",
        read_only=False,
        errors=(201, 252, 264, 208, 219, 214),
        aliases=(("panel", "tracker", "register-entry"),),
    ),
    Action(
        "panel/tracker/settings/update",
        "Change a tracker's label, deleted mark and comment.",
        (
            TRACKER_ID,
            Param(
                "label", "str", "Label of the tracker: 1-60 printable characters, no '<' or '>'.",
                min_len=1, max_len=60, printable=True, no_angle=True,
            ),
            Param("deleted", "bool", "Mark the tracker as deleted: it is no longer shown to the user."),
            Param("comment", "str", "Comment on the tracker (at most 3000 characters).", required=False, max_len=3000),
        ),
        permission="trackers: update",
        example="trackerctl panel tracker settings update 1245678 --label Courier --no-deleted",
        read_only=False,
        undo=Undo((("label", "label"), ("deleted", "deleted"), ("comment", "comment"))),
        errors=(201, 252),
    ),
    Action(
        "panel/tracker/source/update",
        "Block or unblock a tracker's device.",
        (TRACKER_ID, Param("blocked", "bool", "Mark the tracker as blocked.")),
        permission="trackers: update",
        example="trackerctl panel tracker source update 1245678 --no-blocked",
        read_only=False,
        undo=Undo((("blocked", "source.blocked"),)),
        errors=(201, 252),
    ),
    Action(
        "panel/tracker/tariff/change",
        "Move a tracker to another tariff.",
        (
            TRACKER_ID,
            Param("tariff_id", "int", "ID of the new tariff.", ge=1),
            Param("repay", "bool", "Repay the remainder of the current tariff's payment."),
            Param("charge", "bool", "Charge the payment for the new tariff (monthly and daily tariffs)."),
        ),
        description="This can create a transaction against the user's balance.",
        permission="trackers: update; transactions: create; tariffs: read",
        example="trackerctl panel tracker tariff change 1245678 --tariff-id 15843 --no-repay --charge",
        read_only=False,
        undo=Undo((("tariff_id", "source.tariff_id"),), fixed=(("repay", False), ("charge", False)),
                  note="charges already made are not reversed, and the platform sets the tariff's end date anew"),
        errors=(201, 219, 221, 237, 238, 239, 250, 252),
    ),
    Action(
        "panel/tracker/raw_command/send",
        "Send a GPRS command to a device, processed by its protocol first.",
        (
            Param("device_id", "str", "Device ID of the tracker (its source.device_id), e.g. IMEI.", positional=True, min_len=1),
            *RAW_COMMAND,
        ),
        permission="trackers: update",
        example="trackerctl panel tracker raw-command send 862436965665430 --command 'setparam 101:4'",
        read_only=False,
        errors=(7, 201, 252),
    ),
)

REGISTRY = Registry(USER_ACTIONS + PANEL_ACTIONS)
