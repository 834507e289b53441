"""Dynamic cluster settings: set, read back (nested or flat), reset with null, and refused when empty."""

import pytest
from elasticsearch import BadRequestError, Elasticsearch


def test_settings_round_trip(es_mock):
    es = Elasticsearch(es_mock.url)
    answer = es.cluster.put_settings(persistent={"xpack.ml.max_lazy_ml_nodes": 1},
                                     transient={"logger": {"org.example": "DEBUG"}, "action.auto_create_index": False})
    assert answer.body == {"acknowledged": True, "persistent": {"xpack": {"ml": {"max_lazy_ml_nodes": "1"}}},
                           "transient": {"action": {"auto_create_index": "false"},
                                         "logger": {"org": {"example": "DEBUG"}}}}
    flat = es.cluster.get_settings(flat_settings=True).body
    assert flat["persistent"] == {"xpack.ml.max_lazy_ml_nodes": "1"}
    es.cluster.put_settings(transient={"logger.*": None})
    assert es.cluster.get_settings()["transient"] == {"action": {"auto_create_index": "false"}}


def test_an_update_without_settings_is_refused(es_mock):
    with pytest.raises(BadRequestError) as refused:
        Elasticsearch(es_mock.url).cluster.put_settings(persistent={})
    assert refused.value.body["error"]["reason"] == "Validation Failed: 1: no settings to update;"
