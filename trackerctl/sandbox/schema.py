"""The sandbox database: one table per entity the two action documents (and auth) describe.

Conventions: ids are INTEGER PRIMARY KEY; booleans are 0/1; JSON blobs are TEXT; instants the
sandbox compares against its clock (sessions, fixes, retries) are REAL epoch seconds; dates and
date-times that answers show as they are (`creation_date`, `tariff_end_date`) are TEXT in the API's
format (`yyyy-MM-dd`, `yyyy-MM-dd HH:mm:ss`, UTC). Bump SCHEMA_VERSION on any change of the tables
or of the seed data: a database of another version is rebuilt and reseeded on first use.
"""

from __future__ import annotations

SCHEMA_VERSION = 5  # 3: list_models' parent_code, has_auto_registration, has_lbs, ...; coordinates rounded; 4: console_keys;
# 5: device_data.last_connection

TABLES = """
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE dealers (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    blocked INTEGER NOT NULL DEFAULT 0,          -- code 11 at login
    device_limit INTEGER,                         -- code 221 when registering beyond it; NULL: none
    default_tariff_id INTEGER                     -- tariff of a device registered without an activation code
);

CREATE TABLE panel_accounts (
    login TEXT PRIMARY KEY,                       -- numeric panel id, as a string
    dealer_id INTEGER NOT NULL REFERENCES dealers(id),
    password TEXT NOT NULL,
    permissions TEXT NOT NULL                     -- JSON {"trackers": ["read", ...], ...} (PanelPermissions)
);

CREATE TABLE panel_sessions (
    hash TEXT PRIMARY KEY,
    login TEXT NOT NULL REFERENCES panel_accounts(login) ON DELETE CASCADE,
    created REAL NOT NULL                         -- ends 24 h later whatever the use
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    dealer_id INTEGER NOT NULL REFERENCES dealers(id),
    login TEXT NOT NULL UNIQUE,                   -- email
    password TEXT NOT NULL,
    first_name TEXT NOT NULL DEFAULT '',
    middle_name TEXT NOT NULL DEFAULT '',
    last_name TEXT NOT NULL DEFAULT '',
    legal_name TEXT,
    phone TEXT,
    face INTEGER NOT NULL DEFAULT 1,              -- 1 individual, 2 legal entity, 3 sole trader (tariff doc_type)
    activated INTEGER NOT NULL DEFAULT 1,         -- 0: code 103 at login
    verified INTEGER NOT NULL DEFAULT 1,
    blocked INTEGER NOT NULL DEFAULT 0,           -- code 275 at login
    two_factor INTEGER NOT NULL DEFAULT 0,        -- login asks for an emailed code
    email_code TEXT,                              -- the code "emailed" to a two-factor account
    master_id INTEGER REFERENCES users(id),       -- NULL: master user; else a sub-user of that master
    rights TEXT NOT NULL DEFAULT '[]',            -- JSON list: tracker_register, tracker_configure, tracker_set_output, admin
    balance REAL NOT NULL DEFAULT 0,
    bonus REAL NOT NULL DEFAULT 0,
    locale TEXT NOT NULL DEFAULT 'en_US',
    time_zone TEXT NOT NULL DEFAULT 'UTC',
    measurement_system TEXT NOT NULL DEFAULT 'metric',
    creation_date TEXT NOT NULL                   -- yyyy-MM-dd HH:mm:ss
);
CREATE INDEX users_dealer ON users(dealer_id);

CREATE TABLE user_sessions (
    hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('session', 'api_key', 'second_factor')),
    title TEXT,                                   -- API keys only
    created REAL NOT NULL,
    last_used REAL NOT NULL,                      -- a session ends 30 days after its last use
    code_sent REAL                                -- second_factor: when the code was last emailed
);
CREATE INDEX user_sessions_user ON user_sessions(user_id, kind);

CREATE TABLE groups (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    title TEXT NOT NULL,
    color TEXT NOT NULL DEFAULT '1E96DC'
);

CREATE TABLE tags (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    color TEXT NOT NULL DEFAULT '1E96DC'
);

CREATE TABLE models (
    code TEXT PRIMARY KEY,
    id INTEGER NOT NULL UNIQUE,
    name TEXT NOT NULL,
    vendor TEXT NOT NULL,
    type TEXT NOT NULL,                           -- logger, portable, vehicle, personal
    id_type TEXT NOT NULL,                        -- imei, meid, id,N or N,M
    has_gsm INTEGER NOT NULL,                     -- 0: no SIM, phone is null (code 214 for phone actions)
    special_control TEXT NOT NULL DEFAULT 'none', -- e.g. jointech_lock_password (send_command)
    has_location_request INTEGER NOT NULL DEFAULT 0,
    has_gprs_location_request INTEGER NOT NULL DEFAULT 0,
    has_gsm_lbs_location_request INTEGER NOT NULL DEFAULT 0,
    analog_inputs INTEGER NOT NULL DEFAULT 0,
    digital_inputs INTEGER NOT NULL DEFAULT 0,
    digital_outputs INTEGER NOT NULL DEFAULT 0,
    rs232_inputs INTEGER NOT NULL DEFAULT 0,
    body TEXT NOT NULL                            -- JSON: the full model object as tracker/list_models returns it
);

CREATE TABLE plugins (
    id INTEGER PRIMARY KEY,                       -- registration plugins (tracker/register, replace)
    name TEXT NOT NULL,
    params TEXT NOT NULL,                         -- JSON list of the parameters the plugin requires
    models TEXT                                   -- JSON list of model codes it supports; NULL: every model with GSM
);

CREATE TABLE tariffs (
    id INTEGER PRIMARY KEY,
    dealer_id INTEGER NOT NULL REFERENCES dealers(id),
    name TEXT NOT NULL,
    type TEXT NOT NULL CHECK (type IN ('monthly', 'everyday', 'activeday')),
    price REAL NOT NULL DEFAULT 0,
    device_limit INTEGER NOT NULL DEFAULT 1000,
    doc_type INTEGER NOT NULL DEFAULT 0,          -- 0 all, 1 individuals, 2 legal entities/sole traders, 3 paas
    free_period INTEGER NOT NULL DEFAULT 0,       -- days
    device_type TEXT NOT NULL DEFAULT 'tracker',
    active INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE sources (
    id INTEGER PRIMARY KEY,
    device_id TEXT NOT NULL UNIQUE,               -- IMEI or other id; corruption rewrites it
    phone TEXT UNIQUE,                            -- NULL: no GSM module, or a hidden bundled SIM
    model TEXT NOT NULL REFERENCES models(code),
    blocked INTEGER NOT NULL DEFAULT 0,
    tariff_id INTEGER NOT NULL REFERENCES tariffs(id),
    status_listing_id INTEGER,
    creation_date TEXT NOT NULL,                  -- yyyy-MM-dd
    tariff_end_date TEXT,                         -- yyyy-MM-dd or NULL
    tariff_end INTEGER NOT NULL DEFAULT 0,        -- 1: the paid period ended
    last_charged_date TEXT,
    tariff_change_date TEXT,
    connection_status TEXT NOT NULL DEFAULT 'just_registered',  -- signal_lost, just_registered, offline, idle, active
    corrupted INTEGER NOT NULL DEFAULT 0,
    activated INTEGER NOT NULL DEFAULT 1,         -- 0: code 266 for replace
    apn_name TEXT NOT NULL DEFAULT '',
    apn_user TEXT NOT NULL DEFAULT '',
    apn_password TEXT NOT NULL DEFAULT '',
    register_retry_at REAL,                       -- last register_retry: code 264 within 120 s
    replaced_device_id TEXT                       -- tracker/replace*: the device this one replaced; NULL: none
);
CREATE INDEX sources_tariff ON sources(tariff_id);

CREATE TABLE trackers (
    id INTEGER PRIMARY KEY,
    label TEXT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users(id),
    group_id INTEGER NOT NULL DEFAULT 0,          -- 0: no group (so not a foreign key)
    source_id INTEGER NOT NULL REFERENCES sources(id),
    clone INTEGER NOT NULL DEFAULT 0,             -- a clone shares its source with the original
    deleted INTEGER NOT NULL DEFAULT 0,
    comment TEXT NOT NULL DEFAULT '',
    creation_date TEXT NOT NULL,                  -- yyyy-MM-dd
    avatar_file_name TEXT
);
CREATE INDEX trackers_user ON trackers(user_id);
CREATE INDEX trackers_source ON trackers(source_id);

CREATE TABLE tracker_tags (
    tracker_id INTEGER NOT NULL REFERENCES trackers(id) ON DELETE CASCADE,
    tag_id INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    PRIMARY KEY (tracker_id, tag_id),
    UNIQUE (tracker_id, ordinal)
);

CREATE TABLE rules (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    type TEXT NOT NULL,
    name TEXT NOT NULL
);

CREATE TABLE rule_trackers (                      -- code 203 "rules" on delete
    rule_id INTEGER NOT NULL REFERENCES rules(id) ON DELETE CASCADE,
    tracker_id INTEGER NOT NULL REFERENCES trackers(id) ON DELETE CASCADE,
    PRIMARY KEY (rule_id, tracker_id)
);
CREATE INDEX rule_trackers_tracker ON rule_trackers(tracker_id);

CREATE TABLE vehicles (                           -- code 203 "vehicles" on delete
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    label TEXT NOT NULL,
    tracker_id INTEGER UNIQUE REFERENCES trackers(id) ON DELETE SET NULL
);

CREATE TABLE device_data (                        -- what the device last reported, per source
    source_id INTEGER PRIMARY KEY REFERENCES sources(id) ON DELETE CASCADE,
    last_fix REAL,                                -- epoch of the last GPS fix; NULL: never
    live INTEGER NOT NULL DEFAULT 0,              -- 1: the device keeps reporting (its fix is never stale)
    lat REAL,
    lng REAL,
    heading INTEGER,
    speed INTEGER,
    alt INTEGER,
    satellites INTEGER,
    precision INTEGER,
    gsm_lbs INTEGER NOT NULL DEFAULT 0,
    movement_status TEXT NOT NULL DEFAULT 'parked',   -- moving, stopped, parked
    state TEXT NOT NULL DEFAULT '{}',             -- JSON: gps signal, gsm, battery, inputs, outputs, additional
    readings TEXT NOT NULL DEFAULT '[]',          -- JSON: sensor values for get_readings
    fuel TEXT NOT NULL DEFAULT '[]',              -- JSON: sensor values for get_fuel
    diagnostics TEXT NOT NULL DEFAULT '{"inputs": [], "states": {}}',   -- get_diagnostics
    inputs TEXT NOT NULL DEFAULT '{"inputs": [], "states": []}',        -- get_inputs
    updated REAL,                                 -- when readings, fuel, diagnostics, inputs last changed
    last_connection REAL,                         -- epoch of its last connection, whatever it sent (a connected device
                                                  -- may send no fix for months): the panel's last_connection; NULL: never
    gps_point TEXT                                -- JSON {get_time (epoch), lat, lng, heading, speed, satellites,
                                                  -- precision}: the last GPS point when the last fix is GSM LBS
);

CREATE TABLE commands (                           -- what was sent to devices, for tests to inspect
    id INTEGER PRIMARY KEY,
    source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,                           -- raw, special, register, location_request
    payload TEXT NOT NULL,                        -- JSON
    reliable INTEGER NOT NULL DEFAULT 1,
    created REAL NOT NULL
);

CREATE TABLE console_keys (                       -- panel/tracker/console/connect: single-use, valid 60 s
    key TEXT PRIMARY KEY,                         -- 40 hex digits
    tracker_id INTEGER NOT NULL,
    device_id TEXT NOT NULL,                      -- the IMEI the console opens (source.device_id)
    dealer_id INTEGER NOT NULL,
    timestamp INTEGER NOT NULL,                   -- as answered, unix seconds (sandbox clock)
    used REAL                                     -- when a console opened with it; NULL: not yet
);

CREATE TABLE tracker_activity (                   -- panel/tracker/active/history/list
    month TEXT NOT NULL,                          -- yyyy-MM
    tracker_id INTEGER NOT NULL REFERENCES trackers(id) ON DELETE CASCADE,
    PRIMARY KEY (month, tracker_id)
);

CREATE TABLE transactions (                       -- tariff repayments and charges
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    tracker_id INTEGER,
    type TEXT NOT NULL,                           -- charge, repay
    amount REAL NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created REAL NOT NULL
);

CREATE TABLE equipment (
    id INTEGER PRIMARY KEY,
    dealer_id INTEGER NOT NULL REFERENCES dealers(id),
    model_code TEXT NOT NULL REFERENCES models(code),
    name TEXT NOT NULL
);

CREATE TABLE sims (
    iccid TEXT PRIMARY KEY,
    dealer_id INTEGER NOT NULL REFERENCES dealers(id),
    phone TEXT UNIQUE,
    apn_name TEXT NOT NULL DEFAULT '',
    apn_user TEXT NOT NULL DEFAULT '',
    apn_password TEXT NOT NULL DEFAULT '',
    blocked INTEGER NOT NULL DEFAULT 0,           -- code 208 on assign
    deleted INTEGER NOT NULL DEFAULT 0,           -- code 250 on assign
    in_use INTEGER NOT NULL DEFAULT 0             -- code 223 on assign
);

CREATE TABLE bundles (
    id INTEGER PRIMARY KEY,
    dealer_id INTEGER NOT NULL REFERENCES dealers(id),
    imei TEXT NOT NULL UNIQUE,
    model_code TEXT REFERENCES models(code),
    iccid TEXT UNIQUE REFERENCES sims(iccid),
    equip_id INTEGER REFERENCES equipment(id),
    order_id INTEGER,
    assign_time TEXT,                             -- yyyy-MM-dd HH:mm:ss, when the ICCID was assigned
    factory_preset INTEGER NOT NULL DEFAULT 0,
    activation_code TEXT,
    activated INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX bundles_dealer ON bundles(dealer_id);

CREATE TABLE activation_codes (
    code TEXT PRIMARY KEY,
    dealer_id INTEGER NOT NULL REFERENCES dealers(id),
    tariff_id INTEGER NOT NULL REFERENCES tariffs(id),
    bonus_amount INTEGER NOT NULL DEFAULT 0,
    money_amount INTEGER NOT NULL DEFAULT 0,
    free_days INTEGER NOT NULL DEFAULT 0,
    device_type TEXT NOT NULL DEFAULT 'tracker',
    activated INTEGER NOT NULL DEFAULT 0,         -- code 227 when used again
    activation_date TEXT,
    device_id INTEGER NOT NULL DEFAULT 0          -- source activated with it; 0: none
);
"""


def statements() -> list[str]:
    """The DDL as single statements, comments removed (executescript would commit the caller's
    transaction)."""
    code = "\n".join(line.split("--", 1)[0].rstrip() for line in TABLES.splitlines())
    return [sql.strip() for sql in code.split(";") if sql.strip()]
