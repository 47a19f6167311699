"""Police incidents and the IDVA/MARAC domestic abuse service."""

from __future__ import annotations

import numpy as np

from familyhub.synth.calendar import EXTRACT_DATE, NAT, add_years
from familyhub.synth.population import COUPLE, OLDER_COUPLE
from familyhub.synth.rows import Rows, World, choice, concat, make_rows
from familyhub.synth.spellrows import background_dates, children_present, events_in_spells, sample

CRIME_TYPES = ("ASB", "VIOL", "THEFT", "CDMG", "DRUGS")
DASH = ("STANDARD", "MEDIUM", "HIGH")
DASH_P = (0.5, 0.35, 0.15)


def _non_family_adults(w: World) -> np.ndarray:
    pop = w.pop
    adult = pop.dob <= EXTRACT_DATE - np.timedelta64(18 * 365, "D")
    return np.flatnonzero(adult & (w.families.role < 0))


def background_da_couples(w: World) -> np.ndarray:
    """Adult 1 of the childless couples with domestic abuse (about 1.5%), chosen by index."""
    pop = w.pop
    couple = np.isin(pop.hh_type, (COUPLE, OLDER_COUPLE)) & (w.families.of_household < 0)
    chosen = couple & ((np.arange(len(couple)) * 2_654_435_761) % 1000 < 15)
    return pop.hh_first[np.flatnonzero(chosen)]


def _domestic(
    rng: np.random.Generator,
    w: World,
    victim: np.ndarray,
    suspect: np.ndarray,
    date: np.ndarray,
    spell: np.ndarray,
    kind: str,
) -> Rows:
    """Rows of domestic incidents: the victim, the suspect if known, children present."""
    n = len(victim)
    inc = np.arange(n)
    risk = choice(rng, DASH, n, DASH_P) if kind == "DA" else np.full(n, None, dtype=object)
    parts = [
        make_rows(
            victim, date, spell=spell, group=inc, incident_type=kind, role="VICTIM", dash_risk=risk
        )
    ]
    has = suspect >= 0
    parts.append(
        make_rows(
            suspect[has],
            date[has],
            spell=spell[has],
            group=inc[has],
            incident_type=kind,
            role="SUSPECT",
            dash_risk=risk[has],
        )
    )
    pos, kids = children_present(w, victim, date)
    parts.append(
        make_rows(
            kids,
            date[pos],
            spell=spell[pos],
            group=inc[pos],
            incident_type=kind,
            role="CHILD_PRESENT",
            dash_risk=risk[pos],
        )
    )
    return concat(parts, group_offsets=False)


def police_incidents(rng: np.random.Generator, w: World) -> Rows:
    sp = w.spells
    pop = w.pop
    parts: list[Rows] = []
    # Need 8: domestic abuse incidents.
    rep, date = events_in_spells(rng, w, sp.of_need(8), 1, 3)
    parts.append(_domestic(rng, w, sp.subject[rep], sp.other[rep], date, rep, "DA"))
    # Need 5: domestic incidents, non-crime (parental conflict).
    rep, date = events_in_spells(rng, w, sp.of_need(5), 1, 2)
    parts.append(_domestic(rng, w, sp.subject[rep], sp.other[rep], date, rep, "DNC"))
    # Outside families: domestic abuse in childless couples.
    victims = background_da_couples(w)
    date = background_dates(rng, len(victims))
    parts.append(
        _domestic(rng, w, victims, pop.partner[victims], date, np.full(len(victims), -1), "DA")
    )

    # Need 7: the subject as suspect; the victim is anyone.
    rep, date = events_in_spells(rng, w, sp.of_need(7), 1, 3)
    parts.append(_crime(rng, w, sp.subject[rep], date, rep))
    # Outside families: suspects; and everyone may be a victim or witness.
    suspects = sample(rng, _non_family_adults(w), 0.03)
    parts.append(
        _crime(rng, w, suspects, background_dates(rng, len(suspects)), np.full(len(suspects), -1))
    )
    unknown = sample(rng, np.flatnonzero(pop.dob <= EXTRACT_DATE - np.timedelta64(3650, "D")), 0.03)
    parts.append(
        _crime(
            rng,
            w,
            np.full(len(unknown), -1),
            background_dates(rng, len(unknown), add_years(pop.dob[unknown], 10)),
            np.full(len(unknown), -1),
            victim=unknown,
        )
    )

    # Need 6: a child reported missing.
    s6 = sp.of_need(6)
    s6 = s6[(rng.random(len(s6)) < 0.3)]
    old_enough = add_years(pop.dob[sp.subject[s6]], 10) <= sp.last_day()[s6]
    s6 = s6[old_enough]
    rep, date = events_in_spells(rng, w, s6, 1, 2)
    date = np.maximum(date, add_years(pop.dob[sp.subject[rep]], 10))
    parts.append(
        make_rows(
            sp.subject[rep],
            date,
            spell=rep,
            group=np.arange(len(rep)),
            incident_type="MISPER",
            role="MISSING",
        )
    )
    rows = concat(parts)
    rows.cols.setdefault("dash_risk", np.full(len(rows), None, dtype=object))
    return rows


