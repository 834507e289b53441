"""Path precedence and names as the real REST layer has them: a literal segment beats a placeholder, a name
starting with `_` is never an index, and 405 / no handler come before any parameter error."""

from urllib.parse import quote

import pytest
from elasticsearch import Elasticsearch

from tests.mock.test_http_layer import call

_BULK = '{"index":{"_index":"logs","_id":"1"}}\n{"level":"info"}\n'
_JSON = {"Content-Type": "application/json"}


def test_client_bulk_with_refresh_runs_the_bulk(es_mock):
    es = Elasticsearch(es_mock.url)
    answer = es.bulk(operations=[{"index": {"_index": "logs", "_id": "1"}}, {"level": "info"}], refresh=True)
    assert answer["errors"] is False and answer["items"][0]["index"]["result"] == "created"
    assert es.count(index="logs")["count"] == 1
    assert not es.indices.exists(index="_bulk")


@pytest.mark.parametrize("method", ["PUT", "POST"])
def test_bulk_literal_beats_the_index_placeholder(es_mock, method):
    status, _, body = call(es_mock, method, "/_bulk?refresh=true", _BULK, _JSON)
    assert status == 200 and body["items"][0]["index"]["_index"] == "logs"


@pytest.mark.parametrize(("name", "why"), [
    ("_foo", "must not start with '_', '-', or '+'"),
    ("_Foo", "must not start with '_', '-', or '+'"),  # checked before the case
    ("-foo", "must not start with '_', '-', or '+'"),
    ("a#b", "must not contain '#'"),
    ("Foo", "must be lowercase"),
])
def test_invalid_index_names(es_mock, name, why):
    for method, path, body in (("PUT", f"/{quote(name)}", None), ("PUT", f"/{quote(name)}/_doc/1", '{"a":1}')):
        status, _, answer = call(es_mock, method, path, body, _JSON)
        assert status == 400, (path, answer)
        assert answer["error"]["type"] == "invalid_index_name_exception"
        assert answer["error"]["reason"] == f"Invalid index name [{name}], {why}"


def test_a_literal_without_the_method_falls_through_to_the_placeholder(es_mock):
    status, _, body = call(es_mock, "GET", "/_tasks/_cancel")
    assert status == 400 and body["error"]["reason"] == "malformed task id _cancel"


def test_routing_errors_come_before_parameter_errors(es_mock):
    status, _, body = call(es_mock, "PUT", "/_rollup/job/x/_stop?bogus=1")
    assert status == 405 and body["error"].startswith("Incorrect HTTP method")
    status, _, body = call(es_mock, "POST", "/_rollup/job/x/_bogus?bogus=1")
    assert status == 400 and body == {"error": "no handler found for uri [/_rollup/job/x/_bogus?bogus=1] and method [POST]"}
