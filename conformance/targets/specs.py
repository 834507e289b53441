"""Target specs as given on the command line: version sweeps, labels, and the bare `mock`."""

from __future__ import annotations

import re
from typing import Iterable

from conformance import redaction

BARE_MOCK = "mock"  # each scenario on a mock of its own flavour


def is_url(spec: str) -> bool:
    return spec.startswith(("http://", "https://"))


def expand(specs: Iterable[str]) -> list[str]:
    """One spec per target: `mock:elasticsearch@7.17.0,8.10.0` sweeps two versions (URLs are never split);
    duplicates are dropped, the order kept."""
    expanded: list[str] = []
    for spec in specs:
        head, at, versions = spec.rpartition("@")
        if is_url(spec) or not at or "," not in versions:
            candidates = [spec]
        else:
            candidates = [f"{head}@{version.strip()}" for version in versions.split(",") if version.strip()]
        expanded += [c for c in candidates if c not in expanded]
    return expanded


def for_flavour(spec: str, flavour: str) -> str:
    """The spec a scenario of this flavour runs on: the bare `mock` is the mock of that flavour."""
    return f"mock:{flavour}" if spec == BARE_MOCK else spec


def label(spec: str) -> str:
    """A short, credential-free name for reports and test ids: `mock:elasticsearch@8.10.0`,
    `mock+security:opensearch`, `es.example.com:9200`."""
    if is_url(spec):
        spec = re.sub(r"^https?://", "", redaction.url(spec)).rstrip("/")
    return re.sub(r"[^A-Za-z0-9.@:/+-]+", "_", spec)
