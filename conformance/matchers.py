"""Body matchers on dotted paths: literals mean equality; operator mappings say more."""

from __future__ import annotations

import json
import re
from typing import Any, Callable

MISSING = object()
OPERATORS = ("equals", "matches", "is_type", "length", "absent", "in", "gte", "lte", "contains", "subset")
_TYPES: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "null": lambda v: v is None,
}


def resolve(body: Any, path: str) -> Any:
    """The value at a dotted path (`$` is the whole body; `\\.` escapes a dot in a key), or `MISSING`."""
    if path == "$":
        return body
    node = body
    for part in re.split(r"(?<!\\)\.", path):
        part = part.replace("\\.", ".")
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and re.fullmatch(r"-?\d+", part) and -len(node) <= int(part) < len(node):
            node = node[int(part)]
        else:
            return MISSING
    return node


def is_operator(spec: Any) -> bool:
    return isinstance(spec, dict) and bool(spec) and all(k in OPERATORS for k in spec)


def matcher_problem(spec: Any) -> str | None:
    """What is wrong with an operator matcher's arguments, found when a scenario is loaded (None: nothing)."""
    if not is_operator(spec):
        return None
    if "is_type" in spec and spec["is_type"] not in _TYPES:
        return f"is_type must be one of {', '.join(_TYPES)}, not {spec['is_type']!r}"
    if "matches" in spec:
        try:
            re.compile(re.sub(r"\$\{[^}]*\}", "x", str(spec["matches"])))
        except re.error as exc:
            return f"matches: not a regular expression: {exc}"
    if "length" in spec and (not isinstance(spec["length"], int) or isinstance(spec["length"], bool)):
        return "length must be a whole number"
    if "in" in spec and not isinstance(spec["in"], list):
        return "in must be a list of allowed values"
    for bound in ("gte", "lte"):
        value = spec.get(bound, 0)
        if not (_number(value) or isinstance(value, str) and "${" in value):
            return f"{bound} must be a number or a ${{variable}} holding one"
    return None


def show(value: Any) -> str:
    return "<absent>" if value is MISSING else json.dumps(value, sort_keys=True)


def check(actual: Any, spec: Any) -> str | None:
    """None if `actual` satisfies `spec`, else what is wrong."""
    if not is_operator(spec):
        return None if _equal(actual, spec) else f"expected {show(spec)}, got {show(actual)}"
    for operator, expected in spec.items():
        problem = _OPERATIONS[operator](actual, expected)
        if problem:
            return problem
    return None


def _equal(actual: Any, expected: Any) -> bool:
    if actual is MISSING:
        return False
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(actual) is type(expected) and actual == expected
    if isinstance(expected, dict) and isinstance(actual, dict):
        return actual.keys() == expected.keys() and all(_equal(actual[k], expected[k]) for k in expected)
    if isinstance(expected, list) and isinstance(actual, list):
        return len(actual) == len(expected) and all(_equal(a, e) for a, e in zip(actual, expected))
    return actual == expected


def _subset(actual: Any, expected: Any) -> bool:
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(k in actual and _subset(actual[k], v) for k, v in expected.items())
    return _equal(actual, expected)


def _matches(actual: Any, pattern: str) -> str | None:
    if not isinstance(actual, str):
        return f"expected a string matching /{pattern}/, got {show(actual)}"
    return None if re.search(pattern, actual) else f"expected a match for /{pattern}/, got {show(actual)}"


def _number(actual: Any) -> bool:
    return isinstance(actual, (int, float)) and not isinstance(actual, bool)


_OPERATIONS: dict[str, Callable[[Any, Any], str | None]] = {
    "equals": lambda a, e: None if _equal(a, e) else f"expected {show(e)}, got {show(a)}",
    "matches": _matches,
    "is_type": lambda a, e: None if a is not MISSING and _TYPES[e](a) else f"expected a value of type {e}, got {show(a)}",
    "length": lambda a, e: None if isinstance(a, (list, dict, str)) and len(a) == e
    else f"expected length {e}, got {len(a) if isinstance(a, (list, dict, str)) else show(a)}",
    "absent": lambda a, e: None if (a is MISSING) == bool(e)
    else ("expected no value" if e else "expected a value") + f", got {show(a)}",
    "in": lambda a, e: None if any(_equal(a, x) for x in e) else f"expected one of {show(e)}, got {show(a)}",
    "gte": lambda a, e: None if _number(a) and a >= e else f"expected a number >= {e}, got {show(a)}",
    "lte": lambda a, e: None if _number(a) and a <= e else f"expected a number <= {e}, got {show(a)}",
    "contains": lambda a, e: None if (isinstance(a, list) and any(_equal(x, e) for x in a))
    or (isinstance(a, str) and isinstance(e, str) and e in a) else f"expected {show(a)} to contain {show(e)}",
    "subset": lambda a, e: None if _subset(a, e) else f"expected {show(a)} to include {show(e)}",
}
