"""The source contract: one YAML file that onboards a partner's extract with no code.

The pydantic models below are the contract format; ``docs/contract.schema.json`` is generated
from them (``python -m familyhub.sources.schema``). A wrong contract fails when it is loaded,
with the key and what was expected (:class:`ContractError`).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from familyhub.sources.vocabulary import DATA_CATEGORIES, event_types, special_categories

IDENTITY_FIELDS = (
    "given_name",
    "family_name",
    "other_names",
    "date_of_birth",
    "sex",
    "nhs_number",
    "ni_number",
    "upn",
    "address",
    "postcode",
    "uprn",
    "phone",
    "email",
)


class ContractError(ValueError):
    """A contract that cannot be used; the message names the file, the key and the problem."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LawfulBasis(_Strict):
    article_6: str = Field(description="UK GDPR Art. 6(1) basis, e.g. '6(1)(e) public task'.")
    article_9: str | None = Field(
        default=None,
        description="Art. 9(2) condition; required when the source carries special category data.",
    )
    article_10: str | None = Field(
        default=None,
        description="Art. 10 authority; required when the source carries criminal offence data.",
    )
    dpa_2018_schedule_1: list[str] = Field(
        default_factory=list,
        description="DPA 2018 Schedule 1 conditions, e.g. 'Part 2 para 18 safeguarding of "
        "children and of individuals at risk'.",
    )


class Retention(_Strict):
    rule: str = Field(description="In words, e.g. '7 years after last contact'.")
    years: int = Field(ge=0, le=150, description="How many years to keep.")
    after: Literal["last_contact", "event_date", "extract_date", "date_of_birth_18"] = Field(
        default="last_contact",
        description="What the years run from: last contact (latest event of the record), the "
        "event's date, the extract's date, or the person's 18th birthday.",
    )


class Governance(_Strict):
    organisation: str = Field(description="The partner organisation that controls the data.")
    system: str | None = Field(default=None, description="The system the extract comes from.")
    dataset: str = Field(description="What the dataset is.")
    purpose: str = Field(description="Why we receive it: the purpose the sharing serves.")
    sharing_agreement: str = Field(description="The data sharing agreement it comes under.")
    lawful_basis: LawfulBasis
    legal_gateways: list[str] = Field(
        min_length=1,
        description="e.g. 'Children Act 2004 s10', 'Crime and Disorder Act 1998 s115'.",
    )
    data_categories: list[str] = Field(
        min_length=1, description=f"What the source carries, from: {', '.join(DATA_CATEGORIES)}."
    )
    retention: Retention

    @field_validator("data_categories")
    @classmethod
    def _known_categories(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(DATA_CATEGORIES))
        if unknown:
            raise ValueError(f"unknown data categories {unknown}; expected {DATA_CATEGORIES}")
        return value

    @model_validator(mode="after")
    def _conditions_for_special_data(self) -> Governance:
        cats = set(self.data_categories)
        if cats & special_categories() and not self.lawful_basis.article_9:
            raise ValueError(
                "lawful_basis.article_9 is required: the source carries special category data "
                f"({', '.join(sorted(cats & special_categories()))})"
            )
        if "criminal_offence" in cats and not self.lawful_basis.article_10:
            raise ValueError(
                "lawful_basis.article_10 is required: the source carries criminal offence data"
            )
        return self


class FileFormat(_Strict):
    type: Literal["csv", "xlsx", "parquet", "jsonl"] = Field(description="The file's format.")
    delimiter: str = Field(default=",", min_length=1, max_length=1)
    quotechar: str = Field(default='"', min_length=1, max_length=1)
    encoding: str = Field(
        default="utf-8", description="Text encoding, e.g. utf-8 (a BOM is allowed) or cp1252."
    )
    sheet: str | None = Field(default=None, description="xlsx: the sheet (default: the first).")
    date_formats: list[str] = Field(
        default_factory=lambda: ["%Y-%m-%d"],
        min_length=1,
        description="strptime formats tried in order, e.g. ['%d/%m/%Y']. Never guessed.",
    )
    null_values: list[str] = Field(
        default_factory=list, description="Values meaning 'not recorded' besides the empty cell."
    )

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str) -> str:
        import codecs

        try:
            codecs.lookup(value)
        except LookupError:
            raise ValueError(f"unknown encoding {value!r}") from None
        return value


class Extract(_Strict):
    file_pattern: str = Field(description="Glob the file name matches, e.g. 'police_*.csv'.")
    kind: Literal["full", "delta"] = Field(
        description="full: every extract holds every current record (missing ones are "
        "withdrawn); delta: only new and changed records."
    )
    max_quarantine_share: float = Field(
        default=0.05, ge=0, le=1, description="Refuse the whole file if more rows than this fail."
    )


