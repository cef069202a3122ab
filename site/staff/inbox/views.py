"""/staff/inbox: what residents sent, with filters and counts; one item with its messages
and photos, and the forms that change it. Contact details are shown only to the item's
assignee and to administrators; photos, like the text, to everyone who reads the inbox. So
who may choose the assignee is limited (`may_assign_to`), as the form's privacy notice says."""

from collections.abc import Iterable

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy import Select, func, select
from sqlalchemy.orm import InstrumentedAttribute, selectinload

from ... import display
from ...database import WRITE_REFUSED, db, posted_version, row_id
from ...errors import refused_form
from ...facilities.models import Facility, Township
from ...feedback import photos, throttle
from ...feedback import queries as feedback_queries
from ...feedback.models import KINDS, STATES, FeedbackItem
from ...feedback.names import kind_name, state_name
from ...feedback.spec import BIDI_CONTROLS, landline_number
from ...i18n import Number
from ...query_args import QueryArgs, clean_text, filtered_page, read_page_number
from .. import text_boxes, typed_texts
from ..accounts.sessions import require
from ..models import ADMIN, EDITOR, AuditEntry, StaffUser
from . import drafts, operations, retention

bp = Blueprint("inbox", __name__, url_prefix="/staff/inbox")
PER_PAGE = 50
MESSAGE_LENGTH = 5000
NOBODY, ME = "none", "me"


def colleagues() -> list[StaffUser]:
    """Every active account, by name: who an item can be given to."""
    return list(
        db.session.scalars(
            select(StaffUser).where(StaffUser.active.is_(True)).order_by(StaffUser.display_name)
        )
    )


def filter_choices() -> dict:
    """The choices of each filter of the list, by code."""
    townships = db.session.scalars(select(Township).order_by(Township.position))
    places = db.session.scalars(select(Facility).order_by(Facility.position))
    people = {str(u.id): u.display_name for u in colleagues()}
    return {
        "kind": {kind: kind_name(kind) for kind in KINDS},
        "state": {state: state_name(state) for state in STATES},
        "township": {t.slug: t.name for t in townships},
        "place": {f.slug: f.name for f in places},
        "assignee": {ME: _("我负责的"), NOBODY: _("还没有负责人"), **people},
    }


@bp.get("/")
@require(EDITOR)
def items() -> ResponseReturnValue:
    """The list, filtered by kind, state, township, place, assignee, overdue and soon to
    lose its personal data for its age."""
    args = QueryArgs(request.args)
    choices = filter_choices()
    labels = {"kind": _("类型"), "state": _("状态"), "township": _("镇街"), "place": _("场所"),
              "assignee": _("负责人")}  # fmt: skip
    chosen: dict[str, str | bool | None] = {
        name: args.choice(name, choices[name], labels[name], f"filter-{name}") for name in labels
    }
    # Nothing is overdue while no answer time is set: the list offers no such filter then.
    chosen["overdue"] = feedback_queries.answer_days() is not None and args.flag(
        "overdue", "1", _("只看已超期未答复的"), "filter-overdue"
    )
    chosen["purge_soon"] = args.flag(
        "purge_soon", "1", _("只看没有办结、快要按保存期限删除的"), "filter-purge-soon"
    )
    query = _filtered(select(FeedbackItem), chosen)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    page = read_page_number(request.args.get("page"))
    rows = db.session.scalars(
        query.options(selectinload(FeedbackItem.facility), selectinload(FeedbackItem.township),
                      selectinload(FeedbackItem.assignee))
        .order_by(FeedbackItem.id.desc()).offset((page - 1) * PER_PAGE).limit(PER_PAGE)
    ).all()  # fmt: skip
    body = render_template(
        "staff/inbox/items.html", rows=rows, total=total, page=page, per_page=PER_PAGE,
        choices=choices, chosen=chosen, problems=args.problems, counts=_counts(),
        is_overdue=feedback_queries.is_overdue, on_request=deleted_on_request(rows),
    )  # fmt: skip
    return filtered_page(body, args.problems)


