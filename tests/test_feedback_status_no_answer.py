"""The status page of an item with no answer says whether one may still come: while the
matter is open it will appear there; an item closed without one, or whose personal data
was deleted, must not promise it, and one staff marked answered says it was answered."""

import pytest
from barrierfree.database import db
from barrierfree.feedback.models import FeedbackItem
from conftest import parse
from sqlalchemy import update
from staff_helpers import csrf
from test_inbox import send

WAITING = ("还没有答复", "No answer yet")
CLOSED = ("这件事办结时没有答复。", "This matter was closed without an answer.")
ANSWERED = (
    "工作人员已经答复，但答复没有写在这里。",
    "Staff have answered, but the answer is not shown here.",
)
DELETED = (
    "没有答复。这一条的个人信息已经删除，工作人员不能再答复它了。",
    "No answer was given. This item's personal data has been deleted, so staff can no "
    "longer answer it.",
)


def answers_part(client, link: str) -> str:
    """The text of the status page's main part, in one line."""
    return " ".join(parse(client.get(link).data).find("main").text.split())


@pytest.mark.parametrize(("prefix", "language"), [("", 0), ("/en", 1)])
def test_an_item_closed_or_answered_without_an_answer_here_promises_none(
    loaded_app, prefix, language
):
    item_id, link = send(loaded_app)
    resident = loaded_app.test_client()
    assert WAITING[language] in answers_part(resident, prefix + link)
    for state, said in (("answered", ANSWERED), ("closed", CLOSED)):
        with loaded_app.app_context():
            db.session.execute(
                update(FeedbackItem).where(FeedbackItem.id == item_id).values(state=state)
            )
            db.session.commit()
        words = answers_part(resident, prefix + link)
        assert WAITING[language] not in words and said[language] in words
        assert DELETED[language] not in words


@pytest.mark.parametrize(("prefix", "language"), [("", 0), ("/en", 1)])
def test_an_item_deleted_before_an_answer_says_none_will_come(loaded_app, prefix, language):
    _item_id, link = send(loaded_app)
    resident = loaded_app.test_client()
    delete = prefix + link + "/delete"
    assert resident.post(delete, data={"csrf_token": csrf(resident, delete)}).status_code == 200
    words = answers_part(resident, prefix + link)
    assert WAITING[language] not in words and DELETED[language] in words
    assert CLOSED[language] not in words
