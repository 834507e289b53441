"""Routes of the security APIs the scenarios need to create limited users."""

from __future__ import annotations

from typing import Any

from mockserver.errors import IllegalArgument
from mockserver.families.security.models import Security
from mockserver.params import Param
from mockserver.routing import Body, Call, Reply, Route

_REFRESH = (Param("refresh"),)  # true, false or wait_for: the mock's writes are visible at once


def _body(call: Call[Security]) -> dict[str, Any]:
    if not isinstance(call.body, dict):
        raise IllegalArgument("request body must be a JSON object")
    return call.body


async def put_role(call: Call[Security]) -> dict[str, Any]:
    created = call.state.put_role(call.path_params["name"], list(_body(call).get("cluster", [])))
    return {"role": {"created": created}}


async def put_user(call: Call[Security]) -> dict[str, Any]:
    body = _body(call)
    return {"created": call.state.put_user(call.path_params["name"], body.get("password"), list(body.get("roles", [])))}


async def delete_role(call: Call[Security]) -> Reply:
    found = call.state.delete_role(call.path_params["name"])
    return Reply(200 if found else 404, {"found": found})


async def delete_user(call: Call[Security]) -> Reply:
    found = call.state.delete_user(call.path_params["name"])
    return Reply(200 if found else 404, {"found": found})


async def authenticate(call: Call[Security]) -> dict[str, Any]:
    user = call.state.user_of(call.headers, call.uri)
    return {"username": user.name, "roles": user.roles, "full_name": None, "email": None, "metadata": {},
            "enabled": True, "authentication_realm": {"name": "default_native", "type": "native"},
            "lookup_realm": {"name": "default_native", "type": "native"}, "authentication_type": "realm"}


def _action(kind: str) -> str:
    return f"cluster:admin/xpack/security/{kind}"


ROUTES: tuple[Route[Security], ...] = (
    Route("PUT", "/_security/role/{name}", put_role, body=Body.REQUIRED, params=_REFRESH, action=_action("role/put")),
    Route("POST", "/_security/role/{name}", put_role, body=Body.REQUIRED, params=_REFRESH, action=_action("role/put")),
    Route("DELETE", "/_security/role/{name}", delete_role, params=_REFRESH, action=_action("role/delete")),
    Route("PUT", "/_security/user/{name}", put_user, body=Body.REQUIRED, params=_REFRESH, action=_action("user/put")),
    Route("POST", "/_security/user/{name}", put_user, body=Body.REQUIRED, params=_REFRESH, action=_action("user/put")),
    Route("DELETE", "/_security/user/{name}", delete_user, params=_REFRESH, action=_action("user/delete")),
    Route("GET", "/_security/_authenticate", authenticate),
)
