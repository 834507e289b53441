"""OpenSearch index rollups (`/_plugins/_rollup/jobs`), with a runner that really rolls up."""

from mockserver.families.indices.models import IndexStore
from mockserver.families.opensearch_rollup.models import RollupJobs
from mockserver.families.opensearch_rollup.routes import FIXTURES, ROUTES
from mockserver.family import Environment, Family


def _jobs(environment: Environment) -> RollupJobs:
    return RollupJobs(environment.clock, environment.dependency("indices", IndexStore), environment.settings.version,
                      environment.settings.seed, environment.nodes[0].id)


FAMILY = Family(
    name="opensearch_rollup",
    create_state=_jobs,
    routes=ROUTES,
    flavours=frozenset({"opensearch"}),
    features=frozenset({"rollup"}),
    fixtures=FIXTURES,
    depends_on=("indices",),
)
