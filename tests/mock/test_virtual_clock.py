"""Virtual time: the mock's clock jumps to the earliest wake-up once every request in flight is waiting on it, so
documented timeouts elapse at once while every answer still speaks in the mock's (full-length) time."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request

import pytest

from conformance.targets.base import TargetWrapper
from conformance.targets.mock import MockTarget
from conformance.cli import main
from mockserver.clock import SystemClock, VirtualClock
from mockserver.settings import MockSettings

ROLLUP_JOB = {"index_pattern": "sensor", "rollup_index": "sensor_rollup", "cron": "*/30 * * * * ?", "page_size": 10,
              "groups": {"date_histogram": {"field": "timestamp", "fixed_interval": "1h"}}}
# A mock that really waited out a 30 s timeout would leave the client without an answer: a bound, not a timing.
CLIENT_TIMEOUT = 10


def call(server, method: str, path: str, body=None) -> tuple[int, dict]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(server.url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=CLIENT_TIMEOUT) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def slow_started_job(server, seconds: float) -> None:
    assert call(server, "PUT", "/sensor", {"mappings": {"properties": {"timestamp": {"type": "date"}}}})[0] == 200
    assert call(server, "PUT", "/sensor_rollup", {"mappings": {"_meta": {"_rollup": {}}}})[0] == 200
    assert call(server, "PUT", "/_rollup/job/sensor", ROLLUP_JOB)[0] == 200
    assert call(server, "POST", "/_rollup/job/sensor/_start")[0] == 200
    assert call(server, "POST", "/_stopcheck/fixtures/slow_stop", {"job_id": "sensor", "seconds": seconds})[0] == 200


def rollup_state(server) -> str:
    return call(server, "GET", "/_rollup/job/sensor")[1]["jobs"][0]["status"]["job_state"]


def test_the_default_30s_stop_timeout_elapses_on_the_clock_through_the_timeout_path(start_mock):
    server = start_mock()
    slow_started_job(server, seconds=40)
    before = server.cluster.clock.now()
    status, body = call(server, "POST", "/_rollup/job/sensor/_stop?wait_for_completion=true")
    assert status == 500 and body["error"]["type"] == "timeout_exception"
    assert body["error"]["reason"] == ("Timed out after [30s] while waiting for rollup job [sensor] to stop. "
                                       "State was [STOPPING]")
    waited = server.cluster.clock.now() - before
    assert 30 <= waited < 40
    assert rollup_state(server) == "stopping"  # the stop goes on after the timeout, as on a real cluster


def test_a_wait_that_can_succeed_ends_when_its_condition_holds_not_at_its_timeout(start_mock):
    server = start_mock()
    slow_started_job(server, seconds=5)
    before = server.cluster.clock.now()
    assert call(server, "POST", "/_rollup/job/sensor/_stop?wait_for_completion=true&timeout=1m") == (
        200, {"stopped": True})
    assert 5 <= server.cluster.clock.now() - before < 6
    assert rollup_state(server) == "stopped"


def test_passing_time_from_another_thread_moves_the_clock_without_waiting(start_mock):
    server = start_mock()
    slow_started_job(server, seconds=600)
    assert call(server, "POST", "/_rollup/job/sensor/_stop")[0] == 200
    before = server.cluster.clock.now()
    server.pass_time(599)
    assert rollup_state(server) == "stopping"
    server.pass_time(1)
    assert rollup_state(server) == "stopped"
    assert server.cluster.clock.now() - before >= 600


# The clock itself, driven as the app drives it: each request bracketed by `in_flight` --------------------------
async def request_waiting(clock: VirtualClock, seconds: float, woke: list[tuple[float, float]]) -> None:
    with clock.in_flight():
        deadline = clock.deadline(seconds)
        assert not await clock.wait_until(lambda: False, deadline)
        woke.append((seconds, clock.now() - deadline))


async def let_others_run(rounds: int = 20) -> None:
    for _ in range(rounds):
        await asyncio.sleep(0)


def test_concurrent_waits_wake_in_deadline_order_each_at_its_deadline():
    async def scenario() -> list[tuple[float, float]]:
        clock, woke = VirtualClock(), []
        await asyncio.gather(*(request_waiting(clock, seconds, woke) for seconds in (30, 10, 20, 0.5)))
        return woke

    woke = asyncio.run(scenario())
    assert [seconds for seconds, _ in woke] == [0.5, 10, 20, 30]
    assert all(0 <= late < 0.5 for _, late in woke)


def test_time_does_not_jump_while_a_request_in_flight_is_busy():
    async def scenario() -> None:
        clock, woke, busy_done = VirtualClock(), [], asyncio.Event()
        start = clock.now()

        async def busy_request() -> None:
            with clock.in_flight():
                await busy_done.wait()  # working on something that is not the clock

        busy = asyncio.create_task(busy_request())
        waiting = asyncio.create_task(request_waiting(clock, 30, woke))
        await let_others_run()
        assert woke == [] and clock.now() - start < 30
        busy_done.set()
        await asyncio.gather(busy, waiting)
        assert [seconds for seconds, _ in woke] == [30] and clock.now() - start >= 30

    asyncio.run(scenario())


def test_a_cancelled_wait_does_not_hold_back_the_others():
    async def scenario() -> None:
        clock, woke = VirtualClock(), []
        with clock.in_flight():  # a busy request keeps both waits on the wall at first
            abandoned = asyncio.create_task(request_waiting(clock, 5, woke))
            kept = asyncio.create_task(request_waiting(clock, 60, woke))
            await let_others_run()
            abandoned.cancel()
            await let_others_run()
        await kept
        with pytest.raises(asyncio.CancelledError):
            await abandoned
        assert [seconds for seconds, _ in woke] == [60]

    asyncio.run(scenario())


@pytest.mark.parametrize("kind", [VirtualClock, SystemClock])
def test_a_scaled_clock_runs_that_many_times_as_fast_as_the_wall_between_requests(monkeypatch, kind):
    wall = [100.0]
    monkeypatch.setattr("mockserver.clock.time.monotonic", lambda: wall[0])
    clock = kind(scale=20)
    start = clock.now()
    wall[0] += 1.5
    assert clock.now() - start == pytest.approx(30)


def test_a_scaled_clock_wakes_a_sleep_that_cannot_jump_after_its_scaled_share_of_the_wall():
    async def scenario() -> float:
        clock, busy_done = VirtualClock(scale=1000), asyncio.Event()

        async def busy_request() -> None:  # keeps the clock from jumping: the 30 s go by on the wall, scaled
            with clock.in_flight():
                await busy_done.wait()

        busy = asyncio.create_task(busy_request())
        await let_others_run()
        with clock.in_flight():
            moment = clock.now() + 30
            await asyncio.wait_for(clock._sleep_until(moment), CLIENT_TIMEOUT)
        busy_done.set()
        await busy
        return clock.now() - moment

    assert asyncio.run(scenario()) >= 0


def test_a_scaled_system_clock_sleeps_its_scaled_share_of_the_wall():
    async def scenario() -> float:
        clock = SystemClock(scale=1000)
        moment = clock.now() + 30
        await asyncio.wait_for(clock._sleep_until(moment), CLIENT_TIMEOUT)
        return clock.now() - moment

    assert asyncio.run(scenario()) >= 0


@pytest.mark.parametrize(("settings", "problem"), [
    ({"time_scale": 0}, "time_scale must be a positive number, not 0"),
    ({"time_scale": float("inf")}, "time_scale must be a positive number, not inf"),
    ({"time_scale": 2, "clock": "manual"}, "a manual clock moves only when told to: it has no time_scale"),
])
def test_a_time_scale_is_a_positive_number_for_a_clock_that_follows_the_wall(settings, problem):
    with pytest.raises(ValueError, match=problem):
        MockSettings(**settings)


@pytest.mark.parametrize(("arguments", "problem"), [
    (["--time-scale", "0"], "argument --time-scale: expected a positive number, got '0'"),
    (["--time-scale", "fast"], "argument --time-scale: expected a positive number, got 'fast'"),
    (["--time-scale", "-1"], "argument --time-scale: expected a positive number, got '-1'"),
])
def test_stopcheck_mock_refuses_a_bad_time_scale_in_one_line(arguments, problem, capsys):
    with pytest.raises(SystemExit) as exited:
        main(["mock", *arguments])
    assert exited.value.code == 2 and capsys.readouterr().err.strip().endswith(problem)


def test_the_mock_target_lets_poll_intervals_pass_on_the_mocks_clock_through_any_wrapper():
    mock = MockTarget()
    target = TargetWrapper(mock)  # as a run wraps its targets
    try:
        assert abs(target.clock.now() - mock.clock.now()) < 1  # the mock's time, not the wall's
        before = target.clock.now()
        target.clock.sleep(3600)
        assert target.clock.now() - before >= 3600
    finally:
        target.close()
