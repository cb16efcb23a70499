"""Telegram channel (python-telegram-bot): webhook input, output, quick exit.

Webhook: ``POST /webhooks/telegram/webhook``; Telegram sends the secret given to ``setWebhook``
in ``X-Telegram-Bot-Api-Secret-Token`` (403 without it). ``make telegram`` polls ``getUpdates``
instead and posts each update to this same webhook, so both modes share all the logic here.

Conversation ids are ``tg-<chat_id>``; only private chats are served. Commands map to intents,
buttons are inline keyboards (callback queries are answered so the spinner stops), a shared
location searches the nearest centre, anything else (sticker, photo, voice…) gets "I can read
text and locations" in the conversation's language. Every message id of the chat is kept for 48
hours so the quick exit can delete the chat's messages from the citizen's phone.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Dict, Iterable, List

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.error import BadRequest, NetworkError, RetryAfter
from telegram.request import HTTPXRequest

from bot.channels.citizen_input import button_payload, shared_location, typed_text
from bot.channels.conversation_ids import CHANNEL_PREFIXES, TELEGRAM
from bot.channels.conversation_locale import conversation_locale
from bot.channels.processed_once import already_stored, in_flight_elsewhere, lease_seconds, processing
from bot.channels.retry import RetryPolicy, with_retries
from bot.channels.settings import http_timeout, read_settings
from bot.channels.store import ChannelStore, Claim, ClaimState, channel_store
from bot.channels.text_split import split_text, utf16_length
from bot.channels.webhook import WebhookRejected, acknowledged, json_object, read_body
from bot.i18n.catalogs import DEFAULT_LOCALE
from bot.i18n.render import direct_text
from bot.privacy.erase_hooks import register_erase_hook

logger = logging.getLogger(__name__)

CHANNEL = "telegram"
SENDER_PREFIX = CHANNEL_PREFIXES[TELEGRAM]
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
TEXT_LIMIT = 4096
CALLBACK_DATA_LIMIT = 64
DELETE_BATCH = 100  # deleteMessages takes 1-100 ids
ALLOWED_UPDATES = ("message", "edited_message", "callback_query")
#: Telegram commands and the payload each sends to Rasa. ``/choose_language`` without a language
#: only says "I'll answer in …": the greeting is the response that offers the language buttons.
COMMANDS = {
    "start": "/greet",
    "help": "/ask_capabilities",
    "lang": "/greet",
    "human": "/talk_to_human",
    "exit": "/delete_my_data",
}
#: Command menu languages: Telegram shows the ``language_code`` list matching the app's language,
#: else the default list (Darija).
COMMAND_MENU_LOCALES = {None: DEFAULT_LOCALE, "ar": "ar", "fr": "fr"}
NOT_READABLE_KEY = "channel_text_and_location_only"
SHARE_LOCATION_KEY = "channel_share_location"
SETTINGS = {
    "token": ("TELEGRAM_TOKEN", None),
    "webhook_secret": ("TELEGRAM_WEBHOOK_SECRET", None),
    "webhook_url": ("TELEGRAM_WEBHOOK_URL", None),
    "api_url": ("TELEGRAM_API_URL", "https://api.telegram.org"),
}


@dataclass(frozen=True)
class TelegramSettings:
    """What the channel needs; ``secret`` defaults to one derived from the token."""

    token: str
    secret: str
    api_url: str = "https://api.telegram.org"
    webhook_url: str | None = None

    @classmethod
    def from_credentials(
        cls, credentials: Dict[str, Any] | None
    ) -> tuple[TelegramSettings | None, list[str]]:
        values, missing = read_settings("Telegram", credentials, SETTINGS, required=("token",))
        if missing:
            return None, missing
        token = str(values["token"])
        return (
            cls(
                token=token,
                secret=values["webhook_secret"] or derived_secret(token),
                api_url=str(values["api_url"]).rstrip("/"),
                webhook_url=values["webhook_url"],
            ),
            [],
        )


def derived_secret(token: str) -> str:
    """Webhook secret derived from the token, so polling mode needs only ``TELEGRAM_TOKEN``."""
    return hmac.new(token.encode(), b"jisr-telegram-webhook", hashlib.sha256).hexdigest()


def make_bot(settings: TelegramSettings, read_timeout: float | None = None) -> Bot:
    """A python-telegram-bot ``Bot`` on the configured API URL (a local stub in tests)."""
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its INFO lines hold the URL, i.e. the token
    timeout = http_timeout()
    request = HTTPXRequest(
        connection_pool_size=128,
        read_timeout=read_timeout or timeout,
        write_timeout=timeout,
        connect_timeout=timeout,
        pool_timeout=timeout,
    )
    return Bot(
        settings.token,
        base_url=f"{settings.api_url}/bot",
        base_file_url=f"{settings.api_url}/file/bot",
        request=request,
        get_updates_request=HTTPXRequest(read_timeout=read_timeout or timeout, connect_timeout=timeout),
    )


def chat_id_of(recipient_id: str) -> int:
    """``tg-123`` → 123 (``ValueError`` for another channel's id)."""
    if not recipient_id.startswith(SENDER_PREFIX):
        raise ValueError("not a Telegram conversation id")
    return int(recipient_id[len(SENDER_PREFIX) :])


def retry_wait(error: Exception) -> float | None:
    """Retry policy for Bot API errors: flood control and network/server errors, not 4xx."""
    if isinstance(error, RetryAfter):
        wait = error.retry_after
        return wait.total_seconds() if hasattr(wait, "total_seconds") else float(wait)
    if isinstance(error, BadRequest):
        return None
    if isinstance(error, NetworkError):  # includes TimedOut and 5xx answers
        return 0.0
    return None


class TelegramOutput(OutputChannel):
    """Sends Rasa's responses to a Telegram chat and records the ids of what it sent."""

    def __init__(
        self,
        bot: Bot,
        store: ChannelStore,
        policy: RetryPolicy,
        typing: asyncio.Task | None = None,
    ) -> None:
        self.bot = bot
        self.store = store
        self.policy = policy
        self._typing = typing

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    async def _call(self, what: str, recipient_id: str, call: Callable[[], Awaitable[Any]]) -> Any:
        if self._typing is not None:  # the typing indicator must not arrive after the reply
            typing, self._typing = self._typing, None
            await asyncio.gather(typing, return_exceptions=True)
        result = await with_retries(call, retry_wait, self.policy, f"telegram {what} to {recipient_id}")
        if isinstance(result, Message):
            await self.store.run(self.store.record_telegram_messages, result.chat_id, [result.message_id])
        return result

    async def _send(self, recipient_id: str, text: str, markup: Any = None) -> None:
        try:
            chat_id = chat_id_of(recipient_id)
        except ValueError:
            logger.warning("Telegram output got a conversation id of another channel; nothing sent")
            return
        parts = split_text(text, TEXT_LIMIT, utf16_length) or ["…"]
        for number, part in enumerate(parts, start=1):
            last = number == len(parts)
            await self._call(
                "sendMessage",
                recipient_id,
                lambda part=part, last=last: self.bot.send_message(
                    chat_id, part, reply_markup=markup if last else None
                ),
            )

    async def send_response(self, recipient_id: str, message: Dict[str, Any]) -> None:
        """Rasa's dispatch, plus the "share my location" keyboard asked for by a ``custom`` payload."""
        custom = message.get("custom")
        if isinstance(custom, dict) and custom.get("request_location"):
            message = {k: v for k, v in message.items() if k != "custom"}
            locale = message.get("locale") or custom.get("locale") or DEFAULT_LOCALE
            share = direct_text(SHARE_LOCATION_KEY, locale, marks=False)
            keyboard = ReplyKeyboardMarkup(
                [[KeyboardButton(share, request_location=True)]],
                resize_keyboard=True,
                one_time_keyboard=True,
            )
            if message.get("text") and not message.get("buttons"):
                await self._send(recipient_id, message.pop("text"), keyboard)
            else:  # the text carries inline buttons: the keyboard comes with its own short message
                await super().send_response(recipient_id, message)
                message = {}
                await self._send(recipient_id, share, keyboard)
        if message:
            await super().send_response(recipient_id, message)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._send(recipient_id, text)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: List[Dict[str, Any]], **kwargs: Any
    ) -> None:
        rows = []
        for button in buttons:
            payload = str(button.get("payload") or button.get("title") or "")
            data = await self.store.run(self.store.shorten_payload, payload, CALLBACK_DATA_LIMIT)
            rows.append([InlineKeyboardButton(str(button.get("title") or payload)[:64], callback_data=data)])
        await self._send(recipient_id, text or "…", InlineKeyboardMarkup(rows) if rows else None)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        try:
            chat_id = chat_id_of(recipient_id)
        except ValueError:
            return
        await self._call("sendPhoto", recipient_id, lambda: self.bot.send_photo(chat_id, image))

    async def send_custom_json(self, recipient_id: str, json_message: Dict[str, Any], **kwargs: Any) -> None:
        """Custom payloads are instructions for channels, never shown to the citizen as JSON."""
        logger.debug("Telegram output ignores a custom payload with keys %s", sorted(json_message or {}))

    async def send_typing(self, chat_id: int) -> None:
        """Best effort, one attempt: the typing indicator is cosmetic."""
        try:
            await self.bot.send_chat_action(chat_id, "typing")
        except Exception as error:
            logger.debug("sendChatAction failed: %s", type(error).__name__)


