"""The inbox's figures and examples: its counts as CSV for staff (no resident's words, no
contact details), and the examples staff write and publish on the public page "what you
told us and what we did" (feedback/statistics_views.py).

An example is written by staff, never copied from the resident, and publishing it puts it
on a public page, so it needs a publisher. Like the other actions on an item, it carries
the version the page was loaded at: a stale one is refused and the typed text shown again.
"""

from flask import Response, current_app, g, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import func

from ...database import commit_if_possible, db, posted_version, utcnow
from ...feedback import statistics
from ...feedback.models import ANSWERED, CLOSED, FOLLOW_UP, FeedbackItem
from ...feedback.names import kind_name, state_name
from ...feedback.queries import answer_days, today
from ...feedback.spec import BIDI_CONTROLS
from ...i18n import Number, localized
from ...query_args import clean_text
from ...tabular import csv_text, spreadsheet_cell
from ..accounts.sessions import require
from ..models import EDITOR, PUBLISHER
from . import drafts
from .operations import PUBLIC, _claim, _done
from .views import _back, _page, bp, item_or_404

# The example's fields, with the most characters each may have (English takes more).
EXAMPLE_FIELDS = {"example": 300, "example_en": 600}


@bp.get("/counts.csv")
@require(EDITOR)
def counts_csv() -> Response:
    """The last 12 months' counts by month, kind, township and state, with the answer
    times of each, as CSV (the same figures as the public page, in more detail)."""
    months = statistics.month_starts(today())
    places = statistics.townships()
    names = {place.id: localized(place, "name")[0] or "" for place in places}
    # Due and on time only against an answer time the federation published.
    timed = answer_days() is not None
    header = [_("月份"), _("类型"), _("镇街"), _("状态"), _("来信数"), _("已答复"),
              *([_("到期"), _("按期答复")] if timed else []),
              _("首次答复用时中位数（工作日）")]  # fmt: skip
    rows = [_csv_row(detail, names, timed) for detail in statistics.detailed(months, places)]
    body = csv_text(header, [[spreadsheet_cell(value) for value in row] for row in rows])
    response = current_app.response_class(body.encode("utf-8"), mimetype="text/csv")
    filename = f"feedback-counts-{months[0]:%Y-%m}-to-{months[-1]:%Y-%m}.csv"
    response.headers.set("Content-Disposition", "attachment", filename=filename)
    return response


def _csv_row(detail: statistics.Detail, names: dict[int | None, str], timed: bool) -> list:
    """One group's row: month, kind, township, state, then the counts and answer times (how
    many were due and answered on time only when `timed`: an answer time is set)."""
    group, timing = detail.group, detail.timing
    where = names.get(group.township_id, _("没有注明镇街"))
    what = [f"{group.month:%Y-%m}", kind_name(group.kind), where, state_name(group.state)]
    due = [timing.due, timing.on_time] if timed else []
    return what + [group.items, timing.answered, *due, timing.median_days]


@bp.app_template_global()
def example_length(field: str) -> int:
    """The most characters an example's field may have (for the form's hints)."""
    return EXAMPLE_FIELDS[field]


def example_labels() -> dict[str, str]:
    """The example's fields' labels, by field."""
    return {"example": _("例子（中文）"), "example_en": _("例子（英文，可以不填）")}


def _read_example(item: FeedbackItem) -> tuple[dict, dict]:
    """The example's texts as typed (for showing again) and the problems, by field."""
    typed, errors = {}, {}
    for name, label in example_labels().items():
        raw = request.form.get(name, "").translate(BIDI_CONTROLS)
        try:
            typed[name] = text = clean_text(raw, label).strip()
        except ValueError as error:
            typed[name], errors[name] = raw, str(error)
            continue
        if name == "example" and not text:
            errors[name] = _("请用中文写这个例子。")
        elif len(text) > EXAMPLE_FIELDS[name]:
            errors[name] = _("“%(label)s”最多 %(n)s 个字，现在有 %(count)s 个字。", label=label,
                             n=Number(EXAMPLE_FIELDS[name]), count=Number(len(text)))  # fmt: skip
    refusal = example_refusal(item)
    if refusal is not None:
        errors = {"example": refusal}
    return typed, errors


