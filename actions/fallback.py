"""Two-stage fallback: first "did you mean …?" with the likeliest topics, then a human.

Rasa's built-in two-stage fallback only affirms one intent; citizens with low literacy do
better with up to three topic buttons, and after a second miss in a row we offer a caseworker
instead of asking them to rephrase again.

A message in which no word was understood (``nothing_understood``, set by the NLU) is a
misunderstanding too, answered "I did not understand" with the topics, never with guesses drawn
from a ranking that means nothing. Danger topics are never offered as guesses: a message with a
danger signal is routed by the safety net before any fallback, so a guess of danger is only the
classifier's; when it ranks a danger topic first, the reply adds the emergency line instead of a
button that would ask "are you in danger?" about a message that did not say so.
"""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher

from bot.channels.incoming import NO_TEXT_FLAG
from bot.i18n import parts
from bot.nlu.nothing_understood import NOTHING_UNDERSTOOD

FALLBACK_INTENT = "nlu_fallback"
MAX_SUGGESTIONS = 3
#: Intents worth suggesting as topics (chit-chat and yes/no are not).
SUGGESTIBLE = (
    "ask_services",
    "find_center",
    "violence_support",
    "ask_line_8350",
    "ask_violence_rights",
    "emergency",
    "child_protection",
    "disability_card",
    "disability_schooling",
    "disability_employment",
    "elderly_care",
    "homeless_support",
    "social_aid",
    "women_empowerment",
    "talk_to_human",
    "delete_my_data",
    "ask_capabilities",
)
#: Topics that would tell the citizen she may be in danger: never a guess (see the module docstring).
DANGER_TOPICS = frozenset(
    {"emergency", "violence_support", "ask_line_8350", "ask_violence_rights", "child_protection"}
)


def suggested_intents(ranking: List[Dict[str, Any]], limit: int = MAX_SUGGESTIONS) -> List[str]:
    """The top topic intents of an NLU ranking, best first, danger topics left out."""
    names = [item.get("name") for item in ranking or []]
    return [name for name in names if name in SUGGESTIBLE and name not in DANGER_TOPICS][:limit]


def danger_ranked_first(ranking: List[Dict[str, Any]]) -> bool:
    """The classifier's best topic guess is a danger topic."""
    topics = [item.get("name") for item in ranking or [] if item.get("name") in SUGGESTIBLE]
    return bool(topics) and topics[0] in DANGER_TOPICS


def previous_user_intent(tracker: Tracker) -> str | None:
    """Intent of the user message before the latest one (``None`` at the start)."""
    user_events = [
        e
        for e in tracker.events
        if e.get("event") == "user" and not (e.get("metadata") or {}).get(NO_TEXT_FLAG)
    ]
    if len(user_events) < 2:
        return None
    return ((user_events[-2].get("parse_data") or {}).get("intent") or {}).get("name")


def _without_text(tracker: Tracker) -> bool:
    """The channel marked the latest message as having nothing readable (emoji, spaces…)."""
    user_events = [e for e in tracker.events if e.get("event") == "user"]
    metadata = (user_events[-1].get("metadata") or {}) if user_events else {}
    text = ((tracker.latest_message or {}).get("text") or "").strip()
    return bool(metadata.get(NO_TEXT_FLAG)) or not any(ch.isalnum() for ch in text)


class ActionFallback(Action):
    """Suggests topics on a first misunderstanding, offers a human on the second in a row."""

    def name(self) -> str:
        return "action_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        latest = tracker.latest_message or {}
        if _without_text(tracker):
            dispatcher.utter_message(response="utter_no_text")
            return [UserUtteranceReverted()]
        if previous_user_intent(tracker) == FALLBACK_INTENT:
            dispatcher.utter_message(response="utter_fallback_human")
            return []
        if latest.get(NOTHING_UNDERSTOOD):
            choices = [
                parts.choice("intent_ask_capabilities", "/ask_capabilities"),
                parts.choice("intent_talk_to_human", "/talk_to_human"),
            ]
            dispatcher.utter_message(response="utter_not_understood", choices=choices)
            return []
        ranking = latest.get("intent_ranking") or []
        suggestions = suggested_intents(ranking)
        choices = [parts.choice(f"intent_{name}", f"/{name}") for name in suggestions]
        choices.append(parts.choice("btn_none_of_these", "/deny"))
        if danger_ranked_first(ranking):  # the lines first, on the line above the question
            lines_then_question = [
                parts.text("utter_handoff_lines_general"),
                parts.text("utter_fallback_suggest"),
            ]
            dispatcher.utter_message(
                response="utter_fallback_suggest", parts=lines_then_question, separator="\n", choices=choices
            )
        else:
            dispatcher.utter_message(response="utter_fallback_suggest", choices=choices)
        return []
