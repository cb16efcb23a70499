"""Text utilities every layer shares: normalisation, digit scripts, numbers in words, Arabizi.

The bottom layer: these modules import nothing from the rest of the assistant, so the NLU
components, the gazetteer, the service search and the eligibility answers can all use them.
"""
