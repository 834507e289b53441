"""A rollup jobs answer is written job by job as bytes: each must be, byte for byte, what encoding the same
document built as Python objects gives (key order, escaping, `?pretty`, each major's status fields, every way of
naming the jobs, jobs in each state and with moved counters)."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from typing import Any

import pytest

from mockserver.families.rollup.indexer import SECONDS_PER_DOCUMENT
from mockserver.families.rollup.models import RollupJob, RollupJobs
from mockserver.xcontent import CHUNK_BYTES

VERSIONS = ["7.17.0", "8.14.0", "8.17.0"]
SOURCE = "sens\u00f6r"
MAPPINGS = {"properties": {"t": {"type": "date"}, "t\u00ebmp": {"type": "double"}, "h\u00f6st": {"type": "keyword"}}}
PLAIN = {"index_pattern": SOURCE, "rollup_index": "rollup-plain", "cron": "*/30 * * * * ?", "page_size": 2,
         "groups": {"date_histogram": {"field": "t", "fixed_interval": "1h"}}}
# every part of a config a GET echoes, with strings to escape and numbers of each kind
RICH = {"index_pattern": "sens*", "rollup_index": "rollup-r\u00efch", "cron": "0 0 * * * ? \"\\\"", "page_size": 2.0,
        "timeout": "1m",
        "groups": {"date_histogram": {"field": "t", "calendar_interval": "1d", "time_zone": "Europe/Z\u00fcrich",
                                      "delay": "7d"},
                   "terms": {"fields": ["h\u00f6st"]}, "histogram": {"fields": ["t\u00ebmp"], "interval": 2.5}},
        "metrics": [{"field": "t\u00ebmp", "metrics": ["min", "max", "avg"]}, {"field": "t", "metrics": ["max"]}]}
NAMINGS = ["", "/_all", "/*", "/busy", "/plain", "/caf\u00e9", "/missing"]


def raw_call(server, method: str, path: str, body: Any = None) -> bytes:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(server.url + urllib.parse.quote(path, safe="/?=&*"), data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read()


@pytest.fixture(params=VERSIONS)
def mock(request, start_mock):
    """Four jobs over five documents, in pages of two: one never started, one stopping after its first page, one
    indexing its second page, and one whose id needs escaping."""
    server = start_mock(clock="manual", version=request.param)
    raw_call(server, "PUT", f"/{SOURCE}", {"mappings": MAPPINGS})
    raw_call(server, "PUT", "/legacy_rollup", {"mappings": {"_meta": {"_rollup": {}}}})
    for i in range(5):
        raw_call(server, "PUT", f"/{SOURCE}/_doc/{i}?refresh=true",
                 {"t": f"2024-01-01T0{i}:00:00Z", "t\u00ebmp": i + 0.5, "h\u00f6st": f"h{i % 2}"})
    raw_call(server, "PUT", "/_rollup/job/plain", PLAIN)
    raw_call(server, "PUT", "/_rollup/job/busy", RICH)
    raw_call(server, "PUT", "/_rollup/job/halting", {**PLAIN, "rollup_index": "rollup-halting"})
    raw_call(server, "PUT", "/_rollup/job/caf\u00e9", {**PLAIN, "rollup_index": "rollup-caf\u00e9"})
    for job_id in ("busy", "halting"):
        raw_call(server, "POST", f"/_rollup/job/{job_id}/_start")
    server.cluster.clock.advance(3 * SECONDS_PER_DOCUMENT)  # half way through the second page
    raw_call(server, "POST", "/_rollup/job/halting/_stop")
    return server


def jobs_of(server) -> RollupJobs:
    return server.cluster.state("rollup")


# The answer built the slow way: a document of Python objects, then encoded ----------------------------------------
def expected_job(job: RollupJob, major: int) -> dict[str, Any]:
    """`GetRollupJobsAction.JobWrapper`: the config as put, the status (7.x also said `upgraded_doc_id`), and the
    indexer's counters."""
    status: dict[str, Any] = {"job_state": job.state.value}
    if major < 8:
        status["upgraded_doc_id"] = True
    return {"config": job.config, "status": status, "stats": dict(job.stats)}


def expected_answer(server, naming: str) -> dict[str, Any]:
    jobs = jobs_of(server)
    job_id = naming.lstrip("/")
    named = list(jobs.jobs.values()) if job_id in ("", "_all", "*") else \
        [jobs.jobs[job_id]] if job_id in jobs.jobs else []
    return {"jobs": [expected_job(job, jobs.version.major) for job in named]}


def encoded(document: Any, pretty: bool) -> bytes:
    return (json.dumps(document, indent=2) if pretty else json.dumps(document, separators=(",", ":"))).encode()


@pytest.mark.parametrize("pretty", [False, True], ids=["compact", "pretty"])
def test_a_jobs_answer_is_the_document_encoded(mock, pretty):
    for naming in NAMINGS:
        answer = raw_call(mock, "GET", f"/_rollup/job{naming}{'?pretty' if pretty else ''}")
        assert answer == encoded(expected_answer(mock, naming), pretty), naming


def test_the_answer_follows_the_jobs_as_they_move(mock):
    """States and counters as they are when asked: the indexing job finished its run, the stopping one stopped."""
    before = raw_call(mock, "GET", "/_rollup/job/_all")
    mock.cluster.clock.advance(5 * SECONDS_PER_DOCUMENT)
    after = raw_call(mock, "GET", "/_rollup/job/_all")
    states = {job.id: job.state.value for job in jobs_of(mock).jobs.values()}
    assert states == {"plain": "stopped", "busy": "started", "halting": "stopped", "caf\u00e9": "stopped"}
    assert after == encoded(expected_answer(mock, "/_all"), False) != before
    busy = json.loads(after)["jobs"][1]
    assert busy["stats"]["documents_processed"] == 5 and busy["stats"]["trigger_count"] == 1


def test_the_jobs_in_the_fixture_cover_each_state_and_moved_counters(mock):
    jobs = {job.id: job for job in jobs_of(mock).get("_all")}
    assert {job_id: job.state.value for job_id, job in jobs.items()} == {
        "plain": "stopped", "busy": "indexing", "halting": "stopping", "caf\u00e9": "stopped"}
    assert jobs["busy"].stats["pages_processed"] == 1 and jobs["plain"].stats["trigger_count"] == 0


def test_a_listing_that_fits_in_a_chunk_is_sent_with_its_length(mock):
    with urllib.request.urlopen(urllib.request.Request(mock.url + "/_rollup/job/_all"), timeout=30) as response:
        assert "Transfer-Encoding" not in response.headers
        answer = response.read()
    assert int(response.headers["Content-Length"]) == len(answer) < CHUNK_BYTES
    assert answer == encoded(expected_answer(mock, "/_all"), False)


def test_a_listing_of_many_jobs_is_sent_in_chunks_byte_for_byte(start_mock):
    server = start_mock(clock="manual")
    raw_call(server, "PUT", f"/{SOURCE}", {"mappings": MAPPINGS})
    raw_call(server, "PUT", "/legacy_rollup", {"mappings": {"_meta": {"_rollup": {}}}})
    for i in range(120):
        raw_call(server, "PUT", f"/_rollup/job/many-{i:03}", {**RICH, "rollup_index": f"rollup-{i:03}"})
    request = urllib.request.Request(server.url + "/_rollup/job/_all")
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.headers["Transfer-Encoding"] == "chunked"
        answer = response.read()
    assert len(answer) > 2 * CHUNK_BYTES
    assert answer == encoded(expected_answer(server, "/_all"), False)
