"""Facts read from free text (bot/eligibility/facts_from_text.py) in the four varieties.

These are development sentences, written apart from the measurement set (tests/data/eligibility_facts/,
scored by `make eval-facts`): digits in both scripts, numbers in words, third person, negations, and
what must NOT be read (a bound is no age, "maison de retraite" is no pension, a kin word is no negation).
"""

from __future__ import annotations

import pytest

from bot.eligibility.facts_from_text import (
    FactPatternsError,
    extract_facts,
    merge_facts,
    patterns_from_mapping,
)
from bot.eligibility.loader import default_programmes
from bot.eligibility.prefill import prefill_answers


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # French: words, hyphens, negation "n'a pas", "ni … ni"
        (
            "Ma grand-mère a quatre-vingt-un ans, elle vit seule et n'a pas de revenu",
            {"relation": "grandmother", "age": 81, "family_support": "no", "resources": "no"},
        ),
        (
            "Mon oncle de soixante-dix-sept ans n'a plus personne mais il a une petite retraite",
            {"relation": "uncle", "age": 77, "family_support": "no", "resources": "yes"},
        ),
        (
            "mon père a 70 ans et ses enfants s'occupent de lui",
            {"relation": "father", "age": 70, "family_support": "yes"},
        ),
        # Darija, Arabic script: words joined by و, glued prepositions, ma…ch negation
        (
            "الواليدة عندها سبعة وستين عام وعايشة بوحدها فمكناس",
            {"relation": "mother", "age": 67, "family_support": "no", "city": "meknes"},
        ),
        ("جدي عمرو ٨٢ عام وما عندو حتى شي دخل", {"relation": "grandfather", "age": 82, "resources": "no"}),
        ("الواليد ماعندوش البانسيون", {"relation": "father", "resources": "no"}),
        # Darija, Latin script: digits inside number words, folded spellings
        (
            "jeddi 3ndo tmanya w sb3in 3am w sakn bo7do f tanja",
            {"relation": "grandfather", "age": 78, "family_support": "no", "city": "tangier"},
        ),
        ("lwalid 3ndo tmanin 3am w kaychd retraite", {"relation": "father", "age": 80, "resources": "yes"}),
        ("mimti makhdatch retraite", {"relation": "mother", "resources": "no"}),
        # Arabic: ordinals, "ولا", "وليس", Arabic-Indic digits
        (
            "أمي في الثامنة والسبعين من عمرها ولا تملك أي معاش وليس لها أبناء",
            {"relation": "mother", "age": 78, "family_support": "no", "resources": "no"},
        ),
        ("والدي يبلغ ٧٤ سنة ويعيش مع أختي", {"relation": "father", "age": 74, "family_support": "yes"}),
    ],
)
def test_elderly_facts_in_every_variety(text, expected) -> None:
    assert extract_facts(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "J'ai 2 enfants de moins de 5 ans et 3 enfants qui vont à l'école",
            {"relation": "self", "children_0_5": 2, "children_6_20_school": 3},
        ),
        ("Je suis veuve avec deux orphelins", {"relation": "self", "orphans_widow": 2}),
        ("On n'est pas inscrits au RSU", {"rsu_registered": "no"}),
        ("نحن غير مسجلين في السجل الاجتماعي", {"rsu_registered": "no"}),
        (
            "عندي ثلاثة ديال الدراري كيقراو وجوج صغار تحت خمس سنين",
            {"relation": "self", "children_6_20_school": 3, "children_0_5": 2},
        ),
        ("3ndi juj wlad ma kay9rawch", {"relation": "self", "children_6_20_out_of_school": 2}),
        ("لدي ٣ أيتام وأنا أرملة", {"relation": "self", "orphans_widow": 3}),
        ("3ndi 4 dyal lwlad", {"relation": "self"}),  # no group said: no count is guessed
    ],
)
def test_household_facts(text, expected) -> None:
    assert extract_facts(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ma fille a un handicap, elle a 12 ans", {"relation": "daughter", "age": 12, "has_disability": "yes", "child_disability": "yes"}),
        ("ابني يعاني من التوحد وعمره تسع سنوات", {"relation": "son", "age": 9, "has_disability": "yes", "child_disability": "yes"}),
        ("ana mo3a9 w bghit lcarte", {"relation": "self", "has_disability": "yes"}),
        ("خويا ماشي معاق", {"relation": "brother", "has_disability": "no"}),
    ],
)  # fmt: skip
def test_disability_facts_and_whose_they_are(text, expected) -> None:
    assert extract_facts(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Ma mère est à la maison de retraite depuis 3 ans",  # a place, and a duration: no pension, no age
        "3ndi 3 wlad ta7t 5 snin",  # a bound is no age
        "bonjour, je veux savoir comment ça marche",
        "",
        "؟؟؟",
    ],
)
def test_nothing_is_invented(text) -> None:
    facts = extract_facts(text)
    assert "age" not in facts and "resources" not in facts and "family_support" not in facts


def test_contradictory_readings_cancel_each_other() -> None:
    facts = extract_facts("elle vit seule mais sa fille vit avec elle le week-end")
    assert "family_support" not in facts


def test_a_later_message_overrides_an_earlier_one() -> None:
    facts = merge_facts(["mimti 3ndha 77 3am", "la, 3ndha 70 3am w bo7dha"])
    assert facts["age"] == 70 and facts["family_support"] == "no"


def test_long_input_is_cut_not_crashing() -> None:
    facts = extract_facts("ma mère a 77 ans " + "bla " * 5000)
    assert facts["age"] == 77


def test_a_malformed_patterns_file_is_a_clear_error() -> None:
    with pytest.raises(FactPatternsError):
        patterns_from_mapping({"age": None, "children": {}})


def test_prefill_keeps_only_what_the_programme_accepts() -> None:
    programmes = default_programmes()
    elderly = programmes["elderly_admission"]
    assert prefill_answers(elderly, {"age": 77, "family_support": "no", "relation": "mother"}) == {
        "age": 77,
        "family_support": "no",
    }
    assert prefill_answers(elderly, {"age": 250}) == {}  # out of the question's bounds
    aid = programmes["direct_social_aid"]
    assert prefill_answers(aid, {"children_0_5": 2, "age": 40}) == {"children_0_5": 2}


def test_a_broken_patterns_file_is_reported_by_make_validate(tmp_path) -> None:
    import shutil

    from bot.checks import check_files
    from bot.settings import ROOT

    for folder in ("centers", "services", "gazetteer", "safety", "eligibility"):
        shutil.copytree(ROOT / "data" / folder, tmp_path / "data" / folder)
    shutil.copytree(ROOT / "locales", tmp_path / "locales")
    shutil.copy(ROOT / "domain.yml", tmp_path / "domain.yml")
    assert check_files(tmp_path) == []
    (tmp_path / "data" / "eligibility" / "facts" / "patterns.yml").write_text("age: [", encoding="utf-8")
    (problem,) = check_files(tmp_path)
    assert "patterns.yml" in problem.file
