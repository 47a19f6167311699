"""The sharing agreements register and the privacy notice written from the configuration."""

from datetime import date
from pathlib import Path

import pytest
import yaml

from familyhub.governance.agreements import AgreementError, load_agreement, load_agreements
from familyhub.governance.controller import load_controller
from familyhub.governance.flows import source_flows
from familyhub.governance.notice import build_notice, render_notice
from familyhub.governance.service import agreement_problems
from familyhub.governance.settings import SHIPPED_AGREEMENTS_DIR, GovernanceSettings

FAMILY_HELP = "northshire-family-help-dsa-2025.yaml"
CONTRACT = {
    "name": "test_housing",
    "title": "Test housing events",
    "governance": {
        "organisation": "Northshire Homes",
        "dataset": "Tenancy and homelessness events",
        "purpose": "Finding families at risk of losing their home",
        "sharing_agreement": "Northshire Family Help data sharing agreement 2025",
        "lawful_basis": {"article_6": "6(1)(e) public task"},
        "legal_gateways": ["Housing Act 1996 Part 7"],
        "data_categories": ["personal", "housing"],
        "retention": {"rule": "6 years after last contact", "years": 6},
    },
    "extract": {"file_pattern": "housing_*.csv", "kind": "full"},
    "format": {"type": "csv"},
    "record_id": "event_id",
    "identity": {"given_name": "forename", "family_name": "surname"},
}


def _write_contract(folder: Path, **governance_changes: object) -> None:
    contract = {**CONTRACT, "governance": {**CONTRACT["governance"], **governance_changes}}  # type: ignore[dict-item]
    (folder / "test_housing.yaml").write_text(yaml.safe_dump(contract))


def _notice(folder: Path, fmt: str = "md") -> str:
    content = build_notice(
        controller=load_controller(),
        flows=source_flows([folder]),
        agreements=load_agreements(),
        today=date(2026, 11, 22),
    )
    return render_notice(content, fmt=fmt)


def test_notice_says_everything_a_privacy_notice_must(tmp_path: Path) -> None:
    _write_contract(tmp_path)
    text = _notice(tmp_path)
    for expected in [
        "Northshire Council",  # controller
        "dpo@northshire.example",  # DPO contact
        "Supporting Families programme",  # purposes
        "housing: Tenancy",  # data categories
        "6(1)(e) public task",  # lawful basis
        "Housing Act 1996 Part 7",  # gateway from the contract
        "Children and Families Act 2014",  # gateway from the agreement
        "Northshire Homes",  # source
        "Northshire Recovery Partnership",  # recipient (party to the agreement)
        "Office for National Statistics",  # other recipient
        "6 years after last contact",  # retention
        "Right to erasure",  # rights
        "information.rights@northshire.example",  # how to use them
        "Information Commissioner's Office",  # complaints
        "0303 123 1113",
    ]:
        assert expected in text, expected


def test_change_a_contract_and_the_notice_changes(tmp_path: Path) -> None:
    _write_contract(tmp_path)
    before = _notice(tmp_path)
    _write_contract(
        tmp_path,
        retention={"rule": "2 years after last contact", "years": 2},
        legal_gateways=["Homelessness Reduction Act 2017"],
    )
    after = _notice(tmp_path)
    assert "2 years after last contact" in after
    assert "6 years after" not in after
    assert "Homelessness Reduction Act 2017" in after
    assert before.splitlines()[4] != after.splitlines()[4]  # the version line moves too


def test_html_notice_is_an_accessible_page_with_escaped_values(tmp_path: Path) -> None:
    _write_contract(tmp_path, organisation="Homes <Northshire> & Co")
    html = _notice(tmp_path, fmt="html")
    assert html.startswith("<!DOCTYPE html>")
    assert '<html lang="en-GB">' in html
    assert "Homes &lt;Northshire&gt; &amp; Co" in html
    assert '<th scope="col">' in html
    with pytest.raises(ValueError, match="html or md"):
        render_notice(
            build_notice(
                controller=load_controller(),
                flows=[],
                agreements={},
                today=date(2026, 1, 1),
            ),
            fmt="pdf",
        )


