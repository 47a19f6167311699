"""The national evaluation return: identifiers of eligible families, to a named recipient.

Different from every other insight output by design: it *does* identify people (name, date
of birth, sex, last known address, NI number), because the trusted third party links them
with other departments' data. So it is:

* for eligible families only (Supporting Families: dependants and 3+ current needs);
* to a recipient who is a party to a named data sharing agreement in the register;
* a purpose-checked action decided by ``familyhub.access.decide`` (named roles only);
* audited by ``familyhub.audit.service.record`` naming every person sent, whether it was
  allowed or refused.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
from sqlalchemy import select
from sqlalchemy.orm import Session

from familyhub.access import ACTIONS, Context, Decision, Principal, Resource, decide
from familyhub.audit.service import Actor, record
from familyhub.insight.aggregates import programme_statuses
from familyhub.insight.dataset import InsightData
from familyhub.insight.extract import age_band
from familyhub.insight.keys import current_purpose_key
from familyhub.insight.models import InsightOutput
from familyhub.insight.pseudonyms import Pseudonymiser
from familyhub.insight.service import (
    InsightRefusedError,
    register_output,
    removed_on_failure,
    write_csv_rows,
)
from familyhub.linkage.models import GoldenValue, Person
from familyhub.outcomes.rules import Eligibility

EVALUATION_PURPOSE = "national_evaluation"
# The access purpose and action this is decided under (see the report: the action has to be
# added to familyhub.access.ACTIONS with a policy naming the roles allowed).
ACCESS_PURPOSE = "supporting_families"
EVALUATION_ACTION = "produce_evaluation_return"
AUDIT_ACTION = "insight.evaluation_return"
UNDEFINED_ACTION_POLICY = "insight.evaluation_action_not_in_policies"

IDENTIFIERS_SCHEMA = pa.schema(
    [
        ("person_id", pa.string()),
        ("given_name", pa.string()),
        ("family_name", pa.string()),
        ("date_of_birth", pa.date32()),
        ("sex", pa.string()),
        ("address", pa.string()),
        ("postcode", pa.string()),
        ("ni_number", pa.string()),
    ]
)
RETURN_COLUMNS = [
    "family_reference",
    "given_name",
    "family_name",
    "date_of_birth",
    "sex",
    "address",
    "postcode",
    "ni_number",
]
_DEPENDANT_ROLES = frozenset({"child", "expectant_parent"})


class EvaluationRefusedError(InsightRefusedError):
    """Refused (and audited as refused): no permission, unknown agreement or recipient."""


@dataclass
class EvaluationOutcome:
    output: InsightOutput
    families: int
    people: int
    warnings: list[str]


def load_identifiers(*, session: Session) -> pa.Table:
    """Each person's last known identifiers: the golden record's chosen values."""
    persons = session.execute(
        select(
            Person.id, Person.given_name, Person.family_name, Person.date_of_birth, Person.sex,
            Person.postcode,
        ).where(Person.status == "active")
    ).all()  # fmt: skip
    if not persons:
        raise InsightRefusedError(
            "The evaluation return needs the linked golden record (name, date of birth, sex, "
            "address, NI number), and there are no linked persons yet. Nothing written."
        )
    chosen: dict[tuple[str, str], str] = {
        (person_id, field): value
        for person_id, field, value in session.execute(
            select(GoldenValue.person_id, GoldenValue.field, GoldenValue.value).where(
                GoldenValue.chosen.is_(True), GoldenValue.field.in_(("address", "ni_number"))
            )
        )
    }
    rows = [
        {
            "person_id": p.id,
            "given_name": p.given_name,
            "family_name": p.family_name,
            "date_of_birth": p.date_of_birth,
            "sex": p.sex,
            "address": chosen.get((p.id, "address")),
            "postcode": p.postcode,
            "ni_number": chosen.get((p.id, "ni_number")),
        }
        for p in persons
    ]
    return pa.Table.from_pylist(rows, schema=IDENTIFIERS_SCHEMA)


def eligible_families(data: InsightData, eligibility: Eligibility | None = None) -> set[str]:
    """Families with dependants and at least ``min_needs`` needs in a current status."""
    if data.eligible_family_ids is not None:
        return set(data.eligible_family_ids)
    rule = eligibility or Eligibility(statuses=programme_statuses())
    needs: dict[str, set[str]] = defaultdict(set)
    columns = data.needs.select(["family_id", "need", "status"]).to_pydict()
    for family_id, need, status in zip(*columns.values(), strict=True):
        if family_id and status in rule.statuses:
            needs[family_id].add(need)
    with_dependants = set()
    people = data.people.select(["family_id", "role", "date_of_birth"]).to_pydict()
    for family_id, role, dob in zip(*people.values(), strict=True):
        if family_id is None:
            continue
        child = dob is not None and age_band(dob, data.as_of) in {"0-4", "5-9", "10-15", "16-17"}
        if role in _DEPENDANT_ROLES or child:
            with_dependants.add(family_id)
    return {f for f, n in needs.items() if len(n) >= rule.min_needs and f in with_dependants}


def build_return_rows(
    data: InsightData, identifiers: pa.Table, eligible: set[str], pseudonymiser: Pseudonymiser
) -> tuple[list[dict[str, str]], list[str]]:
    """One row per current member of each eligible family, and the person ids sent."""
    by_person = {row["person_id"]: row for row in identifiers.to_pylist()}
    rows, person_ids = [], []
    members = data.people.select(["person_id", "family_id"]).to_pydict()
    for person_id, family_id in sorted(
        zip(members["person_id"], members["family_id"], strict=True),
        key=lambda pair: (pair[1] or "", pair[0]),
    ):
        if family_id not in eligible:
            continue
        ident: dict[str, Any] = by_person.get(person_id, {})
        dob = ident.get("date_of_birth")
        rows.append(
            {
                "family_reference": pseudonymiser.family(family_id),
                "given_name": ident.get("given_name") or "",
                "family_name": ident.get("family_name") or "",
                "date_of_birth": dob.isoformat() if isinstance(dob, date) else "",
                "sex": ident.get("sex") or "",
                "address": ident.get("address") or "",
                "postcode": ident.get("postcode") or "",
                "ni_number": ident.get("ni_number") or "",
            }
        )
        person_ids.append(person_id)
    return rows, person_ids


def _decision(principal: Principal) -> Decision:
    if EVALUATION_ACTION not in ACTIONS:
        return Decision(
            False,
            [UNDEFINED_ACTION_POLICY],
            [
                f"The access policies do not define the action {EVALUATION_ACTION!r} yet, so "
                "nobody may produce the evaluation return (deny by default)."
            ],
        )
    return decide(principal, EVALUATION_ACTION, Resource.service(), Context(purpose=ACCESS_PURPOSE))


def _agreement(name: str, recipient: str) -> tuple[str, list[str]]:
    """Check the agreement is in the register and names the recipient; returns its title."""
    from familyhub.governance.agreements import find_agreement, load_agreements

    agreement = find_agreement(load_agreements(), name)
    if agreement is None:
        raise EvaluationRefusedError(
            f"No data sharing agreement {name!r} in the register; the return may only go "
            "under an agreement that covers it."
        )
    parties = agreement.organisations
    if recipient.casefold() not in {p.casefold() for p in parties}:
        raise EvaluationRefusedError(
            f"{recipient!r} is not a party to {agreement.name!r} (parties: {', '.join(parties)})."
        )
    warnings = []
    if agreement.review_overdue(date.today()):
        warnings.append(f"agreement {agreement.name} was due for review on {agreement.review_date}")
    return agreement.name, warnings


def produce_evaluation_return(
    *,
    session: Session,
    principal: Principal,
    data: InsightData,
    recipient: str,
    agreement: str,
    out: Path,
    identifiers: pa.Table | None = None,
    request_id: str | None = None,
    keys_dir: Path | None = None,
) -> EvaluationOutcome:
    """Decide, check, write, register and audit; refusals are audited too.

    ``identifiers`` default to the golden record's (read only once the request is allowed).
    The caller commits the session even on :class:`EvaluationRefusedError`, so that the
    refusal stays in the audit log.
    """
    details: dict[str, Any] = {"recipient": recipient, "agreement": agreement, "file": str(out)}
    actor = Actor(
        user_id=principal.user_id,
        username=principal.username,
        organisation_id=principal.organisation_id,
        roles=tuple(sorted(principal.roles)),
    )
    decision = _decision(principal)
    try:
        if not decision.allowed:
            raise EvaluationRefusedError(" ".join(decision.reasons))
        if not recipient.strip() or not agreement.strip():
            raise EvaluationRefusedError("Name the recipient and the agreement.")
        agreement_name, warnings = _agreement(agreement, recipient)
    except EvaluationRefusedError as exc:
        record(
            session,
            actor=actor,
            action=AUDIT_ACTION,
            records=[],
            decision="refused" if decision.allowed else decision,
            policy_ids=decision.policy_ids,
            purpose=ACCESS_PURPOSE,
            request_id=request_id,
            details={**details, "reason": str(exc)},
            keys_dir=keys_dir,
        )
        raise
    key = current_purpose_key(session=session, purpose=EVALUATION_PURPOSE, keys_dir=keys_dir)
    if identifiers is None:
        identifiers = load_identifiers(session=session)
    eligible = eligible_families(data)
    rows, person_ids = build_return_rows(data, identifiers, eligible, Pseudonymiser(key))
    if not rows:
        raise InsightRefusedError("No family is eligible, so there is nothing to return.")
    digest = write_csv_rows(out, RETURN_COLUMNS, rows)
    with removed_on_failure(out):
        output, families = _register_and_audit(
            session=session, principal=principal, actor=actor, decision=decision, out=out,
            digest=digest, rows=rows, person_ids=person_ids, key_version=key.version,
            recipient=recipient, agreement_name=agreement_name, warnings=warnings, data=data,
            details=details, request_id=request_id, keys_dir=keys_dir,
        )  # fmt: skip
    return EvaluationOutcome(output=output, families=families, people=len(rows), warnings=warnings)


def _register_and_audit(
    *,
    session: Session,
    principal: Principal,
    actor: Actor,
    decision: Decision,
    out: Path,
    digest: str,
    rows: list[dict[str, str]],
    person_ids: list[str],
    key_version: int,
    recipient: str,
    agreement_name: str,
    warnings: list[str],
    data: InsightData,
    details: dict[str, Any],
    request_id: str | None,
    keys_dir: Path | None,
) -> tuple[InsightOutput, int]:
    families = len({row["family_reference"] for row in rows})
    output = register_output(
        session=session,
        kind="evaluation_return",
        purpose=EVALUATION_PURPOSE,
        actor=principal.username,
        path=out,
        sha256=digest,
        row_count=len(rows),
        key_version=key_version,
        recipient=recipient,
        agreement=agreement_name,
        parameters={"as_of": data.as_of.isoformat()},
        summary={"families": families, "people": len(rows), "warnings": warnings},
    )
    record(
        session,
        actor=actor,
        action=AUDIT_ACTION,
        records=[f"person:{p}" for p in person_ids],
        decision=decision,
        purpose=ACCESS_PURPOSE,
        request_id=request_id,
        details={**details, "agreement": agreement_name, "sha256": digest, "rows": len(rows)},
        keys_dir=keys_dir,
    )
    return output, families
