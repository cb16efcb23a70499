"""The load generator's pacing: with ``think`` a conversation waits between a reply and its next
message, so the paced rows of `make bench-load` measure what they claim (a real HTTP server on
loopback records when each message arrives)."""

from __future__ import annotations

import asyncio
import itertools
import time

from aiohttp import web

from bot.ops.loadgen import run_load_async


async def _serve_and_load(think: tuple[float, float] | None) -> dict[str, list[tuple[int, float]]]:
    arrivals: dict[str, list[tuple[int, float]]] = {}

    async def webhook(request: web.Request) -> web.Response:
        body = await request.json()
        arrivals.setdefault(body["sender"], []).append((body["metadata"]["load_seq"], time.monotonic()))
        return web.json_response([{"recipient_id": body["sender"], "text": "ok"}])

    app = web.Application()
    app.router.add_post("/webhooks/rest/webhook", webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    try:
        report = await run_load_async(f"http://127.0.0.1:{port}", 3, 3, "paced", think=think)
    finally:
        await runner.cleanup()
    assert report.lost == 0
    return arrivals


def test_paced_conversations_pause_between_messages() -> None:
    arrivals = asyncio.run(_serve_and_load((0.2, 0.3)))
    assert len(arrivals) == 3
    for messages in arrivals.values():
        assert [seq for seq, _ in messages] == [0, 1, 2]
        gaps = [later - earlier for (_, earlier), (_, later) in itertools.pairwise(messages)]
        assert all(gap >= 0.19 for gap in gaps), gaps


def test_paced_conversations_do_not_all_start_at_the_same_instant() -> None:
    """Each conversation draws its own pauses (seeded by its sender id), so arrivals spread out."""
    first = asyncio.run(_serve_and_load((0.05, 0.4)))
    starts = sorted(messages[0][1] for messages in first.values())
    assert starts[-1] - starts[0] > 0.01  # not all at the same instant
