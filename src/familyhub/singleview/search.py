"""Search by name, date of birth, NHS number or postcode, forgiving typos and nicknames.

Candidates come from three places, best first: an exact NHS number; the linkage engineer's
``Matcher`` (the saved Splink model scoring the query against the last run's records, which
is what forgives typos and nicknames); and a plain lookup of the golden records for what the
model cannot score alone (a date of birth, a postcode, a name with its known nicknames).
The list then passes ``access.service.search_visible``, which keeps only the persons the
user may see one by one and writes the search's one audit event; results carry minimal
identity and how to reach the lead practitioner, nothing more.
"""

from __future__ import annotations

import logging
import re
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from familyhub.access.facts import gather, utc
from familyhub.access.models import User
from familyhub.access.service import AccessRefusedError, check_request, search_visible
from familyhub.audit.models import AuditChainHead
from familyhub.audit.service import record, record_refusal
from familyhub.casework import service as casework
from familyhub.identity.dates import parse_date
from familyhub.identity.errors import InvalidValueError
from familyhub.identity.names import match_name
from familyhub.identity.nicknames import name_variants
from familyhub.identity.numbers import normalise_nhs_number
from familyhub.identity.postcodes import parse_postcode
from familyhub.linkage.models import Person, PersonLink
from familyhub.linkage.persons import resolve
from familyhub.singleview.common import may_search
from familyhub.singleview.facts import gather_persons
from familyhub.singleview.identity import RESTRICTION_NOTICE, headlines, minimal_identity
from familyhub.singleview.types import LeadContact, SearchResult, SearchResults
from familyhub.sources.models import SourceRecord

log = logging.getLogger(__name__)

ACTION = "person.search"
DEFAULT_LIMIT = 20
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%y")
SEARCHABLE_STATUSES = ("active", "sealed")
_DIGITS = re.compile(r"\d[\d ]{8,}\d")
_DATE = re.compile(r"\b\d{1,4}[/.-]\d{1,2}[/.-]\d{2,4}\b")
_POSTCODE = re.compile(r"\b[A-Za-z]{1,2}\d[A-Za-z\d]?\s*\d[A-Za-z]{2}\b")


class SearchQuery(BaseModel):
    """What a practitioner typed: any of these, in any combination."""

    model_config = ConfigDict(frozen=True)

    name: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    date_of_birth: str | None = None
    nhs_number: str | None = None
    postcode: str | None = None

    @classmethod
    def parse(cls, text: str) -> SearchQuery:
        """One box: an NHS number, a date of birth and a postcode are picked out, the rest
        is the name ("Jon Smith 02/03/2015 NS3 7QD")."""
        rest = text
        found: dict[str, str] = {}
        for key, pattern in (
            ("nhs_number", _DIGITS),
            ("date_of_birth", _DATE),
            ("postcode", _POSTCODE),
        ):
            match = pattern.search(rest)
            if match:
                found[key] = match.group(0).strip()
                rest = rest[: match.start()] + " " + rest[match.end() :]
        name = " ".join(rest.split())
        return cls(name=name or None, **found)

    def shown(self) -> dict[str, str]:
        return {k: v for k, v in self.model_dump().items() if v}


class SearchError(ValueError):
    """The query cannot be searched as typed (an impossible NHS number, date or postcode)."""


def _normalise(query: SearchQuery) -> dict[str, Any]:
    """Identity fields for matching; raises SearchError with a message to show."""
    given, family = query.given_name, query.family_name
    # ``split`` also drops control characters Python counts as white space (\x1c-\x1f): a
    # name of nothing but those is no name.
    words = query.name.split() if query.name and not (given or family) else []
    if words:
        given, family = (words[0], " ".join(words[1:])) if len(words) > 1 else (None, words[0])
    fields: dict[str, Any] = {"given_name": given, "family_name": family}
    try:
        fields["nhs_number"] = normalise_nhs_number(query.nhs_number) if query.nhs_number else None
    except InvalidValueError:
        raise SearchError(
            "The NHS number is not a valid NHS number: it has 10 digits, the last a check digit."
        ) from None
    try:
        fields["date_of_birth"] = (
            parse_date(query.date_of_birth.strip(), DATE_FORMATS) if query.date_of_birth else None
        )
    except InvalidValueError:
        raise SearchError("The date of birth is not a date: write it like 02/03/2015.") from None
    try:
        fields["postcode"] = (
            parse_postcode(query.postcode, allow_partial=True) if query.postcode else None
        )
    except InvalidValueError:
        # Never repeat what was typed: a name typed in the wrong box is personal data, and
        # error messages travel into logs and audit details.
        raise SearchError("The postcode is not a UK postcode: write it like NS3 7QD.") from None
    if not any(fields.values()):
        raise SearchError("Search by name, date of birth, NHS number or postcode.")
    return fields


