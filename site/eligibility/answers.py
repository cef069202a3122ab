"""Reading the answers a page carries forward in its hidden fields, and the one it asks.

Hidden fields can be changed by anyone, so every POST is read afresh and in full: a field
the pages never send, an answer no question offers, an answer given twice, an answer to a
question that is not asked, or a gap before the question being answered, and the whole post
is refused (`Tampered`, with a sentence saying what was wrong; the view shows it with a way
to start again). A page kept from before the questions changed is no tampering: the one
question it cannot answer now is asked again (`AskedAgain`). Nothing here is logged or kept.
"""

from typing import NamedTuple

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from ..display import MODES
from .questions import BY_ID, QUESTIONS, UNSURE, Answers, Question, sequence

# The fields a page of the check may send besides the answers; the header's display
# controls post here too, with their modes and the page to go back to (display.switch).
# A question's form names its question (`asking`): the display toggles send that form
# without its buttons' action, and the question to show again is kept out of the address.
ASKING = "asking"
# A question opened by 更改 also carries the answer it was opened with (`OPENED`, one field
# a code, as the answers are): the page's own boxes may hold another choice, or none, after
# an error or a header button, and its back button must still take that answer back to the
# check page.
OPENED = "opened"
CONTROLS = ("csrf_token", "action", "return", "view", "next", ASKING, OPENED, *MODES)


class Tampered(ValueError):
    """The answers a page brought back cannot be the site's own: say what was wrong."""


class AskedAgain(Tampered):
    """A page kept from before the questions changed brought back answers that no longer
    fit one question: that question is asked again, with the answers that still stand
    (`standing`)."""

    def __init__(self, question: Question, message: str) -> None:
        super().__init__(message)
        self.question = question


class Outdated(AskedAgain):
    """The page brought back an answer the question no longer offers (`Question.retired`)."""

    def __init__(self, question: Question) -> None:
        super().__init__(
            question,
            _(
                "“%(question)s”的选项改过了，原来的回答对不上新的选项，请再选一次。"
                "其他问题的回答都还在。",
                question=question.title,
            ),
        )


class Added(AskedAgain):
    """The page brought back no answer to a question the check did not ask of such answers
    then (`Question.added_when`): a 16-year-old was not asked about work, say."""

    def __init__(self, question: Question) -> None:
        super().__init__(
            question,
            _(
                "现在也会问“%(question)s”，原来的回答里还没有这一题，请选一项。"
                "其他问题的回答都还在。",
                question=question.title,
            ),
        )


def carried(form: MultiDict, current: Question | None = None) -> Answers:
    """The answers in the hidden fields (all but `current`'s, which the page asks), checked:
    each a known answer given once, each to a question asked, in question order."""
    unknown = [name for name in form if name not in BY_ID and name not in CONTROLS]
    if unknown:
        raise Tampered(_("这一页带回了网站不认识的内容。"))
    for name in CONTROLS:
        if name != OPENED and len(form.getlist(name)) > 1:
            raise Tampered(_("这一页带回的同一项内容出现了不止一次。"))
    answers = {
        question.id: _checked(question, form.getlist(question.id))
        for question in QUESTIONS
        if question is not current and form.getlist(question.id)
    }
    if current is None and form.getlist(OPENED):  # only a question's own form carries it
        raise Tampered(_("这一页带回了网站不认识的内容。"))
    asked = {question.id for question in sequence(answers)}
    if any(qid not in asked for qid in answers):
        raise Tampered(_("这一页带回了一个不该问的问题的回答。"))
    return answers


def _offered(question: Question, values: list[str]) -> tuple[str, ...]:
    """`values` as codes `question` offers, each once (one, for radios), in option order;
    anything else is tampering."""
    if len(values) != len(set(values)) or (len(values) > 1 and not question.multiple):
        raise Tampered(_("这一页带回的同一个回答出现了不止一次。"))
    if any(value in question.retired for value in values):
        raise Outdated(question)
    if any(value not in question.codes for value in values):
        raise Tampered(_("这一页带回了一个问题里没有的回答。"))
    return tuple(code for code in question.codes if code in values)


def _checked(question: Question, values: list[str]) -> tuple[str, ...]:
    """One question's answer as carried: known codes, each once, 不确定 alone."""
    answer = _offered(question, values)
    if UNSURE in answer and len(answer) > 1:
        raise Tampered(_("这一页带回的回答里，“不确定”和别的回答选在了一起。"))
    return answer


def standing(form: MultiDict) -> Answers:
    """The answers a page kept from before the questions changed brings back that still
    stand: its hidden fields less every retired answer, checked as always. The choice the
    page's own boxes hold (`ASKING`) and the answer it was opened with are left out: that
    question is asked again in its turn."""
    asking = form.get(ASKING)
    kept = MultiDict(
        (name, value)
        for name, value in form.items(multi=True)
        if name not in (OPENED, asking) and not (name in BY_ID and value in BY_ID[name].retired)
    )
    return carried(kept)


def opened(question: Question, form: MultiDict, returning: bool) -> tuple[str, ...]:
    """The answer `question` had when its page was opened from the check page (`OPENED`),
    checked as a carried answer is; none when the page was not opened from there."""
    values = form.getlist(OPENED)
    if values and not returning:
        raise Tampered(_("这一页带回了网站不认识的内容。"))
    return _checked(question, values) if values else ()


def complete_before(question: Question | None, answers: Answers) -> None:
    """Refuse answers with a gap: a question asked before `question` (before the end, when
    None) left unanswered. A question the check once did not ask of these answers is no
    gap to refuse: a page kept from before is missing it, and it is asked (`Added`)."""
    for asked in sequence(answers):
        if asked is question:
            return
        if asked.id not in answers:
            if asked.added_when(answers):
                raise Added(asked)
            raise Tampered(_("这一页缺少前面问题的回答。"))


class Choice(NamedTuple):
    """What the page's own boxes sent: the `answer` to take, none when there is an `error`
    to show; and the boxes as `ticked`, to tick again when the page is shown again (after
    the error, a header button, an expired page). A choice that cannot stand (不确定 with
    another) came back with no box ticked, and the resident, told to untick 不确定, had to
    make it all again. `ticked` is for the page's boxes alone: never an answer, never
    carried in a hidden field, counted in no progress, sent on only by the boxes, and
    read afresh then."""

    answer: tuple[str, ...]
    error: str | None
    ticked: tuple[str, ...]


def chosen(question: Question, form: MultiDict) -> Choice:
    """The answer given to the question on the page, and the error to show when there is
    none or it cannot stand (不确定 together with another answer); an answer the page does
    not offer, or one sent twice, is tampering, with an error or without."""
    ticked = _offered(question, form.getlist(question.id))
    if not ticked:
        if UNSURE not in question.codes:
            return Choice((), _("请选择一项。"), ticked)
        if question.multiple:
            return Choice((), _("请选择至少一项。如果不知道，请选“不确定”。"), ticked)
        return Choice((), _("请选择一项。如果不知道，请选“不确定”。"), ticked)
    if UNSURE in ticked and len(ticked) > 1:
        return Choice((), _("选了“不确定”，就不要再选别的项；或者去掉“不确定”。"), ticked)
    return Choice(ticked, None, ticked)
