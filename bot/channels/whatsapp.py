"""WhatsApp Cloud API channel (Meta Graph API): webhook input, output, 24-hour window.

Webhook: ``GET /webhooks/whatsapp/webhook`` answers Meta's verification handshake
(``hub.mode=subscribe``, ``hub.verify_token``, ``hub.challenge``); every ``POST`` must carry
``X-Hub-Signature-256: sha256=<HMAC-SHA256 of the raw body with the app secret>`` (403 otherwise).
One notification may hold messages of several contacts: each contact's messages are handled in
order, contacts concurrently; status callbacks are acknowledged and ignored.

Conversation ids are ``wa-<wa_id>``. Buttons become reply buttons (at most 3, titles up to 20
characters) or list messages (up to 10 rows each). Outside the 24-hour customer-service window
WhatsApp accepts only template messages: the configured template is sent instead, and logged.
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

import httpx
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.citizen_input import button_payload, shared_location, typed_text
from bot.channels.conversation_ids import CHANNEL_PREFIXES, WHATSAPP
from bot.channels.conversation_locale import conversation_locale
from bot.channels.processed_once import already_stored, in_flight_elsewhere, lease_seconds, processing
from bot.channels.retry import Retryable, RetryPolicy, with_retries
from bot.channels.settings import http_timeout, read_settings
from bot.channels.store import ChannelStore, Claim, ClaimState, channel_store, contact_event_id
from bot.channels.text_split import split_text, split_with_short_tail
from bot.channels.webhook import WebhookRejected, acknowledged, json_object, read_body
from bot.i18n.catalogs import DEFAULT_LOCALE
from bot.i18n.render import direct_text
from bot.privacy.erase_hooks import register_erase_hook

logger = logging.getLogger(__name__)

CHANNEL = "whatsapp"
SENDER_PREFIX = CHANNEL_PREFIXES[WHATSAPP]
SIGNATURE_HEADER = "X-Hub-Signature-256"
TEXT_LIMIT = 4096
INTERACTIVE_BODY_LIMIT = 1024
REPLY_BUTTONS_MAX, REPLY_TITLE_MAX, REPLY_ID_MAX = 3, 20, 256
LIST_ROWS_MAX, ROW_TITLE_MAX, ROW_DESCRIPTION_MAX, ROW_ID_MAX = 10, 24, 72, 200
LIST_BUTTON_MAX = 20
#: Graph API error codes that mean "slow down" even when the HTTP status is 400.
THROTTLING_CODES = frozenset({4, 80007, 130429, 131056})
IGNORED_TYPES = frozenset({"reaction", "system", "request_welcome"})
NOT_READABLE_KEY = "channel_text_and_location_only"
LIST_BUTTON_KEY = "channel_list_button"
SETTINGS = {
    "access_token": ("WHATSAPP_ACCESS_TOKEN", None),
    "phone_number_id": ("WHATSAPP_PHONE_NUMBER_ID", None),
    "app_secret": ("WHATSAPP_APP_SECRET", None),
    "verify_token": ("WHATSAPP_VERIFY_TOKEN", None),
    "api_url": ("WHATSAPP_API_URL", "https://graph.facebook.com"),
    "api_version": ("WHATSAPP_API_VERSION", "v21.0"),
    "template_name": ("WHATSAPP_TEMPLATE_NAME", None),
    "template_language": ("WHATSAPP_TEMPLATE_LANGUAGE", "ar"),
}
REQUIRED = ("access_token", "phone_number_id", "app_secret", "verify_token")


@dataclass(frozen=True)
class WhatsAppSettings:
    """What the channel needs from the Meta app and the WhatsApp business number."""

    access_token: str
    phone_number_id: str
    app_secret: str
    verify_token: str
    api_url: str = "https://graph.facebook.com"
    api_version: str = "v21.0"
    template_name: str | None = None
    template_language: str = "ar"

    @classmethod
    def from_credentials(
        cls, credentials: Dict[str, Any] | None
    ) -> tuple[WhatsAppSettings | None, list[str]]:
        values, missing = read_settings("WhatsApp", credentials, SETTINGS, required=REQUIRED)
        if missing:
            return None, missing
        values["api_url"] = str(values["api_url"]).rstrip("/")
        return cls(**values), []  # type: ignore[arg-type]

    @property
    def messages_url(self) -> str:
        return f"{self.api_url}/{self.api_version}/{self.phone_number_id}/messages"


def signature_valid(app_secret: str, body: bytes, header: str | None) -> bool:
    """Meta's ``X-Hub-Signature-256`` check, in constant time."""
    if not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), header[len("sha256=") :].strip().lower().encode())


