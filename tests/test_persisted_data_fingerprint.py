"""An edited content file changes the components' training fingerprint, so Rasa's cache cannot reuse
a component trained on the old content."""

from pathlib import Path

from rasa.engine.training.fingerprinting import calculate_fingerprint_key

from bot.nlu.city_resolver import GazetteerCityResolver
from bot.nlu.safety_net import SafetyNet


def _key(component, config: dict) -> str:
    return calculate_fingerprint_key(component, {**component.get_default_config(), **config}, inputs={})


def test_editing_the_terms_file_changes_the_safety_nets_fingerprint(tmp_path: Path):
    terms = tmp_path / "terms.yml"
    terms.write_text("version: 1\nphrases:\n  fr: [au secours]\n", encoding="utf-8")
    before = _key(SafetyNet, {"terms_file": str(terms)})
    assert _key(SafetyNet, {"terms_file": str(terms)}) == before
    terms.write_text("version: 1\nphrases:\n  fr: [au secours, à l'aide]\n", encoding="utf-8")
    assert _key(SafetyNet, {"terms_file": str(terms)}) != before


def test_the_default_gazetteer_is_part_of_the_fingerprint(tmp_path: Path):
    default = _key(GazetteerCityResolver, {})
    other = tmp_path / "cities.yml"
    other.write_text("version: 1\ncities: []\n", encoding="utf-8")
    assert _key(GazetteerCityResolver, {"gazetteer_file": str(other)}) != default
