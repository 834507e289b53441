"""Routes of the security APIs the scenarios and the cleanup need: users and roles (Elasticsearch's
`_security` API and OpenSearch's security plugin REST API), and who a request acts as."""

from __future__ import annotations

from typing import Any

from mockserver.errors import IllegalArgument
from mockserver.families.security.config import Role, User
from mockserver.families.security.models import Security
from mockserver.params import Param
from mockserver.routing import Body, Call, Reply, Route

_REFRESH = (Param("refresh"),)  # true, false or wait_for: the mock's writes are visible at once
ES = frozenset({"elasticsearch"})
OS = frozenset({"opensearch"})
OS_API = "/_plugins/_security/api"


def _body(call: Call[Security]) -> dict[str, Any]:
    if not isinstance(call.body, dict):
        raise IllegalArgument("request body must be a JSON object")
    return call.body


def _names(body: dict[str, Any], key: str) -> list[str]:
    value = body.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise IllegalArgument(f"[{key}] must be an array of strings")
    return value


# Elasticsearch ----------------------------------------------------------------------------------------------
async def put_role(call: Call[Security]) -> dict[str, Any]:
    body = _body(call)
    created = call.state.put_role(call.path_params["name"], _names(body, "cluster"), _names(body, "run_as"))
    return {"role": {"created": created}}


async def put_user(call: Call[Security]) -> dict[str, Any]:
    body = _body(call)
    return {"created": call.state.put_user(call.path_params["name"], body.get("password"), _names(body, "roles"))}


async def delete_role(call: Call[Security]) -> Reply:
    found = call.state.delete_role(call.path_params["name"])
    return Reply(200 if found else 404, {"found": found})


async def delete_user(call: Call[Security]) -> Reply:
    found = call.state.delete_user(call.path_params["name"])
    return Reply(200 if found else 404, {"found": found})


def _user(user: User) -> dict[str, Any]:
    return {"username": user.name, "roles": list(user.roles), "full_name": None, "email": None, "metadata": {},
            "enabled": True}


def _role(role: Role) -> dict[str, Any]:
    return {"cluster": list(role.cluster), "indices": [], "applications": [], "run_as": list(role.run_as),
            "metadata": {}, "transient_metadata": {"enabled": True}}


async def get_users(call: Call[Security]) -> Reply:
    return _listing(call, call.state.users, _user)


async def get_roles(call: Call[Security]) -> Reply:
    return _listing(call, call.state.roles, _role)


def _listing(call: Call[Security], found: dict[str, Any], render: Any) -> Reply:
    """One, a comma list, or (without a name) all; none found is a 404 with an empty body object."""
    wanted = call.path_params.get("name")
    names = [n for n in wanted.split(",") if n in found] if wanted else sorted(found)
    return Reply(200 if names or not wanted else 404, {name: render(found[name]) for name in names})


async def authenticate(call: Call[Security]) -> dict[str, Any]:
    user = call.state.principal(call.headers, call.uri).user
    return _user(user) | {"authentication_realm": {"name": "default_native", "type": "native"},
                          "lookup_realm": {"name": "default_native", "type": "native"},
                          "authentication_type": "realm"}


# OpenSearch security plugin -----------------------------------------------------------------------------------
def _status(status: int, word: str, message: str) -> Reply:
    return Reply(status, {"status": word, "message": message})


async def os_put_user(call: Call[Security]) -> Reply:
    name, body = call.path_params["name"], _body(call)
    created = call.state.put_user(name, body.get("password"), _names(body, "opendistro_security_roles"),
                                  _names(body, "backend_roles"))
    return _status(201, "CREATED", f"'{name}' created.") if created else _status(200, "OK", f"'{name}' updated.")


async def os_put_role(call: Call[Security]) -> Reply:
    name = call.path_params["name"]
    created = call.state.put_role(name, _names(_body(call), "cluster_permissions"))
    return _status(201, "CREATED", f"'{name}' created.") if created else _status(200, "OK", f"'{name}' updated.")


async def os_delete_user(call: Call[Security]) -> Reply:
    return _os_deleted(call.path_params["name"], call.state.delete_user(call.path_params["name"]))


async def os_delete_role(call: Call[Security]) -> Reply:
    return _os_deleted(call.path_params["name"], call.state.delete_role(call.path_params["name"]))


