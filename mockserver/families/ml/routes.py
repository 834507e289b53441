"""Routes of the Elasticsearch data frame analytics APIs (`/_ml/data_frame/analytics`)."""

from __future__ import annotations

from typing import Any, Callable, NamedTuple

from mockserver.errors import IllegalArgument
from mockserver.families.ml.config import inconsistent_id, parse_config, parse_update
from mockserver.families.ml.models import START_TIMEOUT, STOP_TIMEOUT, DfaJobs
from mockserver.params import Param, boolean, integer, string, time_value, unrecognized
from mockserver.routing import ACKNOWLEDGED, STOPPED, Body, Call, Reply, Route
from mockserver.timevalue import TimeValue, TimeUnit
from mockserver.xcontent import ObjectReader

BASE = "/_ml/data_frame/analytics"
STOP_ACTION = "cluster:admin/xpack/ml/data_frame/analytics/stop"  # also the stop body parser's name
START_ACTION = "cluster:admin/xpack/ml/data_frame/analytics/start"
MAX_FROM_SIZE = 10_000

Ml = Call[DfaJobs]


class Options(NamedTuple):
    """What a start or stop request asks for, from its body or its query string."""

    id: str
    timeout: TimeValue
    allow_no_match: bool
    force: bool


def _options(call: Ml, action: str, timeout: TimeValue) -> Options:
    """Options from the body or from query parameters, never both: with a body, the REST handler reads no
    parameter, so any given one is answered as unrecognized (after the body's own errors)."""
    url_id = call.path_params["id"]
    params = call.params
    if call.document is None:
        return Options(url_id, _query(params, "timeout", time_value, timeout),
                       _query(params, "allow_no_match", boolean, True), _query(params, "force", boolean, False))
    names = [n for n in ("timeout", "allow_no_match", "force") if n in params]
    reader = ObjectReader(action, call.document, (), {"id", *names})
    body_id, body_timeout = reader.string("id"), reader.time("timeout")
    allow, force = reader.boolean("allow_no_match"), reader.boolean("force")
    if body_id is not None and url_id and body_id != url_id:
        raise inconsistent_id(body_id, url_id)
    given = sorted(n for n in names if params[n] is not None)
    if given:
        raise IllegalArgument(unrecognized(call.path, given, ["id"]))
    return Options(body_id or url_id, body_timeout or timeout, True if allow is None else allow, bool(force))


def _query(params: dict[str, Any], name: str, parse: Callable[[str, str], Any], default: Any) -> Any:
    """A query parameter, parsed only when given (the route declares it as a string)."""
    raw = params.get(name)
    return default if raw is None else parse(raw, name)


# handlers ----------------------------------------------------------------------------------------------------
async def put(call: Ml) -> dict[str, Any]:
    config = parse_config(call.path_params["id"], call.document)
    for warning in config.analysis.deprecations:
        call.warn(warning)
    return call.state.put(config, call.state.authorization(call.headers, call.uri)).document()


def _page(call: Ml) -> slice:
    start, size = call.params["from"], call.params["size"]
    if start < 0:
        raise IllegalArgument("Parameter [from] cannot be < 0")
    if size < 0:
        raise IllegalArgument("Parameter [size] cannot be < 0")
    if start + size > MAX_FROM_SIZE:
        raise IllegalArgument(f"The sum of parameters [from] and [size] cannot be higher than {MAX_FROM_SIZE}.")
    return slice(start, start + size)


async def update(call: Ml) -> dict[str, Any]:
    job_id = call.path_params["id"]
    changes = parse_update(job_id, call.document)
    return call.state.update(job_id, changes, call.state.authorization(call.headers, call.uri)).document()


async def get(call: Ml) -> dict[str, Any]:
    page = _page(call)
    ids = call.state.select_ids(call.path_params.get("id", "_all"), call.params["allow_no_match"])
    docs = [call.state.job(job_id).config.document() for job_id in ids[page]]
    if call.params["exclude_generated"]:
        for doc in docs:
            for generated in ("create_time", "version", "authorization"):
                doc.pop(generated, None)
    return {"count": len(ids), "data_frame_analytics": docs}


async def stats(call: Ml) -> dict[str, Any]:
    page = _page(call)
    jobs = call.state
    ids = jobs.select_ids(call.path_params.get("id", "_all"), call.params["allow_no_match"])
    return {"count": len(ids), "data_frame_analytics": [jobs.stats(jobs.job(job_id)) for job_id in ids[page]]}


async def start(call: Ml) -> dict[str, Any]:
    options = _options(call, START_ACTION, START_TIMEOUT)
    return {"acknowledged": True, "node": await call.state.start(options.id, options.timeout, call.warn)}


