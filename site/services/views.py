"""Service pages: by category, and one page per service."""

from datetime import datetime

from flask import Blueprint, Response, abort, render_template

from .. import opening_hours
from ..contacts import queries as contacts
from ..i18n import Labels
from ..opening_hours import last_opening_or_closing
from ..page_cache import last_public_change
from ..security import last_modified
from . import departments, queries
from .models import DISABILITY_CATEGORIES, Service
from .spec import SERVICES
from .structured_data import government_service
from .where import where_to_go

bp = Blueprint("services", __name__)
# Translated once per language (`Labels`), not at every use.
bp.add_app_template_global(Labels(DISABILITY_CATEGORIES), "disability_names")  # type: ignore[arg-type]


def untranslated(service: Service, links: queries.Links, teams: departments.Departments) -> bool:
    """True when any text the service's page shows from content has no English yet: the
    service's own fields that have an English twin, and the names of what it links to."""
    own = (
        getattr(service, english.name.removesuffix("_en")) and not getattr(service, english.name)
        for english in SERVICES.fields
        if english.lang == "en"
    )
    titled = [*links.measures, *links.projects, *links.related]
    names = [service.category.name_en, *(item.title_en for item in titled)]
    names += [d.name_en for d in teams.in_charge + teams.handling]
    names += [row.name_en for row in teams.in_the_plan]
    return any(own) or not all(names)


@bp.get("/services/")
def index() -> str:
    """All services, grouped by need."""
    return render_template("services/index.html", categories=queries.categories_with_services())


@bp.get("/services/categories/<slug>")
def category(slug: str) -> str:
    """The services of one category."""
    item = queries.category_by_slug(slug) or abort(404)
    return render_template(
        "services/category.html",
        category=item,
        services=queries.published_in(item),
    )


# The page of one service. Its public view and the back office's preview (which renders it
# inside a frame of its own, from values not yet saved) both render it with `page`.
DETAIL = "services/detail.html"


@bp.get("/services/<slug>")
def detail(slug: str) -> Response:
    """One service: who can get it, what they get, how to apply, whom to ask."""
    service = queries.published_service(slug) or abort(404)
    now = opening_hours.local_now()
    shown = page(service, now)
    body = render_template(DETAIL, **shown)
    # It shows contacts and places too, and whether each contact answers now.
    channels = shown["contacts"] + shown["where"].channels
    hours = [channel.contact.hours for channel in channels]
    return last_modified(body, last_public_change(), last_opening_or_closing(hours, now))


def page(service: Service, now: datetime) -> dict:
    """What the service's page (`DETAIL`) shows at `now`, as the template's variables."""
    channels = contacts.for_service(service, now)
    where = where_to_go(service, now)
    asked = {channel.contact.id for channel in channels}
    links = queries.links_of(service)
    teams = departments.of(service)
    return {
        "service": service,
        "links": links,
        "contacts": channels,
        "where": where,
        # 去哪里办 names no channel that 找人咨询 has just listed.
        "more_channels": [c for c in where.channels if c.contact.id not in asked],
        "teams": teams,
        "untranslated": untranslated(service, links, teams),
        "structured_data": government_service(service, [c.contact for c in channels]),
    }
