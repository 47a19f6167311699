"""Each partner's file layout: column names, date formats, name order, identifier formats.

A renderer turns a source's rows and the partner's record of each person into a pyarrow
table whose columns are exactly those in docs/synthetic-data.md, in that order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from familyhub.synth.arrays import where
from familyhub.synth.education import POST16
from familyhub.synth.identifiers import fmt_int
from familyhub.synth.render import (
    Ctx,
    FileFormat,
    date_cells,
    date_text,
    forenames,
    ids,
    ints,
    join,
    labels,
    ref,
    s,
    sex_code,
    upper,
)
from familyhub.synth.sources_education import term_labels


def police_incidents(ctx: Ctx) -> dict[str, pa.Array]:
    line, town, postcode, _ = ctx.dwelling()
    year = ctx.rows.date.astype("datetime64[Y]").astype(int) + 1970
    dob = date_text(ctx.ident.dob, "%d/%m/%Y")
    return {
        "involvement_id": ctx.record_id,
        "incident_ref": s(
            "NP/" + year.astype(str).astype(object) + "/" + fmt_int(ctx.rows.group % 1_000_000, 6)
        ),
        "incident_date": date_text(ctx.rows.date, "%d/%m/%Y"),
        "incident_type": s(ctx.col("incident_type")),
        "role": s(ctx.col("role")),
        "nominal_id": ctx.partner_id,
        "surname": upper(ctx.ident.surname),
        "forenames": forenames(ctx),
        "dob": dob,
        "sex": sex_code(ctx, "M", "F", "U"),
        "address": join(line, town, sep=", "),
        "postcode": s(postcode),
        "nhs_number": ids(ctx, "nhs"),
        "dash_risk": s(ctx.col("dash_risk")),
    }


def school_census(ctx: Ctx) -> dict[str, pa.Array]:
    line, _, postcode, uprn = ctx.dwelling()
    no_uprn = (ctx.ident.record * 2_654_435_761) % 100 < 10
    return {
        "census_row_id": ctx.record_id,
        "pupil_id": ctx.partner_id,
        "upn": ids(ctx, "upn"),
        "surname": s(ctx.ident.surname),
        "forename": s(ctx.ident.forename),
        "middle_names": s(ctx.ident.middle),
        "dob": date_text(ctx.ident.dob, "%Y-%m-%d"),
        "gender": sex_code(ctx, "M", "F"),
        "address": s(line),
        "postcode": s(postcode),
        "uprn": s(where(no_uprn, None, uprn)),
        "school_urn": labels(ctx.world.schools.urn.astype(str), ctx.col("school")),
        "school_name": labels(ctx.world.schools.name, ctx.col("school")),
        "nc_year": labels(["R", *map(str, range(1, 14))], ctx.col("nc_year")),
        "term": labels(term_labels(), ctx.col("term_index")),
        "sessions_possible": ints(ctx.col("sessions_possible")),
        "sessions_attended": ints(ctx.col("sessions_attended")),
        "attendance_pct": pc.round(
            pc.multiply(
                pc.divide(
                    pa.array(ctx.col("sessions_attended").astype(float)),
                    pa.array(ctx.col("sessions_possible").astype(float)),
                ),
                100.0,
            ),
            1,
        ),
        "suspensions": ints(ctx.col("suspensions")),
        "permanent_exclusion": labels(["N", "Y"], ctx.col("permanent_exclusion")),
        "fsm": labels(["N", "Y"], ctx.col("fsm")),
        "sen_status": labels(["N", "K", "E"], ctx.col("sen_status")),
    }


def _spaced_nhs(values: np.ndarray) -> pa.Array:
    v = s(values)
    return join(
        pc.utf8_slice_codeunits(v, 0, 3),
        pc.utf8_slice_codeunits(v, 3, 6),
        pc.utf8_slice_codeunits(v, 6, 10),
    )


def early_years(ctx: Ctx) -> dict[str, pa.Array]:
    line, town, postcode, _ = ctx.dwelling()
    cols = {
        "Review Ref": ctx.record_id,
        "Child ID": ctx.partner_id,
        "Child Name": join(upper(ctx.ident.surname), s(ctx.ident.forename), sep=", "),
        "DOB": date_text(ctx.ident.dob, "%d-%b-%y"),
        "Gender": sex_code(ctx, "Male", "Female"),
        "NHS No": _spaced_nhs(ctx.ident.ids["nhs"]),
        "Address": join(line, town, sep=", "),
        "Post Code": s(postcode),
        "Setting": s(ctx.col("Setting")),
        "Review Date": date_text(ctx.rows.date, "%d-%b-%y"),
        "Outcome": s(ctx.col("Outcome")),
    }
    for key in (
        "ASQ Communication",
        "ASQ Gross Motor",
        "ASQ Fine Motor",
        "ASQ Problem Solving",
        "ASQ Personal Social",
    ):
        cols[key] = s(ctx.col(key))
    cols["Funded 2yo Place"] = s(ctx.col("funded"))
    cols["Parent/Carer Name"] = s(ctx.col("carer"))
    return cols


def _own_record_of(ctx: Ctx, person: np.ndarray) -> pa.Array:
    """The partner id of another person's own (first) record in this source, if any."""
    by_person = np.full(len(ctx.world.pop), -1)
    original = ~ctx.ident.record_is_duplicate
    by_person[ctx.ident.record_person[original]] = np.flatnonzero(original)
    rec = np.where(person >= 0, by_person[np.maximum(person, 0)], -1)
    return s(where(rec >= 0, ctx.partner_id_of_record[np.maximum(rec, 0)], None))