def wa_id_of(recipient_id: str) -> str:
    """``wa-212600000000`` → ``212600000000`` (``ValueError`` for another channel's id)."""
    if not recipient_id.startswith(SENDER_PREFIX) or not recipient_id[len(SENDER_PREFIX) :].isdigit():
        raise ValueError("not a WhatsApp conversation id")
    return recipient_id[len(SENDER_PREFIX) :]


def _short(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def retry_wait(error: Exception) -> float | None:
    """Retry policy for Graph API calls: throttling, 5xx and transport errors, not other 4xx."""
    if isinstance(error, Retryable):
        return error.retry_after
    if isinstance(error, (httpx.TimeoutException, httpx.TransportError)):
        return 0.0
    return None


class GraphClient:
    """Posts to ``/<version>/<phone_number_id>/messages`` with bounded retries."""

    def __init__(self, settings: WhatsAppSettings, policy: RetryPolicy) -> None:
        self.settings = settings
        self.policy = policy
        self._client: httpx.AsyncClient | None = None

    @property
    def client(self) -> httpx.AsyncClient:
        if self._client is None:  # created lazily, inside the server's event loop
            self._client = httpx.AsyncClient(
                timeout=http_timeout(),
                headers={"Authorization": f"Bearer {self.settings.access_token}"},
                limits=httpx.Limits(max_connections=100),
            )
        return self._client

    async def _post_once(self, body: dict[str, Any]) -> dict[str, Any]:
        answer = await self.client.post(self.settings.messages_url, json=body)
        if 200 <= answer.status_code < 300:
            try:
                return answer.json()
            except ValueError:
                return {}
        try:
            code = (answer.json().get("error") or {}).get("code")
        except (ValueError, AttributeError):
            code = None
        reason = f"HTTP {answer.status_code}" + (f", Graph error {code}" if code is not None else "")
        if answer.status_code == 429 or code in THROTTLING_CODES:
            try:
                wait = float(answer.headers.get("retry-after", "0"))
            except ValueError:
                wait = 0.0
            raise Retryable(reason, wait)
        if answer.status_code >= 500:
            raise Retryable(reason, 0.0)
        raise _Refused(reason)

    async def post(self, body: dict[str, Any], what: str) -> dict[str, Any] | None:
        """The API's answer, or ``None`` when the call failed for good (logged without text)."""
        return await with_retries(lambda: self._post_once(body), retry_wait, self.policy, what)


class _Refused(Exception):
    """A 4xx answer that retrying cannot fix."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class WhatsAppOutput(OutputChannel):
    """Sends Rasa's responses to a WhatsApp contact, within the rules of the 24-hour window."""

    def __init__(
        self,
        graph: GraphClient,
        store: ChannelStore,
        typing: asyncio.Task | None = None,
    ) -> None:
        self.graph = graph
        self.store = store
        self._typing = typing
        self._window: dict[str, bool] = {}

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    async def _window_open(self, wa_id: str) -> bool:
        """Inside the 24-hour window; outside, the configured template goes out once instead."""
        if wa_id not in self._window:
            is_open = await self.store.run(self.store.within_window, wa_id)
            self._window[wa_id] = is_open
            if not is_open:
                await self._send_template(wa_id)
        return self._window[wa_id]

    async def _send_template(self, wa_id: str) -> None:
        settings = self.graph.settings
        recipient = f"{SENDER_PREFIX}…{wa_id[-4:]}"
        if not settings.template_name:
            logger.warning(
                "WhatsApp %s is outside the 24-hour window and no template is configured: nothing sent",
                recipient,
            )
            return
        logger.info(
            "WhatsApp %s is outside the 24-hour window: template %s sent instead of the reply",
            recipient,
            settings.template_name,
        )
        await self.graph.post(
            {
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                "to": wa_id,
                "type": "template",
                "template": {
                    "name": settings.template_name,
                    "language": {"code": settings.template_language},
                },
            },
            f"whatsapp template to {recipient}",
        )

    async def _post(self, recipient_id: str, kind: str, content: dict[str, Any]) -> None:
        try:
            wa_id = wa_id_of(recipient_id)
        except ValueError:
            logger.warning("WhatsApp output got a conversation id of another channel; nothing sent")
            return
        if self._typing is not None:  # the read receipt and typing indicator go first
            typing, self._typing = self._typing, None
            await asyncio.gather(typing, return_exceptions=True)
        if not await self._window_open(wa_id):
            return
        body = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": wa_id, "type": kind}
        body[kind] = content
        await self.graph.post(body, f"whatsapp {kind} to {SENDER_PREFIX}…{wa_id[-4:]}")

    async def _texts(self, recipient_id: str, parts: Iterable[str]) -> None:
        for part in parts:
            await self._post(recipient_id, "text", {"preview_url": False, "body": part})

    async def send_response(self, recipient_id: str, message: Dict[str, Any]) -> None:
        """Rasa's dispatch, plus a location request asked for by a ``custom`` payload."""
        custom = message.get("custom")
        if isinstance(custom, dict) and custom.get("request_location") and message.get("text"):
            message = {k: v for k, v in message.items() if k != "custom"}
            if not message.get("buttons"):
                parts, tail = split_with_short_tail(message.pop("text"), TEXT_LIMIT, INTERACTIVE_BODY_LIMIT)
                await self._texts(recipient_id, parts)
                await self._post(
                    recipient_id,
                    "interactive",
                    {
                        "type": "location_request_message",
                        "body": {"text": tail},
                        "action": {"name": "send_location"},
                    },
                )
        await super().send_response(recipient_id, message)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._texts(recipient_id, split_text(text, TEXT_LIMIT))

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: List[Dict[str, Any]], **kwargs: Any
    ) -> None:
        parts, tail = split_with_short_tail(text or "…", TEXT_LIMIT, INTERACTIVE_BODY_LIMIT)
        await self._texts(recipient_id, parts)
        options = [
            (str(b.get("title") or b.get("payload") or ""), str(b.get("payload") or b.get("title") or ""))
            for b in buttons
        ]
        if len(options) <= REPLY_BUTTONS_MAX and all(len(t) <= REPLY_TITLE_MAX for t, _ in options):
            replies = []
            for title, payload in options:
                key = await self.store.run(self.store.shorten_payload, payload, REPLY_ID_MAX)
                replies.append({"type": "reply", "reply": {"id": key, "title": title}})
            await self._post(
                recipient_id,
                "interactive",
                {"type": "button", "body": {"text": tail or "…"}, "action": {"buttons": replies}},
            )
            return
        locale = kwargs.get("locale") or DEFAULT_LOCALE
        label = _short(direct_text(LIST_BUTTON_KEY, locale, marks=False), LIST_BUTTON_MAX)
        for start in range(0, len(options), LIST_ROWS_MAX):
            rows = []
            for title, payload in options[start : start + LIST_ROWS_MAX]:
                key = await self.store.run(self.store.shorten_payload, payload, ROW_ID_MAX)
                row = {"id": key, "title": _short(title, ROW_TITLE_MAX)}
                if len(title) > ROW_TITLE_MAX:
                    row["description"] = _short(title, ROW_DESCRIPTION_MAX)
                rows.append(row)
            await self._post(
                recipient_id,
                "interactive",
                {
                    "type": "list",
                    "body": {"text": (tail or "…") if start == 0 else "…"},
                    "action": {"button": label, "sections": [{"rows": rows}]},
                },
            )

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self._post(recipient_id, "image", {"link": image})

    async def send_custom_json(self, recipient_id: str, json_message: Dict[str, Any], **kwargs: Any) -> None:
        """Custom payloads are instructions for channels, never shown to the citizen as JSON."""
        logger.debug("WhatsApp output ignores a custom payload with keys %s", sorted(json_message or {}))


