"""Governance checks that tie the configuration together."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from familyhub.governance.agreements import SharingAgreement, find_agreement, overdue_for_review
from familyhub.governance.flows import SourceFlow


@dataclass(frozen=True)
class AgreementProblem:
    subject: str
    problem: str


def agreement_problems(
    flows: list[SourceFlow], agreements: dict[str, SharingAgreement], *, today: date
) -> list[AgreementProblem]:
    """Sources naming no known agreement, sources whose organisation is not a party to the
    agreement they name, and agreements past their review date."""
    problems: list[AgreementProblem] = []
    for flow in flows:
        agreement = find_agreement(agreements, flow.agreement)
        if agreement is None:
            problems.append(
                AgreementProblem(
                    flow.source,
                    f"names sharing agreement {flow.agreement!r}, which is not in "
                    f"the register ({', '.join(sorted(agreements)) or 'empty'})",
                )
            )
        elif flow.organisation not in agreement.organisations:
            problems.append(
                AgreementProblem(
                    flow.source, f"{flow.organisation} is not a party to {agreement.name}"
                )
            )
    for agreement in overdue_for_review(agreements, today=today):
        problems.append(
            AgreementProblem(
                agreement.name, f"review was due on {agreement.review_date}: past its review date"
            )
        )
    return problems
