"""A bounded poll for conditions other threads make true."""

from __future__ import annotations

import time
from typing import Callable

POLL_SECONDS = 20  # bound of every wait


def until(condition: Callable[[], bool], seconds: float = POLL_SECONDS) -> None:
    """Return once `condition()` holds; fail the test if it does not within `seconds`."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.02)
