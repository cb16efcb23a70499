"""Real REST channel of a running assistant: languages, safety, erase and hostile input."""

from __future__ import annotations

import json
import sqlite3
import uuid

import pytest

from bot.i18n.bidi import strip_bidi_marks
from bot.i18n.catalogs import translate

pytestmark = pytest.mark.server


def _sender() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


def _texts(replies: list[dict]) -> list[str]:
    return [strip_bidi_marks(r["text"]) for r in replies if r.get("text")]


def _expected(key: str, locale: str) -> str:
    return translate(key, locale)


@pytest.mark.parametrize(
    ("message", "locale"),
    [
        ("السلام عليكم، كيداير؟", "ary"),
        ("salam labas 3lik", "ary_Latn"),
        ("Bonjour madame", "fr"),
        ("مرحبا، أهلا بكم", "ar"),
    ],
)
def test_greeting_is_answered_in_the_citizen_language_and_script(assistant, message, locale):
    replies = assistant.say(_sender(), message)
    assert _texts(replies)[0] == _expected("utter_greet", locale)
    assert [b["payload"] for b in replies[0]["buttons"]] == [
        '/choose_language{"language": "ary"}',
        '/choose_language{"language": "ar"}',
        '/choose_language{"language": "fr"}',
    ]


def test_arabic_replies_are_marked_right_to_left(assistant):
    replies = assistant.say(_sender(), "بغيت نعرف على بطاقة الإعاقة")
    assert replies[0]["text"].startswith("\u200f")
    assert "\u2066idmaj.social.gov.ma\u2069" in replies[0]["text"]


@pytest.mark.parametrize(
    ("opening", "short", "locale"),
    [
        ("wach kayn chi d3m l drari li ma kayqraouch", "merci", "ary_Latn"),
        ("أريد أن أعرف شروط الاستفادة من الدعم الاجتماعي المباشر", "شكرا", "ar"),
        ("je voudrais savoir comment obtenir la carte de handicap", "choukran", "fr"),
    ],
)
def test_a_one_word_thanks_keeps_the_conversation_language(assistant, opening, short, locale):
    sender = _sender()
    assistant.say(sender, opening)
    assert _texts(assistant.say(sender, short)) == [_expected("utter_thank", locale)]


def test_explicit_language_choice_wins_until_changed(assistant):
    sender = _sender()
    assistant.say(sender, '/choose_language{"language": "fr"}')
    replies = assistant.say(sender, "بغيت نعرف على الدعم الاجتماعي المباشر")
    assert _texts(replies)[0] == _expected("utter_social_aid", "fr")
    assistant.say(sender, '/choose_language{"language": "ary"}')
    replies = assistant.say(sender, "kifach ntsjel f rsu bach nakhod d3m dyal dawla")
    assert _texts(replies)[0] in (
        _expected("utter_social_aid", "ary_Latn"),
        _expected("utter_social_aid", "ary"),
    )


@pytest.mark.parametrize(
    "message",
    [
        "il a un couteau il va me tuer",
        "عتقوني راه غادي يقتلني",
        "ghadi y9telni daba 3te9ni",
        "أنقذوني يريد قتلي",
    ],
)
def test_danger_gets_the_emergency_lines_in_the_first_reply(assistant, message):
    first = _texts(assistant.say(_sender(), message))[0]
    for line in ("19", "177", "15", "8350"):
        assert line in first


def test_violence_support_gives_8350_and_asks_about_safety(assistant):
    replies = assistant.say(_sender(), "mon mari me frappe depuis des mois, je ne sais plus quoi faire")
    assert "8350" in _texts(replies)[0]
    assert [b["payload"] for b in replies[0]["buttons"]] == ["/affirm", "/emergency"]


def test_erase_removes_the_conversation_from_the_tracker_store(assistant):
    sender = _sender()
    assistant.say(sender, "راجلي كيضربني")
    confirm = assistant.say(sender, "امسح")
    assert _texts(confirm)[0] == _expected("utter_delete_confirm", "ary")
    done = assistant.say(sender, "/affirm")
    assert _texts(done)[0] == _expected("utter_delete_done", "ary")
    with sqlite3.connect(assistant.tracker_db) as db:
        rows = db.execute("SELECT data FROM events WHERE sender_id = ?", (sender,)).fetchall()
    assert not any("كيضربني" in row[0] for row in rows)
    assert rows == []


