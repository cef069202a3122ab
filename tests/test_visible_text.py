"""A text with no visible character is empty: spaces, zero-width and format characters,
combining marks with nothing to sit on and the letters drawn as nothing (the Hangul fillers,
the blank Braille pattern) only look like text. The rule is `query_args.has_visible`, kept by
`clean_text` and `clean_line`, so a required field of a resident's form (or of any form that
reads its text through them) asks for it again in its own words. Any letter, number,
punctuation mark, symbol or emoji is visible."""

import re

import pytest
from barrierfree.database import db
from barrierfree.feedback.models import FeedbackItem, FeedbackMessage
from barrierfree.query_args import clean_line, clean_text, has_visible
from sqlalchemy import func, select
from staff_helpers import csrf, error_summary

ASK = "/feedback/ask"
STATUS_LINK = re.compile(r"/feedback/status/[A-Za-z0-9_-]{40,}")

INVISIBLE = {
    "zero-width spaces": "\u200b\u200b\u200b",
    "byte-order mark": "\ufeff",
    "Hangul fillers": "\u3164\u3164\u3164",
    "the other Hangul fillers": "\u115f\u1160\uffa0",
    "blank Braille": "\u2800\u2800",
    "combining marks alone": "\u0301" * 50,
    "enclosing and spacing marks alone": "\u20dd\u0903",
    "joiners and a variation selector": "\u200c\u200d\u2060\ufe0f",
    "soft hyphen": "\u00ad",
    "spaces of every kind": " \u00a0\u3000\u2002\u202f\u205f",
    "line and paragraph separators": "\u2028\u2029",
    "a mix, with new lines": "\n\u200b \u3164\n\u0301\ufeff\t",
}
VISIBLE = {
    "Chinese": "请问残疾证怎么办理？",
    "English": "Where can I get my hearing aid repaired?",
    "numbers": "123",
    "an emoji": "👍",
    "an emoji sequence": "👩\u200d🦽",
    "a flag": "🇨🇳",
    "a keycap": "1\ufe0f\u20e3",
    "punctuation alone": "？",
    "a symbol alone": "※",
    "a letter with its combining accent": "e\u0301",
    "a filler beside a word": "\u3164好",
    "zero-width spaces around a word": "\u200b好\u200b",
}


@pytest.mark.parametrize("text", INVISIBLE.values(), ids=INVISIBLE.keys())
def test_a_text_of_unseen_characters_is_empty(text):
    assert not has_visible(text)
    assert clean_text(text, "正文") == ""


@pytest.mark.parametrize("text", VISIBLE.values(), ids=VISIBLE.keys())
def test_letters_numbers_punctuation_symbols_and_emoji_are_seen(text):
    assert has_visible(text)
    assert clean_text(text, "正文") == text


def test_a_character_newer_than_pythons_tables_counts_as_seen():
    """An emoji added to Unicode after the running Python's tables is read as unassigned;
    a resident who sends one alone sent something."""
    assert has_visible("\U0001fae9")  # unassigned in Unicode 15.0


@pytest.mark.parametrize(
    "text", ["\u3164", "\u2800 \u2800", "\u0301\u0301", "\u115f"], ids=["filler", "braille",
                                                                        "marks", "choseong"]
)  # fmt: skip
def test_a_line_of_unseen_characters_is_empty(text):
    assert clean_line(text, "地点") == ""


def test_a_line_keeps_its_words_and_still_refuses_controls(i18n_app):
    assert clean_line("  镇政府门口 ", "地点") == "镇政府门口"
    assert clean_line("\u200b", "地点") == ""  # drawn as nothing, saying nothing: dropped
    with i18n_app.test_request_context(), pytest.raises(ValueError, match="U\\+200D"):
        clean_line("\u200d", "地点")


# --- The residents' forms ----------------------------------------------------------------


@pytest.fixture
def client(loaded_app):
    return loaded_app.test_client()


def ask(client, body: str):
    data = {"csrf_token": csrf(client, ASK), "topic": "other", "reply_by": "site", "body": body}
    return client.post(ASK, data=data)


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("body", INVISIBLE.values(), ids=INVISIBLE.keys())
def test_a_question_of_unseen_characters_is_asked_for_again(loaded_app, client, body):
    response = ask(client, body)
    assert response.status_code == 400
    assert "请写下您的问题或留言。" in error_summary(response.data).text
    assert count(loaded_app, FeedbackItem) == 0


@pytest.mark.parametrize("body", VISIBLE.values(), ids=VISIBLE.keys())
def test_a_question_with_something_to_read_is_taken(loaded_app, client, body):
    response = ask(client, body)
    assert response.status_code == 303, response.text[:2000]
    with loaded_app.app_context():
        assert db.session.scalar(select(FeedbackItem.body)) == body


def test_a_barrier_spot_of_fillers_is_no_spot(loaded_app, client):
    data = {"csrf_token": csrf(client, "/feedback/barrier"), "reply_by": "site",
            "barrier_type": "step", "body": "坡道太陡。", "location": "\u3164\u3164"}  # fmt: skip
    response = client.post("/feedback/barrier", data=data)
    assert response.status_code == 400
    assert "请选择" in error_summary(response.data).text
    assert count(loaded_app, FeedbackItem) == 0


@pytest.mark.parametrize("body", ["\u200b", "\u3164", "\u0301" * 5, " \u00a0 "])
def test_a_follow_up_of_unseen_characters_is_asked_for_again(loaded_app, client, body):
    sent = client.get(ask(client, "助听器坏了，去哪里修？").headers["Location"])
    link = STATUS_LINK.search(sent.text).group()
    response = client.post(link, data={"csrf_token": csrf(client, link), "body": body})
    assert response.status_code == 400
    assert "请填写补充内容。" in error_summary(response.data).text
    assert count(loaded_app, FeedbackMessage) == 0
    taken = client.post(link, data={"csrf_token": csrf(client, link), "body": "谢谢 🙏"})
    assert taken.status_code == 303 and count(loaded_app, FeedbackMessage) == 1
