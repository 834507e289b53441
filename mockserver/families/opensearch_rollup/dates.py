"""Time zones and date roundings as OpenSearch's `ZoneId.of` and `Rounding` apply them to rollups."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from mockserver.errors import IllegalArgument
from mockserver.families.opensearch_rollup.errors import DateTimeFailure, ZoneRules
from mockserver.timevalue import TimeValue

# DateHistogramAggregationBuilder.DATE_FIELD_UNITS: the interval strings that name a calendar unit
CALENDAR_UNITS = {
    "year": "year", "1y": "year", "quarter": "quarter", "1q": "quarter", "month": "month", "1M": "month",
    "week": "week", "1w": "week", "day": "day", "1d": "day", "hour": "hour", "1h": "hour",
    "minute": "minute", "1m": "minute", "second": "second", "1s": "second",
}
_OFFSET = re.compile(r"([+-])(\d{1,2})(?::?(\d{2}))?(?::?(\d{2}))?")
_REGION = re.compile(r"[A-Za-z][A-Za-z0-9~/._+-]+")


@dataclass(frozen=True)
class Zone:
    """A `ZoneId`: the id a cluster prints back and the rules it applies."""

    id: str
    rules: tzinfo


UTC = Zone("UTC", timezone.utc)


def _offset(text: str) -> timedelta | None:
    match = _OFFSET.fullmatch(text)
    if not match:
        return None
    sign, hours, minutes, seconds = match.groups()
    delta = timedelta(hours=int(hours), minutes=int(minutes or 0), seconds=int(seconds or 0))
    return -delta if sign == "-" else delta


def _offset_id(delta: timedelta) -> str:
    if not delta:
        return "Z"
    total = int(delta.total_seconds())
    sign, total = ("-" if total < 0 else "+"), abs(total)
    text = f"{sign}{total // 3600:02d}:{total % 3600 // 60:02d}"
    return text + (f":{total % 60:02d}" if total % 60 else "")


def zone_of(text: str) -> Zone:
    """`ZoneId.of(text)`: offsets, `UTC`/`GMT`/`UT` prefixes and IANA region ids."""
    if text == "Z":
        return Zone("Z", timezone.utc)
    if text[:1] in "+-":
        delta = _offset(text)
        if delta is None or abs(delta) > timedelta(hours=18):
            raise DateTimeFailure(f"Invalid ID for ZoneOffset, invalid format: {text}")
        return Zone(_offset_id(delta), timezone(delta))
    for prefix in ("UTC", "GMT", "UT"):
        if text == prefix:
            return Zone(text, timezone.utc)
        if text.startswith(prefix) and text[len(prefix):][:1] in "+-":
            delta = _offset(text[len(prefix):])
            if delta is None:
                raise DateTimeFailure(f"Invalid ID for offset-based ZoneId: {text}")
            suffix = _offset_id(delta)
            return Zone(prefix + ("" if suffix == "Z" else suffix), timezone(delta))
    if not _REGION.fullmatch(text):
        raise DateTimeFailure(f"Invalid ID for region-based ZoneId, invalid format: {text}")
    try:
        return Zone(text, ZoneInfo(text))
    except (ZoneInfoNotFoundError, ValueError):
        raise ZoneRules(f"Unknown time-zone ID: {text}") from None


def _local(millis: float, zone: Zone) -> datetime:
    return datetime.fromtimestamp(millis / 1000, tz=timezone.utc).astimezone(zone.rules)


def _millis(local: datetime, zone: Zone) -> int:
    return int(local.replace(tzinfo=zone.rules).timestamp() * 1000)


def _truncate(local: datetime, unit: str) -> datetime:
    naive = local.replace(tzinfo=None)
    if unit == "second":
        return naive.replace(microsecond=0)
    if unit == "minute":
        return naive.replace(second=0, microsecond=0)
    if unit == "hour":
        return naive.replace(minute=0, second=0, microsecond=0)
    day = naive.replace(hour=0, minute=0, second=0, microsecond=0)
    if unit == "day":
        return day
    if unit == "week":
        return day - timedelta(days=day.weekday())
    if unit == "month":
        return day.replace(day=1)
    if unit == "quarter":
        return day.replace(day=1, month=(day.month - 1) // 3 * 3 + 1)
    return day.replace(day=1, month=1)


def _add(naive: datetime, unit: str) -> datetime:
    steps = {"second": timedelta(seconds=1), "minute": timedelta(minutes=1), "hour": timedelta(hours=1),
             "day": timedelta(days=1), "week": timedelta(weeks=1)}
    if unit in steps:
        return naive + steps[unit]
    months = {"month": 1, "quarter": 3, "year": 12}[unit]
    index = naive.year * 12 + naive.month - 1 + months
    return naive.replace(year=index // 12, month=index % 12 + 1)


@dataclass(frozen=True)
class Rounding:
    """`Rounding`: calendar-unit rounding in a zone, or fixed-length intervals counted in local time."""

    zone: Zone
    unit: str | None = None
    fixed_millis: int | None = None

    def round(self, millis: float) -> int:
        if self.unit is not None:
            return _millis(_truncate(_local(millis, self.zone), self.unit), self.zone)
        offset = _local(millis, self.zone).utcoffset() or timedelta()
        shift = int(offset.total_seconds() * 1000)
        local = math.floor((millis + shift) / self.fixed_millis) * self.fixed_millis
        naive = datetime(1970, 1, 1) + timedelta(milliseconds=local)
        return _millis(naive, self.zone)

    def next(self, rounded: int) -> int:
        """The rounding value after `rounded` (itself a rounding value)."""
        if self.unit is not None:
            return _millis(_add(_local(rounded, self.zone).replace(tzinfo=None), self.unit), self.zone)
        return self.round(rounded + self.fixed_millis)


def fixed_millis(interval: str) -> int:
    """A `fixed_interval` as milliseconds, with the real parse error for anything else."""
    value = TimeValue.parse(interval, "date_histogram.fixedInterval")
    if value.duration <= 0:
        raise IllegalArgument(f"Zero or negative time interval [{interval}] not supported")
    return value.millis


def bucket_rounding(fixed: str | None, calendar: str | None, zone: Zone) -> Rounding:
    """How the composite `date_histogram` source keys buckets."""
    if calendar is not None:
        if calendar not in CALENDAR_UNITS:
            raise IllegalArgument(f"The supplied interval [{calendar}] could not be parsed as a calendar interval.")
        return Rounding(zone, unit=CALENDAR_UNITS[calendar])
    return Rounding(zone, fixed_millis=fixed_millis(fixed or ""))


def window_rounding(fixed: str | None, calendar: str | None, zone: Zone) -> Rounding:
    """How continuous jobs cut windows (`RollupMetadataService.getRoundingStrategy`): any interval string
    that names a calendar unit rounds by that unit, fixed or not."""
    interval = calendar if calendar is not None else fixed or ""
    if interval in CALENDAR_UNITS:
        return Rounding(zone, unit=CALENDAR_UNITS[interval])
    return Rounding(zone, fixed_millis=fixed_millis(interval))
