"""Concurrent clients against one mock: whatever the interleaving, the invariants hold afterwards.

Clients interleave put / start / stop / stop-with-wait / delete on rollup jobs and data frame analytics jobs,
start and cancel reindex tasks and wait on them, and race optimistic-concurrency updates of OpenSearch rollup
jobs. Each client owns its job ids, so it knows which of its jobs exist; shared jobs are raced on purpose. The
assertions are invariants, never an interleaving: no lost or duplicated job, every state valid, every stop
converged, task trees consistent, exactly one winner of each OCC race, no request hung past its timeout. The mock
runs on wall time (`clock="system"`), TIME_SCALE times as fast: a client holding a wait must not hold everyone's
time, and the waits (2 s stops, throttled reindexing, job phases) are the mock's seconds, not the test's.
"""

from __future__ import annotations

import asyncio
import json
import random
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest

from mockserver.app import BUG_TYPE

CLIENTS = 6
TIME_SCALE = 30
OPERATIONS = 30  # per client
REQUEST_TIMEOUT = 30  # seconds of the wall: the longest wait a request asks for is 25 s of the mock's
ROLLUP_STATES = {"started", "indexing", "stopping", "stopped", "aborting"}
DFA_STATES = {"starting", "started", "stopping", "stopped", "failed"}
ROLLUP = {"index_pattern": "sensor", "rollup_index": "sensor_rollup", "cron": "*/1 * * * * ?", "page_size": 2,
          "groups": {"date_histogram": {"field": "timestamp", "fixed_interval": "1h"}},
          "metrics": [{"field": "temperature", "metrics": ["max"]}]}
DFA = {"source": {"index": "sensor"}, "dest": {"index": "dfa-dest"}, "analysis": {"outlier_detection": {}}}
OS_ROLLUP = {"rollup": {
    "source_index": "books", "target_index": "books_rollup", "description": "d", "page_size": 10,
    "schedule": {"interval": {"period": 1, "unit": "Minutes", "start_time": 0}},
    "dimensions": [{"date_histogram": {"source_field": "order_date", "calendar_interval": "1d"}}],
    "metrics": [{"source_field": "pages", "metrics": [{"sum": {}}]}],
}}


