"""Prints how many requests per second the mock serves on the rollup stop path, sequentially and concurrently.

Usage: python benchmarks/mock_throughput.py [--requests 2000] [--concurrency 16]
All traffic stays on 127.0.0.1 and the loops are bounded by --requests.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time

import aiohttp
import urllib3

from mockserver.server import MockServer

JOB = {"index_pattern": "bench", "rollup_index": "bench-rollup", "cron": "*/30 * * * * ?", "page_size": 100,
       "groups": {"date_histogram": {"field": "t", "fixed_interval": "1h"}}}


def prepare(http: urllib3.PoolManager, url: str) -> None:
    http.request("PUT", f"{url}/bench", body=json.dumps({"mappings": {"properties": {"t": {"type": "date"}}}}),
                 headers={"Content-Type": "application/json"})
    http.request("PUT", f"{url}/bench-rollup", body=json.dumps({"mappings": {"_meta": {"_rollup": {}}}}),
                 headers={"Content-Type": "application/json"})
    http.request("PUT", f"{url}/_rollup/job/bench", body=json.dumps(JOB), headers={"Content-Type": "application/json"})


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
    args = parser.parse_args()
    with MockServer() as server:
        http = urllib3.PoolManager()
        prepare(http, server.url)
        print(f"sequential start/stop(wait_for_completion): {sequential(http, server.url, args.requests):8.0f} req/s")
        rate = asyncio.run(concurrent(server.url, args.requests, args.concurrency))
        print(f"concurrent 404 stops (x{args.concurrency}):            {rate:8.0f} req/s")


if __name__ == "__main__":
    main()
