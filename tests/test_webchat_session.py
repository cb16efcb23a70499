"""Web-chat sessions, button signatures, the page and the conversation-id rules, without servers."""

from __future__ import annotations

import os
import stat

import pytest
from sanic.exceptions import NotFound

from bot.channels.conversation_ids import belongs_to, conversation_id, is_reserved, local_id
from bot.channels.webchat import pubsub_manager
from bot.channels.webchat_page import asset_response, render_page
from bot.channels.webchat_session import MIN_SECRET_BYTES, SessionSigner, load_secret

SECRET = b"s" * 32
NOW = 1_800_000_000.0


def test_an_issued_token_opens_its_own_web_conversation_and_is_renewed():
    signer = SessionSigner(SECRET, lifetime=3600)
    session = signer.issue(NOW)
    assert (
        session.conversation_id.startswith("web-") and len(local_id("webchat", session.conversation_id)) >= 22
    )
    later = signer.verify(session.token, NOW + 1800)
    assert later is not None and later.conversation_id == session.conversation_id
    assert later.token != session.token  # renewed: valid for another lifetime from now
    assert signer.verify(later.token, NOW + 1800 + 3500) is not None


@pytest.mark.parametrize(
    "forge",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # altered signature
        lambda t: "A" + t[1:],  # another session id under the same signature
        lambda t: t.replace(t.split(".")[1], str(int(t.split(".")[1]) + 1000)),  # altered issue time
        lambda t: SessionSigner(b"o" * 32).issue(NOW).token,  # signed with another installation's secret
        lambda t: "web-" + t.split(".")[0],  # the conversation id itself
        lambda t: t + "x" * 200,
        lambda t: None,
        lambda t: {"token": t},
    ],
)
def test_a_forged_or_altered_token_is_refused(forge):
    signer = SessionSigner(SECRET, lifetime=3600)
    assert signer.verify(forge(signer.issue(NOW).token), NOW + 10) is None


def test_a_token_expires_after_its_lifetime_and_is_not_valid_before_it_was_issued():
    signer = SessionSigner(SECRET, lifetime=3600)
    token = signer.issue(NOW).token
    assert signer.verify(token, NOW + 3601) is None
    assert signer.verify(token, NOW - 3600) is None


def test_a_button_signature_is_bound_to_its_conversation_and_payload():
    signer = SessionSigner(SECRET)
    signature = signer.button_signature("web-a", '/choose_language{"language": "fr"}')
    assert signer.button_valid("web-a", '/choose_language{"language": "fr"}', signature)
    assert not signer.button_valid("web-b", '/choose_language{"language": "fr"}', signature)
    assert not signer.button_valid("web-a", '/choose_language{"language": "ar"}', signature)
    assert not signer.button_valid("web-a", '/choose_language{"language": "fr"}', None)


def test_the_secret_file_is_created_owner_only_and_reused(tmp_path):
    env = {"WEBCHAT_SECRET_FILE": str(tmp_path / "var" / "webchat.secret")}
    first = load_secret(env)
    assert len(first) >= MIN_SECRET_BYTES and load_secret(env) == first
    assert stat.S_IMODE(os.stat(env["WEBCHAT_SECRET_FILE"]).st_mode) == 0o600
    assert sorted(p.name for p in (tmp_path / "var").iterdir()) == ["webchat.secret"]


def test_a_short_secret_is_refused(tmp_path):
    with pytest.raises(ValueError, match="WEBCHAT_SECRET"):
        load_secret({"WEBCHAT_SECRET": "short"})
    assert load_secret({"WEBCHAT_SECRET": "k" * 40}) == b"k" * 40


def test_every_channel_prefix_is_reserved_for_client_chosen_ids():
    assert conversation_id("telegram", 5) == "tg-5" and belongs_to("whatsapp", "wa-2126")
    assert all(is_reserved(s) for s in ["tg-1", "WA-2126", " web-x", "Web-"])
    assert not any(is_reserved(s) for s in ["citizen-1", "website", "wab-1"])
    with pytest.raises(ValueError):
        local_id("webchat", "wa-2126")


@pytest.mark.parametrize(
    ("lang", "direction"), [("ar", "rtl"), ("ary", "rtl"), ("fr", "ltr"), ("ary_Latn", "ltr")]
)
def test_the_page_speaks_the_chosen_language_in_its_direction(lang, direction):
    html = render_page(lang, "https://example.org/")
    assert f'dir="{direction}"' in html and f'lang="{lang.split("_")[0]}"' in html


def test_the_page_refuses_an_unknown_language_and_a_script_exit_url():
    html = render_page("<script>", "javascript:alert(1)")
    assert 'lang="ary"' in html and "<script>" not in html.split("</title>")[0]
    assert 'data-exit-url="about:blank"' in html


def test_only_listed_assets_are_served():
    assert asset_response("webchat.js").headers["content-security-policy"].startswith("default-src 'none'")
    for name in ["page.html", "VENDORED.md", "../webchat.py"]:
        with pytest.raises(NotFound):
            asset_response(name)


def test_pushes_between_instances_go_through_the_configured_redis():
    assert pubsub_manager({}) is None
    manager = pubsub_manager({"REDIS_HOST": "127.0.0.1", "REDIS_PORT": "6379", "REDIS_KEY_PREFIX": "x"})
    assert manager is not None and manager.channel == "x-webchat"
