"""A small synthetic multi-agency population with ground truth, for linkage tests and benchmarks.

Used until (and alongside) ``familyhub synth``: it produces exactly the ``source_record``
columns the linkage reads, plus the truth (``true_person``, ``name_origin``, ``household``),
and it deliberately contains what defeats a textbook model: twins and triplets (same family
name, date of birth and address), fathers and sons who share a name, records that carry a
relative's NHS number, nicknames, transliterations, swapped name order, typos, day/month
swaps, house moves and missing fields.

Everything is invented: the names are common published forenames and surnames.
"""

from __future__ import annotations

import itertools
import random
import zlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pyarrow as pa


def _words(text: str) -> list[str]:
    return text.split()


ORIGINS: dict[str, tuple[list[str], list[str], list[str], list[str]]] = {
    # origin: (male given names, female given names, family names, unused)
    "white_british": (
        _words(
            """
            james william thomas george oliver harry jack charlie jacob alfie
            noah leo oscar archie joshua daniel samuel joseph benjamin matthew
            luke ryan liam connor callum michael david john robert richard
            christopher andrew peter paul mark steven
            """
        ),
        _words(
            """
            olivia amelia isla ava emily sophia grace lily freya ella mia ivy
            poppy evie charlotte isabella sophie jessica chloe lucy hannah emma
            sarah laura rebecca katherine elizabeth margaret jennifer rachel
            louise claire amy megan
            """
        ),
        _words(
            """
            smith jones taylor brown williams wilson johnson davies robinson
            wright thompson evans walker white roberts green hall wood jackson
            clarke patel_no lewis harris martin cooper hill ward morris moore
            clark lee king baker harrison morgan allen james scott phillips
            watson davis parker price bennett young griffiths mitchell kelly
            cook carter richardson bailey collins bell shaw murphy miller cox
            richards khan_no marshall anderson simpson ellis adams singh_no
            begum_no wilkinson foster chapman powell webb rogers gray mason
            ali_no hunt hussain_no campbell matthews owen palmer holmes mills
            barnes knight lloyd butler russell barker fisher stevens jenkins
            murray dixon harvey graham pearson ahmed_no fletcher walsh kaur_no
            gibson howard andrews stewart elliott reynolds saunders
            """
        ),
        [],
    ),
    "south_asian": (
        _words(
            """
            mohammed muhammad ali ahmed hassan hussain ibrahim yusuf omar bilal
            hamza zain ayaan arjun rohan aarav vihaan kabir imran tariq asif
            sajid rizwan faisal kamran amir harjit gurpreet sandeep rajesh
            sanjay
            """
        ),
        _words(
            """
            fatima aisha maryam zainab hafsa khadija amina noor sana ayesha zara
            inaya anaya priya simran harpreet jaspreet nusrat shazia samina
            rukhsana parveen nasreen farzana shabana sadia
            """
        ),
        _words(
            """
            khan ahmed ali hussain begum patel shah iqbal rahman akhtar mahmood
            singh kaur sharma islam uddin miah bibi choudhury malik qureshi
            chaudhry sheikh butt rashid aslam siddiqui
            """
        ),
        [],
    ),
    "eastern_european": (
        _words(
            """
            jakub kacper szymon filip antoni jan aleksander mateusz piotr tomasz
            krzysztof andrzej pawel marcin lukasz andrei mihai ionut vasile
            """
        ),
        _words(
            """
            zuzanna julia maja zofia hanna lena alicja oliwia natalia agnieszka
            katarzyna magdalena joanna monika anna ioana elena andreea
            """
        ),
        _words(
            """
            nowak kowalski wisniewski wojcik kowalczyk kaminski lewandowski
            zielinski szymanski wozniak dabrowski kozlowski jankowski mazur
            kwiatkowski popescu ionescu popa radu stan dumitru
            """
        ),
        [],
    ),
    "black_african": (
        _words(
            """
            abdi abdullahi mohamed ahmed hassan yusuf chukwuemeka oluwaseun
            tunde kwame kofi emmanuel samuel daniel david joseph
            """
        ),
        _words(
            """
            amina fadumo hodan sahra ifrah ngozi chiamaka adaeze funmilayo abena
            ama grace blessing mercy precious
            """
        ),
        _words(
            """
            mohamed ahmed ali hassan abdi farah warsame osman okafor okeke
            adeyemi adebayo oladipo mensah asante boateng owusu
            """
        ),
        [],
    ),
    "chinese": (
        _words(
            """
            wei jun hao ming jie lei yang tao bo kai
            """
        ),
        _words(
            """
            li na jing ying xin mei hui yan ling fang
            """
        ),
        _words(
            """
            wang li zhang liu chen yang huang zhao wu zhou xu sun ma zhu hu lin
            """
        ),
        [],
    ),
}
ORIGIN_WEIGHTS = {
    "white_british": 0.72,
    "south_asian": 0.12,
    "eastern_european": 0.06,
    "black_african": 0.06,
    "chinese": 0.04,
}
# Spellings that the same person is recorded under by different agencies.
VARIANTS = {
    "mohammed": _words(
        """
            muhammad mohammad mohamed mohamad
            """
    ),
    "muhammad": _words(
        """
            mohammed muhammed
            """
    ),
    "mohamed": _words(
        """
            mohammed mohamud
            """
    ),
    "yusuf": _words(
        """
            yousuf yusef
            """
    ),
    "fatima": _words(
        """
            fatimah fatema
            """
    ),
    "aisha": _words(
        """
            ayesha aysha
            """
    ),
    "hussain": _words(
        """
            hussein husain
            """
    ),
    "ahmed": ["ahmad"],
    "choudhury": _words(
        """
            chowdhury choudhary
            """
    ),
    "abdullahi": ["abdulahi"],
    "zuzanna": ["zuzana"],
    "pawel": ["pavel"],
}
NICKNAMES = {
    "william": _words(
        """
            bill will billy
            """
    ),
    "thomas": _words(
        """
            tom tommy
            """
    ),
    "james": _words(
        """
            jim jimmy jamie
            """
    ),
    "robert": _words(
        """
            bob rob bobby
            """
    ),
    "richard": _words(
        """
            rick dick rich
            """
    ),
    "michael": _words(
        """
            mike mick
            """
    ),
    "christopher": ["chris"],
    "andrew": _words(
        """
            andy drew
            """
    ),
    "daniel": _words(
        """
            dan danny
            """
    ),
    "samuel": ["sam"],
    "joseph": _words(
        """
            joe joey
            """
    ),
    "benjamin": ["ben"],
    "matthew": ["matt"],
    "elizabeth": _words(
        """
            liz beth lizzie
            """
    ),
    "margaret": _words(
        """
            maggie peggy
            """
    ),
    "katherine": _words(
        """
            kate katie kathy
            """
    ),
    "jennifer": _words(
        """
            jenny jen
            """
    ),
    "rebecca": _words(
        """
            becky becca
            """
    ),
    "jessica": ["jess"],
    "alexander": ["alex"],
    "aleksander": ["olek"],
    "katarzyna": ["kasia"],
    "magdalena": ["magda"],
    "krzysztof": ["krzys"],
}
STREETS = [
    "church road",
    "station road",
    "victoria street",
    "park lane",
    "mill lane",
    "high street",
    "queens road",
    "kings avenue",
    "manor way",
    "the crescent",
    "albert road",
    "london road",
    "green lane",
    "meadow close",
    "orchard drive",
    "springfield road",
    "grange road",
    "hollins lane",
]
SOURCES = {
    # source: (fields it holds, who appears in it, probability of appearing)
    "health": ({"nhs", "sex", "phone"}, "all", 0.93),
    "education": ({"upn", "sex"}, "child", 0.9),
    "social_care": ({"nhs", "sex", "phone"}, "all", 0.22),
    "police": ({"sex"}, "all", 0.15),
    "housing": ({"ni", "phone", "email"}, "adult", 0.45),
    "dwp": ({"ni", "sex"}, "adult", 0.6),
    "early_help": ({"sex", "phone", "email"}, "all", 0.25),
}
PLACEHOLDER_DOB = date(1900, 1, 1)