@dataclass
class Client:
    """An HTTP client that keeps every answer, and fails on a hung request or an answer no real cluster gives."""

    session: aiohttp.ClientSession
    url: str
    answers: list[tuple[str, int, Any]] = field(default_factory=list)

    async def __call__(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        data = json.dumps(body) if body is not None else None
        async with self.session.request(method, self.url + path, data=data,
                                        headers={"Content-Type": "application/json"} if data else {}) as response:
            text = await response.text()
        answer = json.loads(text) if text else None
        self.answers.append((f"{method} {path}", response.status, answer))
        return response.status, answer


def _unreal(answers: list[tuple[str, int, Any]]) -> list[tuple[str, int, Any]]:
    """Answers no real cluster gives: a 5xx without the envelope of a real error, an error without a type."""
    def real(status: int, body: Any) -> bool:
        if status < 400:
            return True
        error = body.get("error") if isinstance(body, dict) else None
        if status >= 500:  # a real error, or the rollup delete of a job that is not stopped (`task_failures`)
            return (isinstance(error, dict) and error.get("type") not in (None, BUG_TYPE)
                    or isinstance(body, dict) and "task_failures" in body)
        return isinstance(error, (dict, str)) or status == 404
    return [a for a in answers if not real(a[1], a[2])]


async def _with_clients(url: str, work) -> list[tuple[str, int, Any]]:
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        client = Client(session, url)
        await work(session, client)
        return client.answers


# Elasticsearch: rollup jobs, data frame analytics jobs, tasks --------------------------------------------------
async def _churn(client: Client, rng: random.Random, owned: dict[str, bool], kind: str) -> None:
    """Random lifecycle operations on this client's own jobs; `owned` records which of them exist."""
    base = "/_rollup/job" if kind == "rollup" else "/_ml/data_frame/analytics"
    config = ROLLUP if kind == "rollup" else {**DFA, "dest": {"index": "dest"}}
    for _ in range(OPERATIONS):
        job = rng.choice(sorted(owned))
        operation = rng.choice(["put", "start", "stop", "stop_wait", "delete", "get"])
        if operation == "put":
            body = {**config, "dest": {"index": f"{job}-dest"}} if kind == "dfa" else config
            status, _ = await client("PUT", f"{base}/{job}", body)
            owned[job] = owned[job] or status == 200
        elif operation == "start":
            await client("POST", f"{base}/{job}/_start")
        elif operation == "stop":
            await client("POST", f"{base}/{job}/_stop")
        elif operation == "stop_wait":
            await client("POST", f"{base}/{job}/_stop?wait_for_completion=true&timeout=2s" if kind == "rollup"
                         else f"{base}/{job}/_stop?timeout=2s")
        elif operation == "delete":
            status, _ = await client("DELETE", f"{base}/{job}")
            owned[job] = owned[job] and status != 200
        else:
            await client("GET", f"{base}/{job}")


async def _tasks(client: Client, rng: random.Random, started: list[str]) -> None:
    """Start slow reindex tasks, wait on some for a while and cancel others."""
    for number in range(OPERATIONS // 3):
        status, body = await client("POST", "/_reindex?wait_for_completion=false&requests_per_second=1&slices=2",
                                    {"source": {"index": "sensor", "size": 1}, "dest": {"index": f"copy-{number}"}})
        assert status == 200, body
        started.append(body["task"])
        task = rng.choice(started)
        if rng.random() < 0.5:
            await client("POST", f"/_tasks/{task}/_cancel")
        else:
            await client("GET", f"/_tasks/{task}?wait_for_completion=true&timeout=1s")
        await client("GET", "/_tasks?detailed=true")


async def _es_round(session: aiohttp.ClientSession, client: Client) -> None:
    await client("PUT", "/sensor", {"mappings": {"properties": {"timestamp": {"type": "date"},
                                                                "temperature": {"type": "long"}}}})
    await client("PUT", "/legacy_rollup", {"mappings": {"_meta": {"_rollup": {}}}})  # new rollup jobs need usage
    for i in range(6):
        await client("PUT", f"/sensor/_doc/{i}?refresh=true", {"timestamp": f"2024-01-01T0{i}:00:00Z", "temperature": i})
    rollups = [{f"r{c}-{j}": False for j in range(3)} for c in range(CLIENTS)]
    dfas = [{f"d{c}-{j}": False for j in range(3)} for c in range(CLIENTS)]
    tasks: list[str] = []
    await asyncio.gather(*(_churn(client, random.Random(c), rollups[c], "rollup") for c in range(CLIENTS)),
                         *(_churn(client, random.Random(100 + c), dfas[c], "dfa") for c in range(CLIENTS)),
                         *(_tasks(client, random.Random(200 + c), tasks) for c in range(2)))
    await _check_jobs(client, "/_rollup/job", {job for owned in rollups for job, exists in owned.items() if exists})
    await _check_jobs(client, "/_ml/data_frame/analytics", {job for owned in dfas for job, exists in owned.items()
                                                           if exists})
    await _check_tasks(client, tasks)


async def _check_jobs(client: Client, base: str, expected: set[str]) -> None:
    rollup = base == "/_rollup/job"
    status, body = await client("GET", f"{base}/_all" if rollup else f"{base}/_all/_stats")
    assert status == 200
    listed = [job["config"]["id"] for job in body["jobs"]] if rollup else [job["id"] for job in body["data_frame_analytics"]]
    assert sorted(listed) == sorted(set(listed)), "a job is listed twice"
    assert set(listed) == expected, "a job was lost or resurrected"
    states = {job["config"]["id"]: job["status"]["job_state"] for job in body["jobs"]} if rollup else \
        {job["id"]: job["state"] for job in body["data_frame_analytics"]}
    assert set(states.values()) <= (ROLLUP_STATES if rollup else DFA_STATES)
    for job in sorted(expected):  # every stop converges
        stop = f"{base}/{job}/_stop?wait_for_completion=true&timeout=20s" if rollup else f"{base}/{job}/_stop?timeout=20s"
        status, answer = await client("POST", stop)
        assert status == 200 and answer["stopped"] is True, answer
    status, body = await client("GET", f"{base}/_all" if rollup else f"{base}/_all/_stats")
    final = {job["status"]["job_state"] for job in body["jobs"]} if rollup else \
        {job["state"] for job in body["data_frame_analytics"]}
    assert final <= {"stopped"}


async def _check_tasks(client: Client, started: list[str]) -> None:
    status, body = await client("GET", "/_tasks?detailed=true")
    assert status == 200
    listed = {task_id: task for node in body["nodes"].values() for task_id, task in node["tasks"].items()}
    for task_id, task in listed.items():
        assert task_id == f"{task['node']}:{task['id']}"
        parent = task.get("parent_task_id")
        assert parent is None or parent in listed, f"{task_id} has a parent {parent} that is not listed"
    for task_id in started:  # every task ends, and ends once
        status, answer = await client("GET", f"/_tasks/{task_id}?wait_for_completion=true&timeout=25s")
        assert status == 200 and answer["completed"] is True, answer


@pytest.mark.slow
def test_concurrent_lifecycles_keep_every_invariant(start_mock):
    mock = start_mock(clock="system", time_scale=TIME_SCALE)
    for fixture, args in (("ml_phase_seconds", {"seconds": 0.2}),):
        mock.cluster.fixture(fixture)(args)
    answers = asyncio.run(_with_clients(mock.url, _es_round))
    assert _unreal(answers) == []
    assert len(answers) > CLIENTS * OPERATIONS


# OpenSearch: optimistic concurrency on rollup job updates, racing stops -----------------------------------------
async def _occ_round(session: aiohttp.ClientSession, client: Client) -> None:
    await client("PUT", "/books", {"mappings": {"properties": {"order_date": {"type": "date"},
                                                               "pages": {"type": "long"}}}})
    jobs = [f"occ-{i}" for i in range(8)]
    # disabled: a scheduled run writes its job (a new sequence number) and would beat both racing writers
    disabled = {"rollup": {**OS_ROLLUP["rollup"], "enabled": False}}
    for job in jobs:
        status, created = await client("PUT", f"/_plugins/_rollup/jobs/{job}", disabled)
        assert status == 201, created

    async def race(job: str) -> None:
        status, current = await client("GET", f"/_plugins/_rollup/jobs/{job}")
        versions = f"if_seq_no={current['_seq_no']}&if_primary_term={current['_primary_term']}"
        writers = [{"rollup": {**disabled["rollup"], "description": f"writer {w}"}} for w in range(2)]
        results = await asyncio.gather(*(client("PUT", f"/_plugins/_rollup/jobs/{job}?{versions}", body)
                                         for body in writers))
        statuses = sorted(status for status, _ in results)
        assert statuses == [200, 409], results
        winner = next(body for status, body in results if status == 200)
        status, stored = await client("GET", f"/_plugins/_rollup/jobs/{job}")
        assert stored["rollup"]["description"] == winner["rollup"]["description"]

    await asyncio.gather(*(race(job) for job in jobs))
    await client("POST", f"/_plugins/_rollup/jobs/{jobs[0]}/_start")
    stops = await asyncio.gather(*(client("POST", f"/_plugins/_rollup/jobs/{jobs[0]}/_stop") for _ in range(4)))
    assert all(status == 200 for status, _ in stops), stops


@pytest.mark.parametrize("rounds", [3])
def test_exactly_one_of_two_racing_writers_wins(start_mock, rounds):
    mock = start_mock(flavour="opensearch", clock="system", time_scale=TIME_SCALE)
    for _ in range(rounds):
        answers = asyncio.run(_with_clients(mock.url, _occ_round))
        assert _unreal(answers) == []
        mock.cluster.state("indices").delete("books")
        asyncio.run(_with_clients(mock.url, _delete_jobs))


async def _delete_jobs(session: aiohttp.ClientSession, client: Client) -> None:
    for i in range(8):
        await client("POST", f"/_plugins/_rollup/jobs/occ-{i}/_stop")
        await client("DELETE", f"/_plugins/_rollup/jobs/occ-{i}")
