"""Security on the Elasticsearch mock: 401 for bad credentials, 403 naming the granting privileges."""

import base64

from tests.mock.test_http_layer import call


def basic(user, password):
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def test_wrong_password_is_a_401_with_the_challenge(es_mock):
    status, headers, body = call(es_mock, "GET", "/_rollup/job?pretty", headers=basic("elastic", "nope"))
    assert status == 401 and headers["WWW-Authenticate"] == 'Basic realm="security", charset="UTF-8"'
    assert body["error"]["type"] == "security_exception"
    assert body["error"]["reason"] == "unable to authenticate user [elastic] for REST request [/_rollup/job?pretty]"


def test_a_user_without_the_privilege_gets_the_real_403(es_mock):
    json_body = {"Content-Type": "application/json"}
    assert call(es_mock, "PUT", "/_security/role/watcher", '{"cluster": ["monitor"]}', json_body)[0] == 200
    assert call(es_mock, "PUT", "/_security/user/viewer", '{"password": "pw-123456", "roles": ["watcher"]}',
                json_body)[2] == {"created": True}
    status, _, body = call(es_mock, "POST", "/_rollup/job/x/_stop", headers=basic("viewer", "pw-123456"))
    assert status == 403
    assert body["error"]["reason"] == ("action [cluster:admin/xpack/rollup/stop] is unauthorized for user [viewer] "
                                       "with effective roles [watcher], this action is granted by the cluster "
                                       "privileges [manage_rollup,manage,all]")
    assert call(es_mock, "GET", "/_rollup/job", headers=basic("viewer", "pw-123456"))[0] == 200
    status, _, body = call(es_mock, "GET", "/_rollup/job", headers={"es-security-runas-user": "viewer"})
    assert status == 200
    assert call(es_mock, "PUT", "/_security/role/bad", '{"cluster": ["nope"]}', json_body)[0] == 400
