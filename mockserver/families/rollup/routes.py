"""Routes of the Elasticsearch rollup job APIs."""

from __future__ import annotations

from typing import Any

from mockserver.clock import wait_until
from mockserver.errors import Reply, TimedOut
from mockserver.families.rollup.models import DEPRECATION_MESSAGE, USAGE_CHECK_SINCE, IndexerState, RollupJob, RollupJobs
from mockserver.params import Param, TimeValue, boolean, time_value
from mockserver.routing import Body, Call, Route


def _jobs(call: Call) -> RollupJobs:
    return call.state


def _deprecated(call: Call) -> None:
    if call.cluster.settings.version >= USAGE_CHECK_SINCE:
        call.warn(DEPRECATION_MESSAGE)


async def put_job(call: Call) -> dict[str, Any]:
    _deprecated(call)
    _jobs(call).put(call.path_params["id"], call.body)
    return {"acknowledged": True}


async def start_job(call: Call) -> dict[str, Any]:
    _deprecated(call)
    _jobs(call).start(call.path_params["id"])
    return {"started": True}


async def stop_job(call: Call) -> dict[str, Any]:
    jobs, job_id = _jobs(call), call.path_params["id"]
    jobs.stop(job_id)
    if call.params["wait_for_completion"]:
        timeout: TimeValue = call.params["timeout"]
        stopped = await wait_until(jobs.clock, lambda: jobs.state_of(job_id) in (IndexerState.STOPPED, None),
                                   max(timeout.seconds, 0))
        if not stopped:
            state = jobs.state_of(job_id)
            raise TimedOut(f"Timed out after [{timeout}] while waiting for rollup job [{job_id}] to stop. "
                           f"State was [{state.label}]")
    return {"stopped": True}


async def delete_job(call: Call) -> Reply:
    failure = _jobs(call).delete(call.path_params["id"])
    if failure is not None:
        return Reply(500, {"task_failures": [failure], "acknowledged": False})
    return Reply(200, {"acknowledged": True})


def _job_document(job: RollupJob) -> dict[str, Any]:
    return {"config": job.config, "status": {"job_state": job.state.value, "upgraded_doc_id": True},
            "stats": dict(job.stats)}


async def get_jobs(call: Call) -> dict[str, Any]:
    _deprecated(call)
    return {"jobs": [_job_document(job) for job in _jobs(call).get(call.path_params.get("id"))]}


def slow_stop(jobs: RollupJobs, args: dict[str, Any]) -> dict[str, Any]:
    """Fixture: the job's indexing runs take `seconds`, so a stop waits for the in-flight run."""
    jobs.make_slow(str(args["job_id"]), float(args.get("seconds", 2)))
    return {"job_id": args["job_id"]}


_STOP_PARAMS = (Param("timeout", time_value, TimeValue(30, 1.0)), Param("wait_for_completion", boolean, False))

_ACTION = "cluster:{}/xpack/rollup/{}"

ROUTES = (
    Route("PUT", "/_rollup/job/{id}", put_job, body=Body.REQUIRED, action=_ACTION.format("admin", "put")),
    Route("POST", "/_rollup/job/{id}/_start", start_job, action=_ACTION.format("admin", "start")),
    Route("POST", "/_rollup/job/{id}/_stop", stop_job, params=_STOP_PARAMS, action=_ACTION.format("admin", "stop")),
    Route("DELETE", "/_rollup/job/{id}", delete_job, action=_ACTION.format("admin", "delete")),
    Route("GET", "/_rollup/job/{id}", get_jobs, action=_ACTION.format("monitor", "get")),
    Route("GET", "/_rollup/job", get_jobs, action=_ACTION.format("monitor", "get")),
)
