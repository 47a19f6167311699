"""Turn one raw row into a normalised source record, its events and what went wrong.

The contract is compiled once per file into a :class:`RowNormaliser`: column positions are
looked up once, and every standardiser is cached, so a row costs a few microseconds. Each
problem is an :class:`Issue` naming the field (the partner's column) and the reason; an issue
either drops one value (the row loads, the raw value stays in ``original``) or quarantines the
whole row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from familyhub.identity import (
    InvalidValueError,
    clean_name,
    match_name,
    normalise_email,
    normalise_nhs_number,
    normalise_ni_number,
    normalise_sex,
    normalise_upn,
    parse_date,
    parse_postcode,
    to_e164,
)
from familyhub.identity.addresses import clean_address
from familyhub.identity.fullnames import split_full_name
from familyhub.identity.numbers import normalise_uprn
from familyhub.sources.contract import Column, Contract
from familyhub.sources.events import CompiledEvent, compile_events, encode_json

# The normalised identity columns of source_record, in the order RowResult.fields holds them.
RECORD_FIELDS = (
    "given_name",
    "family_name",
    "other_names",
    "given_name_match",
    "family_name_match",
    "date_of_birth",
    "sex",
    "nhs_number",
    "ni_number",
    "upn",
    "address",
    "postcode",
    "postcode_sector",
    "postcode_district",
    "postcode_area",
    "uprn",
    "phone",
    "email",
)
_SLOT = {name: i for i, name in enumerate(RECORD_FIELDS)}
# Longer than this is not a value a partner meant to send: the row is quarantined whole.
MAX_VALUE_LENGTH = {"record_id": 64, "name": 200, "address": 500, "default": 320}
EARLIEST_BIRTH = date(1900, 1, 2)
# People recur in an extract (a pupil in every term's census, a child at every health visit):
# the identity part of a row is remembered by its raw cells, for this many distinct people.
IDENTITY_CACHE_SIZE = 300_000

ROW_QUARANTINED = "row_quarantined"
VALUE_DROPPED = "value_dropped"


@dataclass(slots=True)
class Issue:
    field: str
    reason: str
    action: str


@dataclass(slots=True)
class RowResult:
    record_id: str
    partner_person_id: str | None
    fields: list[Any]
    original: str
    events: list[tuple[Any, ...]]
    issues: list[Issue] = field(default_factory=list)
    quarantined: bool = False


class ColumnMissingError(Exception):
    def __init__(self, missing: list[str]) -> None:
        super().__init__(", ".join(missing))
        self.missing = missing


Handler = Callable[[list[str], list[Any], list[Issue]], None]


class RowNormaliser:
    """A contract compiled against one file's header."""

    def __init__(self, contract: Contract, header: list[str], *, today: date) -> None:
        self.contract = contract
        self.header = header
        positions = {name: i for i, name in enumerate(header)}
        missing = [c for c in contract.mapped_columns() if c not in positions]
        if missing:
            raise ColumnMissingError(missing)
        self._pos = positions
        self._today = today
        self._nulls = frozenset(v.strip() for v in contract.format.null_values) | {""}
        self._record_idx = positions[contract.record_id]
        self._partner_idx = (
            positions[contract.partner_person_id] if contract.partner_person_id else None
        )
        self._handlers: list[Handler] = []
        self._original_cols: list[tuple[str, int]] = []
        self._compile_identity()
        self._identity_idx = [idx for _, idx in self._original_cols]
        # raw identity cells -> (normalised fields, their issues, ``original`` as JSON)
        self._identity_cache: dict[tuple[str, ...], tuple[list[Any], list[Issue], str]] = {}
        self.events: list[CompiledEvent] = compile_events(contract, positions)

    # -- compiling ---------------------------------------------------------------------

    def _column(self, ref: str | Column) -> tuple[str, int, Column]:
        spec = ref if isinstance(ref, Column) else Column(column=ref)
        idx = self._pos[spec.column]
        self._original_cols.append((spec.column, idx))
        return spec.column, idx, spec

    def _value(self, values: list[str], idx: int, spec: Column) -> str | None:
        raw = values[idx]
        if raw in self._nulls or raw in spec.null_values:
            return None
        return raw

    def _simple(
        self,
        ref: str | Column | None,
        slot: str,
        parse: Callable[[str], Any],
        default_action: str = VALUE_DROPPED,
    ) -> None:
        if ref is None:
            return
        name, idx, spec = self._column(ref)
        action = spec.on_invalid or default_action
        slot_idx = _SLOT[slot]
        nulls = self._nulls | frozenset(spec.null_values)
        limit = MAX_VALUE_LENGTH["default"]

        def handle(values: list[str], out: list[Any], issues: list[Issue]) -> None:
            raw = values[idx]
            if raw in nulls:
                return
            if len(raw) > limit:
                issues.append(Issue(name, _too_long(raw), ROW_QUARANTINED))
                return
            try:
                out[slot_idx] = parse(raw)
            except InvalidValueError as exc:
                issues.append(Issue(name, exc.reason, action))

        self._handlers.append(handle)

    def _compile_identity(self) -> None:
        ident = self.contract.identity
        fmt = self.contract.format
        self._compile_names()
        if ident.date_of_birth is not None:
            spec = (
                ident.date_of_birth
                if isinstance(ident.date_of_birth, Column)
                else Column(column=ident.date_of_birth)
            )
            formats = tuple(spec.formats or fmt.date_formats)
            latest = self._today

            @lru_cache(maxsize=100_000)
            def dob(raw: str) -> str | None:
                # ISO text: what SQLAlchemy stores on SQLite and COPY reads on PostgreSQL.
                value = parse_date(raw, formats, earliest=EARLIEST_BIRTH, latest=latest)
                return value.isoformat() if value else None

            self._simple(spec, "date_of_birth", dob, ROW_QUARANTINED)
        if ident.sex is not None:
            codes = ident.sex.codes if isinstance(ident.sex, Column) else {}
            self._simple(ident.sex, "sex", lambda raw: normalise_sex(raw, codes))
        self._simple(ident.nhs_number, "nhs_number", normalise_nhs_number)
        self._simple(ident.ni_number, "ni_number", normalise_ni_number)
        self._simple(ident.upn, "upn", normalise_upn)
        self._simple(ident.uprn, "uprn", normalise_uprn)
        self._simple(ident.phone, "phone", to_e164)
        self._simple(ident.email, "email", normalise_email)
        self._compile_postcode()
        self._compile_address()

    def _compile_postcode(self) -> None:
        ref = self.contract.identity.postcode
        if ref is None:
            return
        name, idx, spec = self._column(ref)
        action = spec.on_invalid or VALUE_DROPPED
        first = _SLOT["postcode"]
        nulls = self._nulls | frozenset(spec.null_values)

        def handle(values: list[str], out: list[Any], issues: list[Issue]) -> None:
            raw = values[idx]
            if raw in nulls:
                return
            if len(raw) > 16:
                issues.append(Issue(name, f"{raw[:20]!r}... is not a UK postcode", action))
                return
            try:
                pc = parse_postcode(raw)
            except InvalidValueError as exc:
                issues.append(Issue(name, exc.reason, action))
                return
            if pc is not None:
                out[first : first + 4] = [pc.unit, pc.sector, pc.district, pc.area]

        self._handlers.append(handle)

    def _compile_address(self) -> None:
        ref = self.contract.identity.address
        if ref is None:
            return
        refs = ref if isinstance(ref, list) else [ref]
        cols = [self._column(r) for r in refs]
        slot = _SLOT["address"]
        get = self._value
        limit = MAX_VALUE_LENGTH["address"]

        def handle(values: list[str], out: list[Any], issues: list[Issue]) -> None:
            parts = [p for _, idx, spec in cols if (p := get(values, idx, spec))]
            if not parts:
                return
            line = ", ".join(parts)
            if len(line) > limit:
                issues.append(Issue(cols[0][0], _too_long(line), ROW_QUARANTINED))
                return
            out[slot] = clean_address(line)

        self._handlers.append(handle)

    def _compile_names(self) -> None:
        ident = self.contract.identity
        get = self._value
        limit = MAX_VALUE_LENGTH["name"]
        g, f, o = _SLOT["given_name"], _SLOT["family_name"], _SLOT["other_names"]
        gm, fm = _SLOT["given_name_match"], _SLOT["family_name_match"]
        if ident.full_name is not None:
            full = ident.full_name
            name, idx, spec = self._column(full.column)
            style = full.style

            def given_family(values: list[str], issues: list[Issue]) -> tuple[Any, Any, Any]:
                raw = get(values, idx, spec)
                if raw is None:
                    return None, None, None
                if len(raw) > limit:
                    issues.append(Issue(name, _too_long(raw), ROW_QUARANTINED))
                    return None, None, None
                given, family = split_full_name(raw, style)
                return given, family, None

        else:
            given_col = self._column(ident.given_name) if ident.given_name else None
            family_col = self._column(ident.family_name) if ident.family_name else None
            other_col = self._column(ident.other_names) if ident.other_names else None

            def given_family(values: list[str], issues: list[Issue]) -> tuple[Any, Any, Any]:
                out = []
                for col in (given_col, family_col, other_col):
                    raw = get(values, col[1], col[2]) if col else None
                    if raw is not None and len(raw) > limit:
                        issues.append(Issue(col[0], _too_long(raw), ROW_QUARANTINED))  # type: ignore[index]
                        raw = None
                    out.append(raw)
                return out[0], out[1], out[2]

        split_given = isinstance(ident.given_name, Column) and ident.given_name.split != "none"
        split_given = split_given or ident.full_name is not None

        def handle(values: list[str], out: list[Any], issues: list[Issue]) -> None:
            given_raw, family_raw, other_raw = given_family(values, issues)
            given = clean_name(given_raw)
            others = clean_name(other_raw)
            if given and split_given and " " in given:
                given, rest = given.split(" ", 1)
                others = f"{rest} {others}" if others else rest
            family = clean_name(family_raw)
            out[g], out[f], out[o] = given, family, others
            out[gm], out[fm] = match_name(given), match_name(family)

        self._handlers.append(handle)

    # -- running -----------------------------------------------------------------------

    def normalise(self, raw_values: list[str]) -> RowResult:
        """The row's record, events and issues. Handlers and event rules are given the values
        stripped once here (they compare and parse stripped text); ``original`` keeps them
        as the partner sent them."""
        values = [v.strip() for v in raw_values]
        record_id = values[self._record_idx]
        partner = values[self._partner_idx] if self._partner_idx is not None else ""
        issues: list[Issue] = []
        if not record_id or record_id in self._nulls:
            issues.append(Issue(self.contract.record_id, "the record id is empty", ROW_QUARANTINED))
        elif len(record_id) > MAX_VALUE_LENGTH["record_id"]:
            issues.append(Issue(self.contract.record_id, _too_long(record_id), ROW_QUARANTINED))
        if len(partner) > MAX_VALUE_LENGTH["record_id"]:
            issues.append(Issue(self.contract.partner_person_id or "", _too_long(partner),
                                ROW_QUARANTINED))  # fmt: skip
        out, identity_issues, original = self._identity(raw_values, values)
        issues.extend(identity_issues)
        quarantined = bool(issues) and any(i.action == ROW_QUARANTINED for i in issues)
        events: list[tuple[Any, ...]] = []
        if not quarantined:
            for rule in self.events:
                rule.apply(record_id, values, events, issues)
            quarantined = bool(issues) and any(i.action == ROW_QUARANTINED for i in issues)
        return RowResult(record_id, partner or None, out, original, events, issues, quarantined)

    def _identity(
        self, raw_values: list[str], values: list[str]
    ) -> tuple[list[Any], list[Issue], str]:
        """The row's normalised identity fields, their issues and its ``original`` JSON: a
        function of the identity cells alone, so a person's later rows reuse the first's
        (the fields list is shared, never changed after this)."""
        key = tuple([raw_values[i] for i in self._identity_idx])
        known = self._identity_cache.get(key)
        if known is not None:
            return known
        out: list[Any] = [None] * len(RECORD_FIELDS)
        issues: list[Issue] = []
        for handler in self._handlers:
            handler(values, out, issues)
        original = {name: raw_values[idx] for name, idx in self._original_cols if raw_values[idx]}
        known = (out, issues, encode_json(original))
        if len(self._identity_cache) >= IDENTITY_CACHE_SIZE:
            self._identity_cache.clear()
        self._identity_cache[key] = known
        return known


def _too_long(raw: str) -> str:
    return f"the value is {len(raw):,} characters long, far longer than any real value"
