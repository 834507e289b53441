"""Injectable clocks: the models read time only through these."""

from __future__ import annotations

import asyncio
import time
from typing import Callable, Protocol


class Clock(Protocol):
    """The time source of a mock cluster."""

    def now(self) -> float:
        """Seconds since the epoch."""

    async def sleep(self, seconds: float) -> None:
        """Let `seconds` pass."""


class SystemClock:
    """Wall-clock time; used when the mock serves real clients."""

    def now(self) -> float:
        return time.time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(seconds, 0))


class ManualClock:
    """A clock that moves only when told to, or when something sleeps on it."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self._now = start

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += seconds

    async def sleep(self, seconds: float) -> None:
        self._now += max(seconds, 0)
        await asyncio.sleep(0)


async def wait_until(clock: Clock, done: Callable[[], bool], timeout: float) -> bool:
    """Poll `done` with exponential back-off (1 ms doubling, capped at 100 ms) until true or `timeout` elapses."""
    deadline = clock.now() + timeout
    delay = 0.001
    while not done():
        remaining = deadline - clock.now()
        if remaining <= 0:
            return False
        await clock.sleep(min(delay, remaining))
        delay = min(delay * 2, 0.1)
    return True
