"""The ground truth files: people, records, households, families and needs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from familyhub.synth.arrays import where
from familyhub.synth.calendar import WINDOW_START
from familyhub.synth.families import FAMILY_ROLES
from familyhub.synth.identifiers import fmt_int
from familyhub.synth.names import GROUPS
from familyhub.synth.needs import NEED_NAMES
from familyhub.synth.render import s
from familyhub.synth.rows import World


def _date(values: np.ndarray) -> pa.Array:
    return pa.array(np.asarray(values, dtype="datetime64[D]"), type=pa.date32(), from_pandas=True)


def _write(table: pa.Table, path: Path) -> int:
    pacsv.write_csv(table, path, write_options=pacsv.WriteOptions(quoting_style="needed"))
    return table.num_rows


def person_ids(index: np.ndarray) -> pa.Array:
    return s(fmt_int(index + 1, 8, "S"))


def people_table(w: World) -> pa.Table:
    pop = w.pop
    n = len(pop)
    mb = pop.multiple_birth
    return pa.table(
        {
            "person_id": person_ids(np.arange(n)),
            "forename": s(pop.forename),
            "middle_name": s(pop.middle),
            "surname": s(pop.surname),
            "birth_surname": s(pop.birth_surname),
            "surname_changed_on": _date(pop.surname_changed_on),
            "sex": s(np.where(pop.sex == 0, "M", "F").astype(object)),
            "dob": _date(pop.dob),
            "name_origin": s(np.array(GROUPS, dtype=object)[pop.group]),
            "nhs_number": s(pop.nhs),
            "ni_number": s(pop.nino),
            "upn": s(pop.upn),
            "multiple_birth_id": s(where(mb >= 0, fmt_int(np.maximum(mb, 0) + 1, 6, "MB"), None)),
            "expected_due_date": _date(pop.due_date),
        }
    )


def households_table(w: World) -> pa.Table:
    pop = w.pop
    res = w.residence
    d = res.dwellings
    n = len(pop)
    person = np.arange(n)
    born_in_window = pop.dob >= WINDOW_START
    moved = res.earlier >= 0
    m = np.flatnonzero(moved)
    hh_person = np.concatenate([m, person])
    hh_id = np.concatenate([res.earlier_household[m], pop.household])
    dwelling = np.concatenate([res.earlier[m], res.current])
    start = np.concatenate(
        [
            np.where(born_in_window[m], pop.dob[m], np.datetime64("NaT")),
            np.where(moved, res.switch, np.where(born_in_window, pop.dob, np.datetime64("NaT"))),
        ]
    ).astype("datetime64[D]")
    end = np.concatenate([res.switch[m], np.full(n, np.datetime64("NaT"))]).astype("datetime64[D]")
    order = np.lexsort((np.nan_to_num(start.astype("int64")), hh_person, hh_id))
    return pa.table(
        {
            "household_id": s(fmt_int(hh_id[order] + 1, 7, "HH")),
            "person_id": person_ids(hh_person[order]),
            "uprn": s(d.uprn[dwelling[order]]),
            "address": s(d.line[dwelling[order]] + ", " + d.town[dwelling[order]]),
            "postcode": s(d.postcode[dwelling[order]]),
            "from_date": _date(start[order]),
            "to_date": _date(end[order]),
        }
    )


def families_table(w: World) -> pa.Table:
    fam = w.families
    member = np.flatnonzero(fam.role >= 0)
    family = fam.of_household[w.pop.household[member]]
    order = np.lexsort((member, family))
    member, family = member[order], family[order]
    return pa.table(
        {
            "family_id": s(fmt_int(family + 1, 6, "F")),
            "person_id": person_ids(member),
            "role": s(np.array(FAMILY_ROLES, dtype=object)[fam.role[member]]),
            "from_date": _date(fam.start[member]),
            "to_date": _date(np.full(len(member), np.datetime64("NaT"), dtype="datetime64[D]")),
        }
    )


def needs_table(w: World, evidence: list[tuple[np.ndarray, np.ndarray]]) -> pa.Table:
    """Need spells with their evidence rows; spells that found no evidence are left out."""
    sp = w.spells
    spell = np.concatenate([e[0] for e in evidence]) if evidence else np.zeros(0, np.int64)
    text = np.concatenate([e[1] for e in evidence]) if evidence else np.zeros(0, object)
    order = np.lexsort((text.astype(str), spell)) if len(spell) else np.zeros(0, np.int64)
    spell, text = spell[order], text[order]
    present, starts = np.unique(spell, return_index=True)
    chunks = np.split(text, starts[1:]) if len(spell) else []
    joined = np.array([";".join(c) for c in chunks], dtype=object)
    return pa.table(
        {
            "family_id": s(fmt_int(sp.family[present] + 1, 6, "F")),
            "person_id": person_ids(sp.subject[present]),
            "need_number": pa.array(sp.need[present], type=pa.int64()),
            "need_name": s(np.array([NEED_NAMES[int(k)] for k in sp.need[present]], dtype=object)),
            "from_date": _date(sp.start[present]),
            "to_date": _date(sp.end[present]),
            "evidence": s(joined),
        }
    )


class RecordsWriter:
    """``records.csv`` written source by source, so a million people's rows never pile up."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._writer: pacsv.CSVWriter | None = None
        self.rows = 0

    def write(self, table: pa.Table) -> None:
        if self._writer is None:
            self._writer = pacsv.CSVWriter(
                str(self._path),
                table.schema,
                write_options=pacsv.WriteOptions(quoting_style="needed", batch_size=65_536),
            )
        self._writer.write_table(table)
        self.rows += table.num_rows

    def close(self) -> int:
        if self._writer is not None:
            self._writer.close()
        return self.rows


def write_truth(
    directory: Path, w: World, evidence: list[tuple[np.ndarray, np.ndarray]]
) -> dict[str, int]:
    """Write the truth files other than records.csv; row counts keyed by relative path."""
    counts = {}
    counts["truth/people.csv"] = _write(people_table(w), directory / "people.csv")
    counts["truth/households.csv"] = _write(households_table(w), directory / "households.csv")
    counts["truth/families.csv"] = _write(families_table(w), directory / "families.csv")
    counts["truth/needs.csv"] = _write(needs_table(w, evidence), directory / "needs.csv")
    return counts
