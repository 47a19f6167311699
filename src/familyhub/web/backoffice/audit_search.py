"""Searching the audit log for information governance: the screen's names for the query.

The query itself belongs to the audit package (``audit.queries.search_events``), beside
``who_viewed``: only ``audit/`` reads and writes the log's tables.
"""

from __future__ import annotations

from familyhub.audit.queries import MAX_SEARCH_RESULTS as MAX_RESULTS
from familyhub.audit.queries import AuditQuery, Found
from familyhub.audit.queries import event_actions as actions
from familyhub.audit.queries import search_events as search

__all__ = ["MAX_RESULTS", "AuditQuery", "Found", "actions", "search"]