@dataclass
class TruePerson:
    id: str
    given: str
    family: str
    middle: str | None
    sex: str
    dob: date
    origin: str
    household: str
    nhs: str
    ni: str | None
    upn: str | None
    addresses: list[tuple[str, str, str]] = field(default_factory=list)  # (address, pc, uprn)
    is_child: bool = False
    relatives: list[TruePerson] = field(default_factory=list)


def nhs_number(rng: random.Random) -> str:
    while True:
        digits = [rng.randrange(10) for _ in range(9)]
        check = 11 - sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
        if check == 11:
            check = 0
        if check != 10:
            return "".join(map(str, digits)) + str(check)


UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
NI_LETTERS = "ABCEGHJKLMNPRSTWXYZ"


def _ni_number(rng: random.Random) -> str:
    prefix = rng.choice(NI_LETTERS) + rng.choice(NI_LETTERS)
    return f"{prefix}{rng.randrange(10**6):06d}{rng.choice('ABCD')}"


def _postcode(rng: random.Random) -> str:
    area = rng.choice(["PR", "BB", "LA", "FY", "BL", "WN"])
    unit = "".join(rng.choice(UNIT_LETTERS) for _ in range(2))
    return f"{area}{rng.randrange(1, 10)} {rng.randrange(1, 10)}{unit}"


