"""OpenSearch index rollups (`/_plugins/_rollup/jobs`), with a runner that really rolls up."""

from mockserver.families.opensearch_rollup import rollup_search
from mockserver.families.opensearch_rollup.models import RollupJobs
from mockserver.families.opensearch_rollup.routes import FIXTURES, ROUTES
from mockserver.family import Family

FAMILY = Family(
    name="opensearch_rollup",
    create_state=lambda cluster: RollupJobs(cluster.clock, cluster.state("indices"), cluster.settings.version,
                                            cluster.settings.seed, cluster.nodes[0].id),
    routes=ROUTES,
    flavours=frozenset({"opensearch"}),
    features=frozenset({"rollup"}),
    fixtures=FIXTURES,
    depends_on=("indices",),
    catch_up=RollupJobs.refresh,
    search=lambda jobs, indices, body: rollup_search.answer(indices, body, jobs.node_id),
)
