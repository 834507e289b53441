"""Security on the mock: without a users file, credentials that are sent are checked and none means the
superuser; with one (`stopcheck mock --security`), a secured cluster's 401 and 403, per flavour and version."""

import base64

import pytest
import urllib3

from mockserver.families.security.config import ConfigError, parse
from tests.mock.test_http_layer import call

USERS = {
    "users": {
        "elastic": {"password": "changeme", "roles": ["superuser"]},
        "viewer": {"password": "viewer-pw", "roles": ["watcher", "ghost"]},
        "operator": {"password": "operator-pw", "roles": ["rollup_admin"]},
        "analyst": {"password": "analyst-pw", "roles": ["index_management_full_access"], "backend_roles": ["bi"]},
        "reader": {"password": "reader-pw", "roles": ["monitor_only"], "backend_roles": ["bi", "ops"]},
    },
    "roles": {"watcher": {"cluster": ["monitor"]}, "rollup_admin": {"cluster": ["manage_rollup"]},
              "monitor_only": {"cluster_permissions": ["cluster_monitor"]}},
    "api_keys": [{"id": "key-1", "key": "key-secret", "user": "viewer"}],
}
JSON = {"Content-Type": "application/json"}


def basic(user, password):
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def api_key(key_id, key):
    return {"Authorization": "ApiKey " + base64.b64encode(f"{key_id}:{key}".encode()).decode()}


def raw(server, method, path, headers=None):
    """Status, every value of each header, and the body text, as a client sees them."""
    response = urllib3.request(method, server.url + path, headers=headers or {}, retries=False)
    return response.status, response.headers, response.data.decode()


def test_wrong_password_is_a_401_with_the_challenge(es_mock):
    status, headers, body = call(es_mock, "GET", "/_rollup/job?pretty", headers=basic("elastic", "nope"))
    assert status == 401 and headers["WWW-Authenticate"].startswith('Basic realm="security", charset="UTF-8"')
    assert body["error"]["type"] == "security_exception"
    assert body["error"]["reason"] == "unable to authenticate user [elastic] for REST request [/_rollup/job?pretty]"


def test_without_a_users_file_no_credentials_is_the_superuser(es_mock, os_mock):
    assert call(es_mock, "GET", "/_security/_authenticate")[2]["username"] == "elastic"
    assert call(os_mock, "GET", "/_plugins/_security/authinfo")[2]["user_name"] == "admin"


def test_a_secured_elasticsearch_8_answers_401_with_three_challenges(secured_mock):
    server = secured_mock(USERS)
    status, headers, text = raw(server, "GET", "/_cluster/settings/")
    assert status == 401
    challenges = ['Basic realm="security", charset="UTF-8"', 'Bearer realm="security"', "ApiKey"]
    assert headers.getlist("WWW-Authenticate") == challenges
    reason = "missing authentication credentials for REST request [/_cluster/settings/]"
    cause = {"type": "security_exception", "reason": reason, "header": {"WWW-Authenticate": challenges}}
    assert call(server, "GET", "/_cluster/settings/")[2] == {"error": {"root_cause": [cause], **cause}, "status": 401}
    assert call(server, "GET", "/", headers=basic("elastic", "changeme"))[0] == 200


def test_a_secured_elasticsearch_7_sends_one_challenge_as_a_string(secured_mock):
    server = secured_mock(USERS, version="7.17.0")
    status, headers, _ = raw(server, "GET", "/")
    assert status == 401 and headers.getlist("WWW-Authenticate") == ['Basic realm="security" charset="UTF-8"']
    assert call(server, "GET", "/")[2]["error"]["header"] == {"WWW-Authenticate": 'Basic realm="security" charset="UTF-8"'}


