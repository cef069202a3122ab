"""The public forms: ask a question, report a barrier (with up to three photos), report a
wrong page; the page that gives the reference and the status link (kept in a signed cookie
of its own that the browser drops after an hour, until the resident removes them); the
status page, with the resident's follow-up and photos.

Every form works without JavaScript. A failed submit shows the form again with all that
was typed (a browser cannot be given chosen files back: the form says to choose them
again). Nothing a resident writes is put in an address or a log line.
"""

import time
from typing import Any, TypeVar

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_babel.speaklater import LazyString
from flask_wtf.csrf import CSRFError
from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy import select
from werkzeug.exceptions import NotFound, RequestEntityTooLarge
from werkzeug.wrappers import Response as BaseResponse

from .. import display
from ..database import WRITE_REFUSED, db
from ..errors import (
    NOT_RECEIVED,
    explain_expired,
    handle_database_error,
    handle_http_error,
    refused_form,
)
from ..facilities.models import Facility, Township
from ..i18n import PREFIX, Number
from ..images import MB
from ..kinds import Kind
from ..mail import outbox
from ..query_args import clean_line, clean_text
from ..security import private_route
from ..staff.inbox import retention
from . import operations, photos, queries, throttle
from .models import (
    BARRIER,
    BY_PHONE,
    FOLLOW_UP,
    PAGE,
    QUESTION,
    REPLY,
    REPLY_BY_EMAIL,
    FeedbackItem,
)
from .spec import (
    BIDI_CONTROLS,
    BODY_LENGTH,
    FORMS,
    PHOTOS,
    places,
    same_site_path,
    tidied,
)

bp = Blueprint("feedback", __name__, url_prefix="/feedback")
HONEYPOT = "homepage"
# The hidden field of a form page's key (`operations.new_form_key`): a page shown again (an
# error, 大字版, English, an expired token) keeps the key it was sent with.
FORM_KEY = "form_key"
# The receipt: the reference and status link, for the sent page, in a cookie of its own (not
# the session's, which goes with every request and has no end of its own). The browser drops
# it after RECEIPT_SECONDS (Max-Age), and the page ignores it after its `until` too; it is
# signed with the site's secret key (a changed or garbled one is ignored), sent only to the
# sent page's two addresses (Chinese and English), never to script (HttpOnly), nor with a
# post from another site (SameSite=Lax), and only over HTTPS when the page came over HTTPS.
RECEIPT_COOKIE = "feedback_receipt"
RECEIPT_SALT = "feedback-receipt"
RECEIPT_PATHS = tuple(f"{prefix}/feedback/sent" for prefix in PREFIX.values())
# A form sent again: the reference of the item it repeats, in a cookie of its own beside the
# receipt, kept as the receipt is. A form's post never gets the receipt (sent to the sent
# page alone), so only the sent page can tell whether the receipt this browser holds is that
# item's, with its status link (then it stays), or not (then this one takes its place).
AGAIN_COOKIE = "feedback_sent_again"
# Where the receipt was kept before (in the session cookie): removed when the page is seen.
OLD_SESSION_KEY = "feedback_sent"
# How long the sent page keeps showing them in the browser that sent the form, at most: long
# enough to switch to 大字版 or English, reload, and copy the link; short enough that a
# shared computer forgets them soon.
RECEIPT_SECONDS = 3600
# The whole form: room for every field at its longest in Chinese, percent-encoded (nine
# bytes a character), three times over.
MAX_BODY_BYTES = 64 * 1024
# A form with photos: the form, and every photo at the largest sent (photos.LARGEST_SENT).
MAX_BODY_WITH_PHOTOS = MAX_BODY_BYTES + photos.MAX_PHOTOS * photos.LARGEST_SENT
ENDPOINTS = {"feedback.ask": QUESTION, "feedback.barrier": BARRIER, "feedback.page_error": PAGE}
_Response = TypeVar("_Response", bound=BaseResponse)


def _form_kind() -> str | None:
    """The kind of the form this request's page is (None: not one of the three forms)."""
    return ENDPOINTS.get(request.endpoint or "")


@bp.url_value_preprocessor
def limit_size(_endpoint: str | None, _values: dict[str, object] | None) -> None:
    """Refuse a body larger than any honest form here (413, see `too_large`) before anything
    reads it. (URL value preprocessors run before every before-request hook, so before the
    CSRF check reads the form.) Up to the limit, a text that is too long is shown again with
    how much to cut; a photo too large is named on the form."""
    kind = _form_kind()
    with_photos = kind is not None and _takes_photos(FORMS[kind])
    request.max_content_length = MAX_BODY_WITH_PHOTOS if with_photos else MAX_BODY_BYTES


