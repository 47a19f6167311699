"""Readers for the formats partners send: CSV (any delimiter/encoding), XLSX, Parquet, JSON lines.

Every reader yields the same thing: a header (list of column names) and rows of strings, each
with its row number as a person would count it in the file (the header is row 1). Empty cells
are ``""``. Problems with the whole file raise :class:`FileRefusedError`; problems with one row
come back as a :class:`RawRow` with ``error`` set, so the row can be quarantined and the rest
loaded.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from familyhub.sources.contract import FileFormat

# A 10 MB field is legal CSV; the per-field limits in normalisation decide what loads.
csv.field_size_limit(256 * 1024 * 1024)
_SNIFF_BYTES = 64 * 1024


class FileRefusedError(Exception):
    """The whole file cannot be read under its contract; nothing from it is loaded."""


@dataclass(slots=True)
class RawRow:
    number: int
    values: list[str]
    error: str | None = None
    raw: dict[str, Any] | None = field(default=None)


@dataclass
class OpenExtract:
    header: list[str]
    rows: Iterator[RawRow]
    notes: list[str]
    close: Callable[[], None] = field(default=lambda: None)


def open_extract(path: Path, fmt: FileFormat) -> OpenExtract:
    """Open ``path`` as ``fmt`` says; FileRefusedError if empty, binary or unreadable."""
    size = path.stat().st_size
    if size == 0:
        raise FileRefusedError(f"{path.name}: the file is empty (0 bytes)")
    with path.open("rb") as handle:
        head = handle.read(_SNIFF_BYTES)
    if fmt.type in ("csv", "jsonl") and b"\x00" in head:
        raise FileRefusedError(
            f"{path.name}: this is a binary file, not {fmt.type.upper()} text "
            "(it contains NUL bytes); was another file renamed?"
        )
    if fmt.type == "csv":
        return _open_csv(path, fmt)
    if fmt.type == "jsonl":
        return _open_jsonl(path, fmt)
    if fmt.type == "xlsx":
        return _open_xlsx(path, fmt)
    return _open_parquet(path)


def _text_encoding(fmt: FileFormat) -> str:
    # A UTF-8 byte-order mark is common from Excel; treat it as part of the encoding.
    return "utf-8-sig" if codecs.lookup(fmt.encoding).name == "utf-8" else fmt.encoding


def _decode_error(path: Path, fmt: FileFormat, exc: UnicodeDecodeError) -> FileRefusedError:
    hint = " (is it cp1252 / Windows text?)" if codecs.lookup(fmt.encoding).name == "utf-8" else ""
    line, snippet = _locate_bad_bytes(path, _text_encoding(fmt))
    return FileRefusedError(
        f"{path.name}: line {line}: bytes that are not valid {fmt.encoding}{hint}: "
        f"{exc.reason} in {snippet!r}; the contract says encoding: {fmt.encoding}"
    )


def _locate_bad_bytes(path: Path, encoding: str) -> tuple[int, bytes]:
    # The text layer decodes in blocks, so its error has no line number: find it again.
    decoder = codecs.getincrementaldecoder(encoding)()
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            try:
                decoder.decode(line)
            except UnicodeDecodeError as exc:
                return number, line[max(0, exc.start - 10) : exc.end + 10]
    return 0, b""


def _open_csv(path: Path, fmt: FileFormat) -> OpenExtract:
    handle = path.open("r", encoding=_text_encoding(fmt), newline="", errors="strict")
    reader = csv.reader(handle, delimiter=fmt.delimiter, quotechar=fmt.quotechar, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        handle.close()
        raise FileRefusedError(f"{path.name}: the file has no header row") from None
    except UnicodeDecodeError as exc:
        handle.close()
        raise _decode_error(path, fmt, exc) from None
    except csv.Error as exc:
        handle.close()
        raise FileRefusedError(f"{path.name}: row 1: the header is not valid CSV: {exc}") from None
    header = [h.strip() for h in header]
    rows = _csv_rows(path, fmt, handle, reader, header)
    return OpenExtract(header=header, rows=rows, notes=[], close=handle.close)


def _csv_rows(
    path: Path, fmt: FileFormat, handle: io.TextIOBase, reader: Any, header: list[str]
) -> Iterator[RawRow]:
    width = len(header)
    number = 1
    try:
        while True:
            number += 1
            try:
                values = next(reader)
            except StopIteration:
                return
            except UnicodeDecodeError as exc:
                raise _decode_error(path, fmt, exc) from None
            except csv.Error as exc:
                # The parser cannot carry on after this (e.g. a quote left open at the end of
                # a truncated file): the row is quarantined and reading stops.
                yield RawRow(
                    number,
                    [],
                    f"not valid CSV ({exc}); the file may be truncated or mis-quoted",
                    {"line": reader.line_num},
                )
                return
            if len(values) != width:
                if not values or values == [""]:
                    continue  # a blank line
                yield RawRow(
                    number,
                    values,
                    f"the row has {len(values)} fields but the header has {width}",
                )
                continue
            yield RawRow(number, values)
    finally:
        handle.close()


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        if value.hour == value.minute == value.second == value.microsecond == 0:
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _open_jsonl(path: Path, fmt: FileFormat) -> OpenExtract:
    handle = path.open("r", encoding=_text_encoding(fmt), errors="strict")
    header: list[str] = []
    first: RawRow | None = None
    number = 1  # there is no header line: the first object is row 2 as in a CSV
    try:
        for line in handle:
            number += 1
            if not line.strip():
                continue
            first = _json_row(number, line, None)
            if first.raw is not None and first.error is None:
                header = list(first.raw)
            break
    except UnicodeDecodeError as exc:
        handle.close()
        raise _decode_error(path, fmt, exc) from None
    if first is None:
        handle.close()
        raise FileRefusedError(f"{path.name}: the file has no JSON objects")
    if not header:
        handle.close()
        raise FileRefusedError(f"{path.name}: row {number}: {first.error}")

    def rows() -> Iterator[RawRow]:
        nonlocal number
        try:
            yield _json_row(first.number, "", header, parsed=first.raw)
            for line in handle:
                number += 1
                if line.strip():
                    yield _json_row(number, line, header)
        except UnicodeDecodeError as exc:
            raise _decode_error(path, fmt, exc) from None
        finally:
            handle.close()

    return OpenExtract(header=header, rows=rows(), notes=[], close=handle.close)


def _json_row(
    number: int, line: str, header: list[str] | None, parsed: dict[str, Any] | None = None
) -> RawRow:
    if parsed is None:
        try:
            parsed = json.loads(line)
        except json.JSONDecodeError as exc:
            return RawRow(number, [], f"not valid JSON ({exc.msg}); truncated?", {"line": line})
        if not isinstance(parsed, dict):
            return RawRow(number, [], "each line must be a JSON object", {"line": line})
    if header is None:
        return RawRow(number, [], None, parsed)
    return RawRow(number, [_cell_text(parsed.get(key)) for key in header], None, None)


def _open_xlsx(path: Path, fmt: FileFormat) -> OpenExtract:
    import openpyxl

    if not zipfile.is_zipfile(path):
        raise FileRefusedError(f"{path.name}: this is not an XLSX workbook (not a zip package)")
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged package
        raise FileRefusedError(f"{path.name}: the workbook cannot be opened: {exc}") from None
    if fmt.sheet is not None and fmt.sheet not in book.sheetnames:
        book.close()
        raise FileRefusedError(
            f"{path.name}: no sheet {fmt.sheet!r}; the workbook has {book.sheetnames}"
        )
    sheet = book[fmt.sheet] if fmt.sheet else book.worksheets[0]
    cells = sheet.iter_rows(values_only=True)
    try:
        header = [_cell_text(v).strip() for v in next(cells)]
    except StopIteration:
        book.close()
        raise FileRefusedError(f"{path.name}: the sheet is empty") from None
    while header and header[-1] == "":
        header.pop()
    width = len(header)

    def rows() -> Iterator[RawRow]:
        try:
            for number, values in enumerate(cells, start=2):
                texts = [_cell_text(v) for v in values]
                if not any(texts):
                    continue
                extra = texts[width:]
                if any(extra):
                    yield RawRow(
                        number, texts, f"the row has values beyond the {width} headed columns"
                    )
                    continue
                texts = texts[:width] + [""] * (width - len(texts))
                yield RawRow(number, texts)
        finally:
            book.close()

    return OpenExtract(header=header, rows=rows(), notes=[], close=book.close)


def _open_parquet(path: Path) -> OpenExtract:
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow's ArrowInvalid and friends
        raise FileRefusedError(f"{path.name}: this is not a Parquet file: {exc}") from None
    header = list(parquet.schema_arrow.names)

    def rows() -> Iterator[RawRow]:
        number = 1
        for batch in parquet.iter_batches(batch_size=65_536):
            columns = [[_cell_text(v) for v in col.to_pylist()] for col in batch.columns]
            for values in zip(*columns, strict=True):
                number += 1
                yield RawRow(number, list(values))

    return OpenExtract(header=header, rows=rows(), notes=[])
