"""The services catalogue in conversation: topic menu, services of a topic, one service's sheet,
and free-text questions answered by semantic search: a general question ("which services are there?")
gets the menu of areas, a question naming a service or describing a need gets that service's sheet,
and the menu is also the answer when the search is not sure.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.locale import button, tracker_locale
from bot.i18n.render import render_text
from bot.services.catalogue import Catalogue, Service, default_catalogue
from bot.services.search import DEFAULT_THRESHOLD, ServiceIndex, build_index

logger = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def service_index() -> ServiceIndex:
    """Built once per action-server process (cached on disk across restarts)."""
    return build_index(default_catalogue())


def _topic_title(catalogue: Catalogue, topic: str, locale: str) -> str:
    titles = catalogue.topics.get(topic) or {}
    return (
        titles.get(locale) or titles.get("ary" if locale == "ary_Latn" else "fr") or titles.get("fr") or topic
    )


def service_sheet(service: Service, locale: str) -> str:
    """Everything the citizen needs about one service, with its source."""
    values = {
        field: service.field(field, locale) for field in ("title", "summary", "how", "documents", "where")
    }
    return render_text(
        "service_sheet", locale, {**values, "source": service.source, "checked": service.checked}
    )


def show_menu(dispatcher: CollectingDispatcher, catalogue: Catalogue, locale: str) -> None:
    """The main areas as buttons."""
    buttons = [
        {
            "title": _topic_title(catalogue, topic, locale),
            "payload": f'/ask_services{{"service_topic": "{topic}"}}',
        }
        for topic in catalogue.topics
        if catalogue.by_topic(topic)
    ]
    dispatcher.utter_message(text=render_text("utter_services_menu", locale), buttons=buttons)


def show_service(
    dispatcher: CollectingDispatcher, service: Service, locale: str, others: List[Service]
) -> None:
    """One service's sheet, with other likely services and the menu as buttons."""
    buttons = [
        {
            "title": other.field("title", locale)[:60],
            "payload": f'/ask_services{{"service_id": "{other.id}"}}',
        }
        for other in others
    ]
    buttons.append(button("btn_menu", "/ask_services", locale))
    dispatcher.utter_message(text=service_sheet(service, locale), buttons=buttons)


def answer_by_search(
    dispatcher: CollectingDispatcher, text: str, locale: str, threshold: float = DEFAULT_THRESHOLD
) -> str | None:
    """Shows the best service for a free-text question; ``None`` when the question is a general one or the
    search is not sure (the caller shows the menu)."""
    catalogue = default_catalogue()
    route = service_index().route(text, threshold=threshold)
    if route.menu:
        return None
    best = catalogue.services[route.hits[0].service_id]
    show_service(dispatcher, best, locale, [catalogue.services[h.service_id] for h in route.hits[1:]])
    return best.id


class ActionServices(Action):
    """Answers ``ask_services``: menu, a topic's services, a service, or a free-text search."""

    def name(self) -> str:
        return "action_services"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        locale = tracker_locale(tracker)
        catalogue = default_catalogue()
        entities = {
            e.get("entity"): e.get("value") for e in (tracker.latest_message or {}).get("entities", [])
        }
        service = catalogue.services.get(str(entities.get("service_id")))
        if service:
            show_service(dispatcher, service, locale, [])
            return [SlotSet("service_id", service.id)]
        topic = entities.get("service_topic")
        if topic in catalogue.topics:
            buttons = [
                {
                    "title": s.field("title", locale)[:60],
                    "payload": f'/ask_services{{"service_id": "{s.id}"}}',
                }
                for s in catalogue.by_topic(topic)
            ]
            buttons.append(button("btn_menu", "/ask_services", locale))
            text = render_text("services_of_topic", locale, {"topic": _topic_title(catalogue, topic, locale)})
            dispatcher.utter_message(text=text, buttons=buttons)
            return []
        text = (tracker.latest_message or {}).get("text") or ""
        if not text.startswith("/"):
            found = answer_by_search(dispatcher, text, locale)
            if found:
                return [SlotSet("service_id", found)]
        show_menu(dispatcher, catalogue, locale)
        return []
