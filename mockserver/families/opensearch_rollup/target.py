"""The target index: its name (mustache-templated), creation as a rollup index, and rolled-up documents."""

from __future__ import annotations

import copy
import re
from typing import Any

from mockserver.errors import ApiError
from mockserver.families.indices.models import Document, Index, IndexStore
from mockserver.families.opensearch_rollup.composite import Bucket, java_double
from mockserver.families.opensearch_rollup.documents import CARDINALITY_SINCE, Rollup
from mockserver.families.opensearch_rollup.murmur import fixed_size_id
from mockserver.families.opensearch_rollup.sketch import precision_from_threshold
from mockserver.version import Version

ROLLUP_INDEX_SETTING = "index.plugins.rollup_index"
MAGIC_NULL = "#ODFE-MAGIC-NULL-MAGIC-ODFE#"
TEMPLATING_SINCE = Version(2, 2, 0)  # mustache `target_index` and `_doc_count` at the document root
_MUSTACHE = re.compile(r"\{\{\{?\s*([^{}]*?)\s*\}?\}\}")
DYNAMIC_TEMPLATES = [
    {"strings": {"match_mapping_type": "string", "mapping": {"type": "keyword"}}},
    {"date_histograms": {"path_match": "*.date_histogram", "mapping": {"type": "date"}}},
]
# 3.5+: cardinality sketches. A sketch is a JSON string, so the `strings` template, first in order, matches it
# before this one; the explicit `hll` properties of a job's own target are what type its sketches.
SKETCH_TEMPLATE = {"cardinality_sketches": {"path_match": "*.hll", "mapping": {"type": "hll", "doc_values": True}}}


class TargetProblem(Exception):
    """The target index cannot take this job's rollups; the message becomes the `failure_reason`."""


def resolve_name(job: Rollup, version: Version) -> str:
    """`RollupFieldValueExpressionResolver`: `ctx.source_index` is the only variable; blank means raw."""
    if version < TEMPLATING_SINCE:
        return job.target_index
    context = {"ctx.source_index": job.source_index}
    resolved = _MUSTACHE.sub(lambda m: context.get(m.group(1), ""), job.target_index)
    return resolved if resolved.strip() else job.target_index


def _flat_settings(settings: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in settings.items():
        if isinstance(value, dict):
            flat |= _flat_settings(value, f"{prefix}{key}.")
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def is_rollup_index(index: Index) -> bool:
    flat = _flat_settings(index.settings)
    value = flat.get(ROLLUP_INDEX_SETTING, flat.get(ROLLUP_INDEX_SETTING.removeprefix("index.")))
    return str(value).lower() == "true"


def prepare(store: IndexStore, job: Rollup, version: Version) -> Index:
    """`attemptCreateRollupTargetIndex`: create the target, or check an existing one, and register the job
    in its `_meta.rollups`."""
    name = resolve_name(job, version)
    index = store.indices.get(name)
    if index is None:
        settings = copy.deepcopy(job.target_index_settings or {})
        settings.setdefault("index", {}).setdefault("plugins", {})["rollup_index"] = "true"
        try:
            index = store.create(name, _target_mappings(job, version), settings)
        except ApiError:
            raise TargetProblem(f"Failed to create target index [{name}]") from None
    elif not is_rollup_index(index):
        raise TargetProblem(f"Target index [{name}] is a non rollup index")
    rollups = index.mappings.setdefault("_meta", {}).setdefault("rollups", {})
    rollups.setdefault(job.id, job.to_json(version, with_user=True))
    return index


def _target_mappings(job: Rollup, version: Version) -> dict[str, Any]:
    """`opendistro-rollup-target.json`, and (`RollupMappingUtils`) an explicit `<target>.hll` property with its
    HLL precision for each cardinality metric."""
    mappings: dict[str, Any] = {"_meta": {"schema_version": 1}, "dynamic_templates": copy.deepcopy(DYNAMIC_TEMPLATES)}
    if version >= CARDINALITY_SINCE:
        mappings["dynamic_templates"].append(copy.deepcopy(SKETCH_TEMPLATE))
    properties: dict[str, Any] = {}
    for entry in job.metrics:
        for metric in entry.metrics:
            if metric.type == "cardinality":
                node = properties
                for part in entry.target_field.split("."):
                    node = node.setdefault(part, {}).setdefault("properties", {})
                node["hll"] = {"type": "hll", "precision": precision_from_threshold(metric.precision_threshold),
                               "doc_values": True}
    if properties:
        mappings["properties"] = properties
    return mappings


def document(job: Rollup, bucket: Bucket, version: Version) -> tuple[str, dict[str, Any]]:
    """One rolled-up document: its id and its flat, dotted `_source`."""
    key_text = "#".join(MAGIC_NULL if v is None else java_double(v) if isinstance(v, float) else str(v)
                        for v in bucket.key.values())
    doc_count = "_doc_count" if version >= TEMPLATING_SINCE else "rollup._doc_count"
    source = {"rollup._id": job.id, doc_count: bucket.doc_count, "rollup._schema_version": job.schema_version,
              **bucket.key, **bucket.metrics}
    return fixed_size_id(f"{job.id}#{key_text}"), source


def write(index: Index, doc_id: str, source: dict[str, Any]) -> None:
    """Index a rolled-up document; its fields are mapped by the target's dynamic templates."""
    for key, value in source.items():
        if value is not None and not key.startswith("_"):
            _map(index.mappings, key, value)
    previous = index.docs.get(doc_id)
    index.docs[doc_id] = Document(doc_id, source, previous.version + 1 if previous else 1, index.next_seq_no)
    index.next_seq_no += 1


def _map(mappings: dict[str, Any], dotted: str, value: Any) -> None:
    node = mappings
    *parents, leaf = dotted.split(".")
    for part in parents:
        node = node.setdefault("properties", {}).setdefault(part, {})
    properties = node.setdefault("properties", {})
    if leaf in properties:
        return
    if leaf == "date_histogram":
        properties[leaf] = {"type": "date"}
    elif isinstance(value, str):
        properties[leaf] = {"type": "keyword"}
    elif isinstance(value, bool):
        properties[leaf] = {"type": "boolean"}
    else:
        properties[leaf] = {"type": "float" if isinstance(value, float) else "long"}
