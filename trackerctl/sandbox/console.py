"""The device console (spec websockets.md section 1): `/console?device=&key=&timestamp=&dealer_id=`.

A key comes from `panel/tracker/console/connect` (table `console_keys`): it opens one console, within
60 s of its timestamp by the sandbox clock, for the IMEI, timestamp and dealer it was issued with;
anything else is refused with 403 (a missing or malformed parameter: 400).

Frames, each a JSON object: on open a `status` frame, `{"type": "status", "data": [[name, value],
...]}`, every value a string, the names from the device's state and its model (GSM Level only for
a model with a GSM module, as many digital inputs and outputs and analog inputs as the model has);
another whenever the device's state changes (`sandbox serve --move`, a command through the API).
Each client text frame is one command, answered by one `output` frame: the command echoed as sent,
a newline, and the device's reply (`setparam 101:4` -> two lines, `setparam 101:4` and `New value
101:4`). One frame, not an echo frame and then a reply frame: by the document, the message that
contains the last command sent is its reply, so a frame with the echo alone would pass for the
reply. The commands are those of the common SMS/GPRS command set (COMMANDS); anything else gets an
error line, as the device would. Every command is kept in the `commands` table (kind `console`);
`getparam` reads back the last `setparam`, and `setdigout` changes the outputs that
`tracker/get_state` shows.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
from typing import TYPE_CHECKING, Any

from trackerctl.sandbox import records
from trackerctl.sandbox.channels import POLL_INTERVAL, ChannelRefused, DataWatch, frame
from trackerctl.sandbox.store import Store

if TYPE_CHECKING:
    from trackerctl.sandbox.app import Sandbox

KEY_LIFETIME = 60  # seconds a console key stays good after its timestamp
COMMAND_LIMIT = 300  # characters, as the web panel caps a command
QUERY_KEYS = ("device", "key", "timestamp", "dealer_id")

# Firmware versions the devices report, by the model's vendor.
FIRMWARE = {
    "Teltonika": "03.28.07.Rev.01", "Queclink": "R01A12V06", "ATrack": "2.00.18", "WondeProud": "TT1_V1.4.2",
    "Jointech": "JT701_V2.1.0", "GlobalSat": "PT10_V1.03", "CalAmp": "LMU-2630 v42f", "Navixy": "2.9.1",
}


def open_console(sandbox: Sandbox, query: dict[str, str], now: float) -> ConsoleSession:
    """Take the key (single use) and open the console of its device; ChannelRefused otherwise."""
    missing = [k for k in QUERY_KEYS if not query.get(k)]
    if missing:
        raise ChannelRefused(400, f"the console URL needs {', '.join(QUERY_KEYS)}: {', '.join(missing)} missing")
    try:
        timestamp, dealer_id = int(query["timestamp"]), int(query["dealer_id"])
    except ValueError:
        raise ChannelRefused(400, "timestamp and dealer_id must be whole numbers") from None
    watch = DataWatch(sandbox, now)
    with sandbox.transaction() as conn:
        clock = Store.now(conn)
        key = conn.execute("SELECT * FROM console_keys WHERE key = ?", (query["key"],)).fetchone()
        if key is None:
            raise ChannelRefused(403, "unknown console key: ask panel/tracker/console/connect for one")
        if (key["device_id"], key["timestamp"], key["dealer_id"]) != (query["device"], timestamp, dealer_id):
            raise ChannelRefused(403, "the console key was issued for another device, timestamp or dealer")
        if key["used"] is not None:
            raise ChannelRefused(403, "the console key was used already: ask for a new one for every connection")
        if not 0 <= clock - key["timestamp"] <= KEY_LIFETIME:
            raise ChannelRefused(403, f"the console key expired (a key is good for {KEY_LIFETIME} s)")
        row = conn.execute(records.TRACKER_SELECT + " WHERE t.id = ?", (key["tracker_id"],)).fetchone()
        if row is None or row["deleted"] or row["blocked"] or row["corrupted"] or row["device_id"] != key["device_id"]:
            raise ChannelRefused(403, "the tracker was deleted, blocked or corrupted since the key was issued")
        conn.execute("UPDATE console_keys SET used = ? WHERE key = ?", (clock, key["key"]))
        model = conn.execute("SELECT * FROM models WHERE code = ?", (row["model"],)).fetchone()
        session = ConsoleSession(sandbox, row["source_id"], row["device_id"], model, watch)
        session.status = status_pairs(conn, session.source_id, model, clock)
    return session


class ConsoleSession:
    """One open console: status frames from the device's state, a reply to each command."""

    def __init__(self, sandbox: Sandbox, source_id: int, imei: str, model: sqlite3.Row, watch: DataWatch) -> None:
        self.sandbox = sandbox
        self.source_id = source_id
        self.imei = imei
        self.model = model
        self.watch = watch
        self.status: list[list[str]] = []
        self.closed = False
        self.close_reason = ""

    def opened(self) -> list[str]:
        return [frame({"type": "status", "data": self.status})]

    def received(self, text: str) -> list[str]:
        command = text.strip()
        with self.sandbox.transaction() as conn:
            reply = self._reply(conn, command, Store.now(conn))
        return [frame({"type": "output", "msg": f"{text}\n{reply}"})]

    def tick(self, now: float) -> list[str]:
        if not self.watch.changed(now):
            return []
        with self.sandbox.store.snapshot() as conn:
            status = status_pairs(conn, self.source_id, self.model, Store.now(conn))
        if status == self.status:
            return []
        self.status = status
        return [frame({"type": "status", "data": status})]

    def wait_hint(self) -> float:
        return POLL_INTERVAL

    # ---- the device's replies ------------------------------------------------------------------

    def _reply(self, conn: sqlite3.Connection, command: str, clock: float) -> str:
        if not command:
            return "ERROR: empty command"
        if len(command) > COMMAND_LIMIT:
            return f"ERROR: command longer than {COMMAND_LIMIT} characters"
        conn.execute("INSERT INTO commands (source_id, kind, payload, reliable, created) VALUES (?, 'console', ?, 1, ?)",
                     (self.source_id, json.dumps({"command": command}), clock))
        name, _, args = command.partition(" ")
        handler = COMMANDS.get(name.lower())
        if handler is None:
            return f"ERROR: unknown command '{name}'"
        data = conn.execute("SELECT * FROM device_data WHERE source_id = ?", (self.source_id,)).fetchone()
        return handler(self, conn, args.strip(), _Device(data, self.model, clock))

    def getinfo(self, conn: sqlite3.Connection, args: str, d: _Device) -> str:
        return (f"IMEI:{self.imei} Model:{self.model['name']} FW:{d.firmware} GPS:{int(d.valid)} Sat:{d.get('satellites', 0)}"
                f" RTC:{_device_time(d.fix)}")

    def getver(self, conn: sqlite3.Connection, args: str, d: _Device) -> str:
        return f"Ver:{d.firmware} Hw:{self.model['name']} IMEI:{self.imei}"

    def getgps(self, conn: sqlite3.Connection, args: str, d: _Device) -> str:
        if not d.valid:
            return "GPS:0 Sat:0 no valid fix"
        return (f"GPS:1 Sat:{d.get('satellites', 0)} Lat:{d['lat']:.6f} Long:{d['lng']:.6f} Alt:{d.get('alt', 0)}"
                f" Speed:{d.get('speed', 0)} Dir:{d.get('heading', 0)} Date:{_device_time(d.fix)}")

    def getstatus(self, conn: sqlite3.Connection, args: str, d: _Device) -> str:
        gsm = d.state.get("gsm") or {}
        return (f"Data Link:1 GPRS:{int(bool(self.model['has_gsm']))} OP:{gsm.get('network_name') or '-'}"
                f" Signal:{_gsm_level(gsm.get('signal_level'))} Roaming:{int(bool(gsm.get('roaming')))}")

    def getio(self, conn: sqlite3.Connection, args: str, d: _Device) -> str:
        return " ".join(f"{_short(name)}:{value}" for name, value in _io_pairs(self.model, d))

    def setparam(self, conn: sqlite3.Connection, args: str, d: _Device) -> str:
        pairs = [p.strip() for p in args.split(";") if p.strip()]
        if not pairs or not all(_PARAM.fullmatch(p) for p in pairs):
            return "ERROR: setparam takes ID:VALUE[;ID:VALUE...]"
        return "New value " + ";".join(pairs)

    def getparam(self, conn: sqlite3.Connection, args: str, d: _Device) -> str:
        if not args.isdigit():
            return "ERROR: getparam takes a parameter ID"
        value = "0"
        for (payload,) in conn.execute(
                "SELECT payload FROM commands WHERE source_id = ? AND kind = 'console' ORDER BY id", (self.source_id,)):
            name, _, rest = json.loads(payload)["command"].partition(" ")
            if name.lower() == "setparam":
                for pair in rest.split(";"):
                    pid, colon, pvalue = pair.strip().partition(":")
                    if colon and pid == args:
                        value = pvalue
        return f"Param ID:{args} Value:{value}"

    def setdigout(self, conn: sqlite3.Connection, args: str, d: _Device) -> str:
        count = self.model["digital_outputs"]
        if not count:
            return "ERROR: the device has no digital outputs"
        if not re.fullmatch(f"[01?]{{1,{count}}}", args):
            return f"ERROR: setdigout takes one of 0, 1 or ? for each of the {count} outputs"
        outputs = _padded(d.state.get("outputs"), count)
        for i, bit in enumerate(args):
            if bit != "?":
                outputs[i] = bit == "1"
        state = {**d.state, "outputs": outputs, "outputs_updated": d.clock}
        conn.execute("UPDATE device_data SET state = ? WHERE source_id = ?", (json.dumps(state), self.source_id))
        return " ".join(f"DOUT{i + 1}:{int(v)}" for i, v in enumerate(outputs))

    def cpureset(self, conn: sqlite3.Connection, args: str, d: _Device) -> str:
        return "Rebooting the device"


