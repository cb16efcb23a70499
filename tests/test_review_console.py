"""The console's review page over real HTTP on SQLite and PostgreSQL: who may see it, CSRF, the
three decisions, the editor's confirmation that a text holds nothing personal, the general origin
shown, the YAML written (read back with Rasa's reader and the project's checks, no link to the
conversation), audit."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

from bot.checks import check_examples
from bot.handoff.models import AuditEntry
from bot.review.collect import collect, default_encoder
from bot.review.models import ReviewItem
from bot.review.store import ReviewStore
from bot.settings import ROOT
from tests.console_support import RasaStub, add_user, fresh_database, start_console
from tests.review_support import agreed, bot, save, tracker_store, user

CONFLICTING = "je veux m'inscrire au RSU"
CONFIRMED = {
    "nothing_personal": "yes"
}  # the editor ticked "this text holds nothing personal"  # an example of social_aid in data/nlu/social_aid.yml


class Site:
    def __init__(self, console, review: ReviewStore, nlu_dir: Path, tracker, tracker_url: str) -> None:
        self.console, self.review, self.nlu_dir = console, review, nlu_dir
        self.tracker, self.tracker_url = tracker, tracker_url
        self.handoffs = console_store(console)

    def client_as(self, role: str):
        name = f"{role[:3]}-{uuid.uuid4().hex[:8]}"
        account = add_user(self.handoffs, name, role)
        client = self.console.client()
        assert client.login(name).status_code == 303
        return account, client

    def collect_messages(self, *texts_and_langs) -> list[ReviewItem]:
        """Real conversations with misunderstood messages, collected into the console's database."""
        senders = [save(self.tracker, [agreed(), user(text, "nlu_fallback", 0.4, [("nlu_fallback", 0.4), ("social_aid", 0.3)],
                                            language=lang, script=script), *bot("utter_fallback_human")])
                   for text, lang, script in texts_and_langs]  # fmt: skip
        collect(self.review, self.tracker_url, encoder=default_encoder())
        from bot.privacy.conversation_hash import conversation_hash

        hashes = {conversation_hash(s) for s in senders}
        with self.review.sessions() as session:
            query = sa.select(ReviewItem).where(ReviewItem.conversation_hash.in_(hashes))
            by_text = {item.text: item for item in session.scalars(query)}
        return [by_text[text] for text, _lang, _script in texts_and_langs]


def console_store(console):
    from bot.handoff.store import HandoffStore

    return HandoffStore(console.db_url)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def site(request, tmp_path_factory):
    workdir = tmp_path_factory.mktemp(f"review-{request.param}")
    nlu_dir = workdir / "project" / "data" / "nlu"
    shutil.copytree(ROOT / "data" / "nlu", nlu_dir, ignore=shutil.ignore_patterns("review"))
    stub = RasaStub()
    salt = {"REVIEW_SALT": "console-test-salt"}
    with (
        fresh_database(request.param, workdir / "db") as url,
        tracker_store("sqlite", workdir) as (tracker, turl),
    ):
        console = start_console(url, stub.url, workdir, {"REVIEW_NLU_DIR": str(nlu_dir), **salt})
        mp = pytest.MonkeyPatch()
        mp.setenv("REVIEW_SALT", salt["REVIEW_SALT"])
        try:
            yield Site(console, ReviewStore(url), nlu_dir, tracker, turl)
        finally:
            mp.undo()
            console.stop()
            stub.close()


def _status(site: Site, item_id: int) -> str:
    (item,) = site.review.get_many([item_id])
    return item.status


def test_without_login_the_page_redirects_and_other_clients_get_401(site):
    client = site.console.client()
    page = client.get("/review")
    assert page.status_code == 302 and page.headers["location"] == "/login"
    assert client.get("/review", headers={"Accept": "application/json"}).status_code == 401
    client.get("/login")
    assert client.post("/review/decide", {"decision": "discard", "item": "1"}).status_code == 401


def test_a_caseworker_without_the_editor_role_gets_403(site):
    (item,) = site.collect_messages(("wach kayn chi haja l lmra lhamla", "ary", "Latn"))
    _account, client = site.client_as("caseworker")
    assert client.get("/review").status_code == 403
    client.get("/queue")
    assert client.post("/review/decide", {"decision": "discard", "item": str(item.id)}).status_code == 403
    assert _status(site, item.id) == "pending"
    assert "/review" not in client.get("/queue").text, "no link to a page they cannot open"


def test_editors_land_on_the_review_page_supervisors_may_open_it(site):
    _account, editor = site.client_as("editor")
    assert editor.get("/").headers["location"] == "/review"
    assert editor.get("/queue").status_code == 403
    _account, supervisor = site.client_as("supervisor")
    assert supervisor.get("/review").status_code == 200


