"""Email alerts for notices: the form to ask for them, the page that says to check the
inbox, and the pages a subscriber's links open (confirm, change, cancel). The cancel
address also takes the one-click POST of mail programs (RFC 8058), without a CSRF token:
the token in the address is the proof.

Only an email address and the chosen alerts are kept; never in a log line or a URL but the
subscriber's own links.
"""

from typing import Any

from flask import Blueprint, Response, make_response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf.csrf import CSRFError
from werkzeug.datastructures import MultiDict

from .. import display
from ..database import WRITE_REFUSED
from ..errors import NOT_RECEIVED, explain_expired, roll_back_refused
from ..feedback import throttle
from ..feedback.spec import topics, townships
from ..i18n import is_english
from ..kinds import choices
from ..mail.addresses import email_problem, typed_address
from ..mail.outbox import configured
from ..query_args import clean_line
from ..security import READS, private_route
from ..staff import csrf
from ..updates.models import NEWS, NOTICE
from . import operations
from .models import AlertSubscription

bp = Blueprint("alerts", __name__, url_prefix="/alerts")
bp.add_app_template_global(operations.UNCONFIRMED_DAYS, "unconfirmed_days")  # type: ignore[arg-type]
bp.add_app_template_global(operations.cancellation_kept_days)
KINDS = choices({NOTICE: _l("通知公告"), NEWS: _l("工作动态")})
# What each group of choices is called where a subscription or an error names it.
CHOICE_NAMES = {"kinds": _l("更新的类别"), "topics": _l("方面"), "townships": _l("镇街")}
bp.add_app_template_global(CHOICE_NAMES, "alert_choice_names")  # type: ignore[arg-type]
EXPIRED = _l("这个页面打开太久，已经失效，所以没有保存。您填的内容还在下面，请再提交一次。")
EXPIRED_CONFIRM = _l("这个页面打开太久，已经失效，所以还没有确认。请再按一次“确认订阅”。")
# The way to follow updates without the form (and so without the site's cookie).
WITHOUT_FORM = _l("也可以不留邮箱，用 RSS/Atom 阅读器订阅本站的更新。")


def options() -> dict:
    """What can be chosen: {field: {code: label}}."""
    return {"kinds": KINDS(), "topics": _without_other(topics()), "townships": townships()}


def _without_other(found: dict) -> dict:
    return {key: label for key, label in found.items() if key != "other"}


def read_choices(form: MultiDict[str, str]) -> tuple[dict, dict]:
    """The chosen alerts from a form, and errors by field (a box nobody offered is refused:
    it came from a changed page)."""
    chosen, errors = {}, {}
    for name, allowed in options().items():
        values = list(dict.fromkeys(form.getlist(name)))[: len(allowed)]
        if any(value not in allowed for value in values):
            errors[name] = _("请从列出的选项中选择“%(label)s”。", label=CHOICE_NAMES[name])
        chosen[name] = [value for value in allowed if value in values]
    if not chosen["kinds"] and "kinds" not in errors:
        errors["kinds"] = _("请至少选择一类：通知公告或工作动态。")
    return chosen, errors


@bp.route("/", methods=["GET", "POST"])
def index() -> ResponseReturnValue:
    """Ask for alerts: an address and what to be told about; a confirmation link follows."""
    if not configured():
        return render_template("alerts/off.html")
    return _subscribe()


def _subscribe(description: str | None = None, status: int = 200) -> ResponseReturnValue:
    """The form (GET), or its submission: on to "check your inbox", or shown again with
    what was typed and chosen. With a `description` (the page had expired), only shown
    again."""
    values: dict[str, Any] = {"email": "", "kinds": [NOTICE], "topics": [], "townships": []}
    errors: dict = {}
    headers: dict = {}
    if request.method == "POST":
        values, errors = read_choices(request.form)
        values["email"], email_error = _read_email(request.form.get("email", ""))
        if email_error:
            errors = {"email": email_error, **errors}
        if description is not None or display.taken_here():
            errors = {}  # the page again (expired, another display mode or language)
        elif errors:
            status = 400
        else:
            try:
                # Counted apart from residents' messages (their own keys and ceiling).
                wait = throttle.reserve(throttle.address_hash(throttle.ALERTS), throttle.ALERTS)
                if not wait:
                    language = "en" if is_english() else "zh"
                    # Sends nothing to an address mailed enough today; the same page anyway.
                    operations.subscribe(values["email"], language, values)
                    return redirect(url_for("alerts.check_email"), code=303)
                description = ngettext(
                    "这段时间收到的提交太多了。请 %(num)d 分钟后再提交。",
                    "这段时间收到的提交太多了。请 %(num)d 分钟后再提交。",
                    wait,
                )
                status = 429
            except WRITE_REFUSED as error:
                headers = roll_back_refused(error)
                description, status = NOT_RECEIVED, 503
    page = render_template(
        "alerts/subscribe.html", values=values, errors=errors, options=options(),
        description=description,
    )  # fmt: skip
    return page, status, headers


