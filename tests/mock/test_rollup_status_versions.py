"""A rollup job's status follows the emulated major: `upgraded_doc_id` was printed by 7.x and dropped in 8.0."""

import pytest

from tests.mock.test_rollup_model import CONFIG, make_cluster


@pytest.mark.parametrize(("version", "expected"), [
    ("7.17.0", {"job_state": "stopped", "upgraded_doc_id": True}),
    ("8.14.0", {"job_state": "stopped"}),
])
def test_status_fields_of_the_emulated_major(version, expected):
    _, _, jobs = make_cluster(version)
    jobs.put("j", CONFIG)
    assert jobs.status(jobs.job("j")) == expected