def _filtered(query: Select[FeedbackItem], chosen: dict) -> Select[FeedbackItem]:
    """The list's query with the chosen filters."""
    if chosen["kind"]:
        query = query.where(FeedbackItem.kind == chosen["kind"])
    if chosen["state"]:
        query = query.where(FeedbackItem.state == chosen["state"])
    if chosen["township"]:
        query = query.join(Township, FeedbackItem.township).where(
            Township.slug == chosen["township"]
        )
    if chosen["place"]:
        query = query.join(Facility, FeedbackItem.facility).where(Facility.slug == chosen["place"])
    if chosen["assignee"] == ME:
        query = query.where(FeedbackItem.assignee_id == g.staff.id)
    elif chosen["assignee"] == NOBODY:
        query = query.where(FeedbackItem.assignee_id.is_(None))
    elif chosen["assignee"]:
        query = query.where(FeedbackItem.assignee_id == int(chosen["assignee"]))
    if chosen["overdue"]:
        query = query.where(feedback_queries.overdue_condition())
    if chosen["purge_soon"]:
        query = query.where(retention.purge_soon_condition())
    return query


def _counts() -> dict:
    """How many items are of each kind and in each state, how many are overdue, how many
    not closed lose their personal data soon, and the whole site's figure when it is over
    its alarm level."""

    def by(column: InstrumentedAttribute[str]) -> dict:
        """How many items have each value of `column`."""
        return dict(db.session.execute(select(column, func.count()).group_by(column)).all())

    kinds, states = by(FeedbackItem.kind), by(FeedbackItem.state)
    return {
        "kinds": {k: kinds.get(k, 0) for k in KINDS},
        "states": {s: states.get(s, 0) for s in STATES},
        "overdue": feedback_queries.overdue_count(),
        "flood": throttle.alarm(),
        "purge_soon": retention.purge_soon_count(),
    }


def item_or_404(item_id: int) -> FeedbackItem:
    """The inbox item `item_id`, or 404."""
    return db.get_or_404(FeedbackItem, item_id)


def may_see_contact(item: FeedbackItem) -> bool:
    """Contact details are for the item's assignee and administrators only."""
    return g.staff.can(ADMIN) or item.assignee_id == g.staff.id


def reached_by_landline(row: FeedbackItem) -> bool:
    """True when the item's phone number is a landline and this member of staff may see
    it. Told to anyone else, the kind of number would give away part of what is hidden from
    them (a landline has an area code, a mobile 11 digits), so they are told nothing."""
    return may_see_contact(row) and landline_number(row.contact_phone or "") is not None


# Whom the member of staff may give an item to (`may_assign_to`).
TO_ANYONE, TO_ME, TO_NOBODY = "anyone", "me", "nobody"


def may_assign_to(item: FeedbackItem) -> str:
    """The one rule of who may give an item to whom, since the assignee sees the contact
    details: an administrator may give it to anyone or nobody (take it from a colleague),
    and so may its assignee (hand it to a colleague, or give it up): TO_ANYONE; an editor
    may take an item nobody has, for themselves: TO_ME; nobody else may change it:
    TO_NOBODY. The item's page offers the form it allows, and `may_assign` checks a post."""
    if g.staff.can(ADMIN) or item.assignee_id == g.staff.id:
        return TO_ANYONE
    return TO_ME if item.assignee_id is None else TO_NOBODY


def may_assign(item: FeedbackItem, user: StaffUser | None) -> bool:
    """True when this member of staff may give the item to `user` (None: nobody), by
    `may_assign_to`."""
    allowed = may_assign_to(item)
    is_me = user is not None and user.id == g.staff.id
    return allowed == TO_ANYONE or (allowed == TO_ME and is_me)


@bp.get("/<int:item_id>")
@require(EDITOR)
def item(item_id: int) -> tuple[str, int]:
    """One item: what the resident wrote, the messages, and the forms that change it; a
    reply or note kept when a session ended is back in its form."""
    row = item_or_404(item_id)
    kept = drafts.kept(g.staff.id, row.id)
    description = None
    if kept:
        description = _("您上次登录过期时写的内容已经放回下面的表单，还没有保存。请检查后再提交。")
    return _page(row, typed=kept, description=description, kept=bool(kept),
                 seen=drafts.reply_seen(g.staff.id, row.id))  # fmt: skip


