"""The `cardinality` rollup metric of OpenSearch 3.5 over HTTP: parsing and its errors, how a job prints it,
the target index's mapping, the sketches in rolled-up documents and `cardinality` searches of a rollup index.
Sketch bytes are opaque (their encoding is not asserted) and estimates are checked as the plugin's own tests
check them, within 5% of the exact distinct count."""

from __future__ import annotations

import base64
import copy
from datetime import datetime, timezone

import pytest

from conformance.schemas import store
from mockserver.families.opensearch_rollup.murmur import fixed_size_id
from tests.mock.test_opensearch_rollup_http import JOBS, call

VISITS = [(f"2023-11-01T{10 + i % 4}:{i:02d}:00Z", "home" if i % 3 else "about", f"v{i % 7}", i) for i in range(28)]
JOB = {"rollup": {
    "source_index": "visits", "target_index": "visits_hourly", "description": "visits per hour", "page_size": 100,
    "schedule": {"interval": {"period": 1, "unit": "Minutes"}},
    "dimensions": [{"date_histogram": {"source_field": "ts", "fixed_interval": "1h"}},
                   {"terms": {"source_field": "page"}}],
    "metrics": [{"source_field": "ms", "metrics": [{"sum": {}}, {"cardinality": {"precision_threshold": 100}}]},
                {"source_field": "visitor", "metrics": [{"cardinality": {}}]}],
}}


def with_metrics(*metrics: dict) -> dict:
    body = copy.deepcopy(JOB)
    body["rollup"]["metrics"] = list(metrics)
    return body


def start(start_mock, version: str = "3.5.0"):
    server = start_mock(clock="manual", flavour="opensearch", version=version)
    call(server, "PUT", "/visits", {"mappings": {"properties": {
        "ts": {"type": "date"}, "page": {"type": "keyword"}, "visitor": {"type": "keyword"}, "ms": {"type": "long"}}}})
    for i, (ts, page, visitor, ms) in enumerate(VISITS):
        call(server, "PUT", f"/visits/_doc/{i}", {"ts": ts, "page": page, "visitor": visitor, "ms": ms})
    call(server, "PUT", "/visits/_doc/anonymous", {"ts": "2023-11-01T13:59:00Z", "page": "contact", "ms": 5})
    return server


@pytest.fixture
def server(start_mock):
    return start(start_mock)


def run(server) -> dict:
    """Let the one-minute schedule fire; the job's explained metadata."""
    server.cluster.clock.advance(60)
    return call(server, "GET", f"{JOBS}/hourly/_explain")[2]["hourly"]["rollup_metadata"]


def within_five_percent(estimate: int, exact: int) -> bool:
    return abs(estimate - exact) <= 0.05 * exact


# parsing and output -----------------------------------------------------------------------------------------
def test_a_job_prints_its_cardinality_metrics_with_a_threshold_only_when_not_the_default(server):
    body = with_metrics({"source_field": "visitor", "metrics": [
        {"max": {}}, {"cardinality": {"precision_threshold": 3000}}]},
        {"source_field": "ms", "metrics": [{"cardinality": {"precision_threshold": "25"}}, {"min": {}}]})
    status, _, created = call(server, "PUT", f"{JOBS}/hourly", body)
    assert status == 201
    expected = [{"source_field": "visitor", "metrics": [{"max": {}}, {"cardinality": {}}]},
                {"source_field": "ms", "metrics": [{"cardinality": {"precision_threshold": 25}}, {"min": {}}]}]
    assert created["rollup"]["metrics"] == expected
    got = call(server, "GET", f"{JOBS}/hourly")[2]
    assert got["rollup"]["metrics"] == expected
    schemas = store()
    assert not schemas.errors("opensearch_rollup.schema.json#/$defs/put_job_request", body)
    assert not schemas.errors("opensearch_rollup.schema.json#/$defs/job_response", got)


@pytest.mark.parametrize(("metrics", "reason"), [
    ([{"cardinality": {"precision": 10}}], "Invalid field [precision] found in cardinality metric"),
    ([{"cardinality": {"precision_threshold": 0}}], "Precision threshold must be positive, got: 0"),
    ([{"sum": {}}, {"cardinality": {"precision_threshold": -4}}, {"bogus": {}}],
     "Precision threshold must be positive, got: -4"),
    ([{"cardinality": {}}, {"sum": {}}, {"cardinality": {"precision_threshold": 10}}],
     "Cannot have multiple metrics of the same type in a single rollup metric "
     "[[Cardinality(precisionThreshold=3000), Sum(), Cardinality(precisionThreshold=10)]]"),
])
def test_cardinality_errors(server, metrics, reason):
    status, _, body = call(server, "PUT", f"{JOBS}/hourly", with_metrics({"source_field": "ms", "metrics": metrics}))
    assert (status, body["error"]["type"], body["error"]["reason"]) == (400, "illegal_argument_exception", reason)


def test_before_3_5_cardinality_is_an_unknown_metric(start_mock):
    server = start(start_mock, "3.4.0")
    status, _, body = call(server, "PUT", f"{JOBS}/hourly", JOB)
    assert (status, body["error"]["reason"]) == (400, "Invalid metric type [cardinality] found in metrics")


