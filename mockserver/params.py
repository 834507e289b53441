"""Query parameter parsing with the exact messages a real cluster gives for bad values."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping, TypeVar

from mockserver.errors import IllegalArgument
from mockserver.timevalue import TimeValue

Parser = Callable[[str, str], Any]
P = TypeVar("P", bound=Parser)
_INT = 2**31
_LONG = 2**63
TIME_VALUE_PATTERN = r"^(-1|0|[0-9]+(nanos|micros|ms|s|m|h|d))$"


def accepts(schema: dict[str, Any]) -> Callable[[P], P]:
    """Declare, as a JSON Schema, the values a parser accepts (what an API description says of its parameter)."""
    def declare(parse: P) -> P:
        parse.json_schema = schema  # type: ignore[attr-defined]
        return parse
    return declare


def json_schema(parse: Parser) -> dict[str, Any]:
    """The JSON Schema a parser declared with `accepts`; any string for one that did not."""
    return getattr(parse, "json_schema", {"type": "string"})


@accepts({"type": "boolean"})
def boolean(raw: str, name: str) -> bool:
    """Strict booleans: only `true` and `false`; a bare `?flag` means true."""
    if raw in ("", "true"):
        return True
    if raw == "false":
        return False
    raise IllegalArgument(f"Failed to parse value [{raw}] as only [true] or [false] are allowed.")


@accepts({"type": "string", "pattern": TIME_VALUE_PATTERN})
def time_value(raw: str, name: str) -> TimeValue:
    return TimeValue.parse(raw, name)


@accepts({"type": "string"})
def string(raw: str, name: str) -> str:
    return raw


@accepts({"type": "array", "items": {"type": "string", "minLength": 1}})
def string_list(raw: str, name: str) -> list[str]:
    return [part for part in raw.split(",") if part]


@accepts({"type": "integer", "minimum": -_INT, "maximum": _INT - 1})
def integer(raw: str, name: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise IllegalArgument(f"Failed to parse int parameter [{name}] with value [{raw}]") from None


@accepts({"type": "integer", "minimum": -_LONG, "maximum": _LONG - 1})
def long(raw: str, name: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise IllegalArgument(f"Failed to parse long parameter [{name}] with value [{raw}]") from None


@dataclass(frozen=True)
class Param:
    """A query parameter a route consumes: its name, parser and the value when absent."""

    name: str
    parse: Parser = string
    default: Any = None


ALWAYS_ACCEPTED = frozenset({"format", "filter_path", "pretty", "human", "error_trace", "source", "source_content_type"})


def parse_params(query: Mapping[str, str], declared: tuple[Param, ...], path: str,
                 path_params: dict[str, str] | None = None) -> dict[str, Any]:
    """Parse declared params in order (parse errors win), then reject undeclared query params.

    As on a real cluster, path parameters are parameters too: a declared `Param` named like a path placeholder
    is parsed from the path (and its parse error comes before any unrecognized-parameter error)."""
    raw_values = {**query, **(path_params or {})}
    values = {}
    for param in declared:
        raw = raw_values.get(param.name)
        values[param.name] = param.default if raw is None else param.parse(raw, param.name)
    unknown = sorted(set(query) - {p.name for p in declared} - ALWAYS_ACCEPTED) if query else None
    if unknown:
        raise IllegalArgument(unrecognized(path, unknown, [p.name for p in declared]))
    return values


def unrecognized(path: str, unknown: list[str], candidates: list[str]) -> str:
    """The `BaseRestHandler.unrecognized` message, with its `did you mean` hints."""
    parts = []
    for name in unknown:
        close = sorted(
            (c for c in candidates if _similarity(name, c) > 0.5), key=lambda c: (-_similarity(name, c), c)
        )
        if len(close) == 1:
            parts.append(f"[{name}] -> did you mean [{close[0]}]?")
        elif close:
            parts.append(f"[{name}] -> did you mean any of [{', '.join(close)}]?")
        else:
            parts.append(f"[{name}]")
    plural = "s" if len(unknown) > 1 else ""
    return f"request [{path}] contains unrecognized parameter{plural}: " + ", ".join(parts)


def _similarity(a: str, b: str) -> float:
    """Lucene's LevenshteinDistance: 1 - edit distance / longer length."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    longest = max(len(a), len(b)) or 1
    return 1 - previous[-1] / longest
