"""Health visiting and school nursing, mental health referrals, substance misuse treatment."""

from __future__ import annotations

import numpy as np

from familyhub.synth.arrays import where
from familyhub.synth.calendar import EXTRACT_DATE, NAT, WINDOW_START, academic_year_start, add_years
from familyhub.synth.rows import Rows, World, choice, concat, make_rows
from familyhub.synth.spellrows import background_dates, events_in_spells, sample

# (contact type, days after birth, service)
SCHEDULE = (
    ("NEW_BIRTH", 12, "HV"),
    ("6_8_WEEK", 49, "HV"),
    ("1_YEAR", 375, "HV"),
    ("2_YEAR", 770, "HV"),
)


def health_visiting(rng: np.random.Generator, w: World) -> Rows:
    pop = w.pop
    sp = w.spells
    parts: list[Rows] = []
    young = np.flatnonzero(pop.dob >= WINDOW_START - np.timedelta64(3 * 365, "D"))
    for contact, days, service in SCHEDULE:
        date = pop.dob[young] + days + rng.integers(0, 21, len(young))
        ok = (date >= WINDOW_START) & (date <= EXTRACT_DATE)
        concerns = where(rng.random(int(ok.sum())) < 0.03, "GROW", None)
        parts.append(
            make_rows(
                young[ok],
                date[ok],
                client_type="CHILD",
                contact=contact,
                service=service,
                concerns=concerns.astype(object),
            )
        )
    # School nursing: school entry (October of reception) and year 6 (January).
    pupils = np.flatnonzero(pop.upn != None)  # noqa: E711 (object array)
    cohort = academic_year_start(pop.dob[pupils])
    for contact, years, month_day in (("SCHOOL_ENTRY", 5, "-10-10"), ("YEAR_6", 12, "-01-20")):
        year = cohort + years + (1 if month_day.startswith("-01") else 0)
        date = (
            np.array([np.datetime64(f"{y:04d}{month_day}", "D") for y in year])
            if len(year)
            else np.zeros(0, "datetime64[D]")
        )
        ok = (date >= WINDOW_START) & (date <= EXTRACT_DATE)
        parts.append(
            make_rows(pupils[ok], date[ok], client_type="CHILD", contact=contact, service="SN")
        )
    # Mothers: antenatal contact and the new birth visit, for babies born in the window.
    babies = young[(pop.mother[young] >= 0) & (pop.dob[young] >= WINDOW_START + 80)]
    mothers = pop.mother[babies]
    parts.append(
        make_rows(
            mothers,
            pop.dob[babies] - 75,
            client_type="MOTHER",
            contact="ANTENATAL",
            service="HV",
            edd=pop.dob[babies],
        )
    )
    parts.append(
        make_rows(
            mothers, pop.dob[babies] + 12, client_type="MOTHER", contact="NEW_BIRTH", service="HV"
        )
    )
    expecting = np.flatnonzero(~np.isnat(pop.due_date))
    date = pop.due_date[expecting] - 100
    ok = date <= EXTRACT_DATE
    parts.append(
        make_rows(
            expecting[ok],
            date[ok],
            client_type="MOTHER",
            contact="ANTENATAL",
            service="HV",
            edd=pop.due_date[expecting[ok]],
        )
    )
    # Need 2: a development concern raised at a drop-in.
    s2 = sp.of_need(2)
    s2 = s2[rng.random(len(s2)) < 0.7]
    rep, date = events_in_spells(rng, w, s2, 1, 1)
    parts.append(
        make_rows(
            sp.subject[rep],
            date,
            spell=rep,
            client_type="CHILD",
            contact="DROP_IN",
            service="HV",
            concerns="DEV",
        )
    )
    # Need 3 for a mother with a baby: perinatal mental health concern.
    perinatal = perinatal_spells(w)
    parts.append(
        make_rows(
            sp.subject[perinatal],
            sp.start[perinatal],
            spell=perinatal,
            client_type="MOTHER",
            contact="DROP_IN",
            service="HV",
            concerns="PMH",
        )
    )
    rows = concat(parts)
    mother = np.where(rows.cols["client_type"] == "CHILD", pop.mother[rows.person], -1)
    rows.cols["mother_person"] = mother
    rows.cols["gp"] = ((pop.household[rows.person] * 7919) % 40).astype(np.int64)
    return rows


MH_NEEDS = {
    "CAMHS": ("ANX", "DEP", "SH", "EAT", "NDEV"),
    "TALKING_THERAPIES": ("ANX", "DEP"),
    "CMHT": ("PSY", "DEP"),
    "PERINATAL": ("PNMH",),
}


