"""The contacts directory's filters, read from the query string."""

from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import pgettext
from werkzeug.datastructures import MultiDict

from ..query_args import Problems, QueryArgs
from .channels import CHANNELS, NEEDS


@dataclass
class ContactFilters:
    """What the resident asked the directory for."""

    need: str | None = None
    channel: str | None = None
    open_now: bool = False
    problems: Problems = field(default_factory=Problems)


def read_filters(args: MultiDict) -> ContactFilters:
    """Parse the directory's query string; bad values are dropped and reported, never raised."""
    query = QueryArgs(args)
    filters = ContactFilters(
        need=query.choice("need", NEEDS, _("适合谁")),
        channel=query.choice("channel", CHANNELS, pgettext("contact channel", "联系方式")),
        open_now=query.flag("open", "now", _("服务时间"), "open-now"),
    )
    filters.problems = query.problems
    return filters