def health_visiting(ctx: Ctx) -> dict[str, pa.Array]:
    _, _, postcode, _ = ctx.dwelling()
    return {
        "contact_id": ctx.record_id,
        "client_id": ctx.partner_id,
        "client_type": s(ctx.col("client_type")),
        "mother_client_id": _own_record_of(ctx, ctx.col("mother_person")),
        "nhs_number": ids(ctx, "nhs"),
        "forename": s(ctx.ident.forename),
        "surname": s(ctx.ident.surname),
        "dob": date_text(ctx.ident.dob, "%Y-%m-%d"),
        "sex": sex_code(ctx, "M", "F"),
        "postcode": s(postcode),
        "gp_practice": ref(8000 + ctx.col("gp"), 4, "P"),
        "contact_date": date_text(ctx.rows.date, "%Y-%m-%d"),
        "service": s(ctx.col("service")),
        "contact_type": s(ctx.col("contact")),
        "concerns": s(ctx.col("concerns")),
        "edd": date_text(ctx.col("edd"), "%Y-%m-%d"),
    }


def _unrecorded(ctx: Ctx, percent: int) -> np.ndarray:
    """Per row: its partner record has no address line (never asked, no fixed abode)."""
    return (ctx.ident.record * 40503 + 17) % 100 < percent


def mental_health_referrals(ctx: Ctx) -> dict[str, pa.Array]:
    line, town, postcode, _ = ctx.dwelling()
    # The trust's patient system holds the address as the spine gives it, in capitals.
    missing = _unrecorded(ctx, 6)
    return {
        "referral_id": ctx.record_id,
        "local_patient_id": ctx.partner_id,
        "nhs_number": ids(ctx, "nhs"),
        "family_name": s(ctx.ident.surname),
        "given_name": s(ctx.ident.forename),
        "date_of_birth": date_text(ctx.ident.dob, "%Y%m%d"),
        "gender": sex_code(ctx, "1", "2"),
        "address_line_1": upper(where(missing, None, line)),
        "address_line_2": upper(where(missing, None, town)),
        "postcode": s(postcode),
        "gp_practice_code": ref(8000 + ctx.col("gp"), 4, "P"),
        "referral_date": date_text(ctx.rows.date, "%Y%m%d"),
        "service": s(ctx.col("service")),
        "referral_source": s(ctx.col("source")),
        "presenting_need": s(ctx.col("need")),
        "outcome": s(ctx.col("outcome")),
        "discharge_date": date_text(ctx.col("discharge"), "%Y%m%d"),
    }