def test_every_shipped_contract_names_an_agreement_in_the_register() -> None:
    flows = source_flows()
    agreements = load_agreements()
    # a day long ago: only naming problems, no review date is past yet
    assert agreement_problems(flows, agreements, today=date(2000, 1, 1)) == []


def test_a_contract_naming_an_unknown_agreement_is_a_problem(tmp_path: Path) -> None:
    _write_contract(tmp_path, sharing_agreement="no-such-agreement")
    problems = agreement_problems(
        source_flows([tmp_path]), load_agreements(), today=date(2026, 1, 1)
    )
    assert [p.subject for p in problems] == ["test_housing"]
    assert "not in the register" in problems[0].problem


def test_agreement_past_its_review_date_is_flagged() -> None:
    agreements = load_agreements()
    problems = agreement_problems([], agreements, today=date(2026, 11, 22))
    assert any(
        p.subject == "dwp-supporting-families-dsa-2025" and "past its review date" in p.problem
        for p in problems
    )
    assert not agreement_problems([], agreements, today=date(2026, 3, 1))


def test_shipped_agreements_carry_the_data_sharing_code_fields() -> None:
    for path in SHIPPED_AGREEMENTS_DIR.glob("*.yaml"):
        agreement = load_agreement(path)
        assert agreement.lawful_basis.article_6
        assert agreement.legal_gateways
        assert agreement.security
        assert agreement.retention


def test_a_councils_own_agreement_folder_adds_and_replaces(tmp_path: Path) -> None:
    (tmp_path / "agreements").mkdir()
    raw = yaml.safe_load((SHIPPED_AGREEMENTS_DIR / FAMILY_HELP).read_text())
    raw["review_date"] = date(2030, 1, 1)
    (tmp_path / "agreements" / FAMILY_HELP).write_text(yaml.safe_dump(raw))
    agreements = load_agreements(GovernanceSettings(governance_dir=tmp_path))
    assert agreements["northshire-family-help-dsa-2025"].review_date == date(2030, 1, 1)


def test_an_agreement_missing_a_field_says_which(tmp_path: Path) -> None:
    raw = yaml.safe_load((SHIPPED_AGREEMENTS_DIR / FAMILY_HELP).read_text())
    del raw["security"]
    path = tmp_path / FAMILY_HELP
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(AgreementError, match="security"):
        load_agreement(path)


def test_a_councils_contract_changes_the_notice_it_publishes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from familyhub.config import get_settings
    from familyhub.governance.notice import current_notice
    from familyhub.sources.registry import builtin_contracts_dir

    before = current_notice(fmt="md", today=date(2026, 11, 22))
    raw = yaml.safe_load((builtin_contracts_dir() / "police_incidents.yaml").read_text())
    raw["governance"]["retention"] = {"rule": "4 years after last contact", "years": 4}
    raw["governance"]["organisation"] = "Northshire Constabulary"
    (tmp_path / "police_incidents.yaml").write_text(yaml.safe_dump(raw))
    monkeypatch.setenv("FAMILYHUB_CONTRACTS_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        after = current_notice(fmt="md", today=date(2026, 11, 22))
    finally:
        monkeypatch.delenv("FAMILYHUB_CONTRACTS_DIR")
        get_settings.cache_clear()
    assert "4 years after last contact" in after
    assert "Northshire Constabulary" in after
    assert "Northshire Constabulary" not in before


def test_an_outbound_agreement_adds_its_recipients_to_the_notice(tmp_path: Path) -> None:
    _write_contract(tmp_path)
    folder = tmp_path / "governance" / "agreements"
    folder.mkdir(parents=True)
    raw = yaml.safe_load((SHIPPED_AGREEMENTS_DIR / FAMILY_HELP).read_text())
    raw.update(name="northshire-research-2026", title="Northshire research agreement 2026")
    raw["parties"].append({"organisation": "Northshire University", "contact": "Research Office"})
    (folder / "northshire-research-2026.yaml").write_text(yaml.safe_dump(raw))
    agreements = load_agreements(GovernanceSettings(governance_dir=tmp_path / "governance"))
    content = build_notice(
        controller=load_controller(),
        flows=source_flows([tmp_path]),
        agreements=agreements,
        today=date(2026, 11, 22),
    )
    assert "Northshire University" in render_notice(content, fmt="md")
