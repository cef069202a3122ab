"""Back-office pages for accounts: sign in and out, the session, passwords, staff accounts,
the audit log. Every view names the role it needs; the server checks it on every request."""

import hashlib
import re
import unicodedata
from collections.abc import Mapping
from datetime import date
from typing import cast

from flask import Blueprint, abort, flash, g, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from htmx_flask import request
from sqlalchemy import CursorResult, String, func, select, update
from sqlalchemy.exc import IntegrityError

from ...database import WRITE_REFUSED, db, utcnow
from ...errors import handle_database_error, refused_form
from ...feedback.queries import DUPLICATE_WINDOW
from ...i18n import Number
from ...opening_hours import local_time
from ...query_args import Problem, QueryArgs, clean_line, filtered_page, read_page_number, xml_safe
from ...security import READS, client_network, safe_next
from .. import text_boxes, typed_texts
from ..models import ADMIN, EDITOR, PUBLISHER, RANK, ROLES, AuditEntry, Schedule, StaffUser
from . import passwords, sessions, throttle
from .audit import Shown, content_kinds, revision_by, shown, staff_label
from .audit import choices as audit_choices
from .audit import conditions as audit_conditions
from .audit import record as audit

bp = Blueprint("staff", __name__, url_prefix="/staff")
bp.add_app_template_global(staff_label, "staff_label")
bp.add_app_template_global(revision_by, "revision_by")


def _longest(column: str) -> int:
    """The most characters an account's text `column` holds (staff/models.py)."""
    length = cast(String, StaffUser.__table__.c[column].type).length
    assert length is not None, column
    return length


# The longest user name and display name an account may have: what their columns hold. A
# longer one is refused (`account_problems`), never cut.
MAX_NAME = _longest("username")
DISPLAY_NAME_LENGTH = _longest("display_name")
# The new-account form's text boxes, with their labels (staff/account_new.html). The other
# forms of these pages hold no text of their own: a choice, a password, hidden fields; the
# sign-in form's name box often holds a password typed in the wrong box.
NEW_ACCOUNT_BOXES = {"username": _l("用户名"), "display_name": _l("姓名")}


@text_boxes("staff.new_account")
def new_account_boxes() -> Mapping[str, object]:
    """The new-account form's text boxes, by name, with their labels."""
    return NEW_ACCOUNT_BOXES


def normal_username(typed: str) -> str:
    """The account name `typed` stands for, as accounts are stored and looked up: spaces
    around it trimmed, compatibility forms made plain (NFKC: full-width Ａｄｍ is Adm), then
    case folded, so that two accounts never differ only in how their names were typed."""
    return unicodedata.normalize("NFKC", typed).strip().casefold()


def role_names() -> dict[str, str]:
    """The roles' names, by role, in the page's language."""
    return {
        EDITOR: _("编辑（写草稿）"),
        PUBLISHER: _("发布人（发布和撤回）"),
        ADMIN: _("管理员（管理账号）"),
    }


def address() -> str:
    """The visitor's address as the sign-in limits keep it (security.client_network)."""
    return client_network()


@bp.get("/")
@sessions.require(EDITOR)
def dashboard() -> str:
    """The back office's home: what can be edited, the account's texts not saved yet, and
    recent activity."""
    from ..editing import autosaves
    from ..editing.forms import EDITABLE

    recent = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(10)
    everything = g.staff.role == ADMIN
    if not everything:
        # The audit log is for administrators: others see the work done on content here,
        # never who signed out, whose account changed or what happened to a resident's item.
        recent = recent.where(AuditEntry.kind.in_(content_kinds()))
    return render_template(
        "staff/dashboard.html",
        kinds=EDITABLE.values(),
        unsaved=autosaves.waiting(),
        recent=shown(list(db.session.scalars(recent))),
        everything=everything,
    )


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> ResponseReturnValue:
    """Sign in with account name and password; rate-limited, every attempt logged. A
    successful one names the browser as known to the account (`throttle.remember_browser`)."""
    next_url = safe_next(request.values.get("next")) if request.values.get("next") else None
    if g.staff is not None and request.method in READS:
        return redirect(next_url or url_for("staff.dashboard"))
    errors, username = {}, ""
    if request.method == "POST":
        username = request.form.get("username", "").strip()[:MAX_NAME]
        password = request.form.get("password", "")[: passwords.MAX_LENGTH + 1]
        if not username or not username.isprintable():  # no account's name holds a control
            errors["username"] = _("请输入用户名。")
        if not password:
            errors["password"] = _("请输入密码。")
        if not errors:
            user, message = _authenticate(normal_username(username)[:MAX_NAME], password)
            if user is not None:
                # A password an administrator set is changed before anything else is done.
                first = url_for("staff.change_password") if user.must_change_password else None
                response = redirect(first or next_url or url_for("staff.dashboard"), code=303)
                throttle.remember_browser(response, user)
                return response
            errors["password"] = message
    status = 400 if errors else 200
    return render_template(
        "staff/sign_in.html", errors=errors, username=username, next_url=next_url
    ), status


