"""Content checks behind `make validate` that go beyond loading each file: Rasa's own validator
(wrapped so each problem is printed once as ``file:line``), duplicate or conflicting examples across
intents, responses nobody uses, and stories that contradict rules."""
