"""`make eval` scores entities by type and overlapping span, and its quick variant drops only DIET."""

from collections import defaultdict
from pathlib import Path

import yaml

from scripts.evaluate_nlu import count_entities, entity_scores, variant_config

TYPES = {"city", "center_type"}


def _counts(gold, found):
    counts = defaultdict(lambda: {"tp": 0, "fp": 0, "fn": 0})
    count_entities(gold, found, TYPES, counts)
    return counts


def test_an_overlapping_span_of_the_same_type_is_a_hit_even_with_a_rewritten_value():
    gold = [{"entity": "city", "start": 10, "end": 15, "value": "Tanja"}]
    found = [{"entity": "city", "start": 9, "end": 15, "value": "tangier"}]
    assert _counts(gold, found)["city"] == {"tp": 1, "fp": 0, "fn": 0}


def test_a_wrong_type_or_a_disjoint_span_is_a_miss_and_a_false_alarm():
    gold = [{"entity": "city", "start": 0, "end": 4}]
    found = [{"entity": "center_type", "start": 0, "end": 4}, {"entity": "city", "start": 6, "end": 9}]
    counts = _counts(gold, found)
    assert counts["city"] == {"tp": 0, "fp": 1, "fn": 1}
    assert counts["center_type"] == {"tp": 0, "fp": 1, "fn": 0}


def test_one_found_entity_cannot_match_two_gold_entities():
    gold = [{"entity": "city", "start": 0, "end": 4}, {"entity": "city", "start": 2, "end": 6}]
    found = [{"entity": "city", "start": 0, "end": 6}]
    assert _counts(gold, found)["city"] == {"tp": 1, "fp": 0, "fn": 1}


def test_entities_outside_the_annotated_types_are_not_scored():
    found = [{"entity": "detected_language", "start": 0, "end": 3}]
    assert not _counts([], found)


def test_scores_are_precision_recall_and_micro_f1():
    scores = entity_scores({"city": {"tp": 3, "fp": 1, "fn": 0}, "center_type": {"tp": 1, "fp": 0, "fn": 3}})
    assert scores["city"]["precision"] == 0.75 and scores["city"]["recall"] == 1.0
    precision, recall = 4 / 5, 4 / 7  # 4 hits, 1 false alarm, 3 misses over both types
    assert scores["all"] == {
        "precision": 0.8, "recall": round(recall, 4), "f1": round(2 * precision * recall / (precision + recall), 4),
        "support": 7,
    }  # fmt: skip


def _pipeline(path: Path) -> list[str]:
    return [c["name"] for c in yaml.safe_load(path.read_text(encoding="utf-8"))["pipeline"]]


def test_the_intents_only_variant_drops_the_entity_extractor_and_keeps_every_other_component(tmp_path: Path):
    project = _pipeline(Path("config.yml"))
    assert "CRFEntityExtractor" in project
    assert _pipeline(variant_config("intents-only", tmp_path)) == [
        c for c in project if c != "CRFEntityExtractor"
    ]


def test_the_diet_variant_puts_diet_in_place_of_the_linear_classifier_and_the_crf(tmp_path: Path):
    names = _pipeline(variant_config("diet", tmp_path))
    assert "DIETClassifier" in names
    assert not {"CRFEntityExtractor", "bot.nlu.linear_intent_classifier.LinearIntentClassifier"} & set(names)
