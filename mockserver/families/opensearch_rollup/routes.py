"""Routes of the OpenSearch index rollup APIs, under `_plugins` and the deprecated `_opendistro` prefix."""

from __future__ import annotations

from typing import Any, Callable

from mockserver.errors import IllegalArgument, ValidationFailed
from mockserver.families.opensearch_rollup.access import JobUser
from mockserver.families.opensearch_rollup.models import RollupJobs
from mockserver.params import Param, accepts, integer, long, string
from mockserver.routing import Body, Call, Handler, Reply, Route

BASE = "/_plugins/_rollup/jobs"
LEGACY_BASE = "/_opendistro/_rollup/jobs"
_REFRESH_POLICIES = {"true": True, "": True, "false": False, "wait_for": False}


Rollups = Call[RollupJobs]


def _id(call: Rollups) -> str:
    return call.path_params.get("id", "")


def _user(call: Rollups) -> JobUser | None:
    return call.state.access.requester(call.headers, call.uri)


@accepts({"enum": sorted(_REFRESH_POLICIES)})
def refresh_policy(raw: str, name: str) -> bool:
    """`WriteRequest.RefreshPolicy.parse`; true when the write forces a refresh."""
    if raw not in _REFRESH_POLICIES:
        raise IllegalArgument(f"Unknown value for refresh: [{raw}].")
    return _REFRESH_POLICIES[raw]


async def put_job(call: Rollups) -> Reply:
    job_id = _id(call)
    if not job_id:
        raise IllegalArgument("Missing rollup ID")
    status, body = call.state.put(job_id, call.document, call.params["if_seq_no"], call.params["if_primary_term"],
                                  _user(call))
    headers = {"Location": f"{BASE}/{job_id}"} if status == 201 else {}
    return Reply(status, body, headers)


async def get_job(call: Rollups) -> dict[str, Any]:
    return call.state.get(_id(call), _user(call))


async def head_job(call: Rollups) -> Reply:
    return Reply(call.state.head(_id(call), _user(call)), None)


async def list_jobs(call: Rollups) -> dict[str, Any]:
    params = call.params
    return call.state.list_jobs(params["search"], params["from"], params["size"], params["sortField"],
                            params["sortDirection"], _user(call))


async def delete_job(call: Rollups) -> dict[str, Any]:
    return call.state.delete(_id(call), call.params["refresh"], _user(call))


async def start_job(call: Rollups) -> dict[str, Any]:
    if not _id(call).strip():
        raise ValidationFailed("id is missing")
    return {"acknowledged": call.state.start(_id(call), _user(call))}


async def stop_job(call: Rollups) -> dict[str, Any]:
    if not _id(call):
        raise IllegalArgument("Missing rollup ID")
    return {"acknowledged": call.state.stop(_id(call), _user(call))}


async def explain_jobs(call: Rollups) -> dict[str, Any]:
    ids = _id(call).split(",") if _id(call) else []
    if not ids:
        raise IllegalArgument("Missing rollupID")
    return call.state.explain(ids, _user(call))


def run_now(jobs: RollupJobs, args: dict[str, Any]) -> dict[str, Any]:
    """Fixture: the job's schedule fires now, so a scenario need not wait for its interval."""
    job_id = str(args["job_id"])
    return {"job_id": job_id, "executed": jobs.run_now(job_id)}


def _deprecated(handler: Handler[RollupJobs], method: str, suffix: str) -> Handler[RollupJobs]:
    message = f"[{method} {LEGACY_BASE}{suffix}] is deprecated! Use [{method} {BASE}{suffix}] instead."

    async def legacy(call: Rollups) -> Any:
        call.warn(message)
        return await handler(call)

    return legacy


_GET_PARAMS = (Param("search", string, ""), Param("from", integer, 0), Param("size", integer, 20),
               Param("sortField", string, "rollup.rollup_id.keyword"), Param("sortDirection", string, "asc"))
_PUT_SCHEMA = "opensearch_rollup.schema.json#/$defs/put_job_request"
_PUT_PARAMS = (Param("if_seq_no", long), Param("if_primary_term", long), Param("refresh", refresh_policy, True))
_DELETE_PARAMS = (Param("refresh", refresh_policy, True),)


def _routes(method: str, suffix: str, handler: Handler[RollupJobs],
            **options: Any) -> tuple[Route[RollupJobs], Route[RollupJobs]]:
    template = suffix.replace("{id}", "{rollupID}")
    return (Route(method, BASE + suffix, handler, **options),
            Route(method, LEGACY_BASE + suffix, _deprecated(handler, method, template), **options))


ROUTES: tuple[Route[RollupJobs], ...] = (
    *_routes("PUT", "/{id}", put_job, params=_PUT_PARAMS, body=Body.REQUIRED, request_schema=_PUT_SCHEMA),
    *_routes("PUT", "", put_job, params=_PUT_PARAMS, body=Body.OPTIONAL, request_schema=_PUT_SCHEMA),
    *_routes("GET", "/{id}", get_job, params=_GET_PARAMS),
    *_routes("HEAD", "/{id}", head_job, params=_GET_PARAMS),
    *_routes("GET", "", list_jobs, params=_GET_PARAMS),
    *_routes("DELETE", "/{id}", delete_job, params=_DELETE_PARAMS),
    *_routes("POST", "/{id}/_start", start_job),
    *_routes("POST", "/{id}/_stop", stop_job),
    *_routes("GET", "/{id}/_explain", explain_jobs),
)

FIXTURES: dict[str, Callable[[RollupJobs, dict[str, Any]], Any]] = {"os_rollup_run_now": run_now}
