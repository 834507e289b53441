"""OpenSearch rollup jobs on a fake clock: the config index's sequence numbers, the scheduler, the runner's
statuses and statistics, and the rolled-up documents it writes."""

from __future__ import annotations

import copy

import pytest

from mockserver.clock import MANUAL_START
from mockserver.cluster import Cluster
from mockserver.errors import ApiError, IndexNotFound, StatusError, VersionConflict
from mockserver.families.opensearch_rollup.murmur import fixed_size_id
from mockserver.settings import MockSettings
from mockserver.version import Version
from mockserver.xcontent import Document

START = MANUAL_START  # 2023-11-14T22:13:20Z
MINUTE = 60
READINGS = [  # (timestamp, title, pages)
    ("2024-01-01T10:15:00Z", "a", 100), ("2024-01-01T10:45:00Z", "a", 50), ("2024-01-01T11:05:00Z", "b", 30),
    ("2024-01-01T11:06:00Z", "a", 7), ("2024-01-01T12:00:00Z", "b", 1),
]
JOB = {"rollup": {
    "source_index": "books", "target_index": "rollup_{{ctx.source_index}}", "description": "books by hour",
    "schedule": {"interval": {"period": 1, "unit": "Minutes"}}, "page_size": 2, "delay": 0, "continuous": False,
    "dimensions": [{"date_histogram": {"source_field": "order_date", "fixed_interval": "1h"}},
                   {"terms": {"source_field": "title"}}],
    "metrics": [{"source_field": "pages", "metrics": [{"sum": {}}, {"avg": {}}, {"min": {}}, {"max": {}},
                                                      {"value_count": {}}]}],
}}


def make(version: str = "2.19.0", readings=READINGS):
    cluster = Cluster(MockSettings(flavour="opensearch", version=Version.parse(version), clock="manual"))
    clock = cluster.clock
    store = cluster.state("indices")
    store.create("books", {"properties": {"order_date": {"type": "date"}, "title": {"type": "keyword"},
                                          "pages": {"type": "long"}}})
    for i, (when, title, pages) in enumerate(readings):
        store.index_document("books", str(i), {"order_date": when, "title": title, "pages": pages})
    return clock, store, cluster.state("opensearch_rollup")


def job(**changes):
    body = copy.deepcopy(JOB)
    body["rollup"].update(changes)
    return body


def put(jobs, job_id, body, if_seq_no=None, if_primary_term=None):
    return jobs.put(job_id, Document.of(body), if_seq_no, if_primary_term)


def metadata(jobs, job_id="j"):
    return jobs.explain([job_id])[job_id]["rollup_metadata"]


# create, update, sequence numbers ---------------------------------------------------------------------------
def test_create_answers_201_with_the_stored_job_and_defaults_filled_in():
    _, _, jobs = make()
    status, body = put(jobs, "j", job(), None, None)
    assert status == 201
    assert (body["_id"], body["_version"], body["_seq_no"], body["_primary_term"]) == ("j", 1, 0, 1)
    rollup = body["rollup"]
    assert rollup["schedule"] == {"interval": {"start_time": START * 1000, "period": 1, "unit": "Minutes",
                                               "schedule_delay": 0}}
    assert rollup["enabled"] is True and rollup["enabled_time"] == rollup["last_updated_time"] == START * 1000
    assert rollup["metadata_id"] is None and rollup["schema_version"] == 21
    assert rollup["dimensions"][1] == {"terms": {"source_field": "title", "target_field": "title"}}
    assert rollup["dimensions"][0]["date_histogram"] == {"fixed_interval": "1h", "source_field": "order_date",
                                                         "target_field": "order_date", "timezone": "UTC",
                                                         "format": None}


