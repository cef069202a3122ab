"""The staff back office: accounts, sessions, editing, publishing, bulk data."""

from collections.abc import Callable, Mapping

import click
from flask import Flask, Response, flash, g, render_template
from flask.cli import AppGroup
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError, CSRFProtect
from htmx_flask import request

csrf = CSRFProtect()
# The category of a flashed message that says something was not done: the page layout
# shows it as an error, and its title starts with 错误：(layouts/base.html).
FAILURE = "error"
# A form's text boxes: {the name it posts a box's text under: the box's label}.
Boxes = Callable[[], Mapping[str, object]]
# The text boxes of the back office's forms, by the endpoint a form posts to (`text_boxes`),
# for the page that refuses a form for its token (`typed_texts`).
TEXT_BOXES: dict[str, Boxes] = {}


@click.group("staff", cls=AppGroup)
def staff_cli() -> None:
    """Staff accounts."""


@staff_cli.command("create-admin")
@click.option("--username", prompt="用户名 (username)")
@click.option("--name", "display_name", prompt="姓名 (display name)")
@click.password_option("--password", prompt="密码 (password)", confirmation_prompt=True)
def create_admin(username: str, display_name: str, password: str) -> None:
    """Create an administrator account (there is no default account or password)."""
    from ..database import db
    from .accounts.views import account_problems, create_user
    from .models import ADMIN

    errors = account_problems(
        {"username": username, "display_name": display_name, "role": ADMIN, "password": password}
    )
    if errors:
        raise click.ClickException(" ".join(errors.values()))
    user = create_user(username, display_name, ADMIN, password)
    db.session.commit()
    click.echo(f"Administrator {user.username} created.")


@staff_cli.command("publish-due")
def publish_due() -> None:
    """Publish every scheduled item whose time has come (the site also does it by itself)."""
    from .editing.publishing import release_due

    click.echo(f"Published {release_due()} scheduled item(s).")


@staff_cli.command("purge-sessions")
def purge_sessions() -> None:
    """Delete what the site's hourly housekeeping deletes of sign-ins, now: the sign-in
    attempts no limit reads any more and the staff sessions that ended long enough ago."""
    from .periodic import forget_old_sign_ins

    attempts, ended = forget_old_sign_ins()
    click.echo(f"Deleted {attempts} old sign-in attempt(s) and {ended} ended staff session(s).")


KEEPS_TEXT = ("editor.edit", "editor.create", "editor.autosave")


def handle_csrf_error(error: CSRFError) -> ResponseReturnValue:
    """A form whose token is missing or wrong: say why and what to do; nothing is saved to
    the item. An editing form that proves it came from this browser as this account (a
    token this site signed for this browser's session, expired, or for the session it had
    before the account signed in again elsewhere, which renews the token) is kept as that
    account's autosave. A post without a token, or with a forged or foreign one, keeps
    nothing: the cookie alone proves nothing about who wrote it, so the page shows the
    text typed instead, to copy (the back office's pages are never kept for Back, and a
    session ended on purpose keeps no draft)."""
    from .accounts import sessions
    from .editing.autosaves import keep_lapsed

    user = g.get("staff") or g.get("lapsed")
    editing = request.endpoint in KEEPS_TEXT
    proven = user is not None and editing and sessions.token_of_this_browser()
    problem = keep_lapsed(user, **(request.view_args or {})) if proven else None
    kept = proven and problem is None
    if request.htmx and editing:  # an autosave: a sentence where it reports
        return _csrf_sentence(kept, problem), 200 if kept else 400
    return render_template(
        "staff/csrf_error.html", reason=error.description, kept=kept, problem=problem,
        typed=[] if kept else typed_texts(), signed_in=g.get("staff") is not None,
    ), 400  # fmt: skip


def text_boxes(*endpoints: str) -> Callable[[Boxes], Boxes]:
    """A decorator: the function it decorates gives the text boxes of the forms posted to
    `endpoints`, each by the name it is posted under, with the label the form shows it by
    (a function, as a form's boxes may depend on what it is about or on what was posted).
    Only boxes for typing text, never a password, a token or a choice; a hidden field only
    where it carries what was typed on the page before (the question before a public reply
    or a live save). A form that has none declares nothing."""

    def declare(boxes: Boxes) -> Boxes:
        for endpoint in endpoints:
            TEXT_BOXES[endpoint] = boxes
        return boxes

    return declare


def typed_texts() -> list[tuple[str, str]]:
    """What the refused form had typed into its text boxes, as (label, text), for a page
    that shows it to copy: every back-office form that declares its boxes (`text_boxes`),
    each box that holds some text. Nothing another site's page sent, which would put its
    words on a page of this site."""
    from ..display.views import from_another_site

    boxes = TEXT_BOXES.get(request.endpoint or "")
    if boxes is None or from_another_site():
        return []
    return [
        (str(label), text)
        for name, label in boxes().items()
        if (text := request.form.get(name, "")).strip()
    ]


def flash_failure(message: str) -> None:
    """Say, on the next page, that what was asked for was not done (see FAILURE)."""
    flash(message, FAILURE)


def _csrf_sentence(kept: bool, problem: str | None) -> str:
    """What an autosave refused for its token says where the autosave reports."""
    if kept:
        return _("没有自动保存到这个页面：页面已失效。您的内容已保存在服务器上，请刷新页面后载入。")
    if problem:
        return _("没有自动保存：%(problem)s", problem=problem)
    return _("没有自动保存：页面已失效。请先复制您写的内容，再刷新页面。")


def session_header(response: Response) -> Response:
    """Tell the page how long the staff session has left (site.js times its warning by it)."""
    from .helpers import session_expires_in

    if g.get("staff_session") is not None:
        response.headers["X-Session-Expires"] = str(session_expires_in())
    return response


def init_app(app: Flask) -> None:
    """CSRF on every state-changing request, the staff session, the back-office pages."""
    from .. import page_cache
    from ..content.loader import History, keep_history
    from ..display import views as display
    from . import components as _components  # noqa: F401 (adds its page to views.bp)
    from . import helpers, periodic
    from .accounts import sessions, views
    from .bulk import views as bulk
    from .editing import editor, media, publishing

    app.session_interface = sessions.SessionInterface()
    app.before_request(sessions.load)  # before the CSRF check, so a refused form knows whose it was
    csrf.init_app(app)
    csrf.exempt(display.toggle)  # see its docstring
    app.before_request(periodic.release_due_now_and_then)
    page_cache.when_due(app, periodic.check_is_due)  # not answered before it has run
    app.after_request(session_header)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_blueprint(views.bp)
    app.register_blueprint(editor.bp)
    app.register_blueprint(bulk.bp)
    app.register_blueprint(media.bp)
    app.register_blueprint(media.public)
    helpers.init_app(app)
    keep_history(app, History(publishing.load_changing, publishing.load_changed))
    app.cli.add_command(staff_cli)
