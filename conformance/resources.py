"""What a request creates or deletes on a cluster, and how to tear each kind of resource down, in one table.

The ledger records a resource when a request matching a `creates` pattern succeeds, and its deletion when a
request matching a `deletes` pattern does (or finds it gone). Teardown and cleanup go through the kinds in
dependency order: stop jobs and wait, delete jobs, cancel tasks, delete indices, then users and roles.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator
from urllib.parse import quote

Names = Callable[[Any], list[str]]  # the names in a listing response
Found = Callable[[int, Any], bool]  # (status, body) of an existence check: is it still there?


@dataclass(frozen=True)
class Resource:
    kind: str
    name: str


@dataclass(frozen=True)
class Kind:
    """A kind of resource on the flavours that have it: the requests that create and delete one, the requests
    that tear one down (in order), how to tell it still exists, and how to list them by a name pattern."""

    name: str
    flavours: frozenset[str]
    creates: tuple[tuple[str, str], ...]  # (method, path pattern with a `name` group)
    deletes: tuple[tuple[str, str], ...]
    teardown: tuple[tuple[str, str, dict[str, str]], ...]  # (method, path with {name}, params)
    exists: tuple[str, Found] | None = None  # (GET path with {name}, whether the answer shows it is still there)
    listing: tuple[str, dict[str, str], Names] | None = None  # (GET path with {pattern}, params, names found)
    indices: Callable[[Any], list[str]] = field(default=lambda body: [])  # indices its creation also makes

    def matches(self, table: tuple[tuple[str, str], ...], method: str, path: str) -> str | None:
        for wanted, pattern in table:
            found = re.fullmatch(pattern, path)
            if method == wanted and found and not _is_expression(found.group("name")):
                return found.group("name")
        return None


def _is_expression(name: str) -> bool:
    """`_all`, wildcards, lists and templates (`rollup_{{ctx.source_index}}`) name many resources, or none yet:
    never a single created one."""
    return not name or name.startswith("_") or any(c in name for c in "*,?") or "{{" in name


def _field(*path: str) -> Callable[[Any], list[str]]:
    def found(body: Any) -> list[str]:
        for key in path:
            body = body.get(key) if isinstance(body, dict) else None
        return [body] if isinstance(body, str) else []
    return found


def _keys(body: Any) -> list[str]:
    return sorted(body) if isinstance(body, dict) else []


def _answered(status: int, body: Any) -> bool:
    return status == 200


def _running(status: int, body: Any) -> bool:
    return status == 200 and isinstance(body, dict) and body.get("completed") is False


def _rollup_ids(body: Any) -> list[str]:
    jobs = body.get("jobs", []) if isinstance(body, dict) else []
    return [j["config"]["id"] for j in jobs if isinstance(j, dict) and "config" in j]


def _opensearch_rollup_ids(body: Any) -> list[str]:
    rollups = body.get("rollups", []) if isinstance(body, dict) else []
    return [r["_id"] for r in rollups if isinstance(r, dict) and "_id" in r]


def _dfa_ids(body: Any) -> list[str]:
    jobs = body.get("data_frame_analytics", []) if isinstance(body, dict) else []
    return [j["id"] for j in jobs if isinstance(j, dict) and "id" in j]


BOTH = frozenset({"elasticsearch", "opensearch"})
ES = frozenset({"elasticsearch"})
OS = frozenset({"opensearch"})
_NAME = r"(?P<name>[^/]+)"
_OS_ROLLUPS = r"/_(?:plugins|opendistro)/_rollup/jobs"

# In teardown order.
KINDS: tuple[Kind, ...] = (
    Kind("rollup job", ES, creates=(("PUT", rf"/_rollup/job/{_NAME}"),),
         deletes=(("DELETE", rf"/_rollup/job/{_NAME}"),),
         teardown=(("POST", "/_rollup/job/{name}/_stop", {"wait_for_completion": "true", "timeout": "30s"}),
                   ("DELETE", "/_rollup/job/{name}", {})),
         exists=("/_rollup/job/{name}", lambda status, body: status == 200 and bool(_rollup_ids(body))),
         listing=("/_rollup/job/_all", {}, _rollup_ids), indices=_field("rollup_index")),
    Kind("opensearch rollup job", OS, creates=(("PUT", rf"{_OS_ROLLUPS}/{_NAME}"),),
         deletes=(("DELETE", rf"{_OS_ROLLUPS}/{_NAME}"),),
         teardown=(("POST", "/_plugins/_rollup/jobs/{name}/_stop", {}),
                   ("DELETE", "/_plugins/_rollup/jobs/{name}", {})),
         exists=("/_plugins/_rollup/jobs/{name}", _answered),
         listing=("/_plugins/_rollup/jobs", {"size": "1000"}, _opensearch_rollup_ids),
         indices=_field("rollup", "target_index")),
    Kind("data frame analytics job", ES, creates=(("PUT", rf"/_ml/data_frame/analytics/{_NAME}"),),
         deletes=(("DELETE", rf"/_ml/data_frame/analytics/{_NAME}"),),
         teardown=(("POST", "/_ml/data_frame/analytics/{name}/_stop", {"force": "true"}),
                   ("DELETE", "/_ml/data_frame/analytics/{name}", {"force": "true"})),
         exists=("/_ml/data_frame/analytics/{name}", lambda status, body: status == 200 and bool(_dfa_ids(body))),
         listing=("/_ml/data_frame/analytics/{pattern}", {"allow_no_match": "true"}, _dfa_ids),
         indices=_field("dest", "index")),
    Kind("task", BOTH, creates=(), deletes=(("POST", rf"/_tasks/{_NAME}/_cancel"),),
         teardown=(("POST", "/_tasks/{name}/_cancel", {"wait_for_completion": "true"}),),
         exists=("/_tasks/{name}", _running)),
    Kind("index", BOTH,
         creates=(("PUT", rf"/{_NAME}"), ("PUT", rf"/{_NAME}/_doc/[^/]+"), ("POST", rf"/{_NAME}/_doc(?:/[^/]+)?"),
                  ("PUT", rf"/{_NAME}/_create/[^/]+"), ("POST", rf"/{_NAME}/_bulk"), ("PUT", rf"/{_NAME}/_bulk")),
         deletes=(("DELETE", rf"/{_NAME}"),), teardown=(("DELETE", "/{name}", {}),),
         exists=("/{name}/_mapping", _answered), listing=("/{pattern}/_mapping", {}, _keys)),
    Kind("user", ES, creates=(("PUT", rf"/_security/user/{_NAME}"), ("POST", rf"/_security/user/{_NAME}")),
         deletes=(("DELETE", rf"/_security/user/{_NAME}"),), teardown=(("DELETE", "/_security/user/{name}", {}),),
         exists=("/_security/user/{name}", _answered), listing=("/_security/user", {}, _keys)),
    Kind("user", OS, creates=(("PUT", rf"/_plugins/_security/api/internalusers/{_NAME}"),),
         deletes=(("DELETE", rf"/_plugins/_security/api/internalusers/{_NAME}"),),
         teardown=(("DELETE", "/_plugins/_security/api/internalusers/{name}", {}),),
         exists=("/_plugins/_security/api/internalusers/{name}", _answered),
         listing=("/_plugins/_security/api/internalusers", {}, _keys)),
    Kind("role", ES, creates=(("PUT", rf"/_security/role/{_NAME}"), ("POST", rf"/_security/role/{_NAME}")),
         deletes=(("DELETE", rf"/_security/role/{_NAME}"),), teardown=(("DELETE", "/_security/role/{name}", {}),),
         exists=("/_security/role/{name}", _answered), listing=("/_security/role", {}, _keys)),
    Kind("role", OS, creates=(("PUT", rf"/_plugins/_security/api/roles/{_NAME}"),),
         deletes=(("DELETE", rf"/_plugins/_security/api/roles/{_NAME}"),),
         teardown=(("DELETE", "/_plugins/_security/api/roles/{name}", {}),),
         exists=("/_plugins/_security/api/roles/{name}", _answered),
         listing=("/_plugins/_security/api/roles", {}, _keys)),
)
ORDER = tuple(dict.fromkeys(kind.name for kind in KINDS))


def kind(name: str, flavour: str) -> Kind | None:
    return next((k for k in KINDS if k.name == name and flavour in k.flavours), None)


def created(flavour: str, method: str, path: str, body: Any, answer: Any = None) -> list[Resource]:
    """The resources a successful request creates: by its method and path, the indices its body names
    (a bulk's `_index`, a job's destination), and a background task it started (from the answer)."""
    found: list[Resource] = []
    for candidate in KINDS:
        name = candidate.matches(candidate.creates, method, path) if flavour in candidate.flavours else None
        if name is not None:
            found.append(Resource(candidate.name, name))
            found += [Resource("index", index) for index in candidate.indices(body)]
    if method == "POST" and path in ("/_bulk",) and isinstance(body, list):
        indices = [action.get("_index") for line in body if isinstance(line, dict)
                   for action in line.values() if isinstance(action, dict)]
        found += [Resource("index", i) for i in dict.fromkeys(indices) if isinstance(i, str)]
    if path.endswith(("/_reindex", "/_update_by_query", "/_delete_by_query")):
        found += [Resource("index", i) for i in _field("dest", "index")(body)]
        task = answer.get("task") if isinstance(answer, dict) else None
        if isinstance(task, str):
            found.append(Resource("task", task))
    return [r for r in dict.fromkeys(found) if not _is_expression(r.name)]


def deleted(flavour: str, method: str, path: str) -> list[Resource]:
    """The resources a request deletes (recorded when it answers 200, or 404: already gone); a comma list of
    indices names each one."""
    found = []
    for candidate in KINDS:
        for wanted, pattern in candidate.deletes if flavour in candidate.flavours else ():
            match = re.fullmatch(pattern, path)
            if method == wanted and match:
                found += [Resource(candidate.name, name) for name in match.group("name").split(",")
                          if not _is_expression(name)]
    return found


def in_teardown_order(resources: list[Resource]) -> list[Resource]:
    """Jobs before tasks before indices before users and roles; later-created first within a kind."""
    return sorted(reversed(resources), key=lambda r: ORDER.index(r.kind) if r.kind in ORDER else len(ORDER))


def teardown_requests(resource: Resource, flavour: str) -> Iterator[tuple[str, str, dict[str, str]]]:
    found = kind(resource.kind, flavour)
    for method, path, params in found.teardown if found else ():
        yield method, path.format(name=quote(resource.name, safe=":")), params
