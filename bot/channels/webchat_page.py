"""The web-chat page and its assets, served by the web-chat channel.

Plain HTML, CSS and JavaScript from ``webchat_assets/`` (no build step). The page's words come
from the ``webchat`` Babel catalogue in the language chosen with ``?lang=`` (Darija by default),
right to left for Arabic script. The headers keep the page to its own scripts and server
(Content-Security-Policy), out of caches and out of other sites' referrers.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from urllib.parse import urlsplit

from sanic import response
from sanic.exceptions import NotFound
from sanic.response import HTTPResponse

from bot.i18n.catalogs import DEFAULT_LOCALE, LOCALES, RTL_LOCALES
from bot.i18n.render import direct_text

ASSETS = Path(__file__).resolve().parent / "webchat_assets"
#: The files a browser may fetch, with their content types (nothing else in the folder is served).
ASSET_TYPES = {
    "webchat.js": "text/javascript; charset=utf-8",
    "webchat.css": "text/css; charset=utf-8",
    "socket.io.min.js": "text/javascript; charset=utf-8",
    "socket.io-client.LICENSE": "text/plain; charset=utf-8",
}
#: Page words: placeholder in page.html → catalogue key.
PAGE_KEYS = {
    "title": "webchat_title",
    "intro": "webchat_intro",
    "privacy": "webchat_privacy",
    "exit": "webchat_quick_exit",
    "exit_hint": "webchat_quick_exit_hint",
    "conversation_label": "webchat_conversation_label",
    "message_label": "webchat_message_label",
    "send": "webchat_send",
    "enter_hint": "webchat_enter_hint",
    "error": "webchat_connection_lost",
    "you": "webchat_you",
    "assistant": "webchat_assistant",
    "language_label": "webchat_language_label",
}
LANGUAGE_NAMES = {"ary": "الدارجة", "ary_Latn": "Darija", "ar": "العربية", "fr": "Français"}
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
    ),
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}


def page_locale(requested: str | None) -> str:
    return requested if requested in LOCALES else DEFAULT_LOCALE


def safe_exit_url(url: str) -> str:
    """The quick-exit destination when it is an http(s) URL, else ``about:blank``."""
    return url if urlsplit(url).scheme in ("http", "https") else "about:blank"


def render_page(requested_locale: str | None, exit_url: str) -> str:
    locale = page_locale(requested_locale)
    words = {name: escape(direct_text(key, locale, marks=False)) for name, key in PAGE_KEYS.items()}
    links = " ".join(
        f'<a href="?lang={code}" lang="{code.split("_")[0]}" hreflang="{code.split("_")[0]}"'
        + (' aria-current="page"' if code == locale else "")
        + f">{escape(name)}</a>"
        for code, name in LANGUAGE_NAMES.items()
    )
    template = (ASSETS / "page.html").read_text(encoding="utf-8")
    return template.format_map(
        {
            **words,
            "lang": locale.split("_")[0],
            "dir": "rtl" if locale in RTL_LOCALES else "ltr",
            "exit_url": escape(safe_exit_url(exit_url)),
            "language_links": links,
        }
    )


def page_response(requested_locale: str | None, exit_url: str) -> HTTPResponse:
    return response.html(render_page(requested_locale, exit_url), headers=SECURITY_HEADERS)


def asset_response(name: str) -> HTTPResponse:
    if name not in ASSET_TYPES:
        raise NotFound("No such file.")
    body = (ASSETS / name).read_bytes()
    return response.raw(body, content_type=ASSET_TYPES[name], headers=SECURITY_HEADERS)
