"""The mock's OpenAPI description as the tests read it."""

from __future__ import annotations

from typing import Any

from mockserver.cluster import Cluster
from mockserver.openapi import document
from mockserver.settings import MockSettings


def described(flavour: str) -> dict[str, Any]:
    """The description of a default mock of this flavour, as `GET /_stopcheck/openapi.json` serves it."""
    mock = MockSettings(flavour=flavour)
    return document((route for route, _ in Cluster(mock).routes()), mock)