def _authenticate(username: str, password: str) -> tuple[StaffUser | None, str]:
    """Check the password unless the limits say wait; sign in on success.

    The attempt is reserved before the password is checked, under the limits of a known
    browser when this one is known to the account (see `throttle`). A disabled or unknown
    account is refused with the wrong password's message after the same hashing work, so
    neither the answer nor its time tells whether a password was right.
    """
    attempt, wait = throttle.reserve(username, address(), throttle.known_browser(username))
    if wait:
        db.session.commit()
        return None, ngettext(
            "登录尝试次数过多。为保护账号，请 %(num)d 分钟后再试；"
            "如果忘记了密码，请联系管理员重设。",
            "登录尝试次数过多。为保护账号，请 %(num)d 分钟后再试；"
            "如果忘记了密码，请联系管理员重设。",
            wait,
        )
    user = db.session.scalar(select(StaffUser).where(StaffUser.username == username))
    usable = user is not None and user.active
    hashed = user.password_hash if user is not None and usable else None
    # verify refuses a missing hash: past it, `user` is there.
    if not passwords.verify(hashed, password) or user is None:
        outcome = "wrong-password" if usable else "disabled" if user else "unknown-account"
        throttle.settle(attempt, outcome)
        db.session.commit()
        return None, _("用户名或密码不正确。请再试一次；如果忘记了密码，请联系管理员重设。")
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    throttle.settle(attempt, "signed-in")
    sessions.start(user)
    g.staff = user
    db.session.commit()
    return user, ""


@bp.post("/sign-out")
def sign_out() -> ResponseReturnValue:
    """End this session; the cookie no longer signs anyone in, even if copied. This
    browser forgets its session even when the database refuses to record the end (then
    `sessions.end_signed_out` keeps refusing it until the database takes the end)."""
    ended = True
    if g.staff_session is not None:
        ended = sessions.end_signed_out(g.staff_session, lambda: audit("sign-out"))
    sessions.forget()
    flash(_("您已退出登录。") if ended else _("您已在这个浏览器上退出登录。"))
    return redirect(url_for("staff.sign_in"), code=303)


@bp.route("/session", methods=["GET", "POST"])
@sessions.require(EDITOR)
def session_status() -> ResponseReturnValue:
    """Keep the session alive (POST), or show how long it has left (GET)."""
    if request.method == "POST":
        sessions.extend()
        if not request.htmx:
            flash(_("已延长登录时间。"))
            return redirect(safe_next(request.form.get("next")), code=303)
    return render_template("staff/_session.html")


