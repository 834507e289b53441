"""Updating a data frame analytics job: the fields an update may change, and a memory limit only when stopped."""

import pytest
from elasticsearch import ApiError, Elasticsearch


@pytest.fixture
def es(es_mock):
    client = Elasticsearch(es_mock.url)
    client.index(index="source", document={"x": 1.0}, refresh=True)
    client.ml.put_data_frame_analytics(id="job", source={"index": "source"}, dest={"index": "dest"},
                                       analysis={"outlier_detection": {}})
    return client


def test_update_changes_the_config_and_answers_it(es):
    answer = es.ml.update_data_frame_analytics(id="job", description="new", model_memory_limit="20mb",
                                               allow_lazy_start=True, max_num_threads=2)
    assert (answer["description"], answer["model_memory_limit"], answer["allow_lazy_start"],
            answer["max_num_threads"]) == ("new", "20mb", True, 2)
    assert es.ml.get_data_frame_analytics(id="job")["data_frame_analytics"][0]["description"] == "new"


@pytest.mark.parametrize(("body", "status", "reason"), [
    ({"analysis": {}}, 400, "[data_frame_analytics_config_update] unknown field [analysis]"),
    ({"max_num_threads": 0}, 400, "[max_num_threads] must be a positive integer"),
    ({"id": "other"}, 400, "Inconsistent id; 'other' specified in the body differs from 'job' specified as a URL "
                           "argument"),
])
def test_update_refusals(es, body, status, reason):
    with pytest.raises(ApiError) as refused:
        es.ml.update_data_frame_analytics(id="job", body=body)
    assert refused.value.meta.status == status and reason in refused.value.body["error"]["reason"]


def test_memory_limit_of_a_started_job_is_refused(es):
    es.ml.start_data_frame_analytics(id="job")
    with pytest.raises(ApiError) as refused:
        es.ml.update_data_frame_analytics(id="job", model_memory_limit="50mb")
    assert refused.value.meta.status == 409
    assert refused.value.body["error"]["reason"] == "Cannot update analytics [job] unless it's stopped"
    assert es.ml.update_data_frame_analytics(id="job", description="live")["description"] == "live"


def test_update_of_a_missing_job(es):
    with pytest.raises(ApiError) as refused:
        es.ml.update_data_frame_analytics(id="nope", description="x")
    assert refused.value.meta.status == 404
