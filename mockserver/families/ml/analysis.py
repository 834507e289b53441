"""The three data frame analyses: their config (with the defaults a real cluster echoes), their progress
phases, the fields they analyse, and the results they write into the destination index."""

from __future__ import annotations

import math
import zlib
from collections import Counter
from dataclasses import dataclass
from typing import Any, ClassVar

from mockserver.errors import ApiError, IllegalArgument, ParsingError, StatusError
from mockserver.families.indices.query import field_value, is_missing
from mockserver.xcontent import Document, ObjectReader, Path

NUMERIC = frozenset({"long", "integer", "short", "byte", "double", "float", "half_float", "scaled_float",
                     "unsigned_long"})
_BOOSTED_TREE = {"alpha": "number", "downsample_factor": "number", "eta": "number",
                 "eta_growth_rate_per_tree": "number", "feature_bag_fraction": "number", "gamma": "number",
                 "lambda": "number", "max_attempts_to_add_tree": "integer",
                 "max_optimization_rounds_per_hyperparameter": "integer", "max_trees": "integer",
                 "num_top_feature_importance_values": "integer", "soft_tree_depth_limit": "number",
                 "soft_tree_depth_tolerance": "number"}
_SUPERVISED = {"dependent_variable": "string", "prediction_field_name": "string", "training_percent": "number",
               "randomize_seed": "integer", "feature_processors": "array", "early_stopping_enabled": "boolean",
               **_BOOSTED_TREE}
_TREE_PHASES = ("feature_selection", "coarse_parameter_search", "fine_tuning_parameters", "final_training")
Row = tuple[str, dict[str, Any]]  # document id, source
Features = dict[str, str]  # analysed field -> where its value is in the source (multi-fields read their parent)


def _bad(message: str) -> ApiError:
    return StatusError(message, 400)


class NamedObjectNotFound(ApiError):
    type, status = "named_object_not_found_exception", 400


@dataclass(frozen=True)
class Analysis:
    """One configured analysis; `params` is what GET echoes under the analysis name."""

    name: str
    params: dict[str, Any]
    deprecations: tuple[str, ...] = ()  # the deprecation warnings parsing it raised
    analysis_phases: ClassVar[tuple[str, ...]] = ()
    trailing_phases: ClassVar[tuple[str, ...]] = ()
    feature_types: ClassVar[frozenset[str]] = NUMERIC

    @property
    def phases(self) -> tuple[str, ...]:
        """Every progress phase of a run, in order (`ProgressTracker`)."""
        return ("reindexing", "loading_data", *self.analysis_phases, "writing_results", *self.trailing_phases)

    @property
    def required_fields(self) -> list[str]:
        return []

    @property
    def minimum_cardinality(self) -> dict[str, int]:
        """The fewest distinct values a field must have (`getFieldCardinalityConstraints`, lower bounds)."""
        return {}

    def config(self) -> dict[str, Any]:
        return {self.name: dict(self.params)}

    def is_training(self, doc_id: str, source: dict[str, Any]) -> bool:
        return True

    def results(self, rows: list[Row], features: Features) -> dict[str, dict[str, Any]]:
        """The results-field content for every analysed row, by document id."""
        raise NotImplementedError


class OutlierDetection(Analysis):
    analysis_phases = ("computing_outliers",)

    def __init__(self, params: dict[str, Any], deprecations: tuple[str, ...] = ()) -> None:
        super().__init__("outlier_detection", params, deprecations)

    def results(self, rows: list[Row], features: Features) -> dict[str, dict[str, Any]]:
        vectors = [[_as_float(field_value(source, path)) for path in features.values()] for _, source in rows]
        if self.params["standardization_enabled"]:
            vectors = _standardized(vectors)
        else:
            means = [sum(column) / len(column) for column in zip(*vectors)]
            vectors = [[x - m for x, m in zip(vector, means)] for vector in vectors]
        distances = [math.sqrt(sum(x * x for x in vector)) for vector in vectors]
        largest = max(distances, default=0.0) or 1.0
        threshold = self.params.get("feature_influence_threshold", 0.1)
        results = {}
        for (doc_id, _), vector, distance in zip(rows, vectors, distances):
            score = distance / largest
            result: dict[str, Any] = {"outlier_score": round(score, 6)}
            total = sum(abs(x) for x in vector)
            if self.params["compute_feature_influence"] and score >= threshold and total > 0:
                result["feature_influence"] = [{"feature_name": f, "influence": round(abs(x) / total, 6)}
                                               for f, x in zip(features, vector)]
            results[doc_id] = result
        return results


