"""Elasticsearch rollup jobs (`/_rollup/job`)."""

from mockserver.families.indices.models import IndexStore
from mockserver.families.rollup.models import RollupJobs
from mockserver.families.rollup.routes import ROUTES, slow_stop
from mockserver.family import Environment, Family


def _jobs(environment: Environment) -> RollupJobs:
    return RollupJobs(environment.clock, environment.dependency("indices", IndexStore), environment.settings.version,
                      [node.id for node in environment.nodes])


FAMILY = Family(
    name="rollup",
    create_state=_jobs,
    routes=ROUTES,
    flavours=frozenset({"elasticsearch"}),
    features=frozenset({"rollup"}),
    fixtures={"slow_stop": slow_stop},
    depends_on=("indices",),
)
