"""The privacy notice, written from what the system is configured to do.

Everything in it comes from configuration the system itself runs on: the controller file,
the source contracts (who sends what, why, under which law, kept how long) and the sharing
agreements (who else takes part). Change a contract and the next notice says so.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from familyhub.governance.agreements import SharingAgreement
from familyhub.governance.controller import ControllerConfig
from familyhub.governance.flows import SourceFlow

TEMPLATES = Path(__file__).parent / "templates"


def _category_words(category: str) -> str:
    from familyhub.sources.vocabulary import data_categories

    info = data_categories().get(category, {})
    label = category.replace("_", " ")
    return f"{label}: {info['description']}" if info.get("description") else label


RIGHTS = [
    ("Right to be informed", "This notice tells you what we hold, why, and who we share it with."),
    (
        "Right of access",
        "Ask for a copy of the information we hold about you, including who has looked at it. "
        "We reply within one calendar month (up to two more months for complex requests, and "
        "we will tell you within the first month if so).",
    ),
    ("Right to rectification", "Ask us to correct information that is wrong; we tell the "
     "organisation that gave it to us."),
    ("Right to erasure", "Ask us to delete your information. Some records we must keep by law "
     "(for example children's social care records); we will tell you which and why."),
    ("Right to restrict processing", "Ask us to keep your information but stop using it, for "
     "example while a correction is checked."),
    ("Right to data portability", "Ask for your information in a machine-readable form (JSON)."),
    ("Right to object", "Object to our use of your information, including the profiling "
     "that flags families who may need support; we stop unless we have compelling grounds."),
    ("Rights about automated decisions", "No decision about you is made by a computer alone: "
     "every flag is advice to a practitioner."),
]  # fmt: skip


@dataclass(frozen=True)
class Organisation:
    name: str
    what: str


@dataclass(frozen=True)
class NoticeContent:
    controller: ControllerConfig
    flows: list[SourceFlow]
    sources: list[Organisation]
    recipients: list[Organisation]
    categories: list[str]
    article_6: list[str]
    article_9: list[str]
    article_10: list[str]
    schedule_1: list[str]
    legal_gateways: list[str]
    rights: list[tuple[str, str]]
    generated_on: date
    fingerprint: str


def _unique(values: list[str]) -> list[str]:
    return sorted(dict.fromkeys(v for v in values if v))


def build_notice(
    *,
    controller: ControllerConfig,
    flows: list[SourceFlow],
    agreements: dict[str, SharingAgreement],
    today: date,
) -> NoticeContent:
    by_org: dict[str, list[str]] = {}
    for flow in flows:
        by_org.setdefault(flow.organisation, []).append(flow.title)
    sources = [Organisation(org, "; ".join(sorted(ds))) for org, ds in sorted(by_org.items())]
    # Every agreement's parties receive data: those the sources come under, and outbound
    # ones no source names (e.g. the national evaluation). The controller file's own words
    # for a recipient come first.
    recipients = {r.organisation: r.why for r in controller.other_recipients}
    register = sorted(agreements.values(), key=lambda a: a.name)
    for agreement in register:
        for org in agreement.organisations:
            if org != controller.controller.name:
                recipients.setdefault(org, f"a party to the {agreement.title}")
    gateways = [g for f in flows for g in f.legal_gateways] + [
        g for a in register for g in a.legal_gateways
    ]
    bases = [a.lawful_basis for a in register]
    content = NoticeContent(
        controller=controller,
        flows=flows,
        sources=sources,
        recipients=[Organisation(k, v) for k, v in sorted(recipients.items())],
        categories=[
            _category_words(c) for c in _unique([c for f in flows for c in f.data_categories])
        ],
        article_6=_unique(
            [b for f in flows for b in f.article_6] + [b for lb in bases for b in lb.article_6]
        ),
        article_9=_unique(
            [b for f in flows for b in f.article_9] + [b for lb in bases for b in lb.article_9]
        ),
        article_10=_unique(
            [b for f in flows for b in f.article_10] + [b for lb in bases for b in lb.article_10]
        ),
        schedule_1=_unique([c for f in flows for c in f.schedule_1]),
        legal_gateways=_unique(gateways),
        rights=RIGHTS,
        generated_on=today,
        fingerprint="",
    )
    # The fingerprint changes whenever anything the notice says changes (not the date).
    basis = repr((content.controller, flows, content.recipients, register)).encode()
    return NoticeContent(**{**content.__dict__, "fingerprint": hashlib.sha256(basis).hexdigest()})


def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_notice(content: NoticeContent, *, fmt: str) -> str:
    if fmt not in ("html", "md"):
        raise ValueError("format is html or md")
    return _environment().get_template(f"notice.{fmt}.j2").render(n=content)


def current_notice(*, fmt: str, today: date) -> str:
    """The notice for the configuration in force now."""
    from familyhub.governance.agreements import load_agreements
    from familyhub.governance.controller import load_controller
    from familyhub.governance.flows import source_flows

    content = build_notice(
        controller=load_controller(),
        flows=source_flows(),
        agreements=load_agreements(),
        today=today,
    )
    return render_notice(content, fmt=fmt)
