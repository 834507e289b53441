"""Legacy index templates: stored, listed, deleted, and applied (by order) to the indices created after them."""

import pytest
from elasticsearch import ApiError, Elasticsearch, NotFoundError


def test_templates_apply_by_order_and_the_request_wins(es_mock):
    es = Elasticsearch(es_mock.url)
    es.indices.put_template(name="low", index_patterns=["logs-*"], order=0,
                            mappings={"properties": {"level": {"type": "text"}, "host": {"type": "keyword"}}})
    es.indices.put_template(name="high", index_patterns="logs-*", order=1, aliases={"logs": {}},
                            mappings={"properties": {"level": {"type": "keyword"}}})
    es.indices.create(index="logs-1", mappings={"properties": {"message": {"type": "text"}}})
    assert es.indices.get_mapping(index="logs-1")["logs-1"]["mappings"]["properties"] == {
        "level": {"type": "keyword"}, "host": {"type": "keyword"}, "message": {"type": "text"}}
    assert es.count(index="logs")["count"] == 0  # the template's alias names the index
    es.indices.create(index="other")
    assert es.indices.get_mapping(index="other")["other"]["mappings"]["properties"] == {}
    assert sorted(es.indices.get_template(name="*")) == ["high", "low"]
    assert es.indices.get_template(name="low")["low"]["index_patterns"] == ["logs-*"]


def test_template_errors(es_mock):
    es = Elasticsearch(es_mock.url)
    es.indices.put_template(name="t", index_patterns=["a*"])
    with pytest.raises(ApiError) as exists:
        es.indices.put_template(name="t", index_patterns=["a*"], create=True)
    assert exists.value.meta.status == 400 and exists.value.body["error"]["reason"] == "index_template [t] already exists"
    with pytest.raises(ApiError) as no_patterns:
        es.indices.put_template(name="u", body={"order": 1})
    assert no_patterns.value.body["error"]["reason"] == "Validation Failed: 1: index patterns are missing;"
    es.indices.delete_template(name="t")
    with pytest.raises(NotFoundError) as missing:
        es.indices.delete_template(name="t")
    assert missing.value.body["error"]["type"] == "index_template_missing_exception"
    assert not es.indices.exists_template(name="t")
