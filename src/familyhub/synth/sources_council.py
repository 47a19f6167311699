"""Housing, children's social care, youth justice and DWP out-of-work benefits."""

from __future__ import annotations

from typing import Any

import numpy as np

from familyhub.synth.arrays import where
from familyhub.synth.calendar import EXTRACT_DATE, NAT, add_years
from familyhub.synth.families import FCHILD, FGRANDPARENT, MOTHER, STEP_PARENT
from familyhub.synth.population import ADULT1, ADULT2, CHILD
from familyhub.synth.rows import Rows, World, choice, concat, make_rows
from familyhub.synth.spellrows import background_dates, events_in_spells, sample

HOUSING_PROBLEMS = ("ARREARS", "NOSP", "EVICTION")
HOMELESSNESS = ("PREVENTION_DUTY", "RELIEF_DUTY", "MAIN_DUTY", "TEMP_ACCOM")


def _household_sizes(w: World) -> np.ndarray:
    return np.bincount(w.pop.household, minlength=len(w.pop.hh_type))


def housing(rng: np.random.Generator, w: World) -> Rows:
    pop = w.pop
    sp = w.spells
    res = w.residence
    parts: list[Rows] = []
    # Council tenants who moved in the window: the new tenancy.
    hh = np.flatnonzero(pop.council_tenant & ~np.isnat(res.household_move))
    lead = pop.hh_first[hh]
    parts.append(
        make_rows(
            lead, res.household_move[hh], group=hh, event_type="TENANCY_START", person_role="LEAD"
        )
    )
    joint = pop.partner[lead]
    has = joint >= 0
    parts.append(
        make_rows(
            joint[has],
            res.household_move[hh][has],
            group=hh[has],
            event_type="TENANCY_START",
            person_role="JOINT",
        )
    )
    # Need 9: arrears and notices, or homelessness duties with the household on the case.
    rep, date = events_in_spells(rng, w, sp.of_need(9), 1, 3)
    parts.append(_arrears(rng, w, sp.subject[rep], date, rep))
    s9 = sp.of_need(9)
    s9 = s9[rng.random(len(s9)) < 0.35]
    parts.append(_homeless(rng, w, s9))
    # Outside families: arrears among other council tenants.
    tenants = np.flatnonzero(pop.council_tenant & (w.families.of_household < 0))
    others = pop.hh_first[sample(rng, tenants, 0.05)]
    parts.append(
        _arrears(rng, w, others, background_dates(rng, len(others)), np.full(len(others), -1))
    )
    rows = concat(parts, group_offsets=True)
    rows.cols["tenancy"] = pop.household[rows.person].astype(np.int64)
    rows.cols["household_size"] = _household_sizes(w)[pop.household[rows.person]].astype(np.int64)
    return rows


def _arrears(
    rng: np.random.Generator, w: World, lead: np.ndarray, date: np.ndarray, spell: np.ndarray
) -> Rows:
    n = len(lead)
    kind = choice(rng, HOUSING_PROBLEMS, n, (0.7, 0.25, 0.05))
    balance = np.round(rng.gamma(2.0, 600.0, n) + 400, 2)
    event = np.arange(n)
    parts = [
        make_rows(
            lead,
            date,
            spell=spell,
            group=event,
            event_type=kind,
            person_role="LEAD",
            arrears=balance,
        )
    ]
    joint = w.pop.partner[lead]
    has = joint >= 0
    parts.append(
        make_rows(
            joint[has],
            date[has],
            spell=spell[has],
            group=event[has],
            event_type=kind[has],
            person_role="JOINT",
            arrears=balance[has],
        )
    )
    return concat(parts, group_offsets=False)


def _homeless(rng: np.random.Generator, w: World, spells: np.ndarray) -> Rows:
    sp = w.spells
    parts = []
    start = sp.start[spells]
    last = sp.last_day()[spells]
    steps = rng.integers(1, len(HOMELESSNESS) + 1, len(spells))
    base = 0
    for i, kind in enumerate(HOMELESSNESS):
        idx = np.flatnonzero(steps > i)
        date = np.minimum(start[idx] + 30 * i + rng.integers(0, 20, len(idx)), last[idx])
        event = base + idx
        lead = sp.subject[spells[idx]]
        pos, member = w.members_of_households(w.pop.household[lead])
        alive = w.pop.dob[member] <= date[pos]
        pos, member = pos[alive], member[alive]
        role = np.where(member == lead[pos], "LEAD", "MEMBER")
        parts.append(
            make_rows(
                member,
                date[pos],
                spell=spells[idx][pos],
                group=event[pos],
                event_type=kind,
                person_role=role.astype(object),
            )
        )
        base += len(spells)
    return concat(parts, group_offsets=False)


