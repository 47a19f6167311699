"""Purpose key versions in the database: salts and versions only, keys from the master file."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from familyhub.insight.keys import (
    MasterKeyMismatchError,
    MissingMasterKeyError,
    NoPurposeKeyError,
    create_purpose_key,
    current_purpose_key,
    init_master_key,
    list_purpose_keys,
    rotate_purpose_key,
)
from familyhub.insight.pseudonyms import Pseudonymiser
from familyhub.insight.purposes import UnknownPurposeError


def test_create_rotate_and_derive(session: Session, tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    init_master_key(keys)
    create_purpose_key(session=session, purpose="research", actor="ig", keys_dir=keys)
    v1 = current_purpose_key(session=session, purpose="research", keys_dir=keys)
    assert v1.version == 1
    same = current_purpose_key(session=session, purpose="research", keys_dir=keys)
    assert Pseudonymiser(same).person("p1") == Pseudonymiser(v1).person("p1")

    rotate_purpose_key(session=session, purpose="research", actor="ig", keys_dir=keys)
    v2 = current_purpose_key(session=session, purpose="research", keys_dir=keys)
    assert v2.version == 2
    assert Pseudonymiser(v2).person("p1") != Pseudonymiser(v1).person("p1")

    rows = list_purpose_keys(session=session)
    assert [(r.purpose, r.version, r.retired_at is not None) for r in rows] == [
        ("research", 1, True),
        ("research", 2, False),
    ]
    # The database never holds key material.
    stored = " ".join(f"{r.salt} {r.master_fingerprint}" for r in rows)
    assert v1.key.hex() not in stored
    assert v2.key.hex() not in stored


def test_a_purpose_without_a_key_and_an_unknown_purpose_say_what_to_do(
    session: Session, tmp_path: Path
) -> None:
    init_master_key(tmp_path)
    with pytest.raises(NoPurposeKeyError, match="keys create --purpose service_planning"):
        current_purpose_key(session=session, purpose="service_planning", keys_dir=tmp_path)
    with pytest.raises(UnknownPurposeError, match=r"Unknown purpose .marketing.*service_planning"):
        create_purpose_key(session=session, purpose="marketing", actor="x", keys_dir=tmp_path)
    create_purpose_key(session=session, purpose="research", actor="x", keys_dir=tmp_path)
    with pytest.raises(FileExistsError, match="keys rotate --purpose research"):
        create_purpose_key(session=session, purpose="research", actor="x", keys_dir=tmp_path)


def test_no_master_key_no_purpose_key(session: Session, tmp_path: Path) -> None:
    with pytest.raises(MissingMasterKeyError, match="keys init"):
        create_purpose_key(session=session, purpose="research", actor="x", keys_dir=tmp_path)


def test_a_replaced_master_key_is_caught_before_it_changes_pseudonyms(
    session: Session, tmp_path: Path
) -> None:
    init_master_key(tmp_path)
    create_purpose_key(session=session, purpose="research", actor="ig", keys_dir=tmp_path)
    (tmp_path / "insight-master.key").unlink()
    init_master_key(tmp_path)
    with pytest.raises(MasterKeyMismatchError, match="not the one"):
        current_purpose_key(session=session, purpose="research", keys_dir=tmp_path)