@bp.route("/password", methods=["GET", "POST"])
@sessions.require(EDITOR)
def change_password() -> ResponseReturnValue:
    """Change one's own password; every other session of the account ends. A password an
    administrator set must be changed here before any other back-office page opens
    (`sessions.require`); the new one must differ from it."""
    errors = {}
    if request.method == "POST":
        current = request.form.get("current", "")[: passwords.MAX_LENGTH + 1]
        new = request.form.get("new", "")
        # Guessing the current password from a stolen session is limited like signing in
        # from a known browser (the session proved the password once): the account's own
        # limit, so colleagues' failures on a shared address do not keep a member of staff
        # from changing a password, nor from the first one after an administrator's reset.
        attempt, wait = throttle.reserve(g.staff.username, address(), known=True)
        if wait:
            errors["current"] = ngettext(
                "尝试次数过多。请 %(num)d 分钟后再试。",
                "尝试次数过多。请 %(num)d 分钟后再试。",
                wait,
            )
        elif not passwords.verify(g.staff.password_hash, current):
            throttle.settle(attempt, "wrong-password")
            errors["current"] = _("当前密码不正确。")
        else:
            throttle.settle(attempt, "password-confirmed")
        db.session.commit()
        problem = passwords.problem(new, g.staff.username)
        if problem:
            errors["new"] = problem
        elif not errors and passwords.verify(g.staff.password_hash, new):
            errors["new"] = _("新密码不能和当前密码相同。")
        if not errors:
            required = g.staff.must_change_password
            _set_password(g.staff, new)
            sessions.start(g.staff)
            audit("change-first-password" if required else "change-password")
            db.session.commit()
            flash(_("密码已修改。其他设备上的登录都已退出。"))
            return redirect(url_for("staff.dashboard"), code=303)
    return render_template("staff/password.html", errors=errors), 400 if errors else 200


def _set_password(user: StaffUser, password: str, by_admin: bool = False) -> None:
    """Give `user` a new password and end every session of the account (the caller commits).
    One an administrator set (`by_admin`) must be changed by its person after signing in."""
    user.password_hash = passwords.hash_password(password)
    user.password_changed_at = utcnow()
    user.must_change_password = by_admin
    sessions.end_all(user, "password-changed")


@bp.get("/accounts")
@sessions.require(ADMIN)
def accounts() -> str:
    """Every staff account."""
    users = db.session.scalars(select(StaffUser).order_by(StaffUser.username))
    return render_template("staff/accounts.html", users=list(users), roles=role_names())


@bp.route("/accounts/new", methods=["GET", "POST"])
@sessions.require(ADMIN)
def new_account() -> ResponseReturnValue:
    """Create an account with a first password the person changes after signing in."""
    form = request.form if request.method == "POST" else {}
    errors = {}
    if request.method == "POST":
        again = _created_just_now(form)
        errors = {} if again is not None else account_problems(form)
        if again is None and not errors:
            try:
                user = create_user(
                    form["username"], form["display_name"], form["role"], form["password"]
                )
                user.must_change_password = True  # the first password is the administrator's
                db.session.flush()
            except IntegrityError:
                # Another post took the name at the same moment: this form's twin (a double
                # click), or a colleague's form, whose name is now taken as any other is.
                db.session.rollback()
                again = _created_just_now(form)
                errors = {} if again is not None else account_problems(form)
                if again is None and not errors:
                    raise  # not the name: the page of a key taken at the same moment
            else:
                audit("create-account", "account", user.username, user.role)
                db.session.commit()
                flash(_("已创建账号 %(name)s。", name=user.username))
                return redirect(url_for("staff.accounts"), code=303)
        if again is not None:  # its answer may never have reached the browser: go on as it did
            flash(_("账号 %(name)s 刚才已经创建了，没有再创建一次。", name=again.username))
            return redirect(url_for("staff.accounts"), code=303)
    return render_template(
        "staff/account_new.html", form=form, errors=errors, roles=role_names(),
        boxes=NEW_ACCOUNT_BOXES, longest=DISPLAY_NAME_LENGTH,
    ), 400 if errors else 200  # fmt: skip


def _created_just_now(form: Mapping[str, str]) -> StaffUser | None:
    """The account made by this administrator's newest account creation, when it was made
    from this very form within the duplicate window and nobody changed it since: the form
    sent again (a double click, Back and send), which would be refused for the name the
    first one took. As the editor tells a new item's form sent twice, and the inbox a reply
    (`feedback.queries.sent_again`): the same writer's newest of its sort, the same text."""
    newest = db.session.scalar(
        select(AuditEntry)
        .where(AuditEntry.user_id == g.staff.id, AuditEntry.action == "create-account")
        .order_by(AuditEntry.id.desc())
        .limit(1)
    )
    username = normal_username(form.get("username", ""))
    if newest is None or newest.key != username or newest.at < utcnow() - DUPLICATE_WINDOW:
        return None
    user = db.session.scalar(select(StaffUser).where(StaffUser.username == username))
    changed_since = db.session.scalar(
        select(AuditEntry.id)
        .where(AuditEntry.kind == "account", AuditEntry.key == username, AuditEntry.id > newest.id)
        .limit(1)
    )
    if (
        user is None
        or changed_since is not None
        or not user.must_change_password
        or (user.display_name, user.role)
        != (form.get("display_name", "").strip(), form.get("role"))
    ):
        return None
    return user if passwords.verify(user.password_hash, form.get("password", "")) else None


