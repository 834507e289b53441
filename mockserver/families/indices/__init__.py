"""Indices and documents: the data every job family reads and writes."""

from mockserver.families.indices.models import IndexStore
from mockserver.families.indices.routes import ROUTES
from mockserver.family import Family

FAMILY = Family(name="indices", create_state=lambda environment: IndexStore(environment.clock), routes=ROUTES)