@bp.post("/<int:item_id>")
@require(EDITOR, keep=drafts.keep_lapsed)
def shown_again(item_id: int) -> tuple[str, int]:
    """The item's page again with the reply form's text, nothing saved: without JavaScript
    the header's language button sends the reply form to the item's address in the other
    language (the page's `page_form`), as following a link would lose the text."""
    display.taken_here()  # the language is the address's; a mode, if one came, is switched
    return _again(item_or_404(item_id))


def _again(row: FeedbackItem) -> tuple[str, int]:
    """The item's page with what the posted form had typed, nothing checked or saved (see
    `shown_again`; the display toggles send the form to its own address)."""
    return _page(row, typed=_typed_back(), seen=_seen_back())


@bp.get("/<int:item_id>/photos/<int:photo_id>")
@require(EDITOR)
def photo(item_id: int, photo_id: int) -> Response:
    """One of the item's photos. Whoever reads the item needs them to judge the barrier,
    as they need the text; both may show where the resident was."""
    found = photos.of_item(item_or_404(item_id), photo_id)
    if found is None:
        abort(404)
    return photos.send(found)


@bp.get("/<int:item_id>/<action>")
@require(EDITOR)
def action_page(item_id: int, action: str) -> ResponseReturnValue:
    """An action's address opened as a page (after signing in again): the item."""
    return redirect(url_for("inbox.item", item_id=item_or_404(item_id).id))


def _page(row: FeedbackItem, errors: dict | None = None, typed: dict | None = None,
          description: str | None = None, status: int = 200,
          kept: bool = False, seen: int | None = None) -> tuple[str, int]:  # fmt: skip
    """The item's page, with the errors, the text typed and a message over it. The reply
    form carries `seen`, the newest message its writer was shown (`last_seen`): None when
    the text is not a refused reply's, for the newest message on this page."""
    merged_here = db.session.scalars(
        select(FeedbackItem).where(FeedbackItem.merged_into_id == row.id).order_by(FeedbackItem.id)
    ).all()
    return render_template(
        "staff/inbox/item.html", item=row, errors=errors or {}, typed=typed or {},
        description=description, colleagues=colleagues(), states=STATES,
        contact_visible=may_see_contact(row), merged_here=merged_here,
        landline=reached_by_landline(row),
        may_delete=may_see_contact(row) and row.purged_at is None,
        deleted_on_request=row.id in deleted_on_request([row]),
        assign_to=may_assign_to(row),
        overdue=feedback_queries.is_overdue(row), kept=kept,
        closed_for_age=feedback_queries.closed_for_age(row),
        purge_on=retention.purge_on(row) if retention.purge_soon(row) else None,
        merged_purge_on=[(other, retention.purge_on(other)) for other in merged_here
                         if retention.purge_soon(other)],
        last_message=newest_message(row) if seen is None else seen,
    ), status  # fmt: skip


def deleted_on_request(rows: Iterable[FeedbackItem]) -> set[int]:
    """The ids of those of `rows` whose personal data was deleted at its resident's request
    rather than when it was due: the item keeps no mark of why, the audit log does. The one
    rule every page that says why an item's data is gone asks (the item, the list, the
    merge question, a refused post), for a whole page of rows in one query."""
    purged = {row.reference: row.id for row in rows if row.purged_at is not None}
    if not purged:
        return set()
    keys = db.session.scalars(
        select(AuditEntry.key)
        .distinct()
        .where(
            AuditEntry.kind == operations.AUDIT_KIND,
            AuditEntry.key.in_(purged),
            AuditEntry.action.in_((retention.BY_RESIDENT, retention.ON_REQUEST)),
        )
    )
    return {purged[key] for key in keys}


def newest_message(row: FeedbackItem) -> int:
    """The id of the item's newest message of any kind (0: none yet): what a page that
    shows them all has shown."""
    return max((message.id for message in row.messages), default=0)


