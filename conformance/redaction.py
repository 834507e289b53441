"""Keeping secrets out of records, reports and messages: headers, parameters, JSON bodies and URLs."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit, urlunsplit

REDACTED = "<redacted>"
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"})
_SECRET_KEY = re.compile(r"(?i)(.*[_-])?(password|passwd|secret|api_?key|token|credentials?|authorization|cookie)")


def is_secret_key(name: str) -> bool:
    return _SECRET_KEY.fullmatch(name) is not None


def headers(values: dict[str, str]) -> dict[str, str]:
    return {k: (REDACTED if k.lower() in SECRET_HEADERS or is_secret_key(k) else v) for k, v in values.items()}


def json_value(value: Any) -> Any:
    """A copy of a JSON value with the values of secret-named keys replaced, at any depth."""
    if isinstance(value, dict):
        return {k: (REDACTED if is_secret_key(str(k)) else json_value(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [json_value(v) for v in value]
    return value


def body_text(text: str) -> str:
    """A JSON or NDJSON request body with its secret-named fields redacted (other text unchanged)."""
    lines = text.splitlines()
    try:
        parsed = [json.loads(line) for line in lines if line.strip()] if len(lines) > 1 else [json.loads(text)]
    except ValueError:
        return text
    redacted = [json.dumps(json_value(v)) for v in parsed]
    return "\n".join(redacted) + ("\n" if len(lines) > 1 else "")


def url(text: str) -> str:
    """The URL without user name and password."""
    parts = urlsplit(text)
    if "@" not in parts.netloc:
        return text
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))
