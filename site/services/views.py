"""Service pages: by category, and one page per service."""

from flask import Blueprint, abort, render_template

from .. import opening_hours
from ..contacts import queries as contacts
from ..facilities import queries as facilities
from ..opening_hours import last_opening_or_closing
from ..page_cache import last_public_change
from ..security import last_modified
from . import queries
from .models import DISABILITY_CATEGORIES
from .structured_data import government_service

bp = Blueprint("services", __name__)
bp.add_app_template_global(DISABILITY_CATEGORIES, "disability_names")


@bp.get("/services/")
def index():
    """All services, grouped by need."""
    return render_template("services/index.html", categories=queries.categories_with_services())


@bp.get("/services/categories/<slug>")
def category(slug: str):
    """The services of one category."""
    item = queries.category_by_slug(slug) or abort(404)
    return render_template(
        "services/category.html",
        category=item,
        services=queries.published_in(item),
    )


@bp.get("/services/<slug>")
def detail(slug: str):
    """One service: who can get it, what they get, how to apply, whom to ask."""
    service = queries.published_service(slug) or abort(404)
    now = opening_hours.local_now()
    channels = contacts.for_service(service, now)
    body = render_template(
        "services/detail.html",
        service=service,
        contacts=channels,
        facilities=facilities.offering(service),
        structured_data=government_service(service, [c.contact for c in channels]),
    )
    # It shows contacts and places too, and whether each contact answers now.
    hours = [channel.contact.hours for channel in channels]
    return last_modified(body, last_public_change(), last_opening_or_closing(hours, now))
