"""Centre opening hours: the OSM-subset parser (valid forms, each malformed kind) and the rendering in
ary, ary_Latn, ar and fr, with expected texts built from the Babel catalogues."""

import pytest

from bot.geo.directory import DirectoryError, read_directory
from bot.geo.opening_hours import (
    OpeningHours,
    OpeningHoursError,
    Rule,
    format_opening_hours,
    parse_opening_hours,
)
from bot.i18n.bidi import LRI, PDI, RLM
from bot.i18n.catalogs import LOCALES, has_key, translate
from bot.i18n.keys import key_groups
from bot.i18n.render import render_text

MO, TU, WE, TH, FR, SA, SU = range(7)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", OpeningHours()),
        ("   ", OpeningHours()),
        ("24/7", OpeningHours(always_open=True)),
        ("Mo-Fr 08:30-16:30", OpeningHours((Rule(((MO, FR),), (("08:30", "16:30"),)),))),
        (
            "Mo-Fr 08:30-12:00,14:00-16:30; Sa 09:00-12:00; Su off",
            OpeningHours(
                (
                    Rule(((MO, FR),), (("08:30", "12:00"), ("14:00", "16:30"))),
                    Rule(((SA, SA),), (("09:00", "12:00"),)),
                    Rule(((SU, SU),), ()),
                )
            ),
        ),
        ("Mo,We 09:00-12:00", OpeningHours((Rule(((MO, MO), (WE, WE)), (("09:00", "12:00"),)),))),
        ("Mo-We,Fr 09:00-12:00", OpeningHours((Rule(((MO, WE), (FR, FR)), (("09:00", "12:00"),)),))),
        ("Mo-Su 18:00-08:00", OpeningHours((Rule(((MO, SU),), (("18:00", "08:00"),)),))),  # overnight
        ("Sa-Mo 00:00-24:00", OpeningHours((Rule(((SA, MO),), (("00:00", "24:00"),)),))),  # wraps
        ("Mo-Fr 08:00-12:00 , 14:00-18:00 ;Sa off", None),  # extra spaces are tolerated
    ],
)
def test_valid_forms(text, expected):
    hours = parse_opening_hours(text)
    if expected is not None:
        assert hours == expected
    assert hours.known == bool(text.strip())


def test_days_of_a_rule():
    assert parse_opening_hours("Sa-Mo 10:00-12:00").rules[0].days == {SA, SU, MO}
    assert parse_opening_hours("Mo-We,Fr 10:00-12:00").rules[0].days == {MO, TU, WE, FR}
    assert parse_opening_hours("Tu off").rules[0].closed


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Lun–Ven 08:30–16:30 (exemple)", "plain hyphen"),  # free text, not the opening-hours syntax
        ("Lu-Ve 08:30-16:30", "unknown day 'Lu'"),
        ("mo-fr 08:30-16:30", "unknown day 'mo'"),
        ("Mo-Fr", "needs days then times"),
        ("08:30-16:30", "has no days"),
        ("8:30-16:30", "has no days"),
        ("Mo-Fr 8:30-16:30", "time '8:30' is not HH:MM"),
        ("Mo-Fr 08h30-16h30", "time '08h30' is not HH:MM"),
        ("Mo-Fr 08:30", "not a time interval"),
        ("Mo-Fr 08:30-", "not a time interval"),
        ("Mo-Fr 25:00-26:00", "time '25:00' does not exist"),
        ("Mo-Fr 08:60-12:00", "time '08:60' does not exist"),
        ("Mo-Fr 24:00-08:00", "time '24:00' does not exist"),
        ("Mo-Fr 08:00-24:30", "time '24:30' does not exist"),
        ("Mo-Fr 08:00-08:00", "is empty"),
        ("Mo-Fr 08:00-12:00,11:00-14:00", "overlaps"),
        ("Mo-Su 18:00-08:00,07:00-09:00", "overlaps"),  # the overnight interval covers 07:00
        ("Mo-Fr 08:30-16:30;", "empty rule"),
        ("Mo-Fr 08:30-16:30;; Sa off", "empty rule"),
        ("Mo-Fr 08:30-16:30; Fr 09:00-12:00", "Fr is in two rules"),
        ("Mo-Fr 08:30-16:30; 24/7", "must be the whole value"),
        ("Mo- 08:30-16:30", "are not like Mo-Fr"),
        ("Mo,,We 08:30-16:30", "are not like Mo-Fr"),
        ("Mo-We-Fr 08:30-16:30", "are not like Mo-Fr"),
        ("Mo-Mo 08:30-16:30", "starts and ends on the same day"),
        ("Mo-Fr closed", "not a time interval"),
        ("Mo-Fr 08:30-16:30 (exemple)", "is not HH:MM"),
        ("24/24", "needs days then times"),
    ],
)
def test_each_malformed_kind_is_refused_with_its_reason(text, message):
    with pytest.raises(OpeningHoursError) as error:
        parse_opening_hours(text)
    assert message in str(error.value)


