"""The security errors of both flavours, each rendering as the real cluster answers.

Elasticsearch 401 (reference elasticsearch.md 1.8): `security_exception` with the `WWW-Authenticate` challenges
in the body's `header` and as HTTP headers: from 8.0 one header per realm (Basic, Bearer, ApiKey; which realms
appear depends on the configuration, UNCONFIRMED per deployment), in 7.x a single Basic challenge written without
the comma. OpenSearch's security plugin answers an unauthenticated request with a plain-text `Unauthorized` and a
Basic challenge for its realm (UNCONFIRMED: not in the references, asserted loosely only), and a missing
permission with `no permissions for [action] and User [...]` (its exact text for rollups is UNCONFIRMED).
"""

from __future__ import annotations

from typing import Any

from mockserver.errors import ApiError
from mockserver.version import Version

CHALLENGES = ['Basic realm="security", charset="UTF-8"', 'Bearer realm="security"', "ApiKey"]
CHALLENGE_7 = 'Basic realm="security" charset="UTF-8"'
OPENSEARCH_CHALLENGE = 'Basic realm="OpenSearch Security"'


class SecurityError(ApiError):
    type = "security_exception"


class Unauthenticated(SecurityError):
    status = 401

    def __init__(self, reason: str, version: Version) -> None:
        challenge: str | list[str] = CHALLENGES if version.major >= 8 else CHALLENGE_7
        super().__init__(reason, header={"WWW-Authenticate": challenge})
        self.headers = {"WWW-Authenticate": challenge}


class Forbidden(SecurityError):
    status = 403


class OpenSearchUnauthenticated(SecurityError):
    status = 401
    headers = {"WWW-Authenticate": OPENSEARCH_CHALLENGE}

    def __init__(self) -> None:
        super().__init__("Unauthorized")

    def envelope(self, version: Version, trace: bool = False) -> Any:
        return "Unauthorized"


class OpenSearchForbidden(SecurityError):
    status = 403

    def __init__(self, action: str, user: str, backend_roles: tuple[str, ...]) -> None:
        roles = ", ".join(backend_roles)
        super().__init__(f"no permissions for [{action}] and User [name={user}, backend_roles=[{roles}], "
                         f"requestedTenant=null]")
