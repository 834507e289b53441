"""Elasticsearch security: native users and roles, basic authentication, run-as and cluster privileges."""

from typing import Mapping

from mockserver.families.security.models import Security
from mockserver.families.security.routes import ROUTES
from mockserver.family import Family
from mockserver.routing import Call


def _authenticate(security: Security, headers: Mapping[str, str], uri: str) -> None:
    security.authenticate(headers, uri)


def _authorize(security: Security, call: Call) -> None:
    security.authorize(security.authenticate(call.headers, call.uri), call.action)


FAMILY = Family(
    name="security",
    create_state=lambda cluster: Security(),
    routes=ROUTES,
    flavours=frozenset({"elasticsearch"}),
    features=frozenset({"security"}),
    authenticate=_authenticate,
    authorize=_authorize,
)
