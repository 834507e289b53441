"""The memory an analysis needs, and what a model memory limit below it does to a job.

A start estimates the need (what `_explain` reports as `expected_memory_without_disk`): since 7.10 a lower
limit only adds a warning (elastic/elasticsearch#61505), before that the start was refused. The analytics process
measures what it really uses once it holds the loaded rows; above the limit it reports the `hard_limit` status
with a new estimate of twice that use and exits (ml-cpp `CDataFrameAnalysisInstrumentation::updateMemoryUsage`),
and the job fails with the errors the process logged (`AbstractNativeProcess`: "process stopped unexpectedly").
"""

from __future__ import annotations

from typing import Any

from mockserver.errors import ApiError, StatusError
from mockserver.families.ml.config import bytes_display
from mockserver.version import Version

WARN_ONLY_SINCE = Version(7, 10, 0)
_BASE_BYTES = 50_000  # the process' own structures
_BYTES_PER_VALUE = 64  # one feature value of one row, with what the analysis keeps for it
_KB = 1024


def memory_needed(rows: int, features: int) -> int:
    """The bytes an analysis of `rows` rows of `features` fields uses (the mock's model of it)."""
    return _BASE_BYTES + _BYTES_PER_VALUE * rows * max(1, features)


def low_limit_warning(limit: int, estimate: int) -> str:
    """The start's warning (`DATA_FRAME_ANALYTICS_AUDIT_ESTIMATED_MEMORY_USAGE_HIGHER_THAN_CONFIGURED`)."""
    return (f"Configured model memory limit [{bytes_display(limit)}] is lower than the expected memory usage "
            f"[{bytes_display(estimate)}]. The analytics job may fail due to configured memory constraints.")


def low_limit_refusal(limit: int, estimate: int) -> ApiError:
    """What a start before 7.10 answered instead of the warning."""
    return StatusError(f"Cannot start because the configured model memory limit [{bytes_display(limit)}] is lower "
                       f"than the expected memory usage [{bytes_display(estimate)}]", 400)


def process_failure(job_id: str, limit: int, used: int) -> str:
    """The failure reason of a job whose analytics process exceeded its memory limit."""
    return (f"[{job_id}] analytics process stopped unexpectedly: Input error: memory limit [{_process_bytes(limit)}] "
            f"has been exceeded. Please force stop the job, increase to new estimated limit "
            f"[{_process_bytes(2 * used)}] and restart.")


def hard_limit_usage(timestamp_ms: int, used: int) -> dict[str, Any]:
    """The `memory_usage` stats the process reported just before it exited."""
    return {"timestamp": timestamp_ms, "peak_usage_bytes": used, "status": "hard_limit",
            "memory_reestimate_bytes": 2 * used}


def _process_bytes(amount: int) -> str:
    """A size as the analytics process prints it: whole kilobytes rounded up, or megabytes from 1024 kb."""
    kilobytes = -(-amount // _KB)
    return f"{kilobytes} kb" if kilobytes < _KB else f"{-(-kilobytes // _KB)} mb"