def account_problems(form: Mapping[str, str]) -> dict[str, str]:
    """What is wrong with a new account's fields, by field name."""
    errors = {}
    username = normal_username(form.get("username", ""))
    if not username or len(username) > MAX_NAME or not username.isprintable() or " " in username:
        errors["username"] = _("请输入用户名（最多 60 个字符，不含空格）。")
    elif db.session.scalar(select(StaffUser.id).where(StaffUser.username == username)):
        errors["username"] = _("这个用户名已被使用。")
    display_name = form.get("display_name", "").strip()
    label = str(NEW_ACCOUNT_BOXES["display_name"])
    if not display_name:
        errors["display_name"] = _("请输入姓名。")
    elif len(display_name) > DISPLAY_NAME_LENGTH:  # never cut: the column holds no more
        errors["display_name"] = _("“%(label)s”最多 %(n)s 个字，现在有 %(count)s 个字。",
                                   label=label, n=Number(DISPLAY_NAME_LENGTH),
                                   count=Number(len(display_name)))  # fmt: skip
    else:
        try:
            clean_line(form["display_name"], label)
        except ValueError as problem:
            errors["display_name"] = str(problem)
    if form.get("role") not in ROLES:
        errors["role"] = _("请选择角色。")
    weakness = passwords.problem(form.get("password", ""), username)
    if weakness:
        errors["password"] = weakness
    return errors


def create_user(username: str, display_name: str, role: str, password: str) -> StaffUser:
    """A new active account (the caller commits)."""
    user = StaffUser(
        username=normal_username(username),
        display_name=display_name.strip(),  # its length checked first (`account_problems`)
        role=role,
        password_hash=passwords.hash_password(password),
    )
    db.session.add(user)
    return user


@bp.route("/accounts/<int:user_id>", methods=["GET", "POST"])
@sessions.require(ADMIN)
def account(user_id: int) -> ResponseReturnValue:
    """Change an account's role, disable or enable it, or set a new password. Each form
    carries the account as its page showed it (`account_version`): a change from a page
    older than the account (another administrator's change, or its person's new password),
    or without a version, is refused with the account as it is now, the role chosen kept in
    its form."""
    user = db.get_or_404(StaffUser, user_id)
    errors = {}
    status = 400
    if request.method == "POST":
        action = request.form.get("action")
        removes = _removes_an_administrator(user, action)
        if removes:
            sessions.hold_administrators()
        if user == g.staff:
            # One's own password changes on the password page (it asks for the current one);
            # one's own role and status only through another administrator.
            errors["account"] = _(
                "自己的账号不能在这里修改：密码请到“修改密码”页面修改，角色和停用请另一位管理员操作。"
            )
        elif action not in ("role", "disable", "enable", "password"):
            abort(400)
        elif action == "role" and request.form.get("role") not in ROLES:
            errors["role"] = _("请选择角色。")
        elif not _unchanged_since_shown(user):
            errors["account"] = _changed_meanwhile(user, bool(request.form.get("version")))
            if action == "password":  # a password is never shown again
                errors["password"] = _("新密码没有保存。要设置，请再输入一次。")
            status = 409
        elif removes and not _another_administrator(user):
            errors["account"] = _(
                "这是最后一位在用的管理员，不能停用，也不能改成其他角色："
                "网站至少要有一位在用的管理员。请先让另一个账号成为管理员。"
            )
            status = 409
        elif action == "role":
            user.role = request.form["role"]
            audit("change-role", "account", user.username, user.role)
            flash(_("角色已修改。"))
            if RANK[user.role] < RANK[PUBLISHER]:
                _cancel_schedules(user, "demoted")
        elif action in ("disable", "enable"):
            user.active = action == "enable"
            if not user.active:
                sessions.end_all(user, "disabled")
            audit(f"{action}-account", "account", user.username)
            flash(_("账号已停用，所有登录都已退出。") if action == "disable" else _("账号已启用。"))
            if not user.active:
                _cancel_schedules(user, "disabled")
        else:
            problem = passwords.problem(request.form.get("password", ""), user.username)
            if problem:
                errors["password"] = problem
            else:
                _set_password(user, request.form["password"], by_admin=True)
                audit("reset-password", "account", user.username)
                flash(_("已设置新密码，这个账号的所有登录都已退出。"))
        if not errors:
            db.session.commit()
            return redirect(url_for("staff.account", user_id=user.id), code=303)
        db.session.rollback()
        if status == 409:  # the page shows the account as it is now: the next change is to that
            return _account_page(user, errors, 409, account_version(user))
        return _account_page(user, errors, 400)
    return _account_page(user, errors, 200)


