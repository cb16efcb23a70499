"""Load generator for the REST channel: many concurrent conversations, each one message at a time.

Each conversation sends its next message only after the reply to the previous one (as a citizen
does), with ``metadata.load_seq`` numbering its messages so a test can check the stored order.
Used by the consistency and data-safety tests and by ``make bench-load``.
"""

from __future__ import annotations

import asyncio
import json
import math
import random
import time
from dataclasses import dataclass, field
from typing import Callable, Sequence

import aiohttp

#: Messages of a citizen asking about services, in the four ways they write; every one gets a reply.
SCRIPT = (
    "salam",
    "bghit nkhrej la carte dyal l i3a9a",
    "Comment obtenir la carte de handicap ?",
    "ما هي وثائق بطاقة الإعاقة؟",
    "chno homa lkhadamat dyalkom",
    "بغيت نعرف على الدعم الاجتماعي المباشر",
    "Qu'est-ce que l'AMO Tadamon ?",
    "merci",
)


def script_for(conversation: int, messages: int) -> list[str]:
    """``messages`` texts for one conversation, starting at a different point for each conversation."""
    return [SCRIPT[(conversation + i) % len(SCRIPT)] for i in range(messages)]


@dataclass
class Turn:
    """One request: what was sent, what came back, how long it took, which instance answered."""

    sender: str
    seq: int
    text: str
    status: int  # 0 when no HTTP answer arrived (connection error or timeout)
    seconds: float
    instance: str | None
    replies: list = field(default_factory=list)
    error: str | None = None


@dataclass
class LoadReport:
    turns: list[Turn]
    wall_seconds: float

    @property
    def answered(self) -> list[Turn]:
        return [t for t in self.turns if t.status == 200]

    @property
    def lost(self) -> int:
        return len(self.turns) - len(self.answered)

    def percentile(self, q: float) -> float:
        values = sorted(t.seconds for t in self.answered)
        if not values:
            return math.nan
        return values[min(len(values) - 1, max(0, math.ceil(q / 100 * len(values)) - 1))]

    @property
    def messages_per_second(self) -> float:
        return len(self.answered) / self.wall_seconds if self.wall_seconds else 0.0

    def by_sender(self) -> dict[str, list[Turn]]:
        grouped: dict[str, list[Turn]] = {}
        for turn in self.turns:
            grouped.setdefault(turn.sender, []).append(turn)
        return {sender: sorted(turns, key=lambda t: t.seq) for sender, turns in grouped.items()}

    def summary(self) -> str:
        return (
            f"{len(self.turns)} messages, {self.lost} without answer, "
            f"p50 {self.percentile(50) * 1000:.0f} ms, p95 {self.percentile(95) * 1000:.0f} ms, "
            f"p99 {self.percentile(99) * 1000:.0f} ms, {self.messages_per_second:.1f} msg/s"
        )


async def _conversation(
    session: aiohttp.ClientSession,
    url: str,
    sender: str,
    texts: Sequence[str],
    turns: list[Turn],
    timeout: float,
    in_flight: asyncio.Semaphore | None,
    think: tuple[float, float] | None = None,
) -> None:
    pause = random.Random(sender)  # the same pauses for the same conversation, run after run
    if think:  # citizens do not all write at the same instant: spread the first messages out
        await asyncio.sleep(pause.uniform(0, think[1]))
    for seq, text in enumerate(texts):
        if think and seq:
            await asyncio.sleep(pause.uniform(*think))
        if in_flight is None:
            turns.append(await _send(session, url, sender, seq, text, timeout))
        else:
            async with in_flight:
                turns.append(await _send(session, url, sender, seq, text, timeout))


async def _send(
    session: aiohttp.ClientSession, url: str, sender: str, seq: int, text: str, timeout: float
) -> Turn:
    started = time.perf_counter()
    body = {"sender": sender, "message": text, "metadata": {"load_seq": seq}}
    try:
        async with session.post(url, json=body, timeout=aiohttp.ClientTimeout(total=timeout)) as response:
            raw = await response.text()
            instance = response.headers.get("X-Jisr-Instance")
            try:
                replies = json.loads(raw)
            except ValueError:  # an error page from the proxy or the server
                status = response.status if response.status != 200 else 0
                return Turn(
                    sender, seq, text, status, time.perf_counter() - started, instance, error=raw[:80]
                )
            replies = replies if isinstance(replies, list) else []
            return Turn(sender, seq, text, response.status, time.perf_counter() - started, instance, replies)
    except (aiohttp.ClientError, asyncio.TimeoutError) as error:
        return Turn(sender, seq, text, 0, time.perf_counter() - started, None, error=type(error).__name__)


async def run_load_async(
    base_url: str,
    conversations: int,
    messages: int,
    prefix: str,
    texts: Callable[[int, int], list[str]] = script_for,
    timeout: float = 330.0,  # longer than the proxy's 300 s: a lost request is the proxy's verdict
    max_in_flight: int | None = None,
    think: tuple[float, float] | None = None,
) -> LoadReport:
    """``conversations`` conversations at once, ``messages`` messages each, against ``base_url``.

    ``max_in_flight`` bounds the requests waiting for an answer at any moment (all conversations
    still interleave); ``None`` lets every conversation send at once, as ``make bench-load`` does.
    ``think`` (min, max seconds) makes each conversation pause between a reply and its next message,
    as a citizen reading and typing does; ``None`` sends at once (a closed loop: the server's capacity).
    """
    in_flight = asyncio.Semaphore(max_in_flight) if max_in_flight else None
    url = f"{base_url.rstrip('/')}/webhooks/rest/webhook"
    turns: list[Turn] = []
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        started = time.perf_counter()
        await asyncio.gather(
            *(
                _conversation(
                    session, url, f"{prefix}-{c}", texts(c, messages), turns, timeout, in_flight, think
                )
                for c in range(conversations)
            )
        )
        wall = time.perf_counter() - started
    return LoadReport(turns, wall)


def run_load(base_url: str, conversations: int, messages: int, prefix: str, **kwargs) -> LoadReport:
    """Synchronous wrapper of :func:`run_load_async`."""
    return asyncio.run(run_load_async(base_url, conversations, messages, prefix, **kwargs))
