"""What a mock cluster emulates."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping

from mockserver.version import Version

FLAVOURS = ("elasticsearch", "opensearch")
CLOCKS = ("virtual", "system", "manual")
DEFAULT_VERSIONS = {"elasticsearch": Version(8, 17, 0), "opensearch": Version(2, 19, 0)}


@dataclass
class MockSettings:
    """The emulated product, version and topology, and the kind of clock the cluster runs on: `virtual` (wall
    time that jumps ahead whenever every request in flight is waiting on it), `system` (wall time only), both
    running `time_scale` times as fast as the wall, or `manual` for tests that move time themselves.
    Time-dependent behaviour is driven by the families' own settings, which the mock adapter sets through
    fixtures."""

    flavour: str = "elasticsearch"
    version: Version | None = None
    nodes: int = 2
    cluster_name: str = "stopcheck-mock"
    seed: int = 0
    clock: str = "virtual"
    security: Mapping[str, Any] | None = None  # a users file's content: security on (None: no credentials needed)
    time_scale: float = 1.0  # seconds of the virtual or system clock per second of the wall
    max_content_length: int = 100 * 1024 * 1024  # `http.max_content_length` in bytes: a larger body is a bare 413

    def __post_init__(self) -> None:
        if self.flavour not in FLAVOURS:
            raise ValueError(f"flavour must be one of {', '.join(FLAVOURS)}, not {self.flavour!r}")
        if self.clock not in CLOCKS:
            raise ValueError(f"clock must be one of {', '.join(CLOCKS)}, not {self.clock!r}")
        if not (self.time_scale > 0 and math.isfinite(self.time_scale)):
            raise ValueError(f"time_scale must be a positive number, not {self.time_scale!r}")
        if self.time_scale != 1 and self.clock == "manual":
            raise ValueError("a manual clock moves only when told to: it has no time_scale")
        if self.nodes < 1:
            raise ValueError("a cluster needs at least one node")
        if not 0 <= self.max_content_length < 2**31:
            raise ValueError(f"max_content_length must be from 0 to 2147483647 bytes, not {self.max_content_length}")
        if self.version is None:
            self.version = DEFAULT_VERSIONS[self.flavour]

    @property
    def product(self) -> str:
        return "Elasticsearch" if self.flavour == "elasticsearch" else "OpenSearch"
