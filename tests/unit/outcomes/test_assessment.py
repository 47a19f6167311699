"""Needs, evidence, progress and eligibility over plain tables (no database)."""

from __future__ import annotations

import json
from datetime import date, timedelta

import duckdb
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from familyhub.outcomes.engine import AssessmentInputs, assess, condition_sql
from familyhub.outcomes.progress import EvidenceSpan, NeedHistory, family_outcome, need_status
from familyhub.outcomes.rules import Progress, load_rules
from familyhub.outcomes.rules_conditions import OPERATORS, holds, parse_condition

RULES = load_rules()
AS_OF = date(2026, 9, 30)


def event(eid, record, etype, day, end=None, **attributes):
    return {
        "source": record.split(":")[0],
        "record_id": record,
        "event_id": eid,
        "event_type": etype,
        "event_date": day,
        "end_date": end,
        "description": f"{etype} {eid}",
        "attributes": json.dumps(attributes),
    }


def inputs(events, people, members, excluded=frozenset()):
    links = sorted({(e["source"], e["record_id"]) for e in events})
    return AssessmentInputs(
        events=pa.Table.from_pylist(
            events,
            schema=pa.schema(
                [
                    ("source", pa.string()),
                    ("record_id", pa.string()),
                    ("event_id", pa.string()),
                    ("event_type", pa.string()),
                    ("event_date", pa.date32()),
                    ("end_date", pa.date32()),
                    ("description", pa.string()),
                    ("attributes", pa.string()),
                ]
            ),
        ),
        links=pa.table(
            {
                "source": [s for s, _ in links],
                "record_id": [r for _, r in links],
                "person_id": [r.split(":")[1] for _, r in links],
            }
        ),
        people=pa.table(
            {
                "person_id": list(people),
                "date_of_birth": pa.array(list(people.values()), pa.date32()),
            }
        ),
        members=pa.Table.from_pylist(
            [
                {
                    "family_id": m[0],
                    "person_id": m[1],
                    "role": m[2],
                    "valid_from": m[4] if len(m) > 4 else None,
                    "valid_to": m[3],
                }
                for m in members
            ],
            schema=pa.schema(
                [
                    ("family_id", pa.string()),
                    ("person_id", pa.string()),
                    ("role", pa.string()),
                    ("valid_from", pa.date32()),
                    ("valid_to", pa.date32()),
                ]
            ),
        ),
        excluded_person_ids=frozenset(excluded),
    )


PEOPLE = {"kid": date(2014, 3, 1), "mum": date(1990, 5, 5), "dad": date(1988, 1, 1)}
FAMILY = [
    ("F1", "kid", "child", None),
    ("F1", "mum", "parent", None),
    ("F1", "dad", "parent", None),
]
EVENTS = [
    event(
        "e1",
        "school_census:kid",
        "school_term",
        date(2025, 9, 1),
        attendance_pct="84.0",
        term="2025-26 AUT",
    ),
    event("e2", "police_incidents:mum", "domestic_abuse_incident", date(2026, 8, 1), role="VICTIM"),
    event("e3", "dwp_benefits:dad", "out_of_work_benefit_claim", date(2024, 1, 1)),
    event("e4", "housing:mum", "rent_arrears", date(2026, 5, 1)),
    event("e5", "housing:mum", "rent_arrears", date(2027, 2, 1)),
    event("e6", "school_census:kid", "school_term", date(2010, 1, 1), attendance_pct="50"),
]


def test_needs_cite_their_events_and_become_eligible_at_three() -> None:
    result = assess(inputs(EVENTS, PEOPLE, FAMILY), RULES, as_of=AS_OF, today=date(2026, 11, 22))
    needs = {(n["person_id"], n["need"]): n for n in result.needs.to_pylist()}
    assert set(needs) == {
        ("kid", "education"),
        ("mum", "domestic_abuse"),
        ("dad", "financial_stability"),
        ("mum", "housing"),
    }
    assert needs[("kid", "education")]["status"] == "resolved"  # a year without evidence
    assert needs[("mum", "domestic_abuse")]["status"] == "open"  # two months ago
    assert needs[("mum", "housing")]["status"] == "improving"  # four months ago
    assert needs[("dad", "financial_stability")]["status"] == "open"  # the claim is live
    cited = {(e["need"], e["source"], e["event_id"]) for e in result.evidence.to_pylist()}
    assert ("education", "school_census", "e1") in cited
    (family,) = result.families.to_pylist()
    assert family["eligible"]
    assert family["need_count"] == 4
    assert result.rules_version == RULES.version


