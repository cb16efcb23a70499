"""Sentence embedding backends shared by NLU features and semantic service search."""
