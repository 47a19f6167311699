"""``familyhub link report``: the linkage quality report as one self-contained HTML page.

Parameters of the model, the match-weight distribution of scored pairs, cluster sizes and the
largest clusters, records that linked to nothing, pairs kept apart by each cannot-link rule,
the review queue, and (synthetic data only, ``--truth``) precision, recall and F1 for pairs
and for clusters, overall and per name-origin group, with the twin and namesake pairs merged.
"""

from __future__ import annotations

import html
import math
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from sqlalchemy import select
from sqlalchemy.orm import Session

from familyhub import duck
from familyhub.linkage import evaluate, service, store
from familyhub.linkage.models import ReviewPair
from familyhub.runs import Run

# SQL here is built from our own table and column names, never from user input.
# ruff: noqa: S608


def load_synth_truth(con: duckdb.DuckDBPyConnection, truth_dir: Path) -> None:
    """Table ``fh_synth_truth(source, record_id, true_person, name_origin, birth_group,
    namesake_group)`` from a ``familyhub synth`` truth folder (see docs/synthetic-data.md)."""
    records = truth_dir / "records.csv"
    people = truth_dir / "people.csv"
    if not records.exists() or not people.exists():
        raise FileNotFoundError(f"{truth_dir} has no records.csv and people.csv (synth truth)")
    households = truth_dir / "households.csv"
    household_sql = (
        f"select person_id, min(household_id) as household_id "
        f"from read_csv('{households}', all_varchar = true) group by 1"
        if households.exists()
        else "select null::varchar as person_id, null::varchar as household_id where false"
    )
    con.execute(
        f"""
        create or replace table fh_synth_truth as
        with people as (select * from read_csv('{people}', all_varchar = true)),
        homes as ({household_sql})
        select r.source, r.record_id, r.person_id as true_person, p.name_origin,
               nullif(p.multiple_birth_id, '') as birth_group,
               case when h.household_id is not null
                    then h.household_id || ':' || lower(p.forename) || ':' || lower(p.surname)
               end as namesake_group
        from read_csv('{records}', all_varchar = true) r
        left join people p on p.person_id = r.person_id
        left join homes h on h.person_id = r.person_id
        """
    )


def quality_from_links(
    con: duckdb.DuckDBPyConnection, links: pa.Table, truth_dir: Path
) -> dict[str, Any]:
    """Quality of the links (``source, record_id, person_id``) against synthetic truth."""
    load_synth_truth(con, truth_dir)
    con.register("fh_links_in", links)
    con.execute(
        """
        create or replace table fh_eval_joined as
        select row_number() over () as unique_id, l.person_id as cluster_id, t.*
        from fh_links_in l join fh_synth_truth t using (source, record_id)
        """
    )
    con.execute(
        "create or replace view fh_eval_truth as select unique_id, true_person, name_origin, "
        "birth_group, namesake_group from fh_eval_joined"
    )
    con.execute(
        "create or replace view fh_eval_pred as select unique_id, cluster_id from fh_eval_joined"
    )
    return evaluate.quality(con, truth="fh_eval_truth", predicted="fh_eval_pred")


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_fmt(c))}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4f}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return "" if value is None else str(value)


def _bars(rows: list[tuple[str, int]]) -> str:
    top = max((n for _, n in rows), default=1) or 1
    items = "".join(
        f'<div class="bar"><span class="label">{html.escape(label)}</span>'
        f'<span class="fill" style="width:{max(1, int(300 * n / top))}px"></span> {n:,}</div>'
        for label, n in rows
    )
    return f'<div class="bars">{items}</div>'


def _parameters(settings: dict[str, Any]) -> list[list[Any]]:
    rows = []
    for comparison in settings.get("comparisons", []):
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level"):
                continue
            m, u = level.get("m_probability"), level.get("u_probability")
            weight = math.log2(m / u) if m and u else None
            rows.append(
                [comparison["output_column_name"], level.get("label_for_charts"), m, u, weight]
            )
    return rows