def _takes_photos(form: Kind) -> bool:
    """True for a form with photo inputs (the barrier report)."""
    return any(f.name == PHOTOS for f in form.fields)


@bp.get("/")
def index() -> str:
    """The ways to reach us on this site: the three forms."""
    return render_template("feedback/index.html", forms=FORMS)


@bp.route("/ask", methods=["GET", "POST"])
def ask() -> ResponseReturnValue:
    """提问 / 留言: a question on one of the service categories, or anything else."""
    return _form(FORMS[QUESTION], {})


@bp.route("/barrier", methods=["GET", "POST"])
def barrier() -> ResponseReturnValue:
    """报告无障碍问题; `?place=<slug>` chooses one of our places."""
    place = request.args.get("place", "")
    return _form(FORMS[BARRIER], {"place": place} if place in places() else {})


@bp.route("/page-error", methods=["GET", "POST"])
def page_error() -> ResponseReturnValue:
    """页面信息有误; `?page=<path>` names the page (only a path of this site is taken)."""
    page = same_site_path(request.args.get("page"))
    return _form(FORMS[PAGE], {"page": page} if page else {})


def _form(
    form: Kind, prefilled: dict, description: str | None = None, status: int = 200
) -> ResponseReturnValue:
    """The form (GET), or its submission (POST): saved and on to the confirmation, or shown
    again with every error and all that was typed."""
    values = {"reply_by": "site", **prefilled}
    errors: dict = {}
    if request.method == "POST" and description is None:
        values, errors = read(form)
        if display.taken_here():
            errors = {}  # the page again, in another display mode or language: nothing sent
        elif request.form.get(HONEYPOT):
            # Nothing is kept, so nothing is counted: a flood of these must not use up the
            # limit of the whole site, which real residents share.
            description = _(
                "表单里有一栏应当留空，却填了内容（可能是浏览器自动填的）。没有保存。请检查后再提交一次。"
            )
            status = 400
        elif not errors:
            return _submit(form, values)
        else:
            # The photos are not decoded: shown again, the form asks for them again anyway.
            status = 400
    return _page(form, values, errors, description, status)


def _page(
    form: Kind,
    values: dict,
    errors: dict,
    description: str | None,
    status: int,
    photo_at_fault: int = 1,
) -> tuple[str, int]:
    """The form with what was typed, its errors and a message over it; a problem with the
    photos is marked on input number `photo_at_fault`."""
    if _takes_photos(form):
        # Shown again, the form names each chosen photo, to be chosen again: none is kept.
        values[PHOTOS] = photos.not_kept(request.files.getlist(PHOTOS))
    return render_template(
        "feedback/form.html", form=form, values=values, errors=errors, description=description,
        honeypot=HONEYPOT, mail=outbox.configured(), photo_at_fault=photo_at_fault,
        form_key={"name": FORM_KEY, "value": _posted_key() or operations.new_form_key()},
    ), status  # fmt: skip


def _posted_key() -> str | None:
    """The form page's key this request carries (`operations.form_key`), or None."""
    return operations.form_key(request.form.get(FORM_KEY))


def _read_photos(form: Kind, errors: dict) -> tuple[list[photos.Photo], int]:
    """The photos sent with a form that takes them; a problem with them goes in `errors`,
    with the number of the input it is in."""
    if not _takes_photos(form):
        return [], 1
    found, problem, at_fault = photos.read_all(request.files.getlist(PHOTOS))
    if problem:
        errors[PHOTOS] = problem
    return found, at_fault


