"""The mock accepts the job configs Schemathesis generates from its own description (the request schemas of
`specs/schemas/`), and runs the jobs they make: put (2xx), then start, stop, explain or get, and delete.

A schema states what one body must be; the rules that tie a body to the cluster (its source indices exist with
the fields it names) or its fields to each other (the rollup index is not the pattern) are not schema material.
Each family's `prepare` makes the cluster fit the body. Where a rule is about a value alone (an index name, a time
zone, a cron expression), `prepare` mends the generated value into one a real cluster takes (a valid value stays
as it is): most generated strings are not index names, and skipping those bodies cost ten draws for each one run.
`hypothesis.assume` skips the few bodies a real cluster refuses for a rule between fields, each named where it is
assumed. The long run is `benchmarks/fuzz.py`."""

from __future__ import annotations

import itertools
import json
import urllib.request
import zoneinfo
from urllib.parse import quote
from collections import Counter
from dataclasses import dataclass
from typing import Any, Callable
from urllib.error import HTTPError

import pytest
from hypothesis import HealthCheck, Phase, assume, given, settings

from mockserver.wildcard import is_simple_pattern, simple_match
from tests.robustness.descriptions import described

EXAMPLES = 10  # accepted bodies per family (those `assume` skips not counted): a few seconds each


class Client:
    def __init__(self, url: str) -> None:
        self.url = url

    def __call__(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"} if data else {})
        try:
            with urllib.request.urlopen(request, timeout=20) as response:
                return response.status, json.loads(response.read() or "null")
        except HTTPError as error:
            return error.code, json.loads(error.read() or "null")

    def fresh_index(self, name: str, properties: dict[str, str] | None = None) -> None:
        """`name` as a new index with these field types (an index of a previous example of that name gone)."""
        self("DELETE", f"/{quote(name, safe='')}")
        mappings = {"properties": {field: {"type": kind} for field, kind in (properties or {}).items()}}
        status, body = self("PUT", f"/{quote(name, safe='')}", {"mappings": mappings})
        assert status == 200, body


_REFUSED_IN_INDEX_NAMES = set('\\/*?"<>| ,#:')


def index_name(name: Any) -> bool:
    """Whether a real cluster takes `name` for a new index (`validateIndexOrAliasName`, lowercase)."""
    return (isinstance(name, str) and 0 < len(name.encode()) <= 255 and name == name.lower()
            and not _REFUSED_IN_INDEX_NAMES & set(name) and name[0] not in "_-+" and name not in (".", ".."))


def as_index_name(text: str, otherwise: str) -> str:
    """`text` when a real cluster takes it for a new index, else the name made from it by lowercasing it and
    dropping what names refuse (`otherwise` when nothing of it is left)."""
    if index_name(text):
        return text
    name = "".join(char for char in text.lower() if char not in _REFUSED_IN_INDEX_NAMES).lstrip("_-+")
    name = name.encode()[:255].decode(errors="ignore")
    return name if index_name(name) else otherwise


def field_names(*names: str) -> bool:
    """Whether the fields can be mapped flat, one type each (a dot is an object path)."""
    return all(name and "." not in name and not name.startswith("_") for name in names) \
        and len(set(names)) == len(names)


# Elasticsearch rollup jobs ---------------------------------------------------------------------------------------
def es_rollup(client: Client, job: str, body: dict[str, Any]) -> None:
    pattern = body["index_pattern"] = as_index_name(body["index_pattern"], "source")  # names one index, made here
    rollup_index = body["rollup_index"] = as_index_name(body["rollup_index"], "rollup")
    assume(rollup_index != pattern)  # the rollup index is not the pattern
    groups, metrics = body["groups"], body.get("metrics", [])
    date = groups["date_histogram"]["field"]
    terms = groups.get("terms", {}).get("fields", [])
    histogram = groups.get("histogram", {}).get("fields", [])
    measured = sorted({metric["field"] for metric in metrics} - {date} - set(histogram))
    assume(field_names(date, *terms, *histogram, *measured))  # each field mapped once, with a type its uses take
    client.fresh_index(pattern, {date: "date"} | dict.fromkeys(terms, "keyword")
                       | dict.fromkeys([*histogram, *measured], "long"))
    client("DELETE", f"/{quote(rollup_index, safe='')}")


def es_rollup_usage(client: Client) -> None:
    """A rollup index already in use: new rollup jobs need one on 8.15+."""
    status, body = client("PUT", "/usage-rollup", {"mappings": {"_meta": {"_rollup": {}, "rollup-version": ""}}})
    assert status == 200, body


# Elasticsearch data frame analytics ------------------------------------------------------------------------------
def ml_job(client: Client, job: str, body: dict[str, Any]) -> None:
    def mended(source: str) -> str:  # a concrete source exists, made here; a pattern may match nothing
        return source if is_simple_pattern(source) else as_index_name(source, "source")

    given_sources = body["source"]["index"]
    body["source"]["index"] = mended(given_sources) if isinstance(given_sources, str) else [
        mended(source) for source in given_sources]
    sources = [body["source"]["index"]] if isinstance(given_sources, str) else body["source"]["index"]
    dest = body["dest"]["index"] = as_index_name(body["dest"]["index"], "dest")
    assume(not any(simple_match(source, dest) for source in sources))  # the destination is not a source
    concrete = [source for source in sources if not is_simple_pattern(source)]
    assume("_source" not in body["source"] or "analyzed_fields" not in body)  # no analysed field filtered out
    for source in concrete:
        client.fresh_index(source)
    client("DELETE", f"/{quote(dest, safe='')}")


# OpenSearch index rollups ----------------------------------------------------------------------------------------
def os_rollup(client: Client, job: str, body: dict[str, Any]) -> None:
    (rollup,) = body.values()
    assume(rollup["source_index"] != rollup["target_index"])  # source and target differ
    terms = [dimension["terms"]["source_field"] for dimension in rollup["dimensions"] if "terms" in dimension]
    if rollup.get("routing_field") not in (None, *terms):  # a routing field is a terms dimension's field
        if terms:
            rollup["routing_field"] = terms[0]
        else:
            del rollup["routing_field"]
    rollup.pop("target_index_settings", None)  # its keys are built-in index settings
    # the mock does not model the cardinality metric (3.5+) yet
    assume(not any("cardinality" in metric for entry in rollup.get("metrics", []) for metric in entry["metrics"]))
    assume((rollup.get("delay") or 0) < 10 ** 12)  # delay below the current epoch millis
    if cron := rollup["schedule"].get("cron"):  # a cron expression and its time zone parse (few generated ones do)
        cron["expression"] = cron["expression"] if unix_cron(cron["expression"]) else "*/5 * * * *"
        cron["timezone"] = as_zone_id(cron.get("timezone", ""))  # required: job-scheduler takes no zone as null
    date_histogram = rollup["dimensions"][0]["date_histogram"]
    if "timezone" in date_histogram:
        date_histogram["timezone"] = as_zone_id(date_histogram["timezone"])
    client("DELETE", f"/_plugins/_rollup/jobs/{quote(job)}")


_CRON_RANGES = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))


