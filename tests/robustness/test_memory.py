"""Bounded memory: a steady workload leaves the mock holding no more than it held after the warm-up. The long
version, with the mock's resident memory, is `benchmarks/soak.py`."""

from __future__ import annotations

import asyncio
import gc

import aiohttp

from tests.robustness.workload import run_cycle, setup

WARM_UP, CYCLES = 50, 300  # cycles of about 20 requests
ALLOWED_GROWTH = 500  # objects: the whole process is counted (the test client too), which swings by a few hundred


async def _cycles(url: str, first: int, count: int, concurrency: int = 8) -> list[str]:
    problems: list[str] = []
    async with aiohttp.ClientSession() as session:
        if first == 0:
            await setup(session, url)

        async def worker(offset: int) -> None:
            for n in range(first + offset, first + count, concurrency):
                problems.extend(await run_cycle(session, url, n))

        await asyncio.gather(*(worker(offset) for offset in range(concurrency)))
    return problems


def _live_objects() -> int:
    gc.collect()
    return len(gc.get_objects())


def test_a_steady_workload_holds_no_more_memory_than_after_its_warm_up(start_mock):
    mock = start_mock()
    assert asyncio.run(_cycles(mock.url, 0, WARM_UP)) == []
    before = _live_objects()
    assert asyncio.run(_cycles(mock.url, WARM_UP, CYCLES)) == []
    growth = _live_objects() - before
    assert growth < ALLOWED_GROWTH, f"{growth} more objects live after {CYCLES} cycles"
    tasks = mock.cluster.state("tasks")
    assert tasks.running() == [] or all(task.action.startswith("cluster:monitor") for task in tasks.running())
