"""Places: the gazetteer of Moroccan cities and distance helpers."""
