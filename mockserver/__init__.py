"""A faithful mock of the Elasticsearch and OpenSearch job-lifecycle APIs."""

from mockserver.app import build_app
from mockserver.settings import MockSettings

__all__ = ["build_app", "MockSettings"]