@dataclass
class Inbound:
    """One message of a notification as the conversation sees it."""

    wa_id: str
    message_id: str
    sent_at: float
    text: str | None  # None: not readable (image, audio, sticker…)
    metadata: dict[str, Any]


def _inbound(message: Any, now: float) -> Inbound | None:
    """Reads one entry of ``value.messages``; ``None`` for malformed or ignored ones."""
    if not isinstance(message, dict):
        return None
    wa_id, message_id, kind = message.get("from"), message.get("id"), message.get("type")
    if not (isinstance(wa_id, str) and wa_id.isdigit() and len(wa_id) <= 20):
        return None
    if not (isinstance(message_id, str) and 0 < len(message_id) <= 160) or not isinstance(kind, str):
        return None
    try:
        sent_at = min(float(message.get("timestamp")), now)
    except (TypeError, ValueError):
        sent_at = now
    inbound = Inbound(wa_id, message_id, sent_at, None, {})
    content = message.get(kind) if isinstance(message.get(kind), dict) else {}
    if kind in IGNORED_TYPES:
        return None
    if kind == "text":
        inbound.text, inbound.metadata = typed_text(content.get("body"))
    elif kind == "interactive":
        reply = content.get("button_reply") or content.get("list_reply")
        inbound.text = (
            reply.get("id") if isinstance(reply, dict) and isinstance(reply.get("id"), str) else None
        )
        inbound.metadata = {"button": True}
    elif kind == "button":  # quick reply of a template message: our payload, else its title as text
        if button_payload(content.get("payload")):
            inbound.text, inbound.metadata = content["payload"], {"button": True}
        elif isinstance(content.get("text"), str):
            inbound.text, inbound.metadata = typed_text(content["text"])
    elif kind == "location":
        inbound.text = shared_location(content.get("latitude"), content.get("longitude"))
    return inbound


