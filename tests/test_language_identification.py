"""Language detection on messages written for this test (not in the training data)."""

import pytest
from rasa.shared.nlu.training_data.loading import load_data

from bot.nlu.language_detector import training_pairs
from bot.nlu.language_identification import LanguageIdentifier


@pytest.fixture(scope="module")
def identifier() -> LanguageIdentifier:
    texts, languages = training_pairs(load_data("data/nlu"))
    return LanguageIdentifier().fit(texts, languages)


@pytest.mark.parametrize(
    ("text", "language", "script"),
    [
        ("واش ممكن تعاوني نلقى شي خدمة لختي اللي معاقة", "ary", "Arab"),
        ("شنو خاصني ندير باش ناخد الدعم ديال الدراري", "ary", "Arab"),
        ("هل يمكنني الحصول على مساعدة لابني المعاق في المدرسة", "ar", "Arab"),
        ("أرغب في معرفة شروط الاستفادة من الدعم الاجتماعي المباشر", "ar", "Arab"),
        ("Je voudrais savoir comment inscrire ma fille dans une école inclusive", "fr", "Latn"),
        ("Est-ce que mon père peut entrer dans une maison de retraite ?", "fr", "Latn"),
        ("wach momkin t3awni nl9a chi khedma l khti", "ary", "Latn"),
        ("chno khassni ndir bach nakhod dda3m dyal drari", "ary", "Latn"),
        ("bghit n3ref kifach ndir la demande dyal la carte", "ary", "Latn"),
    ],
)
def test_identifies_language_and_script(identifier, text, language, script):
    guess = identifier.identify(text)
    assert (guess.language, guess.script) == (language, script)


def test_latin_text_is_never_labelled_msa(identifier):
    assert identifier.identify("marhaban ahlan wa sahlan").language in ("ary", "fr", None)


def test_no_letters_means_no_guess(identifier):
    guess = identifier.identify("8350 !!")
    assert guess.language is None and guess.script is None


def test_untrained_identifier_guesses_nothing():
    assert LanguageIdentifier().identify("bonjour").language is None
