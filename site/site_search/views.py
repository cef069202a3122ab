"""The search page: a GET form that works without JavaScript; htmx updates the results."""

from flask import Blueprint, render_template, request

import search

from ..i18n import is_english
from ..services import queries as services
from .index import rebuild_in_background, site_index

bp = Blueprint("site_search", __name__)

MAX_QUERY = 200
PER_PAGE = 10


def read_page_number(raw: str | None) -> int:
    """A page number from the query string; anything odd is page 1."""
    return int(raw) if raw and raw.isdigit() and 0 < len(raw) < 6 else 1


@bp.get("/search")
def results():
    """Search the site; with HX-Request only the results block is returned."""
    query = request.args.get("q", "")[:MAX_QUERY]
    kind = request.args.get("kind")
    kind = kind if kind in search.KINDS else None
    found, unavailable = None, False
    if query.strip():
        try:
            found = site_index().search(
                query,
                language="en" if is_english() else "zh",
                kinds=[kind] if kind else None,
                page=read_page_number(request.args.get("page")),
                per_page=PER_PAGE,
            )
        except search.IndexUnavailable:
            unavailable = True
            rebuild_in_background()
    template = "site_search/_results.html" if request.htmx else "site_search/page.html"
    response = render_template(
        template,
        query=query,
        kind=kind,
        results=found,
        unavailable=unavailable,
        suggested=services.suggested() if found is not None and not found.total else [],
    )
    return response, {"Vary": "HX-Request, Cookie"}