def _address(rng: random.Random, n: int) -> tuple[str, str, str]:
    return (
        f"{rng.randrange(1, 200)} {rng.choice(STREETS)}",
        _postcode(rng),
        str(100000000000 + n),
    )


def _random_dob(rng: random.Random, start: int, end: int) -> date:
    first = date(start, 1, 1)
    return first + timedelta(days=rng.randrange((date(end, 12, 31) - first).days))


def make_people(n_people: int, seed: int) -> list[TruePerson]:
    """Households of 1-6 with parents and children; twins, triplets and namesakes included."""
    rng = random.Random(seed)
    people: list[TruePerson] = []
    origins = list(ORIGIN_WEIGHTS)
    weights = list(ORIGIN_WEIGHTS.values())
    h = 0
    addr_n = 0
    counter = itertools.count()

    def new_person(
        origin: str, sex: str, family: str, dob: date, hh: str, child: bool
    ) -> TruePerson:
        male, female, _, _ = ORIGINS[origin]
        names = male if sex == "M" else female
        given = rng.choice(names)
        middle = rng.choice(names) if rng.random() < 0.4 else None
        return TruePerson(
            id=f"P{next(counter):08d}",
            given=given,
            family=family,
            middle=middle,
            sex=sex,
            dob=dob,
            origin=origin,
            household=hh,
            nhs=nhs_number(rng),
            ni=None if child else _ni_number(rng),
            upn=f"{rng.choice('ABCDEFGHJKLMNPQRTUVWXYZ')}{rng.randrange(10**12):012d}"
            if child
            else None,
            is_child=child,
        )

    while len(people) < n_people:
        h += 1
        hh = f"H{h:07d}"
        origin = rng.choices(origins, weights)[0]
        family = rng.choice([f for f in ORIGINS[origin][2] if not f.endswith("_no")])
        addr_n += 1
        home = _address(rng, addr_n)
        members: list[TruePerson] = []
        n_adults = rng.choices([1, 2], [0.35, 0.65])[0]
        father_dob = _random_dob(rng, 1965, 2000)
        for i in range(n_adults):
            sex = "M" if i == 0 and n_adults == 2 else rng.choice("MF")
            dob = father_dob if i == 0 else _random_dob(rng, 1965, 2000)
            members.append(new_person(origin, sex, family, dob, hh, child=False))
        n_births = rng.choices([0, 1, 2, 3], [0.25, 0.3, 0.3, 0.15])[0]
        youngest_parent = max(m.dob for m in members)
        for _ in range(n_births):
            dob = _random_dob(rng, max(youngest_parent.year + 18, 2005), 2025)
            multiple = rng.choices([1, 2, 3], [0.955, 0.04, 0.005])[0]
            for _k in range(multiple):
                child = new_person(origin, rng.choice("MF"), family, dob, hh, child=True)
                # no two children of one family share a given name
                used = {m.given for m in members}
                while child.given in used:
                    male, female, _, _ = ORIGINS[origin]
                    child.given = rng.choice(male if child.sex == "M" else female)
                members.append(child)
        father = members[0]
        sons = [m for m in members if m.is_child and m.sex == "M"]
        if father.sex == "M" and sons and rng.random() < 0.12:
            sons[0].given = father.given  # junior: same name, same address, decades apart
        for m in members:
            m.addresses.append(home)
            if rng.random() < 0.15:  # moved house: some agencies still hold the old one
                addr_n += 1
                m.addresses.insert(0, _address(rng, addr_n))
            m.relatives = [o for o in members if o is not m]
        people.extend(members)
    return people[:n_people]


def _typo(rng: random.Random, s: str) -> str:
    if len(s) < 3:
        return s
    i = rng.randrange(1, len(s))
    op = rng.randrange(3)
    if op == 0:
        return s[:i] + s[i + 1 :]
    if op == 1:
        return s[:i] + rng.choice("aeiourstnl") + s[i:]
    j = min(i + 1, len(s) - 1)
    return s[:i] + s[j] + s[i] + s[j + 1 :] if j != i else s


