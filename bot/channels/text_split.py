"""Splits a long reply into messages a platform accepts, without breaking words.

Telegram and WhatsApp refuse texts over 4,096 characters; a centre list or a service sheet in
Arabic can be longer. Cuts prefer a paragraph break, then a line break, then a space; a single
"word" longer than the limit (a very long URL) is the only thing ever cut in the middle.
"""

from __future__ import annotations

from typing import Callable

PLATFORM_LIMIT = 4096


def utf16_length(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units: an emoji outside the BMP counts twice)."""
    return len(text.encode("utf-16-le")) // 2


def _longest_prefix(text: str, limit: int, measure: Callable[[str], int]) -> int:
    """Index ``i`` such that ``text[:i]`` is the longest prefix of at most ``limit`` units."""
    if measure(text) <= limit:
        return len(text)
    low, high = 0, min(len(text), limit)
    while low < high:
        middle = (low + high + 1) // 2
        if measure(text[:middle]) <= limit:
            low = middle
        else:
            high = middle - 1
    return low


def split_text(text: str, limit: int = PLATFORM_LIMIT, measure: Callable[[str], int] = len) -> list[str]:
    """``text`` as consecutive parts of at most ``limit`` (by ``measure``), cut between words."""
    if limit < 1:
        raise ValueError("limit must be positive")
    parts: list[str] = []
    rest = text.strip()
    while rest:
        end = max(1, _longest_prefix(rest, limit, measure))  # one character always moves on
        if end < len(rest) and not rest[end].isspace():  # else a word ends exactly at the limit
            window = rest[:end]
            cut = -1
            for separator in ("\n\n", "\n", " "):
                cut = window.rfind(separator)
                if cut > 0:
                    break
            end = cut if cut > 0 else end
        part, rest = rest[:end].rstrip(), rest[end:].lstrip()
        if part:
            parts.append(part)
    return parts


def split_with_short_tail(text: str, limit: int, tail_limit: int) -> tuple[list[str], str]:
    """Parts of at most ``limit`` followed by a last part of at most ``tail_limit``.

    WhatsApp interactive messages (buttons, lists, location requests) accept a body of 1,024
    characters only: the text before goes out as plain messages, its end carries the buttons.
    """
    parts = split_text(text, limit)
    if not parts:
        return [], ""
    last = parts.pop()
    tail_parts = split_text(last, tail_limit)
    if len(tail_parts) > 1:
        head = last[: len(last) - len(tail_parts[-1])].rstrip()
        parts.extend(split_text(head, limit))
    return parts, tail_parts[-1]