FACTORS_OTHER = ("16A", "17A", "4B", "14A", "5A", "18C", "10A", "6B", "20", "7A")
CP_CATEGORIES = ("NEG", "PHY", "EMO", "SEX", "MUL")


def childrens_social_care(rng: np.random.Generator, w: World) -> Rows:
    pop = w.pop
    sp = w.spells
    fam = w.families
    s6 = sp.of_need(6)
    child = sp.subject[s6]
    ref = sp.start[s6]
    last = sp.last_day()[s6]
    open_ = np.isnat(sp.end[s6])
    n = len(s6)
    asmt = np.minimum(ref + rng.integers(5, 40, n), last)
    plan = np.minimum(asmt + rng.integers(10, 45, n), last)
    plan_type = choice(rng, ("CIN", "CP", "LAC"), n, (0.6, 0.3, 0.1))
    factors, spell2 = _factors(rng, w, s6, asmt)
    episodes: list[tuple[Any, ...]] = [
        # (child, start, end, type, spell, spell2, factors, referral source, cp category)
        (child, ref, ref + 1, np.full(n, "REF", dtype=object), s6, np.full(n, -1), None),
        (
            child,
            asmt,
            np.minimum(asmt + 35, last),
            np.full(n, "ASMT", dtype=object),
            s6,
            spell2,
            factors,
        ),
        (child, plan, np.where(open_, NAT, last), plan_type, s6, np.full(n, -1), None),
    ]
    # Outside need spells: referrals that end after assessment ("no further action").
    kids = np.flatnonzero(fam.role == FCHILD)
    nfa = sample(rng, kids, 0.02)
    date = background_dates(rng, len(nfa), pop.dob[nfa] + 10)
    k = len(nfa)
    episodes.append(
        (nfa, date, date + 1, np.full(k, "REF", dtype=object), np.full(k, -1), np.full(k, -1), None)
    )
    episodes.append(
        (
            nfa,
            date + 20,
            date + 50,
            np.full(k, "ASMT", dtype=object),
            np.full(k, -1),
            np.full(k, -1),
            choice(rng, ("21", "20", "5A", "6B"), k),
        )
    )
    parts = []
    base = 0
    for who, start, end, kind, spell, extra, fac in episodes:
        m = len(who)
        ep = base + np.arange(m)
        base += m
        start = np.minimum(start, EXTRACT_DATE)
        end = np.where(end > EXTRACT_DATE, NAT, end).astype("datetime64[D]")
        common = {
            "episode_type": kind,
            "end": end,
            "referral_source": where(
                kind == "REF",
                choice(
                    rng,
                    ("POLICE", "SCHOOL", "HEALTH", "LA", "SELF", "OTHER"),
                    m,
                    (0.35, 0.25, 0.15, 0.1, 0.05, 0.1),
                ),
                None,
            ).astype(object),
            "cin_factors": fac if fac is not None else np.full(m, None, dtype=object),
            "cp_category": where(kind == "CP", choice(rng, CP_CATEGORIES, m), None).astype(object),
            "family_role": np.full(m, "CHILD", dtype=object),
        }
        parts.append(make_rows(who, start, spell=spell, spell2=extra, group=ep, **common))
        # The adults of the child's family group share the episode.
        pos, member = w.members_of_households(pop.household[who])
        adult = np.isin(fam.role[member], (MOTHER, 1, STEP_PARENT, FGRANDPARENT))
        adult &= pop.dob[member] <= start[pos]
        pos, member = pos[adult], member[adult]
        roles = np.array(
            ["MOTHER", "FATHER", "STEP_PARENT", "CHILD", "GRANDPARENT", "MOTHER"], dtype=object
        )[fam.role[member]]
        adult_cols = {key: value[pos] for key, value in common.items()}
        adult_cols["family_role"] = roles
        parts.append(
            make_rows(
                member, start[pos], spell=spell[pos], spell2=extra[pos], group=ep[pos], **adult_cols
            )
        )
    rows = concat(parts, group_offsets=False)
    rows.cols["family_group"] = fam.of_household[pop.household[rows.person]].astype(np.int64)
    return rows


