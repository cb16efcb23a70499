"""Catalogues: translation lookup, right-to-left isolation and the completeness check."""

import shutil
from pathlib import Path

import pytest

from bot.i18n import catalogs
from bot.i18n.bidi import LRI, PDI, RLM, isolate_ltr_runs, strip_bidi_marks
from bot.i18n.check import check_catalogs
from bot.i18n.reply_locale import reply_locale

ROOT = Path(__file__).resolve().parents[1]


def test_every_locale_translates_the_emergency_lines():
    for locale in catalogs.LOCALES:
        text = catalogs.translate("utter_emergency", locale)
        assert text != "utter_emergency"
        for line in ("19", "177", "15", "8350"):
            assert line in text, (locale, line)


def test_the_discontinued_violence_line_is_never_given():
    for locale in catalogs.LOCALES:
        for key in catalogs.message_keys(locale):
            assert "8000" not in catalogs.translate(key, locale).replace(" ", ""), (locale, key)


def test_locales_really_differ():
    texts = {catalogs.translate("utter_greet", locale) for locale in catalogs.LOCALES}
    assert len(texts) == len(catalogs.LOCALES)


def test_unknown_key_falls_back_to_the_key_itself():
    assert catalogs.translate("no_such_key_anywhere", "fr") == "no_such_key_anywhere"


def test_rtl_text_isolates_numbers_urls_and_latin_words():
    text = isolate_ltr_runs("اتصل ب 8350 أو زور idmaj.social.gov.ma.")
    assert text.startswith(RLM)
    assert f"{LRI}8350{PDI}" in text
    assert f"{LRI}idmaj.social.gov.ma{PDI}." in text
    assert strip_bidi_marks(text) == "اتصل ب 8350 أو زور idmaj.social.gov.ma."


@pytest.mark.parametrize(
    ("slots", "expected"),
    [
        ({}, "ary"),
        ({"language": "fr"}, "fr"),
        ({"language": "fr", "chosen_language": "ar"}, "ar"),  # explicit choice wins
        ({"language": "ary", "script": "Latn"}, "ary_Latn"),
        ({"language": "ary", "script": "Arab"}, "ary"),
        ({"language": "xx"}, "ary"),
    ],
)
def test_reply_locale(slots, expected):
    assert reply_locale(slots) == expected


def test_project_catalogues_are_complete():
    errors = [p for p in check_catalogs(ROOT) if p.level == "error"]
    assert errors == []


@pytest.fixture()
def project_copy(tmp_path: Path) -> Path:
    shutil.copy(ROOT / "domain.yml", tmp_path / "domain.yml")
    shutil.copytree(ROOT / "locales", tmp_path / "locales", ignore=shutil.ignore_patterns("*.mo"))
    return tmp_path


def _remove_entry(po: Path, key: str) -> None:
    text = po.read_text(encoding="utf-8")
    start = text.index(f'msgid "{key}"')
    end = text.find("\nmsgid ", start + 1)
    po.write_text(text[:start] + text[end + 1 :], encoding="utf-8")


def test_check_reports_a_missing_translation_with_its_file(project_copy):
    _remove_entry(project_copy / "locales/fr/LC_MESSAGES/messages.po", "utter_thank")
    problems = [str(p) for p in check_catalogs(project_copy) if p.level == "error"]
    assert problems == [
        "locales/fr/LC_MESSAGES/messages.po:0: error: no translation for 'utter_thank' in 'fr'"
    ]


def test_check_reports_placeholder_mismatch(project_copy):
    po = project_copy / "locales/ar/LC_MESSAGES/messages.po"
    text = po.read_text(encoding="utf-8").replace(
        'msgid "utter_thank"\nmsgstr "', 'msgid "utter_thank"\nmsgstr "{city} ', 1
    )
    po.write_text(text, encoding="utf-8")
    problems = [p.text for p in check_catalogs(project_copy) if p.level == "error"]
    assert any("placeholders of 'utter_thank' differ" in text for text in problems)


def test_check_reports_a_missing_locale(project_copy):
    shutil.rmtree(project_copy / "locales/ary_Latn")
    problems = [p.text for p in check_catalogs(project_copy) if p.level == "error"]
    assert "catalogue 'messages' for locale 'ary_Latn' is missing" in problems


def test_catalogue_domains_are_merged_and_checked_per_domain(project_copy):
    """A feature's own domain (e.g. handoff.po) is loaded beside messages.po and must exist in every locale."""
    from bot.i18n.catalogs import _messages, translate

    for locale in ("ary", "ary_Latn", "ar"):
        (project_copy / f"locales/{locale}/LC_MESSAGES/extra.po").write_text(
            f'msgid ""\nmsgstr ""\n\nmsgid "utter_extra_test"\nmsgstr "extra {locale}"\n', encoding="utf-8"
        )
    _messages.cache_clear()
    try:
        assert translate("utter_extra_test", "ar", project_copy / "locales") == "extra ar"
        assert translate("utter_greet", "ar", project_copy / "locales") != "utter_greet"
    finally:
        _messages.cache_clear()
    problems = [p.text for p in check_catalogs(project_copy) if p.level == "error"]
    assert "catalogue 'extra' for locale 'fr' is missing" in problems


def test_a_key_in_two_domains_is_an_error(project_copy):
    for locale in ("ary", "ary_Latn", "ar", "fr"):
        (project_copy / f"locales/{locale}/LC_MESSAGES/extra.po").write_text(
            'msgid ""\nmsgstr ""\n\nmsgid "utter_greet"\nmsgstr "again"\n', encoding="utf-8"
        )
    problems = [p.text for p in check_catalogs(project_copy) if p.level == "error"]
    assert (
        "'utter_greet' is also in domain 'extra'" in problems
        or "'utter_greet' is also in domain 'messages'" in problems
    )
