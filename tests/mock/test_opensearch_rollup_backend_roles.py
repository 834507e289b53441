"""Rollup jobs filtered by their creator's backend roles (`plugins.index_management.filter_by_backend_roles`),
on a mock with security on and on one without."""

from __future__ import annotations

import json

import pytest

from mockserver.cluster import Cluster
from mockserver.families.opensearch_rollup.access import JobUser
from mockserver.settings import MockSettings
from mockserver.xcontent import Document
from tests.mock.test_http_layer import call
from tests.mock.test_opensearch_rollup_http import BODY, JOBS
from tests.mock.test_security import JSON, basic

SETTING = "plugins.index_management.filter_by_backend_roles"
FULL = ["index_management_full_access"]
USERS = {"users": {
    "admin": {"password": "admin-pw", "roles": ["all_access"]},
    "alice": {"password": "alice-pw", "roles": FULL, "backend_roles": ["bi"]},
    "bob": {"password": "bob-pw", "roles": FULL, "backend_roles": ["ops"]},
    "carol": {"password": "carol-pw", "roles": FULL, "backend_roles": ["bi", "ops"]},
    "dave": {"password": "dave-pw", "roles": FULL},
}}
AS = {name: JSON | basic(name, entry["password"]) for name, entry in USERS["users"].items()}


def forbidden(reason: str) -> dict:
    """The body index management answers a denied request with."""
    return {"error": {"root_cause": [{"type": "index_management_exception", "reason": reason}],
                      "type": "index_management_exception", "reason": reason,
                      "caused_by": {"type": "exception",
                                    "reason": f"org.opensearch.OpenSearchStatusException: {reason}"}},
            "status": 403}


def filtering(server, on: bool, scope: str = "persistent", headers=AS["admin"]) -> None:
    body = json.dumps({scope: {SETTING: on}})
    assert call(server, "PUT", "/_cluster/settings", body, headers)[0] == 200


@pytest.fixture
def secured(secured_mock):
    server = secured_mock(USERS, flavour="opensearch", clock="manual")
    assert call(server, "PUT", f"{JOBS}/alices", json.dumps(BODY), AS["alice"])[0] == 201
    return server


def test_without_the_filter_every_permitted_user_reaches_every_job(secured):
    assert call(secured, "GET", f"{JOBS}/alices", headers=AS["bob"])[0] == 200
    assert call(secured, "GET", JOBS, headers=AS["bob"])[2]["total_rollups"] == 1
    assert call(secured, "PUT", f"{JOBS}/daves", json.dumps(BODY), AS["dave"])[0] == 201


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/alices"), ("DELETE", "/alices"), ("POST", "/alices/_start"), ("POST", "/alices/_stop")])
def test_with_the_filter_a_job_of_other_backend_roles_is_forbidden(secured, method, path):
    filtering(secured, True)
    assert call(secured, method, JOBS + path, headers=AS["bob"])[::2] == (
        403, forbidden("Do not have permission for rollup [alices]"))
    assert call(secured, method, JOBS + path, headers=AS["carol"])[0] == 200, "a shared backend role"


def test_with_the_filter_head_update_explain_and_the_list_hide_the_job(secured):
    filtering(secured, True)
    assert call(secured, "HEAD", f"{JOBS}/alices", headers=AS["bob"])[0] == 403
    job = call(secured, "GET", f"{JOBS}/alices", headers=AS["alice"])[2]
    update = f"{JOBS}/alices?if_seq_no={job['_seq_no']}&if_primary_term={job['_primary_term']}"
    assert call(secured, "PUT", update, json.dumps({"rollup": job["rollup"]}), AS["bob"])[::2] == (
        403, forbidden("Do not have permission for rollup [alices]"))
    assert call(secured, "GET", f"{JOBS}/alices/_explain", headers=AS["bob"])[2] == {"alices": None}
    assert call(secured, "GET", f"{JOBS}/alice*/_explain", headers=AS["bob"])[2] == {}
    assert call(secured, "GET", JOBS, headers=AS["bob"])[2] == {"total_rollups": 0, "rollups": []}
    for who in ("alice", "carol", "admin"):
        assert call(secured, "GET", f"{JOBS}/alices/_explain", headers=AS[who])[2]["alices"] is not None, who
        assert call(secured, "GET", JOBS, headers=AS[who])[2]["total_rollups"] == 1, who


