"""A long run against a mock in its own process: a few hundred thousand requests of a steady workload (jobs
created, run, stopped and removed; tasks listed; failing requests), printing the mock's resident memory after
the warm-up and at the end. Whatever grows is state the mock should not keep.

Usage: python benchmarks/soak.py [--requests 300000] [--concurrency 8] [--warm-up 0.1] [--tolerance 0.10]
Exit status 1 if the resident memory grew by more than the tolerance after the warm-up, or any request got an
answer the workload does not expect. All traffic stays on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.robustness.workload import REQUESTS_PER_CYCLE, run_cycle, setup  # noqa: E402


def start_mock() -> tuple[subprocess.Popen[str], str]:
    """`stopcheck mock` on an ephemeral port; its process and URL."""
    process = subprocess.Popen([sys.executable, "-m", "mockserver", "--port", "0"], cwd=ROOT, text=True,
                               stdout=subprocess.PIPE)
    assert process.stdout is not None
    announced = process.stdout.readline()  # "stopcheck mock: elasticsearch 8.17.0 on http://127.0.0.1:PORT"
    return process, announced.rsplit(" ", 1)[-1].strip()


def megabytes(process: psutil.Process) -> float:
    return process.memory_info().rss / 2**20


async def soak(url: str, mock: psutil.Process, cycles: int, concurrency: int, warm_up: int) -> tuple[float, list[str]]:
    """Run the cycles; the RSS when `warm_up` cycles are done, and every unexpected answer."""
    problems: list[str] = []
    numbers = iter(range(cycles))
    after_warm_up = asyncio.get_running_loop().create_future()
    done = itertools.count(1)

    async def worker(session: aiohttp.ClientSession) -> None:
        for n in numbers:
            problems.extend(await run_cycle(session, url, n))
            if next(done) == warm_up:
                after_warm_up.set_result(megabytes(mock))

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
        await setup(session, url)
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
    return after_warm_up.result(), problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300_000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--warm-up", type=float, default=0.1, help="share of the run before the first measure")
    parser.add_argument("--tolerance", type=float, default=0.10, help="allowed RSS growth after the warm-up")
    args = parser.parse_args()
    cycles = max(args.requests // REQUESTS_PER_CYCLE, 10)
    process, url = start_mock()
    try:
        mock = psutil.Process(process.pid)
        started_at, started = megabytes(mock), time.monotonic()
        warm, problems = asyncio.run(soak(url, mock, cycles, args.concurrency, max(int(cycles * args.warm_up), 1)))
        end, elapsed = megabytes(mock), time.monotonic() - started
    finally:
        process.terminate()
        process.wait(timeout=10)
    growth = end / warm - 1
    print(f"{cycles * REQUESTS_PER_CYCLE} requests in {elapsed:.0f}s ({cycles * REQUESTS_PER_CYCLE / elapsed:.0f}/s), "
          f"concurrency {args.concurrency}")
    print(f"mock RSS: {started_at:.1f} MiB at start, {warm:.1f} MiB after warm-up, {end:.1f} MiB at the end "
          f"({growth:+.1%})")
    for problem in problems[:20]:
        print(f"  unexpected: {problem}")
    if problems:
        print(f"{len(problems)} unexpected answers")
    return 1 if problems or growth > args.tolerance else 0


if __name__ == "__main__":
    sys.exit(main())
