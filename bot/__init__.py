"""Jisr citizen assistant: channels, NLU components, NLG/i18n and tooling around Rasa."""
