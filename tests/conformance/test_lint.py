"""`stopcheck lint` reports every problem of every file in one pass, each at its file and line."""

from pathlib import Path

import pytest

from conformance.cli import main
from conformance.documents import Problem
from conformance.lint import lint, render
from tests.conformance.spec_files import VALID, write

CATALOGUE = """\
- source: es-rollup-stop-job
  quote: Stops an existing, started rollup job.
"""

# One mistake of each kind, each on its own line.
MISTAKES = """\
id: demo.stop.mistakes
title: A scenario with one mistake of each kind
docs:
  - source: es-rollup-stop-job
    quote: Stops an existing, started rollup job but this part is not in the catalogue.
  - source: es-rollup-stop-jobs
    quote: Stops an existing, started rollup job.
requires:
  flavour: elasticsearch
  version: banana
steps:
  - name: stop
    request: {method: POST, path: "/_rollup/job/${run}-x/_stop"}
    expect:
      stauts: 200
  - name: stop everything
    request: {method: POST, path: /_rollup/job/_all/_stop}
  - name: stop a shared job
    request: {method: POST, path: /_rollup/job/sensor/_stop}
  - name: look
    request: {method: GET, path: "/_rollup/job/${jobb}"}
    expect:
      schema: rollup.schema.json#/$defs/no_such_definition
      body: {jobs: {length: many}}
    capture: {job: jobs.0.config.id}
  - name: look again
    request: {method: GET, path: "/_rollup/job/${job}/${target.colour}"}
    expect: {schema: nope.schema.json}
"""


@pytest.fixture
def family(tmp_path) -> Path:
    folder = tmp_path / "scenarios" / "demo"
    write(folder, "sentences.yaml", CATALOGUE)
    return folder


def test_a_valid_family_has_no_problems(family):
    write(family, "case.yaml", VALID)
    assert lint([family]) == []


def test_every_mistake_of_a_file_is_reported_at_its_line(family):
    path = write(family, "case.yaml", MISTAKES)
    found = {(p.path, p.line): p.message for p in lint([family])}
    expected = {
        5: "quote not in any sentence catalogue entry of es-rollup-stop-job",
        6: "unknown source 'es-rollup-stop-jobs'",
        10: "'banana' is not a version range",
        15: "'stauts' was unexpected",
        16: "can touch resources this suite did not create",
        18: "names no run-unique resource",
        21: "undefined variable ${jobb}",
        23: "unknown schema 'rollup.schema.json#/$defs/no_such_definition'",
        24: "length must be a whole number",
        27: "undefined variable ${target.colour}",
        28: "unknown schema 'nope.schema.json'",
    }
    assert sorted(line for _, line in found) == sorted(expected)
    for line, says in expected.items():
        assert says in found[path, line], (line, found[path, line])


def test_every_schema_error_is_reported_not_only_the_first(family):
    text = VALID.replace("title: A valid scenario", "title: x").replace("  flavour: elasticsearch",
                                                                       "  flavour: solr\n  colour: red")
    lines = sorted(p.line for p in lint([write(family, "case.yaml", text)]))
    assert lines == [2, 7, 8]


def test_problems_in_several_files_are_all_reported(family):
    write(family, "one.yaml", VALID.replace("status: 200", "status: 2000"))
    write(family, "two.yaml", VALID.replace("demo.stop.example", "demo.stop.other").replace("${run}", "${runn}"))
    write(family, "three.yaml", "id: [unclosed\n")
    assert sorted((p.path.name, p.line) for p in lint([family])) == [("one.yaml", 14), ("three.yaml", 2),
                                                                      ("two.yaml", 12)]


def test_duplicate_scenario_ids(family):
    write(family, "one.yaml", VALID)
    second = write(family, "two.yaml", VALID)
    [problem] = lint([family])
    assert (problem.path, problem.line) == (second, 1) and "duplicate scenario id" in problem.message


def test_variables_captured_by_earlier_steps_and_library_steps_are_defined(family):
    write(family, "library.yaml", """\
        find_job:
          - request: {method: GET, path: "/_rollup/job/${run}-x"}
            capture: {found: jobs.0.config}
        """)
    text = VALID.replace("steps:\n", "setup:\n  - use: find_job\nsteps:\n").replace(
        "/_rollup/job/${run}-x/_stop", "/_rollup/job/${found.id}/_stop")
    assert lint([write(family, "case.yaml", text)]) == []


