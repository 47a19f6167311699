"""Need to know: who may see what, decided in one place.

``decide(principal, action, resource, context) -> Decision`` is the only way code asks
whether a read or write is allowed; ``facts.gather`` builds its inputs from the database;
``service`` wraps both with input checks and the audit event every request needs.
"""

from familyhub.access.decision import (
    ACTIONS,
    Context,
    Decision,
    Principal,
    Resource,
    check_policies,
    decide,
    decide_many,
)
from familyhub.access.startup import check_policies_or_refuse

__all__ = [
    "ACTIONS",
    "Context",
    "Decision",
    "Principal",
    "Resource",
    "check_policies",
    "check_policies_or_refuse",
    "decide",
    "decide_many",
]