def test_sequence_numbers_are_shared_by_every_document_of_the_config_index():
    _, _, jobs = make()
    assert put(jobs, "a", job(), None, None)[1]["_seq_no"] == 0
    assert put(jobs, "b", job(), None, None)[1]["_seq_no"] == 1
    status, updated = put(jobs, "a", job(description="new", schedule={"interval": {
        "start_time": 5, "period": 2, "unit": "hours"}}), 0, 1)
    assert status == 200 and (updated["_version"], updated["_seq_no"]) == (2, 2)
    assert updated["rollup"]["schedule"] == {"interval": {"start_time": 5, "period": 2, "unit": "Hours"}}


def test_conflicts_and_the_missing_job_on_update():
    _, _, jobs = make()
    put(jobs, "j", job(), None, None)
    with pytest.raises(VersionConflict, match=r"^\[j\]: version conflict, document already exists \(current "
                                              r"version \[1\]\)$"):
        put(jobs, "j", job(), None, None)
    with pytest.raises(VersionConflict, match=r"required seqNo \[7\], primary term \[1\]. current document has "
                                              r"seqNo \[0\] and primary term \[1\]$"):
        put(jobs, "j", job(schedule={"interval": {"start_time": 1, "period": 1, "unit": "Minutes"}}), 7, 1)
    with pytest.raises(StatusError, match="^Rollup not found$"):
        put(jobs, "other", job(), 0, 1)
    with pytest.raises(StatusError, match=r"^Not allowed to modify \[continuous, source_index\]$"):
        put(jobs, "j", job(continuous=True, source_index="x", schedule={"interval": {
            "start_time": 1, "period": 1, "unit": "Minutes"}}), 0, 1)


def test_only_if_seq_no_is_a_create():
    _, _, jobs = make()
    put(jobs, "j", job(), None, None)
    with pytest.raises(VersionConflict, match="document already exists"):
        put(jobs, "j", job(), 0, None)


def test_an_update_with_a_seq_no_creates_the_config_index_before_answering_404():
    _, _, jobs = make()
    with pytest.raises(IndexNotFound, match=r"no such index \[\.opendistro-ism-config\]"):
        jobs.get("j")
    with pytest.raises(StatusError, match="Rollup not found"):
        put(jobs, "j", job(), 0, 1)
    with pytest.raises(StatusError, match="Rollup not found") as missing:
        jobs.get("j")
    assert missing.value.status == 404


def test_recreating_a_deleted_id_within_gc_deletes_continues_its_version():
    clock, _, jobs = make()
    put(jobs, "j", job(), None, None)
    deleted = jobs.delete("j", forced_refresh=True)
    assert (deleted["_version"], deleted["_seq_no"], deleted["result"]) == (2, 1, "deleted")
    assert put(jobs, "j", job(), None, None)[1]["_version"] == 3
    jobs.delete("j", forced_refresh=False)
    clock.advance(61)
    assert put(jobs, "j", job(), None, None)[1]["_version"] == 1


def test_a_metric_target_field_is_not_kept_so_resending_it_modifies_metrics():
    _, _, jobs = make()
    metrics = [{"source_field": "pages", "target_field": "p", "metrics": [{"sum": {}}]}]
    body = put(jobs, "j", job(metrics=metrics), None, None)[1]
    assert body["rollup"]["metrics"] == [{"source_field": "pages", "metrics": [{"sum": {}}]}]
    with pytest.raises(StatusError, match=r"Not allowed to modify \[metrics\]"):
        put(jobs, "j", job(metrics=metrics, schedule={"interval": {"start_time": 1, "period": 1,
                                                                  "unit": "Minutes"}}), 0, 1)


# validation -------------------------------------------------------------------------------------------------
def _without(key):
    body = job()
    del body["rollup"][key]
    return body


