"""Whitespace tokenizer whose tokens carry the normalised form of each word.

Token offsets still point into the original text, so entity annotations and extracted entity
values keep the citizen's own spelling while features see one canonical form per word.
"""

from __future__ import annotations

from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message

from bot.text.normalization import normalize_text


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class NormalizingTokenizer(WhitespaceTokenizer):
    """Splits on whitespace/punctuation, then normalises each token (Arabic and Arabizi folds)."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """Adds ``arabizi_folding`` to the whitespace tokenizer's options."""
        return {**WhitespaceTokenizer.get_default_config(), "arabizi_folding": True}

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> NormalizingTokenizer:
        """Creates the tokenizer (no training state)."""
        return cls(config)

    def tokenize(self, message: Message, attribute: str) -> List[Token]:
        """Tokenises like the whitespace tokenizer and replaces each token text by its normal form."""
        tokens = super().tokenize(message, attribute)
        folding = self._config.get("arabizi_folding", True)
        normalized: List[Token] = []
        for token in tokens:
            form = normalize_text(token.text, arabizi_folding=folding) or token.text
            normalized.append(Token(form, token.start, token.end, token.data, form))
        return normalized
