"""Eligibility engine on the project's data: every rule branch, the next question, every ASD amount."""

from __future__ import annotations

from datetime import date

import pytest

from bot.eligibility.engine import estimate_amount, evaluate_programme, grid_year, next_question
from bot.eligibility.loader import default_programmes

P = default_programmes()
DK = "dont_know"

# (programme, answers, outcome, reason key, advice keys)
BRANCHES = [
    ("disability_card", {"has_disability": "yes", "rsu_registered": "yes"}, "likely_eligible", "elig_reason_disability_card_has_disability", ()),
    ("disability_card", {"has_disability": "yes", "rsu_registered": "no"}, "likely_eligible", "elig_reason_disability_card_has_disability", ("elig_advice_card_rsu_register",)),
    ("disability_card", {"has_disability": "yes", "rsu_registered": DK}, "likely_eligible", "elig_reason_disability_card_has_disability", ("elig_advice_rsu_check",)),
    ("disability_card", {"has_disability": "no"}, "likely_not_eligible", "elig_reason_disability_card_no_disability", ()),
    ("disability_card", {"has_disability": DK, "rsu_registered": "no"}, "cannot_tell", "elig_reason_disability_card_unsure", ("elig_advice_card_rsu_register",)),
    ("elderly_admission", {"age": DK}, "cannot_tell", "elig_reason_elderly_age_unknown", ()),
    ("elderly_admission", {"age": 59}, "likely_not_eligible", "elig_reason_elderly_under_60", ()),
    ("elderly_admission", {"age": 60, "family_support": "yes"}, "likely_not_eligible", "elig_reason_elderly_has_family", ()),
    ("elderly_admission", {"age": 75, "family_support": "no", "resources": "yes"}, "likely_not_eligible", "elig_reason_elderly_has_resources", ()),
    ("elderly_admission", {"age": 75, "family_support": DK, "resources": "no"}, "cannot_tell", "elig_reason_elderly_unsure", ()),
    ("elderly_admission", {"age": 75, "family_support": "no", "resources": DK}, "cannot_tell", "elig_reason_elderly_unsure", ()),
    ("elderly_admission", {"age": 60, "family_support": "no", "resources": "no"}, "likely_eligible", "elig_reason_elderly_typical_met", ()),
    ("direct_social_aid", {"rsu_registered": "yes"}, "cannot_tell", "elig_reason_asd_registered", ()),
    ("direct_social_aid", {"rsu_registered": "no"}, "cannot_tell", "elig_reason_asd_not_registered", ()),
    ("direct_social_aid", {"rsu_registered": DK}, "cannot_tell", "elig_reason_asd_registration_unknown", ()),
    ("inclusive_schooling", {"child_disability": "yes", "has_card": "yes"}, "likely_eligible", "elig_reason_schooling_child_disability", ()),
    ("inclusive_schooling", {"child_disability": "yes", "has_card": "no"}, "likely_eligible", "elig_reason_schooling_child_disability", ("elig_advice_apply_card",)),
    ("inclusive_schooling", {"child_disability": "no"}, "likely_not_eligible", "elig_reason_schooling_no_disability", ()),
    ("inclusive_schooling", {"child_disability": DK, "has_card": DK}, "cannot_tell", "elig_reason_schooling_unsure", ("elig_advice_apply_card",)),
    ("disability_employment", {"has_disability": "no"}, "likely_not_eligible", "elig_reason_employment_no_disability", ()),
    ("disability_employment", {"has_disability": DK}, "cannot_tell", "elig_reason_employment_unsure", ()),
    ("disability_employment", {"has_disability": "yes", "job_goal": "public_job", "has_card": "yes"}, "likely_eligible", "elig_reason_employment_public_job", ()),
    ("disability_employment", {"has_disability": "yes", "job_goal": "own_project", "has_card": "no"}, "likely_eligible", "elig_reason_employment_own_project", ("elig_advice_card_for_jobs",)),
    ("disability_employment", {"has_disability": "yes", "job_goal": "any_job", "has_card": DK}, "likely_eligible", "elig_reason_employment_any_job", ("elig_advice_card_for_jobs",)),
    ("disability_employment", {"has_disability": "yes", "job_goal": DK, "has_card": "yes"}, "likely_eligible", "elig_reason_employment_any_job", ()),
]  # fmt: skip


@pytest.mark.parametrize(
    ("programme", "answers", "outcome", "reason", "advice"), BRANCHES, ids=lambda v: str(v)[:40]
)
def test_every_rule_branch(programme, answers, outcome, reason, advice) -> None:
    result = evaluate_programme(P[programme], answers)
    assert (result.outcome, result.reasons, result.advice) == (outcome, (reason,), advice)


def test_every_rule_of_every_file_is_hit_by_the_table() -> None:
    hit = {(p, evaluate_programme(P[p], a).rule.line) for p, a, *_ in BRANCHES}
    every = {(p.id, r.line) for p in P.values() for r in p.rules}
    assert every - hit == set()


