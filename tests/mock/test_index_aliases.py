"""Index aliases: set through the client, read back, and usable wherever an index name is."""

import pytest
from elasticsearch import BadRequestError, Elasticsearch


def test_alias_names_its_indices(es_mock):
    es = Elasticsearch(es_mock.url)
    es.index(index="logs-1", id="1", document={"level": "info"}, refresh=True)
    es.index(index="logs-2", id="2", document={"level": "warn"}, refresh=True)
    assert es.indices.put_alias(index="logs-*", name="logs", is_write_index=False)["acknowledged"] is True
    assert es.count(index="logs")["count"] == 2
    assert es.indices.get_alias(name="logs").body == {
        "logs-1": {"aliases": {"logs": {"is_write_index": False}}},
        "logs-2": {"aliases": {"logs": {"is_write_index": False}}}}


@pytest.mark.parametrize(("alias", "why"), [
    ("_logs", "must not start with '_', '-', or '+'"),
    ("logs-1", "an index or data stream exists with the same name as the alias"),
])
def test_invalid_alias_names(es_mock, alias, why):
    es = Elasticsearch(es_mock.url)
    es.indices.create(index="logs-1")
    with pytest.raises(BadRequestError) as refused:
        es.indices.put_alias(index="logs-1", name=alias)
    assert refused.value.body["error"]["type"] == "invalid_alias_name_exception"
    assert refused.value.body["error"]["reason"] == f"Invalid alias name [{alias}], {why}"
