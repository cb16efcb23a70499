"""Names and places finer than a city are hidden before a content editor reads a message; ordinary
words, cities, acronyms, help-line numbers and a street named by no name ("in the street") stay
(conservative rules, bot/review/personal_details.py)."""

from __future__ import annotations

import pytest

from bot.review.personal_details import redact_for_review, redact_personal

HIDDEN = [
    ("smiti Khadija Bennani w 3andi mochkil f rajli", "smiti [name] w 3andi mochkil f rajli"),
    ("Ana smiti Nadia.", "Ana smiti [name]."),
    ("Je m'appelle Sara, j'habite rue Ibn Battouta n° 12 à Tanger.", "Je m'appelle [name], j'habite [place] à Tanger."),
    ("اسمي فاطمة الزهراء و ساكنة ف حي المحمدي", "اسمي [name] و ساكنة ف [place]"),
    ("السيد أحمد قال ليا نمشي للمركز", "السيد [name] قال ليا نمشي للمركز"),
    ("Mme Alaoui m'a dit d'appeler", "Mme [name] m'a dit d'appeler"),
    ("Si Ahmed howa lli 3ayet", "Si [name] howa lli 3ayet"),
    ("Bonjour, je suis à Tanger et mon voisin Youssef me frappe", "Bonjour, je suis à Tanger et mon voisin [name] me frappe"),
    ("kanskn f derb Sultan f Casa", "kanskn f [place] f Casa"),
    ("ana f hay Mohammadi raqm 45 zan9a 12", "ana f [place]"),
    ("j'habite au n° 5 rue des Fleurs", "j'habite au [place]"),
    ("ساكنة ف زنقة 7 رقم 12 عمارة ب", "ساكنة ف [place]"),
    ("douar Ait Ali, commune rurale", "[place], commune rurale"),
]  # fmt: skip
KEPT = [
    "Wach kayn chi markaz f Marrakech?",
    "je veux la carte RAMED et l'AMO",
    "fin kayn CNSS f Fès",
    "بغيت نعرف رقم 8350",
    "si tu peux m'aider",
    "Comment obtenir la carte de handicap pour mon fils ?",
    "راجلي كيضربني وما عرفتش فين نمشي",
    "kifach ndir l carte dyal l i3a9a",
    "rajli drb bnti lbar7 w ana khayfa",  # "drb" is "hit", not "derb"
    "mon fils joue dans la rue avec les voisins",
    "un enfant de mon quartier est malade",
    "kayn chibani bo7do f douar dyalna",
    "كاين دري صغير كيبات ف الزنقة بوحدو",
    "كيفاش نكتب سي ڤي مزيان",
    "",
]


@pytest.mark.parametrize(("text", "expected"), HIDDEN)
def test_names_and_addresses_are_hidden(text, expected):
    assert redact_personal(text) == expected


@pytest.mark.parametrize("text", KEPT)
def test_ordinary_words_cities_acronyms_and_help_lines_stay(text):
    assert redact_personal(text) == text


def test_the_review_redaction_also_hides_phone_id_and_email():
    text = "smiti Sara, 0612345678, sara@example.org, CIN AB123456, derb Omar"
    assert redact_for_review(text) == "smiti [name], [phone], [email], CIN [id], [place]"


def test_an_unknown_capitalised_word_counts_as_a_name_only_inside_a_sentence():
    vocabulary = {"bghit", "nhder", "m3a"}
    assert redact_personal("Bghit nhder m3a Karima", vocabulary) == "Bghit nhder m3a [name]"
    assert redact_personal("Karima hna", vocabulary) == "Karima hna", "a sentence's first word is not judged"
