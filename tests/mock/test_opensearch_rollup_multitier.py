"""Rollups of a rollup index (OpenSearch 3.5+) over HTTP: the runner's checks of a second-tier job against the
first job of its source index, which fail the job, and what a second tier that passes them rolls up."""

from __future__ import annotations

import copy
from datetime import datetime, timezone

import pytest

from mockserver.families.opensearch_rollup.murmur import fixed_size_id
from tests.mock.test_opensearch_rollup_cardinality import VISITS, start
from tests.mock.test_opensearch_rollup_http import JOBS, call

ALL_METRICS = [{"sum": {}}, {"avg": {}}, {"min": {}}, {"max": {}}, {"value_count": {}}]
HOURLY = {"rollup": {
    "source_index": "visits", "target_index": "visits_hourly", "description": "tier 1", "page_size": 100,
    "schedule": {"interval": {"period": 1, "unit": "Minutes"}},
    "dimensions": [{"date_histogram": {"source_field": "ts", "fixed_interval": "1h"}},
                   {"terms": {"source_field": "page"}}],
    "metrics": [{"source_field": "ms", "metrics": ALL_METRICS},
                {"source_field": "visitor", "metrics": [{"cardinality": {"precision_threshold": 5000}}]}],
}}


def tier2(interval: str = "1d", dimensions: list | None = None, metrics: list | None = None) -> dict:
    body = copy.deepcopy(HOURLY)
    body["rollup"] |= {"source_index": "visits_hourly", "target_index": "visits_daily", "description": "tier 2"}
    body["rollup"]["dimensions"] = [{"date_histogram": {"source_field": "ts", "fixed_interval": interval}},
                                    *(dimensions or [])]
    if metrics is not None:
        body["rollup"]["metrics"] = metrics
    return body


def explain(server, job_id: str) -> dict:
    return call(server, "GET", f"{JOBS}/{job_id}/_explain")[2][job_id]["rollup_metadata"]


@pytest.fixture
def server(start_mock):
    """A 3.5 cluster whose `visits_hourly` rollup index holds the finished first tier."""
    server = start(start_mock)
    assert call(server, "PUT", f"{JOBS}/hourly", HOURLY)[0] == 201
    server.cluster.clock.advance(60)
    assert explain(server, "hourly")["status"] == "finished"
    return server


def second_tier(server, body: dict) -> dict:
    """Put the second-tier job `daily` and let its schedule fire; its explained metadata."""
    assert call(server, "PUT", f"{JOBS}/daily", body)[0] == 201
    server.cluster.clock.advance(60)
    return explain(server, "daily")


@pytest.mark.parametrize(("body", "reason"), [
    (tier2("1h"), "Target interval [1h] must be an exact multiple of source interval [1h]"),
    (tier2("90m"), "Target interval [90m] must be an exact multiple of source interval [1h]"),
    (tier2(dimensions=[{"terms": {"source_field": "ms"}}, {"terms": {"source_field": "visitor"}}]),
     "Cannot rollup on dimension fields [ms, visitor] that don't exist in source rollup"),
    (tier2(metrics=[{"source_field": "page", "metrics": [{"sum": {}}]}]),
     "Cannot rollup on metric fields [page] that don't exist in source rollup"),
    (tier2(metrics=[{"source_field": "visitor", "metrics": [{"cardinality": {"precision_threshold": 8000}}]}]),
     "Cardinality precisionThreshold mismatch for field [visitor]: source uses precisionThreshold 5000, but target "
     "specifies precisionThreshold 8000. Use matching precisionThreshold values for multi-tier rollup "
     "compatibility."),
])
def test_a_second_tier_that_does_not_fit_its_source_fails_and_is_disabled(server, body, reason):
    metadata = second_tier(server, body)
    assert (metadata["status"], metadata["failure_reason"]) == ("failed", reason)
    job = call(server, "GET", f"{JOBS}/daily")[2]["rollup"]
    assert (job["enabled"], job["enabled_time"]) == (False, None)


