"""Personal data never reaches log output: phone numbers, CIN numbers and e-mails are redacted."""

import io
import logging

import pytest

from bot.privacy.redaction import RedactingFilter, install_log_redaction, redact


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("appelez-moi au 06 12 34 56 78", "appelez-moi au [phone]"),
        ("+212612345678 3afak", "[phone] 3afak"),
        ("00212 6 12 34 56 78", "[phone]"),
        ("رقمي 0612345678", "رقمي [phone]"),
        ("ma CIN AB123456", "ma CIN [id]"),
        ("cin: J 123456", "cin: [id]"),
        ("écrivez à fatima.z@gmail.com", "écrivez à [email]"),
    ],
)
def test_personal_data_is_replaced(text, expected):
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text", ["appelez le 8350", "2511 ou 19", "j'ai 65 ans et 3 enfants", "loi 103-13", "rb3a dyal drari"]
)
def test_service_numbers_ages_and_laws_stay(text):
    assert redact(text) == text


def test_filter_redacts_real_log_output():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("tests.redaction")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    handler.addFilter(RedactingFilter())
    try:
        logger.info("message from %s: call me on %s", "user", "0612345678")
    finally:
        logger.removeHandler(handler)
    assert stream.getvalue() == "message from user: call me on [phone]\n"


def test_install_covers_existing_root_handlers():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        install_log_redaction()
        logging.getLogger("some.library").warning("email %s", "a@b.ma")
    finally:
        root.removeHandler(handler)
    assert "a@b.ma" not in stream.getvalue()
    assert "[email]" in stream.getvalue()
