"""The facility finder and one page per facility."""

from datetime import datetime, time

from flask import Blueprint, Response, abort, render_template, request
from flask.typing import ResponseReturnValue

from .. import opening_hours
from ..contacts import queries as contacts
from ..i18n import Labels
from ..opening_hours import last_opening_or_closing
from ..page_cache import last_public_change
from ..query_args import filtered_page, wants_fragment
from ..security import last_modified
from . import features, geo, queries
from .filters import read_filters
from .hours import hours_now
from .models import Facility
from .structured_data import place

bp = Blueprint("facilities", __name__)
# Globals, not context: the macros that use them are imported without context. Their names
# are translated once per language (`Labels`): a place's page shows forty.
bp.add_app_template_global(features, "facility_features")  # type: ignore[arg-type]
FEATURE_NAMES = Labels({feature.code: feature.name for feature in features.FEATURES})
bp.add_app_template_global(FEATURE_NAMES, "facility_feature_names")  # type: ignore[arg-type]
bp.add_app_template_global(Labels(features.TYPES), "facility_types")  # type: ignore[arg-type]
bp.add_app_template_global(Labels(features.DETAIL_LABELS), "facility_detail_labels")  # type: ignore[arg-type]
bp.add_app_template_global(Labels(features.METHODS), "verification_methods")  # type: ignore[arg-type]
bp.add_app_template_global(Labels(features.HOURS_METHODS), "hours_verification_methods")  # type: ignore[arg-type]
bp.add_app_template_global(opening_hours.HOLIDAY_RULES, "holiday_rules")  # type: ignore[arg-type]


@bp.get("/facilities/")
def finder() -> ResponseReturnValue:
    """Places by township, type and need; open now; nearest first from a chosen point."""
    townships = queries.townships()
    filters = read_filters(request.args, [township.slug for township in townships])
    found = queries.find(filters, opening_hours.local_now())
    # Before staff publish a checked place there is nothing to find: the page says so, and
    # shows no filters, so there is no filter to correct either.
    published = bool(found) or queries.any_published()
    if not published:
        filters.problems.clear()
    template = "facilities/_results.html" if wants_fragment() else "facilities/finder.html"
    body = render_template(
        template, townships=townships, filters=filters, found=found, places_published=published
    )
    return filtered_page(body, filters.problems)


# The page of one place. Its public view and the back office's preview (which renders it
# inside a frame of its own, from values not yet saved) both render it with `page`.
DETAIL = "facilities/detail.html"


@bp.get("/facilities/<slug>")
def detail(slug: str) -> Response:
    """One place: hours, how to get there, how to reach it, what is accessible, what is done."""
    facility = queries.published_facility(slug) or abort(404)
    now = opening_hours.local_now()
    shown = page(facility, now)
    body = render_template(DETAIL, **shown)
    # It shows its township, services and contacts too, whether it is open now (which
    # changes when it opens or closes, a working weekend counted), and today (the week's
    # row, holidays, when it next opens), which changes at midnight.
    hours = [facility.hours, *(channel.contact.hours for channel in shown["contacts"])]
    midnight = opening_hours.utc(datetime.combine(now.date(), time()))
    return last_modified(
        body,
        last_public_change(),
        last_opening_or_closing(hours, now),
        opening_hours.last_turn(facility.opening(), now),
        midnight,
    )


def page(facility: Facility, now: datetime) -> dict:
    """What the place's page (`DETAIL`) shows at `now`, as the template's variables."""
    channels = contacts.at_facility(facility, now)
    return {
        "facility": facility,
        "hours": hours_now(facility, now),
        "week": opening_hours.week(facility.hours),
        "today": now.weekday(),
        # An invented place is not on any map: a search would find a real one, or none.
        "map_links": [] if facility.sample else geo.map_links(facility.name, facility.point()),
        "contacts": channels,
        # An invented place is not described to machines as a place.
        "structured_data": None if facility.sample else place(facility),
    }
