"""The OpenSearch rollup endpoints over a real socket: statuses, headers, error bodies and routing."""

from __future__ import annotations

import json
import urllib.request
from urllib.error import HTTPError

import pytest


BODY = {"rollup": {
    "source_index": "books", "target_index": "books_rollup", "description": "d", "page_size": 10,
    "schedule": {"interval": {"period": 1, "unit": "Minutes"}},
    "dimensions": [{"date_histogram": {"source_field": "order_date", "calendar_interval": "1d"}},
                   {"terms": {"source_field": "title"}}],
    "metrics": [{"source_field": "pages", "metrics": [{"sum": {}}, {"max": {}}]}],
}}
JOBS = "/_plugins/_rollup/jobs"


def call(server, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"} if data else {}
    request = urllib.request.Request(server.url + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, dict(response.headers), json.loads(response.read() or "null")
    except HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read() or "null")


@pytest.fixture
def server(start_mock):
    server = start_mock(clock="manual", flavour="opensearch")
    call(server, "PUT", "/books", {"mappings": {"properties": {
        "order_date": {"type": "date"}, "title": {"type": "keyword"}, "pages": {"type": "long"}}}})
    for i, (day, title, pages) in enumerate([("01", "a", 3), ("01", "b", 4), ("02", "a", 5)]):
        call(server, "PUT", f"/books/_doc/{i}", {"order_date": f"2024-01-{day}T08:00:00Z", "title": title,
                                                "pages": pages})
    return server


def test_missing_config_index_then_missing_job(server):
    status, _, body = call(server, "GET", f"{JOBS}/nope")
    assert status == 404 and body["error"]["type"] == "index_not_found_exception"
    assert body["error"]["root_cause"][0]["resource.id"] == ".opendistro-ism-config"
    assert call(server, "GET", f"{JOBS}/nope/_explain")[2] == {"nope": None}
    assert call(server, "PUT", f"{JOBS}/j", BODY)[0] == 201
    assert call(server, "GET", f"{JOBS}/nope")[2]["error"] == {
        "root_cause": [{"type": "status_exception", "reason": "Rollup not found"}], "type": "status_exception",
        "reason": "Rollup not found"}
    assert call(server, "DELETE", f"{JOBS}/nope")[2]["error"]["reason"] == "Rollup nope is not found"
    for action in ("_start", "_stop"):
        status, _, body = call(server, "POST", f"{JOBS}/nope/{action}")
        assert (status, body["error"]["reason"]) == (404, "Rollup not found")


def test_create_update_and_the_location_header(server):
    status, headers, created = call(server, "PUT", f"{JOBS}/j", BODY)
    assert status == 201 and headers["Location"] == f"{JOBS}/j"
    start = created["rollup"]["schedule"]["interval"]["start_time"]
    update = json.loads(json.dumps(BODY))
    update["rollup"]["schedule"]["interval"]["start_time"] = start
    update["rollup"]["description"] = "changed"
    status, headers, updated = call(server, "PUT", f"{JOBS}/j?if_seq_no=0&if_primary_term=1", update)
    assert status == 200 and "Location" not in headers
    assert (updated["_version"], updated["rollup"]["description"]) == (2, "changed")
    status, _, stale = call(server, "PUT", f"{JOBS}/j?if_seq_no=0&if_primary_term=1", update)
    assert status == 409 and stale["error"]["type"] == "version_conflict_engine_exception"
    assert stale["error"]["index"] == ".opendistro-ism-config" and stale["error"]["shard"] == "0"


def test_head_list_and_delete(server):
    call(server, "PUT", f"{JOBS}/b", BODY)
    call(server, "PUT", f"{JOBS}/a", BODY)
    assert call(server, "HEAD", f"{JOBS}/a")[0] == 200 and call(server, "HEAD", f"{JOBS}/z")[0] == 404
    listed = call(server, "GET", f"{JOBS}?size=1")[2]
    assert listed["total_rollups"] == 2 and [r["_id"] for r in listed["rollups"]] == ["a"]
    assert "_version" not in listed["rollups"][0]
    status, _, deleted = call(server, "DELETE", f"{JOBS}/a?refresh=false")
    assert status == 200 and deleted["result"] == "deleted" and "forced_refresh" not in deleted


def test_scheduled_execution_and_rollup_search(server):
    clock = server.cluster.clock
    call(server, "PUT", f"{JOBS}/j", BODY)
    clock.advance(60)
    explained = call(server, "GET", f"{JOBS}/j/_explain")[2]["j"]
    assert explained["rollup_metadata"]["status"] == "finished"
    assert explained["rollup_metadata"]["stats"]["documents_processed"] == 3
    assert call(server, "GET", "/books_rollup/_count")[2]["count"] == 3
    search = {"size": 0, "aggs": {"by_title": {"terms": {"field": "title"},
                                               "aggs": {"pages": {"sum": {"field": "pages"}}}}}}
    buckets = call(server, "POST", "/books_rollup/_search", search)[2]["aggregations"]["by_title"]["buckets"]
    assert [(b["key"], b["doc_count"], b["pages"]["value"]) for b in buckets] == [("a", 2, 8.0), ("b", 1, 4.0)]
    status, _, refused = call(server, "POST", "/books_rollup/_search", {"query": {"match_all": {}}})
    assert status == 400 and refused["error"]["type"] == "search_phase_execution_exception"


def test_run_now_fixture(server):
    call(server, "PUT", f"{JOBS}/j", BODY)
    assert call(server, "POST", "/_stopcheck/fixtures/os_rollup_run_now", {"job_id": "j"})[2]["executed"] is True
    assert call(server, "GET", f"{JOBS}/j/_explain")[2]["j"]["rollup_metadata"]["status"] == "finished"


def test_legacy_paths_warn(server):
    status, headers, _ = call(server, "PUT", "/_opendistro/_rollup/jobs/j", BODY)
    assert status == 201 and headers["Location"] == f"{JOBS}/j"
    assert "[PUT /_opendistro/_rollup/jobs/{rollupID}] is deprecated! Use [PUT /_plugins/_rollup/jobs/{rollupID}] " \
           "instead." in headers["Warning"]


@pytest.mark.parametrize(("method", "path", "body", "status", "reason"), [
    ("PUT", JOBS, BODY, 400, "Missing rollup ID"),
    ("PUT", f"{JOBS}/j?refresh=maybe", BODY, 400, "Unknown value for refresh: [maybe]."),
    ("PUT", f"{JOBS}/j?if_seq_no=x&if_primary_term=1", BODY, 400,
     "Failed to parse long parameter [if_seq_no] with value [x]"),
    ("PUT", f"{JOBS}/j?timeout=1s", BODY, 400, f"request [{JOBS}/j] contains unrecognized parameter: [timeout]"),
    ("PUT", f"{JOBS}/j", None, 400, "request body is required"),
    ("PUT", f"{JOBS}/%20", BODY, 400, "Validation Failed: 1: rollupID is missing;"),
    ("POST", f"{JOBS}/j/_start", {"a": 1}, 400, f"request [POST {JOBS}/j/_start] does not support having a body"),
    ("GET", f"{JOBS}/j/_explain?pretty=true&x=1", None, 400,
     f"request [{JOBS}/j/_explain] contains unrecognized parameter: [x]"),
])
def test_bad_requests(server, method, path, body, status, reason):
    got_status, _, got = call(server, method, path, body)
    assert got_status == status and got["error"]["reason"] == reason


def test_routing_errors(server):
    status, headers, body = call(server, "POST", f"{JOBS}/j", BODY)
    assert status == 405 and body["status"] == 405 and set(headers["Allow"].split(",")) == {
        "DELETE", "GET", "HEAD", "PUT"}
    assert call(server, "GET", "/_rollup/job/x")[2] == {"error": "no handler found for uri [/_rollup/job/x] and "
                                                                 "method [GET]"}


def test_elasticsearch_flavour_has_no_opensearch_rollups(es_mock):
    status, _, body = call(es_mock, "GET", f"{JOBS}/x")
    assert status == 400 and body == {"error": f"no handler found for uri [{JOBS}/x] and method [GET]"}
