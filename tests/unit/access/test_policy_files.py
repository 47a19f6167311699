"""Policy files: the shipped ones validate; a broken one is refused naming file and line."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import cedarpy
import pytest

from familyhub.access.decision import PolicyEngine, check_policies
from familyhub.access.policy_files import (
    POLICY_DIR,
    SCHEMA_FILE,
    PolicyFileError,
    read_policy_files,
    split_statements,
)
from familyhub.access.vocabulary import load_vocabulary


def test_shipped_policies_validate_against_the_schema() -> None:
    text = "\n".join(p.read_text() for p in sorted(POLICY_DIR.glob("*.cedar")))
    result = cedarpy.validate_policies(text, SCHEMA_FILE.read_text())
    assert result.validation_passed, result.errors
    assert check_policies() >= 25


def test_every_policy_has_an_id_and_an_explanation() -> None:
    sources, _ = read_policy_files()
    assert len({s.policy_id for s in sources}) == len(sources)
    for source in sources:
        assert source.explanation, f"{source.policy_id} has no comment explaining it"


def test_the_known_categories_in_the_policies_are_the_vocabulary() -> None:
    text = (POLICY_DIR / "30_data_categories.cedar").read_text()
    unknown_rule = text[text.index('@id("category.unknown")') :].split(";", 1)[0]
    listed = set(re.findall(r'"([a-z_]+)"', unknown_rule.split("unless", 1)[1]))
    assert listed == set(load_vocabulary().data_categories)


def test_every_role_group_the_policies_name_exists() -> None:
    text = "\n".join(p.read_text() for p in POLICY_DIR.glob("*.cedar"))
    named = set(re.findall(r'RoleGroup::"([a-z_]+)"', text))
    assert named <= set(load_vocabulary().role_groups)


@pytest.fixture
def policy_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "policies"
    shutil.copytree(POLICY_DIR, folder)
    return folder


def test_a_policy_that_does_not_parse_is_refused_with_file_and_line(policy_copy: Path) -> None:
    bad = policy_copy / "80_local.cedar"
    bad.write_text(
        '// a council addition\n\n@id("local.ok")\npermit (principal, action, '
        'resource) when { false };\n\n@id("local.broken")\npermit (principal, '
        'action == Action::"view", resource) when { context.purpose == };\n'
    )
    with pytest.raises(PolicyFileError) as caught:
        PolicyEngine(policy_copy)
    assert caught.value.path == bad
    assert caught.value.line == 6
    assert "80_local.cedar:6" in str(caught.value)
    assert "does not parse" in str(caught.value)


def test_a_policy_that_does_not_validate_is_refused_with_file_and_line(
    policy_copy: Path,
) -> None:
    bad = policy_copy / "80_local.cedar"
    bad.write_text(
        '\n\n@id("local.typo")\npermit (principal, action == Action::"view", '
        'resource)\nwhen { context.purpse == "safeguarding" };\n'
    )
    with pytest.raises(PolicyFileError) as caught:
        PolicyEngine(policy_copy)
    assert "80_local.cedar:3" in str(caught.value)
    assert "does not validate" in str(caught.value)
    assert "purpse" in str(caught.value)


def test_a_policy_without_an_id_is_refused(policy_copy: Path) -> None:
    (policy_copy / "80_local.cedar").write_text("permit (principal, action, resource);\n")
    with pytest.raises(PolicyFileError, match=r"80_local\.cedar:1: every policy needs"):
        PolicyEngine(policy_copy)


def test_a_duplicate_id_is_refused(policy_copy: Path) -> None:
    (policy_copy / "80_local.cedar").write_text(
        '@id("view.involvement")\npermit (principal, action, resource) when { false };\n'
    )
    with pytest.raises(PolicyFileError, match=r"already used at 10_full_view\.cedar"):
        PolicyEngine(policy_copy)


def test_semicolons_in_strings_and_comments_do_not_split_policies() -> None:
    text = (
        '// a; comment\n@id("a;b")\npermit (principal, action, resource)\n'
        'when { "x;y" == "x;y" };\n'
    )
    statements = split_statements(text)
    assert len(statements) == 1
    assert statements[0][0] == 2
