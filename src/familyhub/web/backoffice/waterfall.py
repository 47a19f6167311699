"""The match-weight waterfall of a review pair, as the data team reads it on the page.

Linkage explains a pair (``familyhub.linkage.explain.explain_pair``) with the saved model and
the last run's cache, and gives Splink's waterfall chart as Vega-Lite; here it is rendered to
SVG on the server (vl-convert, no script, no CDN). The chart's value labels are left out:
Splink labels each bar with every column the comparison reads, including the forms derived
for matching (nickname lists, phonetic codes), which overlap and mean nothing to a reader.
The records' values are in the side-by-side table instead, and each bar's weight in the
table under the chart.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import duckdb
import vl_convert
from sqlalchemy.orm import Session

from familyhub.linkage import service as linkage
from familyhub.linkage.explain import Explanation, explain_pair
from familyhub.web.backoffice.common import accessible_svg

# Splink's comparison names, in words for the table under the chart.
COMPARISON_WORDS = {
    "Prior": "Starting point (how likely two records picked at random are the same person)",
    "given_name": "Given name",
    "tf_given_name": "How common the given name is",
    "family_name": "Family name",
    "tf_family_name": "How common the family name is",
    "date_of_birth": "Date of birth",
    "address": "Address",
    "nhs_number": "NHS number",
    "ni_number": "National Insurance number",
    "upn": "Unique pupil number",
    "sex": "Sex",
    "contact": "Phone or email",
}


@dataclass(frozen=True)
class Waterfall:
    explanation: Explanation | None
    svg: str
    # Why there is no chart (no model yet, records not in the last run...).
    problem: str | None = None

    @property
    def rows(self) -> list[dict[str, Any]]:
        if self.explanation is None:
            return []
        return [
            {
                "comparison": COMPARISON_WORDS.get(step.comparison, step.comparison),
                "label": step.label,
                "weight": f"{step.weight:+.2f}",
                "counts": "for" if step.weight > 0 else ("against" if step.weight < 0 else ""),
            }
            for step in self.explanation.steps
        ]


def _without_value_labels(chart: dict[str, Any]) -> dict[str, Any]:
    spec = copy.deepcopy(chart)
    for value in spec.get("data", {}).get("values", []):
        value["value_l"] = ""
        value["value_r"] = ""
    return spec


def waterfall(session: Session, *, record_a: int, record_b: int, label_id: str) -> Waterfall:
    """The pair's waterfall, or why it cannot be drawn (the page still shows the records)."""
    model = linkage.active_model(session=session)
    if model is None:
        return Waterfall(None, "", "There is no trained linkage model yet: run the linkage.")
    try:
        explanation = explain_pair(linkage.cache_path(), model.settings, record_a, record_b)
    except (LookupError, FileNotFoundError) as exc:
        return Waterfall(None, "", f"The chart cannot be drawn: {exc}.")
    except duckdb.Error:
        # The last run's cache is missing or a run is rewriting it right now.
        return Waterfall(
            None, "", "The chart cannot be drawn while the linkage cache is unavailable."
        )
    svg = vl_convert.vegalite_to_svg(_without_value_labels(explanation.chart))
    return Waterfall(explanation, accessible_svg(str(svg), label_id=label_id))
