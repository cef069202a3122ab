"""Display preferences (大字版, 高对比度): a cookie read on every request."""

from flask import Flask, Response, g, request

from .views import COOKIE, MODES, SHOW, bp, remember, switch, taken_here

__all__ = ["COOKIE", "MODES", "SHOW", "bp", "remember", "switch", "taken_here", "init_app", "modes"]


def modes(raw: str) -> set[str]:
    """The display modes a cookie's value asks for; unknown or malformed values are ignored."""
    return {mode for mode in raw.split(".") if mode in MODES}


def read_preferences() -> None:
    """Parse the display cookie into `g.display`."""
    g.display = modes(request.cookies.get(COOKIE, ""))


def vary_on_cookie(response: Response) -> Response:
    """Pages differ by the display cookie: no shared cache may serve one mode to another."""
    if response.mimetype == "text/html":
        response.vary.add("Cookie")
    return response


def init_app(app: Flask) -> None:
    """Read the preference before every request and register the toggle route."""
    app.before_request(read_preferences)
    app.after_request(vary_on_cookie)
    app.register_blueprint(bp)

    @app.context_processor
    def display_state() -> dict[str, set[str]]:
        return {"display": getattr(g, "display", set())}
