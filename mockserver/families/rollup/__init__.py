"""Elasticsearch rollup jobs (`/_rollup/job`)."""

from mockserver.families.rollup.models import RollupJobs
from mockserver.families.rollup.routes import ROUTES, slow_stop
from mockserver.family import Family

FAMILY = Family(
    name="rollup",
    create_state=lambda cluster: RollupJobs(cluster.clock, cluster.state("indices"), cluster.settings.version,
                                            [n.id for n in cluster.nodes]),
    routes=ROUTES,
    flavours=frozenset({"elasticsearch"}),
    features=frozenset({"rollup"}),
    fixtures={"slow_stop": slow_stop},
    depends_on=("indices",),
)
