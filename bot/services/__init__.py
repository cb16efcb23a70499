"""The services catalogue and semantic search over it."""
