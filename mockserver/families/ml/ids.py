"""Id expressions as the ML APIs expand them (`ExpandedIdsMatcher`)."""

from __future__ import annotations

from typing import Collection

from mockserver.errors import ResourceNotFound
from mockserver.wildcard import simple_match


def tokens(expression: str) -> list[str]:
    """`Strings.tokenizeToStringArray(expression, ",")`: trimmed, empty tokens dropped."""
    if "," not in expression:  # one id, the usual case
        token = expression.strip()
        return [token] if token else []
    return [t.strip() for t in expression.split(",") if t.strip()]


def is_all(parts: list[str]) -> bool:
    return not parts or (len(parts) == 1 and parts[0] in ("_all", "*"))


def missing(unmatched: str) -> ResourceNotFound:
    return ResourceNotFound(f"No known data frame analytics with id [{unmatched}]")


def expand(expression: str, known: Collection[str], allow_no_match: bool) -> list[str]:
    """The ids an expression names, sorted. Explicit ids must exist; wildcards (and `_all`/`*`) must match
    something only when `allow_no_match` is false. Raises the 404 a real cluster gives otherwise. Explicit ids
    cost the same however many ids are known, and the rest is linear when `known` iterates in order."""
    parts = tokens(expression)
    if is_all(parts):
        if not known and not allow_no_match:
            raise missing("*")
        return sorted(known)
    if len(parts) == 1 and "*" not in parts[0]:  # one explicit id, the usual case (a stop, a get of one job)
        if parts[0] not in known:
            raise missing(parts[0])
        return parts
    found: set[str] = set()
    unmatched = []
    for part in parts:
        matched = [i for i in known if simple_match(part, i)] if "*" in part else [part] if part in known else []
        found.update(matched)
        if not matched and ("*" not in part or not allow_no_match):
            unmatched.append(part)
    if unmatched:
        raise missing(",".join(unmatched))
    if any("*" in part for part in parts):
        return [i for i in sorted(known) if i in found]
    return sorted(found)