class Column(_Strict):
    """One source column for one identity field, with how to read it."""

    column: str
    null_values: list[str] = Field(default_factory=list)
    formats: list[str] | None = Field(
        default=None, description="Dates only: formats for this column (default: the file's)."
    )
    codes: dict[str, str] = Field(
        default_factory=dict, description="Sex only: the partner's codes, e.g. {'N': 'U'}."
    )
    split: Literal["none", "first_and_others"] = Field(
        default="none",
        description="Given names only: 'first_and_others' puts the first word in given_name and "
        "the rest in other_names.",
    )
    on_invalid: Literal["drop_value", "quarantine_row"] | None = Field(
        default=None,
        description="What an invalid value does: drop the value and keep the row (default for "
        "identifiers), or quarantine the row (default for date of birth).",
    )


ColumnRef = Annotated[str | Column, Field(description="A column name, or a column with options.")]


class FullName(_Strict):
    column: str
    style: Literal["family_comma_given", "given_family_upper", "given_family"] = Field(
        description="'NOWAK, Zofia' | 'Aisha KHAN-AHMED' (family name in capitals) | "
        "'Zofia Nowak' (last word is the family name)."
    )


class Identity(_Strict):
    given_name: ColumnRef | None = None
    family_name: ColumnRef | None = None
    other_names: ColumnRef | None = None
    full_name: FullName | None = Field(
        default=None, description="When names come in one column instead of given/family."
    )
    date_of_birth: ColumnRef | None = None
    sex: ColumnRef | None = None
    nhs_number: ColumnRef | None = None
    ni_number: ColumnRef | None = None
    upn: ColumnRef | None = None
    address: ColumnRef | list[str] | None = Field(
        default=None, description="One column, or several joined with ', '."
    )
    postcode: ColumnRef | None = None
    uprn: ColumnRef | None = None
    phone: ColumnRef | None = None
    email: ColumnRef | None = None

    @model_validator(mode="after")
    def _some_name_or_id(self) -> Identity:
        if self.full_name and (self.given_name or self.family_name):
            raise ValueError("use either full_name or given_name/family_name, not both")
        return self


class Condition(_Strict):
    column: str
    equals: str | None = None
    in_: list[str] | None = Field(default=None, alias="in")
    not_in: list[str] | None = None
    present: bool | None = None
    less_than: float | None = None
    greater_than: float | None = None
    contains: str | None = Field(default=None, description="For lists: one item equals this.")
    separator: str = Field(default=",", description="For 'contains': how the list is separated.")


class Attribute(_Strict):
    column: str
    type: Literal["str", "int", "float", "bool", "date", "list"] = "str"
    separator: str = ","
    true_values: list[str] = Field(default_factory=lambda: ["Y", "YES", "TRUE", "1"])


class TypeFrom(_Strict):
    column: str
    map: dict[str, str] = Field(description="The column's codes to our event types.")


class EventRule(_Strict):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="Unique in the contract.")
    type: str | None = Field(default=None, description="An event type from the vocabulary.")
    type_from: TypeFrom | None = Field(
        default=None, description="Or: the type chosen by a column's code."
    )
    date: ColumnRef = Field(description="The column holding the event's date.")
    date_parser: Literal["date", "academic_term"] = Field(
        default="date",
        description="'academic_term' reads '2023-24 AUT' as that term's first and last days.",
    )
    end_date: ColumnRef | None = None
    when: list[Condition] = Field(default_factory=list, description="All must hold.")
    data_category: str | None = Field(
        default=None, description="Default: the event type's category in the vocabulary."
    )
    description: str = Field(
        description="Plain English template: {column} is a value, {label[column]} its label."
    )
    labels: dict[str, dict[str, str]] = Field(
        default_factory=dict, description="Per column, a code's words for descriptions."
    )
    attributes: dict[str, str | Attribute] = Field(default_factory=dict)
    id: str | None = Field(
        default=None, description="Template of a stable event id; default '{record id}:{name}'."
    )

    @model_validator(mode="after")
    def _one_type(self) -> EventRule:
        if (self.type is None) == (self.type_from is None):
            raise ValueError(f"event {self.name!r}: give exactly one of 'type' or 'type_from'")
        known = event_types()
        for t in [self.type] if self.type else list(self.type_from.map.values()):  # type: ignore[union-attr]
            if t not in known:
                raise ValueError(
                    f"event {self.name!r}: unknown event type {t!r}; add it to the vocabulary "
                    "(familyhub/sources/event_types.yaml) or use one of: "
                    + ", ".join(sorted(known))
                )
        if self.data_category is not None and self.data_category not in DATA_CATEGORIES:
            raise ValueError(f"event {self.name!r}: unknown data_category {self.data_category!r}")
        return self


