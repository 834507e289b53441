"""The request path's shortcuts answer exactly what the full path answers: the depth-first route lookup, default
parameters, constant answers encoded once, and the principal an authorization reuses from authentication."""

import base64
import json

import pytest
import urllib3

from mockserver.cluster import Cluster
from mockserver.errors import ApiError
from mockserver.routing import STOPPED, Request, Route, Router
from mockserver.settings import MockSettings

ROLLUP_JOB = {"index_pattern": "src", "rollup_index": "src-rollup", "cron": "*/30 * * * * ?", "page_size": 10,
              "groups": {"date_histogram": {"field": "t", "fixed_interval": "1h"}}}
USERS = {
    "users": {"elastic": {"password": "elastic-pw", "roles": ["superuser"]},
              "viewer": {"password": "viewer-pw", "roles": ["watcher"]}},
    "roles": {"watcher": {"cluster": ["monitor"]}},
}


def basic(user, password):
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def raw(server, method, path, body=None):
    response = urllib3.request(method, server.url + path, body=body and json.dumps(body),
                               headers={"Content-Type": "application/json"}, retries=False)
    return response.status, response.data


@pytest.fixture
def rollup_mock(es_mock):
    assert raw(es_mock, "PUT", "/src", {"mappings": {"properties": {"t": {"type": "date"}}}})[0] == 200
    assert raw(es_mock, "PUT", "/src-rollup", {"mappings": {"_meta": {"_rollup": {}}}})[0] == 200
    assert raw(es_mock, "PUT", "/_rollup/job/r1", ROLLUP_JOB)[0] == 200
    return es_mock


def test_a_constant_answer_is_the_compact_encoding_and_still_pretty_prints(rollup_mock):
    assert raw(rollup_mock, "POST", "/_rollup/job/r1/_stop") == (200, b'{"stopped":true}')
    assert raw(rollup_mock, "POST", "/_rollup/job/r1/_stop?pretty") == (200, b'{\n  "stopped": true\n}')
    assert STOPPED.compact == json.dumps(STOPPED.body, separators=(",", ":")).encode()


def test_routing_errors_name_each_request_uri(rollup_mock):
    for query in ("", "?a=1", "?b=2"):
        status, body = raw(rollup_mock, "GET", f"/_rollup/job/r1/_stop{query}")
        assert status == 405
        assert json.loads(body)["error"] == (f"Incorrect HTTP method for uri [/_rollup/job/r1/_stop{query}] and "
                                             f"method [GET], allowed: [POST]")
        status, body = raw(rollup_mock, "POST", f"/_rollup/nowhere{query}")
        assert (status, json.loads(body)) == (400, {
            "error": f"no handler found for uri [/_rollup/nowhere{query}] and method [POST]"})


def test_each_call_gets_its_own_path_and_query_parameters():
    router = Router(Cluster(MockSettings()).routes())
    request = Request("POST", "/_rollup/job/r1/_stop", "/_rollup/job/r1/_stop", {})
    _, first = router.resolve(request)
    first.path_params["id"], first.params["wait_for_completion"] = "changed", True
    _, second = router.resolve(request)
    assert second.path_params == {"id": "r1"} and second.params["wait_for_completion"] is False
    _, other = router.resolve(Request("POST", "/_rollup/job/r2/_stop", "/_rollup/job/r2/_stop", {}))
    assert other.path_params == {"id": "r2"}


def test_a_parameter_read_from_the_path_is_parsed_even_without_a_query_string():
    router = Router(Cluster(MockSettings()).routes())
    with pytest.raises(ApiError) as refused:  # `task_id` is parsed from the path: a bad one is the real 400
        router.resolve(Request("GET", "/_tasks/no-colon", "/_tasks/no-colon", {}))
    assert refused.value.status == 400


def test_authorizing_a_call_with_other_headers_finds_its_own_principal():
    cluster = Cluster(MockSettings(security=USERS))
    router = Router(cluster.routes())
    stop = "/_rollup/job/r1/_stop"
    cluster.authenticate(Request("POST", stop, stop, {}, headers=basic("elastic", "elastic-pw")))
    _, viewer_call = router.resolve(Request("POST", stop, stop, {}, headers=basic("viewer", "viewer-pw")))
    with pytest.raises(ApiError) as refused:
        cluster.authorize(viewer_call)
    assert refused.value.status == 403 and "[viewer]" in refused.value.reason
    viewer = Request("POST", stop, stop, {}, headers=basic("viewer", "viewer-pw"))
    cluster.authenticate(viewer)
    _, elastic_call = router.resolve(Request("POST", stop, stop, {}, headers=basic("elastic", "elastic-pw")))
    cluster.authorize(elastic_call)  # the superuser may, though the viewer was authenticated last


async def _ok(call):
    return {}


def test_the_lookup_falls_back_from_a_literal_segment_to_a_placeholder_for_the_path_and_for_the_method():
    router = Router([(Route("GET", "/a/b/c", _ok), None), (Route("GET", "/{x}/b/d", _ok), None),
                     (Route("GET", "/a/{y}", _ok), None), (Route("POST", "/{x}/z", _ok), None)])
    assert router.match("GET", ["a", "b", "c"], "/a/b/c")[0].pattern == "/a/b/c"
    assert router.match("GET", ["a", "b", "d"], "/a/b/d")[0].pattern == "/{x}/b/d"
    assert router.match("GET", ["a", "z"], "/a/z")[0].pattern == "/a/{y}"  # the literal first segment wins
    assert router.match("POST", ["a", "z"], "/a/z")[0].pattern == "/{x}/z"
    with pytest.raises(ApiError) as refused:
        router.match("PUT", ["a", "z"], "/a/z")
    assert (refused.value.status, refused.value.headers) == (405, {"Allow": "GET,POST"})
