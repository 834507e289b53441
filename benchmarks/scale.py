"""Prints how the mock's cost grows with the number of jobs: each operation at 10k and at 100k rollup jobs, DFA
jobs and tasks, side by side, and the memory each job takes.

Requests go through the mock's whole request path (routing, parameters, hooks, model, errors, the answer's
encoding) in process, without sockets, and are timed in CPU time of this process. Both sizes are built first, in
one process, and then timed round by round in turn (the order alternating), so that a change in the machine's
speed between minutes, which on a shared VM reaches a third, meets both sizes alike. Per-job operations should
cost the same at both sizes (ratio about 1); operations on `_all` should grow linearly (ratio <= 11 for 10x the
jobs). Each figure is the fastest of its rounds; each ratio is the median of the rounds' own ratios, and the
`_all` rows give the page faults of their fastest runs (memory the kernel had to map afresh, timed as system
CPU). Memory <= 2 KB a job (tracemalloc, in a separate pass).

Usage: python benchmarks/scale.py [--sizes 10000 100000] [--samples 500] [--only tasks]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import resource
import statistics
import time
import tracemalloc
from dataclasses import dataclass
from typing import Any, Callable, NamedTuple

from aiohttp.payload import Payload
from multidict import CIMultiDict, CIMultiDictProxy

from mockserver.cluster import Cluster
from mockserver.app import Renderer, serve
from mockserver.routing import Request, Router
from mockserver.settings import MockSettings

ROLLUP_JOB = {"index_pattern": "source", "rollup_index": "rollup", "cron": "*/30 * * * * ?", "page_size": 100,
              "groups": {"date_histogram": {"field": "t", "fixed_interval": "1h"}}}
DFA_JOB = {"source": {"index": "dfa-source"}, "dest": {"index": "dfa-dest"}, "analysis": {"outlier_detection": {}}}
HEADERS = CIMultiDictProxy(CIMultiDict({"Content-Type": "application/json"}))
# An update by query throttled to a document every ~11 days: a cancellable task that runs through any benchmark.
SLOW_UPDATE = "/tasks-source/_update_by_query?wait_for_completion=false&requests_per_second=0.000001"
ROUNDS = 5
WIND_DOWN_SECONDS = 60  # far more than a cancelled task's lag before it stops


class Mock:
    """One emulated cluster, called without sockets."""

    def __init__(self) -> None:
        self.cluster = Cluster(MockSettings())
        self.router = Router(self.cluster.routes())
        self.renderer = Renderer(self.cluster)

    async def __call__(self, method: str, path: str, body: Any = None, status: int = 200) -> None:
        """Make and send the answer, as the server would, to a socket that takes anything at once."""
        path, _, query = path.partition("?")
        params = dict(pair.split("=", 1) for pair in query.split("&")) if query else {}
        raw = json.dumps(body).encode() if body is not None else b""
        request = Request(method, path, path, params, raw, HEADERS)
        reply, warnings, compatible = await serve(self.cluster, self.router, request)
        response = self.renderer.render(request, reply, warnings, compatible)
        if response.status != status:
            raise AssertionError(f"{method} {path}: {response.status} {response.body!r}")
        if isinstance(response.body, Payload):
            await response.body.write(DISCARD)


class Discard:
    """A socket that takes every chunk at once."""

    async def write(self, chunk: bytes) -> None:
        pass


DISCARD = Discard()


CREATIONS: dict[str, Callable[[Mock, int], Any]] = {
    "rollup PUT job": lambda mock, i: mock("PUT", f"/_rollup/job/r{i}", ROLLUP_JOB),
    "DFA PUT job": lambda mock, i: mock("PUT", f"/_ml/data_frame/analytics/d{i}", DFA_JOB),
    "tasks start (cancellable)": lambda mock, i: mock("POST", SLOW_UPDATE),
}
PER_JOB: dict[str, Callable[[Mock, int], Any]] = {
    "rollup GET job": lambda mock, i: mock("GET", f"/_rollup/job/r{i}"),
    "rollup stop (stopped job)": lambda mock, i: mock("POST", f"/_rollup/job/r{i}/_stop"),
    "DFA GET job stats": lambda mock, i: mock("GET", f"/_ml/data_frame/analytics/d{i}/_stats"),
    "DFA stop (stopped job)": lambda mock, i: mock("POST", f"/_ml/data_frame/analytics/d{i}/_stop"),
    "tasks GET missing task": lambda mock, i: mock("GET", f"/_tasks/nonode:{i}", status=404),
}
ALL: dict[str, Callable[[Mock], Any]] = {
    "rollup GET _all": lambda mock: mock("GET", "/_rollup/job/_all"),
    "DFA GET _all (first page)": lambda mock: mock("GET", "/_ml/data_frame/analytics/_all"),
    "DFA stop _all": lambda mock: mock("POST", "/_ml/data_frame/analytics/_all/_stop"),
    "tasks list": lambda mock: mock("GET", "/_tasks?group_by=none"),
}
# Timed after the others, as they change what they act on: before each round after the first, what the last round
# acted on winds down (the mock's clock moves past the cancelled tasks' lag, so that they end and leave the
# registry), and as many jobs as the size are made anew by the creation named, untimed. Each round then acts on
# that many jobs.
RENEWED: dict[str, tuple[Callable[[Mock], Any], str]] = {
    "tasks cancel all": (lambda mock: mock("POST", "/_tasks/_cancel"), "tasks start (cancellable)"),
}


class Run(NamedTuple):
    seconds: float  # CPU time, user and system
    faults: int  # page faults the kernel served meanwhile (fresh memory)


@dataclass
class Timed:
    """One operation timed at both sizes, round by round: the runs of each size and the rounds' ratios."""

    runs: dict[int, list[Run]]
    ratios: list[float]

    def best(self, size: int) -> Run:
        return min(self.runs[size])

    @property
    def ratio(self) -> float:
        return statistics.median(self.ratios)


