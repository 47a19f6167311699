"""What the notice and the retention schedule need from each source contract.

Source contracts belong to the sources domain (``familyhub.sources.contract``); this module
reads them into :class:`SourceFlow`, a plain summary, so that the notice, the agreements check
and the retention schedule depend on a handful of the contract's fields only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from familyhub.sources.contract import Contract, load_contract
from familyhub.sources.registry import load_contracts


@dataclass(frozen=True)
class SourceFlow:
    source: str
    title: str
    organisation: str
    dataset: str
    purpose: str
    agreement: str
    article_6: tuple[str, ...]
    article_9: tuple[str, ...]
    article_10: tuple[str, ...]
    schedule_1: tuple[str, ...]
    legal_gateways: tuple[str, ...]
    data_categories: tuple[str, ...]
    retention_rule: str
    retention_years: int
    retention_after: str


def _parts(text: str | None) -> tuple[str, ...]:
    """'6(1)(e) public task; 6(1)(c) legal obligation' -> each basis on its own."""
    return tuple(p.strip() for p in (text or "").split(";") if p.strip())


def flow_from_contract(contract: Contract) -> SourceFlow:
    gov = contract.governance
    basis = gov.lawful_basis
    return SourceFlow(
        source=contract.name,
        title=contract.title,
        organisation=gov.organisation,
        dataset=gov.dataset,
        purpose=gov.purpose,
        agreement=gov.sharing_agreement,
        article_6=_parts(basis.article_6),
        article_9=_parts(basis.article_9),
        article_10=_parts(basis.article_10),
        schedule_1=tuple(basis.dpa_2018_schedule_1),
        legal_gateways=tuple(gov.legal_gateways),
        data_categories=tuple(gov.data_categories),
        retention_rule=gov.retention.rule,
        retention_years=gov.retention.years,
        retention_after=gov.retention.after,
    )


def load_all_contracts(dirs: list[Path] | None = None) -> dict[str, Contract]:
    """Every contract by name, as the loader sees them (built-in, then the council's own
    folder, ``FAMILYHUB_CONTRACTS_DIR``); or only those in ``dirs``."""
    if dirs is None:
        return {name: entry.contract for name, entry in load_contracts().items()}
    contracts: dict[str, Contract] = {}
    for folder in dirs:
        for path in sorted(folder.glob("*.y*ml")):
            contract = load_contract(path)
            contracts[contract.name] = contract
    return contracts


def source_flows(dirs: list[Path] | None = None) -> list[SourceFlow]:
    return [flow_from_contract(c) for _, c in sorted(load_all_contracts(dirs).items())]
