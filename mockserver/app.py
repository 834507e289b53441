"""The aiohttp skin: turns HTTP requests into calls on the cluster and renders the answers."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from aiohttp import web

from mockserver.clock import Clock
from mockserver.cluster import Cluster
from mockserver.errors import ApiError, MediaTypeHeader, Reply, StatusError
from mockserver.routing import Route, Router, call_for
from mockserver.settings import MockSettings

log = logging.getLogger("mockserver")
CLUSTER_KEY = web.AppKey("cluster", Cluster)
_COMPATIBLE = re.compile(r"compatible-with=(\d+)")


def build_app(settings: MockSettings | None = None, clock: Clock | None = None) -> web.Application:
    """An aiohttp application serving one emulated cluster."""
    cluster = Cluster(settings or MockSettings(), clock)
    routes: list[tuple[Route, Any]] = [
        (route, cluster.state(family.name))
        for family in cluster.families
        for route in family.routes
        if route.flavours is None or cluster.settings.flavour in route.flavours
    ]
    router = Router(routes)

    async def dispatch(request: web.Request) -> web.Response:
        raw_body = await request.read()
        uri = request.raw_path
        path = request.path
        compatible = None
        warnings: list[str] = []
        try:
            compatible = _compatible_version(cluster, request.headers)
            cluster.authenticate(request.headers, uri)
            cluster.catch_up()
            match, state = router.resolve(request.method, path, uri)
            call = call_for(cluster, match, state, request.method, path, uri, dict(request.query), raw_body,
                            request.headers)
            cluster.authorize(call)
            warnings = call.warnings
            result = await match.route.handler(call)
            reply = result if isinstance(result, Reply) else Reply(200, result)
        except Reply as reply_:
            reply = reply_
        except ApiError as error:
            trace = request.query.get("error_trace") in ("", "true")
            reply = Reply(error.http_status(cluster.settings.version),
                          error.envelope(cluster.settings.version, trace), error.headers)
        except Exception:  # a 500 from the mock is a bug: say so loudly
            log.exception("mock bug while serving %s %s", request.method, uri)
            reply = Reply(500, {"error": {"type": "mock_bug", "reason": "the mock failed; see its log"}, "status": 500})
        return _render(cluster, request, reply, warnings, compatible)

    app = web.Application(client_max_size=64 * 1024 * 1024)
    app[CLUSTER_KEY] = cluster
    app.router.add_route("*", "/{tail:.*}", dispatch)
    return app


def _compatible_version(cluster: Cluster, headers: Any) -> int | None:
    """Check the `compatible-with` media type parameters the official Elasticsearch clients send."""
    if cluster.settings.flavour != "elasticsearch":
        return None
    accept, content_type = headers.get("Accept", ""), headers.get("Content-Type", "")
    found = {name: m.group(1) for name, value in (("Accept", accept), ("Content-Type", content_type))
             if (m := _COMPATIBLE.search(value))}
    if not found:
        return None
    major = cluster.settings.version.major
    for value in found.values():
        if int(value) not in (major, major - 1):
            raise MediaTypeHeader(
                "Invalid media-type value on headers [Content-Type, Accept]",
                caused_by=StatusError(
                    f"Accept version must be either version {major} or {major - 1}, but found {value}. Accept={accept}",
                    400,
                ),
            )
    return int(next(iter(found.values())))


def _render(cluster: Cluster, request: web.Request, reply: Reply, warnings: list[str],
            compatible: int | None) -> web.Response:
    settings = cluster.settings
    headers = dict(reply.headers)
    if settings.flavour == "elasticsearch":
        headers["X-elastic-product"] = "Elasticsearch"
    if warnings:
        product = settings.product
        headers["Warning"] = ", ".join(
            f'299 {product}-{settings.version}-{cluster.build_hash[:10]} "{w}"' for w in warnings
        )
    if request.method == "HEAD" or reply.body is None:
        return web.Response(status=reply.status, headers=headers)
    pretty = "pretty" in request.query and request.query["pretty"] != "false"
    text = json.dumps(reply.body, indent=2 if pretty else None, separators=None if pretty else (",", ":"))
    content_type = (f"application/vnd.elasticsearch+json;compatible-with={compatible}" if compatible
                    else "application/json")
    headers["Content-Type"] = f"{content_type}; charset=UTF-8"
    return web.Response(status=reply.status, body=text.encode(), headers=headers)
