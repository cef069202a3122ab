"""我能申请什么: a start page, one question per page, 检查您的回答, and the result.

Nothing a resident answers is stored: not on the server, not in an address, a cookie, the
session or a log line. The answers travel in hidden fields of POSTed forms (with the CSRF
token every form here carries), so each question page, the check-your-answers page and the
result are the response to the POST of the page before. Every POST is read afresh and
checked in full (answers.py); what cannot be the site's own is refused with a page that
says so (400), never a 500.

The browser's Back button. Chromium shows the page of a POST again on Back only from its
HTTP cache, so these pages, every one the answer to a POST, are sent `private, no-cache`,
as every private page a POST is answered with is (`security.PRIVATE_POST_HEADERS`, which
says why): Back and Forward show each page as it was, with the answer the resident had
ticked, and send nothing; a shared cache never keeps them, and a new visit always asks the
server. POST-redirect-GET is ruled out: the GET would have to carry the answers in the
address or the session. The answers then stay in the browser of the device used, as any
page read there does: the start and result pages say so, and the result offers
"清除这台设备上的记录" (`Clear-Site-Data: "cache"`) and to close the window. Each page
also has its own back link (a POST button carrying the answers), the way GOV.UK's
question pages do, and a button to carry on in the other language with the answers.

A GET of a page that only a POST can fill (a bookmark, a reload after the tab was closed)
says plainly that the answers are not kept, and how to start again. The header's display
controls and language switch post the answers too (`page_form` in the templates): the
display toggle comes to the page itself (`switch_display`).
"""

from collections import namedtuple
from collections.abc import Iterable

from flask import Blueprint, Response, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.exceptions import RequestEntityTooLarge

from .. import display, security
from ..database import db
from ..errors import explain_expired
from ..i18n import is_english
from ..opening_hours import local_now
from ..plan.models import Project
from ..services.departments import handling, in_charge
from . import results
from .answers import (
    ASKING,
    AskedAgain,
    Tampered,
    carried,
    chosen,
    complete_before,
    opened,
    standing,
)
from .assess import Finding, Reason, assess
from .questions import (
    BY_ID,
    FOR_WHOM,
    NEEDS,
    QUESTIONS,
    UNSURE,
    Answers,
    Question,
    after,
    before,
    next_unanswered,
    progress,
    pruned,
    sequence,
    totals,
    who,
)
from .rules import LIKELY, POSSIBLE, rules

bp = Blueprint("eligibility", __name__, url_prefix="/eligibility")


@bp.app_template_global("eligibility_chosen")
def chosen_words(reason: Reason) -> list[str]:
    """The answers that met a rule, in the short words of a reason: 一级, 需要长期照护. In
    English they stand inside a sentence, so lower case ("grade 1"): many share their
    English with an option's label, which starts with a capital."""
    words = [str(BY_ID[qid].option(code).short) for qid, code in reason.chosen]
    return [word[:1].lower() + word[1:] for word in words] if is_english() else words


@bp.app_template_global("eligibility_unsure")
def unsure_words(reason: Reason) -> list[str]:
    """The questions answered 不确定 that a rule asks about, by their titles."""
    return [str(BY_ID[qid].title) for qid in reason.unsure]


# Every honest post here is a few hundred bytes: ten answers and a token.
MAX_BODY_BYTES = 8 * 1024
REVIEW = "review"
VIEWS = ("standard", "easy", "all")
Team = namedtuple("Team", "in_charge handling")
# The buttons that name a page: continue:<question>, back:<question or review>, …
TARGETED = ("continue", "back", "change", "show")
# From this many answers of 不确定, a result says why it lists so much, and how to narrow it.
MANY_UNSURE = 3


@bp.url_value_preprocessor
def limit_size(_endpoint: str | None, _values: dict[str, object] | None) -> None:
    """Refuse a body larger than any page here sends (413) before anything reads it."""
    request.max_content_length = MAX_BODY_BYTES


@bp.before_request
def switch_display() -> None:
    """A page of the check takes its header's display toggle itself, answers and all: a
    redirect back from /display would lose them (components/display_controls.html)."""
    display.taken_here()


@bp.get("/")
def start() -> str:
    """The start page: what the check does, how long it takes, that nothing is stored."""
    return render_template("eligibility/start.html", totals=totals({}))