def _submit(form: Kind, values: dict) -> ResponseReturnValue:
    """Save a checked submission with its photos, unless it is over a limit or a duplicate
    (`operations.create`; new photos make it a new item, which staff can merge). The photos
    are decoded only once the submission is counted against the limits: decoding is the
    costly part, and a sender must not have it done without limit."""
    wait = throttle.reserve(throttle.address_hash())
    if wait:
        message = ngettext(
            "这段时间收到的提交太多了。请 %(num)d 分钟后再提交；您写的内容还在下面。"
            "不想等的话，请看本页下面的“也可以这样联系我们”。",
            "这段时间收到的提交太多了。请 %(num)d 分钟后再提交；您写的内容还在下面。"
            "不想等的话，请看本页下面的“也可以这样联系我们”。",
            wait,
        )
        return _form(form, values, description=message, status=429)
    errors: dict = {}
    found, at_fault = _read_photos(form, errors)
    if errors:
        return _page(form, values, errors, None, 400, at_fault)
    item, token = operations.create(form.name, stored_values(form, values), found, _posted_key())
    until = int(time.time()) + RECEIPT_SECONDS
    response = redirect(url_for("feedback.sent"), code=303)
    if token is None:  # the same form sent again: the sent page settles which receipt stays
        receipt = {"reference": item.reference, "duplicate": True, "until": until}
        return _keep(response, AGAIN_COOKIE, receipt, RECEIPT_SECONDS)
    receipt = {"reference": item.reference, "token": token, "until": until}
    return _forget(_keep(response, RECEIPT_COOKIE, receipt, RECEIPT_SECONDS), AGAIN_COOKIE)


def _keep(response: _Response, name: str, receipt: dict[str, Any], seconds: int) -> _Response:
    """Give the browser `receipt` in the cookie `name`, signed, for `seconds`, at each of the
    sent page's addresses."""
    for path in RECEIPT_PATHS:
        response.set_cookie(
            name, _signer().dumps(receipt), max_age=seconds, path=path, httponly=True,
            samesite="Lax", secure=request.is_secure,
        )  # fmt: skip
    return response


def _signer() -> URLSafeSerializer:
    """Signs the receipt cookie with the site's secret key, for this use alone (the salt)."""
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=RECEIPT_SALT)


def _receipt(name: str = RECEIPT_COOKIE) -> dict[str, Any] | None:
    """The receipt this browser holds (in the cookie `name`), if it holds one that is signed
    and still in time; None for none, an expired one, or one changed or garbled."""
    value = request.cookies.get(name)
    if not value:
        return None
    try:
        receipt = _signer().loads(value)
    except BadData:
        return None
    if not isinstance(receipt, dict) or not isinstance(receipt.get("reference"), str):
        return None
    until = receipt.get("until")
    if not isinstance(until, int) or until <= time.time():
        return None
    return receipt


def _forget(response: _Response, *names: str) -> _Response:
    """Tell the browser to drop the cookies `names`, at each of the sent page's addresses."""
    for name in names:
        for path in RECEIPT_PATHS:
            response.delete_cookie(
                name, path=path, httponly=True, samesite="Lax", secure=request.is_secure
            )
    return response


def read(form: Kind) -> tuple[dict, dict]:
    """What was typed into `form`, as typed (for showing again) but for contact details,
    read in the one form they are checked, kept and shown again in (`spec.tidied`); and
    the errors by field."""
    values: dict[str, str | None] = {}
    errors: dict[str, str] = {}
    for f in form.fields:
        if f.name == PHOTOS:  # files, read by photos.py
            continue
        raw = request.form.get(f.name, "").translate(BIDI_CONTROLS)
        try:
            value = (
                clean_text(raw, f.label).strip()
                if f.type == "textarea"
                else clean_line(raw, f.label)
            )
        except ValueError as error:
            values[f.name], errors[f.name] = raw, str(error)
            continue
        value = tidied(f, value)
        # Radio buttons left unanswered are kept as None, not "": shown again, the form
        # then chooses none of them, where "" is the empty choice a resident did choose
        # (不在列表里，或者不知道). Both are checked, and kept, as no answer.
        values[f.name] = None if f.type == "radio" and f.name not in request.form else value
        problems = f.problems(value)
        if problems:
            errors[f.name] = problems[0].message
            if f.max_length and len(value) > f.max_length:
                errors[f.name] = _too_long(f.label, f.max_length, len(value))
    for problem in form.rules(values) if form.rules else []:
        errors.setdefault(problem.field, problem.message)
    return values, errors


def _too_long(label: str | LazyString, most: int, count: int) -> str:
    """The message for a text of `count` characters where `most` are taken: how many to
    remove, in the singular or the plural as English needs."""
    over = count - most
    return ngettext(
        "“%(label)s”最多 %(n)s 个字，现在有 %(count)s 个字。请删去 %(over)s 个字。",
        "“%(label)s”最多 %(n)s 个字，现在有 %(count)s 个字。请删去 %(over)s 个字。",
        over, label=label, n=Number(most), count=Number(count), over=Number(over),
    )  # fmt: skip


