"""The official Elasticsearch client's data frame analytics calls work against the mock unchanged."""

import pytest
from elasticsearch import ApiError, ConflictError, Elasticsearch, NotFoundError



@pytest.fixture
def es(start_mock) -> Elasticsearch:
    client = Elasticsearch(start_mock(clock="manual").url)
    client.indices.create(index="flights", mappings={"properties": {"delay": {"type": "long"},
                                                                    "distance": {"type": "double"}}})
    for i in range(6):
        client.index(index="flights", id=str(i), document={"delay": i * 7 % 5, "distance": 100.0 * i})
    return client


def test_data_frame_analytics_lifecycle_with_official_client(es):
    config = es.ml.put_data_frame_analytics(id="flights-outliers", source={"index": "flights"},
                                            dest={"index": "flights-outliers"},
                                            analysis={"outlier_detection": {"n_neighbors": 3}})
    assert config["id"] == "flights-outliers" and config["analysis"]["outlier_detection"]["n_neighbors"] == 3
    started = es.ml.start_data_frame_analytics(id="flights-outliers", timeout="30s")
    assert started["acknowledged"] is True and started["node"]
    stats = es.ml.get_data_frame_analytics_stats(id="flights-outliers")["data_frame_analytics"][0]
    assert stats["state"] == "started" and stats["progress"][0]["phase"] == "reindexing"
    assert es.ml.stop_data_frame_analytics(id="flights-outliers", timeout="10s")["stopped"] is True
    assert es.ml.stop_data_frame_analytics(id="flights-*", allow_no_match=False, force=True)["stopped"] is True
    stats = es.ml.get_data_frame_analytics_stats(id="flights-outliers")["data_frame_analytics"][0]
    assert stats["state"] == "stopped"
    assert es.ml.delete_data_frame_analytics(id="flights-outliers")["acknowledged"] is True
    with pytest.raises(NotFoundError) as missing:
        es.ml.stop_data_frame_analytics(id="flights-outliers")
    assert missing.value.body["error"]["reason"] == "No known data frame analytics with id [flights-outliers]"


def test_official_client_sees_the_real_errors(es):
    es.ml.put_data_frame_analytics(id="failing", source={"index": "flights"}, dest={"index": "failing-dest"},
                                   analysis={"regression": {"dependent_variable": "delay"}})
    es.ml.start_data_frame_analytics(id="failing")
    es.perform_request("POST", "/_stopcheck/fixtures/ml_fail_job", body={"job_id": "failing"},
                       headers={"content-type": "application/json"})
    with pytest.raises(ConflictError):
        es.ml.stop_data_frame_analytics(id="failing")
    with pytest.raises(ConflictError):
        es.ml.delete_data_frame_analytics(id="failing")
    assert es.ml.delete_data_frame_analytics(id="failing", force=True)["acknowledged"] is True
    with pytest.raises(ApiError) as bad:
        es.ml.put_data_frame_analytics(id="Not_Valid", source={"index": "flights"}, dest={"index": "d"},
                                       analysis={"outlier_detection": {}})
    assert bad.value.status_code == 400
