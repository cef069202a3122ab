"""The display-mode toggle: a POST form that works without JavaScript; htmx saves the reload."""

from collections.abc import Mapping

from flask import Blueprint, Response, after_this_request, g, redirect, render_template
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from htmx_flask import make_response, request

from ..security import safe_next

bp = Blueprint("display", __name__)

COOKIE = "display"
# The header's language button on a page that keeps its form (`page_form` in the
# templates) is sent with this name: show the page again, in the other language.
SHOW = "show"
MODES = ("large", "contrast")
ONE_YEAR = 365 * 24 * 3600


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
    would turn an elderly visitor's click on 大字版 into an error page.
    """
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