async def prepare(mock: Mock) -> None:
    await mock("PUT", "/source", {"mappings": {"properties": {"t": {"type": "date"}}}})
    await mock("PUT", "/rollup", {"mappings": {"_meta": {"_rollup": {}}}})
    await mock("PUT", "/dfa-source", {"mappings": {"properties": {"x": {"type": "double"}}}})
    await mock("PUT", "/tasks-source/_doc/1?refresh=true", {"x": 1}, status=201)


def picked(table: dict[str, Any], only: tuple[str, ...]) -> dict[str, Any]:
    """The operations of a table whose names start with one of `only` (all of them when `only` is empty)."""
    return {name: value for name, value in table.items() if not only or name.startswith(only)}


async def measure(sizes: tuple[int, int], samples: int, only: tuple[str, ...] = ()) -> dict[str, Timed]:
    """Create as many jobs of each kind as each size says, in one mock per size (the last `samples` of them timed,
    in batches, on both mocks in turn), then time the other operations on both mocks in turn."""
    mocks = {size: Mock() for size in sizes}
    found: dict[str, Timed] = {}
    for mock in mocks.values():
        await prepare(mock)
    batch = samples // ROUNDS
    for name, create in picked(CREATIONS, only).items():
        made = {size: size - batch * ROUNDS for size in sizes}
        for size, mock in mocks.items():
            await creations(create, mock, range(made[size]))

        async def create_batch(mock: Mock, size: int) -> None:
            made[size] += batch
            await creations(create, mock, range(made[size] - batch, made[size]))

        found[name] = await in_turn(mocks, ROUNDS, create_batch, batch)
    for name, operation in picked(PER_JOB, only).items():
        found[name] = await in_turn(mocks, ROUNDS, lambda mock, size: spread(operation, mock, size, samples), samples)
    for name, operation in picked(ALL, only).items():
        found[name] = await in_turn(mocks, ROUNDS, lambda mock, size: operation(mock))
    for name, (operation, creation) in picked(RENEWED, only).items():
        async def renew(mock: Mock, size: int) -> None:
            await mock.cluster.clock.pass_time(WIND_DOWN_SECONDS)
            await creations(CREATIONS[creation], mock, range(size))

        found[name] = await in_turn(mocks, ROUNDS, lambda mock, size: operation(mock), renew=renew)
    return found


