from familyhub.sources.registry import find_contract
from familyhub.sources.relationships import RelationshipCollector


def test_roles_in_a_group_become_directed_relationships() -> None:
    contract = find_contract("childrens_social_care").contract
    positions = {"episode_id": 0, "role_in_family": 1}
    collector = RelationshipCollector(contract, positions)
    collector.add("R1", ["E1", "CHILD"], "P1")
    collector.add("R2", ["E1", "MOTHER"], "P2")
    collector.add("R3", ["E1", "FATHER"], "P3")
    collector.add("R4", ["E2", "CHILD"], "P4")  # alone in its episode: no pairs
    pairs = {(a, b, rel) for a, b, _, rel, _ in collector.pairs()}
    assert pairs == {
        ("R1", "R2", "mother"),
        ("R1", "R3", "father"),
        ("R2", "R1", "child"),
        ("R3", "R1", "child"),
    }


def test_relative_named_by_partner_id_resolves_to_their_latest_record() -> None:
    contract = find_contract("health_visiting").contract
    collector = RelationshipCollector(contract, {"mother_client_id": 0})
    collector.add("C1", [""], "HV1")
    collector.add("C3", [""], "HV1")
    collector.add("C2", ["HV1"], "HV2")
    collector.add("C4", ["HV9"], "HV3")  # mother not in this file
    pairs = {(a, b, named, rel) for a, b, named, rel, _ in collector.pairs()}
    assert pairs == {("C2", "C3", "HV1", "mother"), ("C4", None, "HV9", "mother")}


def test_a_huge_group_states_nothing() -> None:
    contract = find_contract("dwp_benefits").contract  # joint claims: groups of at most 2
    collector = RelationshipCollector(contract, {"CLAIM_ID": 0})
    for i in range(3):
        collector.add(f"D{i}", ["CL0"], None)
    assert collector.pairs() == []