def test_an_update_makes_the_updater_the_jobs_user(secured):
    filtering(secured, True)
    assert call(secured, "GET", f"{JOBS}/alices", headers=AS["bob"])[0] == 403
    job = call(secured, "GET", f"{JOBS}/alices", headers=AS["carol"])[2]
    update = f"{JOBS}/alices?if_seq_no={job['_seq_no']}&if_primary_term={job['_primary_term']}"
    assert call(secured, "PUT", update, json.dumps({"rollup": job["rollup"]}), AS["carol"])[0] == 200
    assert call(secured, "GET", f"{JOBS}/alices", headers=AS["bob"])[0] == 200, "carol shares ops with bob"
    assert "user" not in call(secured, "GET", f"{JOBS}/alices", headers=AS["bob"])[2]["rollup"]


def test_with_the_filter_a_writer_needs_backend_roles(secured):
    filtering(secured, True)
    assert call(secured, "PUT", f"{JOBS}/daves", json.dumps(BODY), AS["dave"])[::2] == (
        403, forbidden("User doesn't have backend roles configured. Contact administrator"))
    assert call(secured, "GET", f"{JOBS}/daves/_explain", headers=AS["admin"])[2] == {"daves": None}


def test_a_transient_value_wins_and_a_reset_turns_the_filter_off(secured):
    filtering(secured, True)
    filtering(secured, False, scope="transient")
    assert call(secured, "GET", f"{JOBS}/alices", headers=AS["bob"])[0] == 200
    filtering(secured, True, scope="transient")
    assert call(secured, "GET", f"{JOBS}/alices", headers=AS["bob"])[0] == 403
    reset = json.dumps({"transient": {SETTING: None}, "persistent": {SETTING: None}})
    assert call(secured, "PUT", "/_cluster/settings", reset, AS["admin"])[0] == 200
    assert call(secured, "GET", f"{JOBS}/alices", headers=AS["bob"])[0] == 200


def test_without_security_the_filter_refuses_writes_and_hides_nothing(start_mock):
    server = start_mock(flavour="opensearch", clock="manual")
    assert call(server, "PUT", f"{JOBS}/j", json.dumps(BODY), JSON)[0] == 201
    filtering(server, True, headers=JSON)
    assert call(server, "PUT", f"{JOBS}/k", json.dumps(BODY), JSON)[::2] == (403, forbidden(
        "Filter by user backend roles in IndexManagement is not supported with security disabled"))
    assert call(server, "GET", f"{JOBS}/j")[0] == 200
    assert call(server, "GET", f"{JOBS}/k/_explain")[2] == {"k": None}, "the refused PUT stored nothing"


def test_the_target_index_records_the_jobs_user():
    cluster = Cluster(MockSettings(flavour="opensearch", clock="manual"))
    store, jobs = cluster.state("indices"), cluster.state("opensearch_rollup")
    store.create("books", {"properties": {"order_date": {"type": "date"}, "title": {"type": "keyword"},
                                          "pages": {"type": "long"}}})
    store.index_document("books", "1", {"order_date": "2024-01-01T08:00:00Z", "title": "a", "pages": 3})
    jobs.put("j", Document.of(BODY), None, None, JobUser("alice", ("bi",), ("index_management_full_access",)))
    cluster.clock.advance(2 * 60)
    jobs.refresh()  # the job's first execution creates its target
    user = store.get("books_rollup").mappings["_meta"]["rollups"]["j"]["user"]
    assert user == {"name": "alice", "backend_roles": ["bi"], "roles": ["index_management_full_access"],
                    "custom_attribute_names": [], "user_requested_tenant": None}