@pytest.mark.parametrize(("body", "kind", "status", "reason"), [
    (_without("description"), "illegal_argument_exception", 400, "Rollup description is null"),
    (_without("page_size"), "illegal_argument_exception", 400, "Rollup page size is null"),
    (_without("schedule"), "illegal_argument_exception", 400, "Rollup schedule is null"),
    (_without("source_index"), "illegal_argument_exception", 400, "Rollup source index is null"),
    (_without("target_index"), "illegal_argument_exception", 400, "Rollup target index is null"),
    (job(error_notification={}), "illegal_argument_exception", 400,
     "Invalid field [error_notification] found in Rollup."),
    (job(dimensions=[]), "illegal_argument_exception", 400, "Must specify precisely one date histogram dimension"),
    (job(dimensions=[{"terms": {"source_field": "t"}}, {"date_histogram": {"source_field": "d",
                                                                           "fixed_interval": "1h"}}]),
     "illegal_argument_exception", 400, "The first dimension must be a date histogram"),
    (job(page_size=0), "illegal_argument_exception", 400, "Page size must be between 1 and 10,000"),
    (job(page_size=10001), "illegal_argument_exception", 400, "Page size must be between 1 and 10,000"),
    (job(metrics=[{"source_field": "p", "metrics": [{"foo": {}}]}]), "illegal_argument_exception", 400,
     "Invalid metric type [foo] found in metrics"),
    (job(metrics=[{"source_field": "p", "metrics": [{"sum": {}}, {"sum": {}}]}]), "illegal_argument_exception",
     400, "Cannot have multiple metrics of the same type in a single rollup metric [[Sum(), Sum()]]"),
    (job(metrics=[{"source_field": "p", "metrics": []}]), "illegal_argument_exception", 400,
     "Must specify at least one metric to aggregate on for p"),
    (job(metrics=[{"source_field": "p", "metrics": [{"avg": {"x": 1}}]}]), "parsing_exception", 400,
     "Failed to parse object: expecting token of type [END_OBJECT] but found [FIELD_NAME]"),
    (job(target_index="books"), "illegal_argument_exception", 400,
     "Your source and target index cannot be the same"),
    (job(target_index="x*"), "status_exception", 400, "target_index value is invalid: x*"),
    (job(source_index="logs-*"), "status_exception", 400,
     "target_index value is invalid: rollup_{{ctx.source_index}}"),
    (job(schedule={"interval": {"period": 1, "unit": "Weeks"}}), "illegal_argument_exception", 400,
     "Interval unit Weeks is not supported, expects [Minutes, Hours, Days]"),
    (job(schedule={"interval": {"period": 0, "unit": "Minutes"}}), "illegal_argument_exception", 400,
     "Rollup job schedule interval must be greater than 0"),
    (job(schedule={"interval": {"period": 1, "unit": "Fortnights"}}), "illegal_argument_exception", 400,
     "No enum constant java.time.temporal.ChronoUnit.FORTNIGHTS"),
    (job(schedule={"cron": {"expression": "* * *", "timezone": "UTC"}}), "illegal_argument_exception", 400,
     "Cron expression contains 3 parts but we expect one of [5]"),
    (job(schedule={"cron": {"expression": "* * * * *"}}), "null_pointer_exception", 500, "zone"),
    (job(schedule={}), "illegal_argument_exception", 400, "Invalid schedule document object."),
    (job(schedule={"every": {}}), "illegal_argument_exception", 400, "Unknown schedule type every"),
    (job(delay=-1), "illegal_argument_exception", 400, "Delay must be non-negative if set"),
    (job(roles="admin"), "parsing_exception", 400,
     "Failed to parse object: expecting token of type [START_ARRAY] but found [VALUE_STRING]"),
    (job(target_index_settings={}), "illegal_argument_exception", 400,
     "Invalid field [target_index_settings] found in Rollup."),
    ({"rollup": JOB["rollup"], "other": {}}, "parsing_exception", 400,
     "Failed to parse object: expecting token of type [END_OBJECT] but found [FIELD_NAME]"),
    ({"source_index": "x"}, "parsing_exception", 400,
     "Failed to parse object: expecting token of type [START_OBJECT] but found [VALUE_STRING]"),
    (job(dimensions=[{"date_histogram": {"source_field": "d"}}]), "illegal_argument_exception", 400,
     "Must specify a fixed or calendar interval"),
    (job(dimensions=[{"date_histogram": {"source_field": "d", "fixed_interval": "1h", "calendar_interval": "1d"}}]),
     "illegal_argument_exception", 400, "Can only specify a fixed or calendar interval"),
    (job(dimensions=[{"date_histogram": {"source_field": "d", "fixed_interval": "1h"}},
                     {"histogram": {"source_field": "p", "interval": 0}}]),
     "illegal_argument_exception", 400, "Interval must be a positive decimal"),
    (job(dimensions=[{"date_histogram": {"source_field": "d", "fixed_interval": "1h", "timezone": "Mars/Base"}}]),
     "zone_rules_exception", 500, "Unknown time-zone ID: Mars/Base"),
    (job(dimensions=[{}]), "illegal_argument_exception", 400, "Dimension cannot be null"),
    (job(dimensions=[{"range": {}}]), "illegal_argument_exception", 400,
     "Invalid dimension type [range] found in dimensions"),
    (job(description=None), "illegal_state_exception", 500, "Can't get text on a VALUE_NULL at 1:"),
])
def test_bad_bodies_get_the_real_error(body, kind, status, reason):
    _, _, jobs = make()
    with pytest.raises(ApiError) as error:
        put(jobs, "j", body, None, None)
    envelope = error.value.envelope(jobs.version)
    assert (envelope["error"]["type"], envelope["status"]) == (kind, status)
    assert envelope["error"]["reason"].startswith(reason)


