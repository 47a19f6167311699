"""Small synthetic partner extracts that tests write for themselves (no real people)."""

from __future__ import annotations

import csv
import random
from pathlib import Path

POLICE_HEADER = [
    "involvement_id", "incident_ref", "incident_date", "incident_type", "role", "nominal_id",
    "surname", "forenames", "dob", "sex", "address", "postcode", "nhs_number", "dash_risk",
]  # fmt: skip

SURNAMES = ["O'BRIEN", "KHAN-AHMED", "NOWAK", "SMITH", "OKAFOR", "CHEN", "JONES", "MURPHY"]
FORENAMES = ["Mary Anne", "Mohammed", "Zofia", "Siobhan", "Chidi", "Wei", "Rhys", "Aoife"]


def nhs_number(rng: random.Random) -> str:
    while True:
        digits = [rng.randint(0, 9) for _ in range(9)]
        check = 11 - sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
        if check == 11:
            check = 0
        if check != 10:
            return "".join(map(str, digits)) + str(check)


def police_row(i: int, rng: random.Random | None = None, **overrides: str) -> dict[str, str]:
    rng = rng or random.Random(i)
    incident = i // 3
    row = {
        "involvement_id": f"INV{i:09d}",
        "incident_ref": f"NP/2025/{incident:06d}",
        "incident_date": f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/2025",
        "incident_type": rng.choice(["DA", "DNC", "ASB", "THEFT"]),
        "role": ["VICTIM", "SUSPECT", "CHILD_PRESENT"][i % 3],
        "nominal_id": f"N{i:08d}",
        "surname": rng.choice(SURNAMES),
        "forenames": rng.choice(FORENAMES),
        "dob": f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(1960, 2020)}",
        "sex": rng.choice(["M", "F", "U"]),
        "address": f"{rng.randint(1, 99)} Larch Avenue, Northtown",
        "postcode": f"NS{rng.randint(1, 8)} {rng.randint(0, 9)}QD",
        "nhs_number": nhs_number(rng) if rng.random() < 0.5 else "",
        "dash_risk": "HIGH" if i % 3 == 0 else "",
    }
    row.update(overrides)
    return row


def write_police(path: Path, rows: list[dict[str, str]], *, header: list[str] | None = None,
                 delimiter: str = ",", encoding: str = "utf-8") -> Path:  # fmt: skip
    with path.open("w", newline="", encoding=encoding) as handle:
        writer = csv.DictWriter(handle, fieldnames=header or POLICE_HEADER, delimiter=delimiter,
                                extrasaction="ignore")  # fmt: skip
        writer.writeheader()
        writer.writerows(rows)
    return path


def police_file(folder: Path, n: int, *, name: str = "police_incidents_2026-09-30.csv",
                start: int = 1) -> Path:  # fmt: skip
    return write_police(folder / name, [police_row(i) for i in range(start, start + n)])