_PARAM = re.compile(r"\d{1,6}:[^;]{0,100}")

COMMANDS = {
    "getinfo": ConsoleSession.getinfo,
    "getver": ConsoleSession.getver,
    "getgps": ConsoleSession.getgps,
    "getstatus": ConsoleSession.getstatus,
    "getio": ConsoleSession.getio,
    "readio": ConsoleSession.getio,
    "setparam": ConsoleSession.setparam,
    "getparam": ConsoleSession.getparam,
    "setdigout": ConsoleSession.setdigout,
    "cpureset": ConsoleSession.cpureset,
}


class _Device:
    """What the device knows of itself: its device_data row, its model, the time."""

    def __init__(self, data: sqlite3.Row | None, model: sqlite3.Row, clock: float) -> None:
        self.data = data
        self.clock = clock
        self.state: dict[str, Any] = json.loads(data["state"]) if data is not None else {}
        self.fix = (clock if data["live"] else data["last_fix"]) if data is not None else None
        self.valid = data is not None and data["lat"] is not None and self.fix is not None
        self.firmware = FIRMWARE.get(model["vendor"], "1.0.0")
        self.battery = json.loads(model["body"]).get("battery") or {}

    def __getitem__(self, key: str) -> Any:
        return self.data[key] if self.data is not None else None

    def get(self, key: str, default: Any) -> Any:
        value = self[key]
        return default if value is None else value