def test_body_errors_come_before_the_config_index_exists_but_a_bad_target_comes_after():
    _, _, jobs = make()
    with pytest.raises(ApiError):
        put(jobs, "j", job(page_size=0), None, None)
    assert jobs.explain(["j"]) == {"j": None} and not jobs.config.exists
    with pytest.raises(StatusError):
        put(jobs, "j", job(target_index="x?"), None, None)
    assert jobs.config.exists


def test_a_schedule_delay_needs_a_start_time():
    _, _, jobs = make()
    with pytest.raises(ApiError, match="startTime") as error:
        put(jobs, "j", job(schedule={"interval": {"period": 1, "unit": "Minutes", "schedule_delay": 1}}), None, None)
    assert error.value.status == 500


def test_an_update_must_resend_the_start_time():
    _, _, jobs = make()
    put(jobs, "j", job(), None, None)
    with pytest.raises(ApiError, match="initialStartTime") as error:
        put(jobs, "j", job(description="new"), 0, 1)
    assert (error.value.type, error.value.status) == ("null_pointer_exception", 500)


def test_version_dependent_fields():
    _, _, old = make("2.7.0")
    assert "format" not in put(old, "j", job(), None, None)[1]["rollup"]["dimensions"][0]["date_histogram"]
    _, _, new = make("3.1.0")
    settings = {"index.number_of_shards": 2, "index": {"codec": "zlib"}}
    body = put(new, "j", job(target_index_settings=settings, schedule={"interval": {
        "period": 1, "unit": "Seconds"}}), None, None)[1]["rollup"]
    assert body["target_index_settings"] == {"index": {"codec": "zlib", "number_of_shards": "2"}}
    assert body["schema_version"] == 24


def test_a_continuous_job_moves_its_delay_into_the_schedule():
    _, _, jobs = make()
    body = put(jobs, "j", job(continuous=True, delay=5000), None, None)[1]["rollup"]
    assert body["schedule"]["interval"]["schedule_delay"] == 5000 and body["delay"] == 5000


# executions -------------------------------------------------------------------------------------------------
def test_nothing_runs_before_the_first_scheduled_time():
    clock, store, jobs = make()
    put(jobs, "j", job(), None, None)
    clock.advance(59)
    assert jobs.explain(["j"]) == {"j": {"metadata_id": None, "rollup_metadata": None}}
    assert "rollup_books" not in store.indices


