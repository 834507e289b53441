"""Elasticsearch task management (`/_tasks`) over a per-node task registry, with the long-running, cancellable
work to manage: `_reindex`, `_update_by_query` and `_delete_by_query`."""

from mockserver.families.indices.models import IndexStore
from mockserver.families.tasks.bulk_routes import ROUTES as BULK_ROUTES
from mockserver.families.tasks.registry import TaskRegistry
from mockserver.families.tasks.routes import ROUTES, non_cancellable_task, slow_cancel
from mockserver.family import Environment, Family


def _registry(environment: Environment) -> TaskRegistry:
    return TaskRegistry(environment.clock, environment.nodes, environment.dependency("indices", IndexStore),
                        seed=environment.settings.seed,
                        node_tasks_cancellable=environment.settings.version.major >= 8)


FAMILY = Family(
    name="tasks",
    create_state=_registry,
    routes=ROUTES + BULK_ROUTES,
    flavours=frozenset({"elasticsearch"}),
    fixtures={"non_cancellable_task": non_cancellable_task, "slow_cancel": slow_cancel},
    depends_on=("indices",),
)
