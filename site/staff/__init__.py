"""The staff back office: accounts, sessions, editing, publishing, bulk data."""

import click
from flask import Flask, g, render_template, request
from flask.cli import AppGroup
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError, CSRFProtect

csrf = CSRFProtect()


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
    from .models import ADMIN
    from .views import account_problems, create_user

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
    from .publishing import release_due

    click.echo(f"Published {release_due()} scheduled item(s).")


KEEPS_TEXT = ("editor.edit", "editor.create", "editor.autosave")


def handle_csrf_error(error: CSRFError):
    """A form whose token is missing or wrong: say why and what to do; nothing is saved to
    the item. An editing form posted by this browser's own account (its page was opened
    before the account signed in again elsewhere, which renews the token) is kept as that
    account's autosave: the cookie proves the account, and SameSite keeps other sites'
    posts from carrying it."""
    from .editor import keep_lapsed

    user = g.get("staff") or g.get("lapsed")
    kept = user is not None and request.endpoint in KEEPS_TEXT
    if kept:
        keep_lapsed(user, **(request.view_args or {}))
    if request.htmx and kept:
        return _("没有自动保存到这个页面：页面已失效。您的内容已保存在服务器上，请刷新页面后载入。")
    return render_template("staff/csrf_error.html", reason=error.description, kept=kept), 400


def session_header(response):
    """Tell the page how long the staff session has left (site.js times its warning by it)."""
    from .helpers import session_expires_in

    if g.get("staff_session") is not None:
        response.headers["X-Session-Expires"] = str(session_expires_in())
    return response


def init_app(app: Flask) -> None:
    """CSRF on every state-changing request, the staff session, the back-office pages."""
    from ..display import views as display
    from . import bulk, editor, helpers, media, publishing, sessions, views

    app.session_interface = sessions.SessionInterface()
    app.before_request(sessions.load)  # first, so a refused form knows whose it was
    csrf.init_app(app)
    csrf.exempt(display.toggle)  # see its docstring
    app.before_request(publishing.release_due_now_and_then)
    app.after_request(session_header)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_blueprint(views.bp)
    app.register_blueprint(editor.bp)
    app.register_blueprint(bulk.bp)
    app.register_blueprint(media.bp)
    app.register_blueprint(media.public)
    helpers.init_app(app)
    app.cli.add_command(staff_cli)