def unix_cron(expression: str) -> bool:
    """Whether a 5-field cron expression parses: `*`, numbers in range, lists, ranges and steps."""
    fields = expression.split(" ")
    return len(fields) == 5 and all(_cron_field(field, *limits) for field, limits in zip(fields, _CRON_RANGES))


def _cron_field(field: str, low: int, high: int) -> bool:
    for part in field.split(","):
        values, _, step = part.partition("/")
        bounds = [] if values == "*" else values.split("-")
        if step and not step.isdigit() or len(bounds) > 2 or not all(b.isdigit() and low <= int(b) <= high
                                                                     for b in bounds):
            return False
    return True


def as_zone_id(text: str) -> str:
    """`text` when it is a zone id a real cluster parses, else UTC."""
    return text if text in ("UTC", "Z") or text in _ZONE_IDS else "UTC"


_ZONE_IDS = zoneinfo.available_timezones()


# the run ----------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Family:
    flavour: str
    put: str  # the put operation's path, `{id}` for the job id
    prepare: Callable[[Client, str, dict[str, Any]], None]  # makes the cluster fit a body (or `assume`s it away)
    then: tuple[str, ...]  # the calls that must succeed after the put, `{id}` for the job id
    setup: Callable[[Client], None] = lambda client: None
    version: str | None = None  # the flavour's default without one
    named: bool = False  # an id in the body is the job's, and the path's must be the same


FAMILIES = {
    "rollup": Family("elasticsearch", "/_rollup/job/{id}", es_rollup, (
        "POST /_rollup/job/{id}/_start", "POST /_rollup/job/{id}/_stop?wait_for_completion=true",
        "GET /_rollup/job/{id}", "DELETE /_rollup/job/{id}"), es_rollup_usage),
    "ml": Family("elasticsearch", "/_ml/data_frame/analytics/{id}", ml_job, (
        "GET /_ml/data_frame/analytics/{id}", "GET /_ml/data_frame/analytics/{id}/_stats",
        "POST /_ml/data_frame/analytics/{id}/_update", "DELETE /_ml/data_frame/analytics/{id}?force=true"),
        named=True),
    "opensearch_rollup": Family("opensearch", "/_plugins/_rollup/jobs/{id}", os_rollup, (
        "POST /_plugins/_rollup/jobs/{id}/_stop", "POST /_plugins/_rollup/jobs/{id}/_start",
        "GET /_plugins/_rollup/jobs/{id}/_explain", "GET /_plugins/_rollup/jobs/{id}",
        "DELETE /_plugins/_rollup/jobs/{id}"), version="3.8.0"),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_generated_job_configs_are_accepted_and_run(start_mock, name):
    import schemathesis  # imported where it is used: every process that collects the tests would pay for it

    family = FAMILIES[name]
    client = Client(start_mock(flavour=family.flavour, version=family.version).url)
    family.setup(client)
    operation = schemathesis.openapi.from_dict(described(family.flavour))[family.put]["PUT"]
    ids = (f"job-{n}" for n in itertools.count())
    reached: Counter[str] = Counter()

    @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck), phases=[Phase.generate])
    @given(case=operation.as_strategy())
    def put_and_run(case: schemathesis.Case) -> None:
        job = next(ids)
        job = case.body.get("id", job) if family.named else job
        family.prepare(client, job, case.body)
        status, answer = client("PUT", family.put.format(id=quote(job)), case.body)
        assert 200 <= status < 300, (case.body, answer)
        reached[f"PUT {family.put}"] += 1
        for call in family.then:
            method, path = call.split(" ")
            status, answer = client(method, path.format(id=quote(job)), {} if path.endswith("/_update") else None)
            assert 200 <= status < 300, (case.body, call, answer)
            reached[call] += 1

    put_and_run()
    assert set(reached) == {f"PUT {family.put}", *family.then}  # every call ran, and succeeded every time