def test_a_run_rolls_up_every_bucket_in_pages_and_finishes():
    clock, store, jobs = make()
    put(jobs, "j", job(), None, None)
    clock.advance(MINUTE)
    explained = jobs.explain(["j"])["j"]
    assert explained["rollup_metadata"] == {
        "rollup_id": "j", "last_updated_time": (START + MINUTE) * 1000, "status": "finished",
        "failure_reason": None,
        "stats": {"pages_processed": 3, "documents_processed": 5, "rollups_indexed": 4, "index_time_in_millis": 2,
                  "search_time_in_millis": 3}}
    got = jobs.get("j")
    # create, metadata created, job updated with its id, 3 page updates, job disabled
    assert (got["_version"], got["_seq_no"]) == (3, 6)
    assert got["rollup"]["metadata_id"] == explained["metadata_id"]
    assert got["rollup"]["enabled"] is False and got["rollup"]["enabled_time"] is None
    docs = {(d.source["order_date.date_histogram"], d.source["title.terms"]): d.source
            for d in store.get("rollup_books").docs.values()}
    ten, eleven, twelve = 1704103200000, 1704106800000, 1704110400000
    assert set(docs) == {(ten, "a"), (eleven, "a"), (eleven, "b"), (twelve, "b")}
    assert docs[(ten, "a")] == {
        "rollup._id": "j", "_doc_count": 2, "rollup._schema_version": 21, "order_date.date_histogram": ten,
        "title.terms": "a", "pages.sum": 150.0, "pages.avg.sum": 150.0, "pages.avg.value_count": 2,
        "pages.min": 50.0, "pages.max": 100.0, "pages.value_count": 2}
    assert fixed_size_id(f"j#{ten}#a") in store.get("rollup_books").docs


def test_a_disabled_job_does_not_run_and_a_finished_one_runs_again_after_start():
    clock, store, jobs = make()
    put(jobs, "j", job(enabled=False), None, None)
    clock.advance(10 * MINUTE)
    assert jobs.explain(["j"])["j"]["metadata_id"] is None
    jobs.start("j")
    clock.advance(MINUTE)
    assert metadata(jobs)["status"] == "finished"
    jobs.start("j")
    assert metadata(jobs)["status"] == "started"
    clock.advance(MINUTE)
    after = metadata(jobs)
    assert after["status"] == "finished" and after["stats"]["documents_processed"] == 10
    assert len(store.get("rollup_books").docs) == 4


def test_start_and_stop_of_a_job_already_in_that_state():
    clock, _, jobs = make()
    put(jobs, "j", job(), None, None)
    clock.advance(1)
    enabled_time = jobs.get("j")["rollup"]["enabled_time"]
    assert jobs.start("j") is True and jobs.get("j")["rollup"]["enabled_time"] == enabled_time
    assert jobs.stop("j") is True and jobs.stop("j") is True
    stopped = jobs.get("j")["rollup"]
    assert stopped["enabled"] is False and stopped["enabled_time"] is None
    assert stopped["last_updated_time"] == (START + 1) * 1000


def test_a_missing_source_fails_the_job_and_start_retries_it():
    clock, store, jobs = make()
    put(jobs, "j", job(source_index="nothing"), None, None)
    clock.advance(MINUTE)
    failed = metadata(jobs)
    assert failed["status"] == "failed" and failed["failure_reason"] == "No indices found for [nothing]"
    assert jobs.get("j")["rollup"]["enabled"] is False
    jobs.start("j")
    assert metadata(jobs)["status"] == "retry" and metadata(jobs)["failure_reason"] is None
    jobs.stop("j")
    assert metadata(jobs)["failure_reason"] == "Stopped a rollup that was in retry, rolling back to failed status"
    assert metadata(jobs)["status"] == "failed"
    jobs.start("j")
    store.create("nothing", {"properties": {"order_date": {"type": "date"}, "title": {"type": "keyword"},
                                            "pages": {"type": "long"}}})
    store.index_document("nothing", "1", {"order_date": "2024-01-01T00:00:00Z", "title": "x", "pages": 1})
    clock.advance(MINUTE)
    assert metadata(jobs)["status"] == "finished"


