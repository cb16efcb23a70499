"""Natural language generator that takes every reply text from the Babel catalogues.

Responses in ``domain.yml`` hold message keys only (``text: utter_greet``, button titles such as
``btn_menu``). This generator picks the reply locale from the tracker's slots (or a ``locale``
passed by a custom action), translates the keys, fills ``{placeholders}`` and makes Arabic replies
render right-to-left. Configured in ``endpoints.yml`` as ``nlg: type: bot.nlg.BabelNaturalLanguageGenerator``.
"""

from __future__ import annotations

import copy
from typing import Any, Dict

from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.i18n.catalogs import translate
from bot.i18n.render import fill, render_text
from bot.i18n.reply_locale import Step, conversation_locale, reply_locale
from bot.privacy.redaction import install_log_redaction


def localize_response(response: Dict[str, Any], locale: str, values: Dict[str, Any]) -> Dict[str, Any]:
    """Translates the text and button titles of one response variation and fills placeholders."""
    localized = copy.deepcopy(response)
    if localized.get("text"):
        localized["text"] = render_text(localized["text"], locale, values)
    buttons = []
    for button in localized.get("buttons") or []:
        title = fill(translate(button.get("title", ""), locale), values)
        buttons.append({**button, "title": title})
    if buttons:
        localized["buttons"] = buttons
    localized["locale"] = locale
    return localized


class BabelNaturalLanguageGenerator(TemplatedNaturalLanguageGenerator):
    """Templated responses whose texts are Babel message keys."""

    def __init__(self, endpoint_config: Any = None, domain: Domain | None = None) -> None:
        super().__init__((domain or Domain.empty()).responses)
        install_log_redaction()  # the Rasa server loads the NLG at start-up: redact its logs from here on

    async def generate(
        self,
        utter_action: str,
        tracker: DialogueStateTracker,
        output_channel: str,
        **kwargs: Any,
    ) -> Dict[str, Any] | None:
        """Selects a variation as Rasa does, then localises it."""
        slots = tracker.current_slot_values()
        response = self._random_response_for(utter_action, output_channel, slots)
        if response is None:
            return None
        override = kwargs.pop("locale", None)
        locale = reply_locale(slots, override) if override else _conversation_locale(tracker, slots)
        values = {**slots, **kwargs}
        return localize_response(response, locale, values)


def _conversation_locale(tracker: DialogueStateTracker, slots: Dict[str, Any]) -> str:
    """A reply to "merci" or "Oujda" keeps the conversation's language (bot/i18n/reply_locale.py)."""
    history = (
        Step(text=event.text or "")
        if isinstance(event, UserUttered)
        else Step(slot=event.key, value=event.value)
        for event in tracker.events
        if isinstance(event, (UserUttered, SlotSet))
    )
    return conversation_locale(
        slots, history, tracker.latest_message.text or "" if tracker.latest_message else ""
    )
