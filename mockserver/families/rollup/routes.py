"""Routes of the Elasticsearch rollup job APIs."""

from __future__ import annotations

from typing import Any

from mockserver.families.rollup.models import DEFAULT_STOP_TIMEOUT, RollupJobs
from mockserver.params import Param, boolean, time_value
from mockserver.routing import ACKNOWLEDGED, STOPPED, Body, Call, Reply, Route
from mockserver.xcontent import Encoded

Rollup = Call[RollupJobs]


def _deprecated(call: Rollup) -> None:
    for warning in call.state.warnings():
        call.warn(warning)


async def put_job(call: Rollup) -> Reply:
    _deprecated(call)
    call.state.put(call.path_params["id"], call.document)
    return ACKNOWLEDGED


async def start_job(call: Rollup) -> dict[str, Any]:
    _deprecated(call)
    call.state.start(call.path_params["id"])
    return {"started": True}


async def stop_job(call: Rollup) -> Reply:
    await call.state.stop(call.path_params["id"], call.params["wait_for_completion"], call.params["timeout"])
    return STOPPED


async def delete_job(call: Rollup) -> Reply:
    call.state.delete(call.path_params["id"])
    return ACKNOWLEDGED


async def get_jobs(call: Rollup) -> Encoded:
    _deprecated(call)
    return call.state.listing(call.path_params.get("id"))


def slow_stop(jobs: RollupJobs, args: dict[str, Any]) -> dict[str, Any]:
    """Fixture: the job's indexing runs take `seconds`, so a stop waits for the in-flight run."""
    jobs.make_slow(str(args["job_id"]), float(args.get("seconds", 2)))
    return {"job_id": args["job_id"]}


_STOP_PARAMS = (Param("timeout", time_value, DEFAULT_STOP_TIMEOUT), Param("wait_for_completion", boolean, False))

_ACTION = "cluster:{}/xpack/rollup/{}"

ROUTES: tuple[Route[RollupJobs], ...] = (
    Route("PUT", "/_rollup/job/{id}", put_job, body=Body.REQUIRED, action=_ACTION.format("admin", "put"),
          request_schema="rollup.schema.json#/$defs/put_job_request"),
    Route("POST", "/_rollup/job/{id}/_start", start_job, action=_ACTION.format("admin", "start")),
    Route("POST", "/_rollup/job/{id}/_stop", stop_job, params=_STOP_PARAMS, action=_ACTION.format("admin", "stop")),
    Route("DELETE", "/_rollup/job/{id}", delete_job, action=_ACTION.format("admin", "delete")),
    Route("GET", "/_rollup/job/{id}", get_jobs, action=_ACTION.format("monitor", "get")),
    Route("GET", "/_rollup/job", get_jobs, action=_ACTION.format("monitor", "get")),
)
