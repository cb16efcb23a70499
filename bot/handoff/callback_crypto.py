"""Encrypts the phone number a citizen leaves for a callback (Fernet, from ``cryptography``).

The key comes from ``CALLBACK_KEY`` (production: a secret in the environment). Without it, a key
file is created once under ``var/`` with owner-only permissions, so a laptop install works and
the number is still never stored in clear.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from bot.settings import ROOT, get_settings

KEY_FILE = ROOT / "var" / "callback.key"


def _fernet(key_file: Path = KEY_FILE) -> Fernet:
    key = get_settings().callback_key
    if not key:
        if not key_file.exists():
            key_file.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(Fernet.generate_key())
        key = key_file.read_text().strip()
    return Fernet(key.encode() if isinstance(key, str) else key)


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
