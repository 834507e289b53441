"""Users, roles and cluster privileges: authentication (401) and authorization (403). No HTTP here.

The mock lets a request without credentials act as the built-in superuser `elastic`, so that the suite runs
without configuring secrets; every credential that is sent is checked as a real cluster checks it.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Mapping

from mockserver.errors import ApiError, IllegalArgument
from mockserver.family import Hooks
from mockserver.routing import Call
from mockserver.wildcard import simple_match

SUPERUSER = "elastic"
RUN_AS_HEADER = "es-security-runas-user"

# Cluster privileges and the action patterns they grant, least privileged first (the order 403 messages list them).
PRIVILEGES: dict[str, tuple[str, ...]] = {
    "monitor_rollup": ("cluster:monitor/xpack/rollup/*",),
    "manage_rollup": ("cluster:admin/xpack/rollup/*", "cluster:monitor/xpack/rollup/*"),
    "monitor_ml": ("cluster:monitor/xpack/ml/*",),
    "manage_ml": ("cluster:admin/xpack/ml/*", "cluster:monitor/xpack/ml/*"),
    "cancel_task": ("cluster:admin/tasks/cancel*",),
    "monitor": ("cluster:monitor/*",),
    "manage_security": ("cluster:admin/xpack/security/*",),
    "manage": ("cluster:*",),
    "all": ("*",),
}
_MANAGE_EXCEPT = "cluster:admin/xpack/security/*"
_WWW_AUTHENTICATE = 'Basic realm="security", charset="UTF-8"'


class SecurityError(ApiError):
    type = "security_exception"


class Unauthenticated(SecurityError):
    status = 401
    headers = {"WWW-Authenticate": _WWW_AUTHENTICATE}

    def __init__(self, reason: str) -> None:
        super().__init__(reason, header={"WWW-Authenticate": [_WWW_AUTHENTICATE]})


class Forbidden(SecurityError):
    status = 403


@lru_cache(maxsize=4096)  # every request asks: the answers never change
def grants(privilege: str, action: str) -> bool:
    if privilege == "manage" and simple_match(_MANAGE_EXCEPT, action):
        return False
    return any(simple_match(pattern, action) for pattern in PRIVILEGES.get(privilege, ()))


@dataclass
class User:
    name: str
    password: str
    roles: list[str]


@dataclass
class Security(Hooks):
    roles: dict[str, list[str]] = field(default_factory=lambda: {"superuser": ["all"]})
    users: dict[str, User] = field(default_factory=lambda: {SUPERUSER: User(SUPERUSER, "changeme", ["superuser"])})

    def put_role(self, name: str, cluster: list[str]) -> bool:
        unknown = sorted(set(cluster) - set(PRIVILEGES))
        if unknown:
            raise IllegalArgument(f"unknown cluster privilege [{unknown[0]}]. a privilege must be either one of the "
                                  f"predefined cluster privilege names [{','.join(sorted(PRIVILEGES))}] or a pattern "
                                  f"over one of the available cluster actions")
        created = name not in self.roles
        self.roles[name] = list(cluster)
        return created

    def put_user(self, name: str, password: str | None, roles: list[str]) -> bool:
        created = name not in self.users
        if created and not password:
            raise IllegalArgument("Validation Failed: 1: passwordHash has already been set or password is required;")
        previous = self.users.get(name)
        self.users[name] = User(name, password or (previous.password if previous else ""), list(roles))
        return created

    def delete_role(self, name: str) -> bool:
        return self.roles.pop(name, None) is not None

    def delete_user(self, name: str) -> bool:
        return self.users.pop(name, None) is not None

    def authorize(self, call: Call[Any]) -> None:
        """Hook: the user the request acts as must hold a privilege that grants the route's action."""
        self.check(self.user_of(call.headers, call.uri), call.action)

    def authenticate(self, headers: Mapping[str, str], uri: str) -> None:
        """Hook: refuse (401) a request whose credentials are wrong."""
        self.user_of(headers, uri)

    def user_of(self, headers: Mapping[str, str], uri: str) -> User:
        """The user a request acts as: its basic credentials (or the superuser without any), then run-as."""
        header = headers.get("Authorization")
        user = self.users[SUPERUSER]
        if header:
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "basic":
                raise Unauthenticated("unable to authenticate with provided credentials and anonymous access is not "
                                      "allowed for this request")
            name, _, password = base64.b64decode(token.encode()).decode(errors="replace").partition(":")
            candidate = self.users.get(name)
            if candidate is None or candidate.password != password:
                raise Unauthenticated(f"unable to authenticate user [{name}] for REST request [{uri}]")
            user = candidate
        run_as = headers.get(RUN_AS_HEADER)
        if run_as:
            if not self.allows(user, "cluster:admin/xpack/security/user/run_as") or run_as not in self.users:
                raise Forbidden(f"action [{uri}] is unauthorized for user [{user.name}] with effective roles "
                                f"[{','.join(sorted(user.roles))}], because user [{user.name}] is unauthorized to "
                                f"run as [{run_as}]")
            user = self.users[run_as]
        return user

    def allows(self, user: User, action: str) -> bool:
        return any(grants(p, action) for role in user.roles for p in self.roles.get(role, ()))

    def check(self, user: User, action: str | None) -> None:
        if action is None or self.allows(user, action):
            return
        granting = [p for p in PRIVILEGES if grants(p, action)]
        raise Forbidden(f"action [{action}] is unauthorized for user [{user.name}] with effective roles "
                        f"[{','.join(sorted(user.roles))}], this action is granted by the cluster privileges "
                        f"[{','.join(granting)}]")
