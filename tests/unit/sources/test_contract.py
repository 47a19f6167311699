import json
from pathlib import Path

import pytest
import yaml

from familyhub.config import get_settings
from familyhub.sources.contract import ContractError, load_contract
from familyhub.sources.registry import builtin_contracts_dir, claimants, load_contracts
from familyhub.sources.schema import contract_json_schema
from familyhub.sources.vocabulary import event_types

REPO = Path(__file__).resolve().parents[3]


def _police() -> dict:
    return yaml.safe_load((builtin_contracts_dir() / "police_incidents.yaml").read_text())


def _write(tmp_path: Path, data: dict, name: str = "police_incidents") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_every_builtin_contract_is_valid_and_uses_the_vocabulary() -> None:
    entries = load_contracts()
    assert len(entries) == 12
    known = set(event_types())
    for entry in entries.values():
        assert entry.origin == "built-in"
        for rule in entry.contract.events:
            types = [rule.type] if rule.type else list(rule.type_from.map.values())  # type: ignore[union-attr]
            assert set(types) <= known


def test_file_names_are_claimed_by_exactly_one_contract() -> None:
    entries = load_contracts()
    for name, source in [
        ("police_incidents_2026-09-30.csv", "police_incidents"),
        ("EY_2yr_Reviews_2026-09-30.csv", "early_years"),
        ("dwp_oowb_919_202609.txt", "dwp_benefits"),
        ("Substance_Misuse_Treatment_2026-09-30.xlsx", "substance_misuse"),
        ("idva_marac_2026-09-30.jsonl", "domestic_abuse_service"),
    ]:
        assert [e.contract.name for e in claimants(name, entries)] == [source]
    assert claimants("holiday_photos.csv", entries) == []


def test_missing_key_is_named(tmp_path: Path) -> None:
    data = _police()
    del data["governance"]["sharing_agreement"]
    with pytest.raises(ContractError, match=r"governance\.sharing_agreement: this key is required"):
        load_contract(_write(tmp_path, data))


def test_misspelt_key_is_named(tmp_path: Path) -> None:
    data = _police()
    data["identity"]["postal_code"] = data["identity"].pop("postcode")
    with pytest.raises(ContractError, match=r"identity\.postal_code: unknown key"):
        load_contract(_write(tmp_path, data))


def test_criminal_offence_data_needs_article_10(tmp_path: Path) -> None:
    data = _police()
    del data["governance"]["lawful_basis"]["article_10"]
    with pytest.raises(ContractError, match="article_10 is required"):
        load_contract(_write(tmp_path, data))


def test_unknown_event_type_lists_the_vocabulary(tmp_path: Path) -> None:
    data = _police()
    data["events"][0]["type_from"]["map"]["DA"] = "domestic_violence"
    with pytest.raises(ContractError, match="unknown event type 'domestic_violence'"):
        load_contract(_write(tmp_path, data))


def test_wrong_value_type_says_what_was_expected(tmp_path: Path) -> None:
    data = _police()
    data["extract"]["kind"] = "sometimes"
    with pytest.raises(ContractError, match=r"extract\.kind: Input should be 'full' or 'delta'"):
        load_contract(_write(tmp_path, data))


def test_a_councils_folder_adds_and_replaces_contracts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _police()
    data["title"] = "Our own police contract"
    _write(tmp_path, data)
    new = _police() | {"name": "police_custody", "title": "Custody records"}
    new["extract"] = new["extract"] | {"file_pattern": "custody_*.csv"}
    _write(tmp_path, new, "police_custody")
    monkeypatch.setenv("FAMILYHUB_CONTRACTS_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        entries = load_contracts()
    finally:
        get_settings.cache_clear()
    assert entries["police_incidents"].contract.title == "Our own police contract"
    assert entries["police_incidents"].origin == "council"
    assert entries["police_custody"].contract.title == "Custody records"
    assert len(entries) == 13


def test_documented_json_schema_is_up_to_date() -> None:
    documented = json.loads((REPO / "docs" / "contract.schema.json").read_text())
    assert documented == contract_json_schema(), (
        "docs/contract.schema.json is stale: run python -m familyhub.sources.schema"
    )
