"""Which purposes to offer a user: those under which the policies let their roles do something.

The policies, not this module, say what each purpose allows: for every purpose in the
vocabulary we ask ``access.decide`` whether the user could search for a person, review the
audit, manage data or see statistics under it. A planner is offered "Statistics"; a health
visitor the purposes of direct work. A role the probe finds nothing for (e.g. account
administration, which needs no purpose) is offered every purpose.
"""

from __future__ import annotations

from familyhub.access.decision import Context, Principal, Resource, decide
from familyhub.access.models import User
from familyhub.access.vocabulary import load_vocabulary

# Actions a stated purpose exists for. manage_users is left out: it needs no purpose.
PROBES: tuple[tuple[str, Resource], ...] = (
    ("search", Resource.service()),
    ("review_audit", Resource.service()),
    ("manage_data", Resource.service()),
    ("view_statistics", Resource.service()),
)


def purposes_for(user: User) -> dict[str, str]:
    """The purposes (name -> description) this user can usefully state, in vocabulary order."""
    principal = Principal.of(user)
    everything = load_vocabulary().purposes
    useful = {
        name: description
        for name, description in everything.items()
        if any(
            decide(principal, action, resource, Context(purpose=name)).allowed
            for action, resource in PROBES
        )
    }
    return useful or dict(everything)
