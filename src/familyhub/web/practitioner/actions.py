"""The casework actions as GOV.UK forms: join the team, become lead practitioner, record
consent, request support or refer to the MASH, and break glass.

Each action has a page under the person's or the family's view (``/people/<id>/join-team``,
``/families/<id>/break-glass``...). The form page itself shows nothing about the person, so
opening it reads no person data; the POST calls the single view's action, which asks the
decision point and writes the action's audit event, then goes back to the view (POST,
redirect, GET) with a message. Input the service cannot accept is shown on the form with an
error summary (status 400); a refusal is the app's 403 page with the policy's reason.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import select
from starlette.responses import RedirectResponse, Response

from familyhub.access.models import Organisation
from familyhub.access.vocabulary import load_vocabulary
from familyhub.casework.service import CaseworkError
from familyhub.consent.models import ALL_ORGANISATIONS
from familyhub.consent.service import ConsentError
from familyhub.singleview import service as singleview
from familyhub.singleview.types import ActionResult
from familyhub.web.deps import CurrentVisit, Visit
from familyhub.web.practitioner import forms
from familyhub.web.practitioner.display import category_choices, purpose_choices
from familyhub.web.templating import render

# The CSRF check comes from the pages router this one is included in.
router = APIRouter(include_in_schema=False)

SUBJECTS = {"people": "person_id", "families": "family_id"}
FORM_ERRORS = (CaseworkError, ConsentError, singleview.InvalidRequestError)


class Action:
    """One action: its form, how to read it, and the service call it makes."""

    def __init__(
        self,
        name: str,
        path: str,
        title: str,
        template: str,
        read: Callable[[Any], forms.Form],
        call: Callable[[Visit, dict[str, str], dict[str, Any]], ActionResult],
    ) -> None:
        self.name, self.path, self.title, self.template = name, path, title, template
        self.read, self.call = read, call


def _common(visit: Visit, subject: dict[str, str]) -> dict[str, Any]:
    return {
        "user": visit.user,
        "purpose": visit.purpose or "",
        "request_id": visit.request_id,
        **subject,
    }


def _join(visit: Visit, subject: dict[str, str], v: dict[str, Any]) -> ActionResult:
    return singleview.join_team(visit.db, service=v["service"] or None, **_common(visit, subject))


def _lead(visit: Visit, subject: dict[str, str], v: dict[str, Any]) -> ActionResult:
    return singleview.become_lead_practitioner(
        visit.db, service=v["service"] or None, **_common(visit, subject)
    )


def _consent(visit: Visit, subject: dict[str, str], v: dict[str, Any]) -> ActionResult:
    return singleview.record_consent(
        visit.db,
        state=v["state"],
        evidence=v["evidence"],
        purposes=v["purposes"],
        recipient_organisations=v["recipient_organisations"],
        data_categories=v["data_categories"],
        notes=v["notes"] or None,
        **_common(visit, subject),
    )


def _support(visit: Visit, subject: dict[str, str], v: dict[str, Any]) -> ActionResult:
    return singleview.request_support(
        visit.db,
        reason=v["reason"],
        consent_at_referral=v["consent_at_referral"],
        receiving_service=v["receiving_service"] or None,
        **_common(visit, subject),
    )


def _mash(visit: Visit, subject: dict[str, str], v: dict[str, Any]) -> ActionResult:
    return singleview.refer_to_mash(
        visit.db,
        reason=v["reason"],
        consent_at_referral=v["consent_at_referral"],
        **_common(visit, subject),
    )


def _break_glass(visit: Visit, subject: dict[str, str], v: dict[str, Any]) -> ActionResult:
    return singleview.break_glass(
        visit.db, justification=v["justification"], **_common(visit, subject)
    )


ACTIONS = [
    Action(
        "join_team",
        "join-team",
        "Join the team around the family",
        "practitioner/involvement_form.html",
        forms.involvement_form,
        _join,
    ),
    Action(
        "become_lead",
        "become-lead",
        "Become the lead practitioner",
        "practitioner/involvement_form.html",
        forms.involvement_form,
        _lead,
    ),
    Action(
        "record_consent",
        "consent",
        "Record consent",
        "practitioner/consent_form.html",
        forms.consent_form,
        _consent,
    ),
    Action(
        "request_support",
        "request-support",
        "Request support from early help",
        "practitioner/referral_form.html",
        lambda data: forms.referral_form(data, mash=False),
        _support,
    ),
    Action(
        "mash_referral",
        "mash-referral",
        "Refer a concern to the MASH",
        "practitioner/referral_form.html",
        lambda data: forms.referral_form(data, mash=True),
        _mash,
    ),
    Action(
        "break_glass",
        "break-glass",
        "Use the safeguarding override (break-glass)",
        "practitioner/break_glass_form.html",
        forms.break_glass_form,
        _break_glass,
    ),
]


def _form_context(visit: Visit, action: Action, kind: str, subject_id: str) -> dict[str, Any]:
    context: dict[str, Any] = {
        "title": action.title,
        "action": action.name,
        "back": f"/{kind}/{subject_id}",
        "subject_words": "the family" if kind == "families" else "this person",
        "form": {},
        "field_errors": {},
        "break_glass_minutes": load_vocabulary().break_glass_minutes,
        "break_glass_min_words": load_vocabulary().break_glass_min_words,
        "consent_at_referral": forms.CONSENT_AT_REFERRAL_LABELS,
        "consent_states": forms.CONSENT_STATE_LABELS,
    }
    if action.name == "record_consent":
        # Organisation names are not person data; the choices for "who may see it".
        organisations = visit.db.execute(
            select(Organisation.code, Organisation.name).order_by(Organisation.name)
        ).all()
        context["organisations"] = [(ALL_ORGANISATIONS, "Every partner organisation")] + [
            (code, name) for code, name in organisations
        ]
        context["purposes"] = purpose_choices()
        context["categories"] = category_choices()
    return context


def _add_routes(kind: str, action: Action) -> None:
    key = SUBJECTS[kind]
    path = f"/{kind}/{{subject_id}}/{action.path}"

    def show(request: Request, visit: CurrentVisit, subject_id: str) -> Response:
        return render(request, action.template, _form_context(visit, action, kind, subject_id))

    async def submit(request: Request, visit: CurrentVisit, subject_id: str) -> Response:
        form = action.read(await request.form())
        context = await run_in_threadpool(_form_context, visit, action, kind, subject_id)
        if form.ok:
            try:
                # The service's database work is synchronous: keep it off the event loop.
                await run_in_threadpool(action.call, visit, {key: subject_id}, form.values)
            except FORM_ERRORS as problem:
                first = next(iter(form.values), "")
                form.error(first, str(problem))
            else:
                return RedirectResponse(f"/{kind}/{subject_id}?done={action.name}", status_code=303)
        context.update(form=form.values, field_errors=form.errors, errors=form.summary())
        return render(request, action.template, context, status_code=400)

    router.add_api_route(path, show, methods=["GET"], name=f"{kind}_{action.name}_form")
    router.add_api_route(path, submit, methods=["POST"], name=f"{kind}_{action.name}")


for _kind in SUBJECTS:
    for _action in ACTIONS:
        _add_routes(_kind, _action)
