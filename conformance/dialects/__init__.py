"""The peers' test formats, run as stopcheck scenarios.

`load(path)` translates a file of the Elasticsearch YAML REST tests (`es-yaml`) or an OpenSearch API-specification
story (`opensearch-story`) into `conformance.model.Scenario`s, one per upstream test or story, so that the runner,
reports, diffs and expectations treat them as any other scenario.
"""

from __future__ import annotations

from pathlib import Path

from conformance.dialects import es_yaml, os_story
from conformance.dialects.common import read_stream
from conformance.dialects.es_api import ApiResolver, ClientApis, SpecApis
from conformance.documents import LoadError
from conformance.model import Scenario

__all__ = ["DIALECTS", "detect", "load"]

DIALECTS = ("es-yaml", "opensearch-story")


def detect(path: Path) -> str | None:
    """The dialect a file is written in, judged by its content (None: not a peer test file)."""
    try:
        documents = [data for _, data in read_stream(path)]
    except LoadError:
        return None
    if os_story.looks_like(documents):
        return "opensearch-story"
    if es_yaml.looks_like(documents):
        return "es-yaml"
    return None


def load(path: Path, dialect: str | None = None, *, api_spec: Path | None = None,
         distribution: str = os_story.DEFAULT_DISTRIBUTION) -> list[Scenario]:
    """The scenarios of a peer test file: one per Elasticsearch YAML test section, or one per OpenSearch story
    (a story whose chapters have version gates gives one variant per combination, each skipped where it does
    not apply). `dialect` overrides detection; `api_spec` is a rest-api-spec JSON file or folder used instead of
    the elasticsearch client to turn API names into requests; `distribution` is the OpenSearch distribution the
    stories' distribution filters are judged against. A malformed file raises `LoadError` (file and line)."""
    dialect = dialect or detect(path)
    if dialect == "es-yaml":
        resolver: ApiResolver = SpecApis(api_spec) if api_spec else ClientApis()
        return es_yaml.load(path, resolver)
    if dialect == "opensearch-story":
        return os_story.load(path, distribution)
    if dialect is None:
        raise LoadError(path, 1, f"not a test file of a known dialect ({', '.join(DIALECTS)})")
    raise LoadError(path, 1, f"unknown dialect {dialect!r} (known: {', '.join(DIALECTS)})")