def test_erase_can_be_cancelled(assistant):
    sender = _sender()
    assistant.say(sender, "effacer la conversation")
    cancelled = assistant.say(sender, "/deny")
    assert _texts(cancelled)[0] == _expected("utter_delete_cancelled", "fr")
    with sqlite3.connect(assistant.tracker_db) as db:
        assert db.execute("SELECT count(*) FROM events WHERE sender_id = ?", (sender,)).fetchone()[0] > 0


@pytest.mark.parametrize(
    "message",
    ["", "   ", "\n\t", "🙏😢🙏", "\x00\x01\x02", "+212 6 12 34 56 78", "0612345678", "?!...", "ا" * 20000,
     "bonjour " * 2500, "واش bghit نعرف la carte 7it ana handicapé"],
    ids=["empty", "spaces", "whitespace", "emoji", "control", "phone-intl", "phone", "punctuation", "20k-arabic",
         "20k-french", "mixed-scripts"],
)  # fmt: skip
def test_hostile_input_gets_a_polite_reply(assistant, message):
    replies = assistant.say(_sender(), message)
    texts = _texts(replies)
    assert texts, "every message gets an answer"
    assert all(not t.startswith(("utter_", "btn_")) for t in texts)


def test_emoji_only_gets_the_read_text_reply_in_the_current_language(assistant):
    sender = _sender()
    assistant.say(sender, "Bonjour")
    assert _texts(assistant.say(sender, "🙏🙏🙏"))[0] == _expected("utter_no_text", "fr")


def test_malformed_body_is_rejected_without_crashing(assistant):
    status, _ = assistant.post_raw(b"{not json")
    assert 400 <= status < 500
    assert assistant.say(_sender(), "Bonjour")  # the server is still serving


def test_second_misunderstanding_in_a_row_offers_a_human(assistant):
    sender = _sender()
    first = assistant.say(sender, "kifach")  # a lone "how?" is too vague to act on
    assert _texts(first)[0] == _expected("utter_fallback_suggest", "ary_Latn")
    assert first[0]["buttons"][-1]["payload"] == "/deny"
    second = assistant.say(sender, "wach")
    assert _texts(second)[0] == _expected("utter_fallback_human", "ary_Latn")
    assert "/talk_to_human" in [b["payload"] for b in second[0]["buttons"]]


def test_none_of_the_suggestions_offers_a_human(assistant):
    sender = _sender()
    assistant.say(sender, "Bonjour")
    assistant.say(sender, "comment")
    assert _texts(assistant.say(sender, "/deny"))[0] == _expected("utter_fallback_human", "fr")


def test_violence_support_asks_about_safety_first_then_offers_options(assistant):
    sender = _sender()
    first = assistant.say(sender, "rajli kaydrebni kol nhar w ma 3reftch fin nmchi")
    assert _texts(first)[0] == _expected("utter_violence_support", "ary_Latn")
    assert [b["payload"] for b in first[0]["buttons"]] == ["/affirm", "/emergency"]
    options = assistant.say(sender, "/affirm")
    assert _texts(options)[0] == _expected("utter_violence_options", "ary_Latn")
    assert [b["payload"] for b in options[0]["buttons"]] == [
        "/talk_to_human", "/ask_line_8350", '/find_center{"center_type": "women"}', "/ask_violence_rights", "/delete_my_data",
    ]  # fmt: skip
    line = assistant.say(sender, "/ask_line_8350")
    assert "8350" in _texts(line)[0] and "24/24" in _texts(line)[0]


def test_not_safe_answer_gets_the_emergency_lines(assistant):
    sender = _sender()
    assistant.say(sender, "Mon ex me harcèle sur les réseaux sociaux")
    first = _texts(assistant.say(sender, "/emergency"))[0]
    assert first == _expected("utter_emergency", "fr")


def test_handoff_asks_consent_and_remembers_the_choice(assistant):
    sender = _sender()
    question = assistant.say(sender, "Je voudrais parler à une personne, pas à un robot")
    assert _texts(question)[0] == _expected("utter_ask_share_scope", "fr")
    assert [b["payload"] for b in question[0]["buttons"]] == [
        '/inform{"share_scope": "summary"}', '/inform{"share_scope": "full"}', "/deny",
    ]  # fmt: skip
    done = assistant.say(sender, '/inform{"share_scope": "summary"}')
    # nobody has the console open in this test: the callback offer (live handoffs: test_handoff_flow.py)
    assert _texts(done)[-1] == _expected("utter_ask_callback", "fr")
    assert assistant.tracker(sender)["slots"]["share_scope"] == "summary"