def _crime(
    rng: np.random.Generator,
    w: World,
    suspect: np.ndarray,
    date: np.ndarray,
    spell: np.ndarray,
    victim: np.ndarray | None = None,
) -> Rows:
    """Non-domestic incidents: a suspect (if known), a victim (non-drugs) and maybe a witness."""
    n = len(date)
    pop = w.pop
    kind = choice(rng, CRIME_TYPES, n, (0.3, 0.25, 0.25, 0.12, 0.08))
    if victim is None:
        victim = rng.integers(0, len(pop), n)
    victim = np.where(kind == "DRUGS", -1, victim)
    victim = np.where((victim >= 0) & (pop.dob[np.maximum(victim, 0)] <= date), victim, -1)
    inc = np.arange(n)
    witness = np.where(rng.random(n) < 0.25, rng.integers(0, len(pop), n), -1)
    witness = np.where(
        (witness >= 0) & (pop.dob[np.maximum(witness, 0)] <= add_years(date, -10)), witness, -1
    )
    parts = []
    for who, role, sp in (
        (suspect, "SUSPECT", spell),
        (victim, "VICTIM", -1),
        (witness, "WITNESS", -1),
    ):
        has = who >= 0
        spell_col = sp[has] if isinstance(sp, np.ndarray) else sp
        parts.append(
            make_rows(
                who[has],
                date[has],
                spell=spell_col,
                group=inc[has],
                incident_type=kind[has],
                role=role,
            )
        )
    return concat(parts, group_offsets=False)


def domestic_abuse_service(rng: np.random.Generator, w: World) -> Rows:
    sp = w.spells
    pop = w.pop
    s8 = sp.of_need(8)
    s8 = s8[rng.random(len(s8)) < 0.65]
    rep, date = events_in_spells(rng, w, s8, 1, 1)
    victims = background_da_couples(w)
    victims = victims[rng.random(len(victims)) < 0.5]
    victim = np.concatenate([sp.subject[rep], victims])
    perp = np.concatenate([sp.other[rep], pop.partner[victims]])
    date = np.concatenate([date, background_dates(rng, len(victims))])
    spell = np.concatenate([rep, np.full(len(victims), -1)])
    last = np.concatenate([sp.last_day()[rep], np.full(len(victims), EXTRACT_DATE)])
    n = len(victim)
    case = np.arange(n)
    risk = choice(rng, DASH, n, (0.3, 0.4, 0.3))
    marac = (risk == "HIGH") & (rng.random(n) < 0.85)
    marac_date = np.where(marac, date + rng.integers(10, 29, n), NAT).astype("datetime64[D]")
    marac_date = np.where(marac_date <= EXTRACT_DATE, marac_date, NAT).astype("datetime64[D]")
    closed = np.maximum(last - rng.integers(0, 60, n), date + 1)
    closed = np.where(last < EXTRACT_DATE, closed, NAT).astype("datetime64[D]")
    referrer = choice(
        rng, ("POLICE", "HEALTH", "CSC", "SELF", "HOUSING"), n, (0.6, 0.1, 0.1, 0.15, 0.05)
    )
    common = {
        "referrer": referrer,
        "risk_level": risk,
        "marac": marac.astype(object),
        "marac_date": marac_date,
        "case_closed": closed.astype("datetime64[D]"),
    }
    parts = [make_rows(victim, date, spell=spell, group=case, role="VICTIM", **common)]
    has = perp >= 0
    parts.append(
        make_rows(
            perp[has],
            date[has],
            spell=spell[has],
            group=case[has],
            role="PERPETRATOR",
            **{k: v[has] for k, v in common.items()},
        )
    )
    pos, kids = children_present(w, victim, date)
    parts.append(
        make_rows(
            kids,
            date[pos],
            spell=spell[pos],
            group=case[pos],
            role="CHILD",
            **{k: v[pos] for k, v in common.items()},
        )
    )
    return concat(parts, group_offsets=False)
