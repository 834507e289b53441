"""Security: users, roles, API keys and AWS SigV4 credentials; authentication (401) and authorization (403) as
Elasticsearch's security and OpenSearch's security plugin answer them."""

from mockserver.families.security.models import Security
from mockserver.families.security.routes import ROUTES
from mockserver.family import Family

FAMILY = Family(
    name="security",
    create_state=lambda env: Security(env.settings.flavour, env.settings.version, env.settings.security),
    routes=ROUTES,
    features=frozenset({"security"}),
)
