"""Centre-type phrases resolve to one of the known types; a centre noun followed by a type word gives the
type even when the entity extractor found nothing, and nothing else does."""

from pathlib import Path

import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.center_type_resolver import (
    DEFAULT_FILE,
    CenterTypeResolver,
    find_typed_centre,
    load_center_words,
    load_centre_nouns,
)


@pytest.fixture(scope="module")
def resolver() -> CenterTypeResolver:
    config = {"words_file": str(DEFAULT_FILE)}
    data = {
        "types": load_center_words(Path(DEFAULT_FILE)),
        "centre_nouns": load_centre_nouns(Path(DEFAULT_FILE)),
    }
    return CenterTypeResolver(config, None, None, data)


def _types(
    resolver: CenterTypeResolver, text: str, entities: list[dict] | None = None
) -> list[tuple[str, str]]:
    message = Message(data={"text": text, "entities": entities or []})
    resolver.process([message])
    return [
        (e["value"], text[e["start"] : e["end"]])
        for e in message.get("entities")
        if e["entity"] == "center_type"
    ]


@pytest.mark.parametrize(
    ("text", "kind", "span"),
    [
        ("fin kayn markaz dyal l3ajaza f Fes", "elderly", "markaz dyal l3ajaza"),
        ("je cherche un centre pour enfants à Rabat", "children", "centre pour enfants"),
        ("فين كاين شي دار ديال العجزة ف أكادير", "elderly", "دار ديال العجزة"),
        ("أين يوجد مركز للأشخاص في وضعية إعاقة؟", "disability", "مركز للأشخاص في وضعية إعاقة"),
        ("بغيت نمشي فدار العجزة", "elderly", "فدار العجزة"),
    ],
)
def test_a_centre_noun_then_a_type_word_gives_the_type(resolver, text, kind, span):
    assert _types(resolver, text) == [(kind, span)]


@pytest.mark.parametrize(
    "text",
    [
        "wach kayn chi centre f Tanja",  # no type named: the form asks
        "جرا عليا من الدار وما عندي فين نمشي مع الدراري",  # "the house", the type word too far
        "bghit nmchi l dar",
        "mon fils handicapé a besoin d'une carte",  # a type word with no centre noun
    ],
)
def test_no_type_without_a_noun_and_a_nearby_type_word(resolver, text):
    assert _types(resolver, text) == []


def test_an_extracted_phrase_wins_over_the_noun_scan(resolver):
    text = "centre pour femmes ou centre pour enfants"
    extracted = [{"entity": "center_type", "value": "centre pour femmes", "start": 0, "end": 18}]
    assert _types(resolver, text, extracted) == [("women", "centre pour femmes")]


def test_the_scan_returns_character_offsets_of_the_original_text():
    words = load_center_words(Path(DEFAULT_FILE))
    nouns = set(load_centre_nouns(Path(DEFAULT_FILE)))
    text = "Salam, fin l MARKAZ dyal nsa?"
    kind, start, end = find_typed_centre(text, words, nouns)
    assert (kind, text[start:end]) == ("women", "MARKAZ dyal nsa")


def _types_for_intent(resolver: CenterTypeResolver, text: str, intent: str) -> list[tuple[str, str]]:
    message = Message(data={"text": text, "entities": [], "intent": {"name": intent, "confidence": 0.9}})
    resolver.process([message])
    return [
        (e["value"], text[e["start"] : e["end"]])
        for e in message.get("entities")
        if e["entity"] == "center_type"
    ]


@pytest.mark.parametrize(
    ("text", "kind", "span"),
    [
        ("kayn chi blasa l chyoukh f Oujda", "elderly", "blasa l chyoukh"),  # "blasa" is a centre noun
        ("ana bla ma2wa f Tanja, fin nbat?", "homeless", "bla ma2wa"),
        ("3afak a9rab wa7ed l kbar sen f Fes", "elderly", "kbar sen"),
        ("je suis SDF à Rabat, où dormir ?", "homeless", "SDF"),
        ("أبحث عن مأوى للمشردين", "homeless", "مأوى للمشردين"),
    ],
)
def test_under_find_center_a_type_word_anywhere_gives_the_type(resolver, text, kind, span):
    assert _types_for_intent(resolver, text, "find_center") == [(kind, span)]


def test_without_a_centre_search_intent_a_lone_type_word_gives_nothing(resolver):
    assert _types_for_intent(resolver, "ana bla ma2wa f Tanja", "homeless_support") == []
    assert _types_for_intent(resolver, "mon fils handicapé a besoin d'une carte", "disability_card") == []
    assert _types_for_intent(resolver, "3ndi jouj drari", "inform") == [], (
        "a number of children, not a centre"
    )
    assert _types_for_intent(resolver, "jam3iya katqari drari", "disability_schooling") == []


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("markaz l3ajaza", "elderly"),
        ("markaz el-3ajaza", "elderly"),
        ("markaz dyal chiyoukh", "elderly"),
        ("markaz dyal chioukh", "elderly"),
        ("markaz lnsa", "women"),
        ("markaz l2i3a9a", "disability"),
        ("مركز للشيوخ", "elderly"),
        ("وللمركز ديال العجزة", "elderly"),
        ("centre de l'enfance", "children"),
    ],
)
def test_glued_articles_and_arabizi_spellings_are_folded(resolver, text, kind):
    assert [k for k, _ in _types(resolver, text)] == [kind]


def test_the_most_specific_type_wins_over_general(resolver):
    assert [k for k, _ in _types(resolver, "markaz ijtima3i dyal l3ajaza")] == ["elderly"]
    assert [k for k, _ in _types(resolver, "centre social pour personnes âgées")] == ["elderly"]
    assert [k for k, _ in _types(resolver, "markaz ijtima3i f Tanja")] == ["general"]


def test_each_variety_of_the_phrase_list_reaches_its_recall_floor():
    """The resolver alone on tests/data/center_type_phrases.yml (`python -m scripts.center_type_recall`)."""
    from scripts.center_type_recall import recall_per_variety

    for variety, (found, total, misses) in recall_per_variety().items():
        assert found / total >= 0.9, (variety, misses)
