"""Encrypts the phone number a citizen leaves for a callback (Fernet, from ``cryptography``).

The key comes from ``CALLBACK_KEY`` (production: a secret in the environment). Without it, a key
file is created once under ``var/`` with owner-only permissions, so a laptop install works and
the number is still never stored in clear.
"""

from __future__ import annotations

from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from bot.privacy.private_files import secret_file
from bot.settings import ROOT, get_settings

KEY_FILE = ROOT / "var" / "callback.key"


def _fernet(key_file: Path = KEY_FILE) -> Fernet:
    key = get_settings().callback_key
    return Fernet(key.encode() if key else secret_file(key_file, Fernet.generate_key))


def encrypt_phone(phone: str, key_file: Path = KEY_FILE) -> bytes:
    return _fernet(key_file).encrypt(phone.encode())


def decrypt_phone(token: bytes | None, key_file: Path = KEY_FILE) -> str | None:
    """The phone number, or None when there is none or the key does not match."""
    if not token:
        return None
    try:
        return _fernet(key_file).decrypt(bytes(token)).decode()
    except InvalidToken:
        return None
