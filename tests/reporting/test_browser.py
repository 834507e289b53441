"""The HTML report in a real browser (headless Chromium): what a person sees, opens and filters. Each test leaves
a screenshot next to its report."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.reporting.html_report import write_report
from conformance.reporting.results import load_results
from tests.reporting.documents import MISSING_JOB, STOPPED_JOB, ResultsDocument, two_targets

pytest.importorskip("selenium")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.select import Select  # noqa: E402

ES8, ES9 = "mock:elasticsearch@8.10.0", "mock:elasticsearch@9.1.0"
MISSING, STOPPED, CANCEL = "rollup.stop.missing-job", "rollup.stop.stopped-job", "tasks.cancel.running"


def _three_scenarios() -> ResultsDocument:
    """two_targets() and a tasks scenario that passes on both targets."""
    document = two_targets().sentence("Cancels a task.", family="tasks", source="es-tasks")
    for target in (ES8, ES9):
        document.scenario(CANCEL, target, family="tasks", source="es-tasks", quote="Cancels a task.")
    return document


def _open(browser, tmp_path: Path, document: ResultsDocument, baseline: ResultsDocument | None = None) -> Path:
    report = write_report(load_results(document.write(tmp_path / "results.json")), tmp_path / "report.html",
                          load_results(baseline.write(tmp_path / "base.json")) if baseline else None)
    browser.get(report.as_uri())
    return report


def _visible_rows(browser) -> list[str]:
    return [row.find_element(By.CSS_SELECTOR, "td.name code").text
            for row in browser.find_elements(By.CSS_SELECTOR, "tr.scenario") if row.is_displayed()]


def _cell(browser, scenario: str, column: int):
    row = next(r for r in browser.find_elements(By.CSS_SELECTOR, "tr.scenario")
               if r.find_element(By.CSS_SELECTOR, "td.name code").text == scenario)
    return row.find_element(By.CSS_SELECTOR, f'td[data-col="{column}"]')


@pytest.mark.slow
def test_the_matrix_shows_and_a_failure_opens_to_its_transcript(browser, tmp_path):
    report = _open(browser, tmp_path, _three_scenarios())
    page = browser.find_element(By.TAG_NAME, "body").text

    assert "mock:elasticsearch@9.1.0" in page and "66.7% conformance" in page
    assert MISSING_JOB in page and STOPPED_JOB in page and "Cancels a task." in page
    assert _visible_rows(browser) == [MISSING, STOPPED, CANCEL]
    assert _cell(browser, STOPPED, 0).text.splitlines() == ["skipped", "requires fixture slow_stop"]
    detail = browser.find_element(By.CSS_SELECTOR, "tr.detail")
    assert not detail.is_displayed()

    button = _cell(browser, MISSING, 1).find_element(By.TAG_NAME, "button")
    assert button.text == "failed"
    button.click()

    assert detail.is_displayed() and button.get_attribute("aria-expanded") == "true"
    transcript = detail.text
    assert MISSING_JOB in transcript
    assert "specs/scenarios/rollup/stop_missing_job.yaml:12" in transcript
    assert "expected status 404, got 200" in transcript
    assert "POST /_rollup/job/sc-ab12cd-job/_stop?wait_for_completion=true" in transcript
    others = detail.find_element(By.CSS_SELECTOR, "table.others").text
    assert ES8 in others and '"error": "no job"' in others
    browser.save_screenshot(str(report.with_suffix(".png")))

    button.click()
    assert not detail.is_displayed()


@pytest.mark.slow
def test_filters_by_outcome_family_target_and_differences(browser, tmp_path):
    report = _open(browser, tmp_path, _three_scenarios())
    outcome, family = Select(browser.find_element(By.ID, "filter-outcome")), \
        Select(browser.find_element(By.ID, "filter-family"))
    status = browser.find_element(By.ID, "filter-status")

    outcome.select_by_value("failed")
    assert _visible_rows(browser) == [MISSING]
    assert status.text == "1 of 3 scenario rows shown"
    quotes = [q.text for q in browser.find_elements(By.CSS_SELECTOR, "tr.sentence-row q") if q.is_displayed()]
    assert quotes == [MISSING_JOB]
    outcome.select_by_value("")

    family.select_by_value("tasks")
    assert _visible_rows(browser) == [CANCEL]
    family.select_by_value("")

    browser.find_element(By.ID, "filter-differences").click()
    assert _visible_rows(browser) == [MISSING, STOPPED]
    browser.save_screenshot(str(report.with_suffix(".png")))

    browser.find_element(By.CSS_SELECTOR, '.filter-target[data-col="1"]').click()
    header = browser.find_element(By.CSS_SELECTOR, 'thead th[data-col="1"]')
    assert not header.is_displayed()
    assert _visible_rows(browser) == []  # one target left: nothing differs
    assert status.text == "0 of 3 scenario rows shown"


def test_changes_against_the_baseline_are_marked_and_filterable(browser, tmp_path):
    new = _three_scenarios()
    base = new.copy("base")
    base.record(MISSING, ES9).update(outcome="passed", failure=None)

    _open(browser, tmp_path, new, base)
    changed = _cell(browser, MISSING, 1)

    assert "changed" in changed.get_attribute("class").split()
    assert "was passed" in changed.text
    Select(browser.find_element(By.ID, "filter-outcome")).select_by_value("changed")
    assert _visible_rows(browser) == [MISSING]
