"""Quick-reply snippets and outcome codes, read from content files and checked on load.

Caseworkers' texts live in ``data/handoff/`` so the content team edits them without touching
code; a file with a problem stops the console at start with every problem listed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.content_errors import ContentError

UI_LANGUAGES = ("fr", "ar")
SNIPPET_LANGUAGES = ("ary", "ar", "fr")
OPTIONAL_SNIPPET_LANGUAGES = ("ary_Latn",)
_CODE = re.compile(r"^[a-z][a-z_]{1,31}$")


@dataclass(frozen=True)
class Snippet:
    id: str
    label: dict[str, str]
    text: dict[str, str]

    def text_for(self, language: str) -> str:
        """The text in the citizen's language (Latin-script Darija falls back to French)."""
        if language in self.text:
            return self.text[language]
        return self.text.get("fr", "")


@dataclass(frozen=True)
class Outcome:
    code: str
    label: dict[str, str]


def _load(path: Path, key: str) -> list:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise ContentError([f"{path}: cannot read: {error}"]) from error
    if not isinstance(data, dict) or not isinstance(data.get(key), list) or not data[key]:
        raise ContentError([f"{path}: expected a non-empty list under '{key}:'"])
    return data[key]


def _texts(value, languages: tuple[str, ...], where: str, problems: list[str], optional=()) -> dict[str, str]:
    if not isinstance(value, dict):
        problems.append(f"{where}: expected a mapping of languages to texts")
        return {}
    texts = {}
    for language in languages:
        text = value.get(language)
        if not isinstance(text, str) or not text.strip():
            problems.append(f"{where}: missing text for '{language}'")
        else:
            texts[language] = text.strip()
    for language in optional:
        if isinstance(value.get(language), str) and value[language].strip():
            texts[language] = value[language].strip()
    extra = set(value) - set(languages) - set(optional)
    if extra:
        problems.append(f"{where}: unknown languages {sorted(extra)}")
    return texts


def load_snippets(path: Path) -> list[Snippet]:
    problems: list[str] = []
    snippets, seen = [], set()
    for index, item in enumerate(_load(path, "snippets"), 1):
        where = f"{path}: snippet {index}"
        if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not _CODE.match(item["id"]):
            problems.append(f"{where}: needs an 'id' of lowercase letters and _")
            continue
        if item["id"] in seen:
            problems.append(f"{where}: duplicate id '{item['id']}'")
        seen.add(item["id"])
        label = _texts(item.get("label"), UI_LANGUAGES, f"{where} label", problems)
        text = _texts(
            item.get("text"), SNIPPET_LANGUAGES, f"{where} text", problems, OPTIONAL_SNIPPET_LANGUAGES
        )
        snippets.append(Snippet(item["id"], label, text))
    if problems:
        raise ContentError(problems)
    return snippets


def load_outcomes(path: Path) -> list[Outcome]:
    problems: list[str] = []
    outcomes, seen = [], set()
    for index, item in enumerate(_load(path, "outcomes"), 1):
        where = f"{path}: outcome {index}"
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("code"), str)
            or not _CODE.match(item["code"])
        ):
            problems.append(f"{where}: needs a 'code' of lowercase letters and _ (at most 32)")
            continue
        if item["code"] in seen:
            problems.append(f"{where}: duplicate code '{item['code']}'")
        seen.add(item["code"])
        outcomes.append(
            Outcome(item["code"], _texts(item.get("label"), UI_LANGUAGES, f"{where} label", problems))
        )
    if problems:
        raise ContentError(problems)
    return outcomes