def stored_values(form: Kind, values: dict) -> dict:
    """The columns of a checked submission. Only the contact the chosen way of answering
    needs is kept: an email address typed beside "answer on the site" is dropped."""
    stored = {"body": values["body"], "reply_by": values["reply_by"]}
    if values["reply_by"] == REPLY_BY_EMAIL:
        stored["contact_email"] = values["contact_email"]
    if values["reply_by"] in BY_PHONE:
        stored["contact_phone"] = values["contact_phone"]
    if form.name == QUESTION:
        stored["topic"] = values["topic"]
    if form.name == PAGE:
        stored["page_path"] = same_site_path(values.get("page"))
    if form.name == BARRIER:
        facility = _by_slug(Facility, values.get("place"))
        township = _by_slug(Township, values.get("township"))
        stored.update(
            barrier_type=values["barrier_type"],
            facility_id=facility.id if facility else None,
            township_id=township.id if township else facility.township_id if facility else None,
            location=values.get("location") or None,
        )
    return stored


_Place = TypeVar("_Place", Facility, Township)


def _by_slug(model: type[_Place], slug: str | None) -> _Place | None:
    """The row of `model` with this slug, or None (also when no slug is given)."""
    return db.session.scalar(select(model).where(model.slug == slug)) if slug else None


@bp.get("/sent")
@private_route()
def sent() -> Response:
    """The reference and the private status link (after POST, redirect, GET), shown again in
    this browser through a display-mode or language change and a reload, for at most
    RECEIPT_SECONDS, until the resident removes them. Private: never stored by the page
    cache, nor by the browser's."""
    session.pop(OLD_SESSION_KEY, None)
    receipt, again = _receipt(), _receipt(AGAIN_COOKIE)
    # The form was sent again: this browser's receipt stays when it is the first sending's,
    # with its status link; otherwise the page says which item the form repeats.
    sent_twice = again is not None and _holds_link(receipt, again["reference"])
    if again is not None and not sent_twice:
        receipt = again
    page = render_template(
        "feedback/sent.html", receipt=receipt, sent_twice=sent_twice,
        minutes=RECEIPT_SECONDS // 60,
    )  # fmt: skip
    response = make_response(page)
    if again is not None and not sent_twice:
        _keep(response, RECEIPT_COOKIE, again, again["until"] - int(time.time()))
    elif receipt is None and RECEIPT_COOKIE in request.cookies:
        _forget(response, RECEIPT_COOKIE)  # expired, changed or garbled: of no use
    if AGAIN_COOKIE in request.cookies:
        _forget(response, AGAIN_COOKIE)  # settled
    return response


def _holds_link(receipt: dict[str, Any] | None, reference: str) -> bool:
    """True when `receipt` is the receipt of the item `reference`, with its status link."""
    return (
        receipt is not None
        and receipt["reference"] == reference
        and isinstance(receipt.get("token"), str)
    )


@bp.post("/sent")
@private_route()
def forget_sent() -> BaseResponse:
    """不再显示: remove the reference and status link from this browser (a shared computer's
    next user must not find them), then the sent page again, which says so."""
    session.pop(OLD_SESSION_KEY, None)
    if _receipt() is not None or _receipt(AGAIN_COOKIE) is not None:
        flash(_("已经从这个浏览器删除了编号和查询链接。"))
    response = redirect(url_for("feedback.sent"), code=303)
    return _forget(response, RECEIPT_COOKIE, AGAIN_COOKIE)


@bp.route("/status/<token>", methods=["GET", "POST"])
@private_route()
def status(token: str) -> ResponseReturnValue:
    """The private status page: the state, the dates, every public reply; a follow-up.
    After a follow-up, 已收到您的补充 is flashed for the page the redirect shows, once: never
    in the address (the resident bookmarks or copies it, and would be told so again on
    every visit), so an old link with ?added=1 opens the page without it."""
    item = queries.by_token(token)
    if item is None:
        return render_template("feedback/status_unknown.html"), 404
    errors: dict[str, str] = {}
    text, status_code, description = "", 200, None
    if request.method == "POST" and display.taken_here():
        text = request.form.get("body", "")  # the page again, in another mode or language
    elif request.method == "POST":
        errors, text, description, status_code = _follow_up(item)
        if status_code == 303:
            flash(_("已收到您的补充。"))
            return redirect(url_for("feedback.status", token=token), code=303)
    return _status_page(item, token, errors, text, description, status_code)


