"""Task management (`/_tasks`) over a per-node task registry, with the long-running, cancellable
work to manage: `_reindex`, `_update_by_query` and `_delete_by_query`."""

from mockserver.families.indices.models import IndexStore
from mockserver.families.tasks.bulk_routes import ROUTES as BULK_ROUTES
from mockserver.families.tasks.info import InfoStyle
from mockserver.families.tasks.registry import TaskRegistry
from mockserver.families.tasks.routes import ROUTES, non_cancellable_task, slow_cancel
from mockserver.family import Environment, Family
from mockserver.version import Version


def _registry(environment: Environment) -> TaskRegistry:
    settings = environment.settings
    opensearch = settings.flavour == "opensearch"  # forked from Elasticsearch 7.10
    style = InfoStyle(always_cancelled=True, cancellation_time=settings.version >= Version(2, 8, 0)) \
        if opensearch else InfoStyle(streamed=settings.version.major >= 8)
    return TaskRegistry(environment.clock, environment.nodes, environment.dependency("indices", IndexStore),
                        seed=settings.seed, node_tasks_cancellable=not opensearch and settings.version.major >= 8,
                        info_style=style)


FAMILY = Family(
    name="tasks",
    create_state=_registry,
    routes=ROUTES + BULK_ROUTES,
    fixtures={"non_cancellable_task": non_cancellable_task, "slow_cancel": slow_cancel},
    depends_on=("indices",),
)
