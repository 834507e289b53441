"""A faithful mock of the Elasticsearch and OpenSearch job-lifecycle APIs.

`mockserver.server.MockServer` serves one emulated cluster; docs/architecture.md describes the layers."""