def status_pairs(conn: sqlite3.Connection, source_id: int, model: sqlite3.Row, clock: float) -> list[list[str]]:
    """The status frame's name/value pairs for the device's current state."""
    data = conn.execute("SELECT * FROM device_data WHERE source_id = ?", (source_id,)).fetchone()
    d = _Device(data, model, clock)
    pairs = [["Time", _device_time(d.fix) + ".0" if d.fix is not None else ""], ["Location valid", "yes" if d.valid else "no"]]
    if d.valid:
        pairs += [["Latitude", f"{d['lat']:.7f}"], ["Longitude", f"{d['lng']:.7f}"]]
    pairs += [["Speed", str(d.get("speed", 0))], ["Heading", str(d.get("heading", 0))], ["Altitude", str(d.get("alt", 0))],
              ["Satellites", str(d.get("satellites", 0))]]
    if model["has_gsm"]:
        pairs.append(["GSM Level", str(_gsm_level((d.state.get("gsm") or {}).get("signal_level")))])
    battery = d.state.get("battery_level")
    if battery is not None:
        low, high = d.battery.get("min_charge", 3.4), d.battery.get("max_charge", 4.1)
        pairs.append(["Battery level", f"{low + (high - low) * battery / 100:.3f}"])
    pairs += [[name, value] for name, value in _io_pairs(model, d)]
    pairs.append(["Movement", "1" if d["movement_status"] == "moving" else "0"])
    return pairs


def _io_pairs(model: sqlite3.Row, d: _Device) -> list[tuple[str, str]]:
    inputs = _padded(d.state.get("inputs"), model["digital_inputs"])
    outputs = _padded(d.state.get("outputs"), model["digital_outputs"])
    return ([(f"Digital input {i + 1}", str(int(v))) for i, v in enumerate(inputs)]
            + [(f"Digital output {i + 1}", str(int(v))) for i, v in enumerate(outputs)]
            + [(f"Analog input {i + 1}", "0.000") for i in range(model["analog_inputs"])])


def _short(name: str) -> str:
    """`Digital input 1` -> DI1, as getio writes them."""
    kind, number = name.rsplit(" ", 1)
    return {"Digital input": "DI", "Digital output": "DO", "Analog input": "AIN"}[kind] + number


def _padded(values: list[Any] | None, count: int) -> list[bool]:
    values = [bool(v) for v in (values or [])][:count]
    return values + [False] * (count - len(values))


def _gsm_level(percent: int | None) -> int:
    """A signal level in percent on the devices' 0-31 scale."""
    return round((percent or 0) * 31 / 100)


def _device_time(epoch: float | None) -> str:
    if epoch is None:
        return "-"
    return dt.datetime.fromtimestamp(epoch, dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
