"""Centre search through the real REST channel, per variety: the request is understood and the reply
never says only "nothing".

For each of Darija in Arabic script (ary), Darija in Latin letters (ary_Latn), Modern Standard Arabic
(ar) and French (fr), with wordings that are not training examples:
- a generic "social centre" in a city that has no centre of the general kind → the city's centres
  grouped by type;
- the kind of centre said with the words citizens use (old people, disability, homeless, children)
  and a city, in one message → the results at once, no "what kind of centre?";
- a women's centre in a city with a violence care unit and no women's space near → the city named,
  the nearest women's space further away with its distance, the care unit of the city, the sourced
  care-unit fact, the EMF page and 8350;
- the violence flow's "find a centre" button → the EMF page and 8350 before any sample centre.
Expected texts come from the data files and the Babel catalogues.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from actions.center_reply import CENTER_TYPES, SEARCH_RADIUS_KM
from bot.i18n.catalogs import translate
from tests.test_services_centers_conversations import (
    CITY_NAME_KEY,
    _press,
    _sender,
    _texts,
    centre_rows,
    cities,
    expected_item,
    expected_km,
    expected_results,
    fill,
    km_between,
)

pytestmark = pytest.mark.server


@dataclass(frozen=True)
class Wordings:
    """One variety's messages for each class of request (none is a training example)."""

    locale: str
    social_centre: str  # a generic social centre in …
    social_city: str  # … this city, which has no centre of the general kind
    typed: tuple[tuple[str, str, str], ...]  # (message, type, city): the kind said in the citizen's words
    women_centre: str  # a women's centre in Oujda (a violence care unit, no women's space within 150 km)
    violence: str  # a message about violence (the safety flow)
    city_answer: str  # the city typed when the flow asks where
    city_answer_id: str


WORDINGS = [
    Wordings(
        locale="ary",
        social_centre="بغيت شي مركز اجتماعي ف الرباط",
        social_city="rabat",
        typed=(
            ("فين نلقى شي دار ديال الشيوخ ف العيون", "elderly", "laayoune"),
            ("فين كاين شي مركز للمعاقين ف الرشيدية", "disability", "errachidia"),
        ),
        women_centre="فين كاين مركز ديال العيالات ف وجدة",
        violence="راجلي كيضربني وما عرفتش شنو ندير",
        city_answer="ف أكادير",
        city_answer_id="agadir",
    ),
    Wordings(
        locale="ary_Latn",
        social_centre="wach kayn chi markaz ijtima3i f Wjda?",
        social_city="oujda",
        typed=(
            ("3afak fin kayn a9rab markaz l kbar sen f Agadir", "elderly", "agadir"),
            ("bghit markaz dyal l3a9a f Tanja", "disability", "tangier"),
        ),
        women_centre="bghit markaz dyal nsa f Wjda 3afak",
        violence="rajli kaydrebni w ma 3reftch ach ndir",
        city_answer="f Rabat",
        city_answer_id="rabat",
    ),
    Wordings(
        locale="ar",
        social_centre="أبحث عن مركز اجتماعي في مدينة طنجة",
        social_city="tangier",
        typed=(
            ("أين أجد مركزا لرعاية العجزة في الرشيدية", "elderly", "errachidia"),
            ("أبحث عن مركز لإيواء المشردين في الرباط", "homeless", "rabat"),
        ),
        women_centre="أين يوجد فضاء للنساء في وجدة؟",
        violence="زوجي يعنفني ولا أعرف ماذا أفعل",
        city_answer="في طنجة",
        city_answer_id="tangier",
    ),
    Wordings(
        locale="fr",
        social_centre="Y a-t-il un centre social à Rabat ?",
        social_city="rabat",
        typed=(
            ("je cherche un foyer pour personnes âgées à Oujda", "elderly", "oujda"),
            ("un centre pour les enfants à Agadir svp", "children", "agadir"),
        ),
        women_centre="Je cherche un centre pour les femmes à Oujda",
        violence="mon mari me frappe, je ne sais pas quoi faire",
        city_answer="à Laâyoune",
        city_answer_id="laayoune",
    ),
]
IDS = [w.locale for w in WORDINGS]


def _city_name(city_id: str, locale: str) -> str:
    return cities()[city_id]["names"][CITY_NAME_KEY[locale]]


def _rows_in(city_id: str) -> list[dict]:
    return [r for r in centre_rows() if r["city"] == city_id]