def _cancel_schedules(user: StaffUser, reason: str) -> None:
    """Cancel the publications `user` scheduled, now that the account may not publish
    (`reason`: "disabled" or "demoted"), and tell the administrator which: each item stays
    a draft until a publisher schedules or publishes it again (enabling the account or
    giving the role back does not bring a schedule back)."""
    from ..editing.publishing import cancel_schedules_of

    cancelled = cancel_schedules_of(user, reason)
    if not cancelled:
        return
    items = _("、").join(
        _("%(kind)s“%(title)s”（原定 %(due)s）", kind=kind.label,
          title=getattr(row, kind.title_field), due=local_time(due))
        for kind, row, due in cancelled
    )  # fmt: skip
    flash(
        ngettext(
            "这个账号安排的 %(num)d 条定时发布已经取消，内容没有发布，仍是草稿：%(items)s。"
            "如果还要发布，请由发布员重新安排或者发布。",
            "这个账号安排的 %(num)d 条定时发布已经取消，内容没有发布，仍是草稿：%(items)s。"
            "如果还要发布，请由发布员重新安排或者发布。",
            len(cancelled),
            items=items,
        )
    )


def _pending_schedules(user: StaffUser) -> list[tuple[str, str, str]]:
    """The publications `user` has scheduled, earliest first, as the account page lists
    them: the kind's name, the item's title and its editing page's address, and when."""
    from ..editing.forms import EDITABLE

    listed = []
    for entry in db.session.scalars(
        select(Schedule).where(Schedule.user_id == user.id).order_by(Schedule.publish_at)
    ):
        kind = EDITABLE.get(entry.kind)
        row = db.session.get(kind.model, entry.item_id) if kind else None
        if kind is not None and row is not None:
            url = url_for("editor.edit", kind_name=kind.name, item_id=row.id)
            listed.append((f"{kind.label}{_('：')}{getattr(row, kind.title_field)}", url,
                           local_time(entry.publish_at)))  # fmt: skip
    return listed


def _removes_an_administrator(user: StaffUser, action: str | None) -> bool:
    """True when the posted change would take an active administrator away: disabling
    one, or giving one another role."""
    if user.role != ADMIN or not user.active:
        return False
    return action == "disable" or (action == "role" and request.form.get("role") != ADMIN)


def _another_administrator(user: StaffUser) -> bool:
    """True when an active administrator other than `user` remains, so the site keeps
    one when `user` is disabled or demoted. Read after `sessions.hold_administrators` and
    the change's first write, so two such changes sent at once see each other's."""
    other = select(StaffUser.id).where(
        StaffUser.role == ADMIN, StaffUser.active.is_(True), StaffUser.id != user.id
    )
    return db.session.scalar(other.limit(1)) is not None


def _account_page(
    user: StaffUser, errors: dict, status: int, version: str | None = None
) -> tuple[str, int]:
    """An account's page. Its forms carry `version`: by default the one posted, else the
    account's now, so that a form shown again after an error still stands for the page
    its administrator read; the role posted stays chosen."""
    posted = request.form if request.method == "POST" else {}
    return render_template(
        "staff/account.html", user=user, errors=errors, roles=role_names(),
        version=version or posted.get("version") or account_version(user),
        last_change=_last_change(user), chosen_role=posted.get("role"),
        schedules=_pending_schedules(user),
    ), status  # fmt: skip


