"""The emulated cluster: settings, clock, nodes and the state of every family it serves."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping

from mockserver.clock import Clock, SystemClock
from mockserver.family import Family, discover
from mockserver.settings import MockSettings

if TYPE_CHECKING:
    from mockserver.routing import Call


@dataclass(frozen=True)
class Node:
    id: str
    name: str
    host: str
    ip: str
    port: int
    roles: tuple[str, ...]
    attributes: dict[str, str] = field(default_factory=dict)

    @property
    def transport_address(self) -> str:
        return f"{self.ip}:{self.port}"


def _node_id(rng: random.Random) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    return "".join(rng.choice(alphabet) for _ in range(22))


class Cluster:
    """Everything a mock cluster knows; the HTTP layer is a thin skin over it."""

    def __init__(self, settings: MockSettings, clock: Clock | None = None,
                 families: list[Family] | None = None) -> None:
        self.settings = settings
        self.clock = clock or SystemClock()
        rng = random.Random(settings.seed)
        self.uuid = _node_id(rng)
        self.nodes = [
            Node(_node_id(rng), f"node-{i}", "127.0.0.1", "127.0.0.1", 9300 + i,
                 ("data", "ingest", "master", "ml", "remote_cluster_client", "transform"),
                 {"ml.machine_memory": "25769803776", "ml.max_jvm_size": "1073741824"}
                 if settings.flavour == "elasticsearch" else {"shard_indexing_pressure_enabled": "true"})
            for i in range(settings.nodes)
        ]
        self.build_hash = hashlib.sha1(str(settings.version).encode()).hexdigest()
        self.families = [f for f in (families or discover()) if settings.flavour in f.flavours]
        self._states: dict[str, Any] = {}
        for family in self.families:
            self._states[family.name] = family.create_state(self)

    def state(self, family: str) -> Any:
        return self._states[family]

    def catch_up(self) -> None:
        """Let clock-driven families apply the work that is due, so that any state a request reads is current."""
        self._run_hooks("catch_up")

    def authenticate(self, headers: Mapping[str, str], uri: str) -> None:
        """Before routing: families that guard the cluster check the credentials (401)."""
        self._run_hooks("authenticate", headers, uri)

    def authorize(self, call: "Call") -> None:
        """After parsing, before the handler: families that guard the cluster check privileges (403)."""
        self._run_hooks("authorize", call)

    def _run_hooks(self, hook: str, *args: Any) -> None:
        for family in self.families:
            function = getattr(family, hook)
            if function is not None:
                function(self._states[family.name], *args)

    def intercept_search(self, indices: list[Any], body: dict[str, Any]) -> Any | None:
        """The answer of the first family that intercepts this search (as plugins' interceptors do), or None."""
        for family in self.families:
            if family.search is not None:
                answer = family.search(self._states[family.name], indices, body)
                if answer is not None:
                    return answer
        return None

    def node(self, node_id: str) -> Node | None:
        return next((n for n in self.nodes if n.id == node_id), None)

    @property
    def features(self) -> set[str]:
        return {feature for family in self.families for feature in family.features}

    def fixtures(self) -> dict[str, tuple[Family, Any]]:
        return {name: (family, fn) for family in self.families for name, fn in family.fixtures.items()}