@bp.route("/questions", methods=["GET", "POST"])
@security.private_route()
def questions() -> ResponseReturnValue:
    """A question, or 检查您的回答: the answer to the page before, read from the POST."""
    if request.method in security.READS:
        return _lost()
    verb, target = _action()
    returning = _returning()
    if verb == "start":
        if carried(request.form):
            raise Tampered(_("这一页带回了不该有的回答。"))
        return _question_page(FOR_WHOM, {}, returning=False)
    if verb == "continue":
        return _answer(_named(target), returning)
    if verb == "show" and target != REVIEW:
        return _shown_again(_named(target), returning)
    answers = carried(request.form)
    if target == REVIEW or verb in (REVIEW, "change"):
        complete_before(None, answers)
    if verb == "back":
        return _back(target, answers, returning)
    if verb == "change":
        return _question_page(_asked(_named(target), answers), answers, returning=True)
    if verb == REVIEW or target == REVIEW:
        return _review_page(answers)
    question = _asked(_named(target), answers)
    complete_before(question, answers)
    return _question_page(question, answers, returning)


def _answer(question: Question, returning: bool) -> ResponseReturnValue:
    """Take the answer to `question`; on to the question after it (showing its answer when
    it has one), or, when changing an answer from the check page, to the first question
    left unanswered; then to the check page."""
    answers = carried(request.form, current=question)
    complete_before(question, answers)
    _asked(question, answers)
    was = opened(question, request.form, returning)
    choice = chosen(question, request.form)
    if choice.error:  # its boxes as sent: told to untick 不确定, the resident does just that
        return _question_page(
            question, answers, returning, error=choice.error, shown=choice.ticked, opened=was
        )
    answers = pruned(_ordered({**answers, question.id: choice.answer}))
    following = next_unanswered(answers) if returning else after(question, answers)
    if following is None:
        return _review_page(answers)
    return _question_page(following, answers, returning)


def _shown_again(
    question: Question, returning: bool, message: str | None = None, pressed: bool = False
) -> Response:
    """`question` again, its choice made and not yet sent shown chosen as it was ticked
    (one that cannot be sent, 不确定 with another, too: its error comes with 继续, and the
    resident then unticks one box, not all): in the language or display mode the header's
    button asked for (without JavaScript the button sends the question's form), or, with
    `message`, because the page had expired. When 继续 was `pressed` on an expired page,
    the choice gets the error it would have had (none made, or 不确定 with another)."""
    answers = carried(request.form, current=question)
    complete_before(question, answers)
    _asked(question, answers)
    was = opened(question, request.form, returning)
    choice = chosen(question, request.form)
    return _question_page(
        question,
        answers,
        returning,
        error=choice.error if pressed else None,
        message=message,
        status=400 if message else None,
        shown=choice.ticked,
        opened=was,
    )


def _back_to_review(answers: Answers, returning: bool) -> bool:
    """True when a question's back button leads to 检查您的回答: the question was opened
    from there to change an answer (the first question too), and `answers`, the ones the
    button carries, have nothing left to ask."""
    return returning and next_unanswered(answers) is None


def _back(target: str, answers: Answers, returning: bool) -> Response | str:
    """The page before: the last question (from the check), the check (when changing an
    answer and nothing new was asked), or the question before."""
    if target == REVIEW:
        return _question_page(sequence(answers)[-1], answers, returning=False)
    question = _asked(_named(target), answers)
    complete_before(question, answers)
    if _back_to_review(answers, returning):
        return _review_page(answers)
    previous = before(question, answers)
    if previous is None:
        return start()
    return _question_page(previous, answers, returning)


