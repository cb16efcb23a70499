"""Redacts phone numbers, national ID numbers (CIN) and e-mail addresses from text and logs.

A citizen may type a phone number or a CIN into the chat; none of it may reach log files, and
transcripts shown to staff hide it unless the citizen agreed to share the whole conversation.
"""

from __future__ import annotations

import logging
import re

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Moroccan and international phone numbers: +212 6.., 00212.., 06 12 34 56 78, 0612345678 (any separators).
_PHONE = re.compile(r"(?<![\w+])(?:\+|00)?\d(?:[\s.\-/]?\d){7,14}(?!\w)")
# CIN: one or two letters then 5 or 6 digits (AB123456, j123456, "BK 12345"); with a space only in
# capitals, so "le 8350" or "à 19" stay.
_CIN = re.compile(r"(?<![\w])(?:[A-Za-z]{1,2}\d{5,6}|[A-Z]{1,2}\s\d{5,6})(?!\w)")
PLACEHOLDERS = {"email": "[email]", "phone": "[phone]", "cin": "[id]"}


def redact(text: str) -> str:
    """``text`` with e-mails, phone numbers and CIN numbers replaced by placeholders."""
    if not text:
        return text
    text = _EMAIL.sub(PLACEHOLDERS["email"], text)
    text = _PHONE.sub(PLACEHOLDERS["phone"], text)
    return _CIN.sub(PLACEHOLDERS["cin"], text)


class RedactingFilter(logging.Filter):
    """Logging filter that redacts every record's final message before any handler writes it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


_INSTALLED = False


def install_log_redaction() -> None:
    """Adds the filter to every handler of the root logger (idempotent).

    Called when the Rasa server loads the NLG and when the action server loads the actions, so
    both processes redact without any change to how they are started.
    """
    global _INSTALLED
    root = logging.getLogger()
    for handler in root.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
    if not _INSTALLED:
        root.addFilter(RedactingFilter())
        _INSTALLED = True
