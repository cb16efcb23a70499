"""Custom Rasa NLU components for Darija (both scripts), Arabic and French."""