def _factors(
    rng: np.random.Generator, w: World, s6: np.ndarray, when: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """CIN factors at assessment; abuse or substance factors only inside those need spells."""
    sp = w.spells
    n = len(s6)
    spell2 = np.full(n, -1)
    suffix = np.full(n, "", dtype=object)
    for need, codes in ((4, ("1B", "2B")), (8, ("3A", "3B"))):
        rows = sp.of_need(need)
        by_family = np.full(w.families.count, -1)
        by_family[sp.family[rows]] = rows
        other = by_family[sp.family[s6]]
        live = (
            (other >= 0)
            & (sp.start[np.maximum(other, 0)] <= when)
            & (sp.last_day()[np.maximum(other, 0)] >= when)
        )
        spell2 = np.where(live, other, spell2)
        code = choice(rng, codes, n)
        suffix = np.where(live, code, suffix)
    main = choice(rng, FACTORS_OTHER, n)
    extra = np.where(rng.random(n) < 0.4, "," + choice(rng, FACTORS_OTHER, n), "")
    factors = np.where(suffix != "", suffix + "," + main, main + extra).astype(object)
    return factors, spell2


def youth_justice(rng: np.random.Generator, w: World) -> Rows:
    pop = w.pop
    sp = w.spells
    s7 = sp.of_need(7)
    s7 = s7[pop.role[sp.subject[s7]] == CHILD]
    rep, date = events_in_spells(rng, w, s7, 1, 3)
    person = sp.subject[rep]
    date = np.maximum(date, add_years(pop.dob[person], 10))
    ok = (date <= sp.last_day()[rep]) & (add_years(pop.dob[person], 18) > date)
    rep, date, person = rep[ok], date[ok], person[ok]
    n = len(rep)
    outcome = choice(
        rng, ("TRIAGE", "YC", "YCC", "RO", "YRO", "DTO"), n, (0.3, 0.2, 0.15, 0.2, 0.12, 0.03)
    )
    gravity = np.select(
        [outcome == "TRIAGE", outcome == "DTO"],
        [rng.integers(1, 3, n), rng.integers(6, 9, n)],
        rng.integers(2, 6, n),
    )
    return make_rows(
        person,
        date,
        spell=rep,
        offence=choice(
            rng,
            ("VAP", "ROB", "THEFT", "BURG", "CDMG", "DRUGS", "PUBLIC_ORDER", "MOTORING", "WEAPON"),
            n,
        ),
        outcome_date=np.minimum(date + rng.integers(14, 120, n), EXTRACT_DATE),
        outcome=outcome,
        gravity=gravity.astype(np.int64),
    )


BENEFITS = ("UC_SEARCH", "UC_PREP", "UC_NWR", "ESA", "JSA", "IS")
BENEFIT_P = (0.45, 0.15, 0.15, 0.1, 0.05, 0.1)


def dwp_benefits(rng: np.random.Generator, w: World) -> Rows:
    pop = w.pop
    sp = w.spells
    s10 = sp.of_need(10)
    claimant = sp.subject[s10]
    start = sp.start[s10]
    end = sp.end[s10]
    adults = np.flatnonzero(
        (w.families.role < 0)
        & np.isin(pop.role, (ADULT1, ADULT2))
        & (pop.dob <= EXTRACT_DATE - 18 * 365)
        & (pop.dob >= EXTRACT_DATE - 66 * 365)
    )
    others = sample(rng, adults, 0.12)
    o_start = background_dates(rng, len(others))
    o_end = np.where(
        rng.random(len(others)) < 0.5,
        np.minimum(o_start + rng.integers(60, 700, len(others)), EXTRACT_DATE),
        NAT,
    )
    claimant = np.concatenate([claimant, others])
    start = np.concatenate([start, o_start])
    end = np.concatenate([end, o_end]).astype("datetime64[D]")
    spell = np.concatenate([s10, np.full(len(others), -1)])
    n = len(claimant)
    partner = pop.partner[claimant]
    joint = (partner >= 0) & (rng.random(n) < 0.6) & (spell >= 0)
    kids = np.bincount(pop.household[pop.role == CHILD], minlength=len(pop.hh_type))
    claim = np.arange(n)
    benefit = choice(rng, BENEFITS, n, BENEFIT_P)
    common = {
        "benefit": benefit,
        "end": end,
        "joint": np.where(joint, "Y", "N").astype(object),
        "children": kids[pop.household[claimant]].astype(np.int64),
    }
    parts = [
        make_rows(
            claimant,
            start,
            spell=spell,
            group=claim,
            partner_person=np.where(joint, partner, -1),
            **common,
        )
    ]
    j = np.flatnonzero(joint)
    parts.append(
        make_rows(
            partner[j],
            start[j],
            spell=spell[j],
            group=claim[j],
            partner_person=claimant[j],
            **{k: v[j] for k, v in common.items()},
        )
    )
    return concat(parts, group_offsets=False)
