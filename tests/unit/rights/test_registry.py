"""The registry of where personal data lives covers every table that holds a person key."""

from familyhub.models import load_all_models
from familyhub.rights.registry import NOT_ERASED, PERSON_KEY_COLUMNS, REGISTRY


def test_every_table_with_a_person_key_is_covered() -> None:
    metadata = load_all_models().metadata
    covered = {loc.table for loc in REGISTRY} | set(NOT_ERASED)
    uncovered = sorted(
        table.name
        for table in metadata.tables.values()
        if PERSON_KEY_COLUMNS & set(table.columns.keys()) and table.name not in covered
    )
    assert uncovered == [], (
        f"tables with personal data the rights cannot reach: {uncovered}; add them to "
        "familyhub.rights.registry.REGISTRY (or NOT_ERASED with the reason)"
    )


def test_registry_names_only_real_tables_and_columns() -> None:
    metadata = load_all_models().metadata
    for loc in REGISTRY:
        table = metadata.tables.get(loc.table)
        assert table is not None, f"{loc.table} is not a table"
        if loc.find in ("person", "child"):
            assert loc.column in table.columns, f"{loc.table}.{loc.column}"
        for column in loc.scrub:
            assert column in table.columns, f"{loc.table}.{column}"
    assert set(NOT_ERASED) <= set(metadata.tables)
