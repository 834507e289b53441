"""Strict object parsing with the errors `ObjectParser` gives: unknown fields, wrong value types, failed builds.

Real errors carry the `[line:column]` of the offending token; the mock has the parsed body only and reports
`[1:1]`-style locations, which scenarios must not assert exactly (reference §5.11).
"""

from __future__ import annotations

from typing import Any, Callable

from mockserver.errors import ApiError, IllegalArgument, XContentParseError
from mockserver.params import TimeValue
from mockserver.xcontent import token

class ObjectReader:
    """Reads the fields of one JSON object the way an `ObjectParser` named `name` does."""

    def __init__(self, name: str, body: Any, known: set[str]) -> None:
        if not isinstance(body, dict):
            raise XContentParseError(f"[1:1] [{name}] Expected START_OBJECT but was: {token(body)}")
        self.name = name
        self.body = body
        for key in body:
            if key not in known:
                raise XContentParseError(f"[1:2] [{name}] unknown field [{key}]")

    def _wrong_type(self, field: str) -> ApiError:
        return XContentParseError(
            f"[1:2] [{self.name}] {field} doesn't support values of type: {token(self.body[field])}")

    def _failed(self, field: str, cause: ApiError) -> ApiError:
        return XContentParseError(f"[1:2] [{self.name}] failed to parse field [{field}]", caused_by=cause)

    def string(self, field: str) -> str | None:
        value = self.body.get(field)
        if value is not None and not isinstance(value, str):
            raise self._wrong_type(field)
        return value

    def boolean(self, field: str) -> bool | None:
        value = self.body.get(field)
        if value is None or isinstance(value, bool):
            return value
        if isinstance(value, str):
            if value in ("true", "false"):
                return value == "true"
            raise self._failed(field, IllegalArgument(
                f"Failed to parse value [{value}] as only [true] or [false] are allowed."))
        raise self._wrong_type(field)

    def number(self, field: str, integral: bool = False) -> int | float | None:
        value = self.body.get(field)
        if value is None:
            return None
        if isinstance(value, str):
            try:
                value = int(value) if integral else float(value)
            except ValueError:
                raise self._failed(field, IllegalArgument(f"For input string: \"{value}\"")) from None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self._wrong_type(field)
        if integral and isinstance(value, float):
            if not value.is_integer():
                raise self._failed(field, IllegalArgument(f"Value [{value}] has a decimal part"))
            value = int(value)
        return value

    def object(self, field: str) -> dict[str, Any] | None:
        value = self.body.get(field)
        if value is not None and not isinstance(value, dict):
            raise self._wrong_type(field)
        return value

    def array(self, field: str) -> list[Any] | None:
        value = self.body.get(field)
        if value is not None and not isinstance(value, list):
            raise self._wrong_type(field)
        return value

    def value(self, field: str, kind: str) -> Any:
        """Read a field of a declared kind: string, number, integer, boolean, object or array."""
        if kind == "integer":
            return self.number(field, integral=True)
        return getattr(self, kind)(field)

    def time(self, field: str) -> TimeValue | None:
        raw = self.string(field)
        if raw is None:
            return None
        try:
            return TimeValue.parse(raw, field)
        except ApiError as error:
            raise self._failed(field, error) from None

    def build(self, make: Callable[[], Any]) -> Any:
        """Run a constructor the way `ConstructingObjectParser` does: its errors are wrapped."""
        try:
            return make()
        except ApiError as error:
            raise XContentParseError(f"[1:2] Failed to build [{self.name}] after last required field arrived",
                                     caused_by=error) from None


def human_time(value: TimeValue) -> str:
    """`TimeValue.toString()`: the largest fitting unit, one decimal truncated (`90s` -> `1.5m`)."""
    if value.infinite:
        return "-1"
    nanos = round(value.amount * value.unit_seconds * 1e9)
    if nanos == 0:
        return "0s"
    for size, suffix in ((86_400e9, "d"), (3_600e9, "h"), (60e9, "m"), (1e9, "s"), (1e6, "ms"), (1e3, "micros")):
        if nanos >= size:
            break
    else:
        size, suffix = 1, "nanos"
    whole, _, fraction = repr(nanos / size).partition(".")
    return f"{whole}{suffix}" if fraction[:1] in ("", "0") else f"{whole}.{fraction[:1]}{suffix}"
