"""The facility finder and one page per facility."""

from flask import Blueprint, abort, render_template, request

from .. import opening_hours
from ..contacts import queries as contacts
from ..opening_hours import last_opening_or_closing
from ..page_cache import last_public_change
from ..query_args import filtered_page, wants_fragment
from ..security import last_modified
from . import features, geo, queries
from .filters import read_filters
from .structured_data import place

bp = Blueprint("facilities", __name__)
# Globals, not context: the macros that use them are imported without context.
bp.add_app_template_global(features, "facility_features")
bp.add_app_template_global(features.TYPES, "facility_types")
bp.add_app_template_global(features.DETAIL_LABELS, "facility_detail_labels")


@bp.get("/facilities/")
def finder():
    """Places by township, type and need; open now; nearest first from a chosen point."""
    townships = queries.townships()
    filters = read_filters(request.args, [township.slug for township in townships])
    found = queries.find(filters, opening_hours.local_now())
    template = "facilities/_results.html" if wants_fragment() else "facilities/finder.html"
    body = render_template(
        template,
        townships=townships,
        filters=filters,
        found=found,
    )
    return filtered_page(body, filters.problems)


@bp.get("/facilities/<slug>")
def detail(slug: str):
    """One place: hours, how to get there, how to reach it, what is accessible, what is done."""
    facility = queries.published_facility(slug) or abort(404)
    now = opening_hours.local_now()
    channels = contacts.at_facility(facility, now)
    body = render_template(
        "facilities/detail.html",
        facility=facility,
        open_now=opening_hours.is_open(facility.hours, now),
        week=opening_hours.week(facility.hours),
        map_links=geo.map_links(facility.name, facility.point()),
        contacts=channels,
        structured_data=place(facility),
    )
    # It shows its township, services and contacts too, and whether it is open now.
    hours = [facility.hours, *(channel.contact.hours for channel in channels)]
    return last_modified(body, last_public_change(), last_opening_or_closing(hours, now))
