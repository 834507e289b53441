"""The mock's only time source: every model reads `now()` and waits through `wait_until` on its clock.

A clock is made in one place, `make_clock(settings)`, when a cluster is built. Waiting is a poll: check the
condition, then sleep until the earlier of the next poll (1 ms doubling, capped at 100 ms) and the deadline.
`_sleep_until` is the only thing a kind of clock decides, so a clock that jumps ahead when every request in
flight is waiting (virtual time) is one more subclass: it would count requests in `in_flight` and move `now`
to the earliest wake-up that `_sleep_until` was asked for.
"""

from __future__ import annotations

import asyncio
import math
import time
from contextlib import asynccontextmanager
from typing import AsyncIterator, Callable

from mockserver.settings import MockSettings

FIRST_POLL = 0.001
LONGEST_POLL = 0.1
MANUAL_START = 1_700_000_000.0


class Clock:
    """A source of time that requests can wait on."""

    def now(self) -> float:
        """Seconds since the epoch."""
        raise NotImplementedError

    async def _sleep_until(self, moment: float) -> None:
        """Return once `now()` has reached `moment` (or, for a clock that is told to move, once others ran)."""
        raise NotImplementedError

    def deadline(self, timeout: float) -> float:
        """The moment a wait of `timeout` seconds from now ends; a negative timeout never ends."""
        return math.inf if timeout < 0 else self.now() + timeout

    async def wait_until(self, done: Callable[[], bool], deadline: float) -> bool:
        """Wait until `done()` holds (True) or `deadline` passes first (False). `deadline` may be `math.inf`."""
        delay = FIRST_POLL
        while not done():
            now = self.now()
            if now >= deadline:
                return False
            await self._sleep_until(min(now + delay, deadline))
            delay = min(delay * 2, LONGEST_POLL)
        return True

    @asynccontextmanager
    async def in_flight(self) -> AsyncIterator[None]:
        """Bracket one request being served (the app enters it for each request)."""
        yield


class SystemClock(Clock):
    """Wall-clock time; used when the mock serves real clients."""

    def now(self) -> float:
        return time.time()

    async def _sleep_until(self, moment: float) -> None:
        await asyncio.sleep(max(moment - self.now(), 0))


class ManualClock(Clock):
    """A clock that moves only when told to (`advance`), or when a wait on it needs time to pass."""

    def __init__(self, start: float = MANUAL_START) -> None:
        self._now = start

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += seconds

    async def _sleep_until(self, moment: float) -> None:
        self._now = max(self._now, moment)
        await asyncio.sleep(0)  # let other requests run before the waiter looks again


def make_clock(settings: MockSettings) -> Clock:
    """The clock the settings ask for."""
    return ManualClock() if settings.clock == "manual" else SystemClock()
