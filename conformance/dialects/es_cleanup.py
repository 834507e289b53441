"""What an Elasticsearch YAML test leaves behind, and the calls that remove it.

The Elasticsearch runner wipes the cluster after every test (indices, templates, jobs, settings). A translated
test does the same for what its own calls create, so that the next test finds the cluster as the suite assumes,
on the mock as on a disposable cluster."""

from __future__ import annotations

from typing import Any, Iterator

from conformance.matchers import MISSING, resolve

# API -> (kind of resource, where its name is: a parameter or `body.<dotted path>`)
_CREATES: dict[str, tuple[tuple[str, str], ...]] = {
    "indices.create": (("index", "index"),),
    "index": (("index", "index"),),
    "create": (("index", "index"),),
    "bulk": (("index", "index"),),
    "rollup.put_job": (("rollup_job", "id"), ("index", "body.rollup_index")),
    "ml.put_data_frame_analytics": (("data_frame_analytics", "id"), ("index", "body.dest.index")),
    "indices.put_template": (("template", "name"),),
    "indices.put_index_template": (("index_template", "name"),),
    "cluster.put_component_template": (("component_template", "name"),),
    "security.put_user": (("user", "username"),),
    "security.put_role": (("role", "name"),),
}

# kind -> the calls that remove one, in order (the name fills `{}`)
_REMOVES: dict[str, tuple[tuple[str, dict[str, Any]], ...]] = {
    "rollup_job": (("rollup.stop_job", {"id": "{}", "wait_for_completion": True}),
                   ("rollup.delete_job", {"id": "{}"})),
    "data_frame_analytics": (("ml.stop_data_frame_analytics", {"id": "{}", "force": True}),
                             ("ml.delete_data_frame_analytics", {"id": "{}", "force": True})),
    "index": (("indices.delete", {"index": "{}", "ignore_unavailable": True}),),
    "template": (("indices.delete_template", {"name": "{}"}),),
    "index_template": (("indices.delete_index_template", {"name": "{}"}),),
    "component_template": (("cluster.delete_component_template", {"name": "{}"}),),
    "user": (("security.delete_user", {"username": "{}"}),),
    "role": (("security.delete_role", {"name": "{}"}),),
}


def created(api: str, params: dict[str, Any], body: Any) -> Iterator[tuple[str, str]]:
    """(kind, name) of each resource the call creates, where the name is literal (not a stashed value)."""
    for kind, where in _CREATES.get(api, ()):
        value = resolve(body, where.removeprefix("body.")) if where.startswith("body.") else params.get(where, MISSING)
        if isinstance(value, str) and value and not any(c in value for c in "$*,"):
            yield kind, value


def settings_reset(api: str, body: Any) -> dict[str, Any] | None:
    """The body that sets back to default every cluster setting a `cluster.put_settings` call changed."""
    if api != "cluster.put_settings" or not isinstance(body, dict):
        return None
    return {scope: {name: None for name in values} for scope, values in body.items()
            if scope in ("persistent", "transient") and isinstance(values, dict)}


def removals(resources: list[tuple[str, str]]) -> Iterator[tuple[str, dict[str, Any]]]:
    """The calls that remove the resources: jobs first (they hold indices), then indices, templates, users."""
    for kind in _REMOVES:
        for name in dict.fromkeys(n for k, n in resources if k == kind):
            for api, params in _REMOVES[kind]:
                yield api, {k: (v.format(name) if isinstance(v, str) else v) for k, v in params.items()}
