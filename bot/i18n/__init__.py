"""Translations (Babel catalogues), reply-locale choice and right-to-left safety."""
