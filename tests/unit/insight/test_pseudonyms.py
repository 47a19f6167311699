"""Pseudonyms: stable under one key, unjoinable across purposes, all changed by rotation."""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

import pytest

from familyhub.insight.keys import (
    MissingMasterKeyError,
    PurposeKey,
    derive_purpose_key,
    init_master_key,
    load_master_key,
)
from familyhub.insight.pseudonyms import Pseudonymiser

PERSON_IDS = [f"p{n:07d}" for n in range(2000)]


def pseudonymiser(master: bytes, purpose: str, version: int, salt: bytes) -> Pseudonymiser:
    key = derive_purpose_key(master, purpose=purpose, version=version, salt=salt)
    return Pseudonymiser(PurposeKey(purpose=purpose, version=version, key=key))


def test_same_key_gives_the_same_pseudonym_every_time() -> None:
    master, salt = secrets.token_bytes(32), secrets.token_bytes(16)
    first = pseudonymiser(master, "service_planning", 1, salt)
    again = pseudonymiser(master, "service_planning", 1, salt)
    assert [first.person(p) for p in PERSON_IDS] == [again.person(p) for p in PERSON_IDS]
    assert len({first.person(p) for p in PERSON_IDS}) == len(PERSON_IDS)


def test_two_purposes_cannot_be_joined_on_pseudonyms() -> None:
    master, salt = secrets.token_bytes(32), secrets.token_bytes(16)
    planning = pseudonymiser(master, "service_planning", 1, salt)
    research = pseudonymiser(master, "research", 1, salt)
    planning_ids = {planning.person(p) for p in PERSON_IDS}
    research_ids = {research.person(p) for p in PERSON_IDS}
    assert planning_ids.isdisjoint(research_ids)
    assert {planning.family(p) for p in PERSON_IDS}.isdisjoint(research_ids | planning_ids)


def test_rotating_a_purpose_key_changes_every_pseudonym() -> None:
    master = secrets.token_bytes(32)
    before = pseudonymiser(master, "research", 1, secrets.token_bytes(16))
    after = pseudonymiser(master, "research", 2, secrets.token_bytes(16))
    old = {before.person(p) for p in PERSON_IDS}
    assert all(after.person(p) not in old for p in PERSON_IDS)


def test_pseudonyms_do_not_contain_the_id_and_the_key_is_never_printed() -> None:
    master = secrets.token_bytes(32)
    key = derive_purpose_key(master, purpose="research", version=1, salt=b"s")
    purpose_key = PurposeKey(purpose="research", version=1, key=key)
    assert key.hex() not in repr(purpose_key)
    assert "p0000001" not in Pseudonymiser(purpose_key).person("p0000001")


def test_missing_master_key_names_where_and_how(tmp_path: Path) -> None:
    with pytest.raises(MissingMasterKeyError) as raised:
        load_master_key(tmp_path / "keys")
    message = str(raised.value)
    assert str(tmp_path / "keys" / "insight-master.key") in message
    assert "familyhub insight keys init" in message
    assert not (tmp_path / "keys").exists(), "no key may be generated as a side effect"


def test_init_writes_an_owner_only_key_and_never_overwrites(tmp_path: Path) -> None:
    path = init_master_key(tmp_path / "keys")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    key = load_master_key(tmp_path / "keys")
    assert len(key) == 32
    with pytest.raises(FileExistsError, match="already exists"):
        init_master_key(tmp_path / "keys")
    assert load_master_key(tmp_path / "keys") == key


def test_a_damaged_key_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "insight-master.key").write_text("not a key\n")
    with pytest.raises(MissingMasterKeyError, match="not 64 hex"):
        load_master_key(tmp_path)
