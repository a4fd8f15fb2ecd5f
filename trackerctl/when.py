"""Times as a user types them: durations (`30d`, `12h`) and instants (`2026-12-01`, `30d` ago).

One home for both, used by `--where` (`last_connection<30d`: older than 30 days) and
`trackerctl history --since 12h`. Instants are naive UTC `datetime`s, compared with the API's
`YYYY-MM-DD` and `YYYY-MM-DD HH:MM:SS` values, which the platform gives in UTC.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_DURATION = re.compile(r"(\d{1,7})([smhdw])", re.ASCII)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?(\.\d+)?Z?", re.ASCII)


def parse_duration(text: str) -> timedelta | None:
    """`90s`, `15m`, `12h`, `30d`, `2w`; None when `text` is no duration."""
    match = _DURATION.fullmatch(text.strip())
    if match is None:
        return None
    return timedelta(seconds=int(match[1]) * UNITS[match[2]])


def parse_instant(text: str, now: datetime | None = None) -> datetime | None:
    """A date or date and time in UTC (`2026-12-01`, `2026-12-01 10:25:55`, `2026-12-01T10:25Z`),
    or a duration meaning that long before `now`; None when `text` is neither."""
    text = text.strip()
    duration = parse_duration(text)
    if duration is not None:
        try:
            return (now or utcnow()) - duration
        except OverflowError:  # before year 1
            return None
    return parse_api_time(text)


def parse_api_time(text: str) -> datetime | None:
    """A date or time as the API writes them (`YYYY-MM-DD`, `YYYY-MM-DD HH:MM:SS`), naive UTC."""
    try:
        if _DATE.fullmatch(text):
            return datetime.strptime(text, "%Y-%m-%d")
        if _DATETIME.fullmatch(text):
            return datetime.fromisoformat(text.rstrip("Z").replace(" ", "T")).replace(tzinfo=None)
    except ValueError:  # 2026-13-45
        return None
    return None


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def stamp(moment: datetime | None = None) -> str:
    """An instant as written in the journal and the audit log: `2026-11-29T02:24:12.123Z`."""
    moment = moment or utcnow()
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
