"""Output files: written whole under their name, or not at all."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from familyhub.insight.service import removed_on_failure, write_csv_rows, write_table


def test_csv_is_written_atomically_with_its_digest(tmp_path: Path) -> None:
    out = tmp_path / "sub" / "counts.csv"
    digest = write_csv_rows(out, ["area", "families"], [{"area": "NS1", "families": "c"}])
    assert out.read_text().splitlines() == ["area,families", "NS1,c"]
    assert len(digest) == 64
    assert [p.name for p in out.parent.iterdir()] == ["counts.csv"]  # no temporary left


def test_a_file_whose_recording_fails_is_removed(tmp_path: Path) -> None:
    out = tmp_path / "extract.parquet"
    write_table(out, pa.table({"x": [1, 2]}))
    with pytest.raises(RuntimeError), removed_on_failure(out):
        raise RuntimeError("the register could not be written")
    assert not out.exists()


def test_a_failed_write_leaves_nothing(tmp_path: Path) -> None:
    out = tmp_path / "bad.csv"
    with pytest.raises(ValueError, match="dict contains fields not in fieldnames"):
        write_csv_rows(out, ["a"], [{"a": "1", "b": "2"}])
    assert list(tmp_path.iterdir()) == []