def account_version(user: StaffUser) -> str:
    """What an account's forms carry of it as the page showed it: a digest of what these
    forms change (role, whether it is active, when its password was last set). The accounts
    have no version column; these are what a colleague's change moves."""
    shown = f"{user.role}|{user.active}|{user.password_changed_at.isoformat()}"
    return hashlib.sha256(shown.encode()).hexdigest()[:16]


def _unchanged_since_shown(user: StaffUser) -> bool:
    """True when the account is as the posted form's page showed it, and held so until the
    commit: one UPDATE that matches only while role, status and password time are the ones
    just read, so of two administrators' changes sent at once the second finds it changed.
    A form without a version, or with an empty one, is refused too: every page has carried
    one for long, so such a post was not made from a page that showed this account."""
    if request.form.get("version") != account_version(user):
        return False
    held = cast(CursorResult, db.session.execute(
        update(StaffUser)
        .where(StaffUser.id == user.id, StaffUser.role == user.role,
               StaffUser.active == user.active,
               StaffUser.password_changed_at == user.password_changed_at)
        .values(role=StaffUser.role)
        .execution_options(synchronize_session=False)
    ))  # fmt: skip
    return held.rowcount == 1


def _changed_meanwhile(user: StaffUser, versioned: bool) -> str:
    """Why a change from an older page was refused, with the account as it is now. A form
    without a version (`versioned` false) may come from a page that showed the account as
    it is: it is told only that its page cannot be known to be the account's now."""
    db.session.rollback()
    db.session.refresh(user)
    now = {"role": role_names()[user.role], "time": local_time(user.password_changed_at),
           "state": _("账号在用") if user.active else _("账号已停用")}  # fmt: skip
    if versioned:
        return _(
            "您打开这个页面以后，这个账号已经改过（另一位管理员改的，或者本人改了密码），"
            "您的修改没有保存。现在：角色是“%(role)s”，%(state)s，密码最近一次设置于 %(time)s。"
            "请看过现在的情况，再决定是否还要修改。",
            **now,
        )
    return _(
        "提交的表单没有带上页面显示的账号情况，不能确定您看到的是这个账号现在的样子，"
        "您的修改没有保存。现在：角色是“%(role)s”，%(state)s，密码最近一次设置于 %(time)s。"
        "请看过现在的情况，再决定是否还要修改。",
        **now,
    )


def _last_change(user: StaffUser) -> Shown | None:
    """The account's latest audit entry (who changed it last, and how), if any."""
    entry = db.session.scalar(
        select(AuditEntry)
        .where(AuditEntry.kind == "account", AuditEntry.key == user.username)
        .order_by(AuditEntry.id.desc())
        .limit(1)
    )
    return shown([entry])[0] if entry else None


# What a form of these pages the database refused says, next to the field to fill again
# (a password is never shown again).
NOT_CREATED = _l(
    "网站暂时无法写入数据，账号没有创建。您填写的其他内容还在这里；"
    "请过几分钟再输入一次初始密码，然后提交。"
)
PASSWORD_NOT_CHANGED = _l("网站暂时无法写入数据，密码没有修改。请过几分钟再输入一次。")
ACCOUNT_NOT_CHANGED = _l("网站暂时无法写入数据，这次修改没有保存。请过几分钟再试一次。")


def refused(error: Exception) -> ResponseReturnValue:
    """The database refused a write of one of these forms: the form again (503) with what
    was typed, but never a password, and a sentence saying nothing was saved, next to the
    field to fill again; when the form cannot be built, the typed text alone, to copy.
    Anything else (signing in, keeping the session alive, a page that reads) gets the
    site's 503."""
    if request.endpoint not in REFUSED_PAGES:
        return handle_database_error(error)

    def form_page() -> tuple[str, int] | None:
        return REFUSED_PAGES[request.endpoint or ""]()

    return refused_form(error, form_page, typed_texts)


def _new_account_refused() -> tuple[str, int] | None:
    if g.get("staff") is None:
        return None
    errors = {"password": str(NOT_CREATED)}
    page = render_template(
        "staff/account_new.html", form=request.form, errors=errors, roles=role_names(),
        boxes=NEW_ACCOUNT_BOXES, longest=DISPLAY_NAME_LENGTH,
    )  # fmt: skip
    return page, 503