class _Supervised(Analysis):
    """Regression and classification: a dependent variable, a training sample, predictions for every row."""

    analysis_phases = _TREE_PHASES
    trailing_phases = ("inference",)
    feature_types = NUMERIC | {"keyword", "boolean"}

    @property
    def dependent_variable(self) -> str:
        return self.params["dependent_variable"]

    @property
    def required_fields(self) -> list[str]:
        return [self.dependent_variable]

    def is_training(self, doc_id: str, source: dict[str, Any]) -> bool:
        if is_missing(field_value(source, self.dependent_variable)):
            return False
        draw = zlib.crc32(f"{self.params['randomize_seed']}:{doc_id}".encode()) % 10_000
        return draw < self.params["training_percent"] * 100

    def results(self, rows: list[Row], features: Features) -> dict[str, dict[str, Any]]:
        training = [field_value(source, self.dependent_variable) for doc_id, source in rows
                    if self.is_training(doc_id, source)]
        prediction = self.predict(training)
        field = self.params["prediction_field_name"]
        return {doc_id: {field: prediction[0], **prediction[1], "is_training": self.is_training(doc_id, source)}
                for doc_id, source in rows}

    def predict(self, training: list[Any]) -> tuple[Any, dict[str, Any]]:
        raise NotImplementedError


class Regression(_Supervised):
    def __init__(self, params: dict[str, Any], deprecations: tuple[str, ...] = ()) -> None:
        super().__init__("regression", params, deprecations)

    def predict(self, training: list[Any]) -> tuple[Any, dict[str, Any]]:
        values = [float(v) for v in training if isinstance(v, (int, float))]
        return (sum(values) / len(values) if values else 0.0), {}


class Classification(_Supervised):
    def __init__(self, params: dict[str, Any], deprecations: tuple[str, ...] = ()) -> None:
        super().__init__("classification", params, deprecations)

    @property
    def minimum_cardinality(self) -> dict[str, int]:
        return {self.dependent_variable: 2}  # at least two classes to learn

    def predict(self, training: list[Any]) -> tuple[Any, dict[str, Any]]:
        counts = Counter(training).most_common()
        total = sum(n for _, n in counts) or 1
        top = [{"class_name": name, "class_probability": round(n / total, 6), "class_score": round(n / total, 6)}
               for name, n in counts]
        wanted = self.params["num_top_classes"]
        best = top[0] if top else {"class_name": None, "class_probability": 0.0, "class_score": 0.0}
        return best["class_name"], {"top_classes": top if wanted < 0 else top[:wanted],
                                    "prediction_probability": best["class_probability"],
                                    "prediction_score": best["class_score"]}


def _as_float(value: Any) -> float:
    if isinstance(value, list):
        value = value[0] if value else 0
    return float(value) if isinstance(value, (int, float)) else 0.0


def _standardized(vectors: list[list[float]]) -> list[list[float]]:
    columns = list(zip(*vectors))
    means = [sum(c) / len(c) for c in columns]
    spreads = [math.sqrt(sum((x - m) ** 2 for x in c) / len(c)) or 1.0 for c, m in zip(columns, means)]
    return [[(x - m) / s for x, m, s in zip(vector, means, spreads)] for vector in vectors]


# parsing ---------------------------------------------------------------------------------------------------
def parse_analysis(document: Document, path: Path, job_id: str) -> Analysis:
    """Parse `{"<analysis name>": {...}}` like `DataFrameAnalyticsConfig.parseAnalysis`."""
    body = document.at(path)
    if not isinstance(body, dict) or not body:
        found = "END_OBJECT" if isinstance(body, dict) else "START_ARRAY"
        raise ParsingError(f"Failed to parse object: expecting token of type [FIELD_NAME] but found [{found}]")
    name = next(iter(body))
    parser = _PARSERS.get(name)
    if parser is None:
        raise NamedObjectNotFound(f"[{document.where(path + (name,), key=True)}] unable to parse DataFrameAnalysis "
                                  f"with name [{name}]: parser not found")
    analysis = parser(document, path + (name,), job_id)
    if len(body) > 1:
        raise ParsingError("Failed to parse object: expecting token of type [END_OBJECT] but found [FIELD_NAME]")
    return analysis


def _outlier_detection(document: Document, path: Path, job_id: str) -> Analysis:
    reader = ObjectReader("outlier_detection", document, path, {"n_neighbors", "method", "feature_influence_threshold",
                                                      "compute_feature_influence", "outlier_fraction",
                                                      "standardization_enabled"})
    n_neighbors = reader.number("n_neighbors", integral=True)
    method = reader.string("method")
    threshold = reader.number("feature_influence_threshold")
    fraction = reader.number("outlier_fraction")
    compute = reader.boolean("compute_feature_influence")
    standardize = reader.boolean("standardization_enabled")

    def make() -> Analysis:
        if n_neighbors is not None and n_neighbors <= 0:
            raise _bad("[n_neighbors] must be a positive integer")
        if threshold is not None and not 0 <= threshold <= 1:
            raise _bad("[feature_influence_threshold] must be in [0, 1]")
        if fraction is not None and not 0 <= fraction <= 1:
            raise _bad("[outlier_fraction] must be in [0, 1]")
        if method is not None and method not in ("lof", "ldof", "distance_kth_nn", "distance_knn"):
            raise _bad(f"Unknown method [{method}]")
        params = {k: v for k, v in (("n_neighbors", n_neighbors), ("method", method),
                                    ("feature_influence_threshold", threshold)) if v is not None}
        params |= {"compute_feature_influence": True if compute is None else compute,
                   "outlier_fraction": 0.05 if fraction is None else fraction,
                   "standardization_enabled": True if standardize is None else standardize}
        return OutlierDetection(params)

    return reader.build(make)