def test_future_and_before_birth_events_are_reported_not_counted() -> None:
    result = assess(inputs(EVENTS, PEOPLE, FAMILY), RULES, as_of=AS_OF, today=date(2026, 11, 22))
    rejected = {(r["event_id"], r["reason"]) for r in result.rejected.to_pylist()}
    assert rejected == {
        ("e5", "dated in the future"),
        ("e6", "dated before the person was born"),
    }
    counted = {e["event_id"] for e in result.evidence.to_pylist()}
    assert not counted & {"e5", "e6"}


def test_a_person_who_objects_is_left_out_of_flagging() -> None:
    result = assess(
        inputs(EVENTS, PEOPLE, FAMILY, excluded={"mum"}), RULES, as_of=AS_OF, today=AS_OF
    )
    assert {n["person_id"] for n in result.needs.to_pylist()} == {"kid", "dad"}
    (family,) = result.families.to_pylist()
    assert not family["eligible"]


def test_dismissed_needs_do_not_count_towards_eligibility() -> None:
    result = assess(
        inputs(EVENTS, PEOPLE, FAMILY),
        RULES,
        as_of=AS_OF,
        today=AS_OF,
        dismissed=[("F1", "housing"), ("F1", "education")],
    )
    (family,) = result.families.to_pylist()
    assert family["need_count"] == 2
    assert not family["eligible"]


def test_a_family_without_dependants_is_never_eligible() -> None:
    adults = [(f, p, "adult", t) for f, p, _, t in FAMILY]
    (family,) = assess(inputs(EVENTS, PEOPLE, adults), RULES, as_of=AS_OF).families.to_pylist()
    assert family["need_count"] >= 3
    assert not family["eligible"]


def test_events_after_a_person_left_do_not_count_for_that_family() -> None:
    members = [*FAMILY[:2], ("F1", "dad", "parent", date(2023, 12, 1))]
    result = assess(inputs(EVENTS, PEOPLE, members), RULES, as_of=AS_OF)
    assert "dad" not in {n["person_id"] for n in result.needs.to_pylist()}


def test_someone_who_left_counts_only_for_the_time_they_were_a_member() -> None:
    # Dad lived with the family from 2025 until June 2026: his benefit claim of 2024 was
    # before he joined, his assault of 2025 while he was there.
    events = [
        *EVENTS,
        event(
            "v", "police_incidents:dad", "violence_against_person", date(2025, 6, 1), role="SUSPECT"
        ),
    ]
    members = [*FAMILY[:2], ("F1", "dad", "parent", date(2026, 6, 1), date(2025, 1, 1))]
    result = assess(inputs(events, PEOPLE, members), RULES, as_of=AS_OF)
    dads = {n["need"] for n in result.needs.to_pylist() if n["person_id"] == "dad"}
    assert dads == {"crime"}


def test_a_child_grown_up_is_cited_once_per_event() -> None:
    # A role change closes one membership row and opens another in the same family.
    members = [*FAMILY, ("F1", "kid", "young_adult", date(2026, 3, 1), date(2014, 3, 1))]
    result = assess(inputs(EVENTS, PEOPLE, members), RULES, as_of=AS_OF)
    cited = [e["event_id"] for e in result.evidence.to_pylist() if e["person_id"] == "kid"]
    assert cited.count("e1") == 1
    (need,) = [n for n in result.needs.to_pylist() if n["person_id"] == "kid"]
    assert need["evidence_count"] == 1


def test_a_positive_sign_makes_a_recent_need_improving() -> None:
    events = [
        event("a", "school_census:kid", "school_term", date(2026, 6, 1), attendance_pct="80"),
        event("b", "school_census:kid", "school_term", date(2026, 9, 1), attendance_pct="97"),
    ]
    (need,) = assess(inputs(events, PEOPLE, FAMILY), RULES, as_of=AS_OF).needs.to_pylist()
    assert need["status"] == "improving"


# --- the SQL of a condition agrees with its plain meaning ---------------------------------

