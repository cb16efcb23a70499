"""Caseworker console over real HTTP on loopback, on SQLite and PostgreSQL: every page and action,
who may see and do what, CSRF, claims (with a real race), replies relayed to Rasa, audit log."""

from __future__ import annotations

import html
import re
import threading

import jwt
import pytest
import sqlalchemy as sa

from bot.handoff.callback_crypto import encrypt_phone
from bot.handoff.models import AuditEntry, HandoffMessage
from tests import console_support
from tests.console_support import STUB_RASA_SECRET, add_handoff

backend = console_support.backend  # the fixture: a console on SQLite, then on PostgreSQL

PAGES = [
    "/queue",
    "/queue/rows",
    "/queue/events",
    "/handoffs/1",
    "/handoffs/1/events",
    "/supervisor",
    "/audit",
]
POSTS = ["/handoffs/1/claim", "/handoffs/1/reply", "/handoffs/1/transfer", "/handoffs/1/close", "/logout"]


def audit_actions(store, handoff_id: int) -> list[str]:
    with store.sessions() as session:
        return list(
            session.scalars(
                sa.select(AuditEntry.action)
                .where(AuditEntry.handoff_id == handoff_id)
                .order_by(AuditEntry.id)
            )
        )


def test_health_needs_no_login(backend):
    response = backend.console.client().get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["delivery_worker"] == "running"


@pytest.mark.parametrize("path", PAGES)
def test_no_page_is_readable_without_login(backend, path):
    handoff = add_handoff(backend.store, summary={"secret": "SECRET-SUMMARY"})
    path = path.replace("/1", f"/{handoff.id}")
    client = backend.console.client()
    page = client.get(path)
    assert page.status_code in (302, 401)
    if page.status_code == 302:
        assert page.headers["location"] == "/login"
    assert "SECRET-SUMMARY" not in page.text
    api = client.get(path, headers={"Accept": "application/json"})
    assert api.status_code == 401


@pytest.mark.parametrize("path", POSTS)
def test_no_action_without_login(backend, path):
    handoff = add_handoff(backend.store)
    client = backend.console.client()
    client.get("/login")  # an anonymous session with a valid CSRF token
    response = client.post(
        path.replace("/1", f"/{handoff.id}"), {"text": "x", "outcome": "informed", "to": "1"}
    )
    assert response.status_code == 401
    assert backend.store.get(handoff.id).status == "queued"


def test_login_sets_a_secure_http_only_samesite_cookie_and_logout_ends_the_session(backend):
    user = backend.user()
    client = backend.console.client()
    client.get("/login")
    response = client.post("/login", {"username": user.username, "password": "correct horse battery staple"})
    assert response.status_code == 303
    assert response.headers["location"] == "/queue"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "secure" in cookie
    assert client.get("/queue").status_code == 200
    assert client.post("/logout").status_code == 303
    assert client.get("/queue").status_code == 302


def test_wrong_password_and_unknown_user_are_refused_alike(backend):
    user = backend.user()
    client = backend.console.client()
    client.get("/login")
    wrong = client.post("/login", {"username": user.username, "password": "wrong password here"})
    unknown = client.post("/login", {"username": "nobody-here", "password": "wrong password here"})
    assert wrong.status_code == unknown.status_code == 401
    assert "Identifiant ou mot de passe incorrect" in wrong.text
    assert "Identifiant ou mot de passe incorrect" in unknown.text
    empty = client.post("/login", {"username": user.username, "password": ""})
    assert empty.status_code == 401
    assert client.get("/queue").status_code == 302


def test_a_tampered_session_cookie_is_worthless(backend):
    _user, client = backend.logged_in()
    client.cookie = client.cookie[:-6] + ("A" if client.cookie[-6] != "A" else "B") + client.cookie[-5:]
    assert client.get("/queue").status_code == 302


