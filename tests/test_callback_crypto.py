"""Callback numbers: Moroccan formats recognised, stored only encrypted."""

from __future__ import annotations

import os
import stat

import pytest

from bot.handoff.callback_crypto import decrypt_phone, encrypt_phone, normalise_phone


@pytest.mark.parametrize(
    "text, expected",
    [
        ("0612345678", "+212612345678"),
        ("06 12 34 56 78", "+212612345678"),
        ("06-12-34-56-78", "+212612345678"),
        ("+212 6 12 34 56 78", "+212612345678"),
        ("00212712345678", "+212712345678"),
        ("٠٦١٢٣٤٥٦٧٨", "+212612345678"),
        ("0522123456", "+212522123456"),
        ("12345", None),
        ("0812345678", None),
        ("06123456789", None),
        ("abc", None),
        ("", None),
    ],
)
def test_moroccan_numbers(text, expected):
    assert normalise_phone(text) == expected


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
