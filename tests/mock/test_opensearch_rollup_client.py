"""The official opensearch-py client's rollup calls work against the mock unchanged."""

import pytest
from opensearchpy import ConflictError, NotFoundError, OpenSearch, RequestError


JOB = {"rollup": {
    "source_index": "books", "target_index": "rollup_{{ctx.source_index}}", "description": "books per hour",
    "schedule": {"interval": {"period": 1, "unit": "Minutes"}}, "page_size": 100,
    "dimensions": [{"date_histogram": {"source_field": "order_date", "fixed_interval": "1h"}}],
    "metrics": [{"source_field": "pages", "metrics": [{"avg": {}}, {"sum": {}}]}],
}}


def test_rollup_lifecycle_with_official_client(start_mock):
    server = start_mock(clock="manual", flavour="opensearch")
    client, clock = OpenSearch(server.url), server.cluster.clock
    client.indices.create(index="books", body={"mappings": {"properties": {
        "order_date": {"type": "date"}, "pages": {"type": "long"}}}})
    client.index(index="books", id="1", body={"order_date": "2024-01-01T10:00:00Z", "pages": 285})
    client.index(index="books", id="2", body={"order_date": "2024-01-01T10:30:00Z", "pages": 275})
    rollups = client.plugins.rollups

    created = rollups.put(id="books", body=JOB)
    assert created["_version"] == 1 and created["rollup"]["rollup_id"] == "books"
    with pytest.raises(ConflictError):
        rollups.put(id="books", body=JOB)
    start_time = created["rollup"]["schedule"]["interval"]["start_time"]
    update = {"rollup": {**JOB["rollup"], "description": "changed", "schedule": {"interval": {
        **JOB["rollup"]["schedule"]["interval"], "start_time": start_time}}}}
    updated = rollups.put(id="books", body=update, if_seq_no=created["_seq_no"],
                          if_primary_term=created["_primary_term"])
    assert updated["_version"] == 2 and rollups.get(id="books")["rollup"]["description"] == "changed"
    assert rollups.explain(id="books") == {"books": {"metadata_id": None, "rollup_metadata": None}}

    clock.advance(60)
    stats = rollups.explain(id="books")["books"]["rollup_metadata"]["stats"]
    assert (stats["documents_processed"], stats["rollups_indexed"], stats["pages_processed"]) == (2, 1, 2)
    result = client.search(index="rollup_books", body={"size": 0, "aggs": {"avg": {"avg": {"field": "pages"}}}})
    assert result["aggregations"]["avg"]["value"] == 280.0

    assert rollups.start(id="books") == {"acknowledged": True}
    assert rollups.stop(id="books") == {"acknowledged": True}
    assert rollups.delete(id="books")["result"] == "deleted"
    with pytest.raises(NotFoundError) as missing:
        rollups.get(id="books")
    assert missing.value.error == "status_exception" and missing.value.info["error"]["reason"] == "Rollup not found"
    with pytest.raises(RequestError) as bad:
        rollups.put(id="other", body={"rollup": {**JOB["rollup"], "page_size": 0}})
    assert bad.value.info["error"]["reason"] == "Page size must be between 1 and 10,000"