def _record_name(rng: random.Random, p: TruePerson) -> tuple[str, str]:
    given, family = p.given, p.family
    r = rng.random()
    if r < 0.05 and given in NICKNAMES:
        given = rng.choice(NICKNAMES[given])
    elif r < 0.12 and given in VARIANTS:
        given = rng.choice(VARIANTS[given])
    elif r < 0.16:
        given = _typo(rng, given)
    r = rng.random()
    if r < 0.04 and family in VARIANTS:
        family = rng.choice(VARIANTS[family])
    elif r < 0.07:
        family = _typo(rng, family)
    if rng.random() < (0.06 if p.origin == "chinese" else 0.012):
        given, family = family, given
    return given, family


def _record_dob(rng: random.Random, dob: date) -> date | None:
    r = rng.random()
    if r < 0.025:
        return None
    if r < 0.04 and dob.day <= 12 and dob.day != dob.month:
        return date(dob.year, dob.day, dob.month)
    if r < 0.055:
        try:
            return dob.replace(day=(dob.day % 28) + 1)
        except ValueError:
            return dob
    if r < 0.06:
        return dob.replace(year=dob.year + rng.choice([-1, 1]), day=min(dob.day, 28))
    return dob


def make_records(people: list[TruePerson], seed: int) -> pa.Table:
    """One row per source record, with ``true_person``, ``name_origin`` and ``household``."""
    rng = random.Random(seed + 1)
    rows: list[dict[str, Any]] = []
    for p in people:
        for source, (fields, who, prob) in SOURCES.items():
            if (who == "child" and not p.is_child) or (who == "adult" and p.is_child):
                continue
            if rng.random() >= prob:
                continue
            copies = 2 if rng.random() < 0.05 else 1  # duplicate registrations
            for copy in range(copies):
                row = _record(rng, p, source, fields, len(rows))
                row["partner_person_id"] = f"{source[:2]}{copy}-{p.id}"
                rows.append(row)
    cols = {k: [r[k] for r in rows] for k in rows[0]}
    return pa.table(cols)


def _record(
    rng: random.Random, p: TruePerson, source: str, fields: set[str], n: int
) -> dict[str, Any]:
    given, family = _record_name(rng, p)
    address, postcode, uprn = (
        rng.choice(p.addresses) if len(p.addresses) > 1 and rng.random() < 0.4 else p.addresses[-1]
    )
    if rng.random() < 0.04:
        postcode = None  # type: ignore[assignment]
    nhs = None
    if "nhs" in fields and rng.random() < 0.9:
        nhs = p.nhs
        if p.relatives and rng.random() < 0.006:
            nhs = rng.choice(p.relatives).nhs  # a relative's number keyed in by mistake
        elif rng.random() < 0.01:
            nhs = nhs[:-2] + nhs[-1] + nhs[-2]
    upn = p.upn if "upn" in fields and rng.random() < 0.92 else None
    ni = p.ni if "ni" in fields and rng.random() < 0.85 else None
    other = p.middle if p.middle and rng.random() < 0.5 else None
    return {
        "id": n + 1,
        "source": source,
        "record_id": f"{source[:3].upper()}{n + 1:09d}",
        "status": "active",
        "given_name": given.title(),
        "family_name": family.title(),
        "other_names": other.title() if other else None,
        "given_name_match": given,
        "family_name_match": family,
        "date_of_birth": _record_dob(rng, p.dob),
        "sex": p.sex if "sex" in fields and rng.random() < 0.97 else None,
        "nhs_number": nhs,
        "ni_number": ni,
        "upn": upn,
        "address": address.title(),
        "postcode": postcode,
        "postcode_sector": postcode[:-2] if postcode else None,
        "postcode_district": postcode.split(" ")[0] if postcode else None,
        "postcode_area": postcode.split(" ")[0].rstrip("0123456789") if postcode else None,
        "uprn": uprn if rng.random() < 0.5 else None,
        "phone": f"07{zlib.crc32(p.id.encode()) % 10**9:09d}"
        if "phone" in fields and rng.random() < 0.5
        else None,
        "email": f"{p.given}.{p.family}{p.dob.year % 100}@example.org"
        if "email" in fields and rng.random() < 0.4
        else None,
        "updated_at": datetime(2025, 1, 1, tzinfo=UTC) + timedelta(days=rng.randrange(300)),
        "true_person": p.id,
        "name_origin": p.origin,
        "household": p.household,
        "birth_group": f"{p.household}:{p.dob.isoformat()}",
        "namesake_group": f"{p.household}:{p.given}:{p.family}",
    }


def population(n_people: int, seed: int = 7) -> pa.Table:
    """Source records for ``n_people`` invented people, truth columns included."""
    return make_records(make_people(n_people, seed), seed)