@dataclass
class Incoming:
    """One update as the conversation sees it."""

    chat_id: int
    text: str | None  # None: nothing the assistant can read (sticker, photo, voice…)
    metadata: dict[str, Any]
    message_ids: tuple[int, ...] = ()
    app_language: str | None = None


class TelegramInput(InputChannel):
    """Telegram webhook; off (404) while ``TELEGRAM_TOKEN`` is unset."""

    def __init__(self, settings: TelegramSettings | None = None, missing: Iterable[str] = ()) -> None:
        self.settings = settings
        self.missing = list(missing)
        self.policy = RetryPolicy.from_env()
        self.bot: Bot | None = None
        self.store: ChannelStore | None = None
        self._background: set[asyncio.Task] = set()
        if settings is not None:
            self.bot = make_bot(settings)
            self.store = channel_store()
            register_erase_hook(self.erase_chat)

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: Dict[str, Any] | None) -> InputChannel:
        settings, missing = TelegramSettings.from_credentials(credentials)
        return cls(settings, missing)

    @property
    def enabled(self) -> bool:
        return self.settings is not None

    def get_output_channel(self) -> OutputChannel | None:
        """For pushes (caseworker replies through ``trigger_intent``): sends to ``tg-<chat_id>``."""
        if self.bot is None or self.store is None:
            return None
        return TelegramOutput(self.bot, self.store, self.policy)

    # -- quick exit ---------------------------------------------------------------------------------
    async def erase_chat(self, sender_id: str, channel: str | None = None) -> int:
        """Deletes the chat's recorded messages (those under 48 hours) and forgets their ids.

        Only when the erase was confirmed on Telegram itself: a conversation id is no proof of
        identity on another channel, a confirmation inside the chat is.
        """
        if (
            self.bot is None
            or self.store is None
            or channel != CHANNEL
            or not sender_id.startswith(SENDER_PREFIX)
        ):
            return 0
        try:
            chat_id = chat_id_of(sender_id)
        except ValueError:
            return 0
        started = time.time()
        ids = await self.store.run(self.store.telegram_message_ids, chat_id)
        deleted = 0
        for start in range(0, len(ids), DELETE_BATCH):
            batch = ids[start : start + DELETE_BATCH]
            done = await with_retries(
                lambda batch=batch: self.bot.delete_messages(chat_id, batch),
                retry_wait,
                self.policy,
                f"telegram deleteMessages in {sender_id}",
            )
            deleted += len(batch) if done else 0
        # every id recorded before the erase goes, also those past the 48 hours the API can delete
        await self.store.run(self.store.forget_telegram_messages, chat_id, None, started)
        logger.info("Quick exit: deleted %d of %d Telegram messages", deleted, len(ids))
        return deleted

    # -- start-up -----------------------------------------------------------------------------------
    async def register_with_telegram(self) -> None:
        """The command menu in Darija (default), Arabic and French; the webhook if a URL is set."""
        assert self.bot is not None and self.settings is not None
        for language, locale in COMMAND_MENU_LOCALES.items():
            commands = [BotCommand(c, direct_text(f"tg_command_{c}", locale, marks=False)) for c in COMMANDS]
            await with_retries(
                lambda commands=commands, language=language: self.bot.set_my_commands(
                    commands, language_code=language
                ),
                retry_wait,
                self.policy,
                f"telegram setMyCommands ({language or 'default'})",
            )
        if self.settings.webhook_url:
            await with_retries(
                lambda: self.bot.set_webhook(
                    self.settings.webhook_url,
                    secret_token=self.settings.secret,
                    allowed_updates=list(ALLOWED_UPDATES),
                ),
                retry_wait,
                self.policy,
                "telegram setWebhook",
            )

    # -- webhook ------------------------------------------------------------------------------------
    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        telegram_webhook = Blueprint("jisr_telegram_webhook", __name__)

        @telegram_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.enabled else "off", "missing": self.missing})

        @telegram_webhook.route("/webhook", methods=["POST"], stream=True)
        async def webhook(request: Request) -> HTTPResponse:
            if not self.enabled:
                return response.json({"error": "telegram channel is off"}, status=404)
            try:
                return await self._handle(request, on_new_message)
            except WebhookRejected as rejected:
                return rejected.response()

        if self.enabled:

            @telegram_webhook.listener("after_server_start")
            async def register(_app: Any, _loop: Any) -> None:
                task = asyncio.get_running_loop().create_task(self.register_with_telegram())
                self._background.add(task)
                task.add_done_callback(self._background.discard)

        return telegram_webhook

    def _authorised(self, request: Request) -> bool:
        assert self.settings is not None
        given = request.headers.get(SECRET_HEADER) or ""
        return hmac.compare_digest(given.encode(), self.settings.secret.encode())

    async def _handle(
        self, request: Request, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> HTTPResponse:
        assert self.bot is not None and self.store is not None
        if not self._authorised(request):
            raise WebhookRejected(403, "wrong or missing secret token")
        data = json_object(request, await read_body(request))
        update_id = data.get("update_id")
        if not isinstance(update_id, int) or isinstance(update_id, bool):
            raise WebhookRejected(400, "update_id must be an integer")
        try:
            update = Update.de_json(data, self.bot)
        except Exception as error:
            raise WebhookRejected(400, "not a Telegram update") from error
        claim = await self.store.run(self.store.claim, CHANNEL, update_id, lease_seconds())
        if claim.state is ClaimState.DONE:
            return acknowledged("duplicate")
        if claim.state is ClaimState.BUSY:
            return in_flight_elsewhere()
        async with processing(self.store, claim):
            return await self._process(request, update, claim, on_new_message)

    async def _process(
        self,
        request: Request,
        update: Update,
        claim: Claim,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
    ) -> HTTPResponse:
        """One claimed update: what the citizen sent, handed to Rasa."""
        assert self.bot is not None and self.store is not None
        update_id = update.update_id
        try:
            incoming = await self._incoming(update)
        except (AttributeError, KeyError, TypeError, ValueError) as error:  # fields of the wrong type
            raise WebhookRejected(400, "malformed Telegram update") from error
        if incoming is None:
            return acknowledged("ignored")
        sender_id = f"{SENDER_PREFIX}{incoming.chat_id}"
        if incoming.message_ids:
            await self.store.run(self.store.record_telegram_messages, incoming.chat_id, incoming.message_ids)
        output = TelegramOutput(self.bot, self.store, self.policy)
        if incoming.text is None:
            locale = await conversation_locale(request.app, sender_id, incoming.app_language)
            await output.send_text_message(sender_id, direct_text(NOT_READABLE_KEY, locale))
            return acknowledged("not readable")
        if claim.taken_over and await already_stored(request.app, sender_id, f"tg-{update_id}"):
            return acknowledged("duplicate")  # stored by an instance that died before recording it done
        output._typing = asyncio.get_running_loop().create_task(output.send_typing(incoming.chat_id))
        try:
            await on_new_message(
                UserMessage(
                    incoming.text,
                    output,
                    sender_id,
                    input_channel=CHANNEL,
                    message_id=f"tg-{update_id}",
                    metadata=incoming.metadata or None,
                )
            )
        except Exception as error:  # logged without text; Telegram must not redeliver
            logger.error("Telegram update %s could not be processed: %s", update_id, type(error).__name__)
        return acknowledged()

    async def _incoming(self, update: Update) -> Incoming | None:
        """What the citizen sent, or ``None`` for updates the assistant ignores."""
        if update.callback_query is not None:
            return await self._button(update)
        message = update.message or update.edited_message
        if message is None or message.chat is None or message.chat.type != "private":
            return None  # other update kinds, groups and channels: acknowledged, not served
        if not _is_int(message.chat.id) or not _is_int(message.message_id):
            return None
        user = message.from_user
        incoming = Incoming(
            chat_id=message.chat.id,
            text=None,
            metadata={},
            message_ids=(message.message_id,),
            app_language=user.language_code if user else None,
        )
        if message.location is not None:
            incoming.text = shared_location(message.location.latitude, message.location.longitude)
            return incoming
        written = message.text if message.text is not None else message.caption
        if not isinstance(written, str):
            return incoming  # sticker, photo, voice, document…: not readable
        command = written.strip().split(maxsplit=1)[0][1:].split("@")[0].lower() if written.strip() else ""
        if written.lstrip().startswith("/") and command in COMMANDS:
            incoming.text = COMMANDS[command]
            return incoming
        incoming.text, incoming.metadata = typed_text(written)
        return incoming

    async def _button(self, update: Update) -> Incoming | None:
        """A pressed inline button: answered at once (the spinner stops), its payload sent on."""
        assert self.bot is not None and self.store is not None
        query = update.callback_query
        await with_retries(
            lambda: self.bot.answer_callback_query(query.id),
            retry_wait,
            self.policy,
            "telegram answerCallbackQuery",
        )
        message = query.message
        if message is not None and getattr(message.chat, "type", "private") != "private":
            return None
        user = query.from_user
        chat_id = message.chat.id if message is not None else getattr(user, "id", None)
        if not _is_int(chat_id) or not isinstance(query.data, str):
            return None
        payload = button_payload(await self.store.run(self.store.expand_payload, query.data))
        if payload is None:
            return None  # an expired or foreign button
        return Incoming(
            chat_id=chat_id, text=payload, metadata={}, app_language=getattr(user, "language_code", None)
        )


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def group_by_chat(updates: Iterable[dict[str, Any]]) -> dict[Any, list[dict[str, Any]]]:
    """Updates grouped by chat, in order (the polling forwarder keeps each chat's order)."""
    groups: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for update in updates:
        for kind in ("message", "edited_message"):
            if isinstance(update.get(kind), dict):
                groups[(update[kind].get("chat") or {}).get("id")].append(update)
                break
        else:
            query = update.get("callback_query") or {}
            groups[(query.get("from") or {}).get("id")].append(update)
    return groups