def write_report(*, session: Session, out: Path, truth: Path | None = None) -> dict[str, Any]:
    """Write the report to ``out``; returns its figures (quality included when ``truth``)."""
    model = service.active_model(session=session)
    cache = service.cache_path()
    if model is None or not cache.exists():
        raise LookupError("no linkage run yet: run familyhub link first")
    run = session.scalars(
        select(Run).where(Run.stage == "link").order_by(Run.id.desc()).limit(1)
    ).first()
    con = duck.connect()
    con.execute(f"attach '{cache}' as cache (read_only)")
    figures: dict[str, Any] = {"run": run.summary if run else {}}
    weights = con.sql(
        "select floor(match_weight / 5) * 5 as bin, count(*) from cache.fh_pairs_checked "
        "group by 1 order by 1"
    ).fetchall()
    blocked = con.sql(
        "select rule, count(*) from cache.fh_pairs_checked where rule is not null "
        "group by 1 order by 2 desc"
    ).fetchall()
    sizes = con.sql(
        "select n, count(*) from (select person_id, count(*) as n from cache.fh_link_rows "
        "group by 1) group by 1 order by 1"
    ).fetchall()
    largest = con.sql(
        "select person_id, count(*) as n, count(distinct source) from cache.fh_link_rows "
        "group by 1 order by n desc limit 10"
    ).fetchall()
    alone = sum(count for n, count in sizes if n == 1)
    queue = len(list(session.scalars(select(ReviewPair.id).where(ReviewPair.status == "open"))))
    figures.update({"records_alone": alone, "review_queue_open": queue})
    sections = [
        "<h2>Run</h2>"
        + _table(
            ["field", "value"],
            [[k, v] for k, v in (run.summary if run else {}).items() if not isinstance(v, dict)],
        ),
        f"<h2>Model {html.escape(model.version)}</h2><p>Trained by "
        f"{html.escape(model.trained_by)} on {model.trained_at:%Y-%m-%d %H:%M}; prior "
        f"{model.settings.get('probability_two_random_records_match'):.3g}.</p>"
        + _table(["comparison", "level", "m", "u", "match weight"], _parameters(model.settings)),
        "<h2>Match weights of scored pairs</h2>"
        + _bars([(f"{int(b)} to {int(b) + 5}", int(n)) for b, n in weights]),
        "<h2>Pairs kept apart by cannot-link rules</h2>"
        + _table(["rule", "pairs"], [[r, int(n)] for r, n in blocked]),
        "<h2>Cluster sizes (records per person)</h2>" + _bars([(str(n), int(c)) for n, c in sizes]),
        "<h2>Largest clusters</h2>"
        + _table(["person", "records", "sources"], [list(r) for r in largest]),
        f"<h2>Records that linked to nothing</h2><p>{alone:,} persons have a single record.</p>",
        f"<h2>Review queue</h2><p>{queue:,} open pairs (familyhub review).</p>",
    ]
    if truth is not None:
        links = store.read_arrow(session, "select source, record_id, person_id from person_link")
        quality = quality_from_links(con, links, truth)
        figures["quality"] = quality
        rows = [["overall", *_quality_row(quality["overall"])]]
        rows += [[g, *_quality_row(q)] for g, q in quality["by_name_origin"].items()]
        sections.append(
            "<h2>Quality against synthetic truth</h2>"
            + _table(
                [
                    "group",
                    "records",
                    "pairwise precision",
                    "pairwise recall",
                    "pairwise F1",
                    "B-cubed precision",
                    "B-cubed recall",
                    "B-cubed F1",
                ],
                rows,
            )
            + f"<p>Twin/triplet pairs merged: {quality.get('twin_pairs_merged')} of "
            f"{quality.get('twin_pairs')}. Same-name relatives merged: "
            f"{quality.get('namesake_pairs_merged')} of {quality.get('namesake_pairs')}.</p>"
        )
    con.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(_page("\n".join(sections)), encoding="utf-8")
    return figures


def _quality_row(q: dict[str, Any]) -> list[Any]:
    return [
        q["records"],
        q["pairwise_precision"],
        q["pairwise_recall"],
        q["pairwise_f1"],
        q["bcubed_precision"],
        q["bcubed_recall"],
        q["bcubed_f1"],
    ]


def _page(body: str) -> str:
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>familyhub linkage report</title>
<style>
body {{ font-family: Arial, sans-serif; margin: 2em; color: #0b0c0c; }}
table {{ border-collapse: collapse; margin: 1em 0; }}
th, td {{ border-bottom: 1px solid #b1b4b6; padding: 4px 8px; text-align: left; }}
.bar {{ display: flex; align-items: center; gap: 6px; }}
.bar .label {{ width: 8em; text-align: right; }}
.bar .fill {{ display: inline-block; height: 12px; background: #1d70b8; }}
</style></head><body><h1>Linkage quality report</h1>
{body}
</body></html>
"""
