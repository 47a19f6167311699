"""A small synthetic population for insight tests (Northshire's NS1-NS8 districts)."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pyarrow as pa

from familyhub.insight.dataset import (
    NEEDS_SCHEMA,
    PEOPLE_SCHEMA,
    SERVICES_SCHEMA,
    InsightData,
)

NEEDS = ["education", "health", "housing", "financial_stability", "domestic_abuse"]
AS_OF = date(2026, 9, 30)


def population(families: int = 400, seed: int = 7) -> InsightData:
    rng = random.Random(seed)
    people, needs, services = [], [], []
    for f in range(families):
        family_id = f"fam{f:05d}"
        district = f"NS{1 + f % 4}"
        postcode = f"{district} {rng.randint(1, 9)}AB"
        members = [("parent", 30)] + [("child", rng.randint(0, 16)) for _ in range(2)]
        for m, (role, age) in enumerate(members):
            person_id = f"per{f:05d}{m}"
            people.append(
                {
                    "person_id": person_id,
                    "family_id": family_id,
                    "role": role,
                    "date_of_birth": AS_OF - timedelta(days=365 * age + 100),
                    "sex": rng.choice("FM"),
                    "postcode": postcode,
                }
            )
            for need in rng.sample(NEEDS, rng.choice([0, 0, 1, 1, 2])):
                first = date(2025, rng.randint(1, 6), 1)
                needs.append(
                    {
                        "family_id": family_id,
                        "person_id": person_id,
                        "need": need,
                        "status": rng.choice(["open", "open", "improving", "resolved"]),
                        "first_evidence_date": first,
                        "last_evidence_date": first + timedelta(days=60),
                    }
                )
        services.append({"family_id": family_id, "service": rng.choice(["early_help", "cin"])})
    return InsightData(
        people=pa.Table.from_pylist(people, schema=PEOPLE_SCHEMA),
        needs=pa.Table.from_pylist(needs, schema=NEEDS_SCHEMA),
        services=pa.Table.from_pylist(services, schema=SERVICES_SCHEMA),
        as_of=AS_OF,
    )