def _password_refused() -> tuple[str, int] | None:
    if g.get("staff") is None:
        return None
    errors = {"current": str(PASSWORD_NOT_CHANGED)}
    return render_template("staff/password.html", errors=errors), 503


def _account_refused() -> tuple[str, int] | None:
    user_id = (request.view_args or {}).get("user_id")
    user = db.session.get(StaffUser, user_id) if g.get("staff") is not None else None
    if user is None:
        return None
    action = request.form.get("action")
    field = action if action in ("role", "password") else "account"
    return _account_page(user, {field: str(ACCOUNT_NOT_CHANGED)}, 503)


# The forms `refused` shows again, by endpoint.
REFUSED_PAGES = {
    "staff.new_account": _new_account_refused,
    "staff.change_password": _password_refused,
    "staff.account": _account_refused,
}
for _refusal in WRITE_REFUSED:
    bp.register_error_handler(_refusal, refused)


@bp.get("/audit")
@sessions.require(ADMIN)
def audit_log() -> ResponseReturnValue:
    """Who did what, newest first, `AUDIT_PAGE` to a page, filtered by person, kind of item,
    item, action and days (a GET form: the filters stay in the address, so the pages keep
    them)."""
    args = QueryArgs(request.args)
    offered = audit_choices()
    labels = {"person": _("人员"), "kind": _("内容的类型"), "action": _("操作")}
    chosen: dict = {name: args.choice(name, offered[name], labels[name], f"filter-{name}")
                    for name in labels}  # fmt: skip
    chosen["item"] = _item_text(args)
    chosen["since"] = _day(args, "since", _("从哪天起"))
    chosen["until"] = _day(args, "until", _("到哪天为止"))
    # What the date inputs show again: a day read, kept even when the range is refused (an
    # input of type date takes no other value; the error quotes what was typed).
    days = {name: chosen[name].isoformat() if chosen[name] else "" for name in ("since", "until")}
    if chosen["since"] and chosen["until"] and chosen["since"] > chosen["until"]:
        args.problems.append(
            Problem("filter-until", _("“到哪天为止”不能早于“从哪天起”，这个日期范围已忽略。"))
        )
        chosen["since"] = chosen["until"] = None
    query = select(AuditEntry).where(*audit_conditions(**chosen))
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    number = read_page_number(request.args.get("page"))
    entries = db.session.scalars(
        query.order_by(AuditEntry.id.desc()).offset((number - 1) * AUDIT_PAGE).limit(AUDIT_PAGE)
    ).all()
    body = render_template(
        "staff/audit.html", entries=shown(entries), page=number, total=total,
        more=number * AUDIT_PAGE < total, choices=offered, chosen=chosen,
        problems=args.problems, filtered=any(value for value in chosen.values()), days=days,
    )  # fmt: skip
    return filtered_page(body, args.problems)


AUDIT_PAGE = 100
# A day typed in the log's filter: 2026-03-01 (a date input sends it so).
DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
AUDIT_YEARS = (2000, 9998)


def _day(args: QueryArgs, name: str, label: str) -> date | None:
    """A day of the log's filter, or None when absent or not a date (reported)."""
    raw = args.args.get(name, "").strip()
    if not raw:
        return None
    try:
        if not DAY.fullmatch(raw):
            raise ValueError(raw)
        day = date.fromisoformat(raw)
        # The log's days are Beijing's, compared in UTC a day on: the first and last years
        # a date holds would overflow, and no entry is from before the site or after 9998.
        if not AUDIT_YEARS[0] <= day.year <= AUDIT_YEARS[1]:
            raise ValueError(raw)
        return day
    except ValueError:
        shown_value = raw[:20] + ("…" if len(raw) > 20 else "")
        args.problems.append(Problem(f"filter-{name}", _(
            "“%(value)s”不是“%(label)s”能用的日期，已忽略。请按 2026-03-01 的样子填写。",
            value=shown_value, label=label,
        )))  # fmt: skip
        return None


def _item_text(args: QueryArgs) -> str:
    """The item filter's text, at most 80 characters (the longest key), spaces trimmed;
    characters no key or title holds are left out."""
    return xml_safe(args.args.get("item", "")).strip()[:80]
