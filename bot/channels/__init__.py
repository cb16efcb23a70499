"""Input/output channels (REST here; Telegram and WhatsApp alongside)."""
