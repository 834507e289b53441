"""The browser the report tests look with: headless Chromium driven by Selenium. Without Chromium and its driver
(Debian's `chromium` and `chromium-driver`, which .ci/run installs) the tests that need it skip, saying so."""

from __future__ import annotations

import shutil
import tempfile
from typing import Any, Iterator

import pytest

CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--window-size=1400,1000")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One browser per process (each pytest-xdist worker): every test opens its own report file in it, and the
    reports keep no state in the browser (no storage, no cookies)."""
    webdriver = pytest.importorskip("selenium.webdriver")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if not chromium or not driver:
        pytest.skip("headless Chromium is not installed (Debian packages chromium and chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    profile = tempfile.mkdtemp(prefix="stopcheck-chromium-")
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    session = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=driver))
    yield session
    session.quit()
    shutil.rmtree(profile, ignore_errors=True)