@pytest.mark.parametrize(("version", "reason"), [
    ("8.17.0", "action [cluster:admin/tasks/cancel] is unauthorized for user [viewer] with effective roles [watcher] "
               "(assigned roles [ghost] were not found), this action is granted by the cluster privileges "
               "[cancel_task,manage,all]"),
    ("7.17.0", "action [cluster:admin/tasks/cancel] is unauthorized for user [viewer], this action is granted by the "
               "cluster privileges [cancel_task,manage,all]"),
    ("7.10.2", "action [cluster:admin/tasks/cancel] is unauthorized for user [viewer]"),
])
def test_privilege_errors_are_worded_and_named_as_the_version_does(secured_mock, version, reason):
    server = secured_mock(USERS, version=version)
    status, _, body = call(server, "POST", "/_tasks/_cancel", headers=basic("viewer", "viewer-pw"))
    assert (status, body["error"]["type"], body["error"]["reason"]) == (403, "security_exception", reason)


def test_cancel_task_is_a_privilege_from_7_12(secured_mock):
    role = '{"cluster": ["cancel_task"]}'
    old, new = secured_mock(USERS, version="7.10.2"), secured_mock(USERS, version="7.12.0")
    status, _, body = call(old, "PUT", "/_security/role/canceller", role, JSON | basic("elastic", "changeme"))
    assert status == 400 and body["error"]["reason"].startswith("unknown cluster privilege [cancel_task]")
    assert call(new, "PUT", "/_security/role/canceller", role, JSON | basic("elastic", "changeme"))[0] == 200


def test_api_keys_from_the_users_file(secured_mock):
    server = secured_mock(USERS)
    assert call(server, "GET", "/_security/_authenticate", headers=api_key("key-1", "key-secret"))[2]["username"] == \
        "viewer"
    status, _, body = call(server, "POST", "/_rollup/job/x/_stop", headers=api_key("key-1", "key-secret"))
    assert status == 403 and body["error"]["reason"] == (
        "action [cluster:admin/xpack/rollup/stop] is unauthorized for API key id [key-1] of user [viewer], this "
        "action is granted by the cluster privileges [manage_rollup,manage,all]")
    assert call(server, "GET", "/", headers=api_key("key-1", "wrong"))[0] == 401


def test_a_user_with_the_privilege_passes_and_run_as_is_named(secured_mock):
    server = secured_mock(USERS)
    assert call(server, "GET", "/_rollup/job", headers=basic("operator", "operator-pw"))[0] == 200
    as_viewer = basic("elastic", "changeme") | {"es-security-runas-user": "viewer"}
    status, _, body = call(server, "POST", "/_rollup/job/x/_stop", headers=as_viewer)
    assert status == 403 and body["error"]["reason"].startswith(
        "action [cluster:admin/xpack/rollup/stop] is unauthorized for user [elastic] run as [viewer] with effective "
        "roles [watcher]")
    status, _, body = call(server, "GET", "/", headers=basic("viewer", "viewer-pw") | {"es-security-runas-user": "x"})
    assert status == 403 and "is unauthorized to run as [x]" in body["error"]["reason"]


def test_users_and_roles_are_managed_and_listed(secured_mock):
    server, admin = secured_mock(USERS), basic("elastic", "changeme")
    assert call(server, "PUT", "/_security/role/r1", '{"cluster": ["monitor"]}', JSON | admin)[2] == {
        "role": {"created": True}}
    assert call(server, "PUT", "/_security/user/u1", '{"password": "pw-123456", "roles": ["r1"]}', JSON | admin)[2] \
        == {"created": True}
    assert call(server, "GET", "/_security/user/u1", headers=admin)[2]["u1"]["roles"] == ["r1"]
    assert "u1" in call(server, "GET", "/_security/user", headers=admin)[2]
    assert call(server, "GET", "/_security/role/r1", headers=admin)[2]["r1"]["cluster"] == ["monitor"]
    assert call(server, "GET", "/_security/user/nobody", headers=admin)[:3:2] == (404, {})
    assert call(server, "GET", "/_security/user", headers=basic("u1", "pw-123456"))[0] == 403, "manage_security"


