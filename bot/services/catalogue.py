"""The services catalogue (``data/services/*.yml``): one file per programme or service.

Each entry has texts in the four reply locales, a ``source`` URL and a ``checked`` date; the
loader validates every file and names the file and field of each problem.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Mapping

import yaml

from bot.content_errors import ContentError
from bot.settings import ROOT

CATALOGUE_DIR = ROOT / "data" / "services"
LOCALES = ("fr", "ar", "ary", "ary_Latn")
FIELDS = ("title", "summary", "how", "documents", "where")
TOPICS = ("ministry", "women", "children", "disability", "elderly", "social_aid", "homeless", "general")


class CatalogueError(ContentError):
    """The services catalogue has problems (each as ``file: text``)."""


@dataclass(frozen=True)
class Service:
    """One programme or service the assistant can explain."""

    id: str
    topic: str
    source: str
    checked: str
    keywords: tuple[str, ...]
    text: Mapping[str, Mapping[str, str]]
    #: NLU intents whose training examples describe this service (an intent may describe several).
    intents: tuple[str, ...] = ()
    #: The service's own names (programme names, acronyms, official terms) in the spellings citizens use:
    #: a services question that contains one asks about this service, not for the menu of areas.
    names: tuple[str, ...] = ()

    def field(self, name: str, locale: str) -> str:
        """A text field in the reply locale (Darija Latin falls back to Darija, then French)."""
        for candidate in (locale, "ary" if locale == "ary_Latn" else locale, "fr"):
            value = (self.text.get(candidate) or {}).get(name)
            if value:
                return value
        return ""


@dataclass(frozen=True)
class Catalogue:
    """All services and the topic areas shown as menu buttons."""

    services: dict[str, Service]
    topics: dict[str, Mapping[str, str]]
    #: NLU intents whose training examples ask what services there are in general (answered with the
    #: areas menu); ``topics.yml`` field ``intents``.
    menu_intents: tuple[str, ...] = ()

    def by_topic(self, topic: str) -> list[Service]:
        """Services of one area, in id order."""
        return sorted((s for s in self.services.values() if s.topic == topic), key=lambda s: s.id)


def _service_problems(path: Path, data: object) -> list[str]:
    if not isinstance(data, Mapping):
        return [f"{path}: expected a mapping"]
    problems = []
    for key in ("id", "topic", "source", "checked", "text"):
        if not data.get(key):
            problems.append(f"{path}: missing '{key}'")
    if data.get("id") and data["id"] != path.stem:
        problems.append(f"{path}: id '{data['id']}' differs from the file name '{path.stem}'")
    if data.get("topic") and data["topic"] not in TOPICS:
        problems.append(f"{path}: unknown topic '{data['topic']}' (use {', '.join(TOPICS)})")
    if data.get("source") and not str(data["source"]).startswith("http"):
        problems.append(f"{path}: source must be a URL, not '{data['source']}'")
    if data.get("checked"):
        try:
            date.fromisoformat(str(data["checked"]))
        except ValueError:
            problems.append(f"{path}: checked '{data['checked']}' is not a date")
    for field in ("keywords", "intents", "names"):
        values = data.get(field)
        if values is not None and (
            not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values)
        ):
            problems.append(f"{path}: '{field}' must be a list of non-empty texts (quote numbers: \"8350\")")
    text = data.get("text") if isinstance(data.get("text"), Mapping) else {}
    for locale in LOCALES:
        for field in FIELDS:
            if not ((text.get(locale) or {}).get(field) or "").strip():
                problems.append(f"{path}: missing text.{locale}.{field}")
    return problems


def load_catalogue(directory: Path = CATALOGUE_DIR) -> Catalogue:
    """Loads and validates every service file and ``topics.yml``."""
    problems: list[str] = []
    services: dict[str, Service] = {}
    for path in sorted(directory.glob("*.yml")):
        if path.name == "topics.yml":
            continue
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as error:
            problems.append(f"{path}: not valid YAML: {error}")
            continue
        found = _service_problems(path, data)
        problems.extend(found)
        if not found:
            services[data["id"]] = Service(
                id=data["id"],
                topic=data["topic"],
                source=str(data["source"]),
                checked=str(data["checked"]),
                keywords=tuple(str(k) for k in data.get("keywords") or ()),
                text={loc: dict(data["text"][loc]) for loc in LOCALES},
                intents=tuple(str(i) for i in data.get("intents") or ()),
                names=tuple(str(n) for n in data.get("names") or ()),
            )
    topics_file = directory / "topics.yml"
    topics: dict[str, Mapping[str, str]] = {}
    menu_intents: tuple[str, ...] = ()
    if topics_file.exists():
        topics_data = yaml.safe_load(topics_file.read_text(encoding="utf-8")) or {}
        for row in topics_data.get("topics", []):
            topics[row["id"]] = row["title"]
        menu_intents = tuple(str(i) for i in topics_data.get("intents") or ())
    else:
        problems.append(f"{topics_file}: missing")
    for service in services.values():
        for intent in sorted(set(service.intents) & set(menu_intents)):
            problems.append(
                f"{directory / (service.id + '.yml')}: intent '{intent}' asks for the menu of areas "
                "(topics.yml 'intents'); it cannot also describe this service"
            )
        if service.topic not in topics:
            problems.append(
                f"{directory / (service.id + '.yml')}: topic '{service.topic}' has no entry in topics.yml"
            )
    if problems:
        raise CatalogueError(problems)
    return Catalogue(services=services, topics=topics, menu_intents=menu_intents)


def check_intents(catalogue: Catalogue, known: set[str], directory: Path = CATALOGUE_DIR) -> None:
    """Every intent a service or ``topics.yml`` lists is one the NLU knows (a misspelt intent would
    silently give the search no examples)."""
    problems = [
        f"{directory / (service.id + '.yml')}: unknown intent '{intent}' (not in domain.yml)"
        for service in catalogue.services.values()
        for intent in service.intents
        if intent not in known
    ]
    problems += [
        f"{directory / 'topics.yml'}: unknown intent '{intent}' (not in domain.yml)"
        for intent in catalogue.menu_intents
        if intent not in known
    ]
    if problems:
        raise CatalogueError(problems)


@lru_cache(maxsize=1)
def default_catalogue() -> Catalogue:
    """The project's catalogue, loaded once per process."""
    return load_catalogue()
