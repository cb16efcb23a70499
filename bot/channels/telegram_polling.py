"""Telegram long polling: ``getUpdates`` forwarded to the Telegram webhook of a Rasa server.

Each update is posted, with the webhook secret, to the webhook of a Rasa server on this machine:
every rule of the channel (commands, buttons, duplicates, quick exit) lives in
``bot.channels.telegram`` and is shared by both modes. Telegram refuses ``getUpdates`` while a
webhook is set, so the webhook is removed first. ``make telegram`` runs it (bot/telegram_local.py).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import httpx
from telegram.error import TelegramError

from bot.channels.retry import RetryPolicy, with_retries
from bot.channels.telegram import (
    ALLOWED_UPDATES,
    SECRET_HEADER,
    TelegramSettings,
    group_by_chat,
    make_bot,
    retry_wait,
)

logger = logging.getLogger("bot.channels.telegram_polling")

POLL_SECONDS = 25


async def forward(client: httpx.AsyncClient, webhook_url: str, secret: str, update: dict[str, Any]) -> bool:
    """Posts one update to the webhook; ``True`` once the server took it (any non-5xx answer)."""
    for attempt in range(1, 6):
        try:
            answer = await client.post(webhook_url, json=update, headers={SECRET_HEADER: secret})
            if answer.status_code < 500:
                if answer.status_code >= 400:
                    logger.warning(
                        "Update %s refused by the webhook: %s", update.get("update_id"), answer.status_code
                    )
                return True
        except httpx.HTTPError as error:
            logger.warning("Rasa server not reachable (%s), retry %d", type(error).__name__, attempt)
        await asyncio.sleep(min(2**attempt, 30))
    return False


async def poll(
    settings: TelegramSettings, rasa_url: str, stop: asyncio.Event, poll_seconds: int = POLL_SECONDS
) -> None:
    """Polls until ``stop`` is set; each chat's updates are forwarded in order, chats concurrently."""
    bot = make_bot(settings, read_timeout=poll_seconds + 10)
    policy = RetryPolicy.from_env()
    webhook_url = f"{rasa_url.rstrip('/')}/webhooks/telegram/webhook"
    await with_retries(
        lambda: bot.delete_webhook(drop_pending_updates=False), retry_wait, policy, "telegram deleteWebhook"
    )
    offset: int | None = None
    async with httpx.AsyncClient(timeout=120) as client:
        while not stop.is_set():
            try:
                updates = await bot.get_updates(
                    offset=offset, timeout=poll_seconds, allowed_updates=list(ALLOWED_UPDATES)
                )
            except TelegramError as error:
                logger.warning("getUpdates failed (%s); retrying", type(error).__name__)
                await asyncio.sleep(policy.backoff(1) + 1)
                continue
            if not updates:
                continue
            raw = [update.to_dict() for update in updates]

            async def chat_in_order(chat_updates: list[dict[str, Any]]) -> None:
                for update in chat_updates:
                    await forward(client, webhook_url, settings.secret, update)

            await asyncio.gather(*(chat_in_order(group) for group in group_by_chat(raw).values()))
            offset = max(update.update_id for update in updates) + 1
