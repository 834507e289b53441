"""OpenSearch index rollups (`/_plugins/_rollup/jobs`), with a runner that really rolls up."""

from typing import Mapping

from mockserver.families.cluster.models import ClusterInfo
from mockserver.families.indices.models import IndexStore
from mockserver.families.opensearch_rollup.access import BackendRoleFilter, JobUser, filter_enabled
from mockserver.families.opensearch_rollup.models import RollupJobs
from mockserver.families.opensearch_rollup.routes import FIXTURES, ROUTES
from mockserver.families.security.models import Security
from mockserver.family import Environment, Family


def _access(environment: Environment) -> BackendRoleFilter:
    """The backend-role filter, reading the cluster's dynamic settings and the security plugin's user."""
    dynamic = environment.dependency("cluster", ClusterInfo).dynamic
    security = environment.dependency("security", Security)

    def requester(headers: Mapping[str, str], uri: str) -> JobUser | None:
        user = security.requester(headers, uri)
        return JobUser(user.name, user.backend_roles, user.roles) if user is not None else None

    return BackendRoleFilter(lambda: filter_enabled(dynamic.values["persistent"], dynamic.values["transient"]),
                             requester)


def _jobs(environment: Environment) -> RollupJobs:
    return RollupJobs(environment.clock, environment.dependency("indices", IndexStore), environment.settings.version,
                      environment.settings.seed, environment.nodes[0].id, _access(environment))


FAMILY = Family(
    name="opensearch_rollup",
    create_state=_jobs,
    routes=ROUTES,
    flavours=frozenset({"opensearch"}),
    features=frozenset({"rollup"}),
    fixtures=FIXTURES,
    depends_on=("indices", "cluster", "security"),
)