def test_runtime_failures_are_reported_in_the_metadata():
    clock, store, jobs = make()
    store.create("raw", {"properties": {"x": {"type": "long"}}})
    store.create("texts", {"properties": {"order_date": {"type": "date"}, "title": {"type": "text"},
                                          "pages": {"type": "long"}}})
    store.index_document("texts", "1", {"order_date": "2024-01-01T00:00:00Z", "title": "x", "pages": 1})
    put(jobs, "raw", job(target_index="raw"), None, None)
    put(jobs, "text", job(source_index="texts", target_index="t"), None, None)
    put(jobs, "mapping", job(metrics=[{"source_field": "missing", "metrics": [{"sum": {}}]}]), None, None)
    clock.advance(MINUTE)
    assert metadata(jobs, "raw")["failure_reason"] == "Target index [raw] is a non rollup index"
    assert metadata(jobs, "mapping")["failure_reason"] == \
        "Invalid mappings for index [books] because [missing field missing]"
    text = metadata(jobs, "text")
    assert text["status"] == "failed" and text["failure_reason"].startswith("Text fields are not optimised")
    assert jobs.get("text")["rollup"]["enabled"] is True  # the runner gives up on a stale seq_no


def test_a_continuous_job_rolls_up_each_window_once_it_has_closed():
    readings = [("2023-11-14T20:10:00Z", "a", 1), ("2023-11-14T21:20:00Z", "a", 2),
                ("2023-11-14T22:05:00Z", "b", 4)]
    clock, store, jobs = make(readings=readings)
    put(jobs, "j", job(continuous=True), None, None)
    clock.advance(MINUTE)
    running = metadata(jobs)
    assert running["status"] == "started"
    # the 20:00 and 21:00 windows are closed at 22:14; 22:00 is next
    assert running["continuous"] == {"next_window_start_time": 1700000000000 - 13 * 60_000 - 20_000,
                                     "next_window_end_time": 1700000000000 + 47 * 60_000 - 20_000}
    assert running["stats"]["documents_processed"] == 2 and running["stats"]["pages_processed"] == 4
    store.index_document("books", "late", {"order_date": "2023-11-14T22:30:00Z", "title": "b", "pages": 8})
    clock.advance(47 * MINUTE)
    later = metadata(jobs)
    assert later["stats"]["documents_processed"] == 4 and later["status"] == "started"
    assert jobs.get("j")["rollup"]["enabled"] is True
    docs = [d.source for d in store.get("rollup_books").docs.values()]
    assert sorted((d["title.terms"], d["_doc_count"], d["pages.sum"]) for d in docs) == [
        ("a", 1, 1.0), ("a", 1, 2.0), ("b", 2, 12.0)]
    jobs.stop("j")
    assert metadata(jobs)["status"] == "stopped"


def test_a_continuous_job_waits_in_init_until_a_window_closes_and_without_data_does_nothing():
    clock, store, jobs = make(readings=[("2099-01-01T00:00:00Z", "a", 1)])
    put(jobs, "j", job(continuous=True), None, None)
    put(jobs, "empty", job(continuous=True, source_index="void"), None, None)
    store.create("void", {"properties": {"order_date": {"type": "date"}, "title": {"type": "keyword"},
                                         "pages": {"type": "long"}}})
    clock.advance(5 * MINUTE)
    assert metadata(jobs)["status"] == "init" and metadata(jobs)["stats"]["pages_processed"] == 0
    assert jobs.explain(["empty"]) == {"empty": {"metadata_id": None, "rollup_metadata": None}}


