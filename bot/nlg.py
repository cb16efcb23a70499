"""Natural language generator: the one place where the texts of replies are taken from the catalogues.

Every reply that goes through Rasa is rendered here, whoever sends it:

- Responses in ``domain.yml`` hold message keys only (``text: utter_greet``, button titles such as
  ``btn_menu``), filled with the slots and the values passed along.
- A custom action sends a catalogue key by name with its values:
  ``dispatcher.utter_message(response="utter_handoff_queued", position=1, minutes=10)``. A name that
  is not a domain response is a message key; its text is filled with the values the action passed.
- When the text is made of pieces (a list of centres, the facts read from the messages, an
  eligibility outcome), the action passes the pieces as parts (``bot/i18n/parts.py``): either as
  values of a key (``facts=joined([text("elig_fact_item", …), …])``), or, for a message with no
  text around its pieces, as ``parts=[…]`` (with ``separator``) under a name that labels the message
  (``response="center_search_reply"``). Parts are rendered recursively, innermost first. A message
  with ``parts`` never takes the domain response of its name (the handoff relay sends the text of
  ``utter_emergency`` without that response's button).
- Buttons whose titles are keys or parts are passed as ``choices=[choice(title, payload)]``;
  the buttons an action passes as ``buttons`` are sent as they are. As in any Rasa action, the
  values also stay in the message's metadata (``utter_action`` is the name sent).

The reply locale is picked from the tracker (``bot/i18n/reply_locale.py``: a reply to "merci" or
"Oujda" keeps the conversation's language, an explicit choice wins, a ``locale`` value overrides),
and Arabic replies get right-to-left marks. Configured in ``endpoints.yml`` as
``nlg: type: bot.nlg.BabelNaturalLanguageGenerator``. Texts sent outside Rasa's reply flow
(channel system messages, the console's copy of a bot message) use ``bot.i18n.render.direct_text``.
"""

from __future__ import annotations

import copy
from typing import Any, Dict, Mapping

from babel.numbers import format_decimal
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.geo.opening_hours import format_opening_hours
from bot.i18n.catalogs import LOCALES, has_key, translate
from bot.i18n.parts import PART, is_part
from bot.i18n.render import fill, render_text
from bot.i18n.reply_locale import Step, conversation_locale, reply_locale
from bot.privacy.redaction import install_log_redaction

#: Fields of a dispatched message that are not values of its text (rasa_sdk's ``utter_message``).
MESSAGE_FIELDS = frozenset(
    {
        "parts",
        "separator",
        "choices",
        "text",
        "image",
        "template",
        "buttons",
        "elements",
        "custom",
        "attachment",
    }
)
#: Number formats of the reply locales.
BABEL_LOCALE = {"ary": "ar_MA", "ar": "ar_MA", "ary_Latn": "fr_MA", "fr": "fr_MA"}


def format_km(distance: float, locale: str) -> str:
    """ "2,4 km" / "2,4 كلم" with the locale's number format."""
    number = format_decimal(round(distance, 1), format="#,##0.#", locale=BABEL_LOCALE.get(locale, "fr_MA"))
    return f"{number} {translate('unit_km', locale)}"


def _first_key(key: str | list[str]) -> str:
    """A key, or the first of several candidates the catalogue has (a programme's own wording)."""
    if isinstance(key, str):
        return key
    return next((k for k in key[:-1] if has_key(k)), key[-1])


def render_value(value: Any, locale: str) -> Any:
    """A part (``bot/i18n/parts.py``) as text in ``locale``; any other value as it is."""
    if not is_part(value):
        return value
    kind = value[PART]
    if kind == "text":
        return render_text(_first_key(value["key"]), locale, render_values(value.get("values") or {}, locale))
    if kind == "word":
        return translate(value["key"], locale)
    if kind == "join":
        separator = str(render_value(value.get("separator", "\n"), locale))
        return separator.join(str(render_value(item, locale)) for item in value.get("items") or [])
    if kind == "by_locale":
        return (value.get("texts") or {}).get(locale, "")
    if kind == "km":
        return format_km(value["distance"], locale)
    if kind == "opening_hours":
        return format_opening_hours(value.get("hours") or "", locale)
    raise ValueError(f"unknown reply part {kind!r}")


def render_values(values: Mapping[str, Any], locale: str) -> Dict[str, Any]:
    """Every value rendered (parts become text)."""
    return {name: render_value(value, locale) for name, value in values.items()}


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


def localize_action_message(name: str, locale: str, values: Mapping[str, Any]) -> Dict[str, Any]:
    """A message a custom action sent by name: a catalogue key with its values, or composed ``parts``.

    Only the values the action passed fill the text (not the slots), as the action wrote it.
    """
    rendered = render_values({k: v for k, v in values.items() if k not in MESSAGE_FIELDS}, locale)
    if values.get("parts") is not None:
        separator = str(render_value(values.get("separator", "\n\n"), locale))
        text = separator.join(str(render_value(part, locale)) for part in values["parts"])
    else:
        text = render_text(name, locale, rendered)
    message: Dict[str, Any] = {"text": text, "locale": locale}
    choices = [
        {**choice, "title": _title(choice.get("title", ""), locale)} for choice in values.get("choices") or []
    ]
    if choices:
        message["buttons"] = choices
    return message


def _title(title: Any, locale: str) -> str:
    """A button title: a message key, or a part (a city's name, a service's title)."""
    return str(render_value(title, locale)) if is_part(title) else translate(str(title), locale)


class BabelNaturalLanguageGenerator(TemplatedNaturalLanguageGenerator):
    """Templated responses whose texts are Babel message keys, and the messages of custom actions."""

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
        """Picks the reply locale from the conversation, then renders the message in it."""
        slots = tracker.current_slot_values()
        override = kwargs.pop("locale", None)
        locale = reply_locale(slots, override) if override else _conversation_locale(tracker, slots)
        return self.localize(utter_action, locale, slots, kwargs, output_channel)

    def localize(
        self,
        name: str,
        locale: str,
        slots: Mapping[str, Any],
        values: Mapping[str, Any],
        output_channel: str = "",
    ) -> Dict[str, Any] | None:
        """A domain response (a variation chosen as Rasa does), else an action's key or composed parts."""
        if values.get("parts") is None and name in self.responses:
            response = self._random_response_for(name, output_channel, dict(slots))
            if response is None:
                return None
            return localize_response(response, locale, {**slots, **render_values(values, locale)})
        if values.get("parts") is None and not any(has_key(name, known) for known in LOCALES):
            return None  # neither a response nor a key (e.g. an absent ``utter_default``): nothing to say
        return localize_action_message(name, locale, values)


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