def test_accept_writes_a_valid_example_in_the_detected_variety_and_audits(site):
    item, other = site.collect_messages(("واش كاين شي دعم ديال الكرا للأرامل", "ary", "Arab"),
                                        ("aide pour payer le loyer d'une veuve", "fr", "Latn"))  # fmt: skip
    account, client = site.client_as("editor")
    page = client.get("/review")
    assert page.status_code == 200 and item.text in page.text and "social_aid" in page.text
    assert 'value="ary_arab" selected' in page.text, "the detected variety is preselected"
    answer = client.post("/review/decide", {"decision": "accept", "item": str(item.id), "intent": "social_aid",
                                            "variety": "ary_arab", **CONFIRMED})  # fmt: skip
    assert answer.status_code == 303 and answer.headers["location"] == "/review?notice=accepted"
    assert _status(site, item.id) == "accepted" and _status(site, other.id) == "pending"

    path = site.nlu_dir / "review" / "social_aid.yml"
    data = RasaYAMLReader().read(str(path))  # Rasa's reader validates the schema
    examples = [(m.get("text"), (m.get("metadata") or {}).get("intent", {}).get("variety"))
                for m in data.intent_examples]  # fmt: skip
    assert ("واش كاين شي دعم ديال الكرا للأرامل", "ary_arab") in examples
    assert {m.get("intent") for m in data.intent_examples} == {"social_aid"}
    problems = [
        p for p in check_examples(site.nlu_dir.parents[1]) if "review" in p.file or p.level == "error"
    ]
    assert problems == [], problems

    # the second message, the same way, goes to the fr block of the same file
    client.post(
        "/review/decide", {"decision": "accept", "item": str(other.id), "intent": "social_aid", **CONFIRMED}
    )
    text = path.read_text(encoding="utf-8")
    assert "variety: fr" in text and "aide pour payer le loyer d'une veuve" in text
    with site.review.sessions() as session:
        actions = list(session.scalars(sa.select(AuditEntry.detail).where(
            AuditEntry.staff_id == account.id, AuditEntry.action == "review_accept")))  # fmt: skip
    assert actions == [f"item {item.id}: social_aid/ary_arab", f"item {other.id}: social_aid/fr"]
    assert all(item.text not in a for a in actions), "no citizen text in the audit log"


def test_out_of_scope_and_discard(site):
    oos, junk = site.collect_messages(("chkoun rbe7 lmatch lbare7", "ary", "Latn"), ("asdfgh", None, "Latn"))
    _account, client = site.client_as("editor")
    client.get("/review")
    assert (
        client.post(
            "/review/decide", {"decision": "out_of_scope", "item": str(oos.id), **CONFIRMED}
        ).status_code
        == 303
    )
    assert "chkoun rbe7 lmatch lbare7" in (site.nlu_dir / "review" / "out_of_scope.yml").read_text(
        encoding="utf-8"
    )
    RasaYAMLReader().read(str(site.nlu_dir / "review" / "out_of_scope.yml"))
    # no language detected and no variety chosen: refused, nothing written, still pending
    refused = client.post(
        "/review/decide", {"decision": "accept", "item": str(junk.id), "intent": "greet", **CONFIRMED}
    )
    assert refused.status_code == 409 and _status(site, junk.id) == "pending"
    assert client.post("/review/decide", {"decision": "discard", "item": str(junk.id)}).status_code == 303
    assert _status(site, junk.id) == "discarded"
    assert "asdfgh" not in client.get("/review").text
    again = client.post("/review/decide", {"decision": "discard", "item": str(junk.id)})
    assert again.status_code == 409, "already decided"


def test_a_sentence_of_another_intent_is_refused(site):
    (item,) = site.collect_messages((CONFLICTING, "fr", "Latn"))
    _account, client = site.client_as("editor")
    client.get("/review")
    answer = client.post(
        "/review/decide",
        {"decision": "accept", "item": str(item.id), "intent": "disability_card", **CONFIRMED},
    )
    assert answer.status_code == 409 and "social_aid" in answer.text
    assert _status(site, item.id) == "pending"
    assert not (site.nlu_dir / "review" / "disability_card.yml").exists()


