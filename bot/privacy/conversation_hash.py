"""A salted hash of the conversation id: links review items to their conversation without storing it.

The erase hook and retention need to find a conversation's items; the review table must not hold
the sender id (a Telegram chat id or a phone number for WhatsApp). HMAC-SHA256 with a secret salt
makes the hash useless for guessing ids. The salt comes from ``REVIEW_SALT`` or an owner-only file
(``REVIEW_SALT_FILE``, default ``var/review.salt``) made once, shared by the Rasa process (erase
hook) and the collection job.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from functools import lru_cache
from pathlib import Path

from bot.privacy.private_files import secret_file
from bot.settings import ROOT, get_settings


@lru_cache(maxsize=4)
def _salt(env_value: str | None, salt_file: str) -> bytes:
    if env_value:
        return env_value.encode()
    return secret_file(Path(salt_file), lambda: secrets.token_hex(32).encode())


def conversation_hash(sender_id: str) -> str:
    """The salted hash of ``sender_id`` (64 hex characters)."""
    settings = get_settings()
    salt = _salt(settings.review_salt, str(settings.review_salt_file or ROOT / "var" / "review.salt"))
    return hmac.new(salt, sender_id.encode(), hashlib.sha256).hexdigest()
