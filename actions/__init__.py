"""Custom actions of the Jisr assistant, split by domain."""