@bp.route("/result", methods=["GET", "POST"])
@security.private_route()
def result() -> ResponseReturnValue:
    """The services that fit, grouped, each with why, what next and whom to ask; the easy
    read version; the other services on request."""
    if request.method in security.READS:
        return _lost()
    view = request.form.get("view", "standard")
    if view not in VIEWS:
        raise Tampered(_("这一页带回了网站不认识的内容。"))
    answers = carried(request.form)
    complete_before(None, answers)
    findings = assess(rules(), answers)
    services = results.published_services()
    findings = asked_for_first([finding for finding in findings if finding.service in services])
    shown = [services[finding.service] for finding in findings]
    found = {finding.service for finding in findings}
    now = local_now()
    template = "eligibility/result_easy.html" if view == "easy" else "eligibility/result.html"
    return _private(
        render_template(
            template,
            answers=answers,
            likely=[f for f in findings if f.group == LIKELY],
            possible=[f for f in findings if f.group == POSSIBLE],
            services=services,
            where=results.where_to_go_for(shown, now),
            general=results.general_lines(now),
            teams={service.slug: Team(in_charge(service), handling(service)) for service in shown},
            easy=view == "easy",
            projects=_projects(findings),
            rest=[s for slug, s in services.items() if slug not in found],
            show_rest=view == "all",
            many_unsure=_many_unsure(answers),
            who=who(answers),
        )
    )


def asked_for_first(findings: list) -> list:
    """The findings with those that meet a need the resident chose (辅助器具, 无障碍改造)
    first, each part in the rules file's order: what was asked for was eleven screens down,
    after services met by age or household alone."""
    return sorted(findings, key=lambda finding: not _meets_a_chosen_need(finding))


def _meets_a_chosen_need(finding: Finding) -> bool:
    """True when one of the finding's reasons is an answer to 需要哪些帮助."""
    return any(question == NEEDS.id for reason in finding.reasons for question, _ in reason.chosen)


def _many_unsure(answers: Answers) -> int:
    """How many questions were answered 不确定 when that is MANY_UNSURE or more, else 0."""
    count = sum(answer == (UNSURE,) for answer in answers.values())
    return count if count >= MANY_UNSURE else 0


@bp.post("/clear")
@security.private_route()
def clear() -> Response:
    """Ask the browser to forget this site's pages kept on the device, answers and all."""
    response = security.private(render_template("eligibility/cleared.html"))
    response.headers["Clear-Site-Data"] = '"cache"'
    return response


@bp.errorhandler(Tampered)
def tampered(error: Tampered) -> Response:
    """Answers that cannot be the site's own: say what was wrong and how to go on. An answer
    a question offered once and offers no more, or none to a question added since (a page
    kept from before), is no tampering: that question is asked again (`asked_again`)."""
    if isinstance(error, AskedAgain):
        try:  # an error handler's own errors reach no other handler
            return asked_again(error)
        except Tampered as other:
            error = other
    return _private(render_template("eligibility/problem.html", reason=str(error)), 400)


def asked_again(error: AskedAgain) -> Response:
    """The question whose old answer (or missing one) a page kept from before brought back,
    asked again with the answers that still stand and a sentence saying why. It is opened as
    更改 opens a question: once answered, the check goes on to the first question left
    unanswered (the one the page was asking, say), or to 检查您的回答."""
    answers = standing(request.form)
    answers.pop(error.question.id, None)
    complete_before(error.question, answers)
    return _question_page(error.question, answers, returning=True, message=str(error))


@bp.errorhandler(RequestEntityTooLarge)
def too_large(_error: RequestEntityTooLarge) -> Response:
    """A post larger than any page here sends."""
    reason = _("这一页带回的内容太多，网站的页面不会带回这么多内容。")
    return _private(render_template("eligibility/problem.html", reason=reason), 413)


@bp.errorhandler(CSRFError)
def expired(_error: CSRFError) -> Response:
    """A page whose security code is missing or out of date (the browser was closed and
    the tab restored, say): the answers are checked as always and shown again with a fresh
    code, so nothing is lost or trusted. A question's form (继续, or a header button) comes
    back as that question, read as the question's own page reads it: its choice is not
    taken as an answer, but shown again to send (with its error, when 继续 was pressed and
    it cannot stand). Any other page goes to the check page or the first question left."""
    if request.endpoint == "eligibility.clear":
        return clear()
    switch_display()  # a 大字版 pressed on the page still switches
    message = explain_expired(
        _("这一页已经失效（比如浏览器关闭过），所以没有继续。您的回答还在，请再确认一次。")
    )
    try:  # an error handler's own errors reach no other handler
        if request.endpoint == "eligibility.questions":
            verb, target = _action()
            if verb in ("continue", "show") and target != REVIEW:
                return _shown_again(_named(target), _returning(), message, verb == "continue")
        answers = carried(request.form)
        following = next_unanswered(answers)
        if following is None:
            return _review_page(answers, message=message, status=400)
        complete_before(following, answers)
    except Tampered as error:
        return tampered(error)
    return _question_page(following, answers, False, message=message, status=400)


