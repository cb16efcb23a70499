"""Callback numbers are stored only encrypted (formats: tests/test_phone_numbers.py)."""

from __future__ import annotations

import os
import stat

from bot.handoff.callback_crypto import decrypt_phone, encrypt_phone


def test_the_number_is_encrypted_with_a_private_key_file(tmp_path, monkeypatch):
    monkeypatch.delenv("CALLBACK_KEY", raising=False)
    key_file = tmp_path / "callback.key"
    token = encrypt_phone("+212612345678", key_file)
    assert b"612345678" not in token
    assert decrypt_phone(token, key_file) == "+212612345678"
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600


def test_a_token_from_another_key_is_not_readable(tmp_path, monkeypatch):
    monkeypatch.delenv("CALLBACK_KEY", raising=False)
    token = encrypt_phone("+212612345678", tmp_path / "a.key")
    assert decrypt_phone(token, tmp_path / "b.key") is None
    assert decrypt_phone(None, tmp_path / "b.key") is None
