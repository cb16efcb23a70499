"""Redacts phone numbers, national ID numbers (CIN) and e-mail addresses from text and logs.

A citizen may type a phone number or a CIN into the chat; none of it may reach log files, and
transcripts shown to staff hide it unless the citizen agreed to share the whole conversation.
"""

from __future__ import annotations

import logging
import re

from bot.privacy.phone_numbers import mask_phone_numbers

# The look-behind lets an address start only where a run of address characters starts, so a long
# run without "@" is read once (without it every position restarts the scan: quadratic time).
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# CIN: one or two letters then 5 or 6 digits (AB123456, j123456, "BK 12345"); with a space only in
# capitals, so "le 8350" or "à 19" stay.
_CIN = re.compile(r"(?<![\w])(?:[A-Za-z]{1,2}\d{5,6}|[A-Z]{1,2}\s\d{5,6})(?!\w)")
PLACEHOLDERS = {"email": "[email]", "phone": "[phone]", "number": "[number]", "cin": "[id]"}


def redact(text: str) -> str:
    """``text`` with e-mails, phone numbers, other long digit runs and CIN numbers replaced by placeholders.

    Linear in the length of ``text`` (``make bench-redaction``). Phone numbers are those of
    ``bot.privacy.phone_numbers``, the parser the callback form accepts numbers with.
    """
    if not text:
        return text
    text = _EMAIL.sub(PLACEHOLDERS["email"], text)
    text = mask_phone_numbers(text, PLACEHOLDERS["phone"], PLACEHOLDERS["number"])
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
