"""Web chat over socket.io: the ministry's web page talks to the assistant and receives caseworker replies live.

Replaces Rasa's stock ``socketio`` channel, which takes the conversation id the browser sends (so a
page could write into, read or erase any citizen's conversation, WhatsApp and Telegram included).
Here the server issues each browser a signed session (``webchat_session``) and binds the socket to
the conversation ``web-<id>`` it stands for; the ``session_id`` a client puts in its messages is
ignored. Typed text gets the same preparation as on every channel (``citizen_input.typed_text``:
length cap, control characters, no-text marker, a typed leading ``/`` dropped); a Rasa payload is
accepted only as a button the server signed for this conversation. Replies go only to the sockets
that joined the conversation with its token.

The page itself (``GET /webhooks/webchat/``) and its assets are served by this channel.
"""

from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, Dict, List
from urllib.parse import quote

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncRedisManager, AsyncServer

from bot.channels.citizen_input import typed_text
from bot.channels.conversation_ids import WEBCHAT, belongs_to
from bot.channels.webchat_page import asset_response, page_response
from bot.channels.webchat_session import SessionSigner, lifetime_seconds, load_secret
from bot.settings import get_settings

logger = logging.getLogger(__name__)

USER_EVENT = "user_uttered"
BOT_EVENT = "bot_uttered"
SOCKETIO_PATH = "/socket.io"
#: Largest socket.io packet accepted; a citizen's message is cut far below this by ``prepare_text``.
MAX_PACKET_BYTES = 16 * 1024


def pubsub_manager(environ: dict[str, str] | None = None) -> AsyncRedisManager | None:
    """Redis publish/subscribe between Rasa instances, when Redis is configured (``REDIS_HOST``).

    A caseworker's reply is pushed by whichever instance the delivery worker reaches, while the
    citizen's page is connected to one instance: through Redis every instance emits to its own sockets.
    """
    settings = get_settings(environ)
    url = settings.webchat_redis_url
    if not url and settings.redis_host:
        password = quote(settings.redis_password or "", safe="")
        auth = f":{password}@" if password else ""
        url = f"redis://{auth}{settings.redis_host}:{settings.redis_port or 6379}/{settings.redis_db or 0}"
    if not url:
        return None
    return AsyncRedisManager(url, channel=f"{settings.redis_key_prefix or 'jisr'}-webchat")


class WebChatOutput(SocketIOOutput):
    """Sends to the room of a ``web-…`` conversation only; buttons carry their signature."""

    @classmethod
    def name(cls) -> str:
        return WEBCHAT

    def __init__(self, sio: AsyncServer, signer: SessionSigner) -> None:
        super().__init__(sio, BOT_EVENT)
        self.signer = signer

    async def _send_message(self, socket_id: str, response: Any) -> None:
        if not belongs_to(WEBCHAT, socket_id):
            logger.warning("Web chat output refused a message for another channel's conversation")
            return
        await self.sio.emit(self.bot_message_evt, response, room=socket_id)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: List[Dict[str, Any]], **kwargs: Any
    ) -> None:
        parts = [part for part in text.strip().split("\n\n") if part] or [text]
        for part in parts[:-1]:
            await self._send_message(recipient_id, {"text": part})
        quick_replies = [
            {
                "content_type": "text",
                "title": button["title"],
                "payload": button["payload"],
                "signature": self.signer.button_signature(recipient_id, button["payload"]),
            }
            for button in buttons
            if isinstance(button.get("payload"), str)
        ]
        await self._send_message(recipient_id, {"text": parts[-1], "quick_replies": quick_replies})

    async def send_custom_json(self, recipient_id: str, json_message: Dict[str, Any], **kwargs: Any) -> None:
        # Rasa's version lets the message name its own room; here it goes to the recipient only.
        await self._send_message(recipient_id, {"custom": json_message})


class WebChatInput(SocketIOInput):
    """Socket.io input with server-issued sessions, bound sockets and signed buttons."""

    @classmethod
    def name(cls) -> str:
        return WEBCHAT

    @classmethod
    def from_credentials(cls, credentials: Dict[str, Any] | None) -> WebChatInput:
        return cls()

    def __init__(self, signer: SessionSigner | None = None) -> None:
        super().__init__(USER_EVENT, BOT_EVENT, None, True, SOCKETIO_PATH)
        self.signer = signer or SessionSigner(load_secret(), lifetime_seconds())
        self.exit_url = get_settings().webchat_exit_url

    def get_output_channel(self) -> OutputChannel | None:
        """For pushes (caseworker replies through ``trigger_intent``) to the conversation's page."""
        return WebChatOutput(self.sio, self.signer) if self.sio is not None else None

    def user_message(self, conversation: str, data: Any) -> UserMessage:
        """What the citizen sent: a signed button's payload, else the prepared typed text."""
        data = data if isinstance(data, dict) else {}
        payload = data.get("payload")
        if payload is not None and self.signer.button_valid(conversation, payload, data.get("signature")):
            text, metadata = payload, {}
        else:
            text, metadata = typed_text(data.get("message"))
        return UserMessage(
            text,
            WebChatOutput(self.sio, self.signer),
            conversation,
            input_channel=self.name(),
            metadata=metadata,
        )

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        sio = AsyncServer(
            async_mode="sanic",
            client_manager=pubsub_manager(),
            cors_allowed_origins=[],
            max_http_buffer_size=MAX_PACKET_BYTES,
        )
        self.sio = sio
        webchat = SocketBlueprint(sio, self.socketio_path, "webchat_webhook", __name__)

        @webchat.route("/", methods=["GET"])
        async def page(request: Request) -> HTTPResponse:
            return page_response(request.args.get("lang"), self.exit_url)

        @webchat.route("/assets/<name>", methods=["GET"])
        async def asset(_: Request, name: str) -> HTTPResponse:
            return asset_response(name)

        @sio.on("session_request")
        async def session_request(sid: str, data: Any) -> None:
            presented = data.get("session_id") if isinstance(data, dict) else None
            session = self.signer.verify(presented) or self.signer.issue()
            previous = (await sio.get_session(sid)).get("conversation")
            if previous and previous != session.conversation_id:
                await sio.leave_room(sid, previous)
            await sio.save_session(sid, {"conversation": session.conversation_id})
            await sio.enter_room(sid, session.conversation_id)
            await sio.emit("session_confirm", {"session_id": session.token}, room=sid)

        @sio.on(self.user_message_evt)
        async def handle_message(sid: str, data: Any) -> None:
            conversation = (await sio.get_session(sid)).get("conversation")
            if not conversation:
                await sio.emit("session_required", {}, room=sid)
                return
            await on_new_message(self.user_message(conversation, data))

        return webchat
