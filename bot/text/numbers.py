"""Reads small whole numbers (ages, counts) written in digits or words in Darija, Arabic, French.

"65", "٦٥", "خمسة وستين", "khamsa w settin", "soixante-cinq" → 65. Used for answers such as an
age or a number of children; anything else returns ``None`` so the dialogue can ask again.
"""

from __future__ import annotations

import re

from bot.text.normalization import normalize_text

_UNITS = {
    # Arabic script (normalised: ة→ه, أ→ا, ى→ي)
    "واحد": 1, "واحده": 1, "وحده": 1, "اثنان": 2, "اثنين": 2, "اثنتان": 2, "جوج": 2, "زوج": 2,
    "ثلاثه": 3, "ثلاث": 3, "تلاته": 3, "تلت": 3, "اربعه": 4, "اربع": 4, "ربعه": 4, "خمسه": 5, "خمس": 5,
    "سته": 6, "ست": 6, "سبعه": 7, "سبع": 7, "ثمانيه": 8, "ثماني": 8, "تمنيه": 8, "تسعه": 9, "تسع": 9,
    "تسعود": 9, "عشره": 10, "عشر": 10, "حداش": 11, "احدعشر": 11, "طناش": 12, "اثناعشر": 12,
    "عشرين": 20, "عشرون": 20, "ثلاثين": 30, "ثلاثون": 30, "تلاتين": 30, "اربعين": 40, "اربعون": 40,
    "ربعين": 40, "خمسين": 50, "خمسون": 50, "ستين": 60, "ستون": 60, "سبعين": 70, "سبعون": 70,
    "ثمانين": 80, "ثمانون": 80, "تمانين": 80, "تسعين": 90, "تسعون": 90, "ميه": 100, "مائه": 100, "مايه": 100,
    # Darija in Latin letters
    "wa7ed": 1, "wahed": 1, "wa7da": 1, "juj": 2, "zuj": 2, "jouj": 2, "tlata": 3, "tleta": 3, "rb3a": 4,
    "reb3a": 4, "arb3a": 4, "khamsa": 5, "5amsa": 5, "stta": 6, "seta": 6, "setta": 6, "sb3a": 7, "seb3a": 7,
    "tmnya": 8, "tmenya": 8, "tmanya": 8, "ts3ud": 9, "tes3ud": 9, "ts3oud": 9, "tes3oud": 9, "zouj": 2, "wahda": 1, "3achra": 10, "3chra": 10, "3echra": 10,
    "3chrin": 20, "3echrin": 20, "tlatin": 30, "tletin": 30, "rb3in": 40, "reb3in": 40, "khamsin": 50,
    "settin": 60, "sittin": 60, "stin": 60, "sb3in": 70, "seb3in": 70, "tmanin": 80, "tmenin": 80,
    "ts3in": 90, "tes3in": 90, "mya": 100, "miya": 100,
    # French (accents folded)
    "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7, "huit": 8,
    "neuf": 9, "dix": 10, "onze": 11, "duze": 12, "douze": 12, "treize": 13, "quatorze": 14, "quinze": 15,
    "seize": 16, "vingt": 20, "vingts": 20, "trente": 30, "quarante": 40, "cinquante": 50, "soixante": 60,
    "cent": 100,
}  # fmt: skip
_JOINERS = {"و", "w", "et", "u", "o"}
_DIGITS = re.compile(r"(?<![^\W\d_])\d+(?![^\W\d_])")


def parse_number(text: str) -> int | None:
    """The whole number written in ``text`` (digits win over words), else ``None``."""
    normal = normalize_text(text or "", arabizi_folding=False)
    digits = _DIGITS.findall(normal)
    if digits:
        return int(digits[0]) if len(digits[0]) <= 4 else None
    words = re.split(r"[\s\-]+", normal)
    words = [w[1:] if w.startswith("و") and w[1:] in _UNITS else w for w in words]
    values = [_UNITS[w] for w in words if w in _UNITS]
    return _combine(values) if values else None


def _combine(values: list[int]) -> int:
    total = 0
    current = 0
    for value in values:
        if value == 100:
            current = (current or 1) * 100
        elif value == 20 and current == 4:  # quatre-vingt(s)
            current = 80
        elif value in (10, 11, 12, 13, 14, 15, 16) and current in (60, 80):  # soixante-dix, quatre-vingt-dix
            current += value
        else:
            current += value
    return total + current