def test_schedules_fire_on_their_own_times():
    clock, _, jobs = make()
    soon = {"interval": {"start_time": START * 1000, "period": 1, "unit": "Minutes", "schedule_delay": 3000}}
    put(jobs, "delayed", job(schedule=soon), None, None)
    put(jobs, "cron", job(schedule={"cron": {"expression": "30 23 * * *", "timezone": "UTC"}}), None, None)
    clock.advance(3)
    assert metadata(jobs, "delayed")["status"] == "finished"
    clock.advance(60 * MINUTE)
    assert jobs.explain(["cron"])["cron"]["metadata_id"] is None
    clock.advance(17 * MINUTE)  # 23:30:23
    assert metadata(jobs, "cron")["status"] == "finished"


def test_the_run_now_fixture_fires_an_enabled_job():
    _, _, jobs = make()
    put(jobs, "j", job(), None, None)
    assert jobs.run_now("j") is True and metadata(jobs)["status"] == "finished"
    assert jobs.run_now("j") is False


# explain ----------------------------------------------------------------------------------------------------
def test_explain_matches_ids_as_substrings_and_names_missing_ones():
    _, _, jobs = make()
    assert jobs.explain(["a", "b*"]) == {"a": None}
    put(jobs, "abc", job(), None, None)
    put(jobs, "xabcx", job(), None, None)
    assert list(jobs.explain(["abc", "missing"])) == ["abc", "missing", "xabcx"]
    assert jobs.explain(["missing"]) == {"missing": None}


# rollup search ----------------------------------------------------------------------------------------------
def test_searching_the_target_answers_from_the_rolled_up_documents():
    clock, store, jobs = make()
    put(jobs, "j", job(), None, None)
    clock.advance(MINUTE)
    jobs.refresh()
    target = store.resolve("rollup_books")
    body = {"size": 0, "query": {"term": {"title": "a"}}, "aggs": {
        "hours": {"date_histogram": {"field": "order_date", "fixed_interval": "1h"},
                  "aggs": {"pages": {"sum": {"field": "pages"}}}},
        "avg": {"avg": {"field": "pages"}}, "count": {"value_count": {"field": "pages"}}}}
    result = jobs.search(target, body)
    assert result["hits"]["total"]["value"] == 2
    assert result["aggregations"]["avg"] == {"value": 157 / 3}
    assert result["aggregations"]["count"] == {"value": 3}
    assert [(b["key_as_string"], b["doc_count"], b["pages"]["value"])
            for b in result["aggregations"]["hours"]["buckets"]] == [
        ("2024-01-01T10:00:00.000Z", 2, 150.0), ("2024-01-01T11:00:00.000Z", 1, 7.0)]
    terms = jobs.search(target, {"size": 0, "aggs": {"t": {"terms": {"field": "title"}}}})
    assert terms["aggregations"]["t"]["buckets"] == [{"key": "a", "doc_count": 3}, {"key": "b", "doc_count": 2}]
    assert jobs.search(store.resolve("books"), {}) is None


@pytest.mark.parametrize(("body", "reason"), [
    ({"aggs": {"s": {"sum": {"field": "pages"}}}}, "Rollup search must have size explicitly set to 0, but found -1"),
    ({"size": 0, "aggs": {"s": {"sum": {"field": "other"}}}},
     "Could not find a rollup job that can answer this query because [missing field other]"),
    ({"size": 0, "aggs": {"s": {"cardinality": {"field": "pages"}}}},
     "The cardinality aggregation is not currently supported in rollups"),
])
def test_rollup_search_refusals(body, reason):
    clock, store, jobs = make()
    put(jobs, "j", job(), None, None)
    clock.advance(MINUTE)
    jobs.refresh()
    with pytest.raises(ApiError) as error:
        jobs.search(store.resolve("rollup_books"), body)
    assert error.value.type == "search_phase_execution_exception" and error.value.status == 400
    assert error.value.root().reason == reason