def last_seen() -> int:
    """The newest message the page of a posted reply had shown (its "last_message" field).
    A form without one (a page from before there was one) has seen none: every public
    message is news to it."""
    return row_id(request.form.get("last_message", "")) or 0


def _stale(row: FeedbackItem) -> tuple[str, int]:
    """A change from a page older than the item: nothing was written; say so, show now."""
    db.session.refresh(row)
    return _page(
        row, status=409,
        description=_("您打开这个页面以后，别人已经改过这一条（状态、负责人、答复、合并或公开的例子）。"
                      "您的修改没有保存。下面是现在的情况，请看过后再操作一次。"),
    )  # fmt: skip


def _back(row: FeedbackItem, message: str) -> ResponseReturnValue:
    """On to the item's page, with `message` flashed."""
    flash(message)
    return redirect(url_for("inbox.item", item_id=row.id), code=303)


@bp.post("/<int:item_id>/state")
@require(EDITOR)
def change_state(item_id: int) -> ResponseReturnValue:
    """Move the item to another state, if nobody changed it since the page was loaded."""
    row = item_or_404(item_id)
    state = request.form.get("state", "")
    if row.purged_at is not None:  # opened again, it would wait for an answer for ever
        return _page(row, status=409, description=purged(row))
    if state not in STATES:
        return _page(row, {"state": _("请选择一个状态。")}, status=400)
    if not operations.change_state(row, state, posted_version()):
        return _stale(row)
    return _back(row, _("状态已改为“%(state)s”。", state=state_name(state)))


@bp.post("/<int:item_id>/assign")
@require(EDITOR)
def assign(item_id: int) -> ResponseReturnValue:
    """Give the item to a colleague (or to nobody), if this member of staff may
    (`may_assign`). The check is of the item as it is now; the change is written only if
    it is still at the version the page was loaded at, so a colleague's change meanwhile is
    not undone."""
    row = item_or_404(item_id)
    raw = request.form.get("assignee", "")
    user = None
    if raw:
        user = next((u for u in colleagues() if str(u.id) == raw), None)
        if user is None:
            return _page(row, {"assignee": _("请从列出的同事中选择。")}, status=400)
    if not may_assign(row, user):
        return _page(row, {"assignee": _(
            "这一条已经有负责人，只有负责人本人和管理员能改。没有负责人的来信，您只能交给自己。"
        )}, status=403)  # fmt: skip
    if not operations.assign(row, user, posted_version()):
        return _stale(row)
    if user is None:
        return _back(row, _("已取消负责人。"))
    return _back(row, _("已交给 %(name)s 负责。", name=user.display_name))


def _text(key: str) -> tuple[str, str | None]:
    """The reply's or the note's text (`key`), and the problem with it."""
    label = str(LABELS[key])
    raw = _typed_back().get(key, "").translate(BIDI_CONTROLS)
    try:
        text = clean_text(raw, label).strip()
    except ValueError as error:
        return raw, str(error)
    if not text:
        return text, _("请填写“%(label)s”。", label=label)
    if len(text) > MESSAGE_LENGTH:
        return text, _("“%(label)s”最多 %(n)s 个字，现在有 %(count)s 个字。", label=label,
                       n=Number(MESSAGE_LENGTH), count=Number(len(text)))  # fmt: skip
    return text, None


# Why an item whose personal data was deleted takes no reply, note or change of state: a
# text added would be deleted at the next hourly purge. Which one `purged` says.
PURGED = _l(
    "这一条的内容已经按保存期限删除，这件事已经关闭，不能再答复、写备注或改状态："
    "新写的内容也会在下一次清理时删除。这次没有保存。"
)
PURGED_ON_REQUEST = _l(
    "这一条的内容已经按居民要求删除，这件事已经关闭，不能再答复、写备注或改状态："
    "新写的内容也会在下一次清理时删除。这次没有保存。"
)


def purged(row: FeedbackItem) -> str:
    """Why the item, whose personal data was deleted, took nothing: deleted at its
    resident's request or when it was due (`deleted_on_request`)."""
    return str(PURGED_ON_REQUEST if deleted_on_request([row]) else PURGED)


