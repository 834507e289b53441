"""The aiohttp skin: turns HTTP requests into calls on the cluster and renders the answers."""

from __future__ import annotations

import asyncio
import logging
import re
from itertools import chain
from typing import Any, Iterator

from aiohttp import HttpVersion11, payload, web
from aiohttp.abc import AbstractStreamWriter
from multidict import CIMultiDict, CIMultiDictProxy

from mockserver.cluster import Cluster
from mockserver.errors import ApiError, MediaTypeHeader, StatusError
from mockserver.routing import Reply, Request, Router
from mockserver.xcontent import Encoded, compact_json, pretty_json

log = logging.getLogger("mockserver")
BUG_TYPE = "mock_bug"  # the error type of the 500 answered when a handler raised what it did not mean to
_COMPATIBLE = re.compile(r"compatible-with=(\d+)")


def build_server(cluster: Cluster) -> web.Server:
    """An aiohttp low-level server for one emulated cluster, built on the running event loop. The mock routes
    requests itself (`Router`), so it needs none of `web.Application`'s routing and middleware layers."""
    router = Router(cluster.routes())
    renderer = Renderer(cluster)
    limit = cluster.settings.max_content_length
    loop = asyncio.get_running_loop()

    async def dispatch(http: web.BaseRequest) -> web.Response:
        if (http.content_length or 0) > limit:
            return _too_large()
        if "Expect" in http.headers:
            await _expect(http)
        try:
            body = await http.read() if http.body_exists else b""
        except web.HTTPRequestEntityTooLarge:  # a chunked body that outgrew the limit
            return _too_large()
        request = Request(http.method, http.path, http.raw_path, http.query, body, http.headers)
        with cluster.clock.in_flight():
            reply, warnings, compatible = await serve(cluster, router, request)
        return renderer.render(request, reply, warnings, compatible)

    def limited_request(message: Any, payload: Any, protocol: Any, writer: Any, task: Any) -> web.BaseRequest:
        """A request whose body may be read up to the limit (aiohttp's own default is 1 MB)."""
        return web.BaseRequest(message, payload, protocol, writer, task, loop, client_max_size=limit)

    # No lingering: a body left unread because it is over the limit closes the connection at once.
    return web.Server(dispatch, request_factory=limited_request, lingering_time=0, access_log=None)


async def _expect(http: web.BaseRequest) -> None:
    """Answer `Expect: 100-continue` before the body is read, so that a client waiting for it sends the body at
    once; refuse any other expectation (417)."""
    expect = http.headers["Expect"]
    if http.version != HttpVersion11:
        return
    if expect.lower() != "100-continue":
        raise web.HTTPExpectationFailed(text=f"Unknown Expect: {expect}")
    await http.writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
    http.writer.output_size = 0  # the answer proper starts after this interim one


def _too_large() -> web.Response:
    """What the HTTP layer answers to a body over `http.max_content_length`, before any REST handling: a 413
    without a body, and the connection closed."""
    response = web.Response(status=413)
    response.force_close()
    return response


async def serve(cluster: Cluster, router: Router, request: Request) -> tuple[Reply, list[str], int | None]:
    """One request: its reply, the deprecation warnings it raised, and the compatible-with version it asked for."""
    compatible = None
    warnings: list[str] = []
    try:
        compatible = _compatible_version(cluster, request.headers)
        cluster.authenticate(request)
        cluster.catch_up()
        route, call = router.resolve(request)
        cluster.authorize(call)
        warnings = call.warnings
        result = await route.handler(call)
        reply = result if isinstance(result, Reply) else Reply(200, result)
    except ApiError as error:
        version = cluster.settings.version
        trace = request.query.get("error_trace") in ("", "true")
        reply = Reply(error.http_status(version), error.envelope(version, trace), error.headers)
    except Exception:  # a 500 from the mock is a bug: say so loudly
        log.exception("mock bug while serving %s %s", request.method, request.uri)
        reply = Reply(500, {"error": {"type": BUG_TYPE, "reason": "the mock failed; see its log"}, "status": 500})
    return reply, warnings, compatible


