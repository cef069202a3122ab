"""The contacts directory and one page per channel."""

from datetime import datetime

from flask import Blueprint, Response, abort, render_template, request
from flask.typing import ResponseReturnValue

from .. import opening_hours
from ..i18n import Labels
from ..opening_hours import last_opening_or_closing
from ..page_cache import last_public_change
from ..query_args import filtered_page, wants_fragment
from ..security import last_modified
from . import channels, queries, validation
from .filters import read_filters
from .models import ContactChannel
from .structured_data import contact_page

bp = Blueprint("contacts", __name__)
# Globals, not context: the macros that use them are imported without context. Their names
# are translated once per language (`Labels`): each card of a list shows some.
NEEDS = Labels(channels.NEEDS)
bp.add_app_template_global(Labels(channels.CHANNELS), "contact_channels")  # type: ignore[arg-type]
bp.add_app_template_global(channels.LINK_SCHEMES, "contact_link_schemes")  # type: ignore[arg-type]
bp.add_app_template_global(validation.link, "contact_link")
bp.add_app_template_global(NEEDS, "contact_needs")  # type: ignore[arg-type]
bp.add_app_template_global(Labels(channels.LANGUAGES), "contact_languages")  # type: ignore[arg-type]
bp.add_app_template_filter(lambda code: NEEDS.get(code, code), "contact_need")


@bp.get("/contacts/")
def directory() -> ResponseReturnValue:
    """Every way to reach a person, filterable by need, channel and "available now"."""
    filters = read_filters(request.args)
    found = queries.find(filters, opening_hours.local_now())
    template = "contacts/_results.html" if wants_fragment() else "contacts/directory.html"
    body = render_template(
        template, filters=filters, found=found, local_published=queries.any_local_published()
    )
    return filtered_page(body, filters.problems)


# The page of one channel. Its public view and the back office's preview (which renders it
# inside a frame of its own, from values not yet saved) both render it with `page`.
DETAIL = "contacts/detail.html"


@bp.get("/contacts/<slug>")
def detail(slug: str) -> Response:
    """One channel: how to use it, when, for whom, in which languages, about what."""
    contact = queries.published_contact(slug) or abort(404)
    now = opening_hours.local_now()
    body = render_template(DETAIL, **page(contact, now))
    # It shows its department, place and services too, and whether it answers now.
    opened_or_closed = last_opening_or_closing([contact.hours], now)
    return last_modified(body, last_public_change(), opened_or_closed)


def page(contact: ContactChannel, now: datetime) -> dict:
    """What the channel's page (`DETAIL`) shows at `now`, as the template's variables."""
    return {
        "contact": contact,
        "open_now": queries.Reachable.at(contact, now).open_now,
        "week": opening_hours.week(contact.hours),
        # An invented contact is not described to machines as a way to reach anyone.
        "structured_data": None if contact.sample else contact_page(contact),
    }