def test_danger_during_the_consent_question_comes_first(assistant):
    sender = _sender()
    assistant.say(sender, "بغيت نهضر مع شي مساعدة اجتماعية")
    replies = _texts(assistant.say(sender, "عتقوني راه داخل بالموس"))
    assert replies[0] == _expected("utter_emergency", "ary")
    assert assistant.tracker(sender)["slots"]["share_scope"] is None, "nothing shared without a choice"


def test_handoff_can_be_cancelled_without_sharing(assistant):
    sender = _sender()
    assistant.say(sender, "أريد التحدث مع موظف")
    assert _texts(assistant.say(sender, "/deny"))[0] == _expected("utter_handoff_cancelled", "ar")
    assert assistant.tracker(sender)["slots"]["share_scope"] is None


def test_phone_numbers_typed_by_citizens_never_reach_the_debug_log(assistant):
    assistant.say(_sender(), "mon numéro est 0612345678 et mon mail fatima.z@gmail.com")
    log = assistant.log_file.read_text(encoding="utf-8", errors="replace")
    assert "[phone]" in log, "the server runs with --debug, so the message is logged, redacted"
    assert "0612345678" not in log and "fatima.z@gmail.com" not in log


def test_find_center_with_city_and_type_in_one_message(assistant):
    replies = _texts(
        assistant.say(_sender(), "Où est le centre pour personnes âgées le plus proche à Agadir ?")
    )
    assert replies[0] == _expected("center_sample_notice", "fr")
    assert replies[1] == translate("center_results_header_place", "fr").format(
        place="Agadir", type=translate("center_type_elderly", "fr")
    )
    assert "Agadir" in replies[2] and "openstreetmap.org" not in replies[2], "no map pin for a sample row"


def test_find_center_asks_what_is_missing_then_answers_from_a_shared_location(assistant):
    sender = _sender()
    status, body = assistant.post_raw(
        json.dumps({"sender": sender, "location": {"latitude": 34.02, "longitude": -6.84}}).encode()
    )
    question = json.loads(body)
    assert status == 200 and _texts(question)[0] == _expected("utter_ask_center_type", "ary")
    assert len(question[0]["buttons"]) == 7
    result = " ".join(_texts(assistant.say(sender, '/inform{"center_type": "children"}')))
    assert "الرباط" in result and "كلم" in result


def test_unknown_city_is_asked_again_with_suggestions(assistant):
    sender = _sender()
    assistant.say(sender, "Je cherche un centre pour femmes")
    assert _texts(assistant.say(sender, '/inform{"center_type": "women"}'))[0] == _expected(
        "utter_ask_city", "fr"
    )
    again = assistant.say(sender, "Tangerville")
    assert _texts(again)[0] == _expected("center_city_unknown", "fr")
    assert '/inform{"city": "tangier"}' in [b["payload"] for b in again[0]["buttons"]]
    result = " ".join(_texts(assistant.say(sender, '/inform{"city": "tangier"}')))
    assert "Tanger" in result


@pytest.mark.parametrize(
    ("command", "locale"), [("/exit", None), ("msa7", "ary_Latn"), ("امسح", "ary"), ("effacer", "fr")]
)
def test_short_erase_commands_ask_for_confirmation(assistant, command, locale):
    replies = assistant.say(_sender(), command)
    assert [b["payload"] for b in replies[0]["buttons"]] == ["/affirm", "/deny"]
    if locale:
        assert _texts(replies)[0] == _expected("utter_delete_confirm", locale)


def test_danger_in_the_middle_of_the_centre_search_comes_first_then_the_search_goes_on(assistant):
    sender = _sender()
    question = _texts(assistant.say(sender, "Je cherche un centre social"))[0]
    assert question == _expected("utter_ask_city", "fr")  # "social" already gives the type
    replies = _texts(assistant.say(sender, "au secours il a un couteau"))
    assert replies[0] == _expected("utter_emergency", "fr")
    assert replies[-1] == question