@pytest.mark.parametrize("wordings", WORDINGS, ids=IDS)
def test_a_generic_social_centre_gets_the_city_centres_grouped_by_type(assistant, wordings):
    locale, city_id = wordings.locale, wordings.social_city
    rows = _rows_in(city_id)
    assert rows and not any("general" in r["types"].split("|") for r in rows), "no centre of the general kind"

    replies = _texts(assistant.say(_sender(), wordings.social_centre))
    city = cities()[city_id]
    first_type = {r["id"]: r["types"].split("|")[0] for r in rows}
    groups = []
    for kind in CENTER_TYPES:
        members = sorted(
            ((r, km_between(city["lat"], city["lon"], float(r["latitude"]), float(r["longitude"])))
             for r in rows if first_type[r["id"]] == kind),
            key=lambda pair: pair[1],
        )[:3]  # fmt: skip
        if members:
            heading = fill(
                translate("center_type_group", locale), type=translate(f"center_type_{kind}", locale)
            )
            groups.append("\n".join([heading, *(expected_item(r, km, locale) for r, km in members)]))
    has_women = any(t in r["types"].split("|") for r in rows for t in ("women", "violence_unit"))
    assert replies == [
        translate("center_sample_notice", locale),
        *([translate("center_emf_first", locale)] if has_women else []),
        fill(translate("center_overview_header", locale), place=_city_name(city_id, locale)),
        *groups,
    ]


@pytest.mark.parametrize("wordings", WORDINGS, ids=IDS)
def test_the_kind_of_centre_in_the_citizen_words_is_understood_with_the_city(assistant, wordings):
    for message, kind, city_id in wordings.typed:
        sender = _sender()
        replies = _texts(assistant.say(sender, message))
        assert translate("utter_ask_center_type", wordings.locale) not in replies, message
        slots = assistant.tracker(sender)["slots"]
        assert (slots["center_type"], slots["city"]) == (kind, city_id), message
        city = cities()[city_id]
        assert replies == expected_results(city["lat"], city["lon"], kind, wordings.locale, city_id), message


@pytest.mark.parametrize("wordings", WORDINGS, ids=IDS)
def test_a_women_centre_where_only_a_violence_unit_exists_names_the_city_and_what_helps(assistant, wordings):
    locale = wordings.locale
    oujda = cities()["oujda"]
    women = sorted(
        ((r, km_between(oujda["lat"], oujda["lon"], float(r["latitude"]), float(r["longitude"])))
         for r in centre_rows() if "women" in r["types"].split("|")),
        key=lambda pair: pair[1],
    )  # fmt: skip
    nearest, km = women[0]
    assert km > SEARCH_RADIUS_KM, "no women's space near Oujda in the directory"
    units = [r for r in _rows_in("oujda") if "violence_unit" in r["types"].split("|")]
    assert units, "Oujda has a violence care unit"

    replies = _texts(assistant.say(_sender(), wordings.women_centre))
    kind = translate("center_type_women", locale)
    assert replies == [
        translate("center_sample_notice", locale),
        fill(
            translate("center_none_in_radius", locale),
            type=kind,
            radius=int(SEARCH_RADIUS_KM),
            place=_city_name("oujda", locale),
        ),
        translate("center_emf_first", locale),
        fill(
            translate("center_nearest_further", locale),
            type=kind,
            place=_city_name(nearest["city"], locale),
            distance=expected_km(km, locale),
        ),
        expected_item(nearest, km, locale),
        fill(translate("center_also_helps", locale), place=_city_name("oujda", locale)),
        *(
            expected_item(
                u, km_between(oujda["lat"], oujda["lon"], float(u["latitude"]), float(u["longitude"])), locale
            )
            for u in units
        ),
        translate("center_care_units", locale),
    ]
    assert "8350" in replies[2] and "social.gov.ma/espaces-multifonctionnels/" in replies[2]


@pytest.mark.parametrize("wordings", WORDINGS, ids=IDS)
def test_the_violence_flow_gives_the_emf_page_and_8350_before_sample_centres(assistant, wordings):
    locale, sender = wordings.locale, _sender()
    support = assistant.say(sender, wordings.violence)
    assert _texts(support)[0] == translate("utter_violence_support", locale)
    options = _press(assistant, sender, support, "/affirm")
    question = _press(assistant, sender, options, '/find_center{"center_type": "women"}')
    assert _texts(question) == [translate("utter_ask_city", locale)]

    replies = _texts(assistant.say(sender, wordings.city_answer))
    city = cities()[wordings.city_answer_id]
    expected = expected_results(city["lat"], city["lon"], "women", locale, wordings.city_answer_id)
    assert replies == expected
    assert replies[0] == translate("center_sample_notice", locale)
    assert replies[1] == translate("center_emf_first", locale)
    assert "openstreetmap.org" not in " ".join(replies)