def test_undefined_variables_in_library_steps_name_the_including_scenario(family):
    library = write(family, "library.yaml", "find_job:\n  - request: {method: GET, path: \"/${nobody}\"}\n")
    scenario = write(family, "case.yaml", VALID.replace("steps:\n", "setup:\n  - use: find_job\nsteps:\n"))
    [problem] = lint([family])
    assert (problem.path, problem.line) == (library, 2)
    assert "undefined variable ${nobody}" in problem.message and str(scenario) in problem.message


def test_catalogue_problems(family):
    write(family, "sentences.yaml", CATALOGUE + "- source: nowhere\n  quote: A sentence of no known source.\n"
                                                "- source: es-rollup-stop-job\n  verdict: maybe\n")
    found = sorted((p.line, p.message) for p in lint([family]))
    assert [line for line, _ in found] == [3, 5, 6]
    assert "unknown source 'nowhere'" in found[0][1] and "'quote' is a required property" in found[1][1]


def test_catalogue_checked_against_the_original_documents(family, tmp_path):
    originals = tmp_path / "originals"
    write(originals, "000_a99d7be3b327ce79.txt", "Stop rollup jobs API\n\nStops an existing,\n  STARTED rollup job.\n")
    assert lint([family], originals) == []
    write(family, "sentences.yaml", CATALOGUE + "- source: es-rollup-stop-job\n  quote: A sentence it never says.\n")
    [problem] = lint([family], originals)
    assert problem.line == 4 and "not found verbatim in es-rollup-stop-job" in problem.message


def test_a_missing_original_is_a_problem_not_a_skip(family, tmp_path):
    [problem] = lint([family], tmp_path / "originals-missing")
    assert "names no folder" in problem.message


def test_github_annotations_escape_what_workflow_commands_need():
    annotation = render(Problem(Path("specs/a,b.yaml"), 7, "100% wrong\nreally"), "github")
    assert annotation == "::error file=specs/a%2Cb.yaml,line=7::100%25 wrong%0Areally"


def test_cli_lint_exits_non_zero_and_prints_every_problem(family, capsys, monkeypatch):
    monkeypatch.chdir(family.parent.parent)
    write(family, "case.yaml", MISTAKES)
    assert main(["lint", str(family)]) == 1
    output = capsys.readouterr().out.splitlines()
    assert sum(line.startswith(f"{family / 'case.yaml'}:") for line in output) == 11
    assert main(["lint", "--format", "github", str(family)]) == 1
    annotations = [line for line in capsys.readouterr().out.splitlines() if line.startswith("::error ")]
    assert len(annotations) == 11 and all("file=scenarios/demo/case.yaml,line=" in a for a in annotations)
    write(family, "case.yaml", VALID)
    assert main(["lint", str(family)]) == 0


FIXTURE_MISTAKES = """\
id: demo.stop.fixture-mistakes
title: An optional fixture it also requires, and conditions on fixtures no step uses
docs:
  - source: es-rollup-stop-job
    quote: Stops an existing, started rollup job.
requires:
  flavour: elasticsearch
  fixtures: [slow_stop]
setup:
  - fixture: slow_stop
    optional: true
steps:
  - request: {method: POST, path: "/_rollup/job/${run}-x/_stop"}
    one_of:
      - {when: {fixture: slow_stop}, status: 500}
      - {when: {no_fixture: slow_stopp}, status: 200}
      - {when: {fixture: ml_slow_stop}, status: 409}
"""


def test_an_optional_fixture_it_requires_and_conditions_on_fixtures_no_step_uses(family):
    path = write(family, "case.yaml", FIXTURE_MISTAKES)
    found = {p.line: p.message for p in lint([family]) if p.path == path}
    assert sorted(found) == [11, 16, 17], found
    assert "fixture slow_stop is optional here but listed in requires.fixtures" in found[11]
    assert "when.no_fixture: no step of this scenario uses fixture slow_stopp" in found[16]
    assert "when.fixture: no step of this scenario uses fixture ml_slow_stop" in found[17]
