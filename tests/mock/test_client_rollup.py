"""The official Elasticsearch client works against the mock unchanged."""

import pytest
from elasticsearch import Elasticsearch, ElasticsearchWarning, NotFoundError


def test_rollup_job_lifecycle_with_official_client(es_mock):
    es = Elasticsearch(es_mock.url)
    es.indices.create(index="sensor-raw", mappings={"_meta": {"_rollup": {}}, "properties": {
        "timestamp": {"type": "date"}, "temperature": {"type": "long"}, "node": {"type": "keyword"}}})
    with pytest.warns(ElasticsearchWarning, match="The rollup functionality will be removed in Elasticsearch 10.0"):
        es.rollup.put_job(id="sensor", index_pattern="sensor-*", rollup_index="sensor_rollup", cron="*/30 * * * * ?",
                          page_size=1000, groups={"date_histogram": {"field": "timestamp", "fixed_interval": "1h"},
                                                  "terms": {"fields": ["node"]}},
                          metrics=[{"field": "temperature", "metrics": ["min", "max", "sum"]}])
        assert es.rollup.start_job(id="sensor")["started"] is True
        assert es.rollup.stop_job(id="sensor", wait_for_completion=True, timeout="10s")["stopped"] is True
        assert es.rollup.get_jobs(id="sensor")["jobs"][0]["status"]["job_state"] == "stopped"
    assert es.rollup.delete_job(id="sensor")["acknowledged"] is True
    with pytest.raises(NotFoundError) as missing:
        es.rollup.stop_job(id="sensor")
    assert missing.value.body["error"]["reason"] == "Task for Rollup Job [sensor] not found"