async def creations(create: Callable[[Mock, int], Any], mock: Mock, numbers: range) -> None:
    for i in numbers:
        await create(mock, i)


async def spread(operation: Callable[[Mock, int], Any], mock: Mock, size: int, samples: int) -> None:
    """The operation on `samples` jobs spread over all of them."""
    for i in range(0, size, size // samples):
        await operation(mock, i)


async def in_turn(mocks: dict[int, Mock], rounds: int, run: Callable[[Mock, int], Any], per: int = 1,
                  renew: Callable[[Mock, int], Any] | None = None) -> Timed:
    """`rounds` rounds of the operation on each mock in turn, the order alternating; `renew`, untimed, before each
    run after the first. Times are per operation when a run is `per` of them."""
    runs: dict[int, list[Run]] = {size: [] for size in mocks}
    ratios = []
    for round_ in range(rounds):
        for size in (list(mocks) if round_ % 2 == 0 else list(mocks)[::-1]):
            if renew is not None and round_:
                await renew(mocks[size], size)
            runs[size].append(await timed(lambda: run(mocks[size], size), per))
        small, large = list(mocks)
        ratios.append(runs[large][-1].seconds / runs[small][-1].seconds)
    return Timed(runs, ratios)


async def timed(run: Callable[[], Any], per: int = 1) -> Run:
    """One run, in CPU time (per operation when it is `per` of them), after a collection by the garbage collector
    (its collections are not the mock's cost)."""
    gc.collect()
    faults, started = resource.getrusage(resource.RUSAGE_SELF).ru_minflt, time.process_time()
    await run()
    return Run((time.process_time() - started) / per, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults)


async def bytes_per_job(size: int, only: tuple[str, ...] = ()) -> dict[str, float]:
    """The memory `size` jobs of each kind take, per job, once listed (what a listing keeps counts; the response
    bodies are let go)."""
    mock = Mock()
    await prepare(mock)
    found = {}
    for name, create in picked(CREATIONS, only).items():
        gc.collect()
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        await creations(create, mock, range(size))
        for listing in picked(ALL, only).values():
            await listing(mock)
        gc.collect()
        found[name] = (tracemalloc.get_traced_memory()[0] - before) / size
        tracemalloc.stop()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs=2, default=[10_000, 100_000], metavar=("SMALL", "LARGE"))
    parser.add_argument("--samples", type=int, default=500)
    parser.add_argument("--only", nargs="+", default=[], metavar="PREFIX",
                        help="only the operations whose names start with one of these (e.g. tasks, rollup, DFA)")
    args = parser.parse_args()
    small, large, only = *args.sizes, tuple(args.only)
    found = asyncio.run(measure((small, large), args.samples, only))

    goal = f"ratio (goal: per job ~1, _all <= {1.1 * large / small:.0f})"
    print(f"{'operation':28} {f'{small:,} jobs':>12} {f'{large:,} jobs':>12}   {goal:39}page faults")
    for name in picked({**CREATIONS, **PER_JOB}, only):
        a, b = found[name].best(small).seconds * 1e6, found[name].best(large).seconds * 1e6
        print(f"{name:28} {a:9.1f} us {b:9.1f} us   x{found[name].ratio:.2f}")
    for name in picked({**ALL, **RENEWED}, only):
        a, b = found[name].best(small), found[name].best(large)
        ratio_text = f"x{found[name].ratio:.2f}"
        print(f"{name:28} {a.seconds * 1e3:9.1f} ms {b.seconds * 1e3:9.1f} ms   {ratio_text:39}"
              f"{a.faults:,} / {b.faults:,}")
    print(f"\nmemory per job at {large:,} jobs (goal <= 2048 bytes):")
    for name, size in asyncio.run(bytes_per_job(large, only)).items():
        print(f"{name:28} {size:9.0f} bytes")


if __name__ == "__main__":
    main()
