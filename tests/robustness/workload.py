"""A steady workload for long runs: every cycle creates, runs, stops and removes its own jobs and indices, and
sends some requests that fail, so that whatever the mock keeps afterwards is state it should not keep."""

from __future__ import annotations

import json
from typing import Any

import aiohttp

SETUP = (
    ("PUT", "/sensor", {"mappings": {"properties": {"timestamp": {"type": "date"}, "temperature": {"type": "long"}}}}),
    ("PUT", "/legacy_rollup", {"mappings": {"_meta": {"_rollup": {}}}}),  # new rollup jobs need rollup usage
    *(("PUT", f"/sensor/_doc/{i}?refresh=true", {"timestamp": f"2024-01-01T0{i}:00:00Z", "temperature": i})
      for i in range(4)),
    ("POST", "/_stopcheck/fixtures/ml_phase_seconds", {"seconds": 0.1}),
)
ROLLUP = {"index_pattern": "sensor", "cron": "*/30 * * * * ?", "page_size": 2,
          "groups": {"date_histogram": {"field": "timestamp", "fixed_interval": "1h"}},
          "metrics": [{"field": "temperature", "metrics": ["max"]}]}


def cycle(n: int) -> list[tuple[str, str, Any, set[int]]]:
    """The requests of cycle `n`, in order, with the statuses each may get."""
    rollup, dfa, copy = f"/_rollup/job/soak-{n}", f"/_ml/data_frame/analytics/soak-{n}", f"/soak-copy-{n}"
    return [
        ("PUT", rollup, {**ROLLUP, "rollup_index": f"soak-rollup-{n}"}, {200}),
        ("POST", f"{rollup}/_start", None, {200}),
        ("GET", rollup, None, {200}),
        ("POST", f"{rollup}/_stop?wait_for_completion=true&timeout=10s", None, {200}),
        ("DELETE", rollup, None, {200}),
        ("DELETE", f"/soak-rollup-{n}", None, {200}),  # the rollup index keeps its jobs' configs, as on a cluster
        ("PUT", dfa, {"source": {"index": "sensor"}, "dest": {"index": f"soak-dest-{n}"},
                      "analysis": {"outlier_detection": {}}}, {200}),
        ("POST", f"{dfa}/_start", None, {200}),
        ("GET", f"{dfa}/_stats", None, {200}),
        ("POST", f"{dfa}/_stop?timeout=10s", None, {200}),
        ("DELETE", dfa, None, {200}),
        ("DELETE", f"/soak-dest-{n}", None, {200, 404}),
        ("GET", "/_tasks?detailed=true", None, {200}),
        ("POST", "/_reindex?wait_for_completion=true", {"source": {"index": "sensor"}, "dest": {"index": copy[1:]}},
         {200}),
        ("DELETE", copy, None, {200}),
        ("GET", f"{rollup}-missing", None, {200}),  # a rollup GET of an unknown id lists no job
        ("GET", f"{rollup}/_stop", None, {405}),
        ("POST", f"{rollup}/_stop?wait_for_completion=maybe", None, {400}),
        ("GET", f"/_no_such_api/{n}", None, {400}),
    ]


async def send(session: aiohttp.ClientSession, url: str, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    data = json.dumps(body) if body is not None else None
    async with session.request(method, url + path, data=data,
                               headers={"Content-Type": "application/json"} if data else {}) as response:
        text = await response.text()
    return response.status, json.loads(text) if text else None


async def setup(session: aiohttp.ClientSession, url: str) -> None:
    for method, path, body in SETUP:
        status, answer = await send(session, url, method, path, body)
        assert status in (200, 201), (path, answer)


async def run_cycle(session: aiohttp.ClientSession, url: str, n: int) -> list[str]:
    """One cycle; what went other than expected."""
    problems = []
    for method, path, body, expected in cycle(n):
        status, answer = await send(session, url, method, path, body)
        if status not in expected:
            problems.append(f"{method} {path}: {status} {json.dumps(answer)[:300]}")
    return problems


REQUESTS_PER_CYCLE = len(cycle(0))
