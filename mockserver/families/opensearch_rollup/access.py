"""Backend-role filtering of rollup jobs (reference: opensearch-rollups.md, section 15).

A job stores the user who created or last updated it. With the dynamic cluster setting
`plugins.index_management.filter_by_backend_roles` on, a job is reachable only by users who share one of that
user's backend roles: get, HEAD, update, delete, start and stop answer 403, while explain and the list leave
the job out. There is no check when the job has no user (security was off when it was written), the request
has no user (security is off), or the requester holds the `all_access` role. The checks and the messages are
index management's `SecurityUtils`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

from mockserver.errors import ApiError

FILTER_BY_BACKEND_ROLES = "plugins.index_management.filter_by_backend_roles"
ADMIN_ROLE = "all_access"


@dataclass(frozen=True)
class JobUser:
    """The security plugin's `User` of a request, as a job stores it (never returned by the rollup APIs)."""

    name: str
    backend_roles: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()

    @property
    def admin(self) -> bool:
        return ADMIN_ROLE in self.roles

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "backend_roles": list(self.backend_roles), "roles": list(self.roles),
                "custom_attribute_names": [], "user_requested_tenant": None}


class _JavaException(ApiError):
    """The plain `java.lang.Exception` that `IndexManagementException.wrap` puts under its message."""

    type = "exception"
    server_exception = False


class IndexManagementFailure(ApiError):
    """`IndexManagementException.wrap(OpenSearchStatusException(reason, status))`."""

    type = "index_management_exception"

    def __init__(self, reason: str, status: int = 403) -> None:
        super().__init__(reason, caused_by=_JavaException(f"org.opensearch.OpenSearchStatusException: {reason}"))
        self.status = status


def filter_enabled(persistent: dict[str, Any], transient: dict[str, Any]) -> bool:
    """The setting's value from the cluster's dynamic settings (a transient value wins), default false."""
    return str(transient.get(FILTER_BY_BACKEND_ROLES, persistent.get(FILTER_BY_BACKEND_ROLES, "false"))) == "true"


Requester = Callable[[Mapping[str, str], str], "JobUser | None"]


class BackendRoleFilter:
    """The checks, given how to read the setting's current value and who sends a request (from its headers
    and URI; None when security is off)."""

    def __init__(self, enabled: Callable[[], bool] = lambda: False,
                 requester: Requester = lambda headers, uri: None) -> None:
        self.enabled = enabled
        self.requester = requester

    def check_writer(self, user: JobUser | None) -> None:
        """`validateUserConfiguration`: with the filter on, a job's writer needs security and backend roles."""
        if not self.enabled():
            return
        if user is None:
            raise IndexManagementFailure("Filter by user backend roles in IndexManagement is not supported with "
                                         "security disabled")
        if not user.backend_roles:
            raise IndexManagementFailure("User doesn't have backend roles configured. Contact administrator")

    def permits(self, requester: JobUser | None, owner: JobUser | None) -> bool:
        """`userHasPermissionForResource`; explain and the list filter by the same rule."""
        if not self.enabled() or owner is None or requester is None or requester.admin:
            return True
        return bool(set(owner.backend_roles) & set(requester.backend_roles))

    def check(self, requester: JobUser | None, owner: JobUser | None, job_id: str) -> None:
        if not self.permits(requester, owner):
            raise IndexManagementFailure(f"Do not have permission for rollup [{job_id}]")
