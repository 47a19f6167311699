"""Reading the practitioner's forms: what was typed, and what is missing, field by field.

Only the shape of the input is checked here (a required field left empty, a choice not on
the list); whether the user may do it, and everything the domain knows about the input
(an impossible NHS number, a justification too short) is decided by the services, whose
messages the pages show on the form.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import FormData

from familyhub.casework.service import CONSENT_AT_REFERRAL
from familyhub.consent.models import CONSENT_STATES

SEARCH_FIELDS = ("name", "date_of_birth", "nhs_number", "postcode")
CONSENT_AT_REFERRAL_LABELS = {
    "given": "Yes, the family has agreed to this request",
    "not_sought": "No, consent has not been sought (say why in the reason)",
    "declined": "No, the family declined (say why you are referring anyway)",
}
CONSENT_STATE_LABELS = {
    "given": "Given",
    "declined": "Declined",
    "withdrawn": "Withdrawn",
}


@dataclass
class Form:
    """Values as typed (to show again) and errors by field id."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def error(self, field_id: str, text: str) -> None:
        self.errors.setdefault(field_id, text)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> list[dict[str, str]]:
        """The error summary's list, each linking to its field."""
        return [{"text": text, "href": f"#{field_id}"} for field_id, text in self.errors.items()]


def text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def many(form: FormData, name: str) -> list[str]:
    return [v for v in form.getlist(name) if isinstance(v, str) and v]


def search_form(data: FormData) -> Form:
    form = Form(values={name: text(data, name) for name in SEARCH_FIELDS})
    if not any(form.values.values()):
        form.error("name", "Enter a name, date of birth, NHS number or postcode")
    return form


def involvement_form(data: FormData) -> Form:
    return Form(values={"service": text(data, "service")})


def referral_form(data: FormData, *, mash: bool) -> Form:
    form = Form(
        values={
            "reason": text(data, "reason"),
            "consent_at_referral": text(data, "consent_at_referral"),
            "receiving_service": "" if mash else text(data, "receiving_service"),
        }
    )
    if not form.values["reason"]:
        form.error("reason", "Say what the concern or need is")
    if form.values["consent_at_referral"] not in CONSENT_AT_REFERRAL:
        form.error("consent_at_referral", "Select whether the family has agreed to this")
    return form


def consent_form(data: FormData) -> Form:
    form = Form(
        values={
            "state": text(data, "state"),
            "purposes": many(data, "purposes"),
            "recipient_organisations": many(data, "recipient_organisations"),
            "data_categories": many(data, "data_categories"),
            "evidence": text(data, "evidence"),
            "notes": text(data, "notes"),
        }
    )
    state = form.values["state"]
    if state not in CONSENT_STATES:
        form.error("state", "Select whether consent was given, declined or withdrawn")
    if state == "given":
        if not form.values["purposes"]:
            form.error("purposes", "Select the purposes the family agreed to")
        if not form.values["recipient_organisations"]:
            form.error("recipient_organisations", "Select who the family agreed may see it")
        if not form.values["data_categories"]:
            form.error("data_categories", "Select the kinds of information the family agreed to")
    if not form.values["evidence"]:
        form.error("evidence", "Say what the consent rests on, for example the form's reference")
    return form


def break_glass_form(data: FormData) -> Form:
    form = Form(values={"justification": text(data, "justification")})
    if not form.values["justification"]:
        form.error("justification", "Say why you need to see this record now")
    return form
