"""Reading awkward files: each problem gives a message naming the file and row."""

import json
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from familyhub.sources.contract import FileFormat
from familyhub.sources.readers import FileRefusedError, open_extract

CSV = FileFormat(type="csv")


def _rows(path: Path, fmt: FileFormat = CSV) -> tuple[list[str], list]:
    opened = open_extract(path, fmt)
    return opened.header, list(opened.rows)


def test_empty_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(b"")
    with pytest.raises(FileRefusedError, match=r"x\.csv: the file is empty"):
        open_extract(path, CSV)


def test_binary_file_renamed_csv_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "photo.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 10)
    with pytest.raises(FileRefusedError, match="binary file"):
        open_extract(path, CSV)


def test_byte_order_mark_is_not_part_of_the_first_column(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes("\ufeffid,name\r\n1,Zoë\r\n".encode())
    header, rows = _rows(path)
    assert header == ["id", "name"]
    assert rows[0].values == ["1", "Zoë"]


def test_wrong_encoding_names_the_row_and_suggests_cp1252(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes("id,name\n1,Ann\n2,Zoë\n".encode("cp1252"))
    with pytest.raises(
        FileRefusedError, match=r"line 3: bytes that are not valid utf-8 \(is it cp1252"
    ):
        _rows(path)
    _header, rows = _rows(path, FileFormat(type="csv", encoding="cp1252"))
    assert rows[1].values == ["2", "Zoë"]


def test_quoted_newlines_stay_in_one_field_and_rows_count_records(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text('id,address\n1,"14 Larch Avenue\nNorthtown"\n2,"9 Mill Lane"\n')
    _, rows = _rows(path)
    assert [r.number for r in rows] == [2, 3]
    assert rows[0].values[1] == "14 Larch Avenue\nNorthtown"


def test_a_10_mb_field_is_read(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    big = "x" * (10 * 1024 * 1024)
    path.write_text(f'id,notes\n1,"{big}"\n2,short\n')
    _, rows = _rows(path)
    assert len(rows[0].values[1]) == len(big)
    assert rows[1].values == ["2", "short"]


def test_a_row_of_5000_columns_is_a_bad_row_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("id,name\n1,Ann\n" + ",".join(["v"] * 5000) + "\n3,Bea\n")
    _, rows = _rows(path)
    assert rows[1].error == "the row has 5000 fields but the header has 2"
    assert rows[2].values == ["3", "Bea"]


def test_truncated_file_quarantines_the_broken_last_row(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text('id,name\n1,Ann\n2,"Be')
    _, rows = _rows(path)
    assert rows[0].values == ["1", "Ann"]
    assert rows[1].number == 3
    assert "truncated" in (rows[1].error or "")


def test_json_lines_with_nulls_flags_and_a_broken_line(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    lines = [
        json.dumps({"id": "A1", "postcode": None, "marac": True}),
        json.dumps({"id": "A2", "postcode": "NS1 1AB", "marac": False}),
        '{"id": "A3", "postc',
    ]
    path.write_text("\n".join(lines) + "\n")
    header, rows = _rows(path, FileFormat(type="jsonl"))
    assert header == ["id", "postcode", "marac"]
    assert rows[0].values == ["A1", "", "true"]
    assert rows[1].values == ["A2", "NS1 1AB", "false"]
    assert rows[2].number == 4
    assert "not valid JSON" in (rows[2].error or "")


def test_xlsx_date_cells_become_iso_dates(tmp_path: Path) -> None:
    from datetime import datetime

    path = tmp_path / "x.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Episodes"
    sheet.append(["Episode ID", "Date of Birth", "Children"])
    sheet.append(["EP1", datetime(1990, 5, 12), 2])
    book.save(path)
    header, rows = _rows(path, FileFormat(type="xlsx", sheet="Episodes"))
    assert header == ["Episode ID", "Date of Birth", "Children"]
    assert rows[0].values == ["EP1", "1990-05-12", "2"]
    with pytest.raises(FileRefusedError, match="no sheet 'Data'"):
        open_extract(path, FileFormat(type="xlsx", sheet="Data"))


def test_csv_renamed_xlsx_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.xlsx"
    path.write_text("id,name\n1,Ann\n")
    with pytest.raises(FileRefusedError, match="not an XLSX workbook"):
        open_extract(path, FileFormat(type="xlsx"))


def test_parquet(tmp_path: Path) -> None:
    path = tmp_path / "x.parquet"
    pq.write_table(pa.table({"id": ["P1", "P2"], "n": [1, None]}), path)
    header, rows = _rows(path, FileFormat(type="parquet"))
    assert header == ["id", "n"]
    assert [r.values for r in rows] == [["P1", "1"], ["P2", ""]]
