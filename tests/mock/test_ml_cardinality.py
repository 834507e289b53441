"""A classification job starts only when its dependent variable has at least two classes in the selected data."""

import pytest
from elasticsearch import BadRequestError, Elasticsearch


def test_dependent_variable_needs_two_classes(es_mock):
    es = Elasticsearch(es_mock.url)
    es.indices.create(index="src", mappings={"properties": {"x": {"type": "long"}, "label": {"type": "keyword"}}})
    es.index(index="src", document={"x": 1, "label": "a"}, refresh=True)
    es.index(index="src", document={"x": 2}, refresh=True)  # a missing class does not count
    es.ml.put_data_frame_analytics(id="c", source={"index": "src"}, dest={"index": "dst"},
                                   analysis={"classification": {"dependent_variable": "label"}})
    with pytest.raises(BadRequestError) as refused:
        es.ml.start_data_frame_analytics(id="c")
    assert refused.value.body["error"]["reason"] == (
        "Field [label] must have at least [2] distinct values but there were [1]")
    es.index(index="src", document={"x": 3, "label": "b"}, refresh=True)
    assert es.ml.start_data_frame_analytics(id="c")["acknowledged"] is True
