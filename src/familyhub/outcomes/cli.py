"""``familyhub assess``, ``export needs``, ``needs``, ``rules`` and ``claims``."""

from __future__ import annotations

import getpass
from datetime import date
from pathlib import Path

import typer
from rich.table import Table

from familyhub.console import console, err_console, progress

needs_app = typer.Typer(
    help="Families' needs: list, show with evidence, confirm or dismiss.", no_args_is_help=True
)
rules_app = typer.Typer(help="The Supporting Families rules file.", no_args_is_help=True)
claims_app = typer.Typer(
    help="Episodes of work and outcome claims with evidence packs.", no_args_is_help=True
)

RULES_OPTION = typer.Option(
    None, "--rules", help="A rules file (default: the one shipped with familyhub).", dir_okay=False
)


def _day(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        err_console.print(f"[red]{text!r} is not a date: write YYYY-MM-DD[/red]")
        raise typer.Exit(2) from None


def _rules(path: Path | None):  # type: ignore[no-untyped-def]
    from familyhub.outcomes.rules import RulesError, load_rules

    try:
        return load_rules(path)
    except RulesError as exc:
        err_console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None


def assess_command(
    as_of: str | None = typer.Option(
        None, "--as-of", help="Assess as on this day (YYYY-MM-DD; default today)."
    ),
    rules: Path | None = RULES_OPTION,
    links: Path | None = typer.Option(
        None, "--links", help="A CSV of source, record_id, person_id instead of linkage's links."
    ),
    actor: str | None = typer.Option(None, help="Who is running it (default: the login name)."),
) -> None:
    """Recompute every family's needs, evidence, progress and eligibility.

    Needs are advice: a practitioner confirms or dismisses each (`familyhub needs confirm`).
    People who object to profiling, or whose processing is restricted, are left out. Events
    dated in the future or before the person's birth are reported, not counted.

    Examples:

      familyhub assess

      familyhub assess --as-of 2026-09-30 --rules /etc/familyhub/rules.yaml
    """
    from familyhub.db import unit_of_work
    from familyhub.families.inputs import NoLinksError
    from familyhub.outcomes.service import assess_all

    rule_set = _rules(rules)
    try:
        with progress() as bar:
            task = bar.add_task("assessing needs", total=None)
            with unit_of_work() as session:
                summary = assess_all(
                    session,
                    actor=actor or getpass.getuser(),
                    rules=rule_set,
                    as_of=_day(as_of),
                    links_file=links,
                )
            bar.update(task, total=1, completed=1)
    except NoLinksError as exc:
        err_console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    console.print(
        f"Assessed {summary.families} families as of {summary.as_of} (rules "
        f"{summary.rules_version}): {summary.eligible} eligible, {summary.needs} needs, "
        f"{summary.evidence} pieces of evidence."
    )
    if summary.rejected:
        console.print(
            f"[yellow]{summary.rejected} events not counted (dated in the future or before "
            "birth): `familyhub needs rejected` lists them.[/yellow]"
        )


def export_needs(
    out: Path = typer.Option(..., "--out", help="The file to write (.csv or .parquet)."),
) -> None:
    """Write family_id, person_id, need, status, first_evidence_date, last_evidence_date.

    Examples:

      familyhub export needs --out needs.csv

      familyhub export needs --out needs.parquet
    """
    from familyhub.db import unit_of_work
    from familyhub.outcomes.service import export_needs as write

    with unit_of_work() as session:
        count = write(session, out)
    console.print(f"Wrote {count} needs to {out}.")


@needs_app.command("list")
def list_needs(
    eligible: bool = typer.Option(False, "--eligible", help="Only families eligible now."),
    limit: int = typer.Option(50, help="At most this many families."),
) -> None:
    """Families with their needs and eligibility from the latest assessment.

    Examples:

      familyhub needs list --eligible
    """
    from sqlalchemy import select

    from familyhub.db import unit_of_work
    from familyhub.outcomes.models import FamilyAssessment

    with unit_of_work() as session:
        query = select(FamilyAssessment).where(FamilyAssessment.need_count > 0)
        if eligible:
            query = query.where(FamilyAssessment.eligible.is_(True))
        query = query.order_by(FamilyAssessment.need_count.desc(), FamilyAssessment.family_id)
        table = Table("family", "needs", "eligible", "confirmed", "assessed")
        for row in session.scalars(query.limit(limit)):
            table.add_row(
                row.family_id,
                ", ".join(row.needs),
                "yes" if row.eligible else "no",
                str(row.confirmed_count),
                row.assessed_on.isoformat(),
            )
    console.print(table)


@needs_app.command("show")
def show_needs(family_id: str = typer.Argument(..., help="The family's id.")) -> None:
    """A family's needs, each with its evidence in plain English and the decision in force.

    Example:

      familyhub needs show 3f2a...
    """
    from familyhub.db import unit_of_work
    from familyhub.outcomes.headline import BY_KEY
    from familyhub.outcomes.service import family_needs

    with unit_of_work() as session:
        items = family_needs(session, family_id)
        if not items:
            console.print(f"Family {family_id} has no needs in the latest assessment.")
            return
        for item in items:
            need = item["need"]
            decision = item["decision"]
            state = (
                f"{decision.decision} by {decision.decided_by}: {decision.reason}"
                if decision
                else "advice: not yet confirmed or dismissed"
            )
            console.print(
                f"[bold]{BY_KEY[need.need].title}[/bold] ({need.need}) for person "
                f"{need.person_id}: {need.status}, evidence {need.first_evidence_date} to "
                f"{need.last_evidence_date}, rules {need.rules_version}. {state}"
            )
            for evidence in item["evidence"]:
                mark = " (positive sign)" if evidence.signal == "positive" else ""
                console.print(f"  - {evidence.text}{mark} [{evidence.source} {evidence.event_id}]")


def _decide(family_id: str, need: str, decision: str, reason: str, by: str | None) -> None:
    from familyhub.db import unit_of_work
    from familyhub.outcomes.service import DecisionError, decide_need

    try:
        with unit_of_work() as session:
            record = decide_need(
                session,
                family_id=family_id,
                need=need,
                decision=decision,
                reason=reason,
                decided_by=by or getpass.getuser(),
            )
            console.print(f"Need {record.need} of family {family_id} {decision}.")
    except DecisionError as exc:
        err_console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None


REASON = typer.Option(..., "--reason", help="Why, in a few words (kept with the decision).")
BY = typer.Option(None, "--by", help="Who decides (default: the login name).")


@needs_app.command("confirm")
def confirm(
    family_id: str = typer.Argument(...),
    need: str = typer.Argument(..., help="The need's key (e.g. housing) or number (1-10)."),
    reason: str = REASON,
    by: str | None = BY,
) -> None:
    """Confirm a family's need: only confirmed needs count towards a claim.

    Example:

      familyhub needs confirm 3f2a... housing --reason "Arrears confirmed with the tenant"
    """
    _decide(family_id, need, "confirmed", reason, by)


@needs_app.command("dismiss")
def dismiss(
    family_id: str = typer.Argument(...),
    need: str = typer.Argument(..., help="The need's key (e.g. housing) or number (1-10)."),
    reason: str = REASON,
    by: str | None = BY,
) -> None:
    """Dismiss a family's need: it no longer counts towards eligibility.

    Example:

      familyhub needs dismiss 3f2a... education --reason "Absence was an authorised illness"
    """
    _decide(family_id, need, "dismissed", reason, by)


@needs_app.command("rejected")
def rejected(limit: int = typer.Option(50, help="At most this many.")) -> None:
    """Events the latest assessment reported and did not count (future or before birth).

    Example:

      familyhub needs rejected
    """
    from sqlalchemy import select

    from familyhub.db import unit_of_work
    from familyhub.outcomes.models import RejectedEvent

    with unit_of_work() as session:
        table = Table("source", "record", "event", "date", "person", "reason")
        for r in session.scalars(select(RejectedEvent).order_by(RejectedEvent.id).limit(limit)):
            table.add_row(
                r.source, r.record_id, r.event_id, str(r.event_date), r.person_id or "", r.reason
            )
    console.print(table)


@rules_app.command("check")
def check_rules(
    path: Path | None = typer.Argument(None, help="The rules file (default: the shipped one)."),
) -> None:
    """Check a rules file against the sources' vocabulary and the ten headline outcomes.

    Examples:

      familyhub rules check

      familyhub rules check /etc/familyhub/rules.yaml
    """
    rule_set = _rules(path)
    console.print(
        f"{rule_set.path}: version {rule_set.version}, {len(rule_set.rules)} rules, fine."
    )
    table = Table("rule", "need", "signal", "event types", "descriptor")
    for rule in rule_set.rules:
        table.add_row(rule.id, rule.need, rule.signal, ", ".join(rule.event_types), rule.descriptor)
    console.print(table)


@claims_app.command("open")
def open_episode_command(
    family_id: str = typer.Argument(...),
    on: str = typer.Option(..., "--on", help="The day work began (YYYY-MM-DD)."),
    by: str | None = BY,
) -> None:
    """Open an episode of work with a family.

    Example:

      familyhub claims open 3f2a... --on 2025-01-06
    """
    from familyhub.db import unit_of_work
    from familyhub.outcomes.claims import ClaimError, open_episode

    try:
        with unit_of_work() as session:
            episode = open_episode(
                session,
                family_id=family_id,
                opened_on=_day(on) or date.today(),
                opened_by=by or getpass.getuser(),
            )
            console.print(f"Episode {episode.id} opened for family {family_id}.")
    except ClaimError as exc:
        err_console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None


@claims_app.command("close")
def close_episode_command(
    episode_id: int = typer.Argument(...),
    on: str = typer.Option(..., "--on", help="The day the case closed (YYYY-MM-DD)."),
    reason: str = typer.Option(..., "--reason", help="Why the case closed."),
    by: str | None = BY,
) -> None:
    """Close an episode: the sustain period starts from this day.

    Example:

      familyhub claims close 12 --on 2025-07-01 --reason "Plan completed, stepped down"
    """
    from familyhub.db import unit_of_work
    from familyhub.outcomes.claims import ClaimError, close_episode

    try:
        with unit_of_work() as session:
            close_episode(
                session,
                episode_id=episode_id,
                closed_on=_day(on) or date.today(),
                closed_by=by or getpass.getuser(),
                reason=reason,
            )
            console.print(f"Episode {episode_id} closed.")
    except ClaimError as exc:
        err_console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None


@claims_app.command("list")
def list_claimable(
    on: str | None = typer.Option(None, "--on", help="As on this day (default today)."),
    rules: Path | None = RULES_OPTION,
) -> None:
    """Closed, unclaimed episodes: whether each family's outcome is achieved, and why not.

    Example:

      familyhub claims list
    """
    from familyhub.db import unit_of_work
    from familyhub.outcomes.claims import claimable_episodes

    rule_set = _rules(rules)
    with unit_of_work() as session:
        table = Table("episode", "family", "closed", "sustained until", "achieved", "why not")
        for item in claimable_episodes(session, rules=rule_set, on=_day(on) or date.today()):
            table.add_row(
                str(item.episode.id),
                item.episode.family_id,
                str(item.episode.closed_on),
                str(item.check.sustained_until),
                "yes" if item.check.achieved else "no",
                "; ".join(item.check.reasons),
            )
    console.print(table)


@claims_app.command("make")
def make_claim_command(
    episode_id: int = typer.Argument(...),
    out: Path = typer.Option(Path("."), "--out", help="Folder for the evidence pack."),
    on: str | None = typer.Option(None, "--on", help="As on this day (default today)."),
    rules: Path | None = RULES_OPTION,
    by: str | None = BY,
) -> None:
    """Claim a successful family outcome and write its evidence pack (CSV and HTML page).

    A family episode is never claimed twice.

    Example:

      familyhub claims make 12 --out claims/2026-q3/
    """
    from familyhub.db import unit_of_work
    from familyhub.outcomes.claims import ClaimError, make_claim, write_evidence_pack

    rule_set = _rules(rules)
    try:
        with unit_of_work() as session:
            claim = make_claim(
                session,
                episode_id=episode_id,
                claimed_by=by or getpass.getuser(),
                rules=rule_set,
                on=_day(on) or date.today(),
            )
            csv_path, html_path = write_evidence_pack(session, claim=claim, out_dir=out)
    except ClaimError as exc:
        err_console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    console.print(f"Claim {claim.id} made; evidence pack: {csv_path} and {html_path}.")


@claims_app.command("pack")
def pack_command(
    claim_id: int = typer.Argument(...),
    out: Path = typer.Option(Path("."), "--out", help="Folder for the evidence pack."),
) -> None:
    """Write a claim's evidence pack again, from the evidence frozen when it was made.

    Example:

      familyhub claims pack 7 --out spot-check/
    """
    from familyhub.db import unit_of_work
    from familyhub.outcomes.claims import write_evidence_pack
    from familyhub.outcomes.models import OutcomeClaim

    with unit_of_work() as session:
        claim = session.get(OutcomeClaim, claim_id)
        if claim is None:
            err_console.print(f"[red]no claim {claim_id}[/red]")
            raise typer.Exit(2)
        csv_path, html_path = write_evidence_pack(session, claim=claim, out_dir=out)
    console.print(f"Evidence pack: {csv_path} and {html_path}.")


def _export_group(app: typer.Typer) -> typer.Typer:
    """The shared ``familyhub export`` group (linkage adds ``export links`` to the same one)."""
    for group in app.registered_groups:
        if group.name == "export" and group.typer_instance is not None:
            return group.typer_instance
    export_app = typer.Typer(help="Export data for other tools to check.", no_args_is_help=True)
    app.add_typer(export_app, name="export")
    return export_app


def register(app: typer.Typer) -> None:
    app.command("assess")(assess_command)
    _export_group(app).command("needs")(export_needs)
    app.add_typer(needs_app, name="needs")
    app.add_typer(rules_app, name="rules")
    app.add_typer(claims_app, name="claims")