@bp.app_template_global()
def example_refusal(item: FeedbackItem) -> str | None:
    """Why no example of the item can be published now (None when one can): merged into
    another item, or waiting for an answer again. The one rule the post checks and the page
    follows: where it refuses, the page shows no form but the text typed, to copy
    (staff/inbox/_example.html)."""
    if item.merged_into is not None:
        return _("这一条已合并到 %(reference)s，请在那一条上写例子。",
                 reference=item.merged_into.reference)  # fmt: skip
    if item.state in (ANSWERED, CLOSED):
        return None
    if item.answered_at is not None and _newest_public_is_follow_up(item):
        return _("答复以后，居民又补充了内容，这一条重新变成了“%(state)s”，所以例子没有公开。"
                 "再答复或关闭以后，才能把这一条公开为例子。",
                 state=state_name(item.state))  # fmt: skip
    return _("答复或关闭以后，才能把这一条公开为例子。")


def _newest_public_is_follow_up(item: FeedbackItem) -> bool:
    """True when the item's newest public message is the resident's follow-up (which opens
    an answered item again, feedback/operations.py `add_follow_up`)."""
    public = [message for message in item.messages if message.kind in PUBLIC]
    return bool(public) and max(public, key=lambda m: m.id).kind == FOLLOW_UP


@bp.post("/<int:item_id>/example")
@require(PUBLISHER, keep=drafts.keep_lapsed)
def example(item_id: int) -> ResponseReturnValue:
    """Publish the item's example (or its new text) on the public page, or take it down."""
    row = item_or_404(item_id)
    if row.purged_at is not None:
        # Its example went with the resident's data (retention.py `_take_down_examples`);
        # one written now would tell a case they had deleted, and so would a kept draft.
        commit_if_possible(
            "the draft of a deleted item's example",
            lambda: drafts.forget(g.staff.id, row.id, "example"),
        )
        return _page(
            row,
            status=409,
            description=_(
                "这一条的个人信息已经删除，它的例子也随之撤下、删除了，不能再公开例子。没有保存。"
            ),
        )
    if request.form.get("action") == "unpublish":
        drafts.forget(g.staff.id, row.id, "example")  # written with the take-down
        if not unpublish_example(row, posted_version()):
            return _stale(row)
        return _back(row, _("例子已撤下，一分钟内公开页面上就不再显示。"))
    typed, errors = _read_example(row)
    if errors:
        return _page(row, errors, typed, status=400)
    drafts.forget(g.staff.id, row.id, "example")  # written with the example, or rolled back
    if not publish_example(row, typed["example"], typed["example_en"], posted_version()):
        return _stale(row)
    return _back(row, _("例子已公开，一分钟内会出现在“你们反映的问题和我们的处理”页面上。"))


def _stale(row: FeedbackItem) -> tuple[str, int]:
    """The item changed since the page was loaded: nothing was written; show it as it is
    now, with the example's text as typed."""
    db.session.refresh(row)
    typed = {name: request.form.get(name, "") for name in EXAMPLE_FIELDS}
    return _page(
        row, typed=typed, status=409,
        description=_("您打开这个页面以后，别人已经改过这一条，所以例子没有保存。"
                      "您写的内容还在下面；请看过现在的情况后再提交一次。"),
    )  # fmt: skip


def publish_example(item: FeedbackItem, text: str, text_en: str, base_version: int | None) -> bool:
    """Show `text` (and `text_en` on the English site, if any) on the public page; it keeps
    the time it was first published. False, and nothing written, when the item changed
    since `base_version`."""
    published_at = func.coalesce(FeedbackItem.example_published_at, utcnow())
    return _change_example(
        item, base_version, "inbox-example-publish",
        example_text=text, example_text_en=text_en or None, example_published_at=published_at,
    )  # fmt: skip


def unpublish_example(item: FeedbackItem, base_version: int | None) -> bool:
    """Take the example off the public page (its text stays, to publish again); False when
    the item changed since `base_version`."""
    return _change_example(item, base_version, "inbox-example-unpublish", example_published_at=None)


def _change_example(
    item: FeedbackItem, base_version: int | None, action: str, **values: object
) -> bool:
    """Write `values` if the item is still at `base_version`, audited as `action`."""
    if not _claim(item, base_version, **values):
        db.session.rollback()
        return False
    _done(item, action)
    return True
