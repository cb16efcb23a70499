"""Custom dialogue policies."""
