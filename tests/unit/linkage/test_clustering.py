"""Constrained clustering: conflicts are never joined, however strong the chain of links."""

from __future__ import annotations

import numpy as np

from familyhub.linkage.clustering import (
    MANUAL_LINK_WEIGHT,
    connected_components,
    constrained_merge,
)


def test_connected_components_labels_each_component_by_its_smallest_node() -> None:
    labels = connected_components(6, np.array([0, 1, 4]), np.array([1, 2, 5]))
    assert labels.tolist() == [0, 0, 0, 3, 4, 4]


def test_a_chain_through_a_conflict_is_cut_at_its_weakest_link() -> None:
    # 1-2 strong, 2-3 weak, 3-4 strong; 1 and 4 conflict (twins): the weak link gives way.
    edges = [(30.0, 1, 2), (5.0, 2, 3), (30.0, 3, 4)]
    result = constrained_merge([1, 2, 3, 4], edges, conflicts={(1, 4)})
    assert result[1] == result[2]
    assert result[3] == result[4]
    assert result[1] != result[4]


def test_do_not_link_holds_transitively() -> None:
    edges = [(40.0, 1, 2), (40.0, 2, 3)]
    result = constrained_merge([1, 2, 3], edges, conflicts={(1, 3)})
    assert result[1] != result[3]


def test_soft_conflict_gives_way_to_more_links() -> None:
    # Record 4 ('mak') conflicts softly with one spelling (1, 'marrk') but links to three.
    edges = [(40.0, 1, 2), (40.0, 2, 3), (30.0, 4, 2), (30.0, 4, 3), (30.0, 4, 5), (40.0, 5, 3)]
    result = constrained_merge([1, 2, 3, 4, 5], edges, conflicts=set(), soft={(1, 4)})
    assert len(set(result.values())) == 1


def test_twins_with_no_link_between_them_never_join() -> None:
    # Each twin's records link among themselves; every cross pair is a soft (name) conflict.
    edges = [(40.0, 1, 2), (40.0, 3, 4)]
    soft = {(1, 3), (1, 4), (2, 3), (2, 4)}
    result = constrained_merge([1, 2, 3, 4], edges, conflicts=set(), soft=soft)
    assert result[1] == result[2] != result[3] == result[4]


def test_a_record_that_fits_two_kept_apart_people_stands_alone() -> None:
    # Record 3 has no date of birth and links equally to father (1) and son (2).
    edges = [(20.0, 1, 3), (20.0, 2, 3)]
    result = constrained_merge([1, 2, 3], edges, conflicts={(1, 2)})
    assert result[3] not in (result[1], result[2])
    assert result[1] != result[2]


def test_same_named_twins_kept_apart_by_their_own_numbers() -> None:
    # Twins given one name: each twin's records share a number, every cross pair clashes
    # (soft); one record without a number links to both and cannot join them.
    edges = [(40.0, 1, 2), (40.0, 3, 4), (20.0, 5, 1), (20.0, 5, 3)]
    soft = {(1, 3), (1, 4), (2, 3), (2, 4)}
    result = constrained_merge([1, 2, 3, 4, 5], edges, conflicts=set(), soft=soft)
    assert result[1] == result[2]
    assert result[3] == result[4]
    assert result[1] != result[3]


def test_a_manual_link_is_not_overruled_by_a_rule_but_a_manual_do_not_link_holds() -> None:
    # The model's rules say 1 and 3 conflict (say, two NHS numbers), but a person reviewed
    # them and decided they are the same: the decision stands. 2 conflicts with 3 by a rule
    # and no one decided otherwise, so the model's edge 1-2 gives way.
    edges = [(12.0, 1, 2), (MANUAL_LINK_WEIGHT, 1, 3)]
    joined = constrained_merge([1, 2, 3], edges, conflicts={(1, 3), (2, 3)})
    assert joined[1] == joined[3] != joined[2]
    # A manual "do not link" between 1 and 3 is a person's decision too: it holds.
    kept = constrained_merge([1, 2, 3], edges, conflicts={(1, 3)}, kept_apart={(1, 3)})
    assert kept[1] == kept[2] != kept[3]