DEPRECATED_NAMES = {"maximum_number_trees": "max_trees"}  # `BoostedTreeParams.MAX_TREES`'s deprecated name


def _supervised(name: str, extra: dict[str, str]) -> Any:
    fields = {**_SUPERVISED, **extra}

    def parse(document: Document, path: Path, job_id: str) -> Analysis:
        reader = ObjectReader(name, document, path, set(fields) | set(DEPRECATED_NAMES))
        values = {field: reader.value(field, kind) for field, kind in fields.items()}
        deprecations = []
        for key in reader.body:  # in document order: the field set last wins, as with `ObjectParser`
            if key in DEPRECATED_NAMES:
                preferred = DEPRECATED_NAMES[key]
                values[preferred] = reader.value(key, fields[preferred])
                deprecations.append(f"Deprecated field [{key}] used, expected [{preferred}] instead")
            elif key in DEPRECATED_NAMES.values():
                values[key] = reader.value(key, fields[key])
        return reader.build(lambda: _build_supervised(name, values, job_id, tuple(deprecations)))

    return parse


def _build_supervised(name: str, values: dict[str, Any], job_id: str, deprecations: tuple[str, ...]) -> Analysis:
    """Validate in the order of the constructors (`BoostedTreeParams`, then `Classification`/`Regression`)."""
    dependent = values["dependent_variable"]
    if dependent is None:
        raise IllegalArgument("Required [dependent_variable]")
    _check_boosted_tree(values)
    top = values.get("num_top_classes")
    if top is not None and not -1 <= top <= 1000:
        raise _bad("[num_top_classes] must be an integer in [0, 1000] or a special value -1")
    percent = values["training_percent"]
    if percent is not None and not 0 < percent <= 100:
        raise _bad("[training_percent] must be a positive double in (0, 100]")
    loss_parameter = values.get("loss_function_parameter")
    if loss_parameter is not None and loss_parameter <= 0:
        raise _bad("[loss_function_parameter] must be a positive double")
    params: dict[str, Any] = {"dependent_variable": dependent}
    params |= {k: values[k] for k in _BOOSTED_TREE if values[k] is not None}
    if name == "classification":
        params["class_assignment_objective"] = values["class_assignment_objective"] or "maximize_minimum_recall"
        params["num_top_classes"] = 2 if top is None else top
    params["prediction_field_name"] = values["prediction_field_name"] or f"{dependent}_prediction"
    params["training_percent"] = 100.0 if percent is None else float(percent)
    seed = values["randomize_seed"]
    params["randomize_seed"] = zlib.crc32(job_id.encode()) if seed is None else seed
    if name == "regression":
        params["loss_function"] = values["loss_function"] or "mse"
        if loss_parameter is not None:
            params["loss_function_parameter"] = loss_parameter
    if values["feature_processors"]:
        params["feature_processors"] = values["feature_processors"]
    early = values["early_stopping_enabled"]
    params["early_stopping_enabled"] = True if early is None else early
    kind = Regression if name == "regression" else Classification
    return kind(params, deprecations)


def _check_boosted_tree(values: dict[str, Any]) -> None:
    """`BoostedTreeParams`' constructor checks, in its order."""
    checks = (("lambda", lambda v: v >= 0, "a non-negative double"),
              ("gamma", lambda v: v >= 0, "a non-negative double"),
              ("eta", lambda v: 0.001 <= v <= 1, "a double in [0.001, 1]"),
              ("max_trees", lambda v: 1 <= v <= 2000, "an integer in [1, 2000]"),
              ("feature_bag_fraction", lambda v: 0 < v <= 1, "a double in (0, 1]"),
              ("num_top_feature_importance_values", lambda v: v >= 0, "a non-negative integer"),
              ("alpha", lambda v: v >= 0, "a non-negative double"),
              ("eta_growth_rate_per_tree", lambda v: 0.5 <= v <= 2.0, "a double in [0.5, 2.0]"),
              ("soft_tree_depth_limit", lambda v: v >= 0, "a non-negative double"),
              ("soft_tree_depth_tolerance", lambda v: v >= 0.01, "a double greater than or equal to 0.01"),
              ("downsample_factor", lambda v: 0 < v <= 1, "a double in (0, 1]"),
              ("max_optimization_rounds_per_hyperparameter", lambda v: 0 <= v <= 20, "an integer in [0, 20]"))
    for field, valid, expectation in checks:
        if values[field] is not None and not valid(values[field]):
            raise _bad(f"[{field}] must be {expectation}")


_PARSERS = {
    "outlier_detection": _outlier_detection,
    "regression": _supervised("regression", {"loss_function": "string", "loss_function_parameter": "number"}),
    "classification": _supervised("classification", {"class_assignment_objective": "string",
                                                     "num_top_classes": "integer"}),
}
