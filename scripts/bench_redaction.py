"""`make bench-redaction`: time to redact 1 kB, 16 kB and 1 MB of text of several shapes.

Redaction runs on every log record and on the secret answers the tracker store scrubs; it must
grow linearly with the text. Each shape is repeated to the size; the last column is the ratio of
the 1 MB time to the 16 kB time (linear growth: about 64).
"""

from __future__ import annotations

import random
import time

from bot.privacy import phone_numbers
from bot.privacy.redaction import redact

SIZES = (1_000, 16_000, 256_000, 1_000_000)
SHAPES = {
    "Darija sentence with 8350": "bghit nhder m3a chi wa7ed f 8350 ",
    "French sentence": "Je voudrais savoir comment obtenir la carte de handicap. ",
    "one long digit run": "0123456789",
    "digits and spaces": "1 ",
    "phone numbers": "06 ## ## ## ## ",
    "separated phone numbers": "06 - ## - ## - ## - ## w ",
    "9 digits then a letter": "#########a",
    "letters without @": "a",
    "e-mail-like pieces": "a.b@c",
    "CIN-like pieces": "AB1234 ",
}


def text_of(unit: str, size: int, rng: random.Random) -> str:
    """``unit`` repeated to ``size`` characters, each ``#`` replaced by a random digit."""
    pieces = unit.split("#")
    parts, length = [], 0
    while length < size:
        piece = "".join(p + str(rng.randrange(10)) for p in pieces[:-1]) + pieces[-1]
        parts.append(piece)
        length += len(piece)
    return "".join(parts)[:size]


def timed(text: str) -> float:
    best = float("inf")
    for _ in range(3):
        phone_numbers._matches.cache_clear()  # every repetition pays for the matcher
        started = time.perf_counter()
        redact(text)
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    print("time to redact (cost per character)")
    print(f"{'shape':27s}" + "".join(f"{_size(size):>20s}" for size in SIZES))
    for name, unit in SHAPES.items():
        times = [(size, timed(text_of(unit, size, random.Random(size)))) for size in SIZES]
        print(f"{name:27s}" + "".join(f"{_cell(size, t):>20s}" for size, t in times))


def _size(size: int) -> str:
    return f"{size // 1000} kB" if size < 1_000_000 else f"{size // 1_000_000} MB"


def _cell(size: int, seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms ({seconds * 1e6 / size:.2f} µs)"


if __name__ == "__main__":
    main()
