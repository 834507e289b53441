"""Elasticsearch's `TimeValue`: how a duration is parsed from a parameter and printed in messages.

`parse` follows `TimeValue.parseTimeValue`, `string_rep` follows `getStringRep` (the value as given: `30s`,
`-1`) and `str()` follows `toString`, which is `toHumanReadableString(1)`: the largest unit that fits, with at
most one decimal, truncated (`1.25s` prints `1.2s`, `90s` prints `1.5m`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from mockserver.errors import IllegalArgument

_LONG = re.compile(r"[+-]?\d+")
_DOUBLE = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[fd]?")  # `Double.parseDouble`, lower-cased
_LONG_RANGE = range(-(2**63), 2**63)


class TimeUnit(Enum):
    """A `java.util.concurrent.TimeUnit`: its length in nanoseconds and its short name."""

    NANOSECONDS = (1, "nanos")
    MICROSECONDS = (1_000, "micros")
    MILLISECONDS = (1_000_000, "ms")
    SECONDS = (1_000_000_000, "s")
    MINUTES = (60_000_000_000, "m")
    HOURS = (3_600_000_000_000, "h")
    DAYS = (86_400_000_000_000, "d")

    @property
    def nanos(self) -> int:
        return self.value[0]

    @property
    def suffix(self) -> str:
        return self.value[1]


# the suffixes in the order `parseTimeValue` tries them (`ms` before `s`, `nanos` before `s`)
_PARSE_ORDER = (TimeUnit.NANOSECONDS, TimeUnit.MICROSECONDS, TimeUnit.MILLISECONDS, TimeUnit.SECONDS,
                TimeUnit.MINUTES, TimeUnit.HOURS, TimeUnit.DAYS)
_LARGEST_FIRST = tuple(reversed(_PARSE_ORDER[1:]))


@dataclass(frozen=True)
class TimeValue:
    """A duration in a unit; a negative duration (`-1`) means "no limit"."""

    duration: int
    unit: TimeUnit = TimeUnit.SECONDS

    @classmethod
    def of_seconds(cls, seconds: float) -> "TimeValue":
        """A measured duration (running time, throttling), kept in nanoseconds as the server measures it."""
        return cls(int(seconds * 1e9), TimeUnit.NANOSECONDS)

    @property
    def infinite(self) -> bool:
        return self.duration < 0

    @property
    def nanos(self) -> int:
        return self.duration * self.unit.nanos

    @property
    def millis(self) -> int:
        """`TimeValue.millis()`: whole milliseconds, truncated towards zero like `TimeUnit.toMillis`."""
        return int(self.nanos / TimeUnit.MILLISECONDS.nanos)

    @property
    def seconds(self) -> float:
        return self.nanos / TimeUnit.SECONDS.nanos

    def string_rep(self) -> str:
        """`getStringRep()`: the duration in its own unit (`30s`, `500ms`), or the bare negative number."""
        return str(self.duration) if self.duration < 0 else f"{self.duration}{self.unit.suffix}"

    def __str__(self) -> str:
        """`toString()`: the largest unit that fits, one decimal at most, truncated and without a trailing `.0`."""
        if self.duration < 0:
            return str(self.duration)
        nanos = self.nanos
        if nanos == 0:
            return "0s"
        unit = next((u for u in _LARGEST_FIRST if nanos >= u.nanos), TimeUnit.NANOSECONDS)
        whole, _, fraction = repr(nanos / unit.nanos).partition(".")
        digit = fraction[:1]
        return f"{whole}{unit.suffix}" if digit in ("", "0") else f"{whole}.{digit}{unit.suffix}"

    @classmethod
    def parse(cls, raw: str, setting: str) -> "TimeValue":
        """`TimeValue.parseTimeValue(raw, setting)`; raises `IllegalArgument` with the real reason."""
        normalized = raw.strip().lower()
        for unit in _PARSE_ORDER:
            # minutes are matched on the raw value: "M" would mean months
            suffix_of = raw if unit is TimeUnit.MINUTES else normalized
            if suffix_of.endswith(unit.suffix):
                return cls(_amount(normalized[: -len(unit.suffix)].strip(), raw, setting), unit)
        if re.fullmatch(r"-0*1", normalized):
            return cls(-1, TimeUnit.MILLISECONDS)
        if re.fullmatch(r"0+", normalized):
            return cls(0, TimeUnit.MILLISECONDS)
        raise IllegalArgument(
            f"failed to parse setting [{setting}] with value [{raw}] as a time value: unit is missing or unrecognized"
        )


def _amount(number: str, raw: str, setting: str) -> int:
    """`Long.parseLong` of the number before the unit, with `-1` as the only negative value allowed."""
    if not _LONG.fullmatch(number) or int(number) not in _LONG_RANGE:
        if _DOUBLE.fullmatch(number):
            raise IllegalArgument(f"failed to parse [{raw}], fractional time values are not supported")
        raise IllegalArgument(f"failed to parse [{raw}]")
    amount = int(number)
    if amount < -1:
        raise IllegalArgument(
            f"failed to parse setting [{setting}] with value [{raw}] as a time value: negative durations are not supported"
        )
    return amount
