"""Elasticsearch security: native users and roles, basic authentication, run-as and cluster privileges."""

from mockserver.families.security.models import Security
from mockserver.families.security.routes import ROUTES
from mockserver.family import Family

FAMILY = Family(
    name="security",
    create_state=lambda environment: Security(),
    routes=ROUTES,
    flavours=frozenset({"elasticsearch"}),
    features=frozenset({"security"}),
)
