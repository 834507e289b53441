"""Bounded memory: a steady workload leaves the mock holding no more than it held after the warm-up. What the mock
holds is counted object by object: everything reachable from the server (its cluster, its event loop, its open
connections) and from the mock's own modules (module-level caches, class attributes, default arguments). The long
version, with the mock's resident memory, is `benchmarks/soak.py`."""

from __future__ import annotations

import asyncio
import gc
import sys
import types

import aiohttp
import pytest

from mockserver.server import MockServer
from tests.robustness.polling import until
from tests.robustness.workload import run_cycle, setup

WARM_UP, CYCLES = 50, 150  # cycles of about 20 requests
ALLOWED_GROWTH = 10  # objects: the count is steady to the object, so a leak of one object in 15 cycles fails
MOCK_PACKAGE = "mockserver"


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


def _mock_modules() -> list[types.ModuleType]:
    return [module for name, module in list(sys.modules.items())
            if module is not None and (name == MOCK_PACKAGE or name.startswith(MOCK_PACKAGE + "."))]


def _is_the_mocks(obj: object) -> bool:
    return getattr(obj, "__module__", "").partition(".")[0] == MOCK_PACKAGE


def _held_by_the_mock(server: MockServer) -> int:
    """How many objects the server and the mock's modules hold. The walk goes through everything they reach but
    stops at modules, code, and at classes and functions that are not the mock's own (the rest of the process)."""
    gc.collect()
    module_globals = {id(vars(module)) for module in list(sys.modules.values()) if module is not None}
    roots = [server, *(value for module in _mock_modules() for value in vars(module).values()
                       if not isinstance(value, types.ModuleType))]
    seen = {id(root) for root in roots}
    stack = list(roots)
    while stack:
        for referent in gc.get_referents(stack.pop()):
            if id(referent) in seen or id(referent) in module_globals:
                continue
            if isinstance(referent, (types.ModuleType, types.CodeType, types.FrameType, types.BuiltinFunctionType)):
                continue
            if isinstance(referent, (type, types.FunctionType)) and not _is_the_mocks(referent):
                continue
            seen.add(id(referent))
            stack.append(referent)
    return len(seen)


def _settled(server: MockServer) -> int:
    """What the mock holds once the clients' connections are closed on its side too."""
    until(lambda: server.open_connections() == 0)
    return _held_by_the_mock(server)


@pytest.mark.slow
def test_a_steady_workload_holds_no_more_memory_than_after_its_warm_up(start_mock):
    mock = start_mock()
    assert asyncio.run(_cycles(mock.url, 0, WARM_UP)) == []
    before = _settled(mock)
    assert asyncio.run(_cycles(mock.url, WARM_UP, CYCLES)) == []
    growth = _settled(mock) - before
    assert growth < ALLOWED_GROWTH, f"the mock holds {growth} more objects after {CYCLES} cycles"
    tasks = mock.cluster.state("tasks")
    assert tasks.running() == [] or all(task.action.startswith("cluster:monitor") for task in tasks.running())


def test_the_count_sees_what_the_mocks_modules_and_cluster_hold(start_mock, monkeypatch):
    mock = start_mock()
    before = _settled(mock)
    monkeypatch.setattr("mockserver.app.HELD", [object() for _ in range(40)], raising=False)
    monkeypatch.setattr(mock.cluster, "held", [object() for _ in range(30)], raising=False)
    assert _settled(mock) - before >= 40 + 30
