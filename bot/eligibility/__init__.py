"""Explainable, rule-based eligibility guidance maintained as data (``data/eligibility/*.yml``).

``loader`` reads and validates the files, ``conditions`` evaluates rule conditions on partial answers,
``engine`` decides the next question and the outcome, ``answers`` turns a citizen's reply into a value.
"""
