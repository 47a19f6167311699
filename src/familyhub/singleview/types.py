"""What the single view returns: plain, JSON-friendly values for pages and /api/v1 alike.

Every model is a frozen pydantic model, so a route can hand it to a Jinja template as it is
or return ``model_dump(mode="json")`` (and FastAPI can put its schema in the OpenAPI
document). Nothing here holds a database row: a result never lazy-loads after the request's
access decision and audit event have been made.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, computed_field, field_validator

# How much of a person or family the user may see on this request:
# full: the whole view; contact: identity and contact details only (early help seeking the
# family's consent after a MASH referral); minimal: search-level identity and who to contact.
Level = Literal["full", "contact", "minimal"]


class Result(BaseModel):
    model_config = ConfigDict(frozen=True)

    @field_validator("*", mode="after")
    @classmethod
    def _utc(cls, value: object) -> object:
        # SQLite hands back naive UTC; the API promises RFC 3339 date-times with an offset.
        if isinstance(value, datetime) and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class LeadContact(Result):
    """The lead practitioner, as search results and the top of the view show them."""

    name: str
    job_title: str | None
    service: str
    phone: str | None
    email: str | None
    since: datetime


class MinimalIdentity(Result):
    """What search may show about anyone: name, year of birth, partial postcode."""

    person_id: str
    name: str
    year_of_birth: int | None
    postcode_district: str | None
    postcode_sector: str | None
    restricted: bool = False


class SearchResult(Result):
    identity: MinimalIdentity
    lead_practitioners: list[LeadContact]
    restriction_notice: str | None = None
    match_probability: float | None = None


class SearchResults(Result):
    query: dict[str, str]
    results: list[SearchResult]
    message: str | None = None
    audit_seq: int

    @property
    def records(self) -> list[str]:
        return [f"person:{r.identity.person_id}" for r in self.results]


class Practitioner(Result):
    """Someone working with the family (an involvement), with how to reach them."""

    name: str
    job_title: str | None
    organisation: str
    service: str | None
    kind: str  # lead_practitioner, allocated_worker, team_member
    phone: str | None
    email: str | None
    since: datetime


class ServiceInvolvement(Result):
    """A service that has been involved, and when last: from involvements or its records."""

    service: str
    organisation: str | None
    last_involved: date
    evidence: Literal["involvement", "records"]


class WhoIsWorking(Result):
    lead_practitioners: list[Practitioner]
    practitioners: list[Practitioner]
    services: list[ServiceInvolvement]


class SourceMention(Result):
    source: str
    record_id: str
    updated_at: str | None


class GoldenField(Result):
    """One value of one field of the golden record and the sources that gave it."""

    field: str
    value: str
    chosen: bool
    sources: list[SourceMention]
    hidden_sources: int
    rule: str | None


class GoldenRecord(Result):
    headline: dict[str, str | None]
    values: list[GoldenField]
    has_conflicts: bool


class Member(Result):
    identity: MinimalIdentity
    role: str
    date_of_birth: date | None
    restriction_notice: str | None = None
    contact: dict[str, str | None] | None = None


class ChronologyItem(Result):
    event_id: int
    person_id: str
    person_name: str
    event_date: date
    end_date: date | None
    event_type: str
    category: str
    source: str
    source_title: str
    organisation: str | None
    description: str


class Chronology(Result):
    items: list[ChronologyItem]
    sources: list[str]  # every source the user could filter by
    categories: list[str]
    filtered_by_source: list[str]
    filtered_by_category: list[str]
    truncated: bool


class Evidence(Result):
    event_id: int
    source: str
    event_date: date
    end_date: date | None
    signal: str  # need, positive
    rule_id: str
    text: str


class Need(Result):
    need_id: int
    need: str
    label: str
    person_id: str
    person_name: str
    status: str
    first_evidence_date: date
    last_evidence_date: date
    evidence: list[Evidence]
    decision: str | None


class ConsentEntry(Result):
    consent_id: int
    state: str
    purposes: list[str]
    recipient_organisations: list[str]
    data_categories: list[str]
    effective_at: datetime
    recorded_by: str
    evidence: str
    subject: str  # "person" or "family"


class ConsentStatus(Result):
    state: str  # given, declined, withdrawn, none
    current: ConsentEntry | None
    history: list[ConsentEntry]


class Hidden(Result):
    """Things withheld from this user, counted and explained, never shown."""

    count: int | None  # None for a whole section ("Full view hidden: ...")
    what: str  # e.g. "health records"
    reason: str  # e.g. "needs consent"

    @computed_field  # type: ignore[prop-decorator]
    @property
    def sentence(self) -> str:
        if self.count is None:
            return f"{self.what[:1].upper()}{self.what[1:]} hidden: {self.reason}"
        return f"{self.count} {self.what} hidden: {self.reason}"


class AvailableAction(Result):
    action: str  # join_team, become_lead, record_consent, request_support, mash_referral...
    label: str


class View(Result):
    """What the person view and the family view share."""

    level: Level
    purpose: str
    restriction_notice: str | None
    who_is_working: WhoIsWorking
    members: list[Member]
    chronology: Chronology | None
    needs: list[Need] | None
    consent: ConsentStatus | None
    hidden: list[Hidden]
    actions: list[AvailableAction]
    records: list[str]  # every record reference returned (the audit event names these)
    audit_seq: int


class PersonView(View):
    person_id: str
    requested_id: str  # the id asked for (an older, merged id still resolves)
    identity: MinimalIdentity
    golden: GoldenRecord | None
    contact: dict[str, str | None] | None
    family_ids: list[str]


class FamilyView(View):
    family_id: str
    status: str


class ActionResult(Result):
    """What an action did, and where to look next."""

    action: str
    reference: str  # e.g. "involvement:12", "referral:7"
    message: str
    audit_seq: int | None = None