def perinatal_spells(w: World) -> np.ndarray:
    """Need-3 spells whose subject is a mother with a baby under one (perinatal)."""
    sp = w.spells
    pop = w.pop
    s3 = sp.of_need(3)
    youngest = np.full(len(pop), np.datetime64("1900-01-01"), dtype="datetime64[D]")
    kids = np.flatnonzero(pop.mother >= 0)
    np.maximum.at(youngest, pop.mother[kids], pop.dob[kids])
    baby = youngest[sp.subject[s3]]
    return s3[(baby <= sp.start[s3]) & (baby + 330 >= sp.start[s3])]


def mental_health_referrals(rng: np.random.Generator, w: World) -> Rows:
    pop = w.pop
    sp = w.spells
    rep, date = events_in_spells(rng, w, sp.of_need(3), 1, 2)
    adults = np.flatnonzero((w.families.role < 0) & (pop.dob <= EXTRACT_DATE - 16 * 365))
    others = sample(rng, adults, 0.05)
    person = np.concatenate([sp.subject[rep], others])
    date = np.concatenate([date, background_dates(rng, len(others))])
    spell = np.concatenate([rep, np.full(len(others), -1)])
    last = np.concatenate([sp.last_day()[rep], np.full(len(others), EXTRACT_DATE)])
    n = len(person)
    child = add_years(pop.dob[person], 18) > date
    peri = np.isin(spell, perinatal_spells(w))
    service = np.select(
        [child, peri, rng.random(n) < 0.75], ["CAMHS", "PERINATAL", "TALKING_THERAPIES"], "CMHT"
    ).astype(object)
    need = np.empty(n, dtype=object)
    for name, options in MH_NEEDS.items():
        where = np.flatnonzero(service == name)
        need[where] = choice(rng, options, len(where))
    outcome = choice(
        rng, ("ACCEPTED", "SIGNPOSTED", "NOT_ACCEPTED", "DNA"), n, (0.6, 0.2, 0.1, 0.1)
    )
    discharge = np.minimum(date + rng.integers(30, 300, n), last)
    discharge = np.where((last < EXTRACT_DATE) | (rng.random(n) < 0.3), discharge, NAT)
    return make_rows(
        person,
        date,
        spell=spell,
        service=service,
        need=need,
        outcome=outcome,
        source=choice(
            rng, ("GP", "SCHOOL", "SELF", "SOCIAL_CARE", "ED"), n, (0.5, 0.15, 0.2, 0.05, 0.1)
        ),
        discharge=discharge.astype("datetime64[D]"),
        gp=((pop.household[person] * 7919) % 40).astype(np.int64),
    )


def substance_misuse(rng: np.random.Generator, w: World) -> Rows:
    pop = w.pop
    sp = w.spells
    rep, date = events_in_spells(rng, w, sp.of_need(4), 1, 2)
    adults = np.flatnonzero((w.families.role < 0) & (pop.dob <= EXTRACT_DATE - 18 * 365))
    others = sample(rng, adults, 0.015)
    person = np.concatenate([sp.subject[rep], others])
    date = np.concatenate([date, background_dates(rng, len(others))])
    spell = np.concatenate([rep, np.full(len(others), -1)])
    last = np.concatenate([sp.last_day()[rep], np.full(len(others), EXTRACT_DATE)])
    n = len(person)
    discharged = (last < EXTRACT_DATE) | (rng.random(n) < 0.4)
    discharge = np.where(discharged, np.minimum(date + rng.integers(40, 400, n), last), NAT)
    reason = where(
        discharged,
        np.where(
            last < EXTRACT_DATE,
            "COMPLETED",
            choice(rng, ("COMPLETED", "DROPPED_OUT", "TRANSFERRED"), n, (0.4, 0.45, 0.15)),
        ),
        None,
    )
    in_family = spell >= 0
    kids = np.bincount(pop.household[pop.role == 2], minlength=len(pop.hh_type))[
        pop.household[person]
    ]
    status = np.where(
        in_family,
        "LIVES_WITH_CHILDREN",
        np.where(rng.random(n) < 0.3, "CHILDREN_ELSEWHERE", "NO_CHILDREN"),
    )
    return make_rows(
        person,
        date,
        spell=spell,
        referral_source=choice(rng, ("SELF", "GP", "CJS", "SOCIAL_CARE", "HOSPITAL"), n),
        substance=choice(
            rng,
            ("ALCOHOL", "OPIATES", "CRACK", "COCAINE", "CANNABIS", "OTHER"),
            n,
            (0.4, 0.15, 0.08, 0.12, 0.2, 0.05),
        ),
        discharge=discharge.astype("datetime64[D]"),
        reason=reason.astype(object),
        parental=status.astype(object),
        children=np.where(in_family, kids, 0).astype(np.int64),
    )
