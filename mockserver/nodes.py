"""The nodes of an emulated cluster, generated from its settings."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from mockserver.settings import MockSettings

_ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_ROLES = ("data", "ingest", "master", "ml", "remote_cluster_client", "transform")


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


def random_id(rng: random.Random) -> str:
    """A node or cluster UUID as the server prints it: 22 URL-safe base64 characters."""
    return "".join(rng.choice(_ID_ALPHABET) for _ in range(22))


def make_nodes(settings: MockSettings, rng: random.Random) -> tuple[Node, ...]:
    attributes = ({"ml.machine_memory": "25769803776", "ml.max_jvm_size": "1073741824"}
                  if settings.flavour == "elasticsearch" else {"shard_indexing_pressure_enabled": "true"})
    return tuple(Node(random_id(rng), f"node-{i}", "127.0.0.1", "127.0.0.1", 9300 + i, _ROLES, dict(attributes))
                 for i in range(settings.nodes))