def test_posts_without_or_with_a_wrong_csrf_token_are_rejected(backend):
    user, client = backend.logged_in()
    handoff = add_handoff(backend.store)
    assert client.post(f"/handoffs/{handoff.id}/claim", csrf=False).status_code == 403
    assert client.post(f"/handoffs/{handoff.id}/claim", csrf="forged-token").status_code == 403
    _other, other_client = backend.logged_in()
    other_client.get("/queue")
    stolen = other_client.csrf
    assert client.post(f"/handoffs/{handoff.id}/claim", csrf=stolen).status_code == 403
    assert backend.store.get(handoff.id).status == "queued"
    anonymous = backend.console.client()
    anonymous.get("/login")
    assert (
        anonymous.post("/login", {"username": user.username, "password": "x"}, csrf=False).status_code == 403
    )
    assert client.post(f"/handoffs/{handoff.id}/claim").status_code == 303


def test_queue_is_sorted_by_priority_then_wait_and_shows_alerts_and_kinds(backend):
    _user, client = backend.logged_in()
    base = 1_000_000_000.0
    normal_old = add_handoff(backend.store, topic="elderly", priority="normal", now=base)
    urgent_new = add_handoff(backend.store, topic="violence", priority="urgent", now=base + 50)
    high = add_handoff(backend.store, topic="child_protection", priority="high", now=base + 10, language="ar")
    urgent_old = add_handoff(
        backend.store, topic="emergency", priority="urgent", now=base + 5, channel="whatsapp"
    )
    callback = add_handoff(backend.store, topic="disability", kind="callback", now=base + 1, channel=None)
    backend.store.add_citizen_message(urgent_new.id, "au secours", alert=True)
    page = client.get("/queue")
    assert page.status_code == 200
    ids = [int(i) for i in re.findall(r'data-handoff="(\d+)"', page.text)]
    mine = [urgent_old.id, urgent_new.id, high.id, normal_old.id, callback.id]
    assert [i for i in ids if i in mine] == [
        urgent_old.id,
        urgent_new.id,
        high.id,
        normal_old.id,
        callback.id,
    ]
    row = page.text[page.text.index(f'data-handoff="{urgent_new.id}"') :].split("</tr>")[0]
    assert "Danger signalé" in row and "Violence" in row and "Urgent" in row
    row = page.text[page.text.index(f'data-handoff="{callback.id}"') :].split("</tr>")[0]
    assert "Rappel demandé" in row
    row = html.unescape(page.text[page.text.index(f'data-handoff="{high.id}"') :].split("</tr>")[0])
    assert "Arabe" in row and "Protection de l'enfance" in row and "telegram" in row


def test_claim_opens_the_conversation_tells_the_bot_and_is_audited(backend):
    user, client = backend.logged_in()
    handoff = add_handoff(backend.store)
    response = client.post(f"/handoffs/{handoff.id}/claim")
    assert response.status_code == 303
    assert response.headers["location"] == f"/handoffs/{handoff.id}"
    stored = backend.store.get(handoff.id)
    assert (stored.status, stored.claimed_by) == ("claimed", user.id)
    (call,) = backend.wait_calls(handoff.conversation_id, 1)
    assert call["path"].endswith("/trigger_intent?output_channel=latest")
    assert call["body"] == {
        "name": "EXTERNAL_handoff_claimed",
        "entities": {"caseworker_name": user.display_name},
    }
    scheme, _, token = call["authorization"].partition(" ")
    claims = jwt.decode(token, STUB_RASA_SECRET, algorithms=["HS256"])
    assert scheme == "Bearer" and claims["user"] == {"username": handoff.conversation_id, "role": "user"}
    assert "claim" in audit_actions(backend.store, handoff.id)


def test_the_loser_of_a_claim_gets_a_clear_message(backend):
    _first, first = backend.logged_in()
    _second, second = backend.logged_in()
    handoff = add_handoff(backend.store)
    first.get("/queue")
    second.get("/queue")
    assert first.post(f"/handoffs/{handoff.id}/claim").status_code == 303
    lost = second.post(f"/handoffs/{handoff.id}/claim")
    assert lost.status_code == 409
    assert "a pris cette conversation juste avant vous" in lost.text