def _matcher_candidates(
    session: Session, fields: dict[str, Any], limit: int
) -> list[tuple[str, float]]:
    """The linkage model's candidates (person id, match probability); none before a run."""
    from familyhub.linkage import service as linkage
    from familyhub.linkage.match import matcher_for

    if not (fields.get("given_name") or fields.get("family_name")):
        return []  # the model scores names; a number, date or postcode is looked up exactly
    postcode = fields.get("postcode")
    dob: date | None = fields.get("date_of_birth")
    query = {
        "given_name": fields.get("given_name"),
        "family_name": fields.get("family_name"),
        "date_of_birth": dob.isoformat() if dob else None,
        "nhs_number": fields.get("nhs_number"),
        "postcode": postcode.unit if postcode is not None and postcode.unit else None,
    }
    try:
        # Shared across queries: the model is compiled once per version, not per search.
        found_matcher = matcher_for(session, linkage.cache_path())
        if found_matcher is None:
            return []  # no linkage run yet
        found = found_matcher.match(query, session=session, limit=limit)
    except Exception:  # a broken cache must not stop the exact lookups below
        log.exception("matching against the linkage cache failed")
        return []
    return [(c.person_id, c.match_probability) for c in found if c.cannot_link_rule is None]


def _lookup_candidates(session: Session, fields: dict[str, Any], limit: int) -> list[str]:
    """Golden records agreeing on everything given (names up to nicknames, partial postcodes)."""
    clauses: list[ColumnElement[bool]] = [Person.status.in_(SEARCHABLE_STATUSES)]
    if fields.get("nhs_number"):
        clauses.append(Person.nhs_number == fields["nhs_number"])
    if fields.get("date_of_birth"):
        clauses.append(Person.date_of_birth == fields["date_of_birth"])
    postcode = fields.get("postcode")
    if postcode is not None and postcode.unit:
        # Any address the person's records give at this postcode (source_record.postcode is
        # indexed), not only the latest one the golden record chose.
        at_postcode = (
            select(PersonLink.person_id)
            .join(SourceRecord, SourceRecord.id == PersonLink.source_record_id)
            .where(SourceRecord.postcode == postcode.unit)
        )
        clauses.append(Person.id.in_(at_postcode))
    elif postcode is not None:  # a district ("NS3") or a sector ("NS3 7")
        prefix = postcode.sector or f"{postcode.district} "
        clauses.append(Person.postcode.like(f"{prefix}%"))
        if session.get_bind().dialect.name == "sqlite":
            # SQLite's LIKE ignores case and so cannot use ix_person_postcode; the same
            # prefix as a range (binary collation) can. PostgreSQL uses the index for LIKE.
            after = prefix[:-1] + chr(ord(prefix[-1]) + 1)
            clauses += [Person.postcode >= prefix, Person.postcode < after]
    family = match_name(fields.get("family_name"))
    if family:
        clauses.append(func.lower(Person.family_name) == family)
    given = fields.get("given_name")
    if given:
        clauses.append(func.lower(Person.given_name).in_(sorted(name_variants(given))))
    if len(clauses) == 1:
        return []
    return list(
        session.scalars(
            select(Person.id)
            .where(and_(*clauses))
            .order_by(Person.family_name, Person.id)
            .limit(limit)
        )
    )


def _resolve_all(session: Session, person_ids: list[str]) -> dict[str, Person | None]:
    """``persons.resolve`` for each id, in one query for all (only a merged person's
    successors are read one by one, and merges are rare). The persons stay in the session's
    identity map while the caller holds the result, so minimal identity reads none again."""
    ids = list(dict.fromkeys(person_ids))
    if not ids:
        return {}
    read = {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(ids)))}
    out: dict[str, Person | None] = {}
    for pid in ids:
        person = read.get(pid)
        if person is not None and person.status == "merged" and person.merged_into:
            person = resolve(pid, session=session)
        out[pid] = person
    return out


