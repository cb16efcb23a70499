"""The safety net keeps an unsure violence guess instead of the fallback, and leaves other fallbacks alone."""

from rasa.shared.nlu.training_data.message import Message

from bot.nlu.safety_net import _keep_unsure_violence


def _fallback(ranking: list[tuple[str, float]]) -> Message:
    message = Message(data={"text": "…"})
    message.set("intent", {"name": "nlu_fallback", "confidence": 0.7})
    message.set(
        "intent_ranking",
        [{"name": "nlu_fallback", "confidence": 0.7}, *({"name": n, "confidence": c} for n, c in ranking)],
    )
    return message


def test_an_unsure_violence_guess_keeps_its_intent():
    message = _fallback([("violence_support", 0.28), ("talk_to_human", 0.25)])
    _keep_unsure_violence(message)
    assert message.get("intent") == {"name": "violence_support", "confidence": 0.28}
    assert [r["name"] for r in message.get("intent_ranking")] == ["violence_support", "talk_to_human"]


def test_a_fallback_whose_best_guess_is_not_safety_stays_a_fallback():
    message = _fallback([("talk_to_human", 0.28), ("violence_support", 0.25)])
    _keep_unsure_violence(message)
    assert message.get("intent")["name"] == "nlu_fallback"


def test_an_unsure_emergency_guess_stays_a_fallback():
    message = _fallback([("emergency", 0.28), ("talk_to_human", 0.25)])
    _keep_unsure_violence(message)
    assert message.get("intent")["name"] == "nlu_fallback"


def test_a_fallback_without_ranking_stays_a_fallback():
    message = _fallback([])
    _keep_unsure_violence(message)
    assert message.get("intent")["name"] == "nlu_fallback"