def test_two_simultaneous_claims_have_exactly_one_winner(backend):
    users = [backend.logged_in(), backend.logged_in()]
    for _user, client in users:
        client.get("/queue")
    for _trial in range(5):
        handoff = add_handoff(backend.store)
        barrier = threading.Barrier(2)
        statuses: dict[int, int] = {}

        def claim(index: int, client, handoff_id=handoff.id, barrier=barrier, statuses=statuses) -> None:
            barrier.wait()
            statuses[index] = client.post(f"/handoffs/{handoff_id}/claim").status_code

        threads = [threading.Thread(target=claim, args=(i, c)) for i, (_u, c) in enumerate(users)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(statuses.values()) == [303, 409]
        winner = users[next(i for i, s in statuses.items() if s == 303)][0]
        assert backend.store.get(handoff.id).claimed_by == winner.id
        assert audit_actions(backend.store, handoff.id).count("claim") == 1


def test_a_caseworker_cannot_read_or_act_on_a_handoff_held_by_someone_else(backend):
    holder, holder_client = backend.logged_in()
    _other, other = backend.logged_in()
    handoff = add_handoff(backend.store, summary={"city": "Tanger"})
    holder_client.get("/queue")
    holder_client.post(f"/handoffs/{handoff.id}/claim")
    backend.store.add_citizen_message(handoff.id, "message privé du citoyen")
    other.get("/queue")
    page = other.get(f"/handoffs/{handoff.id}")
    assert page.status_code == 403
    assert "message privé" not in page.text and "Tanger" not in page.text
    assert other.get(f"/handoffs/{handoff.id}/events").status_code == 403
    assert other.post(f"/handoffs/{handoff.id}/reply", {"text": "bonjour"}).status_code == 403
    assert other.post(f"/handoffs/{handoff.id}/close", {"outcome": "informed"}).status_code == 403
    assert other.post(f"/handoffs/{handoff.id}/transfer", {"to": str(holder.id)}).status_code == 403
    assert other.post(f"/handoffs/{handoff.id}/claim").status_code == 409
    stored = backend.store.get(handoff.id)
    assert (stored.status, stored.claimed_by) == ("claimed", holder.id)
    assert [m.author for m in backend.store.messages(handoff.id)].count("caseworker") == 0
    assert "view_denied" in audit_actions(backend.store, handoff.id)


def test_a_supervisor_reads_every_handoff_but_only_the_holder_replies(backend):
    _holder, holder_client = backend.logged_in()
    _sup, supervisor = backend.logged_in("supervisor")
    handoff = add_handoff(backend.store)
    holder_client.get("/queue")
    holder_client.post(f"/handoffs/{handoff.id}/claim")
    backend.store.add_citizen_message(handoff.id, "merci de votre aide")
    supervisor.get("/queue")
    page = supervisor.get(f"/handoffs/{handoff.id}")
    assert page.status_code == 200 and "merci de votre aide" in page.text
    assert 'name="text"' not in page.text
    assert supervisor.post(f"/handoffs/{handoff.id}/reply", {"text": "bonjour"}).status_code == 403


def test_summary_consent_redacts_live_messages_full_consent_shows_the_transcript(backend):
    user, client = backend.logged_in()
    restricted = add_handoff(backend.store, consent_scope="summary", summary={"city": "Oujda"})
    full = add_handoff(
        backend.store,
        consent_scope="full",
        history=[("citizen", "bghit n3ref l carte", 1.0), ("bot", "Voici…", 2.0)],
    )
    for handoff in (restricted, full):
        backend.store.claim(handoff.id, user.id)
        backend.store.add_citizen_message(handoff.id, "mon numéro 0612345678 et CIN AB123456")
    client.get("/queue")
    page = client.get(f"/handoffs/{restricted.id}").text
    assert "0612345678" not in page and "AB123456" not in page
    assert "[phone]" in page and "[id]" in page and "Oujda" in page
    page = client.get(f"/handoffs/{full.id}").text
    assert "0612345678" in page and "bghit n3ref l carte" in page and "avant la mise en relation" in page


def test_reply_reaches_rasa_in_order_and_is_marked_delivered(backend):
    _user, client = backend.logged_in()
    handoff = add_handoff(backend.store)
    client.get("/queue")
    client.post(f"/handoffs/{handoff.id}/claim")
    client.get(f"/handoffs/{handoff.id}")
    for text in ("Je suis là, prenez votre temps.", "Êtes-vous en sécurité ?"):
        assert client.post(f"/handoffs/{handoff.id}/reply", {"text": text}).status_code == 303
    calls = backend.wait_calls(handoff.conversation_id, 3)
    assert [c["body"]["name"] for c in calls] == [
        "EXTERNAL_handoff_claimed", "EXTERNAL_caseworker_message", "EXTERNAL_caseworker_message",
    ]  # fmt: skip
    assert [c["body"]["entities"].get("caseworker_text") for c in calls[1:]] == [
        "Je suis là, prenez votre temps.", "Êtes-vous en sécurité ?",
    ]  # fmt: skip
    backend.wait_calls(handoff.conversation_id, 3)
    replies = [m for m in backend.store.messages(handoff.id) if m.author == "caseworker"]
    for _ in range(100):
        if all(m.delivered_at for m in replies):
            break
        threading.Event().wait(0.05)
        replies = [m for m in backend.store.messages(handoff.id) if m.author == "caseworker"]
    assert all(m.delivered_at for m in replies)
    assert audit_actions(backend.store, handoff.id).count("reply") == 2
    assert "view" in audit_actions(backend.store, handoff.id)


@pytest.mark.parametrize("text", ["", "   ", "x" * 2001])
def test_an_empty_or_too_long_reply_is_refused(backend, text):
    _user, client = backend.logged_in()
    handoff = add_handoff(backend.store)
    client.get("/queue")
    client.post(f"/handoffs/{handoff.id}/claim")
    assert client.post(f"/handoffs/{handoff.id}/reply", {"text": text}).status_code == 400
    assert not [m for m in backend.store.messages(handoff.id) if m.author == "caseworker"]


def test_transfer_hands_the_conversation_to_a_colleague(backend):
    first, first_client = backend.logged_in()
    second, second_client = backend.logged_in()
    handoff = add_handoff(backend.store)
    first_client.get("/queue")
    first_client.post(f"/handoffs/{handoff.id}/claim")
    page = first_client.get(f"/handoffs/{handoff.id}")
    assert f'value="{second.id}"' in page.text
    assert first_client.post(f"/handoffs/{handoff.id}/transfer", {"to": "999999"}).status_code == 400
    assert first_client.post(f"/handoffs/{handoff.id}/transfer", {"to": "abc"}).status_code == 400
    response = first_client.post(f"/handoffs/{handoff.id}/transfer", {"to": str(second.id)})
    assert response.status_code == 303
    assert backend.store.get(handoff.id).claimed_by == second.id
    assert first_client.get(f"/handoffs/{handoff.id}").status_code == 403
    assert first_client.post(f"/handoffs/{handoff.id}/reply", {"text": "encore moi"}).status_code == 403
    second_client.get("/queue")
    assert second_client.post(f"/handoffs/{handoff.id}/reply", {"text": "Bonjour"}).status_code == 303
    assert "transfer" in audit_actions(backend.store, handoff.id)
    assert first.id != second.id


def test_close_with_an_outcome_and_a_note_resumes_the_bot(backend):
    _user, client = backend.logged_in()
    handoff = add_handoff(backend.store)
    client.get("/queue")
    client.post(f"/handoffs/{handoff.id}/claim")
    assert client.post(f"/handoffs/{handoff.id}/close", {"outcome": "made_up"}).status_code == 400
    assert (
        client.post(f"/handoffs/{handoff.id}/close", {"outcome": "informed", "note": "n" * 2001}).status_code
        == 400
    )
    response = client.post(
        f"/handoffs/{handoff.id}/close", {"outcome": "informed", "note": "orientée vers le COAPH"}
    )
    assert response.status_code == 303 and response.headers["location"] == "/queue?notice=closed"
    stored = backend.store.get(handoff.id)
    assert (stored.status, stored.outcome, stored.internal_note) == (
        "closed",
        "informed",
        "orientée vers le COAPH",
    )
    calls = backend.wait_calls(handoff.conversation_id, 2)
    assert [c["body"]["name"] for c in calls] == ["EXTERNAL_handoff_claimed", "EXTERNAL_handoff_closed"]
    assert client.post(f"/handoffs/{handoff.id}/reply", {"text": "trop tard"}).status_code == 409
    assert client.post(f"/handoffs/{handoff.id}/close", {"outcome": "informed"}).status_code == 409
    assert "close" in audit_actions(backend.store, handoff.id)
    assert "Conversation clôturée" in client.get("/queue?notice=closed").text


def test_a_supervisor_may_close_a_colleagues_handoff(backend):
    _user, client = backend.logged_in()
    _sup, supervisor = backend.logged_in("supervisor")
    handoff = add_handoff(backend.store)
    client.get("/queue")
    client.post(f"/handoffs/{handoff.id}/claim")
    supervisor.get("/queue")
    assert supervisor.post(f"/handoffs/{handoff.id}/close", {"outcome": "duplicate"}).status_code == 303
    assert backend.store.get(handoff.id).status == "closed"


def test_callback_phone_is_shown_to_the_holder_only_and_cannot_be_replied_to(backend):
    _user, client = backend.logged_in()
    _sup, supervisor = backend.logged_in("supervisor")
    handoff = add_handoff(backend.store, kind="callback", callback_phone=encrypt_phone("+212612345678"))
    client.get("/queue")
    supervisor.get("/queue")
    assert "+212612345678" not in client.get(f"/handoffs/{handoff.id}").text
    client.post(f"/handoffs/{handoff.id}/claim")
    page = client.get(f"/handoffs/{handoff.id}").text
    assert "+212612345678" in page and 'name="text"' not in page
    assert "+212612345678" not in supervisor.get(f"/handoffs/{handoff.id}").text
    assert client.post(f"/handoffs/{handoff.id}/reply", {"text": "allo"}).status_code == 400
    assert backend.calls_for(handoff.conversation_id) == []  # nobody waits in the chat for a callback


def test_supervisor_page_and_audit_log_are_for_supervisors_and_read_only(backend):
    _user, client = backend.logged_in()
    _sup, supervisor = backend.logged_in("supervisor")
    client.get("/queue")
    assert client.get("/supervisor").status_code == 403
    assert client.get("/audit").status_code == 403
    supervisor.get("/queue")
    page = supervisor.get("/supervisor")
    assert page.status_code == 200
    assert page.text.count('<tr><td dir="ltr">') == 14  # one row per day
    audit = supervisor.get("/audit")
    assert audit.status_code == 200 and "view_stats" in audit.text and "login" in audit.text
    with backend.store.sessions() as session:
        before = session.scalar(sa.select(sa.func.count(AuditEntry.id)))
    for method in ("put", "delete", "patch"):
        response = supervisor.http.request(method.upper(), "/audit", headers=supervisor._headers())
        assert response.status_code in (404, 405)
    assert supervisor.post("/audit").status_code in (404, 405)
    with backend.store.sessions() as session:
        after = session.scalar(sa.select(sa.func.count(AuditEntry.id)))
    assert after >= before  # only ever grows


def test_an_editor_cannot_use_the_queue(backend):
    _editor, client = backend.logged_in("editor")
    handoff = add_handoff(backend.store)
    assert client.get("/queue").status_code == 403
    assert client.get(f"/handoffs/{handoff.id}").status_code == 403
    client.get("/login")
    assert client.post(f"/handoffs/{handoff.id}/claim").status_code == 403


def test_the_interface_switches_to_arabic_right_to_left(backend):
    _user, client = backend.logged_in()
    page = client.get("/queue")
    assert '<html lang="fr" dir="ltr">' in page.text
    assert client.post("/lang", {"lang": "ar", "next": "/queue"}).headers["location"] == "/queue"
    page = client.get("/queue")
    assert '<html lang="ar" dir="rtl">' in page.text and "قائمة الانتظار" in page.text
    assert client.post("/lang", {"lang": "xx", "next": "//evil.example"}).headers["location"] == "/"


@pytest.mark.parametrize("path", ["/handoffs/abc", "/handoffs/99999999", "/nowhere"])
def test_unknown_pages_answer_404(backend, path):
    _user, client = backend.logged_in()
    assert client.get(path).status_code == 404


def test_garbage_posts_get_a_clear_error_not_a_crash(backend):
    _user, client = backend.logged_in()
    handoff = add_handoff(backend.store)
    client.get("/queue")
    raw = client.http.post(
        f"/handoffs/{handoff.id}/claim", content=b"\xff\xfe%%%&&&=", headers={
            **client._headers(), "Content-Type": "application/x-www-form-urlencoded"},
    )  # fmt: skip
    assert raw.status_code == 403
    json_body = client.http.post(
        f"/handoffs/{handoff.id}/reply", content=b"{not json", headers={
            **client._headers(), "Content-Type": "application/json", "X-CSRF-Token": client.csrf},
    )  # fmt: skip
    assert json_body.status_code in (400, 409)


def test_live_events_announce_queue_changes_and_new_messages(backend):
    user, client = backend.logged_in()
    client.get("/queue")
    events = []
    with client.http.stream("GET", "/queue/events?v=stale", headers=client._headers()) as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        for line in stream.iter_lines():
            events.append(line)
            if line.startswith("event: queue"):
                break
    assert "event: queue" in events
    handoff = add_handoff(backend.store, consent_scope="summary")
    backend.store.claim(handoff.id, user.id)
    page = client.get(f"/handoffs/{handoff.id}")
    after = re.search(r"events\?after=(\d+)&amp;s=(\w+)", page.text)
    url = f"/handoffs/{handoff.id}/events?after={after.group(1)}&s={after.group(2)}"
    received = []
    with client.http.stream("GET", url, headers=client._headers()) as stream:
        backend.store.add_citizen_message(handoff.id, "appelez-moi au 0612345678")
        for line in stream.iter_lines():
            received.append(line)
            if line.startswith("data:") and "citizen" in line:
                break
    data = [line for line in received if line.startswith("data:")][-1]
    assert "[phone]" in data and "0612345678" not in data
    assert backend.store.staff_online() >= 1


def test_live_messages_stop_when_the_handoff_changes_hands(backend):
    user, client = backend.logged_in()
    other = backend.user()
    handoff = add_handoff(backend.store)
    backend.store.claim(handoff.id, user.id)
    page = client.get(f"/handoffs/{handoff.id}")
    after = re.search(r"events\?after=(\d+)&amp;s=(\w+)", page.text)
    with client.http.stream(
        "GET",
        f"/handoffs/{handoff.id}/events?after={after.group(1)}&s={after.group(2)}",
        headers=client._headers(),
    ) as stream:
        backend.store.transfer(handoff.id, user.id, other.id)
        lines = []
        for line in stream.iter_lines():
            lines.append(line)
            if line.startswith("event: state"):
                break
    assert "event: state" in lines


def test_messages_written_by_the_bot_process_show_up_in_order(backend):
    user, client = backend.logged_in()
    handoff = add_handoff(backend.store)
    backend.store.claim(handoff.id, user.id)
    backend.store.add_citizen_message(handoff.id, "premier")
    backend.store.add_bot_message(handoff.id, "deuxième")
    page = client.get(f"/handoffs/{handoff.id}").text
    assert page.index("premier") < page.index("deuxième")
    with backend.store.sessions() as session:
        authors = list(
            session.scalars(
                sa.select(HandoffMessage.author)
                .where(HandoffMessage.handoff_id == handoff.id)
                .order_by(HandoffMessage.id)
            )
        )
    assert authors == ["system", "citizen", "bot"]
