"""Body matchers on dotted paths: literals mean equality; operator mappings say more."""

from __future__ import annotations

import json
import re
from typing import Any, Callable

MISSING = object()
OPERATORS = ("equals", "matches", "is_type", "length", "absent", "in", "gte", "lte", "contains", "subset",
             # needed by the peers' dialects (conformance.dialects)
             "gt", "lt", "truthy", "nullish", "close_to", "has_item_with", "partial", "text_matches", "warnings",
             "all_of")
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
    for bound in ("gte", "lte", "gt", "lt"):
        value = spec.get(bound, 0)
        if not (_number(value) or isinstance(value, str) and "${" in value):
            return f"{bound} must be a number or a ${{variable}} holding one"
    if "close_to" in spec and not (isinstance(spec["close_to"], dict) and spec["close_to"].keys() == {"value", "error"}):
        return "close_to must be a mapping of value and error"
    if "all_of" in spec:
        if not isinstance(spec["all_of"], list):
            return "all_of must be a list of matchers"
        return next(filter(None, map(matcher_problem, spec["all_of"])), None)
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


def _truthy(actual: Any) -> bool:
    """Truth as the Elasticsearch YAML runner judges it: absent, null, "", false (any case), 0 are false."""
    if actual is MISSING or actual is None:
        return False
    text = java_text(actual)
    return not (text == "" or text.lower() == "false" or text == "0")


def java_text(value: Any) -> str:
    """A JSON value as Java's toString renders the parsed value (`{key=value, ...}`, `[a, b]`): the text the
    Elasticsearch YAML runner matches `catch: /regex/` against."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={java_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(map(java_text, value)) + "]"
    return str(value)


def _partial(actual: Any, expected: Any) -> list[str]:
    """Where `actual` misses `expected`: objects by key and lists by position, recursively; extra keys and
    items are fine (the OpenSearch spec tester's payload comparison)."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        return [f"{k}.{p}" if p else str(k) for k, v in expected.items()
                for p in (_partial(actual[k], v) if k in actual else [""])]
    if isinstance(expected, list) and isinstance(actual, list):
        return [f"{i}.{p}" if p else str(i) for i, v in enumerate(expected)
                for p in (_partial(actual[i], v) if i < len(actual) else [""])]
    return [] if _equal(actual, expected) else [""]


_WARNING = re.compile(r'\d{3} \S+ "((?:[^"\\]|\\.)*)"(?: "[^"]*")?')


def _warnings(actual: Any, spec: dict[str, Any]) -> str | None:
    """A `Warning` header carries exactly the expected warnings, and otherwise only allowed ones."""
    header = "" if actual is MISSING else str(actual)
    texts = [re.sub(r"\\(.)", r"\1", m.group(1)) for m in _WARNING.finditer(header)]
    expected, patterns = list(spec.get("expected", ())), list(spec.get("expected_regex", ()))
    unexpected = []
    for text in texts:
        if text in spec.get("allowed", ()) or any(re.fullmatch(p, text) for p in spec.get("allowed_regex", ())):
            continue
        if text in expected:
            expected.remove(text)
            continue
        matched = next((p for p in patterns if re.fullmatch(p, text)), None)
        if matched is not None:
            patterns.remove(matched)
        else:
            unexpected.append(text)
    problems = [f"unexpected warning {t!r}" for t in unexpected] + [f"missing warning {t!r}" for t in expected]
    problems += [f"no warning matches /{p}/" for p in patterns]
    return "; ".join(problems) or None


def _all_of(actual: Any, specs: list[Any]) -> str | None:
    return "; ".join(filter(None, (check(actual, spec) for spec in specs))) or None


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
    "gt": lambda a, e: None if _number(a) and a > e else f"expected a number > {e}, got {show(a)}",
    "lt": lambda a, e: None if _number(a) and a < e else f"expected a number < {e}, got {show(a)}",
    "truthy": lambda a, e: None if _truthy(a) == bool(e) else f"expected a {'true' if e else 'false'} value, got {show(a)}",
    "nullish": lambda a, e: None if (a is MISSING or a is None) == bool(e)
    else ("expected null or no value" if e else "expected a non-null value") + f", got {show(a)}",
    "close_to": lambda a, e: None if _number(a) and abs(a - e["value"]) <= e["error"]
    else f"expected a number within {e['error']} of {e['value']}, got {show(a)}",
    "has_item_with": lambda a, e: None if isinstance(a, list) and any(
        isinstance(x, dict) and all(k in x and _equal(x[k], v) for k, v in e.items()) for x in a)
    else f"expected a list with an object holding {show(e)}, got {show(a)}",
    "partial": lambda a, e: None if not (missed := _partial(a, e))
    else f"expected {show(a)} to include {show(e)} (differs at {', '.join(p or '$' for p in missed)})",
    "text_matches": lambda a, e: None if a is not MISSING and a is not None and re.search(e, java_text(a))
    else f"expected text matching /{e}/, got {show(a)}",
    "warnings": _warnings,
    "all_of": _all_of,
}
