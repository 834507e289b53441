"""Elasticsearch task management (`/_tasks`) over a per-node task registry, with the long-running, cancellable
work to manage: `_reindex`, `_update_by_query` and `_delete_by_query`."""

from mockserver.families.tasks.bulk_routes import ROUTES as BULK_ROUTES
from mockserver.families.tasks.registry import TaskRegistry
from mockserver.families.tasks.routes import ROUTES, non_cancellable_task, slow_cancel
from mockserver.family import Family

FAMILY = Family(
    name="tasks",
    create_state=lambda cluster: TaskRegistry(cluster.clock, cluster.nodes, seed=cluster.settings.seed,
                                              node_tasks_cancellable=cluster.settings.version.major >= 8),
    routes=ROUTES + BULK_ROUTES,
    flavours=frozenset({"elasticsearch"}),
    fixtures={"non_cancellable_task": non_cancellable_task, "slow_cancel": slow_cancel},
    depends_on=("indices",),
    catch_up=TaskRegistry.catch_up,
)
