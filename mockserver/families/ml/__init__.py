"""Elasticsearch machine learning data frame analytics jobs (`/_ml/data_frame/analytics`)."""

from mockserver.families.ml.models import DfaJobs
from mockserver.families.ml.routes import FIXTURES, ROUTES
from mockserver.family import Family

FAMILY = Family(
    name="ml",
    create_state=lambda cluster: DfaJobs(cluster.clock, cluster.state("indices"), cluster.settings.version,
                                         cluster.nodes),
    routes=ROUTES,
    flavours=frozenset({"elasticsearch"}),
    features=frozenset({"ml"}),
    fixtures=FIXTURES,
    depends_on=("indices",),
    catch_up=DfaJobs.catch_up,
)