# The labels of the item page's text boxes (staff/inbox/item.html): an error, and the page
# that keeps a refused text, name a field as it is shown.
REPLY_LABEL = _l("答复居民")
NOTE_LABEL = _l("备注")


@bp.post("/<int:item_id>/reply")
@require(EDITOR, keep=drafts.keep_lapsed)
def reply(item_id: int) -> ResponseReturnValue:
    """A public reply: the resident reads it on the status page. The form carries the
    newest message its page showed; when a colleague's reply or the resident's follow-up
    came since, nothing is published and the question comes again with what came."""
    row = item_or_404(item_id)
    if display.taken_here():  # the header's buttons sent the form: show it again (`_again`)
        return _again(row)
    text, problem = _text("reply")
    typed = {**_typed_back(), "reply": text}  # the note typed beside it comes back too
    seen = last_seen()
    if not feedback_queries.takes_messages(row, from_resident=False):
        return _page(row, typed=typed, description=purged(row), status=409)
    if problem:
        return _page(row, {"reply": problem}, typed, status=400, seen=seen)
    answer = request.form.get("confirm")
    if answer == "edit":  # back from the question, to change the text
        return _page(row, typed=typed, seen=seen)
    if answer != "yes":
        # A reply cannot be taken back once the resident may have read (or been mailed)
        # it: show it as they will read it, and ask (WCAG 3.3.6).
        return _ask(row, text, seen)
    drafts.forget(g.staff.id, row.id, "reply")
    try:
        added = operations.add_reply(row, text, seen)
    except feedback_queries.NoLongerTaken:  # purged since the page was loaded
        return _page(row, typed=typed, description=purged(row), status=409)
    except operations.ArrivedSince:  # rolled back: the draft kept, nothing published
        return _ask(row, text, seen)
    if not added:  # sent twice: the first is published
        drafts.forget(g.staff.id, row.id, "reply")  # again: rolled back with the second
        db.session.commit()
        return _back(row, _("这条答复刚才已经发布过了，没有再发一次。"))
    return _back(row, _("答复已发布，居民在查询页面上能看到。"))


def _ask(row: FeedbackItem, text: str, seen: int) -> tuple[str, int]:
    """The question before a reply: the reply as the resident will read it. When public
    messages came after message `seen`, they come first, in full, under an error summary
    (409); the form then carries the newest of them, so the next answer publishes unless
    another comes meanwhile."""
    since = operations.public_since(row, seen)
    return render_template(
        "staff/inbox/reply_confirm.html", item=row, text=text, since=since,
        last_message=since[-1].id if since else seen,
    ), 409 if since else 200  # fmt: skip


@bp.post("/<int:item_id>/note")
@require(EDITOR, keep=drafts.keep_lapsed)
def note(item_id: int) -> ResponseReturnValue:
    """An internal note: only staff read it."""
    row = item_or_404(item_id)
    if display.taken_here():  # as for a reply: on the page a refused note answered
        return _again(row)
    text, problem = _text("note")
    typed = {**_typed_back(), "note": text}  # the reply typed beside it comes back too
    if not feedback_queries.takes_messages(row, from_resident=False):
        return _page(row, typed=typed, description=purged(row), status=409)
    if problem:
        return _page(row, {"note": problem}, typed, status=400, seen=_seen_back())
    drafts.forget(g.staff.id, row.id, "note")
    try:
        added = operations.add_note(row, text)
    except feedback_queries.NoLongerTaken:  # purged since the page was loaded
        return _page(row, typed=typed, description=purged(row), status=409)
    if not added:  # sent twice: the first is saved
        drafts.forget(g.staff.id, row.id, "note")  # again: rolled back with the second
        db.session.commit()
        return _back(row, _("这条备注刚才已经保存过了，没有再保存一次。"))
    return _back(row, _("备注已保存。"))


