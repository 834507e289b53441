"""The mock's REST layer over a real socket: routing errors, parameter parsing, headers, no 500s."""

import json
import urllib.request
from urllib.error import HTTPError

import pytest


def call(server, method, path, body=None, headers=None):
    data = body.encode() if isinstance(body, str) else body
    request = urllib.request.Request(server.url + path, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, dict(response.headers), json.loads(response.read() or "null")
    except HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read() or "null")


def test_root_answers_like_elasticsearch(es_mock):
    status, headers, body = call(es_mock, "GET", "/")
    assert status == 200 and headers["X-elastic-product"] == "Elasticsearch"
    assert body["version"]["number"] == "8.17.0" and body["tagline"] == "You Know, for Search"


def test_root_answers_like_opensearch(os_mock):
    status, headers, body = call(os_mock, "GET", "/")
    assert body["version"]["distribution"] == "opensearch" and "X-elastic-product" not in headers


def test_unknown_path_and_wrong_method(es_mock):
    assert call(es_mock, "POST", "/_rollup/job/x/_bogus")[2] == {
        "error": "no handler found for uri [/_rollup/job/x/_bogus] and method [POST]"}
    status, headers, body = call(es_mock, "PUT", "/_rollup/job/x/_stop?pretty")
    assert status == 405 and headers["Allow"] == "POST"
    assert body == {"error": "Incorrect HTTP method for uri [/_rollup/job/x/_stop?pretty] and method [PUT], "
                             "allowed: [POST]", "status": 405}


@pytest.mark.parametrize(("query", "reason"), [
    ("timeout=10", "failed to parse setting [timeout] with value [10] as a time value: unit is missing or unrecognized"),
    ("timeout=10M", "failed to parse setting [timeout] with value [10M] as a time value: unit is missing or unrecognized"),
    ("timeout=-5s", "failed to parse setting [timeout] with value [-5s] as a time value: negative durations are not supported"),
    ("timeout=abcs", "failed to parse [abcs]"),
    ("wait_for_completion=TRUE", "Failed to parse value [TRUE] as only [true] or [false] are allowed."),
    ("timeot=1s", "request [/_rollup/job/x/_stop] contains unrecognized parameter: [timeot] -> did you mean [timeout]?"),
    ("a=1&b=2", "request [/_rollup/job/x/_stop] contains unrecognized parameters: [a], [b]"),
    ("timeout=bad&nope=1", "failed to parse [bad]"),
])
def test_bad_parameters_get_the_real_400(es_mock, query, reason):
    status, _, body = call(es_mock, "POST", f"/_rollup/job/x/_stop?{query}")
    assert status == 400
    assert body == {"error": {"root_cause": [{"type": "illegal_argument_exception", "reason": reason}],
                              "type": "illegal_argument_exception", "reason": reason}, "status": 400}


def test_valid_time_values_and_bare_flags_parse(es_mock):
    for query in ("timeout=30s", "timeout=500ms", "timeout=1m", "timeout=-1", "timeout=0", "wait_for_completion"):
        assert call(es_mock, "POST", f"/_rollup/job/x/_stop?{query}")[0] == 404, query


def test_body_on_a_bodiless_endpoint(es_mock):
    status, _, body = call(es_mock, "POST", "/_rollup/job/x/_stop", "{}", {"Content-Type": "application/json"})
    assert status == 400 and body["error"]["reason"] == "request [POST /_rollup/job/x/_stop] does not support having a body"


def test_compatible_with_headers(es_mock):
    ok = {"Accept": "application/vnd.elasticsearch+json; compatible-with=8"}
    status, headers, _ = call(es_mock, "GET", "/", headers=ok)
    assert status == 200 and headers["Content-Type"].startswith("application/vnd.elasticsearch+json;compatible-with=8")
    status, _, body = call(es_mock, "GET", "/", headers={"Accept": "application/vnd.elasticsearch+json; compatible-with=9"})
    assert status == 400 and body["error"]["type"] == "media_type_header_exception"
    assert body["error"]["caused_by"]["reason"].startswith("Accept version must be either version 8 or 7, but found 9.")


@pytest.mark.parametrize(("method", "path", "body"), [
    ("PUT", "/_rollup/job/x", "not json"), ("PUT", "/_rollup/job/x", "[]"), ("PUT", "/_rollup/job/x", "{}"),
    ("PUT", "/_rollup/job/x", '{"index_pattern": 5}'), ("PUT", "/_rollup/job/x", ""),
    ("PUT", "/BadIndex", ""), ("PUT", "/_x", ""), ("POST", "/_bulk", "{\"index\": 1}\n"), ("POST", "/_bulk", "nope\n"),
    ("POST", "/i/_doc", "[1]"), ("GET", "/missing/_search", ""), ("POST", "/x/_search", '{"query": {"wat": {}}}'),
    ("DELETE", "/missing", ""), ("POST", "/_stopcheck/fixtures/nope", ""),
    ("POST", "/_stopcheck/fixtures/slow_stop", '{"job_id": "missing"}'),
    ("POST", "/_stopcheck/fixtures/slow_stop", '{}'),
])
def test_bad_input_never_yields_a_500(es_mock, method, path, body):
    status, _, answer = call(es_mock, method, path, body or None, {"Content-Type": "application/json"})
    assert 400 <= status < 500, answer
    assert answer is None or "error" in answer or answer.get("errors") is True


def test_error_trace_is_honoured(es_mock):
    assert "stack_trace" not in call(es_mock, "POST", "/_rollup/job/x/_stop")[2]["error"]
    traced = call(es_mock, "POST", "/_rollup/job/x/_stop?error_trace=true")[2]["error"]
    assert traced["stack_trace"].startswith("ResourceNotFoundException[Task for Rollup Job [x] not found]")
