"""Prints how many requests per second the mock serves on the rollup stop path, sequentially and concurrently,
and the CPU time per request of its own request path (routing to rendering, in process) on the stop endpoints.

The in-process figure is CPU time, the best of a few rounds, so it holds on a machine busy with other work.

Usage: python benchmarks/mock_throughput.py [--requests 2000] [--concurrency 16] [--in-process 20000]
All traffic stays on 127.0.0.1 and the loops are bounded by --requests and --in-process.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time

import aiohttp
import urllib3
from multidict import CIMultiDict, CIMultiDictProxy, MultiDict, MultiDictProxy

from mockserver.app import Renderer, serve
from mockserver.cluster import Cluster
from mockserver.routing import Request, Router
from mockserver.server import MockServer
from mockserver.settings import MockSettings

JOB = {"index_pattern": "bench", "rollup_index": "bench-rollup", "cron": "*/30 * * * * ?", "page_size": 100,
       "groups": {"date_histogram": {"field": "t", "fixed_interval": "1h"}}}
DFA_JOB = {"source": {"index": "bench-dfa-source"}, "dest": {"index": "bench-dfa-dest"},
           "analysis": {"outlier_detection": {}}}
SETUP = [("/bench", {"mappings": {"properties": {"t": {"type": "date"}}}}),
         ("/bench-rollup", {"mappings": {"_meta": {"_rollup": {}}}}),
         ("/_rollup/job/bench", JOB),
         ("/bench-dfa-source", {"mappings": {"properties": {"x": {"type": "double"}}}}),
         ("/_ml/data_frame/analytics/bench", DFA_JOB)]
STOPS = {"rollup stop (stopped job)": "/_rollup/job/bench/_stop",
         "DFA stop (stopped job)": "/_ml/data_frame/analytics/bench/_stop"}
# What a client such as wrk sends: a few headers, no query string.
HEADERS = CIMultiDictProxy(CIMultiDict({"Host": "127.0.0.1", "User-Agent": "bench", "Content-Type": "application/json"}))
NO_QUERY = MultiDictProxy(MultiDict())


async def in_process(count: int, rounds: int = 3) -> dict[str, float]:
    """CPU microseconds per stop request through the mock's own request path (serve, then render the response),
    without sockets or HTTP parsing: the best of `rounds` rounds of `count` requests."""
    cluster = Cluster(MockSettings())
    router, renderer = Router(cluster.routes()), Renderer(cluster)

    async def one(method: str, path: str, body: bytes = b"") -> int:
        request = Request(method, path, path, NO_QUERY, body, HEADERS)
        with cluster.clock.in_flight():
            reply, warnings, compatible = await serve(cluster, router, request)
        return renderer.render(request, reply, warnings, compatible).status

    for path, body in SETUP:
        assert await one("PUT", path, json.dumps(body).encode()) == 200, path
    costs = {}
    for name, path in STOPS.items():
        assert await one("POST", path) == 200, path
        best = float("inf")
        for _ in range(rounds):
            started = time.process_time()
            for _ in range(count):
                await one("POST", path)
            best = min(best, time.process_time() - started)
        costs[name] = best / count * 1e6
    return costs


def prepare(http: urllib3.PoolManager, url: str) -> None:
    for path, body in SETUP:
        http.request("PUT", url + path, body=json.dumps(body), headers={"Content-Type": "application/json"})


def sequential(http: urllib3.PoolManager, url: str, count: int) -> float:
    started = time.perf_counter()
    for i in range(count):
        path = "/_rollup/job/bench/_start" if i % 2 == 0 else "/_rollup/job/bench/_stop?wait_for_completion=true"
        assert http.request("POST", url + path).status == 200
    return count / (time.perf_counter() - started)


async def concurrent(url: str, count: int, concurrency: int) -> float:
    async with aiohttp.ClientSession() as session:
        gate = asyncio.Semaphore(concurrency)

        async def one(i: int) -> None:
            async with gate, session.post(f"{url}/_rollup/job/missing-{i}/_stop") as response:
                assert response.status == 404

        started = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(count)))
        return count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--in-process", type=int, default=20000, help="stop requests per in-process round")
    args = parser.parse_args()
    with MockServer() as server:
        http = urllib3.PoolManager()
        prepare(http, server.url)
        print(f"sequential start/stop(wait_for_completion): {sequential(http, server.url, args.requests):8.0f} req/s")
        rate = asyncio.run(concurrent(server.url, args.requests, args.concurrency))
        print(f"concurrent 404 stops (x{args.concurrency}):            {rate:8.0f} req/s")
    for name, cost in asyncio.run(in_process(args.in_process)).items():
        print(f"in process, {name}: {cost:8.1f} us of CPU per request")


if __name__ == "__main__":
    main()
