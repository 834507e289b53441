"""Data frame analytics over a real socket: the stop API's parameters, bodies, errors and timing paths."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

import pytest


BASE = "/_ml/data_frame/analytics"


class Client:
    def __init__(self, url: str) -> None:
        self.url = url

    def __call__(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None,
                 **params: Any) -> tuple[int, Any]:
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        data = body.encode() if isinstance(body, str) else None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path + query, data=data, method=method,
                                         headers={"Content-Type": "application/json", **(headers or {})})
        try:
            with urllib.request.urlopen(request) as response:
                return response.status, json.load(response)
        except urllib.error.HTTPError as error:
            return error.code, json.load(error)

    def fixture(self, name: str, **args: Any) -> None:
        assert self("POST", f"/_stopcheck/fixtures/{name}", args)[0] == 200

    def job(self, job_id: str, **analysis: Any) -> None:
        status, _ = self("PUT", f"{BASE}/{job_id}", {"source": {"index": "src"}, "dest": {"index": f"{job_id}-dest"},
                                                     "analysis": analysis or {"outlier_detection": {}}})
        assert status == 200

    def state(self, job_id: str) -> str:
        return self("GET", f"{BASE}/{job_id}/_stats")[1]["data_frame_analytics"][0]["state"]


@pytest.fixture
def client(start_mock) -> Client:
    """A mock on a ManualClock: waits inside the mock advance its time, so timing paths run instantly."""
    api = Client(start_mock(clock="manual").url)
    api("PUT", "/src", {"mappings": {"properties": {"x": {"type": "double"}}}})
    for i in range(4):
        api("PUT", f"/src/_doc/{i}", {"x": i})
    return api


def error_of(answer: tuple[int, Any]) -> tuple[int, str, str]:
    status, body = answer
    return status, body["error"]["type"], body["error"]["reason"]


def test_stop_one_job(client):
    client.job("one")
    status, started = client("POST", f"{BASE}/one/_start")
    assert status == 200 and started["acknowledged"] is True and started["node"]
    assert client.state("one") == "started"
    assert client("POST", f"{BASE}/one/_stop") == (200, {"stopped": True})
    assert client.state("one") == "stopped"
    assert client("POST", f"{BASE}/one/_stop") == (200, {"stopped": True})


@pytest.mark.parametrize("expression", ["m-1,m-2", "m-*", "_all", "*"])
def test_stop_several_jobs(client, expression):
    for job_id in ("m-1", "m-2"):
        client.job(job_id)
        client("POST", f"{BASE}/{job_id}/_start")
    assert client("POST", f"{BASE}/{expression}/_stop") == (200, {"stopped": True})
    assert {client.state("m-1"), client.state("m-2")} == {"stopped"}


def test_allow_no_match(client):
    client.job("present")
    assert client("POST", f"{BASE}/absent-*/_stop") == (200, {"stopped": True})
    assert client("POST", f"{BASE}/absent-*/_stop", allow_no_match="true") == (200, {"stopped": True})
    assert error_of(client("POST", f"{BASE}/absent-*/_stop", allow_no_match="false")) == (
        404, "resource_not_found_exception", "No known data frame analytics with id [absent-*]")
    for allow in ("true", "false"):
        assert error_of(client("POST", f"{BASE}/absent/_stop", allow_no_match=allow)) == (
            404, "resource_not_found_exception", "No known data frame analytics with id [absent]")
    assert client("POST", f"{BASE}/present/_stop", {"allow_no_match": False}) == (200, {"stopped": True})


def test_stop_timeout_answers_the_persistent_task_timeout_and_the_job_still_stops(client):
    client.job("slow")
    client("POST", f"{BASE}/slow/_start")
    client.fixture("ml_slow_stop", job_id="slow", seconds=100)
    assert error_of(client("POST", f"{BASE}/slow/_stop", timeout="2s")) == (
        500, "illegal_state_exception", "Timed out when waiting for persistent tasks after 2s")
    assert client.state("slow") == "stopping"
    assert error_of(client("POST", f"{BASE}/slow/_stop", {"timeout": "90s"}))[2] == (
        "Timed out when waiting for persistent tasks after 1.5m")
    assert client("POST", f"{BASE}/slow/_stop") == (200, {"stopped": True})  # default 30s: the stop is done
    assert client.state("slow") == "stopped"


def test_force_is_the_only_way_to_stop_a_failed_job(client):
    client.job("broken")
    client("POST", f"{BASE}/broken/_start")
    client.fixture("ml_fail_job", job_id="broken", reason="out of memory")
    stats = client("GET", f"{BASE}/broken/_stats")[1]["data_frame_analytics"][0]
    assert (stats["state"], stats["failure_reason"]) == ("failed", "out of memory")
    assert error_of(client("POST", f"{BASE}/broken/_stop")) == (
        409, "status_exception", "cannot close data frame analytics [broken] because it failed, use force stop "
                                 "instead")
    assert client("POST", f"{BASE}/broken/_stop", force="true") == (200, {"stopped": True})
    assert client.state("broken") == "stopped"


def test_a_job_over_its_memory_limit_warns_at_start_then_fails_and_needs_force(client):
    status, _ = client("PUT", f"{BASE}/starved", {"source": {"index": "src"}, "dest": {"index": "starved-dest"},
                                                  "analysis": {"outlier_detection": {}}, "model_memory_limit": "1kb"})
    assert status == 200
    client.fixture("ml_phase_seconds", job_id="starved", seconds=0)
    request = urllib.request.Request(f"{client.url}{BASE}/starved/_start", method="POST")
    with urllib.request.urlopen(request) as response:
        assert json.load(response)["acknowledged"] is True
        warning = response.headers["Warning"]
    assert re.fullmatch(r'299 Elasticsearch-\S+ "Configured model memory limit \[1kb\] is lower than the expected '
                        r'memory usage \[[\d.]+kb\]\. The analytics job may fail due to configured memory '
                        r'constraints\."', warning), warning
    stats = client("GET", f"{BASE}/starved/_stats")[1]["data_frame_analytics"][0]
    assert stats["state"] == "failed" and stats["node"]["id"] and stats["memory_usage"]["status"] == "hard_limit"
    assert stats["failure_reason"].startswith("[starved] analytics process stopped unexpectedly: Input error: memory "
                                              "limit [1 kb] has been exceeded.")
    assert error_of(client("POST", f"{BASE}/starved/_stop"))[0] == 409
    assert client("POST", f"{BASE}/starved/_stop", force="true") == (200, {"stopped": True})
    assert client.state("starved") == "stopped"


def test_force_stop_does_not_wait_for_a_slow_stop(client):
    client.job("stubborn")
    client("POST", f"{BASE}/stubborn/_start")
    client.fixture("ml_slow_stop", job_id="stubborn", seconds=3600)
    assert client("POST", f"{BASE}/stubborn/_stop", {"force": True, "timeout": "1s"}) == (200, {"stopped": True})
    assert client.state("stubborn") == "stopped"


@pytest.mark.parametrize("params, reason", [
    ({"timeout": "10x"}, "failed to parse setting [timeout] with value [10x] as a time value: unit is missing or "
                         "unrecognized"),
    ({"force": "maybe"}, "Failed to parse value [maybe] as only [true] or [false] are allowed."),
    ({"allow_no_match": "yes"}, "Failed to parse value [yes] as only [true] or [false] are allowed."),
    ({"wait_for_completion": "true"}, "request [/_ml/data_frame/analytics/j/_stop] contains unrecognized parameter: "
                                      "[wait_for_completion]"),
])
def test_bad_query_parameters(client, params, reason):
    client.job("j")
    assert error_of(client("POST", f"{BASE}/j/_stop", **params)) == (400, "illegal_argument_exception", reason)


def test_parameters_go_in_the_query_or_in_the_body_never_both(client):
    client.job("j")
    assert client("POST", f"{BASE}/j/_stop", {"timeout": "5s", "force": False, "allow_no_match": True, "id": "j"}) \
        == (200, {"stopped": True})
    assert error_of(client("POST", f"{BASE}/j/_stop", {}, force="true", timeout="5s")) == (
        400, "illegal_argument_exception",
        "request [/_ml/data_frame/analytics/j/_stop] contains unrecognized parameters: [force], [timeout]")
    assert error_of(client("POST", f"{BASE}/url_id/_stop", {"id": "body_id"})) == (
        400, "illegal_argument_exception",
        "Inconsistent id; 'body_id' specified in the body differs from 'url_id' specified as a URL argument")
    status, kind, reason = error_of(client("POST", f"{BASE}/j/_stop", {"wait": True}))
    assert (status, kind) == (400, "x_content_parse_exception")
    assert reason.endswith("[cluster:admin/xpack/ml/data_frame/analytics/stop] unknown field [wait]")
    status, body = client("POST", f"{BASE}/j/_stop", {"force": "maybe"})
    assert status == 400 and body["error"]["caused_by"]["reason"] == (
        "Failed to parse value [maybe] as only [true] or [false] are allowed.")
    assert error_of(client("POST", f"{BASE}/j/_stop", "{not json"))[:2] == (400, "x_content_parse_exception")


def test_wrong_method_and_routes(client):
    status, body = client("GET", f"{BASE}/j/_stop")
    assert status == 405 and body["error"].endswith("allowed: [POST]")
    assert client("GET", BASE) == (200, {"count": 0, "data_frame_analytics": []})
    assert client("GET", f"{BASE}/_stats") == (200, {"count": 0, "data_frame_analytics": []})


def test_start_stop_start_again_until_the_job_finishes(client):
    client.job("cycle")
    client.fixture("ml_phase_seconds", job_id="cycle", seconds=10)
    for _ in range(2):
        assert client("POST", f"{BASE}/cycle/_start")[0] == 200
        assert client("POST", f"{BASE}/cycle/_stop") == (200, {"stopped": True})
    client.fixture("ml_phase_seconds", job_id="cycle", seconds=0)
    assert client("POST", f"{BASE}/cycle/_start")[0] == 200
    stats = client("GET", f"{BASE}/cycle/_stats")[1]["data_frame_analytics"][0]
    assert stats["state"] == "stopped" and {p["progress_percent"] for p in stats["progress"]} == {100}
    assert client("GET", "/cycle-dest/_count")[1]["count"] == 4
    hit = client("GET", "/cycle-dest/_doc/0")[1]["_source"]
    assert 0 <= hit["ml"]["outlier_score"] <= 1
    assert error_of(client("POST", f"{BASE}/cycle/_start")) == (
        400, "status_exception", "Cannot start because the job has already finished")


def test_slow_start_waits_for_assignment_or_times_out(client):
    client.job("late")
    client.fixture("ml_slow_start", job_id="late", seconds=30)
    assert error_of(client("POST", f"{BASE}/late/_start", timeout="5s")) == (
        408, "status_exception", "Starting data frame analytics [late] timed out after [5s]")
    assert client.state("late") == "starting"
    assert client("POST", f"{BASE}/late/_stop") == (200, {"stopped": True})
    status, body = client("POST", f"{BASE}/late/_start", {"timeout": "1m"})
    assert status == 200 and body["node"] and client.state("late") == "started"


def test_put_get_delete_and_paging(client):
    client.job("b")
    client.job("a", regression={"dependent_variable": "x"})
    status, body = client("PUT", f"{BASE}/Bad", {"source": {"index": "src"}, "dest": {"index": "d"},
                                                "analysis": {"outlier_detection": {}}})
    assert status == 400 and body["error"]["type"] == "action_request_validation_exception"
    listing = client("GET", f"{BASE}/_all", size=1)[1]
    assert listing["count"] == 2 and [c["id"] for c in listing["data_frame_analytics"]] == ["a"]
    assert "create_time" not in client("GET", f"{BASE}/b", exclude_generated="true")[1]["data_frame_analytics"][0]
    assert error_of(client("GET", f"{BASE}/_stats", size=-1))[2] == "Parameter [size] cannot be < 0"
    assert error_of(client("GET", f"{BASE}/_stats", size=10_000, **{"from": 1}))[2] == (
        "The sum of parameters [from] and [size] cannot be higher than 10000.")
    client("POST", f"{BASE}/b/_start")
    assert error_of(client("DELETE", f"{BASE}/b")) == (
        409, "status_exception", "Cannot delete data frame analytics [b] while its status is [started]")
    assert client("DELETE", f"{BASE}/b", force="true") == (200, {"acknowledged": True})
    assert error_of(client("DELETE", f"{BASE}/b"))[0] == 404
    assert error_of(client("PUT", f"{BASE}/c"))[:2] == (400, "parse_exception")


def test_fixtures_need_their_arguments(client):
    status, body = client("POST", "/_stopcheck/fixtures/ml_slow_stop", {})
    assert status == 400 and body["error"]["reason"] == "fixture argument [job_id] is required"
    assert client("POST", "/_stopcheck/fixtures/ml_fail_job", {"job_id": "nope"})[0] == 404


def test_the_destination_index_is_current_without_asking_the_ml_apis(start_mock):
    server = start_mock(clock="manual")
    api, clock = Client(server.url), server.cluster.clock
    api("PUT", "/src/_doc/1", {"x": 1.0})
    api.job("quiet")
    api("POST", f"{BASE}/quiet/_start")
    clock.advance(60)
    assert api("GET", "/quiet-dest/_count")[1]["count"] == 1
    assert "outlier_score" in api("GET", "/quiet-dest/_doc/1")[1]["_source"]["ml"]


def test_security_guards_the_stop_action(client):
    client.job("guarded")
    client("PUT", "/_security/role/viewer", {"cluster": ["monitor"]})
    client("PUT", "/_security/user/viewer", {"password": "Secret-123", "roles": ["viewer"]})
    status, body = client("POST", f"{BASE}/guarded/_stop", headers={"es-security-runas-user": "viewer"})
    assert status == 403 and body["error"]["reason"].startswith(
        "action [cluster:admin/xpack/ml/data_frame/analytics/stop] is unauthorized for user [elastic] run as [viewer]")
    assert body["error"]["reason"].endswith("this action is granted by the cluster privileges [manage_ml,manage,all]")
