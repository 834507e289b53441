"""Which privileges grant which actions, and the 403 messages, per flavour and version.

Elasticsearch: `ClusterPrivilegeResolver` (privilege -> action patterns) and `AuthorizationDenialMessages`. The
"this action is granted by the cluster privileges [...]" suffix and the `cancel_task` privilege came with 7.12;
8.x names the effective roles (the 7.12-7.17 wording of roles is UNCONFIRMED: roles are left out there).
OpenSearch: roles hold action patterns and action groups; the rollup actions are the index management plugin's
transport action names (reference: opensearch-rollups.md, section 1).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from mockserver.errors import IllegalArgument
from mockserver.families.security.config import Role
from mockserver.version import Version
from mockserver.wildcard import simple_match

MESSAGE_WITH_PRIVILEGES = Version(7, 12, 0)
MESSAGE_WITH_ROLES = Version(8, 0, 0)


@dataclass(frozen=True)
class Privilege:
    patterns: tuple[str, ...]
    since: Version = Version(0, 0, 0)
    excludes: tuple[str, ...] = ()


# Least privileged first: the order 403 messages list them in.
PRIVILEGES: dict[str, Privilege] = {
    "monitor_rollup": Privilege(("cluster:monitor/xpack/rollup/*",)),
    "manage_rollup": Privilege(("cluster:admin/xpack/rollup/*", "cluster:monitor/xpack/rollup/*")),
    "monitor_ml": Privilege(("cluster:monitor/xpack/ml/*",)),
    "manage_ml": Privilege(("cluster:admin/xpack/ml/*", "cluster:monitor/xpack/ml/*")),
    "cancel_task": Privilege(("cluster:admin/tasks/cancel*",), since=MESSAGE_WITH_PRIVILEGES),
    "monitor": Privilege(("cluster:monitor/*",)),
    "manage_security": Privilege(("cluster:admin/xpack/security/*",)),
    "manage": Privilege(("cluster:*",), excludes=("cluster:admin/xpack/security/*",)),
    "all": Privilege(("*",)),
}
# OpenSearch action groups a role may name instead of action patterns.
ACTION_GROUPS: dict[str, tuple[str, ...]] = {"cluster_all": ("cluster:*",), "cluster_monitor": ("cluster:monitor/*",)}

BUILTIN_ROLES: dict[str, dict[str, Role]] = {
    "elasticsearch": {"superuser": Role(("all",), run_as=("*",)),
                      "machine_learning_admin": Role(("manage_ml",))},
    "opensearch": {"all_access": Role(("*",)),
                   "index_management_full_access": Role(("cluster:admin/opendistro/ism/*",
                                                         "cluster:admin/opendistro/rollup/*",
                                                         "cluster:admin/opendistro/transform/*"))},
}

_OS_ROLLUPS = r"/_(?:plugins|opendistro)/_rollup/jobs"
_OS_ACTIONS: tuple[tuple[str, str, str], ...] = (
    ("PUT", rf"{_OS_ROLLUPS}/[^/]+", "index"), ("GET", rf"{_OS_ROLLUPS}/[^/]+", "get"),
    ("HEAD", rf"{_OS_ROLLUPS}/[^/]+", "get"), ("GET", _OS_ROLLUPS, "search"),
    ("DELETE", rf"{_OS_ROLLUPS}/[^/]+", "delete"), ("POST", rf"{_OS_ROLLUPS}/[^/]+/_start", "start"),
    ("POST", rf"{_OS_ROLLUPS}/[^/]+/_stop", "stop"), ("GET", rf"{_OS_ROLLUPS}/[^/]+/_explain", "explain"),
)


def os_action(method: str, path: str) -> str | None:
    """The transport action an OpenSearch rollup request runs (the permission its security checks)."""
    clean = path.rstrip("/")
    for wanted, pattern, name in _OS_ACTIONS:
        if method == wanted and re.fullmatch(pattern, clean):
            return f"cluster:admin/opendistro/rollup/{name}"
    if clean.startswith("/_plugins/_security/api/"):
        return f"restapi:admin/{clean.split('/')[4]}"
    return None


@cache  # a pure function of the constant tables above, asked on every request
def grants(privilege: str, action: str, version: Version) -> bool:
    found = PRIVILEGES.get(privilege)
    if found is None or version < found.since or any(simple_match(p, action) for p in found.excludes):
        return False
    return any(simple_match(pattern, action) for pattern in found.patterns)


def allows(flavour: str, version: Version, role_names: tuple[str, ...], roles: dict[str, Role], action: str) -> bool:
    """Whether any of the roles grants the action: by privilege name (Elasticsearch), or by action pattern or
    action group (OpenSearch)."""
    for entry in (e for name in role_names for e in roles.get(name, Role()).cluster):
        if flavour == "elasticsearch" and grants(entry, action, version):
            return True
        if flavour == "opensearch" and any(simple_match(p, action) for p in ACTION_GROUPS.get(entry, (entry,))):
            return True
    return False


def granting(action: str, version: Version) -> list[str]:
    return [name for name in PRIVILEGES if grants(name, action, version)]


def check_privileges(names: list[str], version: Version) -> None:
    """Refuse (400) a role naming a cluster privilege the version does not have."""
    known = sorted(name for name, privilege in PRIVILEGES.items() if version >= privilege.since)
    unknown = [name for name in names if name not in known]
    if unknown:
        raise IllegalArgument(f"unknown cluster privilege [{unknown[0]}]. a privilege must be either one of the "
                              f"predefined cluster privilege names [{','.join(known)}] or a pattern over one of the "
                              f"available cluster actions")


def denial(action: str, version: Version, user: str, roles: list[str], missing_roles: list[str],
           api_key: str | None, run_by: str | None, privileges: list[str]) -> str:
    """`AuthorizationDenialMessages.actionDenied` for a cluster action, as the version words it."""
    if api_key is not None:
        who = f"API key id [{api_key}] of user [{user}]"
    else:
        who = f"user [{run_by}] run as [{user}]" if run_by else f"user [{user}]"
        if version >= MESSAGE_WITH_ROLES:
            who += f" with effective roles [{','.join(sorted(roles))}]"
            if missing_roles:
                who += f" (assigned roles [{','.join(sorted(missing_roles))}] were not found)"
    message = f"action [{action}] is unauthorized for {who}"
    if version >= MESSAGE_WITH_PRIVILEGES:
        message += f", this action is granted by the cluster privileges [{','.join(privileges)}]"
    return message