def test_csrf_and_bad_input(site):
    (item,) = site.collect_messages(("ma3reftch fin nmchi", "ary", "Latn"))
    _account, client = site.client_as("editor")
    client.get("/review")
    assert (
        client.post("/review/decide", {"decision": "discard", "item": str(item.id)}, csrf=False).status_code
        == 403
    )
    assert (
        client.post(
            "/review/decide", {"decision": "discard", "item": str(item.id)}, csrf="forged"
        ).status_code
        == 403
    )
    for form in ({"decision": "delete", "item": str(item.id)}, {"decision": "discard", "item": "abc"},
                 {"decision": "accept", "item": str(item.id), "intent": "no_such_intent"},
                 {"decision": "accept", "item": str(item.id), "intent": "greet", "variety": "klingon"},
                 {"decision": "accept", "item": str(item.id), "intent": "EXTERNAL_handoff_closed"}):  # fmt: skip
        assert client.post("/review/decide", form).status_code == 400, form
    assert _status(site, item.id) == "pending"


def test_grouping_puts_paraphrases_together(site):
    site.collect_messages(("bghit nhder m3a chi wa7ed mn lkhedma", "ary", "Latn"),
                          ("je veux parler à un employé du ministère", "fr", "Latn"),
                          ("كيفاش نقلب على خدمة فالفلاحة", "ary", "Arab"))  # fmt: skip
    from bot.review.grouping import group_items
    from bot.review.settings import ReviewSettings

    groups = group_items(site.review.pending(), ReviewSettings.load().group_similarity)
    assert sum(len(g.items) for g in groups) == len(site.review.pending())
    assert all(g.suggestion == "social_aid" for g in groups), "from the stored NLU ranking"


def test_accept_needs_the_nothing_personal_confirmation_and_every_decision_is_audited(site):
    item, oos, junk = site.collect_messages(("chno l9a3ida dyal lmin7a dyal lkhadma", "ary", "Latn"),
                                            ("qui a gagné le match hier soir", "fr", "Latn"),
                                            ("qsdfqsdf", "fr", "Latn"))  # fmt: skip
    account, client = site.client_as("editor")
    page = client.get("/review")
    assert page.text.count('name="nothing_personal"') >= 3, "a confirmation box on every form"
    refused = client.post("/review/decide", {"decision": "accept", "item": str(item.id), "intent": "social_aid",
                                             "nothing_personal": "no"})  # fmt: skip
    assert refused.status_code == 400 and 'id="review-notice"' in refused.text
    assert _status(site, item.id) == "pending"
    assert not (site.nlu_dir / "review" / "social_aid.yml").exists() or item.text not in (
        site.nlu_dir / "review" / "social_aid.yml").read_text(encoding="utf-8")  # fmt: skip
    assert client.post("/review/decide", {"decision": "accept", "item": str(item.id), "intent": "social_aid",
                                          **CONFIRMED}).status_code == 303  # fmt: skip
    assert client.post("/review/decide", {"decision": "out_of_scope", "item": str(oos.id),
                                          **CONFIRMED}).status_code == 303  # fmt: skip
    assert client.post("/review/decide", {"decision": "discard", "item": str(junk.id)}).status_code == 303, (
        "discarding writes nothing: no confirmation needed"
    )
    with site.review.sessions() as session:
        rows = session.execute(sa.select(AuditEntry.action, AuditEntry.detail, AuditEntry.at)
                               .where(AuditEntry.staff_id == account.id)).all()  # fmt: skip
    actions = {(action, detail) for action, detail, _at in rows}
    assert ("review_not_confirmed", "1 item(s)") in actions
    assert ("review_accept", f"item {item.id}: social_aid/ary_latn") in actions
    assert ("review_out_of_scope", f"item {oos.id}: out_of_scope/fr") in actions
    assert ("review_discard", f"item {junk.id}") in actions
    assert all(at for _a, _d, at in rows), "who and when"
    texts = (item.text, oos.text, junk.text)
    assert not [d for _a, d, _at in rows if any(t in (d or "") for t in texts)], (
        "no citizen text in the audit log"
    )


def test_the_page_shows_a_general_origin_and_no_link_to_the_conversation(site):
    from bot.privacy.conversation_hash import conversation_hash

    (item,) = site.collect_messages(("wach kayn chi markaz l nass lkbar f lmdina dyali", "ary", "Latn"))
    _account, client = site.client_as("editor")
    page = client.get("/review").text
    assert "Une conversation — Darija (latin), ce mois-ci" in page
    with site.review.sessions() as session:
        (stored,) = session.scalars(sa.select(ReviewItem).where(ReviewItem.id == item.id))
    assert stored.conversation_hash not in page and str(stored.event_id) not in page.replace(str(item.id), "")
    assert client.post("/review/decide", {"decision": "accept", "item": str(item.id), "intent": "elderly_care",
                                          **CONFIRMED}).status_code == 303  # fmt: skip
    written = (site.nlu_dir / "review" / "elderly_care.yml").read_text(encoding="utf-8")
    assert item.text in written
    assert stored.conversation_hash not in written and f"item {item.id}" not in written
    assert conversation_hash("anyone") not in written and "sender" not in written and "event" not in written
