"""City names in every spelling, with prepositions and typos, resolve to one canonical city."""

import math

import pytest
import yaml

from bot.geo.gazetteer import DEFAULT_GAZETTEER, Gazetteer, GazetteerError, default_gazetteer

RAW = yaml.safe_load(DEFAULT_GAZETTEER.read_text(encoding="utf-8"))
ALL_SPELLINGS = [(row["id"], spelling) for row in RAW["cities"] for spelling in row["spellings"]]


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return default_gazetteer()


@pytest.mark.parametrize(("city_id", "spelling"), ALL_SPELLINGS, ids=[f"{c}-{s}" for c, s in ALL_SPELLINGS])
def test_every_spelling_resolves_to_its_city(gazetteer, city_id, spelling):
    assert gazetteer.resolve(spelling).id == city_id


@pytest.mark.parametrize(
    ("text", "city_id"),
    [
        ("فطنجة", "tangier"), ("في طنجة", "tangier"), ("f Tanja", "tangier"), ("à Tanger", "tangier"),
        ("tanjer", "tangier"), ("Tangerr", "tangier"), ("الدار البيضاء", "casablanca"), ("فالدار البيضاء", "casablanca"),
        ("Laayoun", "laayoune"), ("العيون", "laayoune"), ("Wjda", "oujda"), ("وجدة", "oujda"), ("Oujdaa", "oujda"),
        ("Agadire", "agadir"), ("Rachidia", "errachidia"), ("Errachidiya", "errachidia"), ("Fès", "fes"), ("fez", "fes"),
    ],
)  # fmt: skip
def test_prepositions_and_typos(gazetteer, text, city_id):
    assert gazetteer.resolve(text).id == city_id


@pytest.mark.parametrize("text", ["bonjour", "carte", "شنو", "xyzxyz", ""])
def test_non_cities_do_not_resolve(gazetteer, text):
    assert gazetteer.resolve(text) is None


def test_mentions_are_found_with_their_span(gazetteer):
    text = "ana f Tanja w khti فالدار البيضاء"
    mentions = [(city.id, text[start:end]) for city, start, end in gazetteer.find_mentions(text)]
    assert mentions == [("tangier", "Tanja"), ("casablanca", "فالدار البيضاء")]


def test_coordinates_are_inside_morocco_and_match_the_facts_sheet(gazetteer):
    for city in gazetteer.cities.values():
        assert 20.5 <= city.lat <= 36.0 and -17.5 <= city.lon <= -0.9, city.id
    assert math.isclose(gazetteer.cities["tangier"].lat, 35.7767, abs_tol=0.01)
    assert math.isclose(gazetteer.cities["oujda"].lon, -1.9114, abs_tol=0.01)


def test_all_regional_capitals_are_present(gazetteer):
    capitals = {c.id for c in gazetteer.cities.values() if RAW_BY_ID[c.id].get("regional_capital")}
    assert len(capitals) == 12
    assert len(RAW["regions"]) == 12


RAW_BY_ID = {row["id"]: row for row in RAW["cities"]}


def test_no_spelling_belongs_to_two_cities():
    owners: dict[str, str] = {}
    for city_id, spelling in ALL_SPELLINGS:
        key = spelling.casefold()
        assert owners.setdefault(key, city_id) == city_id, spelling


def test_everyday_words_are_not_taken_for_cities_without_context(gazetteer):
    assert gazetteer.find_mentions("safi choukran bslama") == []
    assert [c.id for c, _, _ in gazetteer.find_mentions("ana f safi")] == ["safi"]


def test_suggestions_for_an_unknown_name(gazetteer):
    assert "tangier" in [c.id for c in gazetteer.suggest("Tangerrrr ville")]


def test_malformed_rows_are_reported():
    with pytest.raises(GazetteerError, match="city #1"):
        Gazetteer.from_mapping({"cities": [{"id": "x", "names": {}}]}, "cities.yml")
    with pytest.raises(GazetteerError, match="duplicate city id"):
        row = {"id": "x", "names": {"fr": "X"}, "lat": 30, "lon": -7}
        Gazetteer.from_mapping({"cities": [row, row]}, "cities.yml")
