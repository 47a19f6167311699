"""What the page says is hidden, and why, from a refused decision and the request's facts."""

from __future__ import annotations

import pytest

from familyhub.access.decision import Context, Decision
from familyhub.singleview.hidden import reason_for, summarise
from familyhub.singleview.types import Hidden


def _refused(*policy_ids: str) -> Decision:
    return Decision(False, list(policy_ids))


@pytest.mark.parametrize(
    ("policy", "category", "context", "reason"),
    [
        ("category.health", "health", Context("early_help_support", involved=True,
         lead_practitioner=True), "needs consent"),
        ("category.health", "health", Context("early_help_support", involved=True),
         "not shared with your role"),
        ("category.education", "education", Context("early_help_support", involved=True),
         "needs consent"),
        ("category.criminal_offence", "criminal_offence", Context("direct_care", involved=True,
         lead_practitioner=True), "not shared with your role"),
        ("consent.declined_or_withdrawn", "health", Context("direct_care", consent="withdrawn"),
         "consent withdrawn"),
        ("restricted.minimal_identity_only", None, Context("direct_care"),
         "the person has asked for processing to be restricted"),
        ("default.deny", None, Context("direct_care"),
         "needs a current involvement with the family, or a statutory safeguarding role"),
    ],
)  # fmt: skip
def test_the_reason_is_one_a_practitioner_can_act_on(
    policy: str, category: str | None, context: Context, reason: str
) -> None:
    assert reason_for(_refused(policy), category=category, context=context) == reason


def test_withheld_records_are_counted_by_category_and_reason_largest_first() -> None:
    hidden = summarise(
        [
            ("health", "record", "needs consent"),
            ("health", "record", "needs consent"),
            ("health", "record", "needs consent"),
            ("health", "record", "needs consent"),
            ("criminal_offence", "record", "not shared with your role"),
        ]
    )
    assert [h.sentence for h in hidden] == [
        "4 health records hidden: needs consent",
        "1 criminal offence record hidden: not shared with your role",
    ]


def test_a_whole_section_is_named_without_a_count() -> None:
    hidden = Hidden(count=None, what="full view", reason="consent declined")
    assert hidden.sentence == "Full view hidden: consent declined"
    assert hidden.model_dump(mode="json")["sentence"] == "Full view hidden: consent declined"
