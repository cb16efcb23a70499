"""Privacy: redaction of personal data, retention of conversations."""
