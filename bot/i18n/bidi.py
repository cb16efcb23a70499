"""Right-to-left safety for Arabic replies that contain numbers, URLs or Latin words.

Messaging apps lay out a bubble by its first strong character; a reply such as "اتصل ب 8350"
or one mixing "idmaj.social.gov.ma" renders scrambled unless the left-to-right runs are isolated.
We start RTL replies with a right-to-left mark and wrap each left-to-right run in
LEFT-TO-RIGHT ISOLATE … POP DIRECTIONAL ISOLATE (Unicode bidi algorithm, UAX #9).
"""

from __future__ import annotations

import re

RLM = "\u200f"
LRI = "\u2066"
PDI = "\u2069"

# A run of Latin letters/digits with the punctuation that belongs inside URLs, numbers and names; an
# international prefix ("+212 6…") starts the run, or the plus sign would be laid out after the number.
_LTR_RUN = re.compile(
    r"(?:https?://|\+(?=\d))?[A-Za-z0-9\u00c0-\u024f][A-Za-z0-9\u00c0-\u024f.,:/@%+_#=?&'’()\-–]*"
    r"(?:[ \u00a0][A-Za-z0-9\u00c0-\u024f][A-Za-z0-9\u00c0-\u024f.,:/@%+_#=?&'’()\-–]*)*"
)


def _trim_run(run: str) -> tuple[str, str]:
    """Keeps sentence punctuation that ends a run outside the isolate."""
    stripped = run.rstrip(".,:;)(")
    return stripped, run[len(stripped) :]


def isolate_ltr_runs(text: str) -> str:
    """Wraps every left-to-right run of an RTL text in isolates and starts it with an RLM."""
    if not text:
        return text

    def wrap(match: re.Match) -> str:
        inner, tail = _trim_run(match.group(0))
        return f"{LRI}{inner}{PDI}{tail}" if inner else match.group(0)

    lines = [_LTR_RUN.sub(wrap, line) for line in text.split("\n")]
    return "\n".join(f"{RLM}{line}" if line else line for line in lines)


def strip_bidi_marks(text: str) -> str:
    """Removes the marks again (for tests, logs and channels that cannot show them)."""
    return text.replace(RLM, "").replace(LRI, "").replace(PDI, "")
