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
