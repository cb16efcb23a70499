"""Which language a message is written in: Darija (``ary``), Modern Standard Arabic or French.

No off-the-shelf identifier knows Darija, and Arabizi looks like noise to them, so the
identifier is a small character n-gram model trained on the project's own NLU data, whose blocks
are tagged with their variety. The script (Arabic or Latin letters) is read off the characters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from bot.text.normalization import normalize_text, script_of

#: Variety tag in the training data → reply language.
VARIETY_LANGUAGE = {"ary_arab": "ary", "ary_latn": "ary", "mixed": "ary", "ar": "ar", "fr": "fr"}
LANGUAGES = ("ary", "ar", "fr")


@dataclass(frozen=True)
class LanguageGuess:
    """The detected language (``None`` when unsure), its probability and the script."""

    language: str | None
    confidence: float
    script: str | None


def _plain_normal_form(text: str) -> str:
    """Normalised text without Arabizi folds (those would blur Darija/French cues)."""
    return normalize_text(text, arabizi_folding=False)


class LanguageIdentifier:
    """Character n-gram logistic regression over normalised text, plus a script rule."""

    def __init__(self, min_confidence: float = 0.55, pipeline: Pipeline | None = None) -> None:
        self.min_confidence = min_confidence
        self.pipeline = pipeline

    def fit(self, texts: Sequence[str], languages: Sequence[str]) -> LanguageIdentifier:
        """Trains on texts labelled ``ary``/``ar``/``fr``."""
        self.pipeline = Pipeline(
            [
                (
                    "ngrams",
                    TfidfVectorizer(
                        analyzer="char_wb",
                        ngram_range=(1, 4),
                        sublinear_tf=True,
                        preprocessor=_plain_normal_form,
                    ),
                ),
                ("model", LogisticRegression(C=20.0, max_iter=2000, class_weight="balanced")),
            ]
        )
        self.pipeline.fit(list(texts), list(languages))
        return self

    def identify(self, text: str) -> LanguageGuess:
        """Guesses the language; Latin-script text can only be Darija or French, Arabic-script
        text only Darija or MSA."""
        script = script_of(text)
        if script is None or self.pipeline is None:
            return LanguageGuess(None, 0.0, script)
        probabilities = dict(
            zip(self.pipeline.classes_, self.pipeline.predict_proba([text])[0], strict=False)
        )
        allowed = ("ary", "fr") if script == "Latn" else ("ary", "ar")
        total = sum(probabilities.get(lang, 0.0) for lang in allowed) or 1.0
        best = max(allowed, key=lambda lang: probabilities.get(lang, 0.0))
        confidence = probabilities.get(best, 0.0) / total
        language = best if confidence >= self.min_confidence else None
        return LanguageGuess(language, round(float(confidence), 4), script)

    def identify_many(self, texts: Iterable[str]) -> list[LanguageGuess]:
        """Convenience for evaluation."""
        return [self.identify(text) for text in texts]
