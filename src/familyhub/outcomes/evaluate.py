"""How good the needs are, measured against a synthetic population's truth.

Each true family (``truth/families.csv``, members current at the extract date) is matched to
the assessed family sharing most of its members. A need counts as found when the matched
family has it; a need on a family that matches no true family, or that the true family does
not have, is a false one. Eligibility is right when the true family has three or more needs
exactly when its matched family is eligible (a true family matched to nothing is "not
eligible").
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from familyhub.families.models import FamilyMember
from familyhub.outcomes.headline import BY_NUMBER, HEADLINE_OUTCOMES
from familyhub.outcomes.models import FamilyAssessment, FamilyNeed


@dataclass
class NeedQuality:
    need: str
    true: int
    found: int
    right: int

    @property
    def precision(self) -> float:
        return self.right / self.found if self.found else 1.0

    @property
    def recall(self) -> float:
        return self.right / self.true if self.true else 1.0


@dataclass
class Quality:
    true_families: int
    matched_families: int
    eligibility_right: int
    true_eligible: int
    found_eligible: int
    needs: list[NeedQuality] = field(default_factory=list)

    @property
    def eligibility_accuracy(self) -> float:
        return self.eligibility_right / self.true_families if self.true_families else 1.0

    def lines(self) -> list[str]:
        out = [
            f"true families {self.true_families}, matched {self.matched_families}; "
            f"eligible: true {self.true_eligible}, found {self.found_eligible}; "
            f"eligibility right for {self.eligibility_accuracy:.4f} of families",
            f"{'need':<22} {'true':>6} {'found':>6} {'right':>6} {'precision':>9} {'recall':>7}",
        ]
        for q in self.needs:
            out.append(
                f"{q.need:<22} {q.true:>6} {q.found:>6} {q.right:>6} "
                f"{q.precision:>9.4f} {q.recall:>7.4f}"
            )
        return out


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def evaluate(session: Session, truth_dir: Path, *, min_needs: int = 3) -> Quality:
    true_members: dict[str, set[str]] = defaultdict(set)
    for row in _read(truth_dir / "families.csv"):
        if not row["to_date"]:
            true_members[row["family_id"]].add(row["person_id"])
    true_needs: dict[str, set[str]] = defaultdict(set)
    for row in _read(truth_dir / "needs.csv"):
        true_needs[row["family_id"]].add(BY_NUMBER[int(row["need_number"])].key)

    family_of: dict[str, str] = {}
    for family_id, person_id in session.execute(
        select(FamilyMember.family_id, FamilyMember.person_id).where(
            FamilyMember.valid_to.is_(None), FamilyMember.role != "non_resident_parent"
        )
    ):
        family_of[person_id] = family_id
    found_needs: dict[str, set[str]] = defaultdict(set)
    for family_id, need in session.execute(select(FamilyNeed.family_id, FamilyNeed.need)):
        found_needs[family_id].add(need)
    eligible = {
        f
        for (f,) in session.execute(
            select(FamilyAssessment.family_id).where(FamilyAssessment.eligible.is_(True))
        )
    }

    match: dict[str, str] = {}
    for true_id, members in true_members.items():
        overlap = Counter(family_of[p] for p in members if p in family_of)
        if overlap:
            match[true_id] = max(sorted(overlap), key=lambda f: overlap[f])
    matched_ours = set(match.values())

    qualities = []
    for outcome in HEADLINE_OUTCOMES:
        need = outcome.key
        true = sum(need in n for n in true_needs.values())
        right = sum(
            1
            for t, n in true_needs.items()
            if need in n and need in found_needs.get(match.get(t, ""), set())
        )
        found_on_matched = sum(
            1 for t in true_members if need in found_needs.get(match.get(t, ""), set())
        )
        found_unmatched = sum(
            1 for f, n in found_needs.items() if need in n and f not in matched_ours
        )
        qualities.append(NeedQuality(need, true, found_on_matched + found_unmatched, right))
    right = 0
    true_eligible = 0
    for true_id in true_members:
        truly = len(true_needs.get(true_id, set())) >= min_needs
        true_eligible += truly
        right += truly == (match.get(true_id) in eligible)
    return Quality(
        true_families=len(true_members),
        matched_families=len(match),
        eligibility_right=right,
        true_eligible=true_eligible,
        found_eligible=len(eligible),
        needs=qualities,
    )
