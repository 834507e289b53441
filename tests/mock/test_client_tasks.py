"""The official Elasticsearch client's task and reindex calls work against the mock unchanged."""

import pytest
from elasticsearch import Elasticsearch, NotFoundError


pytestmark = pytest.mark.filterwarnings("ignore::elasticsearch.exceptions.GeneralAvailabilityWarning")  # tasks API: preview


def test_tasks_with_official_client(start_mock):
    server = start_mock(clock="manual")
    es = Elasticsearch(server.url)
    es.bulk(index="books", operations=[op for i in range(6) for op in ({"index": {"_id": str(i)}}, {"n": i})])
    task_id = es.reindex(source={"index": "books", "size": 1}, dest={"index": "books-copy"},
                         requests_per_second=1, wait_for_completion=False)["task"]
    node = task_id.partition(":")[0]

    listed = es.tasks.list(actions="*reindex", detailed=True)
    info = listed["nodes"][node]["tasks"][task_id]
    assert info["description"] == "reindex from [books] to [books-copy]" and info["status"]["total"] == 6

    running = es.tasks.get(task_id=task_id)
    assert running["completed"] is False and running["task"]["cancellable"] is True

    cancelled = es.tasks.cancel(task_id=task_id, wait_for_completion=True)
    assert cancelled["nodes"][node]["tasks"][task_id]["cancelled"] is True
    done = es.tasks.get(task_id=task_id)
    assert done["completed"] is True and done["response"]["canceled"] == "by user request"

    assert es.tasks.cancel(actions="unknown_action").body == {"nodes": {}}
    assert es.tasks.list(group_by="none", actions="*reindex")["tasks"] == []
    with pytest.raises(NotFoundError) as missing:
        es.tasks.get(task_id="foo:1")
    assert missing.value.body["error"]["type"] == "resource_not_found_exception"

    finished = es.update_by_query(index="books", query={"range": {"n": {"gte": 3}}}, conflicts="proceed")
    assert finished["updated"] == 3