async def stop(call: Ml) -> Reply:
    options = _options(call, STOP_ACTION, STOP_TIMEOUT)
    await call.state.stop(options.id, options.allow_no_match, options.force, options.timeout)
    return STOPPED


async def delete(call: Ml) -> Reply:
    call.state.delete(call.path_params["id"], call.params["force"])
    return ACKNOWLEDGED


# fixtures (mock adapter only) ----------------------------------------------------------------------------------
def _arg(args: dict[str, Any], name: str, default: Any = None) -> Any:
    if name not in args and default is None:
        raise IllegalArgument(f"fixture argument [{name}] is required")
    return args.get(name, default)


def slow_stop(jobs: DfaJobs, args: dict[str, Any]) -> dict[str, Any]:
    """A normal stop of the job takes `seconds` before its task is gone (for the stop timeout path)."""
    jobs.job(str(_arg(args, "job_id"))).stop_seconds = float(_arg(args, "seconds", 5))
    return {"job_id": args["job_id"]}


def slow_start(jobs: DfaJobs, args: dict[str, Any]) -> dict[str, Any]:
    """The job stays `starting` for `seconds` after each start before a node takes it."""
    jobs.job(str(_arg(args, "job_id"))).assign_seconds = float(_arg(args, "seconds", 5))
    return {"job_id": args["job_id"]}


def fail_job(jobs: DfaJobs, args: dict[str, Any]) -> dict[str, Any]:
    """The running job fails now (only a force stop clears it)."""
    jobs.fail(str(_arg(args, "job_id")), str(_arg(args, "reason", "simulated failure (mock fixture)")))
    return {"job_id": args["job_id"]}


def phase_seconds(jobs: DfaJobs, args: dict[str, Any]) -> dict[str, Any]:
    """How long each progress phase takes: for one job (`job_id`) or for every job without its own setting."""
    seconds = float(_arg(args, "seconds"))
    if "job_id" in args:
        job = jobs.job(str(args["job_id"]))
        jobs.refresh(job)
        job.phase_seconds = seconds
    else:
        jobs.default_phase_seconds = seconds
    return {"seconds": seconds}


FIXTURES = {"ml_slow_stop": slow_stop, "ml_slow_start": slow_start, "ml_fail_job": fail_job,
            "ml_phase_seconds": phase_seconds}

_PAGE = (Param("allow_no_match", boolean, True), Param("from", integer, 0), Param("size", integer, 100))
_OPTIONS = (Param("timeout", string), Param("allow_no_match", string), Param("force", string))

_ACTION = "cluster:{}/xpack/ml/data_frame/analytics/{}"
_SCHEMA = "ml.schema.json#/$defs/{}"

ROUTES: tuple[Route[DfaJobs], ...] = (
    Route("PUT", f"{BASE}/{{id}}", put, body=Body.REQUIRED, action=_ACTION.format("admin", "put"),
          request_schema=_SCHEMA.format("put_job_request")),
    Route("POST", f"{BASE}/{{id}}/_update", update, body=Body.REQUIRED, action=_ACTION.format("admin", "update"),
          request_schema=_SCHEMA.format("update_request")),
    Route("GET", f"{BASE}/{{id}}", get, params=(*_PAGE, Param("exclude_generated", boolean, False)),
          action=_ACTION.format("monitor", "get")),
    Route("GET", BASE, get, params=(*_PAGE, Param("exclude_generated", boolean, False)),
          action=_ACTION.format("monitor", "get")),
    Route("GET", f"{BASE}/{{id}}/_stats", stats, params=(*_PAGE, Param("verbose", boolean, False)),
          action=_ACTION.format("monitor", "stats/get")),
    Route("GET", f"{BASE}/_stats", stats, params=(*_PAGE, Param("verbose", boolean, False)),
          action=_ACTION.format("monitor", "stats/get")),
    Route("POST", f"{BASE}/{{id}}/_start", start, params=_OPTIONS[:1], body=Body.OPTIONAL,
          action=START_ACTION, request_schema=_SCHEMA.format("start_request")),
    Route("POST", f"{BASE}/{{id}}/_stop", stop, params=_OPTIONS, body=Body.OPTIONAL, action=STOP_ACTION,
          request_schema=_SCHEMA.format("stop_request")),
    Route("DELETE", f"{BASE}/{{id}}", delete, params=(Param("force", boolean, False),
                                                      Param("timeout", time_value, TimeValue(1, TimeUnit.MINUTES))),
          action=_ACTION.format("admin", "delete")),
)
