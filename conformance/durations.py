"""Durations in scenario files: `250ms`, `5s`, `1m`."""

from __future__ import annotations

import re

_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0}


def seconds(text: str) -> float:
    match = re.fullmatch(r"(\d+)(ms|s|m)", text)
    if match is None:
        raise ValueError(f"not a duration: {text!r} (use e.g. 250ms, 5s, 1m)")
    return int(match.group(1)) * _UNITS[match.group(2)]
