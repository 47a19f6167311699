"""Family ids stay with the family that most overlaps, whatever the order of the input."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from familyhub.families.stable import Member, assign_family_ids


def fam(*people: str) -> set[Member]:
    return {Member(p, "child" if p.startswith("c") else "parent") for p in people}


def test_unchanged_families_keep_their_ids() -> None:
    previous = {"F1": fam("a", "b", "c1"), "F2": fam("d", "c2")}
    result = assign_family_ids(previous, {"x": fam("a", "b", "c1"), "y": fam("d", "c2")})
    assert result.ids == {"x": "F1", "y": "F2"}
    assert not result.new_ids
    assert not result.ended_ids


def test_a_family_follows_its_children_when_the_parents_split() -> None:
    previous = {"F1": fam("mum", "dad", "c1", "c2")}
    result = assign_family_ids(previous, {"mums": fam("mum", "c1", "c2"), "dads": fam("dad")})
    assert result.ids["mums"] == "F1"
    assert result.ids["dads"] in result.new_ids


def test_families_that_are_gone_have_ended_and_new_ones_get_new_ids() -> None:
    result = assign_family_ids({"F1": fam("a", "c1")}, {"k": fam("z", "c9")})
    assert result.ended_ids == {"F1"}
    assert result.ids["k"] in result.new_ids
    assert len(result.ids["k"]) == 32


people = st.sampled_from(["a", "b", "c1", "c2", "c3", "d", "e", "c4"])
families = st.dictionaries(
    st.text("FGH", min_size=1, max_size=3), st.sets(people, min_size=1, max_size=4), max_size=4
)


@settings(max_examples=100, deadline=None)
@given(previous=families, current=families)
def test_every_id_is_used_once_and_every_previous_family_kept_or_ended(previous, current):
    prev = {k: {Member(p, "child") for p in v} for k, v in previous.items()}
    cur = {k: {Member(p, "child") for p in v} for k, v in current.items()}
    result = assign_family_ids(prev, cur)
    ids = list(result.ids.values())
    assert len(ids) == len(set(ids)) == len(cur)
    kept = set(ids) - result.new_ids
    assert kept | result.ended_ids == set(prev)
    assert not kept & result.ended_ids
    # Same input in another order: same answer for the kept ids.
    again = assign_family_ids(dict(reversed(prev.items())), dict(reversed(cur.items())))
    assert {k: v for k, v in again.ids.items() if v in prev} == {
        k: v for k, v in result.ids.items() if v in prev
    }