class RolePair(_Strict):
    role: str = Field(description="This row's role, e.g. CHILD.")
    related_role: str = Field(description="The related row's role, e.g. MOTHER.")
    relationship: str = Field(description="What the related person is to this one, e.g. mother.")


class RelationshipRule(_Strict):
    """How rows name each other: by a partner person id column, or by sharing a group key."""

    relationship: str | None = Field(
        default=None, description="For 'partner_id_column' and role-less groups."
    )
    partner_id_column: str | None = Field(
        default=None, description="A column holding the related person's partner person id."
    )
    group_column: str | None = Field(
        default=None, description="Rows sharing this column's value are related."
    )
    role_column: str | None = None
    pairs: list[RolePair] = Field(default_factory=list)
    max_group_size: int = Field(
        default=30, ge=2, description="Larger groups state no pairs (a guard against '0' keys)."
    )

    @model_validator(mode="after")
    def _one_way(self) -> RelationshipRule:
        if (self.partner_id_column is None) == (self.group_column is None):
            raise ValueError("give exactly one of 'partner_id_column' or 'group_column'")
        if self.partner_id_column and not self.relationship:
            raise ValueError("'partner_id_column' needs 'relationship'")
        if self.group_column and not (self.relationship or (self.role_column and self.pairs)):
            raise ValueError("'group_column' needs 'relationship', or 'role_column' and 'pairs'")
        return self


class Contract(_Strict):
    """A partner source: who sends it, under what law, and how its rows become our records."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)
    title: str
    governance: Governance
    extract: Extract
    format: FileFormat
    record_id: str = Field(description="The column that identifies a row (unique per file).")
    partner_person_id: str | None = Field(
        default=None, description="The column holding the partner's own id for the person."
    )
    identity: Identity
    events: list[EventRule] = Field(default_factory=list)
    relationships: list[RelationshipRule] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_event_names(self) -> Contract:
        names = [rule.name for rule in self.events]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"event names must be unique; repeated: {dupes}")
        return self

    def mapped_columns(self) -> list[str]:
        """Every column the contract reads (a file must have all of them)."""
        cols: list[str] = [self.record_id]
        if self.partner_person_id:
            cols.append(self.partner_person_id)
        ident = self.identity
        for field in IDENTITY_FIELDS:
            ref = getattr(ident, field)
            if isinstance(ref, list):
                cols.extend(ref)
            elif ref is not None:
                cols.append(column_name(ref))
        if ident.full_name:
            cols.append(ident.full_name.column)
        for rule in self.events:
            cols.append(column_name(rule.date))
            if rule.end_date:
                cols.append(column_name(rule.end_date))
            if rule.type_from:
                cols.append(rule.type_from.column)
            cols.extend(c.column for c in rule.when)
            cols.extend(a if isinstance(a, str) else a.column for a in rule.attributes.values())
        for rel in self.relationships:
            cols.extend(c for c in (rel.partner_id_column, rel.group_column, rel.role_column) if c)
        return list(dict.fromkeys(cols))


def column_name(ref: str | Column) -> str:
    return ref if isinstance(ref, str) else ref.column


def _format_error(path: Path, exc: ValidationError) -> str:
    lines = [f"{path}: the contract is not valid:"]
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"]) or "(top level)"
        msg = err["msg"]
        if err["type"] == "missing":
            msg = "this key is required"
        elif err["type"] == "extra_forbidden":
            msg = "unknown key (check the spelling against docs/onboarding-a-source.md)"
        lines.append(f"  {key}: {msg}")
    return "\n".join(lines)


def parse_contract(data: Any, *, origin: Path) -> Contract:
    if not isinstance(data, dict):
        raise ContractError(f"{origin}: a contract is a YAML mapping of keys to values")
    try:
        return Contract.model_validate(data)
    except ValidationError as exc:
        raise ContractError(_format_error(origin, exc)) from None


def load_contract(path: Path) -> Contract:
    """Read and validate one contract file; raises ContractError naming the key at fault."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ContractError(f"{path}: not valid YAML: {exc}") from None
    contract = parse_contract(data, origin=path)
    if path.stem != contract.name:
        raise ContractError(f"{path}: name: {contract.name!r} must match the file name")
    return contract


def contract_sha256(contract: Contract) -> str:
    text = contract.model_dump_json(by_alias=True)
    return hashlib.sha256(text.encode()).hexdigest()
