"""The blind NLU set loads, covers every variety, and names only intents and entities of the domain;
`make eval-blind` counts a danger message as caught when it lands on either safety intent."""

from collections import Counter
from pathlib import Path

import yaml

from scripts.evaluate_blind import VARIETIES, BlindMessage, load_blind_set, score_variety
from scripts.evaluate_nlu import SAFETY_GROUP

DOMAIN = yaml.safe_load((Path(__file__).resolve().parents[1] / "domain.yml").read_text(encoding="utf-8"))
MESSAGES = load_blind_set()


def test_every_variety_has_its_file_and_enough_messages_and_danger_messages():
    per_variety = Counter(m.variety for m in MESSAGES)
    danger = Counter(m.variety for m in MESSAGES if m.intent in SAFETY_GROUP)
    assert set(per_variety) == set(VARIETIES)
    for variety in VARIETIES:
        assert per_variety[variety] >= 45, variety
        assert danger[variety] >= 8, variety


def test_every_intent_and_entity_of_the_set_exists_in_the_domain():
    assert {m.intent for m in MESSAGES} <= set(DOMAIN["intents"])
    assert {e["entity"] for m in MESSAGES for e in m.entities} <= set(DOMAIN["entities"])


def test_no_message_is_empty_or_repeated_within_a_variety():
    assert all(m.text.strip() for m in MESSAGES)
    repeated = [k for k, n in Counter((m.variety, m.text) for m in MESSAGES).items() if n > 1]
    assert repeated == []


def _parse(intent: str) -> dict:
    return {"intent": {"name": intent, "confidence": 0.9}, "entities": []}


def test_danger_recall_counts_either_safety_intent_and_emergency_recall_only_emergency():
    rows = [
        (BlindMessage("a", "violence_support", "fr"), _parse("emergency")),
        (BlindMessage("b", "emergency", "fr"), _parse("homeless_support")),
        (BlindMessage("c", "greet", "fr"), _parse("emergency")),
        (BlindMessage("d", "greet", "fr"), _parse("greet")),
        (BlindMessage("e", "emergency", "fr"), _parse("emergency")),
    ]
    scores = score_variety(rows)
    assert (scores["danger_caught"], scores["danger_n"]) == (2, 3)
    assert (scores["emergency_caught"], scores["emergency_n"]) == (1, 2)
    assert (scores["false_alarms"], scores["others_n"]) == (1, 2)
    assert scores["accuracy"] == 0.4
    assert dict(scores["failing_intents"]) == {"violence_support": 1, "emergency": 1, "greet": 1}