@bp.post("/<int:item_id>/merge")
@require(EDITOR)
def merge(item_id: int) -> ResponseReturnValue:
    """Merge a duplicate into another item, named by its reference."""
    row = item_or_404(item_id)
    if row.merged_into is not None:
        # Its page offers no merge (a form from before, or sent by hand): moving it would
        # move the resident's status page to another thread unasked.
        return _page(row, status=409, description=_(
            "这一条已经合并到 %(other)s，不能再合并到别处。", other=row.merged_into.reference
        ))  # fmt: skip
    raw = request.form.get("target", "").strip().upper()[:40]
    target = _by_reference(raw)
    problem = None
    if target is None:
        problem = (
            _("找不到编号 %(reference)s。编号的样子是 CP-2026-000123。", reference=raw)
            if raw
            else _("请填写要合并到的编号。")
        )
    elif target.id == row.id:
        problem = _("不能合并到自己。")
    elif target.purged_at is not None:  # closed, and takes no reply: nobody would answer
        problem = (
            _("%(reference)s 的内容已经按居民要求删除，不能再答复，不能合并到那一条。",
              reference=target.reference)
            if deleted_on_request([target])
            else _("%(reference)s 的内容已经按保存期限删除，不能再答复，不能合并到那一条。",
                   reference=target.reference)
        )  # fmt: skip
    elif target.merged_into is not None:
        problem = _("%(reference)s 已经合并到 %(other)s，请合并到 %(other)s。",
                    reference=target.reference, other=target.merged_into.reference)  # fmt: skip
    if problem or target is None:
        return _page(row, {"target": problem}, {"target": raw}, status=400)
    if request.form.get("confirm") != "yes":
        # A merge cannot be undone and a reference is easily mistyped: say which two items
        # and what happens, and ask (WCAG 3.3.4).
        return render_template("staff/inbox/merge.html", item=row, target=target,
                               version=request.form.get("version", ""),
                               on_request=deleted_on_request([row, target]))  # fmt: skip
    if not operations.merge(row, target, posted_version()):
        return _stale(row)
    return _back(row, _("已合并到 %(reference)s，这一条已关闭。", reference=target.reference))


@bp.post("/<int:item_id>/delete-data")
@require(EDITOR)
def delete_data(item_id: int) -> ResponseReturnValue:
    """Delete the resident's personal data now, at their request by phone, letter or in
    person (《个人信息保护法》第四十七条; on the status page they can do it themselves): for
    those who may see their contact details (`may_see_contact`), after a question that says
    what goes and what stays; then as the purge does (`retention.delete_now`), audited with
    this member of staff."""
    row = item_or_404(item_id)
    if not may_see_contact(row):
        return _page(row, status=403, description=str(NOT_YOURS_TO_DELETE))
    if row.purged_at is not None:
        return _back(row, _("这一条的个人信息已经删除了。"))
    if request.form.get("confirm") != "yes":
        # Nothing deleted can come back: say what goes and ask (WCAG 3.3.4).
        merged_here = db.session.scalars(
            select(FeedbackItem).where(FeedbackItem.merged_into_id == row.id)
        ).all()
        return render_template("staff/inbox/delete_data.html", item=row, merged_here=merged_here)
    retention.delete_now(row, g.staff)
    return _back(row, _("已删除这位居民在 %(reference)s 里的个人信息，这一条已关闭。",
                        reference=row.reference))  # fmt: skip


# Why a member of staff may not delete an item's personal data: only those who may see
# the resident's contact details, who can check who asked, may.
NOT_YOURS_TO_DELETE = _l(
    "只有这一条的负责人和管理员能删除居民的个人信息。请找负责人，或者请管理员处理。没有删除。"
)


def _by_reference(reference: str) -> FeedbackItem | None:
    """The item with a reference like CP-2026-000123 (or 2026-123), if any."""
    parts = reference.removeprefix("CP-").split("-")
    if len(parts) != 2 or not all(p.isascii() and p.isdigit() and 0 < len(p) < 10 for p in parts):
        return None
    year, sequence = int(parts[0]), int(parts[1])
    return db.session.scalar(
        select(FeedbackItem).where(FeedbackItem.year == year, FeedbackItem.sequence == sequence)
    )