@bp.get("/status/<token>/photos/<int:photo_id>")
@private_route()
def photo(token: str, photo_id: int) -> Response:
    """One of the photos sent with the item, for the holder of its status link only."""
    item = queries.by_token(token)
    found = photos.of_item(item, photo_id) if item is not None else None
    if found is None:
        abort(404)
    return photos.send(found)


@bp.route("/status/<token>/delete", methods=["GET", "POST"])
@private_route()
def delete_data(token: str) -> ResponseReturnValue:
    """删除我的个人信息 (《个人信息保护法》第四十七条): what is deleted and what stays, and
    the button (GET); its POST deletes the item's personal data now, as the purge does when
    it is due (`retention.delete_now`, audited with no member of staff), and says it is
    done, and that the public example of the item came down with it, if it had one. Once
    deleted, the status page shows what is left."""
    item = queries.by_token(token)
    if item is None:
        return render_template("feedback/status_unknown.html"), 404
    if request.method == "POST":
        example = item.example_published_at is not None  # read before it is taken down
        retention.delete_now(item, None)  # pressed twice: deleted the first time, done
        return render_template("feedback/deleted.html", item=item, token=token,
                               example_taken_down=example)  # fmt: skip
    if item.purged_at is not None:
        return redirect(url_for("feedback.status", token=token), code=303)
    return _delete_page(item, token, None, 200)


def _delete_page(item: FeedbackItem, token: str, description: str | None, status: int) -> Response:
    """The question before deleting the item's personal data, with a message over it."""
    return make_response(
        render_template("feedback/delete.html", item=item, token=token, description=description),
        status,
    )


def _delete_again(message: str, status: int) -> ResponseReturnValue:
    """The question before deleting again, saying why nothing was deleted (an error
    handler's answer to the deletion's POST)."""
    token = (request.view_args or {}).get("token", "")
    item = queries.by_token(token)
    if item is None:
        return handle_http_error(NotFound())
    return _delete_page(item, token, message, status)


def _status_page(
    item: FeedbackItem,
    token: str,
    errors: dict,
    text: str,
    description: str | None,
    status_code: int,
) -> Response:
    """The status page (never indexed or named in a Referer, and stored by no cache but,
    when it answers a post, the browser's, for Back: `status` is private)."""
    return make_response(
        render_template(
            "feedback/status.html", item=item, token=token, shown=_shown(item), errors=errors,
            text=text, description=description, body_length=BODY_LENGTH,
            takes_follow_up=queries.takes_messages(item, from_resident=True),
        ), status_code,
    )  # fmt: skip


def _follow_up(item: FeedbackItem) -> tuple[dict, str, str | None, int]:
    """Check and add a follow-up: (errors, the text, a message, the status code)."""
    raw = request.form.get("body", "").translate(BIDI_CONTROLS)
    label = _("补充内容")
    if not queries.takes_messages(item, from_resident=True):
        return {}, raw, _no_follow_up(item), 400
    try:
        text = clean_text(raw, label).strip()
    except ValueError as error:
        return {"body": str(error)}, raw, None, 400
    if not text:
        return {"body": _("请填写补充内容。")}, text, None, 400
    if len(text) > BODY_LENGTH:
        message = _(
            "补充内容最多 %(n)s 个字，现在有 %(count)s 个字。",
            n=Number(BODY_LENGTH),
            count=Number(len(text)),
        )
        return {"body": message}, text, None, 400
    wait = throttle.reserve(throttle.address_hash())
    if wait:
        message = ngettext(
            "这段时间收到的提交太多了。请 %(num)d 分钟后再提交；您写的内容还在下面。",
            "这段时间收到的提交太多了。请 %(num)d 分钟后再提交；您写的内容还在下面。",
            wait,
        )
        return {}, text, message, 429
    try:
        operations.add_follow_up(item, text)
    except queries.NoLongerTaken:  # closed or purged since the page was loaded
        return {}, text, _no_follow_up(item), 409
    return {}, text, None, 303


def _no_follow_up(item: FeedbackItem) -> str:
    """Why the item takes no follow-up (the status page shows the text sent, to copy)."""
    if item.purged_at is not None:
        return _("这一条的内容已经删除，这件事也已经关闭，不能再补充。有新的问题，请重新提问。")
    return _("这件事已经办结，不能再补充。有新的问题，请重新提问。")


