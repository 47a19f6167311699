"""One search box, read into name, date of birth, NHS number and postcode."""

from __future__ import annotations

import pytest

from familyhub.singleview.search import SearchError, SearchQuery, _normalise


def test_one_box_is_read_into_its_parts() -> None:
    query = SearchQuery.parse("Jon Smith 02/03/2015 NS3 7QD")
    assert query.name == "Jon Smith"
    assert query.date_of_birth == "02/03/2015"
    assert query.postcode == "NS3 7QD"
    assert SearchQuery.parse("943 476 5919").nhs_number == "943 476 5919"
    assert SearchQuery.parse("2015-03-02").date_of_birth == "2015-03-02"


def test_a_name_splits_into_given_and_family_names_and_a_single_word_is_a_family_name() -> None:
    assert _normalise(SearchQuery(name="Mary Ann Smith"))["family_name"] == "Ann Smith"
    fields = _normalise(SearchQuery(name="Smith"))
    assert fields["given_name"] is None
    assert fields["family_name"] == "Smith"


def test_a_partial_postcode_is_enough() -> None:
    postcode = _normalise(SearchQuery(postcode="ns3"))["postcode"]
    assert postcode.district == "NS3"
    assert postcode.unit is None


@pytest.mark.parametrize(
    "query",
    [SearchQuery(nhs_number="1234567890"), SearchQuery(postcode="12345"), SearchQuery()],
)
def test_what_cannot_be_searched_says_why(query: SearchQuery) -> None:
    with pytest.raises(SearchError):
        _normalise(query)
