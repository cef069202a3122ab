"""The display-mode toggle: a POST form that works without JavaScript; htmx saves the reload."""

from collections.abc import Mapping
from urllib.parse import urlsplit

from flask import Blueprint, Response, after_this_request, g, redirect, render_template
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from htmx_flask import make_response, request
from werkzeug.exceptions import BadRequest

from ..security import safe_next

bp = Blueprint("display", __name__)

COOKIE = "display"
# The header's language button on a page that keeps its form (`page_form` in the
# templates) is sent with this name: show the page again, in the other language.
SHOW = "show"
MODES = ("large", "contrast")
ONE_YEAR = 365 * 24 * 3600


class CrossSite(BadRequest):
    """A toggle another site's page made the browser send: refused, nothing changed (the
    site's error page, with its ways back, says so)."""

    message = _l(
        "显示方式没有改变：这个请求是从别的网站发来的。"
        "如果您是在本站按的按钮，请回到刚才的页面再按一次。"
    )


def from_another_site() -> bool:
    """True for a post another site's page sent: the browser says so (`Sec-Fetch-Site:
    cross-site`), or its Origin names another host than the one asked. An Origin of "null"
    proves nothing either way (a browser sends it from a page that sends no Referer, as
    this site's private pages ask), and a browser that sends neither header is let through,
    as before."""
    if request.headers.get("Sec-Fetch-Site") == "cross-site":
        return True
    origin = request.headers.get("Origin")
    if origin in (None, "null"):
        return False
    try:
        return urlsplit(origin).netloc != request.host
    except ValueError:  # "http://[x": no browser sends it, and it names no host of ours
        return True


def changed_modes(form: Mapping[str, str]) -> dict[str, bool]:
    """The modes the submitted form switches, as {mode: on}; other values are ignored."""
    return {mode: form[mode] == "1" for mode in MODES if form.get(mode) in ("0", "1")}


def announcement(changes: dict[str, bool]) -> str:
    """The sentence that tells a screen-reader user what changed."""
    names = {"large": _("大字版"), "contrast": _("高对比度")}
    return " ".join(
        (_("已开启%(mode)s", mode=names[mode]) if on else _("已关闭%(mode)s", mode=names[mode]))
        for mode, on in changes.items()
    )


@bp.post("/display")
def toggle() -> ResponseReturnValue:
    """Switch large text or high contrast on or off, then go back to the page.

    No CSRF token on purpose: the form is on every public page, a forged post can only
    change how the site looks (undone with the same button), and a token that expires
    would turn an elderly visitor's click on 大字版 into an error page. A post another site
    sent is refused all the same (`from_another_site`): it needs no token to tell.
    """
    if from_another_site():
        raise CrossSite()
    changes = switch(request.form)
    if request.htmx:
        change = {"modes": sorted(g.display), "message": announcement(changes)}
        response = make_response(
            render_template(
                "partials/display_controls.html", next_url=safe_next(request.form.get("next"))
            ),
            trigger={"displaychange": change},
        )
    else:
        response = redirect(safe_next(request.form.get("next")), code=303)
    response.vary.add("HX-Request")
    return remember(response)


def switch(form: Mapping[str, str]) -> dict[str, bool]:
    """Switch the modes `form` asks for, for this request's page (`g.display`); return the
    changes."""
    changes = changed_modes(form)
    modes = set(g.display)
    for mode, on in changes.items():
        (modes.add if on else modes.discard)(mode)
    g.display = modes
    return changes


def taken_here() -> bool:
    """True when this POST is the header's display toggle or language button sent with the
    page's own form, to show the page again with all it carries (see
    components/display_controls.html): the toggle is switched for this page and kept in the
    cookie. A page whose form carries what the resident entered (the eligibility check, the
    feedback forms) takes them itself: the redirect back from /display would lose it."""
    if request.method != "POST":
        return False
    if switch(request.form):
        if not g.get("display_remembered"):  # once, though an error handler asks again
            g.display_remembered = True
            after_this_request(remember)
        return True
    return SHOW in request.form


def remember(response: Response) -> Response:
    """Keep this request's modes in the cookie."""
    response.set_cookie(
        COOKIE,
        ".".join(sorted(g.display)),
        max_age=ONE_YEAR,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure,
    )
    return response
