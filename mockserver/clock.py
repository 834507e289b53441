"""The mock's only time source: every model reads `now()` and waits through `wait_until` on its clock.

A clock is made in one place, `make_clock(settings)`, when a cluster is built. Waiting is a poll: check the
condition, then sleep until the earlier of the next poll (1 ms doubling, capped at 100 ms) and the deadline.
`_sleep_until` is the only thing a kind of clock decides:

- `SystemClock` sleeps on the wall (or on a wall that runs a set number of times as fast);
- `VirtualClock` runs with that wall but jumps ahead to the earliest wake-up whenever every request in flight is
  sleeping on it, so a 30 s timeout elapses at once through the same code path;
- `ManualClock` moves only when told to, or when a wait on it needs time to pass (model tests).
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import math
import time
from contextlib import AbstractContextManager, nullcontext
from typing import Callable, Generic, TypeVar

from mockserver.settings import MockSettings

T = TypeVar("T")

FIRST_POLL = 0.001
LONGEST_POLL = 0.1
MANUAL_START = 1_700_000_000.0
# The clock jumps only once every request in flight has been asleep for this many rounds of the event loop (each
# round polls the sockets), so that a request that has arrived, or a waiter just woken, is counted first.
IDLE_ROUNDS = 8
# A jump lands this far past the wake-up, so that `now()` (a sum of floats near 1.7e9, exact to ~0.2 us) is
# surely at or after it.
JUMP_MARGIN = 1e-6


class Clock:
    """A source of time that requests can wait on."""

    def now(self) -> float:
        """Seconds since the epoch."""
        raise NotImplementedError

    async def _sleep_until(self, moment: float) -> None:
        """Return once `now()` has reached `moment` (or, for a clock that is told to move, once others ran)."""
        raise NotImplementedError

    async def pass_time(self, seconds: float) -> None:
        """Let `seconds` of this clock's time go by for an outside observer (a scenario runner polling the mock):
        waited out on the wall, or moved at once on a clock that can be moved."""
        await self._sleep_until(self.now() + seconds)

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

    def in_flight(self) -> AbstractContextManager[None]:
        """Bracket one request being served (the app enters it, on the clock's event loop, for each request)."""
        return _UNCOUNTED


_UNCOUNTED = nullcontext()


class SystemClock(Clock):
    """Wall-clock time, `scale` times as fast (1: the wall itself); `stopcheck mock --realtime`."""

    def __init__(self, scale: float = 1.0) -> None:
        self._scale = scale
        self._started, self._started_monotonic = time.time(), time.monotonic()

    def now(self) -> float:
        return self._started + (time.monotonic() - self._started_monotonic) * self._scale

    async def _sleep_until(self, moment: float) -> None:
        await asyncio.sleep(max(moment - self.now(), 0) / self._scale)


class VirtualClock(SystemClock):
    """Wall-clock time, `scale` times as fast, plus an offset. The offset jumps to the earliest wake-up once every
    request in flight is sleeping on the clock (nothing it serves could change before then); between requests, and
    while any request is busy, time flows with the (scaled) wall. Sleepers wake in the order of their wake-ups."""

    def __init__(self, scale: float = 1.0) -> None:
        super().__init__(scale)
        self._offset = 0.0
        self._requests = 0
        self._sleeping = 0
        self._wake_ups: list[tuple[float, int, asyncio.Future[None]]] = []  # a heap: (moment, order, waker)
        self._order = itertools.count()
        self._jump_pending = False
        self._counter = _RequestCounter(self)

    def now(self) -> float:
        return super().now() + self._offset

    def advance(self, seconds: float) -> None:
        """Move the clock `seconds` ahead, waking whoever is due (call it on the clock's event loop)."""
        self._offset += max(seconds, 0)
        self._wake_due()

    async def pass_time(self, seconds: float) -> None:
        self.advance(seconds)

    def in_flight(self) -> AbstractContextManager[None]:
        return self._counter

    def _request_started(self) -> None:
        self._requests += 1

    def _request_ended(self) -> None:
        self._requests -= 1
        if self._wake_ups:
            self._jump_soon(asyncio.get_running_loop())

    async def _sleep_until(self, moment: float) -> None:
        loop = asyncio.get_running_loop()
        waker: asyncio.Future[None] = loop.create_future()
        heapq.heappush(self._wake_ups, (moment, next(self._order), waker))
        timer = loop.call_later(max(moment - self.now(), 0) / self._scale, self._wake_due)
        self._sleeping += 1
        self._jump_soon(loop)
        try:
            await waker
        finally:
            timer.cancel()
            if waker.cancelled() or waker.cancel():  # not woken but cancelled: `_wake_due` drops its entry
                self._sleeping -= 1

    def _all_asleep(self) -> bool:
        return self._sleeping > 0 and self._sleeping >= self._requests

    def _jump_soon(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._all_asleep() and not self._jump_pending:
            self._jump_pending = True
            loop.call_soon(self._jump_when_idle, loop, IDLE_ROUNDS)

    def _jump_when_idle(self, loop: asyncio.AbstractEventLoop, rounds: int) -> None:
        """Jump to the earliest wake-up if every request in flight is still asleep after `rounds` more rounds."""
        if not self._all_asleep():
            self._jump_pending = False
        elif rounds > 0:
            loop.call_soon(self._jump_when_idle, loop, rounds - 1)
        else:
            self._jump_pending = False
            self._wake_due()  # drops cancelled sleepers, so that the head is a real one
            if self._wake_ups:
                self._offset += max(self._wake_ups[0][0] - self.now(), 0) + JUMP_MARGIN
                self._wake_due()

    def _wake_due(self) -> None:
        """Wake, earliest first, every sleeper whose moment has come (a woken sleeper counts as busy until it
        sleeps again); forget the ones that were cancelled."""
        now = self.now()
        while self._wake_ups and (self._wake_ups[0][0] <= now or self._wake_ups[0][2].done()):
            waker = heapq.heappop(self._wake_ups)[2]
            if not waker.done():
                waker.set_result(None)
                self._sleeping -= 1


class _RequestCounter(AbstractContextManager[None]):
    """`VirtualClock.in_flight`: counts the requests being served (a class, not a generator: it is on every
    request's path)."""

    def __init__(self, clock: VirtualClock) -> None:
        self._clock = clock

    def __enter__(self) -> None:
        self._clock._request_started()

    def __exit__(self, *exc: object) -> None:
        self._clock._request_ended()


class ManualClock(Clock):
    """A clock that moves only when told to (`advance`), or when a wait on it needs time to pass."""

    def __init__(self, start: float = MANUAL_START) -> None:
        self._now = start

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += seconds

    async def pass_time(self, seconds: float) -> None:
        self.advance(seconds)

    async def _sleep_until(self, moment: float) -> None:
        self._now = max(self._now, moment)
        await asyncio.sleep(0)  # let other requests run before the waiter looks again


class Agenda(Generic[T]):
    """Items each due at a moment, taken out once the clock has reached it. Items due at the same moment share
    one entry of a heap of moments (a cancel of many tasks schedules them all for one moment), so adding to a
    moment already waiting costs the same however many items wait."""

    def __init__(self) -> None:
        self._moments: list[float] = []  # a heap of the distinct moments
        self._items: dict[float, list[T]] = {}  # by moment, in the order they were added

    def add(self, item: T, moment: float) -> None:
        items = self._items.get(moment)
        if items is None:
            self._items[moment] = [item]
            heapq.heappush(self._moments, moment)
        else:
            items.append(item)

    def __bool__(self) -> bool:
        return bool(self._moments)

    def next_moment(self) -> float:
        """The earliest moment something is due (`math.inf` when nothing waits)."""
        return self._moments[0] if self._moments else math.inf

    def take_due(self, now: float) -> list[T]:
        """Remove and return what is due by `now`, earliest moment first."""
        taken: list[T] = []
        while self._moments and self._moments[0] <= now:
            taken.extend(self._items.pop(heapq.heappop(self._moments)))
        return taken


def make_clock(settings: MockSettings) -> Clock:
    """The clock the settings ask for."""
    if settings.clock == "manual":
        return ManualClock()
    return {"virtual": VirtualClock, "system": SystemClock}[settings.clock](settings.time_scale)
