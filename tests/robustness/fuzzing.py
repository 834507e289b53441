"""Fuzzing the mock from its own OpenAPI description with Schemathesis: what every answer must be, whatever
the request. Used by the bounded run in the tests and by the long run, `benchmarks/fuzz.py`."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any, Iterator

import hypothesis
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import CheckContext
from schemathesis.core.failures import Failure
from schemathesis.checks import content_type_conformance, response_schema_conformance, status_code_conformance

from mockserver.app import BUG_TYPE
from tests.robustness.descriptions import described

REQUEST_TIMEOUT = 20  # seconds; longer is a hung request


class NotARealAnswer(Failure):
    """A 5xx no real cluster gives, or an error body that is not JSON."""


@schemathesis.check
def real_errors(ctx: CheckContext, response: schemathesis.Response, case: schemathesis.Case) -> bool | None:
    """A 5xx is one a real cluster gives: the error envelope with a real type (the timeout 500 of a stop is
    `timeout_exception`, a mock bug is `mock_bug`). The shapes of 4xx bodies are the schema checks' business."""
    if response.status_code < 500:
        return None
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        error = None
    if not isinstance(error, dict) or error.get("type") == BUG_TYPE:
        raise NotARealAnswer(operation=case.operation.label, title="Not a real server error",
                             message=f"{response.status_code}: {response.text[:500]}")
    return None


@schemathesis.serializer("application/x-ndjson")
def ndjson(ctx: Any, value: Any) -> bytes:
    """A newline-delimited body: a string as it is, anything else one JSON document a line."""
    if isinstance(value, str):
        return value.encode()
    lines = value if isinstance(value, list) else [value]
    return "".join(json.dumps(line) + "\n" for line in lines).encode()


CHECKS = [real_errors, status_code_conformance, content_type_conformance, response_schema_conformance]


def fuzz(base_url: str, flavour: str, examples: int, seed: int = 0) -> Iterator[tuple[str, str]]:
    """Send up to `examples` generated requests to each operation; yield (operation, failure) for each distinct
    failure. The same seed sends the same requests."""
    schema = schemathesis.openapi.from_dict(described(flavour))
    for result in schema.get_all_operations():
        operation = result.ok()
        failures: Counter[str] = Counter()

        @hypothesis.seed(seed)
        @settings(max_examples=examples, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck), print_blob=False)
        @given(case=operation.as_strategy())
        def check(case: schemathesis.Case) -> None:
            response = case.call(base_url=base_url, timeout=REQUEST_TIMEOUT)
            try:
                case.validate_response(response, checks=CHECKS)
            except BaseExceptionGroup as group:  # one per failed check
                failures.update(_describe(failure, case, response) for failure in group.exceptions)
            except Failure as failure:
                failures[_describe(failure, case, response)] += 1

        check()
        yield from ((operation.label, failure) for failure in failures)


def _describe(failure: BaseException, case: schemathesis.Case, response: schemathesis.Response) -> str:
    title = getattr(failure, "title", type(failure).__name__)
    detail = (getattr(failure, "message", None) or str(failure)).strip().splitlines()[0][:300]
    return f"{title} ({response.status_code}: {detail}): {case.as_curl_command()} -> {response.text[:300]}"
