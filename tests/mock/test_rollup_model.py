"""The rollup indexer state machine and the waiting stop, on a manual clock."""

import asyncio

import pytest

from mockserver.cluster import Cluster
from mockserver.errors import GenericException, IllegalArgument, ResourceNotFound, StatusError, TimedOut, ValidationFailed
from mockserver.families.rollup.indexer import SECONDS_PER_DOCUMENT
from mockserver.families.rollup.models import IndexerState, NotStopped
from mockserver.settings import MockSettings
from mockserver.timevalue import TimeValue
from mockserver.version import Version
from mockserver.xcontent import Document

RAW_CONFIG = {"index_pattern": "sensor", "rollup_index": "sensor_rollup", "cron": "*/30 * * * * ?", "page_size": 2,
          "groups": {"date_histogram": {"field": "timestamp", "fixed_interval": "1h"}},
          "metrics": [{"field": "temperature", "metrics": ["max"]}]}
CONFIG = Document.of(RAW_CONFIG)


def make_cluster(version="8.17.0", usage=True):
    cluster = Cluster(MockSettings(version=Version.parse(version), clock="manual"))
    clock = cluster.clock
    indices = cluster.state("indices")
    indices.create("sensor", {"properties": {"timestamp": {"type": "date"}, "temperature": {"type": "long"}}})
    for i in range(5):
        indices.index_document("sensor", str(i), {"timestamp": f"2024-01-01T0{i}:00:00Z", "temperature": i})
    if usage:
        indices.create("legacy_rollup", {"_meta": {"_rollup": {}}})
    return cluster, clock, cluster.state("rollup")


def test_jobs_are_created_stopped_and_a_start_runs_the_indexer_over_the_data():
    _, clock, jobs = make_cluster()
    jobs.put("j", CONFIG)
    assert jobs.state_of("j") is IndexerState.STOPPED
    jobs.start("j")
    assert jobs.state_of("j") is IndexerState.INDEXING
    clock.advance(5 * SECONDS_PER_DOCUMENT)
    assert jobs.state_of("j") is IndexerState.STARTED
    assert jobs.job("j").stats["documents_processed"] == 5 and jobs.job("j").stats["pages_processed"] == 3
    stop(jobs)
    assert jobs.state_of("j") is IndexerState.STOPPED


def test_the_indexer_pages_through_the_data_at_a_pace_derived_from_it():
    _, clock, jobs = make_cluster()
    jobs.put("j", CONFIG)  # page_size 2 over 5 documents: pages of 2, 2 and 1 documents
    jobs.start("j")
    clock.advance(2 * SECONDS_PER_DOCUMENT)
    assert jobs.job("j").stats["pages_processed"] == 1 and jobs.job("j").stats["documents_processed"] == 2
    clock.advance(2 * SECONDS_PER_DOCUMENT)
    assert jobs.job("j").stats["pages_processed"] == 2 and jobs.state_of("j") is IndexerState.INDEXING
    clock.advance(SECONDS_PER_DOCUMENT)
    assert jobs.job("j").stats["pages_processed"] == 3 and jobs.state_of("j") is IndexerState.STARTED


def test_a_stop_during_a_run_lets_only_the_page_in_flight_finish():
    _, clock, jobs = make_cluster()
    jobs.put("j", CONFIG)
    jobs.start("j")
    clock.advance(3 * SECONDS_PER_DOCUMENT)  # half way through the second page
    stop(jobs)
    assert jobs.state_of("j") is IndexerState.STOPPING
    stop(jobs)
    assert jobs.state_of("j") is IndexerState.STOPPING
    clock.advance(SECONDS_PER_DOCUMENT * 0.99)
    assert jobs.state_of("j") is IndexerState.STOPPING
    clock.advance(SECONDS_PER_DOCUMENT * 0.01)
    assert jobs.state_of("j") is IndexerState.STOPPED
    assert jobs.job("j").stats["pages_processed"] == 2 and jobs.job("j").stats["documents_processed"] == 4


