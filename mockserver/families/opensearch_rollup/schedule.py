"""Job-scheduler schedules: an interval from a start time, or a Unix cron expression in a time zone.

`next_after(t)` gives the first execution strictly after `t` (epoch millis), the way the job scheduler
computes `nextTimeToExecute`, including `schedule_delay`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from mockserver.errors import IllegalArgument
from mockserver.families.opensearch_rollup.dates import Zone
from mockserver.version import Version

_UNIT_MILLIS = {"Seconds": 1000, "Minutes": 60_000, "Hours": 3_600_000, "Days": 86_400_000}
# ChronoUnit constants, printed (`toString`) in title case
CHRONO_UNITS = ("Nanos", "Micros", "Millis", "Seconds", "Minutes", "Hours", "HalfDays", "Days", "Weeks", "Months",
                "Years", "Decades", "Centuries", "Millennia", "Eras", "Forever")
SECONDS_SINCE = Version(3, 0, 0)  # UNCONFIRMED: job-scheduler 2.x supports Minutes, Hours and Days only


def chrono_unit(text: str) -> str:
    """`ChronoUnit.valueOf(text.uppercase())`, printed as the cluster prints it."""
    upper = text.upper()
    for unit in CHRONO_UNITS:
        if unit.upper() == upper:
            return unit
    raise IllegalArgument(f"No enum constant java.time.temporal.ChronoUnit.{upper}")


def supported_units(version: Version) -> tuple[str, ...]:
    return ("Seconds", "Minutes", "Hours", "Days") if version >= SECONDS_SINCE else ("Minutes", "Hours", "Days")


@dataclass(frozen=True)
class IntervalSchedule:
    start_time: int | None
    period: int
    unit: str
    delay: int | None = None

    @property
    def millis(self) -> int:
        return self.period * _UNIT_MILLIS[self.unit]

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"start_time": self.start_time, "period": self.period, "unit": self.unit}
        if self.delay is not None:
            body["schedule_delay"] = self.delay
        return {"interval": body}

    def next_after(self, millis: int) -> int:
        start = (self.start_time or 0) + (self.delay or 0)
        if millis < start:
            return start
        return millis + self.millis - (millis - start) % self.millis


@dataclass(frozen=True)
class CronSchedule:
    expression: str
    zone: Zone
    delay: int | None = None
    cron: "Cron" = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "cron", Cron.parse(self.expression))  # a bad expression fails the PUT

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"expression": self.expression, "timezone": self.zone.id}
        if self.delay is not None:
            body["schedule_delay"] = self.delay
        return {"cron": body}

    def next_after(self, millis: int) -> int:
        delay = self.delay or 0
        local = datetime.fromtimestamp((millis - delay) / 1000, tz=timezone.utc).astimezone(self.zone.rules)
        return int(self.cron.next_after(local).timestamp() * 1000) + delay

    def with_delay(self, delay: int | None) -> "CronSchedule":
        return CronSchedule(self.expression, self.zone, delay)


Schedule = IntervalSchedule | CronSchedule

_FIELDS = (("minute", 0, 59, ()), ("hour", 0, 23, ()), ("day of month", 1, 31, ()),
           ("month", 1, 12, ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")),
           ("day of week", 0, 7, ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")))


@dataclass(frozen=True)
class Cron:
    """A Unix cron expression (cron-utils' UNIX definition): minute hour day-of-month month day-of-week."""

    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Sunday
    any_day: bool
    any_weekday: bool

    @classmethod
    def parse(cls, expression: str) -> "Cron":
        parts = expression.split()
        if len(parts) != len(_FIELDS):
            raise IllegalArgument(f"Cron expression contains {len(parts)} parts but we expect one of [5]")
        sets = [_parse_field(part, *spec) for part, spec in zip(parts, _FIELDS)]
        weekdays = frozenset(d % 7 for d in sets[4])
        return cls(sets[0], sets[1], sets[2], sets[3], weekdays, parts[2] in ("*", "?"), parts[4] in ("*", "?"))

    def _day_matches(self, moment: datetime) -> bool:
        in_month = moment.day in self.days
        in_week = (moment.isoweekday() % 7) in self.weekdays
        if self.any_day or self.any_weekday:
            return in_month and in_week
        return in_month or in_week

    def next_after(self, moment: datetime) -> datetime:
        """The first matching minute strictly after `moment` (aware), searched for up to five years."""
        candidate = moment.replace(second=0, microsecond=0) + timedelta(minutes=1)
        for _ in range(5 * 366 * 24 * 60):
            if (candidate.month in self.months and self._day_matches(candidate)
                    and candidate.hour in self.hours and candidate.minute in self.minutes):
                return candidate
            candidate = _skip(candidate, self)
        raise IllegalArgument("Cron expression never fires")


def _skip(candidate: datetime, cron: Cron) -> datetime:
    """Advance to the next candidate minute, skipping whole days and hours that cannot match."""
    if candidate.month not in cron.months or not cron._day_matches(candidate):
        day = candidate.replace(hour=0, minute=0) + timedelta(days=1)
        return day.astimezone(candidate.tzinfo)
    if candidate.hour not in cron.hours:
        return (candidate.replace(minute=0) + timedelta(hours=1)).astimezone(candidate.tzinfo)
    return (candidate + timedelta(minutes=1)).astimezone(candidate.tzinfo)


def _parse_field(text: str, name: str, low: int, high: int, names: tuple[str, ...]) -> frozenset[int]:
    values: set[int] = set()
    for item in text.split(","):
        base, _, step_text = item.partition("/")
        step = _number(step_text, name, 1, high) if step_text else 1
        if base in ("*", "?"):
            first, last = low, high
        elif "-" in base:
            first, last = (_value(p, name, low, high, names) for p in base.split("-", 1))
        else:
            first = _value(base, name, low, high, names)
            last = high if step_text else first
        if first > last:
            raise IllegalArgument(f"Invalid range in cron expression {name} field: {base}")
        values.update(range(first, last + 1, step))
    return frozenset(values)


def _value(text: str, name: str, low: int, high: int, names: tuple[str, ...]) -> int:
    if text.upper() in names:
        return names.index(text.upper()) + (low if name == "month" else 0)
    return _number(text, name, low, high)


def _number(text: str, name: str, low: int, high: int) -> int:
    if not text.isdigit():
        raise IllegalArgument(f"Invalid chars in cron expression {name} field: {text}")
    value = int(text)
    if not low <= value <= high:
        raise IllegalArgument(f"Value {value} not in range [{low}, {high}]")
    return value
