"""Authentication (401) and authorization (403) as Elasticsearch's security and OpenSearch's security plugin
answer them. No HTTP here.

Without a users file (the default), a request without credentials acts as the flavour's superuser, so that the
suite runs without configuring secrets; credentials that are sent are checked as a real cluster checks them.
With one (`stopcheck mock --security`), every request must authenticate: basic credentials, an API key
(Elasticsearch), or an AWS SigV4 signature when AWS credentials are configured.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any, Mapping

from mockserver.families.security.config import SUPERUSERS, ApiKey, Role, User, default_document
from mockserver.families.security.config import parse
from mockserver.families.security.errors import Forbidden, OpenSearchForbidden, OpenSearchUnauthenticated
from mockserver.families.security.errors import Unauthenticated
from mockserver.errors import IllegalArgument
from mockserver.families.security.privileges import BUILTIN_ROLES, allows, check_privileges, denial, granting
from mockserver.families.security.privileges import os_action
from mockserver.families.security.sigv4 import SIGV4_SCHEME, require_botocore, verify
from mockserver.family import Hooks
from mockserver.routing import Call, Request
from mockserver.version import Version

RUN_AS_HEADER = "es-security-runas-user"


@dataclass(frozen=True)
class Principal:
    """Who a request acts as: a user, through an API key perhaps, or run as another by a user allowed to."""

    user: User
    api_key: ApiKey | None = None
    run_by: User | None = None


class Security(Hooks):
    def __init__(self, flavour: str, version: Version, document: Mapping[str, Any] | None) -> None:
        self.flavour = flavour
        self.version = version
        self.secured = document is not None
        config = parse(document if document is not None else default_document(flavour))
        if config.aws:
            require_botocore()
        self.users: dict[str, User] = dict(config.users)
        self.roles: dict[str, Role] = {**BUILTIN_ROLES[flavour], **config.roles}
        self.api_keys = dict(config.api_keys)
        self.aws = dict(config.aws)
        self._superuser: Principal | None = None  # who a request without credentials is (security off)
        self._verdicts: dict[tuple[tuple[str, ...], str], bool] = {}  # (roles, action) -> allowed, until roles change
        # The headers of the request being authenticated and its principal, until authorizing it reuses them.
        self._authenticated: tuple[Mapping[str, str] | None, Principal | None] = (None, None)

    # Hooks ----------------------------------------------------------------------------------------------
    def authenticate(self, request: Request) -> None:
        """Refuse (401) a request whose credentials are wrong or, with security on, missing; check a signature."""
        header = request.headers.get("Authorization", "")
        if header.startswith(SIGV4_SCHEME):
            verify(request, self.aws)
        self._authenticated = (request.headers, self.principal(request.headers, request.uri))

    def authorize(self, call: Call[Any]) -> None:
        """The principal must hold a privilege (permission) that grants the route's action. A request is
        authorized right after it is authenticated, with nothing in between that changes users or roles: its
        principal is the one `authenticate` found for the same headers. Nothing of the request is kept after."""
        headers, principal = self._authenticated
        self._authenticated = (None, None)
        action = call.action or (os_action(call.method, call.path) if self.flavour == "opensearch" else None)
        if action is None:
            return
        if headers is not call.headers or principal is None:
            principal = self.principal(call.headers, call.uri)
        key = (self._roles_of(principal), action)
        allowed = self._verdicts.get(key)
        if allowed is None:
            allowed = self._verdicts[key] = allows(self.flavour, self.version, key[0], self.roles, action)
        if not allowed:
            self._deny(principal, action)

    # Who ------------------------------------------------------------------------------------------------
    def principal(self, headers: Mapping[str, str], uri: str) -> Principal:
        """The principal of a request: its credentials (or, without security, the superuser), then run-as."""
        header = headers.get("Authorization")
        if not header:
            if self.secured:
                raise self._unauthenticated(f"missing authentication credentials for REST request [{uri}]")
            principal = self._anonymous()
        else:
            principal = self._credentials(header, uri)
        run_as = headers.get(RUN_AS_HEADER) if self.flavour == "elasticsearch" else None
        if run_as:
            user = principal.user
            if run_as not in self.users or not any(
                    run_as in self.roles.get(role, Role()).run_as or "*" in self.roles.get(role, Role()).run_as
                    for role in self._roles_of(principal)):
                raise Forbidden(f"action [{uri}] is unauthorized for user [{user.name}] with effective roles "
                                f"[{','.join(sorted(user.roles))}], because user [{user.name}] is unauthorized to "
                                f"run as [{run_as}]")
            principal = Principal(self.users[run_as], run_by=user)
        return principal

    def requester(self, headers: Mapping[str, str], uri: str) -> User | None:
        """The user a plugin finds in a request's security context: None on a mock without security when the
        request sends no credentials, as on a cluster with security off."""
        if not self.secured and not headers.get("Authorization"):
            return None
        return self.principal(headers, uri).user

    def _credentials(self, header: str, uri: str) -> Principal:
        scheme, _, token = header.partition(" ")
        if scheme.lower() == "basic":
            name, _, password = _decoded(token).partition(":")
            user = self.users.get(name)
            if user is None or user.password != password:
                raise self._unauthenticated(f"unable to authenticate user [{name}] for REST request [{uri}]")
            return Principal(user)
        if scheme == "ApiKey" and self.flavour == "elasticsearch":
            key_id, _, secret = _decoded(token).partition(":")
            key = self.api_keys.get(key_id)
            if key is not None and key.key == secret:
                return Principal(self.users[key.user], api_key=key)
        if header.startswith(SIGV4_SCHEME):  # verified before routing
            access_key = header.split("Credential=", 1)[1].split("/", 1)[0]
            return Principal(self.users[self.aws[access_key].user])
        raise self._unauthenticated("unable to authenticate with provided credentials and anonymous access is not "
                                    "allowed for this request")

    def _unauthenticated(self, reason: str) -> Exception:
        if self.flavour == "opensearch":
            return OpenSearchUnauthenticated()
        return Unauthenticated(reason, self.version)

    def _anonymous(self) -> Principal:
        """The superuser principal, made again only when the superuser was replaced or deleted."""
        user = self.users[SUPERUSERS[self.flavour][0]]
        if self._superuser is None or self._superuser.user is not user:
            self._superuser = Principal(user)
        return self._superuser

    def _roles_of(self, principal: Principal) -> tuple[str, ...]:
        if principal.api_key is not None and principal.api_key.roles is not None:
            return principal.api_key.roles
        return principal.user.roles

    def _deny(self, principal: Principal, action: str) -> None:
        user = principal.user
        if self.flavour == "opensearch":
            raise OpenSearchForbidden(action, user.name, user.backend_roles)
        found = [r for r in user.roles if r in self.roles]
        raise Forbidden(denial(action, self.version, user.name, found, [r for r in user.roles if r not in found],
                               principal.api_key.id if principal.api_key else None,
                               principal.run_by.name if principal.run_by else None,
                               granting(action, self.version)))

    # The security APIs ------------------------------------------------------------------------------------
    def put_role(self, name: str, cluster: list[str], run_as: list[str] | None = None) -> bool:
        if self.flavour == "elasticsearch":
            check_privileges(cluster, self.version)
        created = name not in self.roles
        self.roles[name] = Role(tuple(cluster), tuple(run_as or ()))
        self._verdicts.clear()
        return created

    def put_user(self, name: str, password: str | None, roles: list[str],
                 backend_roles: list[str] | None = None) -> bool:
        previous = self.users.get(name)
        if previous is None and not password:
            raise IllegalArgument("Validation Failed: 1: passwordHash has already been set or password is required;")
        self.users[name] = User(name, password or (previous.password if previous else ""), tuple(roles),
                                tuple(backend_roles if backend_roles is not None
                                      else previous.backend_roles if previous else ()))
        return previous is None

    def delete_role(self, name: str) -> bool:
        self._verdicts.clear()
        return self.roles.pop(name, None) is not None

    def delete_user(self, name: str) -> bool:
        return self.users.pop(name, None) is not None


def _decoded(token: str) -> str:
    try:
        return base64.b64decode(token.encode(), validate=True).decode(errors="replace")
    except ValueError:
        return ""