def test_the_slow_stop_fixture_makes_the_run_in_flight_one_long_page():
    _, clock, jobs = make_cluster()
    jobs.put("j", CONFIG)
    jobs.start("j")
    jobs.make_slow("j", 10)
    stop(jobs)
    clock.advance(9.9)
    assert jobs.state_of("j") is IndexerState.STOPPING
    clock.advance(0.1)
    assert jobs.state_of("j") is IndexerState.STOPPED


def test_start_while_stopping_and_delete_while_running_fail_as_real_clusters_do():
    _, clock, jobs = make_cluster()
    jobs.put("j", CONFIG)
    jobs.start("j")
    clock.advance(1)
    with pytest.raises(NotStopped) as not_stopped:
        jobs.delete("j")
    envelope = not_stopped.value.envelope(Version(8, 17, 0))
    assert not_stopped.value.status == 500 and envelope["acknowledged"] is False
    assert envelope["task_failures"][0]["reason"] == {
        "type": "illegal_state_exception",
        "reason": "Could not delete job [j] because indexer state is [STARTED].  Job must be [STOPPED] before deletion."}
    jobs.make_slow("j", 5)
    stop(jobs)
    with pytest.raises(GenericException, match=r"Cannot start task for Rollup Job \[j\] because state was \[STOPPING\]"):
        jobs.start("j")


def test_missing_jobs():
    _, _, jobs = make_cluster()
    with pytest.raises(ResourceNotFound, match=r"^Task for Rollup Job \[nope\] not found$"):
        stop(jobs, "nope")
    with pytest.raises(ResourceNotFound, match=r"^the task with id \[nope\] doesn't exist$"):
        jobs.delete("nope")
    assert jobs.get("nope") == []


def test_put_rules():
    _, _, jobs = make_cluster(usage=False)
    with pytest.raises(IllegalArgument, match="don't have any rollup usage"):
        jobs.put("j", CONFIG)
    _, _, old = make_cluster(version="8.14.0", usage=False)
    old.put("j", CONFIG)
    with pytest.raises(StatusError, match=r"because job was previously created \(existing metadata\)") as kept:
        old.put("j", CONFIG)  # the rollup index's metadata is checked before the job's task
    assert kept.value.status == 409
    old.indices.delete(old.jobs["j"].config["rollup_index"])
    with pytest.raises(StatusError, match=r"because it has already been created \(task exists\)") as exists:
        old.put("j", CONFIG)
    assert exists.value.status == 409
    with pytest.raises(ValidationFailed, match=r"Could not find a \[numeric\] or \[date,date_nanos\] field with name \[nope\]"):
        old.put("k", Document.of({**RAW_CONFIG, "metrics": [{"field": "nope", "metrics": ["max"]}]}))


def stop(jobs, job_id="j", **options):
    return asyncio.run(jobs.stop(job_id, **options))


@pytest.mark.parametrize(("version", "status"), [("8.17.0", 500), ("9.1.0", 429)])
def test_waiting_stop_times_out_after_the_default_30s_and_the_job_still_stops(version, status):
    cluster, clock, jobs = make_cluster(version)
    jobs.put("j", CONFIG)
    jobs.start("j")
    jobs.make_slow("j", 45)
    started = clock.now()
    with pytest.raises(TimedOut) as timed_out:
        stop(jobs, wait=True)
    assert clock.now() - started == pytest.approx(30, abs=0.2)
    assert str(timed_out.value) == "Timed out after [30s] while waiting for rollup job [j] to stop. State was [STOPPING]"
    assert timed_out.value.http_status(cluster.settings.version) == status
    clock.advance(15)
    assert jobs.state_of("j") is IndexerState.STOPPED


def test_waiting_stop_returns_as_soon_as_the_job_stops():
    _, clock, jobs = make_cluster()
    jobs.put("j", CONFIG)
    jobs.start("j")
    jobs.make_slow("j", 3)
    started = clock.now()
    stop(jobs, wait=True, timeout=TimeValue(10))
    assert 3 <= clock.now() - started < 3.2
    assert jobs.state_of("j") is IndexerState.STOPPED


def test_async_stop_returns_without_waiting():
    _, clock, jobs = make_cluster()
    jobs.put("j", CONFIG)
    jobs.start("j")
    jobs.make_slow("j", 3)
    started = clock.now()
    stop(jobs)
    assert clock.now() == started and jobs.state_of("j") is IndexerState.STOPPING
