"""Elasticsearch machine learning data frame analytics jobs (`/_ml/data_frame/analytics`)."""

from mockserver.families.cluster.models import ClusterInfo
from mockserver.families.indices.models import IndexStore
from mockserver.families.ml.models import DfaJobs
from mockserver.families.ml.routes import FIXTURES, ROUTES
from mockserver.families.security.models import Security
from mockserver.family import Environment, Family


def _jobs(environment: Environment) -> DfaJobs:
    return DfaJobs(environment.clock, environment.dependency("indices", IndexStore), environment.settings.version,
                   environment.nodes, settings=environment.dependency("cluster", ClusterInfo).dynamic,
                   security=environment.dependency("security", Security))


FAMILY = Family(
    name="ml",
    create_state=_jobs,
    routes=ROUTES,
    flavours=frozenset({"elasticsearch"}),
    features=frozenset({"ml"}),
    fixtures=FIXTURES,
    depends_on=("indices", "cluster", "security"),
)
