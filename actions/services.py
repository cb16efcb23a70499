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

from bot.i18n import parts
from bot.i18n.catalogs import LOCALES
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


def topic_title(catalogue: Catalogue, topic: str) -> dict:
    """An area's title in each reply locale (the services catalogue has its own translations)."""
    return parts.by_locale({locale: _topic_title(catalogue, topic, locale) for locale in LOCALES})


def service_field(service: Service, field: str, limit: int | None = None) -> dict:
    """A field of a service's sheet in each reply locale."""
    return parts.by_locale({locale: service.field(field, locale)[:limit] for locale in LOCALES})


def service_choice(service: Service) -> dict:
    """A button that opens a service's sheet."""
    return parts.choice(service_field(service, "title", 60), f'/ask_services{{"service_id": "{service.id}"}}')


def show_menu(dispatcher: CollectingDispatcher, catalogue: Catalogue) -> None:
    """The main areas as buttons."""
    choices = [
        parts.choice(topic_title(catalogue, topic), f'/ask_services{{"service_topic": "{topic}"}}')
        for topic in catalogue.topics
        if catalogue.by_topic(topic)
    ]
    dispatcher.utter_message(response="utter_services_menu", choices=choices)


def show_service(dispatcher: CollectingDispatcher, service: Service, others: List[Service]) -> None:
    """One service's sheet, with its source, and other likely services and the menu as buttons."""
    choices = [service_choice(other) for other in others]
    choices.append(parts.choice("btn_menu", "/ask_services"))
    fields = {
        field: service_field(service, field) for field in ("title", "summary", "how", "documents", "where")
    }
    dispatcher.utter_message(
        response="service_sheet", **fields, source=service.source, checked=service.checked, choices=choices
    )


def answer_by_search(
    dispatcher: CollectingDispatcher, text: str, threshold: float = DEFAULT_THRESHOLD
) -> str | None:
    """Shows the best service for a free-text question; ``None`` when the question is a general one or the
    search is not sure (the caller shows the menu)."""
    catalogue = default_catalogue()
    route = service_index().route(text, threshold=threshold)
    if route.menu:
        return None
    best = catalogue.services[route.hits[0].service_id]
    show_service(dispatcher, best, [catalogue.services[h.service_id] for h in route.hits[1:]])
    return best.id


class ActionServices(Action):
    """Answers ``ask_services``: menu, a topic's services, a service, or a free-text search."""

    def name(self) -> str:
        return "action_services"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        catalogue = default_catalogue()
        entities = {
            e.get("entity"): e.get("value") for e in (tracker.latest_message or {}).get("entities", [])
        }
        service = catalogue.services.get(str(entities.get("service_id")))
        if service:
            show_service(dispatcher, service, [])
            return [SlotSet("service_id", service.id)]
        topic = entities.get("service_topic")
        if topic in catalogue.topics:
            choices = [service_choice(s) for s in catalogue.by_topic(topic)]
            choices.append(parts.choice("btn_menu", "/ask_services"))
            dispatcher.utter_message(
                response="services_of_topic", topic=topic_title(catalogue, topic), choices=choices
            )
            return []
        text = (tracker.latest_message or {}).get("text") or ""
        if not text.startswith("/"):
            found = answer_by_search(dispatcher, text)
            if found:
                return [SlotSet("service_id", found)]
        show_menu(dispatcher, catalogue)
        return []
