import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from familyhub.identity import InvalidValueError, Postcode, parse_postcode


@pytest.mark.parametrize(
    ("raw", "unit", "sector", "district", "area"),
    [
        ("PR1 8XJ", "PR1 8XJ", "PR1 8", "PR1", "PR"),
        ("pr18xj", "PR1 8XJ", "PR1 8", "PR1", "PR"),
        (" pr1-8xj ", "PR1 8XJ", "PR1 8", "PR1", "PR"),
        ("EC1A1BB", "EC1A 1BB", "EC1A 1", "EC1A", "EC"),
        ("M1 1AE", "M1 1AE", "M1 1", "M1", "M"),
        ("SW1A 2AA", "SW1A 2AA", "SW1A 2", "SW1A", "SW"),
        ("B33 8TH", "B33 8TH", "B33 8", "B33", "B"),
        ("GIR 0AA", "GIR 0AA", "GIR 0", "GIR", "GIR"),
    ],
)
def test_postcodes_split_into_unit_sector_district_area(
    raw: str, unit: str, sector: str, district: str, area: str
) -> None:
    assert parse_postcode(raw) == Postcode(area=area, district=district, sector=sector, unit=unit)


@pytest.mark.parametrize("raw", ["XYZ", "PR1 8CI", "12345", "PR1 8XJX", "P 8XJ", "PR18", "AA1"])
def test_not_postcodes_are_rejected_with_a_reason(raw: str) -> None:
    with pytest.raises(InvalidValueError, match="postcode"):
        parse_postcode(raw)


def test_outward_code_alone_only_when_partial_allowed() -> None:
    assert parse_postcode("pr1", allow_partial=True) == Postcode("PR", "PR1", None, None)
    with pytest.raises(InvalidValueError):
        parse_postcode("PR1")


def test_empty_is_none() -> None:
    assert parse_postcode("") is None
    assert parse_postcode("  ") is None


_letters = st.sampled_from("ABCDEFGHJKLMNOPRSTUWYZ")
_inward_letters = st.sampled_from("ABDEFGHJLNPQRSTUWXYZ")


@settings(deadline=None)  # a busy shared machine must not fail a parser test
@given(
    st.lists(_letters, min_size=1, max_size=2),
    st.integers(1, 99),
    st.integers(0, 9),
    st.lists(_inward_letters, min_size=2, max_size=2),
    st.sampled_from(["", " ", "  ", "-"]),
    st.booleans(),
)
def test_any_spacing_or_case_gives_the_same_unit(area, district, sector, unit, sep, lower) -> None:
    outward = "".join(area) + str(district)
    inward = f"{sector}{''.join(unit)}"
    raw = f"{outward}{sep}{inward}"
    parsed = parse_postcode(raw.lower() if lower else raw)
    assert parsed is not None
    assert parsed.unit == f"{outward} {inward}"
    assert parsed.sector == f"{outward} {sector}"
    assert parsed.district == outward
    assert parsed.area == "".join(area)


def test_a_sector_written_with_its_space_is_read_as_a_sector() -> None:
    assert parse_postcode("NS3 7", allow_partial=True) == Postcode("NS", "NS3", "NS3 7", None)
    assert parse_postcode("sw1a 1", allow_partial=True) == Postcode("SW", "SW1A", "SW1A 1", None)
    # Without the space it is a district: NS37 is a district in its own right.
    assert parse_postcode("NS37", allow_partial=True) == Postcode("NS", "NS37", None, None)
    # A full postcode does not need allow_partial, and a sector needs it.
    with pytest.raises(InvalidValueError):
        parse_postcode("NS3 7")