def dwp_benefits(ctx: Ctx) -> dict[str, pa.Array]:
    line, _, postcode, _ = ctx.dwelling()
    partner = ctx.col("partner_person")
    partner_nino = where(partner >= 0, ctx.world.pop.nino[np.maximum(partner, 0)], None)
    return {
        "RECORD_ID": ctx.record_id,
        "CLAIM_ID": ref(ctx.rows.group, 8, "CL"),
        "NINO": ids(ctx, "nino"),
        "SURNAME": upper(ctx.ident.surname),
        "FORENAME": upper(ctx.ident.forename),
        "DOB": date_text(ctx.ident.dob, "%d%m%Y"),
        "SEX": sex_code(ctx, "M", "F"),
        "ADDR_LINE_1": upper(line),
        "POSTCODE": s(postcode),
        "BENEFIT_TYPE": s(ctx.col("benefit")),
        "CLAIM_START": date_text(ctx.rows.date, "%d%m%Y"),
        "CLAIM_END": date_text(ctx.col("end"), "%d%m%Y"),
        "JOINT_CLAIM": s(ctx.col("joint")),
        "PARTNER_NINO": s(partner_nino),
        "CHILDREN_ON_CLAIM": ints(ctx.col("children")),
    }


def _titles(ctx: Ctx) -> pa.Array:
    pop = ctx.world.pop
    person = ctx.rows.person
    adult = pop.dob[person] <= ctx.rows.date - 16 * 365
    married = ~np.isnat(pop.surname_changed_on[person])
    female = ctx.ident.sex == 1
    title = np.select(
        [~female & adult, ~female, female & ~adult, married],
        ["Mr", "Master", "Miss", "Mrs"],
        np.where((person % 3) == 0, "Miss", "Ms"),
    ).astype(object)
    return s(where(person % 31 == 0, None, title))


def housing(ctx: Ctx) -> dict[str, pa.Array]:
    line, town, postcode, uprn = ctx.dwelling()
    arrears = (
        ctx.col("arrears").astype(float) if "arrears" in ctx.rows.cols else np.full(ctx.n, np.nan)
    )
    return {
        "row_ref": ctx.record_id,
        "event_ref": ref(ctx.rows.group, 7, "E"),
        "person_ref": ctx.partner_id,
        "tenancy_ref": ref(ctx.col("tenancy"), 7, "T"),
        "person_role": s(ctx.col("person_role")),
        "title": _titles(ctx),
        "first_name": s(ctx.ident.forename),
        "last_name": s(ctx.ident.surname),
        "dob": date_text(ctx.ident.dob, "%d/%m/%Y"),
        "ni_number": ids(ctx, "nino"),
        "uprn": s(uprn),
        "address": join(line, town, sep=", "),
        "postcode": s(postcode),
        "event_date": date_text(ctx.rows.date, "%d/%m/%Y"),
        "event_type": s(ctx.col("event_type")),
        "arrears_balance": s([None if np.isnan(x) else f"{x:.2f}" for x in arrears]),
        "household_size": ints(ctx.col("household_size")),
    }