def _question_page(
    question: Question,
    answers: Answers,
    returning: bool,
    error: str | None = None,
    message: str | None = None,
    status: int | None = None,
    shown: tuple[str, ...] | None = None,
    opened: tuple[str, ...] = (),
) -> Response:
    """A question, its answer in `answers` chosen (or the boxes `shown` as they were sent,
    not taken as an answer: only the page's own boxes hold them, never a hidden field, the
    progress or the back button).

    While changing answers (`returning`), the page keeps the answer the question was
    `opened` with: shown again (an error, a header button, an expired page), its own
    answer is not among the carried ones, and without it the question opened by 更改 would
    look unanswered, its back button leading to the question before (or the start page)
    instead of 检查您的回答. The back button carries it, so nothing is lost. The progress
    is counted with it too: without it, age opened by 更改 and shown again counted as
    unanswered, and its "共 9 题" became "共 9 到 10 题" (questions.progress)."""
    if returning and question.id in answers:
        opened = answers[question.id]
    kept = _ordered({**answers, question.id: opened}) if opened else answers
    previous = before(question, answers)
    return _private(
        render_template(
            "eligibility/question.html",
            question=question,
            text=question.text(answers),
            answers=answers,
            progress=progress(question, kept),
            first=previous is None,
            returning=returning,
            back_to_review=_back_to_review(kept, returning),
            kept=kept,
            opened=opened,
            error=error,
            message=message,
            chosen=answers.get(question.id, ()) if shown is None else shown,
        ),
        status or (400 if error else 200),
    )


def _review_page(answers: Answers, message: str | None = None, status: int = 200) -> Response:
    """The check page: every answer so far, each with a way to change it."""
    rows = [
        (question, [question.option(code).label for code in answers[question.id]])
        for question in sequence(answers)
    ]
    return _private(
        render_template("eligibility/review.html", answers=answers, rows=rows, message=message),
        status,
    )


def _lost() -> str:
    """The page for a question or result opened without its answers (a bookmark, say)."""
    return render_template("eligibility/lost.html")


def _private(body: str, status: int = 200) -> Response:
    """A page holding answers: kept by no shared cache (by the browser for Back and
    Forward: see the module's docstring), indexed by no search engine."""
    return security.private(body, status)


def _action() -> tuple[str, str]:
    """The button pressed: `verb` or `verb:target`."""
    # The header's display toggles send a question's form without its buttons' action.
    pressed = request.form.get("action") or f"show:{request.form.get(ASKING, '')}"
    verb, _colon, target = pressed.partition(":")
    if not (verb in ("start", REVIEW) and not target or verb in TARGETED and target):
        raise Tampered(_("这一页带回了网站不认识的内容。"))
    return verb, target


def _returning() -> bool:
    """True when the question was opened from the check page to change an answer."""
    value = request.form.get("return")
    if value not in (None, REVIEW):
        raise Tampered(_("这一页带回了网站不认识的内容。"))
    return value == REVIEW


def _named(target: str) -> Question:
    if target not in BY_ID:
        raise Tampered(_("这一页带回了网站不认识的内容。"))
    return BY_ID[target]


def _asked(question: Question, answers: Answers) -> Question:
    """`question`, when the answers so far ask it."""
    if not question.asked_when(answers):
        raise Tampered(_("这一页带回了一个不该问的问题的回答。"))
    return question


def _ordered(answers: Answers) -> Answers:
    """The answers in the order the questions are asked."""
    return {q.id: answers[q.id] for q in QUESTIONS if q.id in answers}


def _projects(findings: Iterable[Finding]) -> dict[str, Project]:
    """The projects the reasons cite, by slug."""
    slugs = {
        source.key
        for finding in findings
        for reason in finding.reasons
        for source in reason.rule.sources
        if source.kind == "project"
    }
    if not slugs:
        return {}
    found = db.session.scalars(
        select(Project).where(Project.slug.in_(slugs)).options(joinedload(Project.box))
    )
    return {project.slug: project for project in found}