def _os_deleted(name: str, found: bool) -> Reply:
    return _status(200, "OK", f"'{name}' deleted.") if found else _status(404, "NOT_FOUND", f"'{name}' not found.")


def _os_user(user: User) -> dict[str, Any]:
    return {"hash": "", "reserved": False, "hidden": False, "backend_roles": list(user.backend_roles),
            "attributes": {}, "opendistro_security_roles": list(user.roles), "static": False}


def _os_role(role: Role) -> dict[str, Any]:
    return {"reserved": False, "hidden": False, "cluster_permissions": list(role.cluster), "index_permissions": [],
            "tenant_permissions": [], "static": False}


async def os_get_users(call: Call[Security]) -> Reply:
    return _os_listing(call, call.state.users, _os_user)


async def os_get_roles(call: Call[Security]) -> Reply:
    return _os_listing(call, call.state.roles, _os_role)


def _os_listing(call: Call[Security], found: dict[str, Any], render: Any) -> Reply:
    name = call.path_params.get("name")
    if name is None:
        return Reply(200, {n: render(found[n]) for n in sorted(found)})
    if name not in found:
        return _status(404, "NOT_FOUND", f"Resource '{name}' not found.")
    return Reply(200, {name: render(found[name])})


async def os_authinfo(call: Call[Security]) -> dict[str, Any]:
    user = call.state.principal(call.headers, call.uri).user
    return {"user": f"User [name={user.name}, backend_roles=[{', '.join(user.backend_roles)}], requestedTenant=null]",
            "user_name": user.name, "user_requested_tenant": None, "remote_address": None,
            "backend_roles": list(user.backend_roles), "custom_attribute_names": [], "roles": list(user.roles),
            "tenants": {}, "principal": None, "peer_certificates": "0", "sso_logout_url": None}


def _action(kind: str) -> str:
    return f"cluster:admin/xpack/security/{kind}"


ROUTES: tuple[Route[Security], ...] = (
    Route("PUT", "/_security/role/{name}", put_role, body=Body.REQUIRED,
          params=_REFRESH, action=_action("role/put"), flavours=ES),
    Route("POST", "/_security/role/{name}", put_role, body=Body.REQUIRED,
          params=_REFRESH, action=_action("role/put"), flavours=ES),
    Route("GET", "/_security/role/{name}", get_roles, action=_action("role/get"), flavours=ES),
    Route("GET", "/_security/role", get_roles, action=_action("role/get"), flavours=ES),
    Route("DELETE", "/_security/role/{name}", delete_role, params=_REFRESH, action=_action("role/delete"), flavours=ES),
    Route("PUT", "/_security/user/{name}", put_user, body=Body.REQUIRED,
          params=_REFRESH, action=_action("user/put"), flavours=ES),
    Route("POST", "/_security/user/{name}", put_user, body=Body.REQUIRED,
          params=_REFRESH, action=_action("user/put"), flavours=ES),
    Route("GET", "/_security/user/{name}", get_users, action=_action("user/get"), flavours=ES),
    Route("GET", "/_security/user", get_users, action=_action("user/get"), flavours=ES),
    Route("DELETE", "/_security/user/{name}", delete_user, params=_REFRESH, action=_action("user/delete"), flavours=ES),
    Route("GET", "/_security/_authenticate", authenticate, flavours=ES),
    Route("PUT", f"{OS_API}/internalusers/{{name}}", os_put_user, body=Body.REQUIRED, flavours=OS),
    Route("GET", f"{OS_API}/internalusers/{{name}}", os_get_users, flavours=OS),
    Route("GET", f"{OS_API}/internalusers", os_get_users, flavours=OS),
    Route("DELETE", f"{OS_API}/internalusers/{{name}}", os_delete_user, flavours=OS),
    Route("PUT", f"{OS_API}/roles/{{name}}", os_put_role, body=Body.REQUIRED, flavours=OS),
    Route("GET", f"{OS_API}/roles/{{name}}", os_get_roles, flavours=OS),
    Route("GET", f"{OS_API}/roles", os_get_roles, flavours=OS),
    Route("DELETE", f"{OS_API}/roles/{{name}}", os_delete_role, flavours=OS),
    Route("GET", "/_plugins/_security/authinfo", os_authinfo, flavours=OS),
)