def childrens_social_care(ctx: Ctx) -> dict[str, pa.Array]:
    _, _, postcode, _ = ctx.dwelling()
    hidden = ctx.ident.restricted

    def masked(values: np.ndarray) -> pa.Array:
        return s(where(hidden, None, values))

    return {
        "row_id": ctx.record_id,
        "episode_id": ref(ctx.rows.group, 7, "EPI"),
        "person_id": ctx.partner_id,
        "family_group_id": ref(ctx.col("family_group"), 6, "FG"),
        "role_in_family": s(ctx.col("family_role")),
        "forename": masked(ctx.ident.forename),
        "surname": masked(ctx.ident.surname),
        "dob": date_text(ctx.ident.dob, "%d/%m/%Y"),
        "gender": sex_code(ctx, "M", "F"),
        "nhs_number": masked(ctx.ident.ids["nhs"]),
        "upn": masked(ctx.ident.ids["upn"]),
        "postcode": masked(postcode),
        "episode_type": s(ctx.col("episode_type")),
        "start_date": date_text(ctx.rows.date, "%d/%m/%Y"),
        "end_date": date_text(ctx.col("end"), "%d/%m/%Y"),
        "referral_source": s(ctx.col("referral_source")),
        "cin_factors": s(ctx.col("cin_factors")),
        "cp_category": s(ctx.col("cp_category")),
        "restricted": s(np.where(hidden, "Y", "N").astype(object)),
    }


def youth_justice(ctx: Ctx) -> dict[str, pa.Array]:
    line, town, postcode, _ = ctx.dwelling()
    return {
        "yjs_outcome_id": ctx.record_id,
        "yjs_person_id": ctx.partner_id,
        "full_name": join(s(ctx.ident.forename), upper(ctx.ident.surname)),
        "dob": date_text(ctx.ident.dob, "%d-%b-%Y"),
        "sex": sex_code(ctx, "M", "F"),
        "address": join(line, town, sep=", "),
        "postcode": s(postcode),
        "upn": ids(ctx, "upn"),
        "offence_date": date_text(ctx.rows.date, "%d-%b-%Y"),
        "offence_type": s(ctx.col("offence")),
        "outcome_date": date_text(ctx.col("outcome_date"), "%d-%b-%Y"),
        "outcome": s(ctx.col("outcome")),
        "gravity": ints(ctx.col("gravity")),
    }


def substance_misuse(ctx: Ctx) -> dict[str, pa.Array]:
    line, town, postcode, _ = ctx.dwelling()
    missing = _unrecorded(ctx, 10)
    return {
        "Episode ID": ctx.record_id,
        "Client ID": ctx.partner_id,
        "First Name": s(ctx.ident.forename),
        "Surname": s(ctx.ident.surname),
        "Date of Birth": date_cells(ctx.ident.dob),
        "Sex": sex_code(ctx, "Male", "Female"),
        "NHS Number": ids(ctx, "nhs"),
        "Address": join(where(missing, None, line), town, sep=", "),
        "Postcode": s(postcode),
        "Referral Date": date_cells(ctx.rows.date),
        "Referral Source": s(ctx.col("referral_source")),
        "Primary Substance": s(ctx.col("substance")),
        "Discharge Date": date_cells(ctx.col("discharge")),
        "Discharge Reason": s(ctx.col("reason")),
        "Parental Status": s(ctx.col("parental")),
        "Children in Household": ints(ctx.col("children")),
    }


def domestic_abuse_service(ctx: Ctx) -> dict[str, pa.Array]:
    _, _, postcode, _ = ctx.dwelling()
    refuge = (ctx.col("role") == "VICTIM") & ((ctx.rows.group * 40503) % 100 < 15)
    return {
        "record_id": ctx.record_id,
        "case_id": ref(ctx.rows.group, 6, "MC"),
        "person_key": ctx.partner_id,
        "role": s(ctx.col("role")),
        "first_name": s(ctx.ident.forename),
        "last_name": s(ctx.ident.surname),
        "date_of_birth": date_text(ctx.ident.dob, "%Y-%m-%d"),
        "gender": sex_code(ctx, "male", "female"),
        "postcode": s(where(refuge, None, postcode)),
        "referral_date": date_text(ctx.rows.date, "%Y-%m-%d"),
        "referrer": s(ctx.col("referrer")),
        "risk_level": s(ctx.col("risk_level")),
        "marac": pa.array(ctx.col("marac").astype(bool)),
        "marac_date": date_text(ctx.col("marac_date"), "%Y-%m-%d"),
        "case_closed": date_text(ctx.col("case_closed"), "%Y-%m-%d"),
    }