def test_a_changed_threshold_is_a_change_of_metrics(server):
    created = call(server, "PUT", f"{JOBS}/hourly", JOB)[2]
    update = copy.deepcopy(JOB)
    update["rollup"]["schedule"]["interval"]["start_time"] = created["rollup"]["schedule"]["interval"]["start_time"]
    update["rollup"]["metrics"][1]["metrics"] = [{"cardinality": {"precision_threshold": 3000}}]
    assert call(server, "PUT", f"{JOBS}/hourly?if_seq_no=0&if_primary_term=1", update)[0] == 200
    update["rollup"]["metrics"][1]["metrics"] = [{"cardinality": {"precision_threshold": 2999}}]
    status, _, refused = call(server, "PUT", f"{JOBS}/hourly?if_seq_no=1&if_primary_term=1", update)
    assert (status, refused["error"]["reason"]) == (400, "Not allowed to modify [metrics]")


# the target index and its documents -------------------------------------------------------------------------
def test_the_target_maps_each_sketch_with_the_precision_of_its_threshold(server):
    call(server, "PUT", f"{JOBS}/hourly", JOB)
    assert run(server)["status"] == "finished"
    mappings = call(server, "GET", "/visits_hourly/_mapping")[2]["visits_hourly"]["mappings"]
    assert {"cardinality_sketches": {"path_match": "*.hll", "mapping": {"type": "hll", "doc_values": True}}} \
        in mappings["dynamic_templates"]
    properties = mappings["properties"]
    assert properties["ms"]["properties"]["hll"] == {"type": "hll", "precision": 10, "doc_values": True}
    assert properties["visitor"]["properties"]["hll"] == {"type": "hll", "precision": 14, "doc_values": True}


def test_before_3_5_the_target_has_no_sketch_template(start_mock):
    server = start(start_mock, "3.4.0")
    call(server, "PUT", f"{JOBS}/hourly", with_metrics({"source_field": "ms", "metrics": [{"sum": {}}]}))
    run(server)
    templates = call(server, "GET", "/visits_hourly/_mapping")[2]["visits_hourly"]["mappings"]["dynamic_templates"]
    assert [next(iter(t)) for t in templates] == ["strings", "date_histograms"]


def test_a_rolled_up_document_holds_an_opaque_sketch_or_null(server):
    call(server, "PUT", f"{JOBS}/hourly", JOB)
    run(server)
    hour = int(datetime(2023, 11, 1, 13, tzinfo=timezone.utc).timestamp() * 1000)

    def rolled_up(page: str) -> dict:
        status, _, doc = call(server, "GET", f"/visits_hourly/_doc/{fixed_size_id(f'hourly#{hour}#{page}')}")
        assert status == 200
        return doc["_source"]

    home = rolled_up("home")
    assert home["_doc_count"] == 4 and home["ms.sum"] == float(sum(v[3] for v in VISITS if v[0][11:13] == "13"
                                                                   and v[1] == "home"))
    for field in ("ms.hll", "visitor.hll"):
        assert isinstance(home[field], str) and base64.b64decode(home[field], validate=True)
    assert rolled_up("contact")["visitor.hll"] is None  # the bucket has no visitor


def test_a_sketch_no_rollup_job_wrote_is_a_clear_search_error(server):
    call(server, "PUT", f"{JOBS}/hourly", JOB)
    run(server)
    call(server, "PUT", "/visits_hourly/_doc/forged", {"rollup._id": "hourly", "visitor.hll": "bm90IGEgc2tldGNo"})
    status, _, refused = call(server, "POST", "/visits_hourly/_search",
                              {"size": 0, "aggs": {"c": {"cardinality": {"field": "visitor"}}}})
    assert status == 400 and refused["error"]["type"] == "search_phase_execution_exception"


# rollup search ----------------------------------------------------------------------------------------------
def test_a_cardinality_search_of_the_rollup_index_estimates_the_distinct_values(server):
    call(server, "PUT", f"{JOBS}/hourly", JOB)
    run(server)
    search = {"size": 0, "aggs": {"visitors": {"cardinality": {"field": "visitor", "precision_threshold": 5}},
                                  "pages": {"terms": {"field": "page"},
                                            "aggs": {"visitors": {"cardinality": {"field": "visitor"}}}}}}
    status, _, result = call(server, "POST", "/visits_hourly/_search", search)
    assert status == 200
    aggregations = result["aggregations"]
    assert within_five_percent(aggregations["visitors"]["value"], len({v[2] for v in VISITS}))
    for bucket in aggregations["pages"]["buckets"]:
        exact = len({v[2] for v in VISITS if v[1] == bucket["key"]})
        assert within_five_percent(bucket["visitors"]["value"], exact) and isinstance(bucket["visitors"]["value"], int)
    refused = call(server, "POST", "/visits_hourly/_search",
                   {"size": 0, "aggs": {"c": {"cardinality": {"field": "page"}}}})
    assert refused[0] == 400 and refused[2]["error"]["root_cause"][0]["reason"] == (
        "Could not find a rollup job that can answer this query because [missing cardinality aggregation on page]")


def test_before_3_5_a_rollup_search_refuses_cardinality(start_mock):
    server = start(start_mock, "3.4.0")
    call(server, "PUT", f"{JOBS}/hourly", with_metrics({"source_field": "ms", "metrics": [{"sum": {}}]}))
    run(server)
    status, _, refused = call(server, "POST", "/visits_hourly/_search",
                              {"size": 0, "aggs": {"c": {"cardinality": {"field": "ms"}}}})
    assert status == 400 and refused["error"]["root_cause"][0]["reason"] == (
        "The cardinality aggregation is not currently supported in rollups")


def test_the_official_client_puts_a_cardinality_job(server):
    from opensearchpy import OpenSearch

    created = OpenSearch(server.url).plugins.rollups.put(id="hourly", body=JOB)
    assert created["rollup"]["metrics"][0]["metrics"][1] == {"cardinality": {"precision_threshold": 100}}
