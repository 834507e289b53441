"""Extension points of the stopcheck pytest plugin."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.events import EventHandler


@pytest.hookspec
def pytest_stopcheck_handlers(config: pytest.Config, report_dir: Path) -> list[EventHandler]:
    """Event handlers for this run. Called once on the pytest controller; every handler receives every event
    (`conformance.events`) in order. stopcheck's own outputs are added through this hook too."""
