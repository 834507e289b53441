"""Routes of the cluster family."""

from __future__ import annotations

from typing import Any

from mockserver.families.cluster.dynamic import nested
from mockserver.families.cluster.models import ClusterInfo
from mockserver.nodes import Node
from mockserver.openapi import document
from mockserver.params import Param, boolean, string_list, time_value
from mockserver.routing import Body, Call, Route

_BUILD_DATE = "2024-12-11T12:08:05.663969764Z"


async def root(call: Call[ClusterInfo]) -> dict[str, Any]:
    cluster = call.state
    settings = cluster.settings
    version: dict[str, Any] = {"number": str(settings.version)}
    if settings.flavour == "opensearch":
        version |= {"distribution": "opensearch", "build_type": "tar", "build_hash": cluster.build_hash,
                    "build_date": _BUILD_DATE, "build_snapshot": False, "lucene_version": "9.12.1",
                    "minimum_wire_compatibility_version": "7.10.0",
                    "minimum_index_compatibility_version": "7.0.0"}
        tagline = "The OpenSearch Project: https://opensearch.org/"
    else:
        major = settings.version.major
        version |= {"build_flavor": "default", "build_type": "docker", "build_hash": cluster.build_hash,
                    "build_date": _BUILD_DATE, "build_snapshot": False, "lucene_version": "9.12.0",
                    "minimum_wire_compatibility_version": f"{major - 1}.17.0",
                    "minimum_index_compatibility_version": f"{major - 1}.0.0"}
        tagline = "You Know, for Search"
    return {"name": cluster.nodes[0].name, "cluster_name": settings.cluster_name,
            "cluster_uuid": cluster.uuid, "version": version, "tagline": tagline}


def node_info(cluster: ClusterInfo, node: Node) -> dict[str, Any]:
    return {"name": node.name, "transport_address": node.transport_address, "host": node.host, "ip": node.ip,
            "version": str(cluster.settings.version), "roles": list(node.roles),
            "attributes": dict(node.attributes)}


async def nodes(call: Call[ClusterInfo]) -> dict[str, Any]:
    cluster = call.state
    selected = cluster.select_nodes(call.path_params.get("node_id"))
    return {"_nodes": {"total": len(selected), "successful": len(selected), "failed": 0},
            "cluster_name": cluster.settings.cluster_name,
            "nodes": {n.id: node_info(cluster, n) for n in selected}}


async def xpack(call: Call[ClusterInfo]) -> dict[str, Any]:
    cluster = call.state
    features = cluster.catalogue.features
    return {
        "build": {"hash": cluster.build_hash, "date": _BUILD_DATE},
        "license": {"uid": cluster.uuid, "type": "trial", "mode": "trial", "status": "active"},
        "features": {name: {"available": name in features, "enabled": name in features}
                     for name in ("ml", "rollup", "security", "monitoring", "graph", "watcher")},
        "tagline": "You know, for X",
    }


async def cat_plugins(call: Call[ClusterInfo]) -> list[dict[str, Any]]:
    cluster = call.state
    found = (("rollup", "opensearch-index-management"), ("security", "opensearch-security"))
    plugins = [plugin for feature, plugin in found if feature in cluster.catalogue.features]
    return [{"name": node.name, "component": plugin, "version": f"{cluster.settings.version}.0"}
            for node in cluster.nodes for plugin in plugins]


async def list_fixtures(call: Call[ClusterInfo]) -> dict[str, Any]:
    return {"fixtures": call.state.catalogue.fixture_names()}


async def get_settings(call: Call[ClusterInfo]) -> dict[str, Any]:
    return call.state.dynamic.get(flat=call.params["flat_settings"])


async def put_settings(call: Call[ClusterInfo]) -> dict[str, Any]:
    applied = call.state.dynamic.update(call.body)
    flat = call.params["flat_settings"]
    return {"acknowledged": True, **{scope: values if flat else nested(values) for scope, values in applied.items()}}


async def openapi(call: Call[ClusterInfo]) -> dict[str, Any]:
    return document((route for route, _ in call.state.catalogue.routes()), call.state.settings)


async def use_fixture(call: Call[ClusterInfo]) -> Any:
    return call.state.use_fixture(call.path_params["name"], call.body)


_FLAT = Param("flat_settings", boolean, False)
_GET_SETTINGS = (_FLAT, Param("local", boolean), Param("master_timeout", time_value), Param("timeout", time_value))
_PUT_SETTINGS = (_FLAT, Param("master_timeout", time_value), Param("timeout", time_value))

ROUTES: tuple[Route[ClusterInfo], ...] = (
    Route("GET", "/", root),
    Route("HEAD", "/", root),
    Route("GET", "/_nodes", nodes),
    Route("GET", "/_nodes/{node_id}", nodes),
    Route("GET", "/_xpack", xpack, params=(Param("categories", string_list), Param("accept_enterprise")),
          flavours=frozenset({"elasticsearch"})),
    Route("GET", "/_cat/plugins", cat_plugins, params=(Param("h"), Param("v"))),
    *(Route(method, "/_cluster/settings", handler, params=params + extra, body=body, flavours=frozenset({flavour}))
      for flavour, extra in (("elasticsearch", ()), ("opensearch", (Param("cluster_manager_timeout", time_value),)))
      for method, handler, params, body in (("GET", get_settings, _GET_SETTINGS, Body.NONE),
                                            ("PUT", put_settings, _PUT_SETTINGS, Body.REQUIRED))),
    Route("GET", "/_stopcheck/fixtures", list_fixtures),
    Route("POST", "/_stopcheck/fixtures/{name}", use_fixture, body=Body.OPTIONAL),
    Route("GET", "/_stopcheck/openapi.json", openapi),
)
