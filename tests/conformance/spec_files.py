"""Spec files the loader and lint tests start from."""

from pathlib import Path
from textwrap import dedent

VALID = """\
id: demo.stop.example
title: A valid scenario
docs:
  - source: es-rollup-stop-job
    quote: Stops an existing, started rollup job.
requires:
  flavour: elasticsearch
steps:
  - name: stop
    request:
      method: POST
      path: /_rollup/job/${run}-x/_stop
    expect:
      status: 200
      body: {stopped: true}
"""


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(dedent(text))
    return path
