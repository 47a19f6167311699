"""One synthetic population shared by the synth integration tests (a few thousand people)."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from openpyxl import load_workbook

from familyhub.synth.generate import GenerationResult, generate
from familyhub.synth.layouts import LAYOUTS

PEOPLE = 4000
SEED = 11


@dataclass
class Generated:
    out: Path
    result: GenerationResult

    def truth(self, name: str) -> list[dict[str, str]]:
        with (self.out / "truth" / f"{name}.csv").open(encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh))

    def extract(self, source: str) -> list[dict[str, object]]:
        """A partner file read the way its format says (delimiter, encoding, sheet, JSON)."""
        layout = LAYOUTS[source]
        path = self.out / "extracts" / layout.file_name
        fmt = layout.fmt
        if fmt.kind == "xlsx":
            sheet = load_workbook(path, read_only=True)[fmt.sheet]
            rows = list(sheet.iter_rows(values_only=True))
            header = [str(h) for h in rows[0]]
            return [dict(zip(header, r, strict=True)) for r in rows[1:]]
        if fmt.kind == "jsonl":
            return [json.loads(line) for line in path.read_text("utf-8").splitlines()]
        encoding = "utf-8-sig" if fmt.bom else fmt.encoding
        with path.open(encoding=encoding, newline="") as fh:
            return list(csv.DictReader(fh, delimiter=fmt.delimiter))


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    out = tmp_path_factory.mktemp("synth")
    return Generated(out=out, result=generate(people=PEOPLE, seed=SEED, out=out))
