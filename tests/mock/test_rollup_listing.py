"""What listing rollup jobs shares between jobs and requests: one status document per state, and stats that are
replaced as they move, so that a listing already made keeps what it said."""

from mockserver.families.rollup.indexer import SECONDS_PER_DOCUMENT
from mockserver.families.rollup.models import IndexerState
from tests.mock.test_rollup_model import CONFIG, make_cluster


def test_each_job_lists_the_status_of_its_own_state():
    _, clock, jobs = make_cluster()
    for job_id in ("a", "b", "c"):
        jobs.put(job_id, CONFIG)
    jobs.start("b")
    statuses = {job.id: jobs.status(job) for job in jobs.get("_all")}
    assert statuses == {"a": {"job_state": "stopped"}, "b": {"job_state": "indexing"}, "c": {"job_state": "stopped"}}
    clock.advance(5 * SECONDS_PER_DOCUMENT)
    assert jobs.status(jobs.job("b")) == {"job_state": "started"} and jobs.state_of("a") is IndexerState.STOPPED


def test_stats_already_listed_do_not_move_with_the_job():
    _, clock, jobs = make_cluster()
    jobs.put("j", CONFIG)
    listed = jobs.job("j").stats
    jobs.start("j")
    triggered = jobs.job("j").stats
    clock.advance(5 * SECONDS_PER_DOCUMENT)
    done = jobs.job("j").stats
    assert listed["trigger_count"] == 0 and listed["pages_processed"] == 0
    assert triggered["trigger_count"] == 1 and triggered["documents_processed"] == 0
    assert done["trigger_count"] == 1 and (done["pages_processed"], done["documents_processed"]) == (3, 5)
    assert done["search_total"] == 3


def test_a_job_document_is_made_again_once_the_state_or_the_stats_moved():
    _, clock, jobs = make_cluster()
    jobs.put("a", CONFIG)
    jobs.put("b", CONFIG)
    first = jobs.document(jobs.job("a"))
    assert jobs.document(jobs.job("a")) is first
    jobs.start("a")
    started = jobs.document(jobs.job("a"))
    assert first == {"config": jobs.job("a").config, "status": {"job_state": "stopped"}, "stats": first["stats"]}
    assert started["status"] == {"job_state": "indexing"} and started["stats"]["trigger_count"] == 1
    clock.advance(5 * SECONDS_PER_DOCUMENT)
    done = jobs.document(jobs.job("a"))
    assert done["status"] == {"job_state": "started"} and done["stats"]["documents_processed"] == 5
    assert first["stats"]["trigger_count"] == 0 and started["stats"]["documents_processed"] == 0
    assert jobs.document(jobs.job("b"))["stats"] == first["stats"]  # the job that never ran counts nothing
