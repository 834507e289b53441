"""The two wildcard languages the emulated servers match names with.

- `simple_match` is Elasticsearch's `Regex.simpleMatch`: `*` matches any run of characters and nothing else is
  special (`?` and `[` are literal). Index expressions, task actions, node names and job ids use it.
- `wildcard_query_match` is Lucene's `WildcardQuery` on a keyword: `*` any run, `?` one character, `\\` escapes
  the next character. The OpenSearch rollup list and explain APIs search job ids with it.
"""

from __future__ import annotations

import re
from functools import lru_cache


@lru_cache(maxsize=512)
def _simple(pattern: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in pattern.split("*")), re.DOTALL)


def simple_match(pattern: str, value: str) -> bool:
    """`Regex.simpleMatch(pattern, value)`."""
    return _simple(pattern).fullmatch(value) is not None


def is_simple_pattern(expression: str) -> bool:
    """`Regex.isSimpleMatchPattern`: only `*` makes an expression a pattern."""
    return "*" in expression


@lru_cache(maxsize=512)
def _lucene(pattern: str) -> re.Pattern[str]:
    parts = []
    escaped = False
    for char in pattern:
        if escaped:
            parts.append(re.escape(char))
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "*":
            parts.append(".*")
        elif char == "?":
            parts.append(".")
        else:
            parts.append(re.escape(char))
    if escaped:
        parts.append(re.escape("\\"))
    return re.compile("".join(parts), re.DOTALL)


def wildcard_query_match(pattern: str, value: str) -> bool:
    """Whether a Lucene `wildcard` query with `pattern` matches the keyword `value`."""
    return _lucene(pattern).fullmatch(value) is not None
