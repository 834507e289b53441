"""The loader turns malformed scenario files into one clear error naming the file and line."""

from pathlib import Path

import pytest

from conformance.loader import LoadError, load_scenario, load_sources
from tests.conformance.spec_files import VALID
from tests.conformance.spec_files import write as write_file


def write(tmp_path: Path, text: str, name: str = "case.yaml") -> Path:
    return write_file(tmp_path / "scenarios" / "demo", name, text)


def load_error(path: Path) -> LoadError:
    with pytest.raises(LoadError) as caught:
        load_scenario(path)
    return caught.value


def test_a_valid_scenario_loads_into_the_model(tmp_path):
    scenario = load_scenario(write(tmp_path, VALID))
    assert scenario.id == "demo.stop.example"
    assert scenario.family == "demo"
    step = scenario.steps[0]
    assert (step.request.method, step.request.path, step.line) == ("POST", "/_rollup/job/${run}-x/_stop", 9)
    assert step.expectations[0].status == (200,)


def test_yaml_syntax_error_names_file_and_line(tmp_path):
    path = write(tmp_path, VALID.replace("      status: 200", "      status: [200"))
    error = load_error(path)
    assert error.path == path and error.line in (15, 16)
    assert "YAML syntax error" in str(error) and str(path) in str(error)


def test_unknown_key_names_its_line(tmp_path):
    error = load_error(write(tmp_path, VALID.replace("      status: 200", "      stauts: 200")))
    assert error.line == 14
    assert "stauts" in error.message


def test_copies_of_a_malformed_file_each_name_their_own_path(tmp_path):
    text = VALID.replace("      status: 200", "      stauts: 200")
    copies = [write(tmp_path, text, name) for name in ("first.yaml", "second.yaml")]
    assert [(e.path, e.line) for e in map(load_error, copies)] == [(copies[0], 14), (copies[1], 14)]


def test_missing_required_field(tmp_path):
    error = load_error(write(tmp_path, VALID.replace("title: A valid scenario\n", "")))
    assert error.line == 1 and "'title' is a required property" in error.message


def test_wrong_type_is_reported_at_the_value(tmp_path):
    error = load_error(write(tmp_path, VALID.replace("  flavour: elasticsearch", "  flavour: solr")))
    assert error.line == 7 and "solr" in error.message


def test_unknown_schema_reference(tmp_path):
    error = load_error(write(tmp_path, VALID.replace("      status: 200", "      status: 200\n      schema: nope.schema.json")))
    assert "unknown schema 'nope.schema.json'" in error.message and error.line == 15


def test_bad_version_range(tmp_path):
    error = load_error(write(tmp_path, VALID.replace("  flavour: elasticsearch", "  flavour: elasticsearch\n  version: banana")))
    assert error.line == 8 and "not a version range" in error.message


def test_unquoted_variable_in_flow_mapping_gets_a_hint(tmp_path):
    error = load_error(write(tmp_path, VALID.replace(
        "    request:\n      method: POST\n      path: /_rollup/job/${run}-x/_stop\n",
        "    request: {method: POST, path: /_rollup/job/${run}-x/_stop}\n")))
    assert error.line == 10 and "quote values that contain ${...}" in error.message


def test_mutating_request_without_run_unique_name_is_refused(tmp_path):
    error = load_error(write(tmp_path, VALID.replace("/_rollup/job/${run}-x/_stop", "/_rollup/job/sensor/_stop")))
    assert error.line == 9 and "names no run-unique resource" in error.message


def test_stopping_everything_needs_consent(tmp_path):
    text = VALID.replace("/_rollup/job/${run}-x/_stop", "/_ml/data_frame/analytics/_all/_stop")
    assert "disposable_cluster" in load_error(write(tmp_path, text)).message
    consented = text.replace("  flavour: elasticsearch", "  flavour: elasticsearch\n  consent: [disposable_cluster]")
    assert load_scenario(write(tmp_path, consented)).requires.consent == ("disposable_cluster",)


def test_library_steps_are_included_with_their_own_file_and_line(tmp_path):
    library = write(tmp_path, """\
        make_job:
          - name: create
            request: {method: PUT, path: "/${run}-x"}
            expect: {status: 200}
        """, "library.yaml")
    path = write(tmp_path, VALID.replace("steps:\n", "setup:\n  - use: make_job\nsteps:\n"))
    scenario = load_scenario(path)
    assert scenario.setup[0].name == "create"
    assert (scenario.setup[0].file, scenario.setup[0].line) == (library, 2)


def test_missing_library_entry(tmp_path):
    write(tmp_path, "other:\n  - request: {method: GET, path: /}\n", "library.yaml")
    error = load_error(write(tmp_path, VALID.replace("steps:\n", "setup:\n  - use: make_job\nsteps:\n")))
    assert error.line == 9 and "no step list 'make_job'" in error.message


def test_empty_file(tmp_path):
    assert "empty" in load_error(write(tmp_path, "")).message


@pytest.mark.parametrize(("matcher", "says"), [
    ("{is_type: text}", "is_type must be one of"), ("{matches: '(unclosed'}", "not a regular expression"),
    ("{length: many}", "length must be a whole number"), ("{in: x}", "in must be a list")])
def test_bad_matcher_arguments_are_load_errors(tmp_path, matcher, says):
    error = load_error(write(tmp_path, VALID.replace("body: {stopped: true}", f"body: {{stopped: {matcher}}}")))
    assert error.line == 15 and says in error.message


def test_wildcards_confined_to_the_run_prefix_need_no_consent(tmp_path):
    confined = VALID.replace("/_rollup/job/${run}-x/_stop", "/_ml/data_frame/analytics/${run}-*,${run}-b/_stop")
    assert load_scenario(write(tmp_path, confined)).requires.consent == ()
    loose = VALID.replace("/_rollup/job/${run}-x/_stop", "/_ml/data_frame/analytics/${run}-a,job-*/_stop")
    assert "disposable_cluster" in load_error(write(tmp_path, loose)).message


def test_unknown_source_id(tmp_path):
    error = load_error(write(tmp_path, VALID.replace("source: es-rollup-stop-job", "source: es-rollup-stop-jobs")))
    assert error.line == 4 and "unknown source 'es-rollup-stop-jobs'" in error.message


def test_a_source_id_used_twice_in_the_source_catalogue(tmp_path):
    entry = ("- {id: es-x, product: Elasticsearch, title: A page, versions: '8.0', url: 'https://example.org/x', "
             "format: html, file: x.txt}\n")
    path = tmp_path / "sources.yaml"
    path.write_text(entry + entry)
    with pytest.raises(LoadError) as caught:
        load_sources(path)
    assert caught.value.line == 2 and "duplicate source id 'es-x'" in caught.value.message


def test_the_source_catalogue_gives_title_and_link_by_id():
    source = load_sources()["es-rollup-stop-job"]
    assert (source.product, source.title, source.file) == ("Elasticsearch", "Stop rollup jobs API",
                                                           "000_a99d7be3b327ce79.txt")
    assert source.url.startswith("https://www.elastic.co/")
