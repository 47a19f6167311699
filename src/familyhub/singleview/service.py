"""The practitioner's single view as services: search, person and family views, actions.

Routes (HTML pages and /api/v1) call only these. Every function takes the session and the
signed-in user keyword-only, with the purpose the user stated; every read goes through
``familyhub.access`` and writes exactly one audit event naming the records it returned.
"""

from __future__ import annotations

from familyhub.access.service import AccessRefusedError, InvalidRequestError
from familyhub.singleview.actions import (
    become_lead_practitioner,
    break_glass,
    join_team,
    record_consent,
    refer_to_mash,
    request_support,
)
from familyhub.singleview.common import NotFoundError
from familyhub.singleview.family_view import family_view
from familyhub.singleview.person_view import person_view
from familyhub.singleview.search import SearchError, SearchQuery, search

__all__ = [
    "AccessRefusedError",
    "InvalidRequestError",
    "NotFoundError",
    "SearchError",
    "SearchQuery",
    "become_lead_practitioner",
    "break_glass",
    "family_view",
    "join_team",
    "person_view",
    "record_consent",
    "refer_to_mash",
    "request_support",
    "search",
]
