"""The register of data sharing agreements.

Each agreement carries what the ICO's data sharing code expects one to cover: the parties and
whether any are joint controllers, the purpose, the data items, the lawful basis with special
category and criminal offence conditions, the legal gateways, how individuals' rights are
handled, accuracy, retention and deletion, security, and review and termination. Every source
contract names one of these (by ``name`` or by its full ``title``); one past its review date
is flagged.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from familyhub.governance.settings import GovernanceSettings


class AgreementError(ValueError):
    """An agreement file that cannot be read or does not say what the code expects."""


class Party(BaseModel):
    model_config = ConfigDict(extra="forbid")

    organisation: str
    role: Literal["controller", "joint_controller", "processor"] = "controller"
    contact: str = Field(description="Who at the organisation answers for this agreement.")


class LawfulBasis(BaseModel):
    model_config = ConfigDict(extra="forbid")

    article_6: list[str] = Field(min_length=1, description="UK GDPR Art 6(1) bases.")
    article_9: list[str] = Field(
        default_factory=list, description="Art 9(2) conditions for special category data."
    )
    article_10: list[str] = Field(
        default_factory=list,
        description="Art 10 / DPA 2018 Sch 1 conditions for criminal offence data.",
    )


class SharingAgreement(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str
    version: str
    parties: list[Party] = Field(min_length=2)
    joint_controllers: bool
    purpose: str
    data_items: list[str] = Field(min_length=1)
    lawful_basis: LawfulBasis
    legal_gateways: list[str] = Field(min_length=1)
    individual_rights: str = Field(description="How the parties handle rights requests.")
    accuracy: str
    retention: str
    security: str
    signed_on: date
    review_date: date
    termination: str

    def review_overdue(self, today: date) -> bool:
        return self.review_date < today

    @property
    def organisations(self) -> list[str]:
        return [party.organisation for party in self.parties]


def load_agreement(path: Path) -> SharingAgreement:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return SharingAgreement.model_validate(raw)
    except (OSError, yaml.YAMLError) as exc:
        raise AgreementError(f"{path}: cannot read: {exc}") from exc
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise AgreementError(f"{path}: {problems}") from exc


def load_agreements(settings: GovernanceSettings | None = None) -> dict[str, SharingAgreement]:
    """Every agreement by name: the shipped ones, then the council's (which may replace)."""
    settings = settings or GovernanceSettings()
    register: dict[str, SharingAgreement] = {}
    for folder in settings.agreement_dirs:
        for path in sorted(folder.glob("*.y*ml")):
            agreement = load_agreement(path)
            if path.stem != agreement.name:
                raise AgreementError(f"{path}: file name must be {agreement.name}.yaml")
            register[agreement.name] = agreement
    return register


def find_agreement(
    agreements: dict[str, SharingAgreement], reference: str
) -> SharingAgreement | None:
    """The agreement a contract names, by its ``name`` or by its full ``title``."""
    if reference in agreements:
        return agreements[reference]
    wanted = " ".join(reference.split()).casefold()
    for agreement in agreements.values():
        if " ".join(agreement.title.split()).casefold() == wanted:
            return agreement
    return None


def overdue_for_review(
    agreements: dict[str, SharingAgreement], *, today: date
) -> list[SharingAgreement]:
    return sorted(
        (a for a in agreements.values() if a.review_overdue(today)), key=lambda a: a.review_date
    )