def neet_tracking(ctx: Ctx) -> dict[str, pa.Array]:
    _, _, postcode, _ = ctx.dwelling()
    code = ctx.col("code")
    return {
        "Record_No": ctx.record_id,
        "CCIS_ID": ctx.partner_id,
        "UPN": ids(ctx, "upn"),
        "Forename": s(ctx.ident.forename),
        "Surname": s(ctx.ident.surname),
        "DOB": date_text(ctx.ident.dob, "%d/%m/%Y"),
        "Gender": sex_code(ctx, "M", "F"),
        "Postcode": s(postcode),
        "Academic_Age": ints(ctx.col("academic_age")),
        "Activity_Code": s(code),
        "Activity_Desc": s(np.array([POST16[c] for c in code], dtype=object)),
        "Start_Date": date_text(ctx.rows.date, "%d/%m/%Y"),
        "Review_Date": date_text(ctx.rows.date + 120, "%d/%m/%Y"),
    }


@dataclass(frozen=True)
class Layout:
    """One partner source: its file, format, id patterns and renderer."""

    file_name: str
    fmt: FileFormat
    record_prefix: str
    record_width: int
    partner_prefix: str
    partner_width: int
    render: Callable[[Ctx], dict[str, pa.Array]]


CSV = FileFormat("csv")
LAYOUTS: dict[str, Layout] = {
    "police_incidents": Layout(
        "police_incidents_2026-09-30.csv", CSV, "INV", 9, "N", 8, police_incidents
    ),
    "school_census": Layout(
        "school_census_pupils_2022-2026.csv", CSV, "SC", 10, "PUP", 8, school_census
    ),
    "early_years": Layout(
        "EY_2yr_Reviews_2026-09-30.csv",
        FileFormat("csv", quoting="all_valid", encoding="cp1252", crlf=True),
        "EYR",
        7,
        "EY",
        7,
        early_years,
    ),
    "health_visiting": Layout(
        "0-19_service_contacts_20260930.csv", CSV, "C", 9, "HV", 8, health_visiting
    ),
    "mental_health_referrals": Layout(
        "MH_REFERRALS_20260930.csv", CSV, "R", 9, "LP", 8, mental_health_referrals
    ),
    "dwp_benefits": Layout(
        "DWP_OOWB_919_202609.txt",
        FileFormat("csv", delimiter="|", quoting="none"),
        "D",
        9,
        "DWP",
        9,
        dwp_benefits,
    ),
    "housing": Layout("housing_events_2026-09-30.csv", CSV, "H", 9, "HP", 7, housing),
    "childrens_social_care": Layout(
        "CSC_Episodes_2026-09-30.csv", CSV, "CSC", 9, "P", 7, childrens_social_care
    ),
    "youth_justice": Layout("YJS_Outcomes_Sep2026.csv", CSV, "YO", 8, "YP", 6, youth_justice),
    "substance_misuse": Layout(
        "Substance_Misuse_Treatment_2026-09-30.xlsx",
        FileFormat("xlsx", sheet="Episodes"),
        "EP",
        7,
        "CL",
        6,
        substance_misuse,
    ),
    "domestic_abuse_service": Layout(
        "idva_marac_2026-09-30.jsonl", FileFormat("jsonl"), "DA", 8, "DP", 7, domestic_abuse_service
    ),
    "neet_tracking": Layout(
        "CCIS_Tracking_Export_2026-09.csv",
        FileFormat("csv", delimiter=";", bom=True, crlf=True),
        "CC",
        8,
        "",
        7,
        neet_tracking,
    ),
}
