"""Target adapters, found through the `stopcheck.targets` entry-point group (built-ins included)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Callable, Mapping

from conformance.targets.base import Request, Response, Target, TargetError, TargetInfo
from conformance.targets.http import HttpOptions, HttpTarget

if TYPE_CHECKING:
    from conformance.targets.named import NamedTarget
    from conformance.targets.sigv4 import SigV4Signer

ENTRY_POINT_GROUP = "stopcheck.targets"
SECURED_MOCK = "mock+security"


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
    auth: str | None = None  # "sigv4"; None: the credentials the environment holds
    aws_region: str | None = None
    aws_service: str | None = None
    consent: frozenset[str] = frozenset()
    environ: dict[str, str] = field(default_factory=lambda: dict(os.environ), repr=False)
    named: Mapping[str, "NamedTarget"] = field(default_factory=dict)  # from the targets file

    def http_options(self) -> HttpOptions:
        tls = HttpOptions(url=self.target, ca_certs=self.ca_certs, client_cert=self.client_cert,
                          client_key=self.client_key, insecure=self.insecure, consent=self.consent)
        if self.auth == "sigv4":
            return replace(tls, signer=self._sigv4_signer())
        if self.auth is not None:
            raise TargetError(f"unknown auth {self.auth!r}", "use --auth sigv4, or leave it out to sign in with the "
                              "credentials in $STOPCHECK_USERNAME/$STOPCHECK_PASSWORD, $STOPCHECK_API_KEY or "
                              "$STOPCHECK_BEARER_TOKEN")
        env = self.environ
        return replace(tls, username=self.username or env.get("STOPCHECK_USERNAME"),
                       password=env.get("STOPCHECK_PASSWORD"), api_key=env.get("STOPCHECK_API_KEY"),
                       bearer_token=env.get("STOPCHECK_BEARER_TOKEN"))

    def _sigv4_signer(self) -> "SigV4Signer":
        from conformance.targets.sigv4 import SigV4Signer

        if not self.aws_region:
            raise TargetError("--auth sigv4 needs the cluster's AWS region", "add --aws-region, e.g. eu-west-1")
        return SigV4Signer.from_environment(self.aws_region, self.aws_service or "es")


Factory = Callable[[TargetConfig], Target]


def mock_factory(config: TargetConfig) -> Target:
    """`mock`, `mock:opensearch`, `mock:elasticsearch@9.0.0`: the bundled mock, started on demand;
    `mock+security:...` is one with security on, which the target signs in to as the superuser."""
    from conformance.targets.mock import MockTarget  # imported here: only the mock needs aiohttp

    kind, _, rest = config.target.partition(":")
    flavour, _, version = rest.partition("@")
    try:
        return MockTarget(flavour or config.flavour, version or config.version, config.nodes,
                          security=kind == SECURED_MOCK)
    except ValueError as exc:
        raise TargetError(f"bad mock target {config.target!r}: {exc}",
                          "use mock, mock:elasticsearch or mock:opensearch (mock+security:... for one with security "
                          "on), optionally with @VERSION[,VERSION...]")


def http_factory(config: TargetConfig) -> Target:
    return HttpTarget(config.http_options())


def factories() -> dict[str, Factory]:
    found: dict[str, Factory] = {"mock": mock_factory, SECURED_MOCK: mock_factory, "http": http_factory}
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        found.setdefault(entry.name, entry.load())
    return found


def named_target(config: TargetConfig) -> Target:
    """A target of the targets file, by its name: its URL (or mock spec) with its own auth, TLS and consent."""
    from conformance.targets.named import CheckedTarget

    named = config.named[config.target]
    if named.url.startswith(("http://", "https://")):
        inner: Target = HttpTarget(named.http_options(config.environ, config.consent), name=named.name)
    else:
        inner = create_target(replace(config, target=named.url, named={}))
    return CheckedTarget(inner, named)


def create_target(config: TargetConfig) -> Target:
    """A name from the targets file, `mock[:flavour[@version]]`, a URL (`http://...`, `https://...`), or a
    plugged-in adapter's name (`name[:argument]`)."""
    if config.target in config.named:
        return named_target(config)
    name = "http" if config.target.startswith(("http://", "https://")) else config.target.split(":")[0]
    available = factories()
    if name not in available:
        names = sorted(available) + sorted(config.named)
        raise TargetError(f"unknown target {config.target!r}",
                          f"use mock, a cluster URL (http:// or https://), a name from the targets file "
                          f"(stopcheck.toml), or one of {', '.join(names)}")
    return available[name](config)


__all__ = ["Request", "Response", "Target", "TargetConfig", "TargetError", "TargetInfo", "create_target"]