def _shown(item: FeedbackItem) -> dict:
    """What the status page shows: the item the work goes on in (the one a duplicate was
    merged into) and its public messages, the resident's follow-ups and staff's replies."""
    home = item.merged_into or item
    messages = [m for m in item.messages if m.kind in (FOLLOW_UP, REPLY)]
    if home is not item:
        messages += [m for m in home.messages if m.kind == REPLY]
    return {"home": home, "messages": sorted(messages, key=lambda m: (m.created_at, m.id))}


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error: RequestEntityTooLarge) -> ResponseReturnValue:
    """A body larger than the site takes: say so plainly, nothing was saved."""
    page = render_template(
        "feedback/too_large.html", limit=BODY_LENGTH, photos=request.endpoint == "feedback.barrier",
        photo_count=photos.MAX_PHOTOS, photo_mb=photos.MAX_BYTES // MB,
    )  # fmt: skip
    return page, 413


@bp.errorhandler(CSRFError)
def expired(error: CSRFError) -> ResponseReturnValue:
    """A form whose page was open too long (or whose cookie was lost): show it again with
    all that was typed and a fresh token, rather than lose the resident's text."""
    if display.taken_here():  # 大字版 or English: nothing was to be saved
        return _shown_again(None, 200)
    if request.endpoint == "feedback.delete_data":
        return _delete_again(explain_expired(str(NOT_DELETED_EXPIRED)), 400)
    if request.endpoint == "feedback.forget_sent":
        # The session the token belonged to has ended: the sent page says what this
        # browser still holds, and offers the button again (with a token that works).
        return redirect(url_for("feedback.sent"), code=303)
    if request.content_length and not request.form and not request.files:
        # A body the form parser could not read (cut short, a file name that is not UTF-8):
        # it drops the whole form, token and text, so nothing can be shown again.
        return _shown_again(
            _("您提交的内容没能读出来，所以没有保存。请再填写一次，然后提交。"), 400
        )
    message = _("这个页面打开太久，已经失效，所以没有保存。您写的内容还在下面，请再提交一次。")
    return _shown_again(explain_expired(message), 400)


def refused(error: Exception) -> ResponseReturnValue:
    """The database refused to save (disk full, read-only): a form is shown again with all
    that was typed (503); anything else gets the site's own answer."""
    if request.view_args is None:
        return handle_database_error(error)
    if request.endpoint == "feedback.delete_data":  # nothing typed: the question again
        return refused_form(error, lambda: _delete_again(str(NOT_DELETED), 503), list)
    return refused_form(error, lambda: _shown_again(str(NOT_RECEIVED), 503), _typed)


# Why the deletion of a resident's data did not happen: the page was open too long, or the
# database refused to write.
NOT_DELETED_EXPIRED = _l("这个页面打开太久，已经失效，所以还没有删除。请再按一次“删除”。")
NOT_DELETED = _l("网站暂时无法写入数据，所以还没有删除。请过几分钟再按一次“删除”。")

# The kinds of field a resident types into, whose text a page must never lose.
TYPED = ("text", "textarea", "email", "tel")


def _typed() -> list[tuple[str, str]]:
    """What the resident typed into the posted form, by its label, for them to copy."""
    kind = _form_kind()
    fields = [(_("补充内容"), "body")] if kind is None else [
        (str(f.label), f.name) for f in FORMS[kind].fields if f.type in TYPED
    ]  # fmt: skip
    typed = [(label, request.form.get(name, "").strip()) for label, name in fields]
    return [(label, text) for label, text in typed if text]


for _refusal in WRITE_REFUSED:
    bp.register_error_handler(_refusal, refused)


def _shown_again(message: str | None, status: int) -> ResponseReturnValue:
    """The posted form, or the status page with its follow-up, again with what was typed
    and `message`. (In an error handler: an abort here would be an error page.)"""
    kind = _form_kind()
    if kind is None:  # the follow-up on the status page
        token = (request.view_args or {}).get("token", "")
        item = queries.by_token(token)
        if item is None:
            return handle_http_error(NotFound())
        text = request.form.get("body", "")
        return _status_page(item, token, {}, text, message, status)
    form = FORMS[kind]
    values, _errors = read(form)
    return _form(form, values, description=message, status=status)