@bp.errorhandler(CSRFError)
def expired(error: CSRFError) -> ResponseReturnValue:
    """A form of a signed-in member of staff refused for its token (the page was open
    longer than its session): show the item again with the text and a fresh token, rather
    than lose a reply. Anyone else gets the back office's own answer."""
    from .. import handle_csrf_error

    item = _posted_to()
    if g.get("staff") is None or item is None:
        return handle_csrf_error(error)
    message = _("这个页面已经失效，所以没有保存。您写的内容还在下面，请再提交一次。")
    return _page(item, typed=_typed_back(), description=message, status=400, seen=_seen_back())


def refused(error: Exception) -> ResponseReturnValue:
    """The database refused to write a reply, a note or a merge: show the item again with
    the text (503); when the item cannot be read, the text alone, to copy."""

    def item_page() -> tuple[str, int] | None:
        item = _posted_to() if g.get("staff") is not None else None
        if item is None:
            return None
        return _page(item, typed=_typed_back(), description=str(NOT_SAVED), status=503,
                     seen=_seen_back())  # fmt: skip

    return refused_form(error, item_page, typed_texts)  # the back office's one rule


for _refusal in WRITE_REFUSED:
    bp.register_error_handler(_refusal, refused)

# The item page's text boxes, by the page's key (`typed`), with their labels: a form
# refused or shown again names a text as its box does.
LABELS = {"reply": REPLY_LABEL, "note": NOTE_LABEL, "target": _l("合并到哪一条（编号）"),
          "example": _l("例子（中文）"), "example_en": _l("例子（英文，可以不填）")}  # fmt: skip
NOT_SAVED = _l("网站暂时无法写入数据，这次没有保存。您写的内容还在下面，请过几分钟再提交一次。")
# The reply's box and the note's are one form (staff/inbox/item.html), so that the header's
# buttons, which send one form, carry both: the reply is posted as "body", the note as "note".
REPLY_FIELD, NOTE_FIELD = "body", "note"


def posted_fields() -> dict[str, str]:
    """The texts the posted form carries: {the item page's key: the name it is posted
    under}. A note form from a page shown before the note joined the reply's form posts its
    note alone, as "body"."""
    action = posted_form()
    if action == "note" and NOTE_FIELD not in request.form:
        return {"note": REPLY_FIELD}
    if action in ("reply", "note"):
        return {"reply": REPLY_FIELD, "note": NOTE_FIELD}
    if action == "example":  # two boxes: the Chinese text and its English
        from .export import EXAMPLE_FIELDS

        return {name: name for name in EXAMPLE_FIELDS}
    return {"target": "target"} if action == "merge" else {}


@text_boxes("inbox.shown_again", "inbox.reply", "inbox.note", "inbox.merge", "inbox.example")
def typed_boxes() -> dict[str, object]:
    """The text boxes of the item page's form that was posted, by name, with their labels
    (a state or an assignee is no text)."""
    return {name: LABELS[key] for key, name in posted_fields().items()}


def _posted_to() -> FeedbackItem | None:
    """The item a form was posted to; None for one merged or deleted meanwhile, which has
    no page to show the text on (and an abort in an error handler would be an error page)."""
    item_id = (request.view_args or {}).get("item_id")
    return None if item_id is None else db.session.get(FeedbackItem, item_id)


def posted_form() -> str:
    """Which of the item page's forms was posted: the last part of its address, or the
    reply form at the item's own (`shown_again`). A form's kept text goes by it too
    (`drafts.keep_lapsed`)."""
    if request.endpoint == "inbox.shown_again":
        return "reply"
    return request.path.rstrip("/").rsplit("/", 1)[-1]


def _seen_back() -> int | None:
    """The newest message the page of a posted reply form had shown, for the page that
    shows its text again (None for any other form's)."""
    return last_seen() if "reply" in posted_fields() else None


def _typed_back() -> dict:
    """What the posted form had typed, by the item page's keys, to show it again."""
    return {key: request.form.get(name, "") for key, name in posted_fields().items()}
