"""Target adapters, found through the `stopcheck.targets` entry-point group (built-ins included)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Callable

from conformance.targets.base import Request, Response, Target, TargetError, TargetInfo
from conformance.targets.http import HttpOptions, HttpTarget

ENTRY_POINT_GROUP = "stopcheck.targets"


@dataclass(frozen=True)
class TargetConfig:
    """Everything a factory may use. Secrets come from the environment, never from the command line."""

    target: str = "mock"
    flavour: str = "elasticsearch"
    version: str | None = None
    nodes: int = 2
    username: str | None = None
    ca_certs: str | None = None
    client_cert: str | None = None
    client_key: str | None = None
    insecure: bool = False
    consent: frozenset[str] = frozenset()
    environ: dict[str, str] = field(default_factory=lambda: dict(os.environ), repr=False)

    def http_options(self) -> HttpOptions:
        env = self.environ
        return HttpOptions(
            url=self.target, username=self.username or env.get("STOPCHECK_USERNAME"),
            password=env.get("STOPCHECK_PASSWORD"), api_key=env.get("STOPCHECK_API_KEY"),
            bearer_token=env.get("STOPCHECK_BEARER_TOKEN"), ca_certs=self.ca_certs, client_cert=self.client_cert,
            client_key=self.client_key, insecure=self.insecure, consent=self.consent)


Factory = Callable[[TargetConfig], Target]


def mock_factory(config: TargetConfig) -> Target:
    """`mock`, `mock:opensearch`, `mock:elasticsearch@9.0.0`: the bundled mock, started on demand."""
    from conformance.targets.mock import MockTarget  # imported here: only the mock needs aiohttp

    _, _, rest = config.target.partition(":")
    flavour, _, version = rest.partition("@")
    try:
        return MockTarget(flavour or config.flavour, version or config.version, config.nodes)
    except ValueError as exc:
        raise TargetError(f"bad mock target {config.target!r}: {exc}",
                          "use mock, mock:elasticsearch or mock:opensearch, optionally with @VERSION[,VERSION...]")


def http_factory(config: TargetConfig) -> Target:
    return HttpTarget(config.http_options())


def factories() -> dict[str, Factory]:
    found: dict[str, Factory] = {"mock": mock_factory, "http": http_factory}
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        found.setdefault(entry.name, entry.load())
    return found


def create_target(config: TargetConfig) -> Target:
    """`mock[:flavour[@version]]`, a URL (`http://...`, `https://...`), or a plugged-in adapter's name
    (`name[:argument]`)."""
    name = "http" if config.target.startswith(("http://", "https://")) else config.target.split(":")[0]
    available = factories()
    if name not in available:
        raise TargetError(f"unknown target {config.target!r}",
                          f"use mock, a cluster URL (http:// or https://), or one of {', '.join(sorted(available))}")
    return available[name](config)


__all__ = ["Request", "Response", "Target", "TargetConfig", "TargetError", "TargetInfo", "create_target"]
