"""Eligibility guidance in conversation: one generic form driven by ``data/eligibility/*.yml``.

Why one generic form rather than one form per programme: the questions, their order and which ones are
needed live in the data (the engine asks only what the rules still need), so a content team adds a
programme or a question without touching ``domain.yml``. The form requests one slot,
``eligibility_answer``, again and again; each reply is interpreted against the current question and
filed in ``eligibility_answers`` (``{"programme": id, "answers": {slot: value}, "taken": [slot],
"facts": {fact: value}}``).

What the citizen already wrote is not asked again: when the check starts, the facts of her recent
messages (``bot.eligibility.facts_from_text``) pre-fill the answers (``taken``), the check says what it
took, and a "change" button (or "no, she is 70") corrects a wrong reading.

Texts are sent by key with their values; the summaries and the outcome are made of parts
(``bot/i18n/parts.py``) that the NLG renders in the reply locale.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Mapping

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.eligibility.answers import STOP, Reply, check_number, correction_target, interpret, read_number
from bot.eligibility.engine import AmountEstimate, Outcome, evaluate_programme, next_question
from bot.eligibility.facts_from_text import FactPatternsError, merge_facts
from bot.eligibility.loader import EligibilityError, default_programmes
from bot.eligibility.model import DONT_KNOW, NO, YES, Programme, Question
from bot.eligibility.prefill import prefill_answers
from bot.geo.gazetteer import default_gazetteer
from bot.i18n import parts
from bot.i18n.catalogs import LOCALES
from bot.i18n.render import direct_text

logger = logging.getLogger(__name__)

#: Topic intents whose information precedes a check of the matching programme.
TOPIC_PROGRAMMES = {
    "disability_card": "disability_card", "elderly_care": "elderly_admission", "social_aid": "direct_social_aid",
    "disability_schooling": "inclusive_schooling", "disability_employment": "disability_employment",
}  # fmt: skip


def programmes() -> dict[str, Programme]:
    """The programmes; an empty mapping (the check says it cannot help) if the data is broken."""
    try:
        return default_programmes()
    except EligibilityError as error:
        logger.error("Eligibility data not loaded:\n%s", error)
        return {}


#: The button payload value that forgets the answers read from the citizen's messages.
CHANGE = "change"
#: How many recent citizen messages are read for facts when a check starts.
FACT_MESSAGES = 5


def _stored(tracker: Tracker) -> dict[str, Any]:
    stored = tracker.get_slot("eligibility_answers")
    return dict(stored) if isinstance(stored, Mapping) else {}


def _state(tracker: Tracker, programme_id: str | None) -> dict[str, Any]:
    """Answers given so far for ``programme_id`` (another programme's answers do not count)."""
    stored = _stored(tracker)
    if stored.get("programme") == programme_id:
        return dict(stored.get("answers") or {})
    return {}


def _pack(
    programme_id: str | None, answers: Mapping[str, Any], tracker: Tracker | None = None, **changes: Any
) -> dict[str, Any]:
    """The stored check, keeping what was read from the messages (``taken``, ``facts``)."""
    stored = _stored(tracker) if tracker is not None else {}
    pack: dict[str, Any] = {"programme": programme_id, "answers": dict(answers)}
    for key in ("taken", "facts"):
        value = changes.get(key, stored.get(key))
        if value:
            pack[key] = value
    return pack


def recent_texts(tracker: Tracker, limit: int = FACT_MESSAGES) -> list[str]:
    """The citizen's typed messages since the previous check started (oldest first, buttons left out)."""
    texts: list[str] = []
    for event in reversed(tracker.events):
        if event.get("event") == "action" and event.get("name") == "action_eligibility_start":
            break
        if event.get("event") == "user":
            text = str(event.get("text") or "")
            if text and not text.startswith("/"):
                texts.append(text)
            if len(texts) >= limit:
                break
    return texts[::-1]


def facts_of(tracker: Tracker) -> dict[str, Any]:
    """The facts of the citizen's recent messages; none when the patterns cannot be read."""
    try:
        return merge_facts(recent_texts(tracker))
    except FactPatternsError as error:
        logger.error("Fact patterns not loaded: %s", error)
        return {}


#: Between the facts of a summary: the Arabic comma in Arabic script.
FACT_SEPARATOR = parts.by_locale({"ary": "، ", "ar": "، ", "ary_Latn": ", ", "fr": ", "})


def facts_taken(programme: Programme, taken: Mapping[str, Any]) -> dict:
    """What the check took from the messages (the ``facts`` of ``elig_facts_taken``)."""
    items = [
        stated(question, taken[question.slot]) for question in programme.questions if question.slot in taken
    ]
    return parts.joined(items, FACT_SEPARATOR)


def stated(question: Question, value: Any) -> dict:
    """One answer said back as a fact ("77 ans", "sans revenu ni ressources"), not as its question."""
    key = question.said_key(value)
    if key:
        return parts.text(key, value=value)
    return parts.text("elig_fact_item", label=parts.word(question.label), value=show_value(question, value))


def say_facts_taken(dispatcher: CollectingDispatcher, programme: Programme, taken: Mapping[str, Any]) -> None:
    """Says what the check took from the messages, with a button to correct it."""
    dispatcher.utter_message(
        response="elig_facts_taken", facts=facts_taken(programme, taken), choices=[change_choice()]
    )


def change_choice() -> dict:
    """Forgets what was read from the messages; the questions are asked one by one."""
    return parts.choice("elig_btn_change", f'/inform{{"eligibility_value": "{CHANGE}"}}')


def start_with_facts(
    dispatcher: CollectingDispatcher, programme: Programme, facts: Mapping[str, Any]
) -> dict[str, Any]:
    """The stored check of ``programme``, pre-filled from ``facts``; says what it took."""
    taken = prefill_answers(programme, facts)
    if taken:
        say_facts_taken(dispatcher, programme, taken)
    return _pack(programme.id, taken, taken=list(taken), facts=dict(facts))


def forget_taken(tracker: Tracker, programme: Programme, answers: Mapping[str, Any]) -> dict[str, Any]:
    """The stored check without the answers read from the messages."""
    taken = set(_stored(tracker).get("taken") or [])
    kept = {slot: value for slot, value in answers.items() if slot not in taken}
    return _pack(programme.id, kept, tracker, taken=[])


def _current(tracker: Tracker) -> tuple[Programme | None, dict[str, Any]]:
    programme = programmes().get(str(tracker.get_slot("eligibility_programme") or ""))
    return programme, (_state(tracker, programme.id) if programme else {})


def option_labels(question: Question) -> dict[str, list[str]]:
    """Each option's label in every locale, to recognise a typed choice (not a reply: read directly)."""
    return {
        o.value: [direct_text(o.text, locale, marks=False) for locale in LOCALES] for o in question.options
    }


def show_value(question: Question, value: Any) -> dict | str:
    """An answer as the citizen reads it."""
    if value in (YES, NO, DONT_KNOW):
        return parts.word(f"elig_value_{value}")
    option = next((o for o in question.options if o.value == value), None)
    return parts.word(option.text) if option else str(value)


def question_choices(question: Question) -> list[dict]:
    """Buttons for closed answers, "I don't know" and "stop"."""
    choices = []
    if question.type == "yes_no":
        choices += [parts.choice("elig_btn_yes", "/affirm"), parts.choice("elig_btn_no", "/deny")]
    elif question.type == "choice":
        choices += [
            parts.choice(o.text, f'/inform{{"eligibility_value": "{o.value}"}}') for o in question.options
        ]
    elif question.type == "count":
        choices.append(parts.choice("elig_btn_none", '/inform{"number": "0"}'))
    choices.append(parts.choice("elig_btn_dont_know", "/dont_know"))
    choices.append(parts.choice("elig_btn_stop", f'/inform{{"eligibility_value": "{STOP}"}}'))
    return choices


def _latest(tracker: Tracker) -> tuple[str | None, list[dict], str]:
    message = tracker.latest_message or {}
    return (
        (message.get("intent") or {}).get("name"),
        list(message.get("entities") or []),
        message.get("text") or "",
    )


class ActionEligibilityStart(Action):
    """Starts a check: the programme from the button, else from the topic just discussed, else asked."""

    def name(self) -> str:
        return "action_eligibility_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        _, entities, _ = _latest(tracker)
        programme_id = next(
            (e.get("value") for e in entities if e.get("entity") == "eligibility_programme"), None
        )
        if programme_id not in programmes():
            programme_id = self._recent_topic(tracker)
        programme = programmes().get(programme_id or "")
        dispatcher.utter_message(
            response="elig_intro", programme=parts.word(programme.title) if programme else ""
        )
        facts = facts_of(tracker)
        # without a programme yet, the facts wait for the one the citizen chooses
        stored = start_with_facts(dispatcher, programme, facts) if programme else _pack(None, {}, facts=facts)
        return [
            SlotSet("eligibility_programme", programme.id if programme else None),
            SlotSet("eligibility_answers", stored), SlotSet("eligibility_answer", None),
            SlotSet("eligibility_stopped", False),
        ]  # fmt: skip

    @staticmethod
    def _recent_topic(tracker: Tracker, lookback: int = 4) -> str | None:
        """The programme of the latest topic question among the last few messages."""
        users = [e for e in tracker.events if e.get("event") == "user"][-lookback - 1 : -1]
        for event in reversed(users):
            intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
            if intent in TOPIC_PROGRAMMES:
                return TOPIC_PROGRAMMES[intent]
        return None


class ValidateEligibilityForm(FormValidationAction):
    """Which question comes next, and what each reply means for it."""

    def name(self) -> str:
        return "validate_eligibility_form"

    async def required_slots(
        self, domain_slots: List[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[str]:
        if tracker.get_slot("eligibility_stopped"):
            return []
        programme, answers = _current(tracker)
        if programme is None:
            return ["eligibility_programme"]
        return ["eligibility_answer"] if next_question(programme, answers) else []

    def validate_eligibility_programme(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        if slot_value in programmes():
            facts = _stored(tracker).get("facts") or {}
            stored = start_with_facts(dispatcher, programmes()[slot_value], facts)
            return {"eligibility_programme": slot_value, "eligibility_answers": stored}
        intent, entities, _ = _latest(tracker)
        if intent in ("goodbye",) or any(e.get("value") == STOP for e in entities):
            return {"eligibility_programme": None, "eligibility_stopped": True}
        dispatcher.utter_message(response="elig_invalid_programme")
        return {"eligibility_programme": None}

    def validate_eligibility_answer(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        programme, answers = _current(tracker)
        question = next_question(programme, answers) if programme else None
        if programme is None or question is None:
            return {"eligibility_answer": None}
        intent, entities, text = _latest(tracker)
        if any(e.get("entity") == "eligibility_value" and e.get("value") == CHANGE for e in entities):
            dispatcher.utter_message(response="elig_facts_cleared")
            return {
                "eligibility_answer": None,
                "eligibility_answers": forget_taken(tracker, programme, answers),
            }
        reply = read_reply(programme, question, answers, intent, entities, text)
        if reply.kind == "stop":
            return {"eligibility_answer": None, "eligibility_stopped": True}
        if reply.kind == "invalid":
            dispatcher.utter_message(response=reply.error, **reply.values)
            return {"eligibility_answer": None}
        return file_reply(dispatcher, tracker, programme, answers, reply, text)


def facts_answers(programme: Programme, text: str) -> dict[str, Any]:
    """The answers the facts of one typed message give to ``programme``'s questions."""
    if not text or text.startswith("/"):
        return {}
    try:
        facts = merge_facts([text])
    except FactPatternsError as error:
        logger.error("Fact patterns not loaded: %s", error)
        return {}
    return prefill_answers(programme, facts)


def read_reply(
    programme: Programme,
    question: Question,
    answers: Mapping[str, Any],
    intent: str | None,
    entities: List[dict],
    text: str,
) -> Reply:
    """What a reply means for ``question``: a yes, a no, a number or a choice, else the facts its
    words state ("she lives alone" answers "does her family support her?" with no), whatever the
    intent the classifier gave it.

    A yes, a no or "I don't know" decides first; otherwise the fact of the question comes before a number read from
    the sentence, since "حتى واحد ما كيتهلا فيها" (nobody looks after her) holds the word "one" and
    would otherwise correct an earlier age."""
    reply = interpret(programme, question, answers, intent, entities, text, option_labels(question))
    if reply.kind == "stop" or (intent in DECIDING_INTENTS and reply.kind != "invalid"):
        return reply
    value = facts_answers(programme, text).get(question.slot)
    return reply if value is None else Reply("answer", question.slot, value)


def file_reply(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    programme: Programme,
    answers: Dict[str, Any],
    reply: Reply,
    text: str,
) -> Dict[str, Any]:
    """Files an answer or a correction, with what the reply says beyond the question."""
    if reply.kind in ("answer", "correction"):
        answers[reply.slot] = reply.value
    if reply.kind == "correction":
        _say_corrected(dispatcher, programme.question(reply.slot), reply.value)
    extra = _more_facts(programme, answers, text)
    taken = list(_stored(tracker).get("taken") or [])
    if extra:  # "77 ans, et elle vit seule": what the reply says beyond the question is not asked
        answers.update(extra)
        taken += list(extra)
        say_facts_taken(dispatcher, programme, extra)
    return {
        "eligibility_answer": None,
        "eligibility_answers": _pack(programme.id, answers, tracker, taken=taken),
    }


def _more_facts(programme: Programme, answers: Mapping[str, Any], text: str) -> dict[str, Any]:
    """Answers a typed reply gives to questions not answered yet (the replied question aside)."""
    return {slot: value for slot, value in facts_answers(programme, text).items() if slot not in answers}


#: Intents whose reading (yes, no, "I don't know") answers before the facts of the words.
DECIDING_INTENTS = frozenset({"affirm", "deny", "dont_know"})
#: Topic intents a reply in the middle of a check can be classified as ("she lives alone" reads like
#: elderly care, "no pension" like social aid): each with the information it gives when it is no answer.
TOPIC_RESPONSES = {
    intent: f"utter_{intent}"
    for intent in (
        "disability_card", "disability_schooling", "disability_employment", "elderly_care", "social_aid",
        "homeless_support", "women_empowerment",
    )
}  # fmt: skip
#: A reply longer than this, or with a question mark, asks about the topic rather than answering.
MAX_ANSWER_WORDS = 14
_QUESTION_MARKS = ("?", "؟")


def reads_as_answer(text: str) -> bool:
    """A short typed statement: the shape of a reply to the question, not of a new request."""
    return (
        bool(text)
        and not text.startswith("/")
        and not any(mark in text for mark in _QUESTION_MARKS)
        and len(text.split()) <= MAX_ANSWER_WORDS
    )


class ActionEligibilityTopic(Action):
    """A topic intent in the middle of a check: taken as the answer when the reply reads as one (a
    number, a yes or no, a fact of the programme), else the topic's information; the form then asks
    the next question.

    Why: free-text answers ("she lives alone", "3ndo lkarta", "no pension") resemble the topic
    questions the classifier was trained on, and must not derail the check."""

    def name(self) -> str:
        return "action_eligibility_topic"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        intent, entities, text = _latest(tracker)
        programme, answers = _current(tracker)
        question = next_question(programme, answers) if programme else None
        if programme is not None and question is not None and reads_as_answer(text):
            reply = read_reply(programme, question, answers, intent, entities, text)
            if reply.kind in ("answer", "correction") or _more_facts(programme, answers, text):
                slots = file_reply(dispatcher, tracker, programme, answers, reply, text)
                return [SlotSet(name, value) for name, value in slots.items()]
        response = TOPIC_RESPONSES.get(intent or "")
        if response:
            dispatcher.utter_message(response=response)
        return []


def _say_corrected(dispatcher: CollectingDispatcher, question: Question, value: Any) -> None:
    dispatcher.utter_message(
        response="elig_correction_noted", label=parts.word(question.label), value=show_value(question, value)
    )


class ActionAskEligibilityProgramme(Action):
    """Which programme to check, as buttons."""

    def name(self) -> str:
        return "action_ask_eligibility_programme"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        choices = [
            parts.choice(p.title, f'/check_eligibility{{"eligibility_programme": "{p.id}"}}')
            for p in programmes().values()
        ]
        dispatcher.utter_message(response="elig_ask_programme", choices=choices)
        return []


class ActionAskEligibilityAnswer(Action):
    """The one question the rules still need, with buttons for closed answers."""

    def name(self) -> str:
        return "action_ask_eligibility_answer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        programme, answers = _current(tracker)
        question = next_question(programme, answers) if programme else None
        if question is None:
            return []
        dispatcher.utter_message(
            response=question.text,
            min=question.minimum,
            max=question.maximum,
            choices=question_choices(question),
        )
        return []


def estimate_part(estimate: AmountEstimate, header: str) -> dict:
    """The estimated monthly amount with its breakdown, or why it cannot be estimated."""
    if estimate.amount is None:
        return parts.text("elig_estimate_unknown")
    lines = [parts.text(header, amount=estimate.amount, year=estimate.year)]
    for line in estimate.lines:
        lines.append(
            parts.text("elig_estimate_line", count=line.count, unit=line.unit, what=parts.word(line.text))
        )
    if estimate.adults_only:
        lines.append(parts.text("elig_estimate_adults_only", amount=estimate.amount))
    if estimate.minimum_applied:
        lines.append(parts.text("elig_estimate_minimum", amount=estimate.amount))
    return parts.joined(lines, "\n")


def outcome_keys(programme: Programme, outcome: Outcome) -> list[str]:
    """The programme's own wording of an outcome when the catalogue has one, else the general one.

    Elderly admission has no national rule, only typical conditions: "likely not eligible" would state
    a rule, so that programme says "the typical conditions are not met, ask the establishment"."""
    return [f"elig_outcome_{outcome.outcome}_{programme.id}", f"elig_outcome_{outcome.outcome}"]


def outcome_parts(programme: Programme, outcome: Outcome) -> list[dict]:
    """Outcome, reasons ("because …"), advice, estimate, documents, where to apply, and the disclaimer."""
    paragraphs = [parts.text(outcome_keys(programme, outcome), programme=parts.word(programme.title))]
    reasons = parts.joined([parts.word(key) for key in outcome.reasons], " ")
    paragraphs.append(parts.text("elig_because", reasons=reasons))
    if outcome.advice:
        advice = parts.joined([parts.joined(["• ", parts.word(key)], "") for key in outcome.advice], "\n")
        paragraphs.append(parts.text("elig_advice_header", advice=advice))
    if outcome.estimate is not None:
        paragraphs.append(estimate_part(outcome.estimate, programme.estimate.text))
    paragraphs.append(parts.text("elig_documents_header", documents=parts.word(programme.documents.text)))
    paragraphs.append(parts.text("elig_apply_header", apply=parts.word(programme.apply.text)))
    paragraphs.append(parts.text("elig_disclaimer"))
    return paragraphs


def outcome_choices(programme: Programme, city: str | None = None) -> list[dict]:
    """The nearest relevant centre (in the city the citizen named, if any) and a caseworker."""
    where = f', "city": "{city}"' if city in default_gazetteer().cities else ""
    return [
        parts.choice("elig_btn_center", f'/find_center{{"center_type": "{programme.center_type}"{where}}}'),
        parts.choice("btn_talk_human", "/talk_to_human"),
    ]


def give_outcome(
    dispatcher: CollectingDispatcher,
    programme: Programme,
    answers: Mapping[str, Any],
    city: str | None = None,
) -> None:
    outcome = evaluate_programme(programme, answers)
    dispatcher.utter_message(
        response=f"elig_outcome_{outcome.outcome}",
        parts=outcome_parts(programme, outcome),
        separator="\n\n",
        choices=outcome_choices(programme, city),
    )


def _named_city(tracker: Tracker) -> str | None:
    return (_stored(tracker).get("facts") or {}).get("city")


class ActionEligibilityResult(Action):
    """The guidance when the form is done, or a short word when the citizen stopped."""

    def name(self) -> str:
        return "action_eligibility_result"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        programme, answers = _current(tracker)
        if tracker.get_slot("eligibility_stopped") or programme is None:
            dispatcher.utter_message(
                response="elig_stopped", choices=[parts.choice("btn_talk_human", "/talk_to_human")]
            )
            return [
                SlotSet("eligibility_stopped", False),
                SlotSet("eligibility_answers", None),
                SlotSet("eligibility_programme", None),
            ]
        give_outcome(dispatcher, programme, answers, _named_city(tracker))
        return []  # answers are kept so that "no, he is 70" can still correct them


class ActionEligibilityCorrect(Action):
    """After the outcome: a corrected number updates the answer and gives the new outcome."""

    def name(self) -> str:
        return "action_eligibility_correct"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        programme, answers = _current(tracker)
        _, entities, text = _latest(tracker)
        if programme and any(
            e.get("entity") == "eligibility_value" and e.get("value") == CHANGE for e in entities
        ):
            dispatcher.utter_message(response="elig_facts_cleared")
            return [
                SlotSet("eligibility_answers", forget_taken(tracker, programme, answers)),
                SlotSet("eligibility_stopped", False), FollowupAction("eligibility_form"),
            ]  # fmt: skip
        number = read_number(text, entities)
        target = (
            correction_target(programme, None, text, answers) if programme and number is not None else None
        )
        if programme is None or target is None:
            dispatcher.utter_message(response="utter_how_can_help")
            return []
        checked: Reply = check_number(target, number, answers)
        if checked.kind != "answer":
            dispatcher.utter_message(response=checked.error, **checked.values)
            return []
        answers[target.slot] = number
        _say_corrected(dispatcher, target, number)
        events: List[EventType] = [SlotSet("eligibility_answers", _pack(programme.id, answers, tracker))]
        if next_question(programme, answers) is not None:
            return [*events, SlotSet("eligibility_stopped", False), FollowupAction("eligibility_form")]
        give_outcome(dispatcher, programme, answers, _named_city(tracker))
        return events
