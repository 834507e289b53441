"""Data frame analytics put rules: analysis parameter ranges, deprecated names, source filtering against analysed
fields, destination aliases, the cluster's model memory maximum, and the authorization a config remembers."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from elasticsearch import BadRequestError, Elasticsearch, ElasticsearchWarning

from mockserver.cluster import Cluster
from mockserver.errors import ApiError
from mockserver.families.ml.config import capped_memory_limit, parse_config, size_display
from mockserver.settings import MockSettings
from mockserver.version import Version
from mockserver.xcontent import Document


def body(analysis: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    return {"source": {"index": "src"}, "dest": {"index": "dst"},
            "analysis": analysis or {"outlier_detection": {}}, **extra}


def reason(payload: dict[str, Any], job_id: str = "job") -> str:
    with pytest.raises(ApiError) as caught:
        parse_config(job_id, Document.of(payload))
    error = caught.value
    while error.caused_by is not None:
        error = error.caused_by
    return error.reason


def jobs_of(version: str = "8.14.0"):
    cluster = Cluster(MockSettings(clock="manual", version=Version.parse(version)))
    cluster.state("indices").create("src")
    return cluster


@pytest.mark.parametrize(("kind", "field", "value", "message"), [
    ("regression", "training_percent", 0, "[training_percent] must be a positive double in (0, 100]"),
    ("classification", "training_percent", 100.1, "[training_percent] must be a positive double in (0, 100]"),
    ("regression", "loss_function_parameter", 0.0, "[loss_function_parameter] must be a positive double"),
    ("classification", "num_top_classes", -2,
     "[num_top_classes] must be an integer in [0, 1000] or a special value -1"),
    ("classification", "num_top_classes", 1001,
     "[num_top_classes] must be an integer in [0, 1000] or a special value -1"),
    ("regression", "alpha", -0.1, "[alpha] must be a non-negative double"),
    ("regression", "eta_growth_rate_per_tree", 2.5, "[eta_growth_rate_per_tree] must be a double in [0.5, 2.0]"),
    ("classification", "soft_tree_depth_tolerance", 0.001,
     "[soft_tree_depth_tolerance] must be a double greater than or equal to 0.01"),
    ("regression", "downsample_factor", 0, "[downsample_factor] must be a double in (0, 1]"),
    ("regression", "max_optimization_rounds_per_hyperparameter", 21,
     "[max_optimization_rounds_per_hyperparameter] must be an integer in [0, 20]"),
])
def test_supervised_parameters_out_of_range(kind, field, value, message):
    assert reason(body({kind: {"dependent_variable": "y", field: value}})) == message


def test_supervised_parameters_at_their_bounds_are_accepted():
    analysis = {"dependent_variable": "y", "training_percent": 0.5, "num_top_classes": -1,
                "eta_growth_rate_per_tree": 2.0, "max_optimization_rounds_per_hyperparameter": 0,
                "soft_tree_depth_tolerance": 0.01}
    params = parse_config("job", Document.of(body({"classification": analysis}))).analysis.params
    assert (params["training_percent"], params["num_top_classes"]) == (0.5, -1)


def test_boosted_tree_checks_come_before_the_analysis_own():
    analysis = {"dependent_variable": "y", "eta": 5, "training_percent": 0}
    assert reason(body({"regression": analysis})) == "[eta] must be a double in [0.001, 1]"


def test_maximum_number_trees_is_a_deprecated_max_trees():
    config = parse_config("job", Document.of(body({"classification": {"dependent_variable": "y",
                                                                      "maximum_number_trees": 40}})))
    assert config.analysis.params["max_trees"] == 40
    assert config.analysis.deprecations == (
        "Deprecated field [maximum_number_trees] used, expected [max_trees] instead",)
    assert reason(body({"regression": {"dependent_variable": "y", "maximum_number_trees": 0}})) == (
        "[max_trees] must be an integer in [1, 2000]")


@pytest.mark.parametrize(("source_filter", "analysed", "excluded"), [
    ({"excludes": ["secret"]}, ["secret"], "secret"),
    ({"excludes": ["obj"]}, ["obj.inner"], "obj.inner"),  # a concrete name drops what is beneath it
    ({"includes": ["kept*"]}, ["kept_a", "other"], "other"),
    ({"excludes": ["s*"]}, ["x", "sx"], "sx"),
])
def test_an_analysed_field_the_source_filter_drops_is_refused(source_filter, analysed, excluded):
    payload = body(analyzed_fields={"includes": analysed})
    payload["source"]["_source"] = source_filter
    assert reason(payload) == (f"Validation Failed: 1: field [{excluded}] is included in [analyzed_fields] "
                               f"but not in [source._source];")


def test_analysed_fields_the_source_filter_keeps_are_accepted():
    payload = body(analyzed_fields={"includes": ["kept.inner", "x1"]})
    payload["source"]["_source"] = {"includes": ["kept", "x*"], "excludes": ["y"]}
    assert parse_config("job", Document.of(payload)).analyzed_fields["includes"] == ["kept.inner", "x1"]


def test_a_dest_alias_must_name_one_write_index_outside_the_sources():
    cluster = jobs_of()
    indices, jobs = cluster.state("indices"), cluster.state("ml")
    for name in ("a", "b"):
        indices.create(name)
    indices.put_alias("a,b", "both", {})
    indices.put_alias("src", "src-alias", {})

    def put_reason(dest: str) -> str:
        with pytest.raises(ApiError) as caught:
            jobs.put(parse_config(dest, Document.of({**body(), "dest": {"index": dest}})))
        return caught.value.reason

    assert put_reason("both").startswith("Validation Failed: 1: no write index is defined for alias [both]. ")
    assert put_reason("src-alias") == (
        "Validation Failed: 1: Destination index [src] is included in source expression [src];")
    indices.put_alias("b", "both", {"is_write_index": True})
    assert jobs.put(parse_config("ok", Document.of({**body(), "dest": {"index": "both"}}))).dest["index"] == "both"


def test_a_dest_reached_through_a_source_alias_is_refused():
    cluster = jobs_of()
    cluster.state("indices").put_alias("src", "src-alias", {})
    with pytest.raises(ApiError) as caught:
        cluster.state("ml").put(parse_config("j", Document.of({**body(), "source": {"index": "src-alias"},
                                                                "dest": {"index": "src"}})))
    assert caught.value.reason == (
        "Validation Failed: 1: Destination index [src] is included in source expression [src-alias];")


@pytest.mark.parametrize(("requested", "maximum", "expected"), [
    (None, None, None), (None, "20mb", "20mb"), (None, "2gb", None), ("10mb", "20mb", "10mb"),
    ("8gb", "0mb", "8gb"),  # 0 means no maximum
])
def test_the_maximum_caps_the_default_only(requested, maximum, expected):
    assert capped_memory_limit(requested, maximum) == expected


def test_an_explicit_limit_above_the_maximum_is_refused():
    with pytest.raises(ApiError) as caught:
        capped_memory_limit("1536mb", "1000mb")
    assert caught.value.reason == ("model_memory_limit [1.5gb] must be less than the value of the "
                                   "xpack.ml.max_model_memory_limit setting [1000mb]")
    assert capped_memory_limit("8gb", "1000kb") == "8gb"  # under 1mb: no maximum
    assert [size_display(s) for s in ("1000b", "2047b", "1025kb", "3gb")] == ["1000b", "1.9kb", "1mb", "3gb"]


def test_the_cluster_setting_applies_to_puts_over_http(es_mock):
    es = Elasticsearch(es_mock.url)
    es.indices.create(index="src")
    es.cluster.put_settings(persistent={"xpack.ml.max_model_memory_limit": "20mb"})
    config = {"source": {"index": "src"}, "dest": {"index": "dst"}, "analysis": {"outlier_detection": {}}}
    with pytest.raises(BadRequestError) as refused:
        es.ml.put_data_frame_analytics(id="big", model_memory_limit="8gb", **config)
    assert "must be less than the value of the xpack.ml.max_model_memory_limit setting [20mb]" in str(refused.value)
    assert es.ml.put_data_frame_analytics(id="capped", **config)["model_memory_limit"] == "20mb"
    es.cluster.put_settings(transient={"xpack.ml.max_model_memory_limit": "2gb"})  # transient wins
    assert es.ml.put_data_frame_analytics(id="default", **config)["model_memory_limit"] == "1gb"


def test_deprecated_name_answers_with_a_warning_header(es_mock):
    es = Elasticsearch(es_mock.url)
    es.indices.create(index="src")
    with pytest.warns(ElasticsearchWarning, match=r"Deprecated field \[maximum_number_trees\] used"):
        answer = es.ml.put_data_frame_analytics(id="old", source={"index": "src"}, dest={"index": "dst"},
                                                analysis={"regression": {"dependent_variable": "y",
                                                                         "maximum_number_trees": 7}})
    assert answer["analysis"]["regression"]["max_trees"] == 7


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def test_configs_remember_who_put_and_updated_them_since_8_4():
    users = {"users": {"elastic": {"password": "pw", "roles": ["superuser"]},
                       "analyst": {"password": "apw", "roles": ["machine_learning_admin", "viewer"]}},
             "api_keys": [{"id": "key-1", "key": "secret", "user": "analyst"}]}
    cluster = Cluster(MockSettings(clock="manual", security=users))
    cluster.state("indices").create("src")
    jobs = cluster.state("ml")
    config = jobs.put(parse_config("job", Document.of(body())), jobs.authorization(basic("analyst", "apw"), "/"))
    assert config.document()["authorization"] == {"roles": ["machine_learning_admin", "viewer"]}
    assert list(config.document())[:4] == ["id", "create_time", "version", "authorization"]
    key = {"Authorization": "ApiKey " + base64.b64encode(b"key-1:secret").decode()}
    updated = jobs.update("job", {"description": "new"}, jobs.authorization(key, "/"))
    assert updated.document()["authorization"] == {"api_key": {"id": "key-1"}}


def test_configs_before_8_4_say_nothing_of_who_put_them(start_mock):
    es = Elasticsearch(start_mock(version="8.3.3").url)
    es.indices.create(index="src")
    answer = es.ml.put_data_frame_analytics(id="old", source={"index": "src"}, dest={"index": "dst"},
                                            analysis={"outlier_detection": {}})
    assert "authorization" not in answer


def test_export_leaves_out_the_authorization(es_mock):
    es = Elasticsearch(es_mock.url)
    es.indices.create(index="src")
    answer = es.ml.put_data_frame_analytics(id="job", source={"index": "src"}, dest={"index": "dst"},
                                            analysis={"outlier_detection": {}})
    assert answer["authorization"] == {"roles": ["superuser"]}
    exported = es.ml.get_data_frame_analytics(id="job", exclude_generated=True)["data_frame_analytics"][0]
    assert not {"authorization", "create_time", "version"} & set(exported)
