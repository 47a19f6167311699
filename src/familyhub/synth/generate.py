"""``generate()``: build the population, every partner extract and the ground truth.

Every random draw comes from a stream derived from (seed, stream number), so the output
depends only on the seed and the number of people: same seed, same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa

from familyhub.synth import (
    sources_council,
    sources_education,
    sources_health,
    sources_police,
)
from familyhub.synth.arrays import where
from familyhub.synth.calendar import EXTRACT_DATE
from familyhub.synth.errors import apply_errors
from familyhub.synth.families import build_families
from familyhub.synth.identifiers import fmt_int, scattered
from familyhub.synth.layouts import LAYOUTS
from familyhub.synth.needs import build_spells
from familyhub.synth.places import build_schools
from familyhub.synth.population import build_population
from familyhub.synth.render import Ctx, s
from familyhub.synth.residence import build_residence
from familyhub.synth.rows import Rows, World
from familyhub.synth.truth import RecordsWriter, write_truth
from familyhub.synth.writers import write_table

GENERATOR_VERSION = "familyhub.synth/1"

Builder = Callable[[np.random.Generator, World], Rows]
BUILDERS: dict[str, Builder] = {
    "police_incidents": sources_police.police_incidents,
    "school_census": sources_education.school_census,
    "early_years": sources_education.early_years,
    "health_visiting": sources_health.health_visiting,
    "mental_health_referrals": sources_health.mental_health_referrals,
    "dwp_benefits": sources_council.dwp_benefits,
    "housing": sources_council.housing,
    "childrens_social_care": sources_council.childrens_social_care,
    "youth_justice": sources_council.youth_justice,
    "substance_misuse": sources_health.substance_misuse,
    "domestic_abuse_service": sources_police.domestic_abuse_service,
    "neet_tracking": sources_education.neet_tracking,
}
SOURCES = tuple(BUILDERS)


@dataclass
class GenerationResult:
    """What was written: row counts per file, relative to the output directory."""

    out: Path
    people: int
    seed: int
    files: dict[str, int] = field(default_factory=dict)


def _rng(seed: int, stream: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed, stream]))


def steps_for_progress() -> int:
    """How many times ``generate`` reports progress (for a progress bar's total)."""
    return 2 + len(SOURCES) + 1


def generate(
    *, people: int, seed: int, out: Path, on_step: Callable[[str], None] | None = None
) -> GenerationResult:
    """Write ``out/extracts/`` and ``out/truth/`` for a population of ``people``."""
    if people < 1:
        raise ValueError("people must be at least 1")
    report = on_step or (lambda _msg: None)
    extracts = out / "extracts"
    truth_dir = out / "truth"
    extracts.mkdir(parents=True, exist_ok=True)
    truth_dir.mkdir(parents=True, exist_ok=True)

    pop = build_population(_rng(seed, 1), people)
    residence = build_residence(_rng(seed, 2), pop)
    families = build_families(pop)
    spells = build_spells(_rng(seed, 3), pop, families)
    world = World(
        pop=pop,
        residence=residence,
        families=families,
        spells=spells,
        schools=build_schools(_rng(seed, 4), people),
    )
    report("population")
    result = GenerationResult(out=out, people=people, seed=seed)
    records = RecordsWriter(truth_dir / "records.csv")
    evidence: list[tuple[np.ndarray, np.ndarray]] = []
    for k, source in enumerate(SOURCES):
        rows = BUILDERS[source](_rng(seed, 100 + k), world)
        table, record_table, ev = _extract(source, rows, world, _rng(seed, 200 + k))
        layout = LAYOUTS[source]
        write_table(table, extracts / layout.file_name, layout.fmt)
        result.files[f"extracts/{layout.file_name}"] = table.num_rows
        records.write(record_table)
        del table, record_table, rows
        evidence.extend(ev)
        report(source)
    result.files["truth/records.csv"] = records.close()
    result.files.update(write_truth(truth_dir, world, evidence))
    report("truth")
    manifest = {
        "generator": GENERATOR_VERSION,
        "seed": seed,
        "people": people,
        "extract_date": str(EXTRACT_DATE),
        "files": result.files,
    }
    (truth_dir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", "utf-8")
    report("done")
    return result


def _extract(
    source: str, rows: Rows, world: World, rng: np.random.Generator
) -> tuple[pa.Table, pa.Table, list[tuple[np.ndarray, np.ndarray]]]:
    """Render one source: its table, its truth records, and (spell, evidence) pairs."""
    layout = LAYOUTS[source]
    rows, ident = apply_errors(rng, world, source, rows)
    order = np.lexsort((ident.record, rows.person, rows.group, rows.date))
    rows = rows.take(order)
    ident = ident.take(order)
    n = len(rows)
    record_id = fmt_int(np.arange(1, n + 1), layout.record_width, layout.record_prefix)
    n_records = len(ident.record_person)
    width = layout.partner_width
    partner_numbers = 10 ** (width - 1) + scattered(rng, n_records, 9 * 10 ** (width - 1))
    partner_of_record = fmt_int(partner_numbers, width, layout.partner_prefix)
    partner_id = partner_of_record[ident.record]
    ctx = Ctx(
        rows=rows,
        ident=ident,
        world=world,
        record_id=s(record_id),
        partner_id=s(partner_id),
        partner_id_of_record=partner_of_record,
    )
    table = pa.table(layout.render(ctx))
    truth = pa.table(
        {
            "source": pa.array(np.full(n, source, dtype=object), type=pa.string()),
            "record_id": s(record_id),
            "person_id": s(fmt_int(rows.person + 1, 8, "S")),
            "partner_person_id": s(partner_id),
            "event_date": pa.array(rows.date, type=pa.date32()),
            "errors": s(where(ident.errors == "", None, ident.errors)),
        }
    )
    ev = []
    for spell in (rows.spell, rows.spell2):
        has = np.flatnonzero(spell >= 0)
        ev.append((spell[has], (source + ":") + record_id[has]))
    return table, truth, ev
