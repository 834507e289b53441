"""A bounded Schemathesis run against the mock from its own description: no 5xx but the real ones, every answer
within its declared schema, every error in a real shape. The long run is `benchmarks/fuzz.py`."""

from __future__ import annotations

import pytest

from tests.robustness.fuzzing import fuzz

EXAMPLES = 4  # per operation and flavour: about 350 requests, a few seconds; the command runs thousands


@pytest.mark.parametrize("flavour", ["elasticsearch", "opensearch"])
def test_generated_requests_get_real_answers(start_mock, flavour):
    mock = start_mock(flavour=flavour)
    assert list(fuzz(mock.url, flavour, EXAMPLES, seed=0)) == []
