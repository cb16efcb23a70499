"""The linear intent classifier and the cross-script features, trained by Rasa on a small data set."""

from __future__ import annotations

import asyncio

import pytest
import yaml

from bot.text.arabizi_transliteration import arabic_script_form, arabizi_word

PIPELINE = [
    {"name": "bot.nlu.normalizing_tokenizer.NormalizingTokenizer"},
    {"name": "CountVectorsFeaturizer"},
    {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 2, "max_ngram": 4},
    {"name": "bot.nlu.cross_script_featurizer.CrossScriptFeaturizer"},
    {"name": "bot.nlu.linear_intent_classifier.LinearIntentClassifier"},
    {"name": "FallbackClassifier", "threshold": 0.3},
]

# Darija in Arabic script and in Arabizi, MSA and French; the Arabizi "work" examples are left out
# on purpose, so a Latin-letter work request can only be recognised through the Arabic-script ones.
EXAMPLES = {
    "disability_employment": [
        "بغيت نخدم وأنا معاق", "كنقلب على خدمة للمعاقين", "واش كاين تكوين مهني للمعاقين",
        "الخدمة ديال المعاقين", "عندي ديبلوم وأنا معاق وما لقيتش الخدمة",
        "je suis handicapé et je cherche du travail", "emploi pour personnes handicapées",
    ],
    "disability_card": [
        "بغيت نخرج بطاقة الإعاقة", "شنو هوما الوراق ديال بطاقة الإعاقة", "كارطة الإعاقة",
        "kifach nakhod lkarta dyal l i3a9a", "lwra9 dyal lkarta", "fin wslat lkarta dyali",
        "comment obtenir la carte handicap", "carte de personne en situation de handicap",
    ],
    "greet": [
        "السلام عليكم", "سلام", "salam", "slm", "salam 3likom", "bonjour", "salut", "مرحبا",
    ],
}  # fmt: skip


def test_arabizi_words_are_spelt_in_arabic_script():
    assert arabizi_word("bghit") == "بغيت"
    assert arabizi_word("nkhdem") == "نخدم"
    assert arabizi_word("lmo3a9") == "المعاق"
    assert arabizi_word("طنجة") == "طنجة"
    assert arabic_script_form("Bghit nkhdem, ana mo3a9") == "بغيت نخدم, انا معاق"


def test_mixed_text_keeps_its_arabic_words():
    assert arabic_script_form("واش كاين centre ف Tanja").startswith("واش كاين ")


@pytest.fixture(scope="module")
def trained_model(tmp_path_factory) -> str:
    from rasa.model_training import train_nlu

    work = tmp_path_factory.mktemp("linear_nlu")
    config = {"recipe": "default.v1", "language": "ary", "assistant_id": "test", "pipeline": PIPELINE}
    (work / "config.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    nlu = {
        "version": "3.1",
        "nlu": [{"intent": i, "examples": "".join(f"- {t}\n" for t in ts)} for i, ts in EXAMPLES.items()],
    }
    (work / "nlu.yml").write_text(yaml.safe_dump(nlu, allow_unicode=True), encoding="utf-8")
    return train_nlu(str(work / "config.yml"), str(work / "nlu.yml"), str(work / "models"))


def _parse(model: str, texts: list[str]) -> list[dict]:
    from rasa.core.agent import Agent

    agent = Agent.load(model)
    return [asyncio.run(agent.parse_message(t)) for t in texts]


def test_intents_are_recognised_with_a_calibrated_ranking(trained_model):
    card, greet = _parse(trained_model, ["كيفاش نخرج بطاقة الإعاقة ديال ولدي", "salam alikoum"])
    assert card["intent"]["name"] == "disability_card"
    assert greet["intent"]["name"] == "greet"
    ranking = card["intent_ranking"]
    assert ranking[0]["name"] == "disability_card"
    assert [r["confidence"] for r in ranking] == sorted((r["confidence"] for r in ranking), reverse=True)
    assert 0.0 <= ranking[-1]["confidence"] <= ranking[0]["confidence"] <= 1.0


def test_arabizi_request_is_recognised_from_arabic_script_examples(trained_model):
    (work,) = _parse(trained_model, ["bghit nkhdem w ana mo3a9"])
    assert work["intent"]["name"] == "disability_employment"


def test_a_message_without_features_gets_no_intent_and_no_crash(trained_model):
    (empty,) = _parse(trained_model, [""])
    assert empty["intent"]["name"] in (None, "nlu_fallback")


def test_only_question_or_filler_words_are_vague():
    from bot.nlu.vague_message import is_vague, load_vague_words

    words = set(load_vague_words())
    for message in ["kifach", "Wach ?", "comment ?", "كيفاش؟", "شنو", "euh…"]:
        assert is_vague(message, words), message
    for message in ["kifach nkhrej lkarta", "comment obtenir la carte handicap", "", "salam", "oui", "la"]:
        assert not is_vague(message, words), message


def test_a_malformed_vague_words_file_names_itself(tmp_path):
    from bot.nlu.vague_message import load_vague_words

    bad = tmp_path / "vague.yml"
    bad.write_text("words: [kifach]\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"vague\.yml"):
        load_vague_words(bad)
