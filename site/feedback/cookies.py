"""What a resident's form says when its page has expired and this browser keeps no cookie
of the site: the one explanation of the feedback forms, the alerts' forms and the
eligibility check.

Every such form carries a token checked against the session cookie. A browser that
refuses the site's cookie never sends that cookie back, so the form would come back as
"expired" however often it is sent; the resident must be told why, and another way.
"""

from flask import current_app, request
from flask_babel import gettext as _


def explain_expired(message: str, instead: str | None = None) -> str:
    """`message` (the page had expired, nothing was done), followed, when this request
    carried no session cookie, by why that may happen again and what to do: allow the
    site's cookie, or `instead` (another way to do it; calling 12345 by default)."""
    if current_app.config["SESSION_COOKIE_NAME"] in request.cookies:
        return message
    why = _(
        "如果再提交还是看到这句话，可能是浏览器不保存本站的 Cookie：请允许本站使用"
        " Cookie（只用来确认表单是您从本站提交的）。"
    )
    return " ".join((message, why, instead or _("也可以打电话 12345。")))