def candidates(
    session: Session, fields: dict[str, Any], limit: int
) -> list[tuple[str, float | None]]:
    """Surviving person ids (merged ids followed) with a probability where the model gave one."""
    found: list[tuple[str, float | None]] = []
    found += _matcher_candidates(session, fields, limit)
    found += [(pid, None) for pid in _lookup_candidates(session, fields, limit)]
    current = _resolve_all(session, [pid for pid, _ in found])
    out: dict[str, float | None] = {}
    for pid, probability in found:
        person = current.get(pid)
        if person is None or person.status not in SEARCHABLE_STATUSES:
            continue
        if person.id not in out:
            out[person.id] = probability
        elif probability is not None:
            out[person.id] = max(probability, out[person.id] or 0.0)
    return list(out.items())[:limit]


def search(
    session: Session,
    *,
    user: User,
    purpose: str,
    query: SearchQuery | str,
    request_id: str | None = None,
    limit: int = DEFAULT_LIMIT,
    now: datetime | None = None,
) -> SearchResults:
    """Persons matching ``query`` that ``user`` may see in search, with minimal identity and
    the lead practitioner's contact; exactly one audit event naming every person returned.

    Raises ``AccessRefusedError`` when the user may not search for this purpose, and
    ``SearchError`` (audited as a refusal) when the query cannot be read.
    """
    moment = utc(now)
    parsed = SearchQuery.parse(query) if isinstance(query, str) else query
    checked = check_request(
        session, user=user, action=ACTION, purpose=purpose, records=[], request_id=request_id
    )
    facts = gather(session, user=checked, purpose=purpose, now=moment)
    allowed = may_search(facts)
    if not allowed:
        event = record(
            session,
            actor=checked,
            action=ACTION,
            records=[],
            decision=allowed,
            purpose=purpose,
            request_id=request_id,
            details={"reasons": allowed.reasons},
        )
        session.commit()
        raise AccessRefusedError(
            "You may not search for this purpose: " + " ".join(allowed.reasons),
            decision=allowed,
            event=event,
        )
    try:
        fields = _normalise(parsed)
    except SearchError as exc:
        record_refusal(
            session,
            actor=checked,
            action=ACTION,
            purpose=purpose,
            request_id=request_id,
            reason=str(exc),
        )
        raise
    found = candidates(session, fields, limit)
    probability = dict(found)
    found_ids = [pid for pid, _ in found]
    # Every candidate is still decided on their own facts; the facts are read for all of
    # them together (eight queries, not eight a candidate; see singleview.facts).
    everyone = gather_persons(
        session, user=checked, person_ids=found_ids, purpose=purpose, now=moment
    )
    visible = search_visible(
        session,
        user=checked,
        purpose=purpose,
        person_ids=found_ids,
        request_id=request_id,
        now=moment,
        known=everyone,
    )
    values = headlines(session, visible)
    restricted = {pid for pid in visible if everyone[pid].resource.restricted}
    leads_of = casework.lead_practitioners_of(
        session,
        {pid: everyone[pid].family_ids for pid in visible if pid not in restricted},
        now=moment,
    )
    results = []
    for pid in visible:
        is_restricted = pid in restricted
        leads = leads_of.get(pid, [])
        results.append(
            SearchResult(
                identity=minimal_identity(
                    session, pid, restricted=is_restricted, values=values[pid]
                ),
                lead_practitioners=[
                    LeadContact(
                        name=lead.name,
                        job_title=lead.job_title,
                        service=lead.organisation,
                        phone=lead.phone,
                        email=lead.email,
                        since=lead.since,
                    )
                    for lead in leads
                ],
                restriction_notice=RESTRICTION_NOTICE if is_restricted else None,
                match_probability=probability.get(pid),
            )
        )
    # search_visible wrote the event under the chain-head lock, which this transaction still
    # holds, so the head is that event.
    head = session.scalar(select(AuditChainHead.seq).where(AuditChainHead.id == 1))
    return SearchResults(
        query=parsed.shown(),
        results=results,
        message=None if results else "No one you may see matches this search.",
        audit_seq=int(head or 0),
    )
