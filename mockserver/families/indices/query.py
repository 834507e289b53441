"""The query DSL subset the suite's scenarios need, evaluated over in-memory documents."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from mockserver.errors import ParsingError

_MISSING = object()


def field_value(source: dict[str, Any], field: str) -> Any:
    """The value at a dotted field path, or `_MISSING`. Flat keys with dots are found too."""
    if field in source:
        return source[field]
    node: Any = source
    for part in field.split("."):
        if not isinstance(node, dict) or part not in node:
            return _MISSING
        node = node[part]
    return node


def is_missing(value: Any) -> bool:
    return value is _MISSING or value is None


def to_millis(value: Any) -> float | None:
    """Dates as epoch milliseconds: numbers are taken as millis, strings as ISO-8601."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        text = value.strip().replace("Z", "+00:00")
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            try:
                return float(text)
            except ValueError:
                return None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=timezone.utc)
        return parsed.timestamp() * 1000
    return None


def _comparable(value: Any) -> Any:
    if isinstance(value, str):
        millis = to_millis(value)
        return millis if millis is not None else value
    return value


def _term_equal(actual: Any, expected: Any) -> bool:
    values = actual if isinstance(actual, list) else [actual]
    return any(v == expected or str(v) == str(expected) for v in values)


def matches(query: dict[str, Any] | None, doc_id: str, source: dict[str, Any]) -> bool:
    """Does the document match the query? Raises the real `parsing_exception` for unknown queries."""
    if not query:
        return True
    (kind, spec), = query.items()
    if kind == "match_all":
        return True
    if kind == "match_none":
        return False
    if kind in ("term", "match", "match_phrase"):
        (field, expected), = spec.items()
        if isinstance(expected, dict):
            expected = expected.get("value", expected.get("query"))
        return _term_equal(field_value(source, field.removesuffix(".keyword")), expected)
    if kind == "terms":
        (field, options), = ((k, v) for k, v in spec.items() if k != "boost")
        return any(_term_equal(field_value(source, field.removesuffix(".keyword")), o) for o in options)
    if kind == "ids":
        return doc_id in spec.get("values", [])
    if kind == "exists":
        return not is_missing(field_value(source, spec["field"]))
    if kind == "range":
        (field, bounds), = spec.items()
        return _in_range(field_value(source, field), bounds)
    if kind == "bool":
        return _bool(spec, doc_id, source)
    raise ParsingError(f"unknown query [{kind}]", line=1, col=len(kind) + 4)


def _clauses(spec: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = spec.get(key, [])
    return value if isinstance(value, list) else [value]


def _bool(spec: dict[str, Any], doc_id: str, source: dict[str, Any]) -> bool:
    required = _clauses(spec, "must") + _clauses(spec, "filter")
    if not all(matches(q, doc_id, source) for q in required):
        return False
    if any(matches(q, doc_id, source) for q in _clauses(spec, "must_not")):
        return False
    should = _clauses(spec, "should")
    minimum = spec.get("minimum_should_match", 0 if required else 1 if should else 0)
    return sum(matches(q, doc_id, source) for q in should) >= int(minimum)


def _in_range(value: Any, bounds: dict[str, Any]) -> bool:
    if is_missing(value):
        return False
    actual = _comparable(value)
    checks = {"gt": lambda a, b: a > b, "gte": lambda a, b: a >= b, "lt": lambda a, b: a < b,
              "lte": lambda a, b: a <= b}
    try:
        return all(check(actual, _comparable(bounds[op])) for op, check in checks.items() if op in bounds)
    except TypeError:
        return False
