"""Names the server's JSON parser gives to values, as its error messages print them."""

from __future__ import annotations

from typing import Any

_TOKENS = {bool: "VALUE_BOOLEAN", int: "VALUE_NUMBER", float: "VALUE_NUMBER", str: "VALUE_STRING",
           list: "START_ARRAY", dict: "START_OBJECT", type(None): "VALUE_NULL"}


def token(value: Any) -> str:
    """The XContent token a JSON value starts with (`START_OBJECT`, `VALUE_STRING`, ...)."""
    return _TOKENS[type(value)]