class WhatsAppInput(InputChannel):
    """WhatsApp Cloud API webhook; off (404) while its four variables are not all set."""

    def __init__(self, settings: WhatsAppSettings | None = None, missing: Iterable[str] = ()) -> None:
        self.settings = settings
        self.missing = list(missing)
        self.policy = RetryPolicy.from_env()
        self.graph: GraphClient | None = None
        self.store: ChannelStore | None = None
        if settings is not None:
            self.graph = GraphClient(settings, self.policy)
            self.store = channel_store()
            register_erase_hook(self.forget_contact)

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: Dict[str, Any] | None) -> InputChannel:
        settings, missing = WhatsAppSettings.from_credentials(credentials)
        return cls(settings, missing)

    @property
    def enabled(self) -> bool:
        return self.settings is not None

    def get_output_channel(self) -> OutputChannel | None:
        """For pushes (caseworker replies through ``trigger_intent``): sends to ``wa-<wa_id>``."""
        if self.graph is None or self.store is None:
            return None
        return WhatsAppOutput(self.graph, self.store)

    async def forget_contact(self, sender_id: str, channel: str | None = None) -> None:
        """Quick exit: the Cloud API cannot delete delivered messages; the stored time and ids go."""
        if self.store is not None and sender_id.startswith(SENDER_PREFIX):
            await self.store.run(self.store.forget_contact, sender_id[len(SENDER_PREFIX) :])

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        whatsapp_webhook = Blueprint("jisr_whatsapp_webhook", __name__)

        @whatsapp_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.enabled else "off", "missing": self.missing})

        @whatsapp_webhook.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            if self.settings is None:
                return response.json({"error": "whatsapp channel is off"}, status=404)
            token = request.args.get("hub.verify_token") or ""
            challenge = request.args.get("hub.challenge") or ""
            if request.args.get("hub.mode") == "subscribe" and hmac.compare_digest(
                token.encode(), self.settings.verify_token.encode()
            ):
                return response.text(challenge[:256])
            return response.json({"error": "verification failed"}, status=403)

        @whatsapp_webhook.route("/webhook", methods=["POST"], stream=True)
        async def receive(request: Request) -> HTTPResponse:
            if not self.enabled:
                return response.json({"error": "whatsapp channel is off"}, status=404)
            try:
                return await self._handle(request, on_new_message)
            except WebhookRejected as rejected:
                return rejected.response()

        return whatsapp_webhook

    async def _handle(
        self, request: Request, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> HTTPResponse:
        assert self.settings is not None
        body = await read_body(request)
        if not signature_valid(self.settings.app_secret, body, request.headers.get(SIGNATURE_HEADER)):
            raise WebhookRejected(403, "wrong or missing X-Hub-Signature-256")
        data = json_object(request, body)
        if data.get("object") != "whatsapp_business_account" or not isinstance(data.get("entry"), list):
            return acknowledged("ignored")
        now = time.time()
        by_contact: dict[str, list[Inbound]] = defaultdict(list)
        for entry in data["entry"]:
            changes = entry.get("changes") if isinstance(entry, dict) else None
            for change in changes if isinstance(changes, list) else []:
                value = change.get("value") if isinstance(change, dict) else None
                if not isinstance(value, dict) or change.get("field") != "messages":
                    continue
                number = (value.get("metadata") or {}) if isinstance(value.get("metadata"), dict) else {}
                if (
                    str(number.get("phone_number_id", self.settings.phone_number_id))
                    != self.settings.phone_number_id
                ):
                    continue  # another business number on the same Meta app
                messages = value.get("messages") if isinstance(value.get("messages"), list) else []
                for message in messages:
                    inbound = _inbound(message, now)
                    if inbound is not None:
                        by_contact[inbound.wa_id].append(inbound)
        handled = await asyncio.gather(
            *(self._contact(request, messages, on_new_message) for messages in by_contact.values())
        )
        return acknowledged() if all(handled) else in_flight_elsewhere()

    async def _contact(
        self,
        request: Request,
        messages: list[Inbound],
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
    ) -> bool:
        """One contact's messages, in order (never raises). ``False`` when one of them is being
        processed by another instance: it and the contact's later messages wait for Meta's retry."""
        assert self.graph is not None and self.store is not None
        for inbound in messages:
            sender_id = f"{SENDER_PREFIX}{inbound.wa_id}"
            try:
                event_id = contact_event_id(inbound.wa_id, inbound.message_id)  # the id embeds the number
                claim = await self.store.run(self.store.claim, CHANNEL, event_id, lease_seconds())
                if claim.state is ClaimState.DONE:
                    continue
                if claim.state is ClaimState.BUSY:
                    return False
                async with processing(self.store, claim):
                    await self._message(request, inbound, sender_id, claim, on_new_message)
            except Exception as error:  # logged without text; the other messages still go on
                logger.error("WhatsApp message could not be processed: %s", type(error).__name__)
        return True

    async def _message(
        self,
        request: Request,
        inbound: Inbound,
        sender_id: str,
        claim: Claim,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
    ) -> None:
        """One claimed message, handed to Rasa."""
        assert self.graph is not None and self.store is not None
        if claim.taken_over and await already_stored(request.app, sender_id, inbound.message_id):
            return  # stored by an instance that died before recording it done
        await self.store.run(self.store.touch_contact, inbound.wa_id, inbound.sent_at)
        typing = asyncio.get_running_loop().create_task(self._mark_read(inbound.message_id))
        output = WhatsAppOutput(self.graph, self.store, typing)
        text = inbound.text
        if text is not None and inbound.metadata.pop("button", False):
            text = button_payload(await self.store.run(self.store.expand_payload, text))
        if text is None:
            locale = await conversation_locale(request.app, sender_id)
            await output.send_text_message(sender_id, direct_text(NOT_READABLE_KEY, locale))
            return
        await on_new_message(
            UserMessage(
                text,
                output,
                sender_id,
                input_channel=CHANNEL,
                message_id=inbound.message_id,
                metadata=inbound.metadata or None,
            )
        )

    async def _mark_read(self, message_id: str) -> None:
        """Blue ticks and the typing indicator, one attempt (cosmetic)."""
        assert self.graph is not None
        try:
            await self.graph._post_once(
                {
                    "messaging_product": "whatsapp",
                    "status": "read",
                    "message_id": message_id,
                    "typing_indicator": {"type": "text"},
                }
            )
        except Exception as error:
            logger.debug("Marking a WhatsApp message read failed: %s", type(error).__name__)
