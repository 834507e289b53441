"""Data frame analytics jobs: config validation and the task state machine, driven by a ManualClock."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest

from mockserver.clock import ManualClock
from mockserver.cluster import Cluster
from mockserver.errors import ApiError
from mockserver.families.ml import config
from mockserver.families.ml.ids import expand
from mockserver.families.ml.models import DfaJobs, DfaState
from mockserver.settings import MockSettings
from mockserver.timevalue import TimeUnit, TimeValue
from mockserver.version import Version
from mockserver.xcontent import Document

OUTLIERS = {"outlier_detection": {}}


@pytest.fixture
def cluster() -> Cluster:
    return Cluster(MockSettings(clock="manual"))


@pytest.fixture
def clock(cluster) -> ManualClock:
    return cluster.clock


@pytest.fixture
def jobs(cluster) -> DfaJobs:
    store = cluster.state("indices")
    store.create("src", {"properties": {"x": {"type": "double"}, "y": {"type": "long"},
                                        "label": {"type": "keyword"}}})
    for i in range(10):
        store.index_document("src", str(i), {"x": i * 1.5, "y": i % 3, "label": "a" if i % 4 else "b"})
    state = cluster.state("ml")
    state.default_phase_seconds = 1.0
    return state


def body(dest: str = "dst", analysis: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    analysis = OUTLIERS if analysis is None else analysis
    return {"source": {"index": "src"}, "dest": {"index": dest}, "analysis": analysis, **extra}


def parse_config(job_id: str, payload: Any) -> config.DfaConfig:
    return config.parse_config(job_id, Document.of(payload))


def put(jobs: DfaJobs, job_id: str, **kwargs: Any) -> None:
    jobs.put(parse_config(job_id, body(dest=f"{job_id}-dest", **kwargs)))


def error(call: Any) -> ApiError:
    with pytest.raises(ApiError) as caught:
        call()
    return caught.value


def phases(jobs: DfaJobs, job_id: str) -> dict[str, int]:
    return {p["phase"]: p["progress_percent"] for p in jobs.stats(jobs.job(job_id))["progress"]}


# ids and bodies --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("bad_id", ["Upper", "-leading", "trailing-", "_leading", "trailing_", "has space", "_all"])
def test_put_rejects_ids_that_break_the_rules(bad_id):
    problem = error(lambda: parse_config(bad_id, body()))
    assert problem.status == 400 and problem.type == "action_request_validation_exception"
    assert problem.reason == (f"Validation Failed: 1: Invalid id; '{bad_id}' can contain lowercase alphanumeric "
                              f"(a-z and 0-9), hyphens or underscores; must start and end with alphanumeric;")


def test_put_rejects_ids_longer_than_64_characters_and_reports_every_problem():
    assert parse_config("a" * 64, body()).id == "a" * 64
    long_id = "A" + "a" * 64
    reason = error(lambda: parse_config(long_id, body())).reason
    assert reason.startswith("Validation Failed: 1: Invalid id; 'A")
    assert reason.endswith(f"2: Invalid id; '{long_id}' cannot contain more than 64 characters.;")


def test_put_accepts_ids_with_inner_hyphens_underscores_and_digits():
    assert parse_config("a-1_b", body()).id == "a-1_b"


@pytest.mark.parametrize("payload, kind, reason", [
    ({"dest": {"index": "d"}, "analysis": OUTLIERS}, "illegal_argument_exception", "[source] must not be null."),
    ({"source": {"index": "src"}, "analysis": OUTLIERS}, "illegal_argument_exception", "[dest] must not be null."),
    ({"source": {"index": "src"}, "dest": {"index": "d"}}, "illegal_argument_exception",
     "[analysis] must not be null."),
    (body(headers={"a": "b"}), "x_content_parse_exception",
     "[1:2] [data_frame_analytics_config] unknown field [headers]"),
    (body(create_time=1), "x_content_parse_exception",
     "[1:2] [data_frame_analytics_config] unknown field [create_time]"),
    (body(analysis={}), "x_content_parse_exception",
     "[1:2] [data_frame_analytics_config] failed to parse field [analysis]"),
    (body(dest="Foo"), "action_request_validation_exception",
     "Validation Failed: 1: Destination index [Foo] must be lowercase;"),
    (body(max_num_threads=0), "status_exception", "[max_num_threads] must be a positive integer"),
    ("not an object", "x_content_parse_exception",
     "[1:1] [data_frame_analytics_config] Expected START_OBJECT but was: VALUE_STRING"),
])
def test_put_rejects_bad_bodies(payload, kind, reason):
    problem = error(lambda: parse_config("job", payload))
    assert (problem.status, problem.type) == (400, kind)
    assert re.fullmatch(re.escape(reason).replace(r"\[1:2\]", r"\[1:\d+\]"), problem.reason)


@pytest.mark.parametrize("analysis, cause", [
    ({"outlier_detection": {"n_neighbors": 0}}, "[n_neighbors] must be a positive integer"),
    ({"outlier_detection": {"outlier_fraction": 1.5}}, "[outlier_fraction] must be in [0, 1]"),
    ({"outlier_detection": {"feature_influence_threshold": -0.1}}, "[feature_influence_threshold] must be in [0, 1]"),
    ({"outlier_detection": {"unknown_field": 1}}, "[1:2] [outlier_detection] unknown field [unknown_field]"),
    ({"regression": {}}, "[1:2] Failed to build [regression] after last required field arrived"),
    ({"regression": {"dependent_variable": "y", "lambda": -1}},
     "[1:2] Failed to build [regression] after last required field arrived"),
    ({"clustering": {}}, "[1:2] unable to parse DataFrameAnalysis with name [clustering]: parser not found"),
])
def test_put_rejects_bad_analyses_inside_a_parse_error(analysis, cause):
    problem = error(lambda: parse_config("job", body(analysis=analysis)))
    assert problem.status == 400 and problem.type == "x_content_parse_exception"
    found = problem.caused_by
    messages = []
    while found is not None:
        messages.append(found.reason)
        found = found.caused_by
    pattern = re.escape(cause).replace(r"\[1:2\]", r"\[1:\d+\]")
    assert any(re.fullmatch(pattern, message) for message in messages)


def test_put_rejects_inconsistent_ids_and_echoes_defaults():
    assert error(lambda: parse_config("url_id", body(id="body_id"))).reason == (
        "Inconsistent id; 'body_id' specified in the body differs from 'url_id' specified as a URL argument")
    config = parse_config("job", body(analysis={"regression": {"dependent_variable": "y"}},
                                      analyzed_fields=["x*"])).document()
    assert config["source"] == {"index": ["src"], "query": {"match_all": {}}}
    assert config["dest"] == {"index": "dst", "results_field": "ml"}
    assert config["analyzed_fields"] == {"includes": ["x*"], "excludes": []}
    assert config["analysis"]["regression"]["prediction_field_name"] == "y_prediction"
    assert (config["model_memory_limit"], config["allow_lazy_start"], config["max_num_threads"]) == ("1gb", False, 1)
    assert parse_config("job", body()).document()["analysis"] == {"outlier_detection": {
        "compute_feature_influence": True, "outlier_fraction": 0.05, "standardization_enabled": True}}


def test_put_checks_indices_and_duplicates(jobs):
    def check(job_id: str, **payload: Any) -> str:
        return error(lambda: jobs.put(parse_config(job_id, {**body(), **payload}))).reason

    assert check("a", source={"index": "missing"}) == "Validation Failed: 1: no such index [missing];"
    assert check("b", dest={"index": "src"}) == (
        "Validation Failed: 1: Destination index [src] is included in source expression [src];")
    assert "remote source indices are not supported" in check("c", source={"index": "remote:src"})
    jobs.put(parse_config("wild", {**body(), "source": {"index": "nothing-yet*"}}))
    put(jobs, "dup")
    problem = error(lambda: put(jobs, "dup"))
    assert (problem.type, problem.reason) == ("resource_already_exists_exception",
                                              "A data frame analytics with id [dup] already exists")


# expressions -----------------------------------------------------------------------------------------------
def test_id_expressions():
    known = ["a-1", "a-2", "b-1"]
    assert expand("a-1,b-1", known, True) == ["a-1", "b-1"]
    assert expand("a-*", known, True) == ["a-1", "a-2"]
    assert expand("_all", known, True) == expand("*", known, True) == expand("", known, True) == known
    assert expand("c-*", known, True) == []
    assert error(lambda: expand("c-*", known, False)).reason == "No known data frame analytics with id [c-*]"
    assert error(lambda: expand("a-1,missing", known, True)).reason == (
        "No known data frame analytics with id [missing]")
    assert expand(" a-2 ", known, False) == ["a-2"]
    assert error(lambda: expand("missing", known, True)).reason == "No known data frame analytics with id [missing]"
    assert error(lambda: expand("_all", [], False)).status == 404
    assert expand("_all", [], True) == []


# lifecycle -------------------------------------------------------------------------------------------------
def test_new_job_is_stopped_with_zero_progress(jobs):
    put(jobs, "fresh")
    stats = jobs.stats(jobs.job("fresh"))
    assert stats["state"] == "stopped" and "node" not in stats
    assert phases(jobs, "fresh") == {"reindexing": 0, "loading_data": 0, "computing_outliers": 0,
                                     "writing_results": 0}
    assert stats["data_counts"] == {"training_docs_count": 0, "test_docs_count": 0, "skipped_docs_count": 0}
    assert stats["memory_usage"] == {"peak_usage_bytes": 0, "status": "ok"}


def test_started_job_moves_through_its_phases_writes_dest_and_finishes(jobs, clock):
    put(jobs, "run")
    task = jobs.start_task("run")
    assert task.state is DfaState.STARTED and jobs.stats(jobs.job("run"))["node"]["id"] == task.node_id
    clock.advance(0.5)
    assert phases(jobs, "run")["reindexing"] == 50
    assert len(jobs.indices.get("run-dest").docs) == 5
    clock.advance(1.0)
    assert phases(jobs, "run") == {"reindexing": 100, "loading_data": 50, "computing_outliers": 0,
                                   "writing_results": 0}
    clock.advance(2.0)
    assert jobs.job("run").state is DfaState.STARTED
    clock.advance(1.0)
    stats = jobs.stats(jobs.job("run"))
    assert stats["state"] == "stopped" and set(phases(jobs, "run").values()) == {100}
    assert stats["data_counts"]["training_docs_count"] == 10 and stats["memory_usage"]["peak_usage_bytes"] > 0
    dest = jobs.indices.get("run-dest")
    scores = [doc.source["ml"]["outlier_score"] for doc in dest.docs.values()]
    assert len(scores) == 10 and max(scores) == 1.0 and all(0 <= s <= 1 for s in scores)
    assert dest.meta["analytics"] == "run"
    assert error(lambda: jobs.start_task("run")).reason == "Cannot start because the job has already finished"


def test_a_job_can_be_started_and_stopped_many_times(jobs, clock):
    put(jobs, "again")
    for _ in range(3):
        jobs.start_task("again")
        clock.advance(0.6)
        assert jobs.stop_tasks([jobs.job("again")], force=False) == ["again"]
        assert jobs.all_stopped(["again"]) and jobs.job("again").state is DfaState.STOPPED
    assert phases(jobs, "again")["reindexing"] == 60  # an interrupted phase starts over when resumed
    jobs.start_task("again")
    clock.advance(10)
    assert set(phases(jobs, "again").values()) == {100}


def test_a_restart_during_reindexing_copies_into_a_new_dest_index_so_a_quick_stop_can_start_again(jobs, clock):
    put(jobs, "quick")
    jobs.start_task("quick")
    clock.advance(0.3)
    assert phases(jobs, "quick")["reindexing"] == 30
    copied = jobs.indices.get("quick-dest")
    assert len(copied.docs) == 3
    jobs.stop_tasks([jobs.job("quick")], force=False)
    jobs.start_task("quick")  # resuming reindexing deletes the destination index and copies from the start
    restarted = jobs.indices.get("quick-dest")
    assert restarted is not copied and restarted.docs == {}
    jobs.stop_tasks([jobs.job("quick")], force=False)
    assert jobs.start_task("quick").state is DfaState.STARTED, "not refused as a first start into a full index"
    clock.advance(10)
    assert set(phases(jobs, "quick").values()) == {100} and len(jobs.indices.get("quick-dest").docs) == 10


def test_start_checks(jobs):
    assert error(lambda: jobs.start_task("missing")).status == 404
    put(jobs, "twice")
    jobs.start_task("twice")
    problem = error(lambda: jobs.start_task("twice"))
    assert (problem.status, problem.reason) == (
        409, "Cannot start data frame analytics [twice] because it has already been started")
    jobs.indices.index_document("full-dest", "1", {"x": 1})
    put(jobs, "full")
    assert error(lambda: jobs.start_task("full")).reason == "dest index [full-dest] must be empty"
    put(jobs, "nothing", analyzed_fields={"includes": [], "excludes": ["*"]})
    assert error(lambda: jobs.start_task("nothing")).reason == "at least one field must be included in the analysis"
    put(jobs, "dep", analysis={"regression": {"dependent_variable": "nope"}})
    assert error(lambda: jobs.start_task("dep")).reason == "no mappings could be found for field [nope]"
    jobs.indices.create("empty", {"properties": {"z": {"type": "long"}}})
    jobs.put(parse_config("idle", {**body(dest="idle-dest"), "source": {"index": "empty"}}))
    assert error(lambda: jobs.start_task("idle")).reason.startswith(
        "Unable to start idle as no documents in the source indices [empty] contained all the fields")


def test_regression_writes_predictions_and_the_training_flag(jobs, clock):
    put(jobs, "reg", analysis={"regression": {"dependent_variable": "y", "training_percent": 50}})
    assert phases(jobs, "reg").keys() == {"reindexing", "loading_data", "feature_selection",
                                          "coarse_parameter_search", "fine_tuning_parameters", "final_training",
                                          "writing_results", "inference"}
    jobs.start_task("reg")
    clock.advance(20)
    stats = jobs.stats(jobs.job("reg"))
    counts = stats["data_counts"]
    assert stats["state"] == "stopped" and counts["training_docs_count"] + counts["test_docs_count"] == 10
    results = [doc.source["ml"] for doc in jobs.indices.get("reg-dest").docs.values()]
    assert all("y_prediction" in r for r in results)
    assert sum(r["is_training"] for r in results) == counts["training_docs_count"]


# stop ------------------------------------------------------------------------------------------------------
def test_stop_of_a_stopped_job_waits_for_nothing(jobs):
    put(jobs, "idle")
    assert jobs.stop_tasks(jobs.select("idle", True), force=False) == []


def test_slow_stop_passes_through_stopping(jobs, clock):
    put(jobs, "slow")
    jobs.start_task("slow")
    jobs.job("slow").stop_seconds = 3
    assert jobs.stop_tasks([jobs.job("slow")], force=False) == ["slow"]
    assert jobs.job("slow").state is DfaState.STOPPING and jobs.stats(jobs.job("slow"))["node"]
    assert jobs.stop_tasks([jobs.job("slow")], force=False) == ["slow"]
    clock.advance(2.9)
    assert not jobs.all_stopped(["slow"])
    clock.advance(0.1)
    assert jobs.all_stopped(["slow"])


def test_a_waiting_stop_returns_once_stopped_or_fails_at_its_timeout(jobs, clock):
    put(jobs, "slow")
    jobs.start_task("slow")
    jobs.job("slow").stop_seconds = 3
    started = clock.now()
    problem = error(lambda: asyncio.run(jobs.stop("slow", True, False, TimeValue(500, TimeUnit.MILLISECONDS))))
    assert (problem.status, problem.reason) == (500, "Timed out when waiting for persistent tasks after 500ms")
    assert clock.now() == pytest.approx(started + 0.5)
    asyncio.run(jobs.stop("slow", True, False))
    assert jobs.all_stopped(["slow"]) and clock.now() == pytest.approx(started + 3, abs=0.2)


def test_a_start_waits_for_assignment_unless_lazy_and_answers_408_at_its_timeout(jobs, clock):
    put(jobs, "busy")
    jobs.job("busy").assign_seconds = 2
    assert asyncio.run(jobs.start("busy")) == jobs.job("busy").task.node_id
    jobs.stop_tasks([jobs.job("busy")], force=True)
    jobs.job("busy").assign_seconds = 60
    problem = error(lambda: asyncio.run(jobs.start("busy", TimeValue(20))))
    assert (problem.status, problem.reason) == (408, "Starting data frame analytics [busy] timed out after [20s]")
    put(jobs, "lazy", allow_lazy_start=True)
    jobs.job("lazy").assign_seconds = 60
    assert asyncio.run(jobs.start("lazy")) == ""


def test_failed_jobs_need_force(jobs):
    for job_id in ("f1", "f2", "ok"):
        put(jobs, job_id)
        jobs.start_task(job_id)
    jobs.fail("f1", "boom")
    stats = jobs.stats(jobs.job("f1"))
    assert (stats["state"], stats["failure_reason"]) == ("failed", "boom")
    problem = error(lambda: jobs.stop_tasks(jobs.select("f1,ok", True), force=False))
    assert (problem.status, problem.reason) == (
        409, "cannot close data frame analytics [f1] because it failed, use force stop instead")
    assert jobs.job("ok").state is DfaState.STARTED
    jobs.fail("f2", "boom")
    assert error(lambda: jobs.stop_tasks(jobs.select("*", True), force=False)).reason == (
        "one or more data frame analytics are in failed state, use force stop instead")
    assert error(lambda: jobs.start_task("f1")).status == 409
    assert jobs.stop_tasks(jobs.select("*", True), force=True) == []
    assert {job.state for job in jobs.jobs.values()} == {DfaState.STOPPED}
    assert "failure_reason" not in jobs.stats(jobs.job("f1"))


def test_delete(jobs):
    put(jobs, "busy")
    jobs.start_task("busy")
    problem = error(lambda: jobs.delete("busy", force=False))
    assert (problem.status, problem.reason) == (
        409, "Cannot delete data frame analytics [busy] while its status is [started]")
    jobs.delete("busy", force=True)
    assert error(lambda: jobs.delete("busy", force=False)).status == 404


def test_slow_assignment_keeps_a_job_starting(jobs, clock):
    put(jobs, "lazy")
    jobs.job("lazy").assign_seconds = 2
    jobs.start_task("lazy")
    stats = jobs.stats(jobs.job("lazy"))
    assert stats["state"] == "starting" and "node" not in stats
    clock.advance(2)
    assert jobs.job("lazy").state is DfaState.STARTED


def test_classification_predicts_the_majority_class_with_top_classes(jobs, clock):
    put(jobs, "cls", analysis={"classification": {"dependent_variable": "label", "num_top_classes": 1}})
    assert parse_config("c", body(analysis={"classification": {"dependent_variable": "label"}})).document()[
        "analysis"]["classification"]["class_assignment_objective"] == "maximize_minimum_recall"
    jobs.start_task("cls")
    clock.advance(20)
    assert jobs.job("cls").state is DfaState.STOPPED
    result = jobs.indices.get("cls-dest").docs["0"].source["ml"]
    assert result["label_prediction"] == "a" and len(result["top_classes"]) == 1
    assert 0 < result["prediction_probability"] <= 1 and result["is_training"] is True


def test_documents_removed_from_the_destination_mid_run_are_skipped(jobs, clock):
    put(jobs, "lossy")
    jobs.start_task("lossy")
    clock.advance(2.5)
    assert phases(jobs, "lossy")["computing_outliers"] == 50
    jobs.indices.get("lossy-dest").remove("3")
    jobs.indices.delete("src")
    clock.advance(5)
    assert jobs.job("lossy").state is DfaState.STOPPED
    assert "3" not in jobs.indices.get("lossy-dest").docs


# memory limit ----------------------------------------------------------------------------------------------
LOW_LIMIT_WARNING = re.compile(r"Configured model memory limit \[1kb\] is lower than the expected memory usage "
                               r"\[\d+(\.\d)?kb\]\. The analytics job may fail due to configured memory constraints\.")


def test_a_start_warns_when_the_memory_limit_is_below_the_estimate(jobs):
    put(jobs, "starved", model_memory_limit="1kb")
    put(jobs, "roomy")
    warnings: list[str] = []
    jobs.start_task("starved", warnings.append)
    assert len(warnings) == 1 and LOW_LIMIT_WARNING.fullmatch(warnings[0]), warnings
    jobs.start_task("roomy", warnings.append)
    assert len(warnings) == 1


def test_a_start_before_7_10_refuses_a_memory_limit_below_the_estimate():
    cluster = Cluster(MockSettings(clock="manual", version=Version(7, 9, 3)))
    cluster.state("indices").index_document("src", "1", {"x": 1.0})
    jobs = cluster.state("ml")
    put(jobs, "starved", model_memory_limit="1kb")
    problem = error(lambda: jobs.start_task("starved"))
    assert (problem.status, problem.type) == (400, "status_exception")
    assert re.fullmatch(r"Cannot start because the configured model memory limit \[1kb\] is lower than the "
                        r"expected memory usage \[\d+(\.\d)?kb\]", problem.reason), problem.reason
    assert jobs.job("starved").state is DfaState.STOPPED


def test_a_job_over_its_memory_limit_fails_once_loaded_and_stays_failed_until_forced(jobs, clock):
    put(jobs, "starved", model_memory_limit="1kb")
    jobs.start_task("starved")
    clock.advance(1.9)
    assert jobs.job("starved").state is DfaState.STARTED
    clock.advance(0.1)
    stats = jobs.stats(jobs.job("starved"))
    assert stats["state"] == "failed" and stats["node"]["id"] == jobs.job("starved").task.node_id
    assert re.fullmatch(r"\[starved\] analytics process stopped unexpectedly: Input error: memory limit \[1 kb\] has "
                        r"been exceeded\. Please force stop the job, increase to new estimated limit \[\d+ kb\] and "
                        r"restart\.", stats["failure_reason"]), stats["failure_reason"]
    usage = stats["memory_usage"]
    assert usage["status"] == "hard_limit" and usage["peak_usage_bytes"] > 1024
    assert usage["memory_reestimate_bytes"] == 2 * usage["peak_usage_bytes"]
    assert stats["data_counts"]["training_docs_count"] == 10
    clock.advance(60)
    assert phases(jobs, "starved") == {"reindexing": 100, "loading_data": 100, "computing_outliers": 0,
                                       "writing_results": 0}
    assert jobs.job("starved").state is DfaState.FAILED
    assert "ml" not in jobs.indices.get("starved-dest").docs["0"].source
    assert error(lambda: jobs.stop_tasks([jobs.job("starved")], force=False)).status == 409
    assert jobs.stop_tasks([jobs.job("starved")], force=True) == []
    assert "failure_reason" not in jobs.stats(jobs.job("starved"))


def test_a_job_within_its_memory_limit_reports_its_peak_use_and_finishes(jobs, clock):
    put(jobs, "fits", model_memory_limit="1mb")
    jobs.start_task("fits")
    clock.advance(10)
    stats = jobs.stats(jobs.job("fits"))
    assert stats["state"] == "stopped" and stats["memory_usage"]["status"] == "ok"
    assert 0 < stats["memory_usage"]["peak_usage_bytes"] <= 1024 * 1024
