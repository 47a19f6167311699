"""Writing tables as partners do: CSV variants (pyarrow), XLSX (openpyxl), JSON lines."""

from __future__ import annotations

import io
import json
import re
import unicodedata
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from familyhub.synth.render import FileFormat

_NO_DECOMPOSITION = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D"})


def _plain(ch: str, encoding: str) -> str:
    plain = unicodedata.normalize("NFKD", ch.translate(_NO_DECOMPOSITION))
    kept = "".join(c for c in plain if not unicodedata.combining(c))
    return kept.encode(encoding, errors="replace").decode(encoding)


def to_legacy(text: str, encoding: str) -> bytes:
    """Encode for a legacy code page, dropping accents the code page lacks (ł -> l, ś -> s)."""
    missing = []
    for ch in sorted(set(text)):
        try:
            ch.encode(encoding)
        except UnicodeEncodeError:
            missing.append(ch)
    table = {ord(ch): _plain(ch, encoding) for ch in missing}
    return text.translate(table).encode(encoding, errors="replace")


def write_csv(table: pa.Table, path: Path, fmt: FileFormat) -> None:
    buffer = io.BytesIO()
    options = pacsv.WriteOptions(
        delimiter=fmt.delimiter,
        quoting_style=fmt.quoting,
        batch_size=65_536,
        eol="\r\n" if fmt.crlf else "\n",
        quoting_header="none" if fmt.quoting == "none" else "needed",
    )
    pacsv.write_csv(table, buffer, write_options=options)
    data = buffer.getvalue()
    if fmt.encoding.lower() not in ("utf-8", "utf8"):
        data = to_legacy(data.decode("utf-8"), fmt.encoding)
    if fmt.bom:
        data = b"\xef\xbb\xbf" + data
    path.write_bytes(data)


def write_xlsx(table: pa.Table, path: Path, sheet: str) -> None:
    """One sheet, header in row 1, dates as date cells; fixed metadata so bytes repeat."""
    import datetime as dt

    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    wb.properties.creator = "Northshire Recovery Partnership"
    fixed = dt.datetime(2026, 9, 30, 6, 0, 0)
    wb.properties.created = fixed
    wb.properties.modified = fixed
    ws = wb.create_sheet(sheet)
    ws.append(table.column_names)
    date_columns = [i for i, f in enumerate(table.schema) if pa.types.is_date(f.type)]
    columns = [c.to_pylist() for c in table.columns]
    for r in range(table.num_rows):
        row: list[object] = []
        for i, col in enumerate(columns):
            value = col[r]
            if i in date_columns and value is not None:
                cell = WriteOnlyCell(ws, value=value)
                cell.number_format = "DD/MM/YYYY"
                row.append(cell)
            else:
                row.append(value)
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    path.write_bytes(_fixed_zip_times(buffer.getvalue()))


def _fixed_zip_times(data: bytes) -> bytes:
    """Rewrite a zip so every member has the same timestamp (openpyxl stamps 'now')."""
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2026, 9, 30, 6, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                # openpyxl stamps the save time here whatever the workbook says.
                content = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                    rb"\g<1>2026-09-30T06:00:00Z\g<2>",
                    content,
                )
            dst.writestr(fixed, content)
    return out.getvalue()


def write_jsonl(table: pa.Table, path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        for row in table.to_pylist():
            handle.write(json.dumps(row, ensure_ascii=False, separators=(", ", ": ")) + "\n")


def write_table(table: pa.Table, path: Path, fmt: FileFormat) -> None:
    if fmt.kind == "csv":
        write_csv(table, path, fmt)
    elif fmt.kind == "xlsx":
        write_xlsx(table, path, fmt.sheet)
    elif fmt.kind == "jsonl":
        write_jsonl(table, path)
    else:
        raise ValueError(f"unknown format {fmt.kind}")