def _read_email(raw: str) -> tuple[str, str | None]:
    """The address in the form it is checked, kept and shown again in (full-width
    characters as ASCII, see `typed_address`), and what is wrong with it."""
    try:
        email = typed_address(clean_line(raw, _("电子邮箱")))
    except ValueError as error:
        return raw, str(error)
    if not email:
        return email, _("请填写电子邮箱。")
    return email, email_problem(email)


@bp.get("/check-email")
def check_email() -> str:
    """The same answer for every address: look for our message (opened while the site sends
    no email, which is the form's page, nothing was sent)."""
    if not configured():
        return render_template("alerts/off.html")
    return render_template("alerts/check_email.html")


def _unknown() -> Response:
    """A link that leads nowhere: cancelled already, or not copied whole."""
    return make_response(render_template("alerts/unknown.html"), 404)


@bp.route("/confirm/<token>", methods=["GET", "POST"])
@private_route()
def confirm(token: str) -> ResponseReturnValue:
    """The confirmation link: a button confirms (a mail scanner that opens links does not)."""
    subscription = operations.by_token(token)
    if subscription is None:
        return _unknown()
    if request.method == "POST" or subscription.confirmed_at is not None:
        operations.confirm(subscription)
        return redirect(url_for("alerts.manage", token=token, confirmed=1), code=303)
    return _confirm_page(subscription, token)


def _confirm_page(
    subscription: AlertSubscription, token: str, description: str | None = None, status: int = 200
) -> Response:
    """The confirmation page of `subscription`, with a message over it when there is one."""
    page = render_template(
        "alerts/confirm.html", subscription=subscription, token=token, options=options(),
        description=description,
    )  # fmt: skip
    return make_response(page, status)


@bp.route("/manage/<token>", methods=["GET", "POST"])
@private_route()
def manage(token: str) -> ResponseReturnValue:
    """A subscriber's alerts: change what they are told about, or cancel."""
    return _manage(token)


def _manage(token: str, description: str | None = None, status: int = 200) -> ResponseReturnValue:
    """The subscriber's page, or the change it posts; with a `description` (the page had
    expired), or sent by the header's 大字版 or language button (`display.taken_here`), the
    choices posted shown again, unsaved: the resident has not asked to save them yet."""
    subscription = operations.by_token(token)
    if subscription is None:
        return _unknown()
    values = {
        "kinds": subscription.kinds,
        "topics": subscription.topics,
        "townships": subscription.townships,
    }
    errors: dict = {}
    headers: dict = {}
    if request.method == "POST":
        values, errors = read_choices(request.form)
        if description is not None or display.taken_here():
            errors = {}  # the page again (expired, another display mode or language)
        elif errors:
            status = 400
        else:
            try:
                operations.change(subscription, values)
                return redirect(url_for("alerts.manage", token=token, saved=1), code=303)
            except WRITE_REFUSED as error:
                headers = roll_back_refused(error)
                description, status = NOT_RECEIVED, 503
    done = request.method in READS  # the page after a change; never one with a problem
    page = render_template(
        "alerts/manage.html", subscription=subscription, token=token, values=values,
        errors=errors, options=options(), description=description,
        confirmed=done and request.args.get("confirmed") == "1",
        saved=done and request.args.get("saved") == "1",
    )  # fmt: skip
    response = make_response(page, status)
    response.headers.update(headers)
    return response


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt
@private_route()
def unsubscribe(token: str) -> Response:
    """Cancel: a button on the page, or a mail program's one-click POST."""
    subscription = operations.by_token(token)
    if subscription is None:
        return _unknown()
    if request.method == "POST":
        operations.cancel(subscription)
        return make_response(render_template("alerts/cancelled.html"))
    return make_response(render_template("alerts/unsubscribe.html", token=token))


@bp.errorhandler(CSRFError)
def expired(_error: CSRFError) -> ResponseReturnValue:
    """A form whose page was open too long (or whose cookie was lost): shown again with
    what was typed and chosen and a fresh token, saying nothing was saved (and why, when
    the browser keeps no cookie of the site)."""
    if request.endpoint == "alerts.index":
        if not configured():  # a form left open from before mail was turned off
            return index()
        if display.taken_here():  # 大字版 or English: nothing was to be saved
            return _subscribe()
        return _subscribe(_explained(str(EXPIRED)), 400)
    token = (request.view_args or {}).get("token", "")
    if request.endpoint == "alerts.manage":
        if display.taken_here():  # 大字版 or English: nothing was to be saved
            return _manage(token)
        return _manage(token, _explained(str(EXPIRED)), 400)
    subscription = operations.by_token(token)
    if request.endpoint == "alerts.confirm" and subscription is not None:
        return _confirm_page(subscription, token, _explained(str(EXPIRED_CONFIRM)), 400)
    return _unknown()


def _explained(message: str) -> str:
    """The expired page's `message`, with why and the other way when no cookie came."""
    return explain_expired(message, str(WITHOUT_FORM))
