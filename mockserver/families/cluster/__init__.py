"""The cluster root: `GET /`, node info, feature discovery, and the mock adapter's fixture endpoints."""

from mockserver.families.cluster.models import ClusterInfo
from mockserver.families.cluster.routes import ROUTES
from mockserver.family import Family

FAMILY = Family(name="cluster", create_state=ClusterInfo, routes=ROUTES)
