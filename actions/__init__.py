"""Custom actions of the Jisr assistant, split by domain."""

from bot.privacy.redaction import install_log_redaction

install_log_redaction()  # the action server imports this package at start-up