def test_a_changed_or_deleted_role_decides_the_next_request(secured_mock):
    server, admin, viewer = secured_mock(USERS), basic("elastic", "changeme"), basic("viewer", "viewer-pw")
    assert call(server, "GET", "/_rollup/job", headers=viewer)[0] == 200, "monitor covers rollup monitoring"
    assert call(server, "PUT", "/_security/role/watcher", '{"cluster": ["monitor_ml"]}', JSON | admin)[0] == 200
    assert call(server, "GET", "/_rollup/job", headers=viewer)[0] == 403
    assert call(server, "PUT", "/_security/role/watcher", '{"cluster": ["monitor_rollup"]}', JSON | admin)[0] == 200
    assert call(server, "GET", "/_rollup/job", headers=viewer)[0] == 200
    assert call(server, "DELETE", "/_security/role/watcher", headers=admin)[0] == 200
    assert call(server, "GET", "/_rollup/job", headers=viewer)[0] == 403


def test_a_secured_opensearch_answers_as_its_security_plugin(secured_mock):
    server = secured_mock(USERS, flavour="opensearch")
    status, headers, text = raw(server, "GET", "/_plugins/_rollup/jobs/x")
    assert (status, text) == (401, "Unauthorized") and headers["WWW-Authenticate"].startswith("Basic realm=")
    assert raw(server, "GET", "/", basic("reader", "wrong"))[0] == 401
    status, _, body = call(server, "PUT", "/_plugins/_rollup/jobs/x", "{}", JSON | basic("reader", "reader-pw"))
    assert status == 403 and body["error"] == {
        "root_cause": [{"type": "security_exception", "reason": body["error"]["reason"]}],
        "type": "security_exception",
        "reason": "no permissions for [cluster:admin/opendistro/rollup/index] and User [name=reader, "
                  "backend_roles=[bi, ops], requestedTenant=null]"}
    assert call(server, "GET", "/_plugins/_rollup/jobs/x", headers=basic("analyst", "analyst-pw"))[0] == 404
    assert call(server, "GET", "/_plugins/_security/authinfo", headers=basic("analyst", "analyst-pw"))[2][
        "backend_roles"] == ["bi"]


def test_opensearch_users_and_roles_api(secured_mock):
    server, admin = secured_mock(flavour="opensearch"), basic("admin", "changeme")
    body = '{"password": "pw-123456", "backend_roles": ["bi"], "opendistro_security_roles": ["all_access"]}'
    assert call(server, "PUT", "/_plugins/_security/api/internalusers/u1", body, JSON | admin)[:3:2] == (
        201, {"status": "CREATED", "message": "'u1' created."})
    assert call(server, "GET", "/_plugins/_security/api/internalusers/u1", headers=admin)[2]["u1"][
        "backend_roles"] == ["bi"]
    assert call(server, "GET", "/", headers=basic("u1", "pw-123456"))[0] == 200
    assert call(server, "PUT", "/_plugins/_security/api/roles/r1", '{"cluster_permissions": ["cluster_monitor"]}',
                JSON | admin)[0] == 201
    assert call(server, "DELETE", "/_plugins/_security/api/roles/r1", headers=admin)[0] == 200
    assert call(server, "GET", "/_plugins/_security/api/roles/r1", headers=admin)[:3:2] == (
        404, {"status": "NOT_FOUND", "message": "Resource 'r1' not found."})


@pytest.mark.parametrize(("document", "message"), [
    ([], "the users file must be a mapping"),
    ({"users": {}}, "users: at least one user is needed"),
    ({"users": {"u": {"password": "p"}}}, "users.u.roles: a list of names is needed"),
    ({"users": {"u": {"password": "p", "roles": []}}, "groups": {}}, "unknown section [groups]"),
    ({"users": {"u": {"password": "p", "roles": []}}, "api_keys": [{"id": "k", "key": "s", "user": "x"}]},
     "api_keys.0.user: no user [x] in users"),
])
def test_a_bad_users_file_is_one_clear_error(document, message):
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse(document)


def test_stopcheck_mock_refuses_a_bad_users_file_clearly(tmp_path, capsys):
    from conformance.cli import main

    users = tmp_path / "users.yaml"
    users.write_text("users:\n  bob: {password: bob-pw}\n")
    assert main(["mock", "--security", "--users", str(users)]) == 2
    assert "users.bob.roles: a list of names is needed" in capsys.readouterr().out
    assert main(["mock", "--users", str(users)]) == 2
    assert "--users needs --security" in capsys.readouterr().out
