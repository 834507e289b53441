"""What listing rollup jobs shares between jobs and requests: one status per state, and counters that are replaced
(with their JSON) as they move, so that jobs that never ran share them; and how a listing is written as it is
sent, chunk by chunk."""

import json

import pytest

from mockserver.families.rollup.indexer import SECONDS_PER_DOCUMENT
from mockserver.families.rollup.models import IndexerState
from mockserver.xcontent import CHUNK_BYTES
from tests.mock.test_rollup_model import CONFIG, make_cluster


def listed(jobs, job_id="_all"):
    return {job["config"]["id"]: job for job in json.loads(jobs.listing(job_id).compact)["jobs"]}


def test_each_job_lists_the_status_of_its_own_state():
    _, clock, jobs = make_cluster()
    for job_id in ("a", "b", "c"):
        jobs.put(job_id, CONFIG)
    jobs.start("b")
    statuses = {job_id: job["status"] for job_id, job in listed(jobs).items()}
    assert statuses == {"a": {"job_state": "stopped"}, "b": {"job_state": "indexing"}, "c": {"job_state": "stopped"}}
    clock.advance(5 * SECONDS_PER_DOCUMENT)
    assert listed(jobs, "b")["b"]["status"] == {"job_state": "started"} and jobs.state_of("a") is IndexerState.STOPPED


@pytest.mark.parametrize(("version", "expected"), [
    ("7.17.0", {"job_state": "stopped", "upgraded_doc_id": True}),
    ("8.14.0", {"job_state": "stopped"}),
])
def test_status_fields_of_the_emulated_major(version, expected):
    """`upgraded_doc_id` was printed by 7.x and dropped in 8.0."""
    _, _, jobs = make_cluster(version)
    jobs.put("j", CONFIG)
    assert listed(jobs, "j")["j"]["status"] == expected


def test_stats_already_listed_do_not_move_with_the_job():
    _, clock, jobs = make_cluster()
    jobs.put("j", CONFIG)
    before = jobs.job("j").stats
    jobs.start("j")
    triggered = jobs.job("j").stats
    clock.advance(5 * SECONDS_PER_DOCUMENT)
    done = jobs.job("j").stats
    assert before["trigger_count"] == 0 and before["pages_processed"] == 0
    assert triggered["trigger_count"] == 1 and triggered["documents_processed"] == 0
    assert done["trigger_count"] == 1 and (done["pages_processed"], done["documents_processed"]) == (3, 5)
    assert done["search_total"] == 3


def test_counters_are_encoded_as_they_move_and_shared_by_jobs_that_never_ran():
    _, clock, jobs = make_cluster()
    jobs.put("a", CONFIG)
    jobs.put("b", CONFIG)
    assert jobs.job("a").stats_json is jobs.job("b").stats_json
    jobs.start("a")
    clock.advance(5 * SECONDS_PER_DOCUMENT)
    a = jobs.job("a")
    assert json.loads(a.stats_json) == a.stats and a.stats["documents_processed"] == 5
    assert listed(jobs)["a"]["stats"] == a.stats and listed(jobs)["b"]["stats"]["trigger_count"] == 0


def test_a_listing_names_the_jobs_of_its_request_each_as_it_is_when_written():
    """The answer is written as it is sent: the jobs are those there were when it was asked for, each with the
    state and counters it has when its part is written."""
    _, clock, jobs = make_cluster()
    jobs.put("a", CONFIG)
    jobs.put("b", CONFIG)
    answer = jobs.listing("_all")
    jobs.put("c", CONFIG)
    jobs.start("a")
    clock.advance(5 * SECONDS_PER_DOCUMENT)
    jobs.job("a")  # catches up with the clock
    written = {job["config"]["id"]: job for job in json.loads(answer.compact)["jobs"]}
    assert list(written) == ["a", "b"]
    assert written["a"]["stats"]["documents_processed"] == 5 and written["a"]["status"]["job_state"] == "started"


def test_a_large_listing_is_written_in_chunks_of_bounded_size():
    _, _, jobs = make_cluster()
    for i in range(200):
        jobs.put(f"job-{i:03}", CONFIG)
    answer = jobs.listing("_all")
    chunks = list(answer.chunks())
    largest_job = max(len(job.config_json) + len(job.stats_json) for job in jobs.jobs.values()) + 100
    assert len(chunks) > 1 and all(len(chunk) < CHUNK_BYTES + largest_job for chunk in chunks)
    assert b"".join(chunks) == answer.compact
    assert [job["config"]["id"] for job in json.loads(answer.compact)["jobs"]] == sorted(jobs.jobs)
