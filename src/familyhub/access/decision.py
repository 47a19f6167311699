"""The one decision point: ``decide(principal, action, resource, context) -> Decision``.

Cedar policies (``policies/*.cedar``) decide; this module turns our facts into Cedar's
entities and context, and Cedar's answer into a :class:`Decision` carrying the ids of the
policies behind it (for the audit event) and their plain-English explanations (for the
screen). Nothing is allowed unless a policy permits it and no policy forbids it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import cedarpy

from familyhub.access.policy_files import (
    POLICY_DIR,
    PolicySource,
    policy_dir,
    read_policy_files,
)
from familyhub.access.vocabulary import Vocabulary, load_vocabulary

if TYPE_CHECKING:
    from familyhub.access.models import User

ACTIONS = frozenset(
    {
        "search",
        "view",
        "view_contact",
        "view_record",
        "view_consent",
        "record_consent",
        "manage_involvement",
        "join_team",
        "refer",
        "manage_referral",
        "view_referrals",
        "break_glass",
        "review_audit",
        "manage_users",
        "view_statistics",
        "manage_data",
        "produce_evaluation_return",
    }
)
CONSENT_STATES = ("given", "declined", "withdrawn", "none")
DEFAULT_DENY = "default.deny"
UNKNOWN_PURPOSE = "input.unknown_purpose"
SERVICE_ID = "familyhub"


@dataclass(frozen=True)
class Principal:
    """Who is asking, as the policies see them."""

    user_id: int
    username: str
    roles: frozenset[str]
    organisation_code: str
    organisation_kind: str
    organisation_id: int | None = None

    @classmethod
    def of(cls, user: User) -> Principal:
        return cls(
            user_id=user.id,
            username=user.username,
            roles=frozenset(user.roles or ()),
            organisation_code=user.organisation.code,
            organisation_kind=user.organisation.kind,
            organisation_id=user.organisation_id,
        )


@dataclass(frozen=True)
class Resource:
    """What is asked about: a person, a family, one record of theirs, an organisation (its
    referral inbox), or the service."""

    kind: Literal["Person", "Family", "Record", "Organisation", "Service"]
    id: str
    restricted: bool = False
    sealed: bool = False
    category: str | None = None  # Record only: its data category
    supplier: str | None = None  # Record only: code of the organisation that supplied it
    need_evidence: bool = False  # Record only: cited as evidence of a Supporting Families need
    organisation_kind: str | None = None  # Organisation only: its kind

    @classmethod
    def person(cls, person_id: str, *, restricted: bool = False, sealed: bool = False) -> Resource:
        return cls("Person", person_id, restricted=restricted, sealed=sealed)

    @classmethod
    def family(cls, family_id: str, *, restricted: bool = False, sealed: bool = False) -> Resource:
        return cls("Family", family_id, restricted=restricted, sealed=sealed)

    @classmethod
    def record(
        cls,
        record_id: str,
        *,
        category: str,
        supplier: str,
        restricted: bool = False,
        sealed: bool = False,
        need_evidence: bool = False,
    ) -> Resource:
        return cls("Record", record_id, restricted, sealed, category, supplier, need_evidence)

    @classmethod
    def organisation(cls, code: str, *, kind: str) -> Resource:
        return cls("Organisation", code, organisation_kind=kind)

    @classmethod
    def service(cls) -> Resource:
        return cls("Service", SERVICE_ID)


@dataclass(frozen=True)
class Context:
    """The facts of this request (gathered fresh for every request by ``facts.gather``)."""

    purpose: str
    involved: bool = False
    lead_practitioner: bool = False
    consent: str = "none"
    consent_categories: frozenset[str] = frozenset()
    override: bool = False
    referred_to_my_service: bool = False
    on_programme: bool = False

    def as_cedar(self) -> dict[str, Any]:
        return {
            "purpose": self.purpose,
            "involved": self.involved,
            "lead_practitioner": self.lead_practitioner,
            "consent": self.consent,
            "consent_categories": sorted(self.consent_categories),
            "override": self.override,
            "referred_to_my_service": self.referred_to_my_service,
            "on_programme": self.on_programme,
        }


@dataclass(frozen=True)
class Decision:
    allowed: bool
    policy_ids: list[str]
    reasons: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.allowed


class PolicyEngine:
    """Policies parsed and validated once; decisions evaluated per request."""

    def __init__(self, directory: Path = POLICY_DIR, vocabulary: Vocabulary | None = None):
        self.sources, schema_text = read_policy_files(directory)
        self.by_id: dict[str, PolicySource] = {s.policy_id: s for s in self.sources}
        self.policies = cedarpy.PolicySet.from_str("\n".join(s.text for s in self.sources))
        self.schema = cedarpy.Schema.from_str(schema_text)
        self.vocabulary = vocabulary or load_vocabulary()
        self._base = cedarpy.Entities.from_json_str(json.dumps(self._role_entities()))

    def _role_entities(self) -> list[dict[str, Any]]:
        groups = [
            {"uid": {"type": "RoleGroup", "id": g}, "attrs": {}, "parents": []}
            for g in self.vocabulary.role_groups
        ]
        roles = [
            {
                "uid": {"type": "Role", "id": role},
                "attrs": {},
                "parents": [
                    {"type": "RoleGroup", "id": g} for g in sorted(self.vocabulary.groups_of(role))
                ],
            }
            for role in self.vocabulary.roles
        ]
        return groups + roles

    def _principal_entities(self, principal: Principal) -> list[dict[str, Any]]:
        org = {"type": "Organisation", "id": principal.organisation_code}
        known = sorted(r for r in principal.roles if r in self.vocabulary.roles)
        return [
            {"uid": org, "attrs": {"kind": principal.organisation_kind}, "parents": []},
            {
                "uid": {"type": "Practitioner", "id": str(principal.user_id)},
                "attrs": {
                    "organisation": {"__entity": org},
                    "organisation_kind": principal.organisation_kind,
                },
                "parents": [{"type": "Role", "id": r} for r in known] + [org],
            },
        ]

    @staticmethod
    def _resource_entity(resource: Resource, principal: Principal) -> list[dict[str, Any]]:
        uid = {"type": resource.kind, "id": resource.id}
        if resource.kind == "Service":
            return [{"uid": uid, "attrs": {}, "parents": []}]
        if resource.kind == "Organisation":
            kind = resource.organisation_kind or ""
            return [{"uid": uid, "attrs": {"kind": kind}, "parents": []}]
        attrs: dict[str, Any] = {"restricted": resource.restricted, "sealed": resource.sealed}
        out: list[dict[str, Any]] = []
        if resource.kind == "Record":
            supplier = resource.supplier or ""
            attrs["category"] = resource.category or ""
            attrs["supplier"] = {"__entity": {"type": "Organisation", "id": supplier}}
            attrs["need_evidence"] = resource.need_evidence
            if supplier != principal.organisation_code:
                out.append(
                    {
                        "uid": {"type": "Organisation", "id": supplier},
                        "attrs": {"kind": ""},
                        "parents": [],
                    }
                )
        out.append({"uid": uid, "attrs": attrs, "parents": []})
        return out

    def decide(
        self, principal: Principal, action: str, resource: Resource, context: Context
    ) -> Decision:
        return self.decide_many(principal, action, [resource], context)[0]

    def decide_many(
        self,
        principal: Principal,
        action: str,
        resources: Sequence[Resource],
        context: Context | Sequence[Context],
    ) -> list[Decision]:
        """One decision per resource (a context each, or one shared), in one Cedar call."""
        if action not in ACTIONS:
            raise ValueError(f"Unknown action {action!r}; known actions: {sorted(ACTIONS)}")
        contexts = [context] * len(resources) if isinstance(context, Context) else list(context)
        if len(contexts) != len(resources):
            raise ValueError("one context per resource, or a single shared context")
        results: list[Decision | None] = [None] * len(resources)
        requests: list[dict[str, Any]] = []
        positions: list[int] = []
        entities = self._principal_entities(principal)
        seen: set[tuple[str, str]] = {("Organisation", principal.organisation_code)}
        for i, (resource, ctx) in enumerate(zip(resources, contexts, strict=True)):
            if ctx.purpose not in self.vocabulary.purposes:
                results[i] = Decision(
                    False,
                    [UNKNOWN_PURPOSE],
                    [f"The purpose {ctx.purpose!r} is not one of the purposes in the list."],
                )
                continue
            for entity in self._resource_entity(resource, principal):
                key = (entity["uid"]["type"], entity["uid"]["id"])
                if key not in seen:
                    seen.add(key)
                    entities.append(entity)
            requests.append(
                {
                    "principal": {"type": "Practitioner", "id": str(principal.user_id)},
                    "action": {"type": "Action", "id": action},
                    "resource": {"type": resource.kind, "id": resource.id},
                    "context": ctx.as_cedar(),
                }
            )
            positions.append(i)
        if requests:
            handle = self._base.with_added_json_str(json.dumps(entities))
            answers = cedarpy.is_authorized_batch(requests, self.policies, handle, self.schema)
            for i, answer in zip(positions, answers, strict=True):
                results[i] = self._decision(answer)
        return [r for r in results if r is not None]

    def _decision(self, answer: cedarpy.AuthzResult) -> Decision:
        names = answer.diagnostics.id_annotations_by_reason
        policy_ids = sorted(names.get(r, r) for r in answer.diagnostics.reasons)
        errors = list(answer.diagnostics.errors)
        if answer.allowed:
            reasons = [f"Allowed: {self._explain(p)}" for p in policy_ids]
            return Decision(True, policy_ids, reasons, errors)
        if policy_ids:
            reasons = [f"Forbidden: {self._explain(p)}" for p in policy_ids]
            return Decision(False, policy_ids, reasons, errors)
        return Decision(
            False,
            [DEFAULT_DENY],
            ["No policy allows this, so it is refused (deny by default)."],
            errors,
        )

    def _explain(self, policy_id: str) -> str:
        source = self.by_id.get(policy_id)
        return f"{policy_id} ({source.explanation})" if source and source.explanation else policy_id


def engine() -> PolicyEngine:
    """The process's policy engine (for the policies in force, ``policy_files.policy_dir``);
    the first call validates every policy file."""
    return _engine_for(policy_dir())


@lru_cache(maxsize=2)
def _engine_for(directory: Path) -> PolicyEngine:
    return PolicyEngine(directory)


def check_policies(directory: Path = POLICY_DIR) -> int:
    """Validate the policy files (at start-up); returns how many policies there are."""
    return len(PolicyEngine(directory).sources)


def decide(principal: Principal, action: str, resource: Resource, context: Context) -> Decision:
    """Is ``principal`` allowed to ``action`` on ``resource`` given ``context``? Deny by default."""
    return engine().decide(principal, action, resource, context)


def decide_many(
    principal: Principal,
    action: str,
    resources: Sequence[Resource],
    context: Context | Sequence[Context],
) -> list[Decision]:
    return engine().decide_many(principal, action, resources, context)
