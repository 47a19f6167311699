"""Rendering helpers: a partner's file format, the rendering context, text conversions."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from familyhub.synth.arrays import where
from familyhub.synth.errors import Identity
from familyhub.synth.identifiers import fmt_int
from familyhub.synth.rows import Rows, World


@dataclass(frozen=True)
class FileFormat:
    """How a partner writes its file."""

    kind: str  # csv, xlsx or jsonl
    delimiter: str = ","
    quoting: str = "needed"  # pyarrow quoting style: needed, all_valid, none
    encoding: str = "utf-8"
    bom: bool = False
    crlf: bool = False
    sheet: str = "Sheet1"


@dataclass
class Ctx:
    """What a renderer needs: the rows, the partner's identity per row, ids, the world."""

    rows: Rows
    ident: Identity
    world: World
    record_id: pa.Array
    partner_id: pa.Array  # per row
    partner_id_of_record: np.ndarray  # per partner record

    @property
    def n(self) -> int:
        return len(self.rows)

    def col(self, name: str) -> np.ndarray:
        return self.rows.cols[name]

    def dwelling(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        d = self.world.residence.dwellings
        i = self.ident.dwelling
        return d.line[i], d.town[i], d.postcode[i], d.uprn[i]


def s(values: np.ndarray | list[object]) -> pa.Array:
    """Strings, with None as null."""
    return pa.array(values, type=pa.string(), from_pandas=True)


def date_text(values: np.ndarray, fmt: str) -> pa.Array:
    """Dates as text in a partner's format (NaT -> null)."""
    ts = pa.array(
        np.asarray(values, dtype="datetime64[D]").astype("datetime64[s]"), from_pandas=True
    )
    return pc.strftime(ts, format=fmt)


def date_cells(values: np.ndarray) -> pa.Array:
    return pa.array(np.asarray(values, dtype="datetime64[D]"), type=pa.date32(), from_pandas=True)


def labels(names: list[str] | np.ndarray, codes: np.ndarray) -> pa.Array:
    """Text from a short list of labels by code (memory-light for millions of rows)."""
    return pa.array(list(names), type=pa.string()).take(pa.array(codes))


def ints(values: np.ndarray) -> pa.Array:
    v = np.asarray(values, dtype=np.int64)
    return pa.array(v, mask=v < 0)


def join(*parts: pa.Array | np.ndarray | str, sep: str = " ") -> pa.Array:
    """Element-wise join; null if any part is null."""
    arrays = [p if isinstance(p, pa.Array | str) else s(p) for p in parts]
    return pc.binary_join_element_wise(*arrays, sep)


def upper(values: np.ndarray | pa.Array) -> pa.Array:
    return pc.utf8_upper(values if isinstance(values, pa.Array) else s(values))


def ref(values: np.ndarray, width: int, prefix: str) -> pa.Array:
    v = np.asarray(values, dtype=np.int64)
    return pa.array(where(v >= 0, fmt_int(np.maximum(v, 0), width, prefix), None), type=pa.string())


def sex_code(ctx: Ctx, male: str, female: str, unknown: str | None = None) -> pa.Array:
    codes = np.where(ctx.ident.sex == 0, male, female).astype(object)
    if unknown is not None:
        codes = np.where(ctx.ident.forename == "UNKNOWN", unknown, codes)
    return s(codes)


def forenames(ctx: Ctx) -> pa.Array:
    """First name and any middle name, space separated."""
    middle = pc.fill_null(s(ctx.ident.middle), "")
    return pc.utf8_rtrim_whitespace(join(ctx.ident.forename, middle))


def ids(ctx: Ctx, kind: str) -> pa.Array:
    return s(ctx.ident.ids[kind])