def _compatible_version(cluster: Cluster, headers: Any) -> int | None:
    """Check the `compatible-with` media type parameters the official Elasticsearch clients send."""
    if cluster.settings.flavour != "elasticsearch":
        return None
    accept, content_type = headers.get("Accept", ""), headers.get("Content-Type", "")
    if "compatible-with" not in accept and "compatible-with" not in content_type:
        return None
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


class Renderer:
    """Turns replies into HTTP responses with the headers the emulated product adds to every answer."""

    def __init__(self, cluster: Cluster) -> None:
        settings = cluster.settings
        self._product = [("X-elastic-product", "Elasticsearch")] if settings.flavour == "elasticsearch" else []
        self._warning_source = f"{settings.product}-{settings.version}-{cluster.build_hash[:10]}"
        # The usual answer's headers, read-only (each response copies them, fastest from a multidict).
        self._json_headers = CIMultiDictProxy(CIMultiDict([*self._product,
                                                           ("Content-Type", "application/json; charset=UTF-8")]))

    def render(self, request: Request, reply: Reply, warnings: list[str], compatible: int | None) -> web.Response:
        if request.method == "HEAD" or reply.body is None:
            return web.Response(status=reply.status, headers=self._headers(reply, warnings))
        if isinstance(reply.body, str):  # a plain-text answer (the OpenSearch security plugin's 401)
            headers = self._headers(reply, warnings)
            headers.append(("Content-Type", "text/plain; charset=UTF-8"))
            return web.Response(status=reply.status, body=reply.body.encode(), headers=headers)
        body: bytes | EncodedPayload
        if request.query.get("pretty", "false") != "false":
            body = pretty_json(reply.body)
        elif isinstance(reply.body, Encoded):
            body = _framed(reply.body)
        else:
            body = reply.compact if reply.compact is not None else compact_json(reply.body)
        if compatible is None and not warnings and not reply.headers:
            return web.Response(status=reply.status, body=body, headers=self._json_headers)
        headers = self._headers(reply, warnings)
        media_type = (f"application/vnd.elasticsearch+json;compatible-with={compatible}" if compatible
                      else "application/json")
        headers.append(("Content-Type", f"{media_type}; charset=UTF-8"))
        return web.Response(status=reply.status, body=body, headers=headers)

    def _headers(self, reply: Reply, warnings: list[str]) -> list[tuple[str, str]]:
        """The reply's own headers, the product's, then the deprecation warnings: one pair per value."""
        headers = [(name, one) for name, value in reply.headers.items()  # a list: one header per value
                   for one in (value if isinstance(value, list) else [value])] if reply.headers else []
        headers += self._product
        if warnings:
            headers.append(("Warning", ", ".join(f'299 {self._warning_source} "{w}"' for w in warnings)))
        return headers


def _framed(answer: Encoded) -> bytes | EncodedPayload:
    """A streamed answer, or one longer than a chunk, as a payload sent chunk by chunk; else its one chunk, which
    goes with a `Content-Length`."""
    chunks = answer.chunks()
    if answer.streamed:
        return EncodedPayload(answer, chunks)
    first, second = next(chunks, b""), next(chunks, None)
    if second is None:
        return first
    return EncodedPayload(answer, chain((first, second), chunks))


class EncodedPayload(payload.Payload):
    """An `Encoded` answer, sent as `chunks` (its chunks, some perhaps made already) yields them (with chunked
    transfer encoding, as its length is not known in advance); the writer waits for the socket whenever it holds
    more than 64 KB."""

    def __init__(self, answer: Encoded, chunks: Iterator[bytes]) -> None:
        super().__init__(answer)
        self._chunks = chunks

    async def write(self, writer: AbstractStreamWriter) -> None:
        for chunk in self._chunks:
            await writer.write(chunk)

    def decode(self, encoding: str = "utf-8", errors: str = "strict") -> str:
        return self._value.compact.decode(encoding, errors)
