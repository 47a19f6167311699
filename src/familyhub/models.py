"""Imports every domain's tables so that ``Base.metadata`` is complete.

Alembic's autogenerate and the "migrations match the models" test read the metadata from
here; a new domain adds its ``models`` module to this list.
"""

from __future__ import annotations

import importlib

from familyhub.db import Base

DOMAIN_MODEL_MODULES = [
    "familyhub.runs",
    "familyhub.sources.models",
    "familyhub.linkage.models",
    "familyhub.access.models",
    "familyhub.audit.models",
    "familyhub.consent.models",
    "familyhub.casework.models",
    "familyhub.families.models",
    "familyhub.outcomes.models",
    "familyhub.rights.models",
    "familyhub.governance.models",
    "familyhub.insight.models",
    "familyhub.web.models",
]


def load_all_models() -> type[Base]:
    """Import every domain's models that exists yet, and return the declarative base."""
    for name in DOMAIN_MODEL_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            # A domain not built yet is fine; a broken import inside one is not.
            if exc.name is None or not name.startswith(exc.name):
                raise
    return Base