def test_the_directory_refuses_malformed_hours_with_file_and_line(tmp_path):
    path = tmp_path / "c.csv"
    header = "id,name_ar,name_fr,types,city,region,address,latitude,longitude,phone,opening_hours,source,checked,verified"
    good = "c1,م,C,women,tangier,r,,35.77,-5.80,,Mo-Fr 08:30-16:30,sample,2026-11-29,false"
    bad = "c2,م,C,women,tangier,r,,35.77,-5.80,,Lun–Ven 08:30–16:30,sample,2026-11-29,false"
    path.write_text("\n".join([header, good, bad, good.replace("c1", "c3")]) + "\n", encoding="utf-8")
    with pytest.raises(DirectoryError) as error:
        read_directory(path)
    (problem,) = error.value.problems
    assert problem.startswith(f"{path}:3: opening_hours 'Lun–Ven 08:30–16:30': ")


# ---------------------------------------------------------------- rendering


def _t(key: str, locale: str) -> str:
    return translate(key, locale)


def _rule(days: str, times: str, locale: str) -> str:
    return _t("hours_rule", locale).replace("{days}", days).replace("{times}", times)


def _range(first: str, last: str, locale: str) -> str:
    return (
        _t("hours_day_range", locale)
        .replace("{first}", _t(f"hours_day_{first}", locale))
        .replace("{last}", _t(f"hours_day_{last}", locale))
    )


@pytest.mark.parametrize("locale", LOCALES)
def test_every_hours_key_is_translated_in_every_locale(locale):
    assert all(has_key(key, locale) for key in key_groups()["opening_hours"])


@pytest.mark.parametrize("locale", LOCALES)
def test_rendering_in_each_locale_uses_the_catalogue(locale):
    comma, semicolon = _t("hours_list_separator", locale), _t("hours_rule_separator", locale)
    assert format_opening_hours("Mo-Fr 08:30-16:30", locale) == _rule(
        _range("mo", "fr", locale), "08:30–16:30", locale
    )
    assert format_opening_hours("Mo-Su 18:00-08:00", locale) == _rule(
        _t("hours_every_day", locale), "18:00–08:00", locale
    )
    assert format_opening_hours("24/7", locale) == _rule(
        _t("hours_every_day", locale), _t("hours_open_24h", locale), locale
    )
    assert format_opening_hours("Mo-Fr 00:00-24:00", locale) == _rule(
        _range("mo", "fr", locale), _t("hours_open_24h", locale), locale
    )
    assert format_opening_hours("", locale) == _t("hours_unknown", locale)
    assert format_opening_hours(
        "Mo-Fr 08:30-12:00,14:00-16:30; Sa 09:00-12:00; Su off", locale
    ) == semicolon.join(
        [
            _rule(_range("mo", "fr", locale), f"08:30–12:00{comma}14:00–16:30", locale),
            _rule(_t("hours_day_sa", locale), "09:00–12:00", locale),
            _rule(_t("hours_day_su", locale), _t("hours_closed", locale), locale),
        ]
    )
    days = comma.join([_t("hours_day_mo", locale), _t("hours_day_we", locale), _t("hours_day_fr", locale)])
    assert format_opening_hours("Mo,We,Fr 09:00-12:00", locale) == _rule(days, "09:00–12:00", locale)
    # every day written as a list, or as a range over the week-end, is still "every day"
    assert format_opening_hours("Mo-Th,Fr-Su 09:00-12:00", locale) == _rule(_t("hours_every_day", locale), "09:00–12:00", locale)  # fmt: skip


@pytest.mark.parametrize("locale", LOCALES)
def test_no_osm_codes_nor_words_of_another_locale_in_the_hours(locale):
    text = format_opening_hours("Mo-Fr 08:30-12:00; Sa off; Su 10:00-12:00", locale)
    words = set(
        text.replace(",", " ").replace(";", " ").replace(":", " ").replace("،", " ").replace("؛", " ").split()
    )
    assert not words & {"Mo", "Fr", "Sa", "Su", "off", "Mo-Fr"}, text
    for other in LOCALES:
        if other != locale and {locale, other} != {"ary", "ar"}:  # ary and ar share some day names
            foreign = {_t(k, other) for k in ("hours_day_mo", "hours_day_fr", "hours_day_sa", "hours_closed")}
            assert not any(word in text for word in foreign), (locale, other, text)


def test_day_names_differ_per_locale_and_arabic_ones_are_in_arabic_script():
    days = ("mo", "tu", "we", "th", "fr", "sa", "su")
    names = {loc: [_t(f"hours_day_{d}", loc) for d in days] for loc in LOCALES}
    assert len({tuple(v) for v in names.values()}) == 4
    for locale, arabic in (("ary", True), ("ar", True), ("ary_Latn", False), ("fr", False)):
        for name in names[locale]:
            assert any("\u0600" <= c <= "\u06ff" for c in name) is arabic, (locale, name)


@pytest.mark.parametrize("locale", ["ary", "ar"])
def test_arabic_replies_isolate_the_times_right_to_left(locale):
    hours = format_opening_hours("Mo-Fr 08:30-12:00,14:00-16:30", locale)
    text = render_text(
        "center_result_item", locale, {"name": "م", "distance": "1", "hours": hours, "phone": "-", "map": "-"}
    )
    hours_line = next(line for line in text.split("\n") if "08:30" in line)
    assert hours_line.startswith(RLM)
    assert f"{LRI}08:30–12:00{PDI}" in hours_line and f"{LRI}14:00–16:30{PDI}" in hours_line