# (programme, answers so far, next slot or None)
NEXT = [
    ("disability_card", {}, "has_disability"),
    ("disability_card", {"has_disability": "no"}, None),  # outcome decided, advice not needed
    ("disability_card", {"has_disability": "yes"}, "rsu_registered"),
    ("elderly_admission", {}, "age"),
    ("elderly_admission", {"age": 40}, None),  # under 60: family and resources are not asked
    ("elderly_admission", {"age": 70}, "family_support"),
    ("elderly_admission", {"age": 70, "family_support": "yes"}, None),
    ("elderly_admission", {"age": 70, "family_support": "no"}, "resources"),
    ("direct_social_aid", {}, "rsu_registered"),
    ("direct_social_aid", {"rsu_registered": "yes"}, "orphans_widow"),
    ("direct_social_aid", {"rsu_registered": "yes", "orphans_widow": 2}, "children_disability"),  # no age grid
    ("direct_social_aid", {"rsu_registered": "yes", "orphans_widow": 0}, "children_0_5"),
    ("direct_social_aid", {"rsu_registered": "no", "orphans_widow": 0, "children_0_5": 0, "children_6_20_school": 0, "children_6_20_out_of_school": 0}, None),
    ("direct_social_aid", {"rsu_registered": "no", "orphans_widow": 0, "children_0_5": 1, "children_6_20_school": 0, "children_6_20_out_of_school": 0}, "children_disability"),
    ("inclusive_schooling", {"child_disability": "no"}, None),
    ("disability_employment", {"has_disability": "yes"}, "job_goal"),
    ("disability_employment", {"has_disability": "yes", "job_goal": "public_job"}, "has_card"),
    ("disability_employment", {"has_disability": DK}, None),
]  # fmt: skip


@pytest.mark.parametrize(("programme", "answers", "slot"), NEXT, ids=lambda v: str(v)[:50])
def test_asks_only_what_the_rules_still_need(programme, answers, slot) -> None:
    question = next_question(P[programme], answers)
    assert (question.slot if question else None) == slot


ASD = P["direct_social_aid"].estimate


def _household(**counts: int) -> dict:
    base = {
        "orphans_widow": 0,
        "children_0_5": 0,
        "children_6_20_school": 0,
        "children_6_20_out_of_school": 0,
        "children_disability": 0,
    }
    return {**base, **counts}


# (year, household, amount): every amount of the published grid, the 500 DH minimum and the flat amount
AMOUNTS = [
    (2023, _household(children_0_5=3), 600),  # 200 per child 0-5
    (2025, _household(children_0_5=3), 750),  # 250
    (2026, _household(children_0_5=3), 900),  # 300
    (2023, _household(children_6_20_school=3), 600),  # 200 per child 6-20 in school
    (2025, _household(children_6_20_school=3), 750),  # 250
    (2026, _household(children_6_20_school=3), 900),  # 300
    (2023, _household(children_6_20_out_of_school=4), 600),  # 150 per child 6-20 not in school
    (2025, _household(children_6_20_out_of_school=4), 700),  # 175
    (2026, _household(children_6_20_out_of_school=4), 800),  # 200
    (2026, _household(children_0_5=2, children_disability=1), 700),  # +100 per child with a disability
    (2026, _household(orphans_widow=2), 700),  # 350 per orphan in a widow's care
    (2026, _household(orphans_widow=2, children_disability=2), 900),
    (2026, _household(children_0_5=1), 500),  # 300 < household minimum 500
    (2023, _household(children_6_20_out_of_school=1, children_disability=1), 500),  # 250 < 500
    (2026, _household(), 500),  # adults only: flat 500
]  # fmt: skip


@pytest.mark.parametrize(("year", "household", "amount"), AMOUNTS, ids=lambda v: str(v))
def test_every_documented_amount(year, household, amount) -> None:
    assert estimate_amount(ASD, household, year).amount == amount


def test_estimate_explains_the_minimum_and_the_flat_amount() -> None:
    assert estimate_amount(ASD, _household(children_0_5=1), 2026).minimum_applied
    adults = estimate_amount(ASD, _household(), 2026)
    assert adults.adults_only and not adults.lines
    lines = estimate_amount(ASD, _household(children_0_5=2, children_disability=1), 2026).lines
    assert [(line.slot, line.count, line.unit) for line in lines] == [
        ("children_0_5", 2, 300),
        ("children_disability", 1, 100),
    ]


def test_an_unknown_count_gives_no_amount_rather_than_a_wrong_one() -> None:
    assert estimate_amount(ASD, _household(children_0_5=DK), 2026).amount is None
    assert estimate_amount(ASD, {"orphans_widow": 0}, 2026).amount is None  # not answered yet


@pytest.mark.parametrize(
    ("today", "year"),
    [
        (date(2026, 11, 29), 2026),
        (date(2025, 6, 1), 2025),
        (date(2024, 6, 1), 2023),
        (date(2031, 1, 1), 2026),
        (date(2020, 1, 1), 2023),
    ],
)
def test_the_grid_of_the_current_year_is_used(today, year) -> None:
    assert grid_year(ASD, today) == year


def test_outcome_of_the_household_uses_this_year_grid() -> None:
    answers = {"rsu_registered": "yes", **_household(children_0_5=2)}
    result = evaluate_programme(P["direct_social_aid"], answers, today=date(2026, 3, 1))
    assert (result.estimate.year, result.estimate.amount) == (2026, 600)
    assert evaluate_programme(P["direct_social_aid"], answers, today=date(2025, 3, 1)).estimate.amount == 500
