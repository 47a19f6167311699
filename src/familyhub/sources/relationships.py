"""Relationships a source states, as pairs of its own record ids.

Two ways a partner says two people are related: a column holding the relative's partner
person id (``mother_client_id``), or rows sharing a group key (``family_group_id``,
``claim_id``), where roles say who is what to whom.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from familyhub.sources.contract import Contract, RelationshipRule


@dataclass
class _Collector:
    rule: RelationshipRule
    partner_idx: int | None
    group_idx: int | None
    role_idx: int | None
    # group key -> [(role, record_id)]
    groups: dict[str, list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))
    # (record_id, related partner person id)
    named: list[tuple[str, str]] = field(default_factory=list)


# (record_id, related_record_id | None, related_partner_person_id | None, relationship, group)
Pair = tuple[str, str | None, str | None, str, str | None]


class RelationshipCollector:
    def __init__(self, contract: Contract, positions: dict[str, int]) -> None:
        self._collectors = [
            _Collector(
                rule=rule,
                partner_idx=positions[rule.partner_id_column] if rule.partner_id_column else None,
                group_idx=positions[rule.group_column] if rule.group_column else None,
                role_idx=positions[rule.role_column] if rule.role_column else None,
            )
            for rule in contract.relationships
        ]
        # Each partner person id's latest record in this file, for relatives named by it.
        named = any(c.partner_idx is not None for c in self._collectors)
        self._by_partner: dict[str, str] | None = {} if named else None

    def cells(self, values: list[str]) -> tuple[str, ...]:
        """The cells of a row that :meth:`add_cells` reads (stripped): a row's relatives travel
        between processes as these few strings, not the whole row."""
        out: list[str] = []
        for c in self._collectors:
            if c.partner_idx is not None:
                out.append(values[c.partner_idx].strip())
            elif c.group_idx is not None:
                out.append(values[c.group_idx].strip())
                out.append(values[c.role_idx].strip() if c.role_idx is not None else "")
        return tuple(out)

    def add(self, record_id: str, values: list[str], partner_person_id: str | None) -> None:
        self.add_cells(record_id, self.cells(values), partner_person_id)

    def add_cells(
        self, record_id: str, cells: tuple[str, ...], partner_person_id: str | None
    ) -> None:
        if partner_person_id is not None and self._by_partner is not None:
            latest = self._by_partner.get(partner_person_id)
            if latest is None or record_id > latest:
                self._by_partner[partner_person_id] = record_id
        position = 0
        for c in self._collectors:
            if c.partner_idx is not None:
                related = cells[position]
                position += 1
                if related:
                    c.named.append((record_id, related))
            elif c.group_idx is not None:
                key, role = cells[position], cells[position + 1]
                position += 2
                if key:
                    c.groups[key].append((role, record_id))

    def pairs(self) -> list[Pair]:
        out: list[Pair] = []
        for c in self._collectors:
            rule = c.rule
            by_partner = self._by_partner or {}
            for record_id, related in c.named:
                resolved = by_partner.get(related)  # None: resolved later against the database
                out.append((record_id, resolved, related, rule.relationship or "", None))
            for key, members in c.groups.items():
                if len(members) > rule.max_group_size or len(members) < 2:
                    continue
                if rule.pairs:
                    for pair in rule.pairs:
                        for role, record_id in members:
                            if role != pair.role:
                                continue
                            for other_role, other_id in members:
                                if other_role == pair.related_role and other_id != record_id:
                                    out.append((record_id, other_id, None, pair.relationship, key))
                else:
                    for _, record_id in members:
                        for _, other_id in members:
                            if other_id != record_id:
                                out.append(
                                    (record_id, other_id, None, rule.relationship or "", key)
                                )
        return out
