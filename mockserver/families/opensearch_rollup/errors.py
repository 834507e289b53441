"""Server-side exceptions of the OpenSearch rollup APIs that the core error classes do not cover."""

from __future__ import annotations

from mockserver.errors import ApiError, IndexNotFound

CONFIG_INDEX = ".opendistro-ism-config"


def config_index_not_found() -> IndexNotFound:
    """`IndexNotFoundException` for the index-management config index, which every rollup API reads."""
    return IndexNotFound(CONFIG_INDEX, resource_type="index_expression")


class JsonParseError(ApiError):
    """Jackson's `JsonParseException`: a token of the wrong kind for the accessor (400)."""

    type, status = "json_parse_exception", 400
    server_exception = False


class InputCoercion(ApiError):
    """Jackson's `InputCoercionException`: a number out of range for its Java type (400)."""

    type, status = "input_coercion_exception", 400
    server_exception = False


class NullPointer(ApiError):
    """`NullPointerException`: any runtime exception that is not an `OpenSearchException` answers 500."""

    type, status = "null_pointer_exception", 500
    server_exception = False


class ZoneRules(ApiError):
    """`ZoneRulesException` from `ZoneId.of` for an unknown region id (500, reference §4.3)."""

    type, status = "zone_rules_exception", 500
    server_exception = False


class DateTimeFailure(ApiError):
    """`DateTimeException` from `ZoneId.of` for a malformed zone id (500)."""

    type, status = "date_time_exception", 500
    server_exception = False


class SettingsFailure(ApiError):
    """`SettingsException` for an unknown `target_index_settings` key: no status override, so 500 (§4.6)."""

    type, status = "settings_exception", 500


class SearchPhaseFailure(ApiError):
    """`SearchPhaseExecutionException`: every shard of the search failed with `cause` (status of the cause)."""

    type = "search_phase_execution_exception"

    def __init__(self, cause: ApiError, index: str, node_id: str) -> None:
        super().__init__("all shards failed", caused_by=cause, phase="query", grouped=True,
                         failed_shards=[{"shard": 0, "index": index, "node": node_id,
                                         "reason": {"type": cause.type, "reason": cause.reason}}])
        self.status = cause.status

    def root(self) -> ApiError:
        """Its root causes are those of the shard failures."""
        return self.caused_by.root() if self.caused_by is not None else self