def test_metrics_are_available_by_type_whatever_their_field(start_mock):
    server = start(start_mock)
    hourly = copy.deepcopy(HOURLY)
    hourly["rollup"]["metrics"] = [{"source_field": "ms", "metrics": [{"sum": {}}]},
                                   {"source_field": "visitor", "metrics": [{"value_count": {}}]}]
    call(server, "PUT", f"{JOBS}/hourly", hourly)
    server.cluster.clock.advance(60)
    metadata = second_tier(server, tier2(metrics=[{"source_field": "ms", "metrics": [{"value_count": {}}]},
                                                  {"source_field": "visitor", "metrics": [{"avg": {}}, {"max": {}}]}]))
    assert (metadata["status"], metadata["failure_reason"]) == (
        "failed", "Target rollup requests metrics [avg, max] that are not available in source rollup")


def test_a_rollup_index_without_rollup_jobs_cannot_be_rolled_up(server):
    call(server, "PUT", "/orphan", {"settings": {"index.plugins.rollup_index": True},
                                    "mappings": {"properties": {"ts": {"type": "date"}, "ms": {"type": "long"},
                                                                "visitor": {"type": "keyword"}}}})
    body = tier2()
    body["rollup"]["source_index"] = "orphan"
    metadata = second_tier(server, body)
    assert (metadata["status"], metadata["failure_reason"]) == ("failed", "Source rollup index has no rollup jobs")


def test_a_second_tier_rolls_up_the_rolled_up_documents(server):
    metadata = second_tier(server, tier2(dimensions=[{"terms": {"source_field": "page"}}]))
    assert metadata["status"] == "finished" and metadata["failure_reason"] is None
    day = int(datetime(2023, 11, 1, tzinfo=timezone.utc).timestamp() * 1000)
    status, _, doc = call(server, "GET", f"/visits_daily/_doc/{fixed_size_id(f'daily#{day}#home')}")
    assert status == 200
    home = [v for v in VISITS if v[1] == "home"]
    values = [v[3] for v in home]
    source = doc["_source"]
    assert source["_doc_count"] == len(home) and source["rollup._id"] == "daily"
    assert (source["ms.sum"], source["ms.min"], source["ms.max"], source["ms.value_count"]) == (
        sum(values), min(values), max(values), len(values))
    assert (source["ms.avg.sum"], source["ms.avg.value_count"]) == (sum(values), len(values))
    assert isinstance(source["visitor.hll"], str)

    search = {"size": 0, "aggs": {"avg": {"avg": {"field": "ms"}}, "visitors": {"cardinality": {"field": "visitor"}}}}
    result = call(server, "POST", "/visits_daily/_search", search)[2]["aggregations"]
    everything = [v[3] for v in VISITS] + [5]
    assert result["avg"]["value"] == pytest.approx(sum(everything) / len(everything))
    distinct = len({v[2] for v in VISITS})
    assert abs(result["visitors"]["value"] - distinct) <= 0.05 * distinct


def test_a_continuous_second_tier_windows_the_rolled_up_dates(server):
    body = tier2("2h")
    body["rollup"]["continuous"] = True
    metadata = second_tier(server, body)
    assert metadata["status"] == "started" and metadata["failure_reason"] is None
    now = int(server.cluster.clock.now() * 1000)
    window = metadata["continuous"]
    assert window["next_window_start_time"] < now <= window["next_window_end_time"]  # caught up
    assert call(server, "GET", "/visits_daily/_count")[2]["count"] == 2  # 10:00 and 12:00


def test_before_3_5_a_rollup_source_is_an_ordinary_index(start_mock):
    server = start(start_mock, "3.4.0")
    hourly = copy.deepcopy(HOURLY)
    hourly["rollup"]["metrics"] = hourly["rollup"]["metrics"][:1]
    call(server, "PUT", f"{JOBS}/hourly", hourly)
    server.cluster.clock.advance(60)
    metadata = second_tier(server, tier2("1h", metrics=hourly["rollup"]["metrics"]))
    assert not (metadata["failure_reason"] or "").startswith("Target interval")  # no rollup-of-rollup checks
