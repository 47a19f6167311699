"""Where contracts come from, and which contract claims which file.

Built-in contracts ship in ``familyhub/sources/contracts/``; a council's own live in the
folder named by ``FAMILYHUB_CONTRACTS_DIR`` and replace a built-in one of the same name.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from familyhub.config import get_settings
from familyhub.sources.contract import Contract, ContractError, load_contract


@dataclass(frozen=True)
class ContractEntry:
    contract: Contract
    path: Path
    origin: str  # built-in | council


def builtin_contracts_dir() -> Path:
    return Path(str(files("familyhub.sources").joinpath("contracts")))


def contract_paths(contracts_dir: Path | None = None) -> list[tuple[Path, str]]:
    folder = contracts_dir if contracts_dir is not None else get_settings().contracts_dir
    paths = [(p, "built-in") for p in sorted(builtin_contracts_dir().glob("*.y*ml"))]
    if folder is not None:
        if not folder.is_dir():
            raise ContractError(f"FAMILYHUB_CONTRACTS_DIR {folder} is not a folder")
        paths += [(p, "council") for p in sorted(folder.glob("*.y*ml"))]
    return paths


def load_contracts(contracts_dir: Path | None = None) -> dict[str, ContractEntry]:
    """Every contract by name; a council's contract replaces the built-in of the same name."""
    entries: dict[str, ContractEntry] = {}
    for path, origin in contract_paths(contracts_dir):
        contract = load_contract(path)
        entries[contract.name] = ContractEntry(contract, path, origin)
    return entries


def find_contract(name: str, contracts_dir: Path | None = None) -> ContractEntry:
    """By name, or by the path of a contract file."""
    candidate = Path(name)
    if candidate.suffix in (".yaml", ".yml") and candidate.is_file():
        return ContractEntry(load_contract(candidate), candidate, "file")
    entries = load_contracts(contracts_dir)
    if name not in entries:
        raise ContractError(
            f"no contract named {name!r}; known: {', '.join(sorted(entries)) or 'none'}"
        )
    return entries[name]


def claimants(file_name: str, entries: dict[str, ContractEntry]) -> list[ContractEntry]:
    """The contracts whose file pattern matches ``file_name`` (case-insensitive)."""
    lower = file_name.lower()
    return [
        e
        for e in entries.values()
        if fnmatch.fnmatchcase(lower, e.contract.extract.file_pattern.lower())
    ]
