"""A bounded Schemathesis run against the mock from its own description: no 5xx but the real ones, every answer
within its declared schema, every error in a real shape. The long run is `benchmarks/fuzz.py`."""

from __future__ import annotations

import pytest

# Per operation and flavour, seeded (the same requests every run): every operation either flavour of the mock serves
# gets two generated requests, about 175 in all; the long run (benchmarks/fuzz.py) sends 500 per operation.
EXAMPLES = 2


@pytest.mark.slow
@pytest.mark.parametrize("flavour", ["elasticsearch", "opensearch"])
def test_generated_requests_get_real_answers(start_mock, flavour):
    from tests.robustness.fuzzing import fuzz  # Schemathesis takes seconds to import: only where a fuzz runs

    mock = start_mock(flavour=flavour)
    assert list(fuzz(mock.url, flavour, EXAMPLES, seed=0)) == []
