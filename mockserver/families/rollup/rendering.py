"""How rollup jobs render: `GetRollupJobsAction.Response`, a `JobWrapper` (config, status, stats) per job.

A listing may hold every job of the cluster: it is written as it is sent, chunk by chunk, from parts encoded in
advance (each job's config and counters, `job.RollupJob`; each state's status, here), so that it is never held as
a tree of Python objects, nor as its bytes in one block. It lists the jobs there were when it was asked for, each
as it is when its chunk is made."""

from __future__ import annotations

from functools import partial
from typing import Any, Iterator

from mockserver.families.rollup.job import IndexerState, RollupJob
from mockserver.version import Version
from mockserver.xcontent import CHUNK_BYTES, ChunkBuffer, Encoded, compact_json


def status_document(state: IndexerState, version: Version) -> dict[str, Any]:
    """`RollupJobStatus.toXContent`; before 8.0 it also printed `upgraded_doc_id` (always true by then)."""
    status: dict[str, Any] = {"job_state": state.value}
    if version.major < 8:
        status["upgraded_doc_id"] = True
    return status


class JobsWriter:
    """The answer to a get-jobs request on one version, as compact JSON. The one place that knows how a job
    renders."""

    def __init__(self, version: Version) -> None:
        # what follows a job's config, up to its stats: the same for every job in a state
        self._after_config = {state: b',"status":%s,"stats":' % compact_json(status_document(state, version))
                              for state in IndexerState}

    def __call__(self, jobs: list[RollupJob]) -> Encoded:
        return Encoded(partial(self._chunks, jobs))

    def _chunks(self, jobs: list[RollupJob]) -> Iterator[bytes]:
        after_config = self._after_config
        buffer = ChunkBuffer()
        write, tell = buffer.write, buffer.tell
        write(b'{"jobs":[')
        opening = b'{"config":'
        for job in jobs:  # its five parts written one by one: joining them first, or yielding each, costs twice
            write(opening)
            write(job.config_json)
            write(after_config[job.state])
            write(job.stats_json)
            write(b"}")
            opening = b',{"config":'
            if tell() >= CHUNK_BYTES:
                yield buffer.take()
        write(b"]}")
        yield buffer.take()