values = st.one_of(
    st.none(),
    st.integers(-5, 120).map(str),
    st.floats(0, 100, allow_nan=False).map(lambda f: f"{f:.1f}"),
    st.sampled_from(["Y", "N", "y", " DA ", "540", "3A,16A", "1A;2B", "DEV", ""]),
    st.lists(st.sampled_from(["3A", "16A", "DEV", "PMH"]), max_size=3),
)
operands = st.one_of(
    st.integers(0, 100),
    st.sampled_from(["Y", "DA", "540", "3A", "5"]),
    st.lists(st.sampled_from(["3A", "16A", "DEV", "Y", "5", "54"]), min_size=1, max_size=3),
)


@settings(max_examples=150, deadline=None)
@given(op=st.sampled_from(OPERATORS), operand=operands, value=values)
def test_condition_sql_agrees_with_its_plain_meaning(op, operand, value) -> None:
    condition, error = parse_condition("x", op, operand, 1)
    if condition is None:
        assert error
        return
    attributes = {} if value is None else {"x": value}
    con = duckdb.connect()
    sql = condition_sql(condition)
    row = con.execute(
        f"SELECT coalesce({sql}, false) FROM (SELECT ? AS attributes)",  # noqa: S608
        [json.dumps(attributes)],
    ).fetchone()
    assert row is not None
    got = row[0]
    assert got == holds(condition, attributes), (sql, attributes)


# --- the set-based status agrees with the plain function ----------------------------------

spans = st.lists(
    st.tuples(st.integers(0, 1500), st.one_of(st.none(), st.integers(0, 400)), st.booleans()),
    min_size=1,
    max_size=4,
)


@settings(max_examples=40, deadline=None)
@given(
    spans=spans, positives=st.lists(st.integers(0, 1700), max_size=2), offset=st.integers(0, 1700)
)
def test_engine_status_agrees_with_need_status(spans, positives, offset) -> None:
    start = date(2022, 1, 1)
    on = start + timedelta(days=offset)
    events, evidence = [], []
    for i, (day, length, ongoing_rule) in enumerate(spans):
        begin = start + timedelta(days=day)
        end = None if length is None else begin + timedelta(days=length)
        # substance misuse treatment lasts until its end date; rent arrears is one day
        etype = "substance_misuse_treatment" if ongoing_rule else "rent_arrears"
        events.append(event(f"n{i}", "src:mum", etype, begin, end))
        evidence.append(EvidenceSpan(begin, end if ongoing_rule else None, ongoing_rule))
    result = assess(inputs(events, PEOPLE, FAMILY), RULES, as_of=on)
    for need in result.needs.to_pylist():
        kind = "substance_misuse_treatment" if need["need"] == "substance_use" else "rent_arrears"
        mine = [
            e
            for e, (_, _, o) in zip(evidence, spans, strict=True)
            if (o and kind != "rent_arrears") or (not o and kind == "rent_arrears")
        ]
        assert need["status"] == need_status(mine, [], on=on, progress=RULES.progress)


def test_family_outcome_needs_every_need_sustained_after_closure() -> None:
    progress = Progress(improving_after_months=3, resolved_after_months=6)
    housing = NeedHistory("housing", [EvidenceSpan(date(2025, 1, 10))])
    benefits = NeedHistory(
        "financial_stability", [EvidenceSpan(date(2024, 1, 1), date(2025, 3, 1), True)]
    )
    closed = date(2025, 4, 1)
    early = family_outcome(
        [housing, benefits],
        closed_on=closed,
        on=date(2025, 9, 1),
        progress=progress,
        sustain_months=6,
    )
    assert not early.achieved
    assert "sustain period runs until 2025-10-01" in early.reasons[0]
    done = family_outcome(
        [housing, benefits],
        closed_on=closed,
        on=date(2025, 12, 1),
        progress=progress,
        sustain_months=6,
    )
    assert done.achieved, done.reasons
    relapse = NeedHistory("housing", [*housing.evidence, EvidenceSpan(date(2025, 6, 1))])
    failed = family_outcome(
        [relapse, benefits],
        closed_on=closed,
        on=date(2025, 12, 1),
        progress=progress,
        sustain_months=6,
    )
    assert not failed.achieved
    assert "housing: new evidence on 2025-06-01" in failed.reasons[0]
    open_claim = NeedHistory("financial_stability", [EvidenceSpan(date(2024, 1, 1), None, True)])
    still = family_outcome(
        [open_claim], closed_on=closed, on=date(2026, 1, 1), progress=progress, sustain_months=6
    )
    assert not still.achieved
