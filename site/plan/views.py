"""The plan read on the site: its contents and a page per section, measures, indicators,
projects and departments."""

from itertools import chain
from typing import TypeVar

from flask import Blueprint, Response, abort, render_template
from flask_babel import gettext as _
from flask_babel import ngettext

from ..contacts.queries import Reachable
from ..i18n import is_english, list_separator, localized
from ..opening_hours import last_opening_or_closing, local_now
from ..page_cache import last_public_change
from ..pages import queries as pages
from ..pages.descriptions import meta_description
from ..pages.models import Page
from ..security import last_modified
from ..services import queries as services
from ..services.where import GENERAL_HOTLINE
from . import queries
from .models import (
    INDICATOR_ATTRIBUTES,
    Box,
    Department,
    Indicator,
    Measure,
    PlanPart,
    PlanSection,
    Project,
)
from .progress import marked_up, progress

bp = Blueprint("plan", __name__)
bp.add_app_template_global(INDICATOR_ATTRIBUTES, "attribute_names")  # type: ignore[arg-type]
bp.add_app_template_global(progress, "indicator_progress")
bp.add_app_template_global(marked_up, "indicator_figure")

# The text fields each item shows, whose English twin is `<field>_en`.
TRANSLATED = {
    Page: ("title", "summary", "body"),
    PlanPart: ("title", "body"),
    PlanSection: ("title", "body"),
    Measure: ("title", "body"),
    Box: ("title",),
    Project: ("title", "body"),
    Indicator: ("name", "unit"),
}


def untranslated(items: list, fields: tuple[str, ...] | None = None) -> bool:
    """Whether the English site shows some of these items' text in Chinese: then the page
    carries the translation note and is read aloud in Chinese. The text fields are the
    item's type's in TRANSLATED, or `fields` for rows read as columns."""
    return is_english() and any(
        getattr(item, name) and not getattr(item, f"{name}_en")
        for item in items
        if item is not None
        for name in fields or TRANSLATED[type(item)]
    )


def _in_section(section: PlanSection) -> list:
    """Every item whose text a section's page shows."""
    boxes = section.boxes
    return [
        section,
        section.part,
        *section.measures,
        *boxes,
        *chain.from_iterable(box.projects for box in boxes),
        *chain.from_iterable(box.indicators for box in boxes),
    ]


@bp.get("/plan/")
def full_text() -> str:
    """The plan's introduction and contents: each part's text and a link to each section
    (the full text of a section is on its own page, so no page is the whole plan)."""
    parts = queries.contents()
    intro = pages.published_page("plan")
    sections = [entry for _part, entries in parts for entry in entries]
    # The contents are rows, not objects: each kind is checked with its type's fields.
    shown = (
        untranslated([intro])
        or untranslated([part for part, _sections in parts], TRANSLATED[PlanPart])
        or untranslated([section for section, _measures in sections], TRANSLATED[PlanSection])
        or untranslated(
            [m for _section, measures in sections for m in measures], TRANSLATED[Measure]
        )
    )
    return render_template("plan/full_text.html", parts=parts, intro=intro, untranslated=shown)


@bp.get("/plan/sections/<slug>")
def section(slug: str) -> str:
    """One section of the plan in full: its text, departments, boxes and measures."""
    item = queries.section_by_slug(slug) or abort(404)
    neighbours = _neighbours(queries.sections_in_order(), item)
    return render_template(
        "plan/section.html",
        section=item,
        untranslated=untranslated([*_in_section(item), *neighbours.values()]),
        **neighbours,
    )


@bp.get("/plan/measures/")
def measures() -> str:
    """All 32 measures as a list."""
    items = queries.measures_in_order()
    shown = [*items, *{measure.section for measure in items}]
    return render_template("plan/measures.html", measures=items, untranslated=untranslated(shown))


@bp.get("/plan/measures/<slug>")
def measure(slug: str) -> str:
    """One measure with its departments and the services derived from it."""
    item = queries.measure_by_slug(slug) or abort(404)
    neighbours = _neighbours(queries.measures_in_order(), item)
    return render_template(
        "plan/measure.html",
        measure=item,
        services=services.services_from(item),
        untranslated=untranslated([item, item.section, *neighbours.values()]),
        **neighbours,
    )


_T = TypeVar("_T")


def _neighbours(ordered: list[_T], item: _T) -> dict[str, _T | None]:
    """The items before and after `item` in `ordered`, for the page's pager."""
    index = ordered.index(item)
    return {
        "previous": ordered[index - 1] if index > 0 else None,
        "following": ordered[index + 1] if index + 1 < len(ordered) else None,
    }


@bp.get("/plan/indicators")
def indicators() -> str:
    """The main indicators of 专栏1 as a table, a progress picture each, and downloads."""
    box = queries.indicator_box()
    items = queries.indicators()
    return render_template(
        "plan/indicators.html",
        box=box,
        indicators=items,
        untranslated=untranslated([box, *items]),
    )


@bp.get("/plan/projects")
def projects() -> str:
    """The projects of 专栏2–9."""
    boxes = queries.project_boxes()
    shown = [*boxes, *chain.from_iterable(box.projects for box in boxes)]
    return render_template("plan/projects.html", boxes=boxes, untranslated=untranslated(shown))


@bp.get("/departments/")
def departments() -> str:
    """Every department named in the plan."""
    return render_template("plan/departments.html", departments=queries.departments())


@bp.get("/departments/<slug>")
def department(slug: str) -> Response:
    """What one department leads and takes part in, and how to reach it: its own real
    channels, the general line, and the written way to the federation."""
    item = queries.department_by_slug(slug) or abort(404)
    roles = queries.roles_of(item)
    now = local_now()
    own, general = services.channels_of(item.id, GENERAL_HOTLINE)
    body = render_template(
        "plan/department.html",
        department=item,
        roles=roles,
        description=_department_description(item, roles),
        own=[Reachable.at(c, now) for c in own],
        general=[Reachable.at(c, now) for c in general],
    )
    hours = [channel.hours for channel in own + general]
    return last_modified(body, last_public_change(), last_opening_or_closing(hours, now))


# A department's description names at most this many measures of a role, then how many in all.
NAMED_MEASURES = 6


def _department_description(department: Department, roles: dict[str, dict[str, list]]) -> str:
    """The department's page described in a sentence: which of the plan's measures and
    safeguards it leads and which it takes part in (`queries.roles_of`; the services are
    the site's reading of those, not the plan's words)."""
    name = localized(department, "name")[0] or department.name
    lead, part = (_planned_work(roles.get(role, {})) for role in ("lead", "participant"))
    if lead and part:
        text = _(
            "规划中，%(name)s牵头负责%(lead)s，参与%(part)s。", name=name, lead=lead, part=part
        )
    elif lead:
        text = _("规划中，%(name)s牵头负责%(lead)s。", name=name, lead=lead)
    elif part:
        text = _("规划中，%(name)s参与%(part)s。", name=name, part=part)
    else:
        text = _("%(name)s：规划点名的部门。", name=name)
    return meta_description(text)


def _planned_work(by_kind: dict[str, list]) -> str:
    """The measures (by number, only the first few of a long list) and the safeguards (by
    title) of one role, in a line: 措施1-1、1-2和保障措施“组织领导”."""
    measures = [measure.slug for measure in by_kind.get("measures", [])]
    codes = list_separator(measures).join(measures[:NAMED_MEASURES])
    if len(measures) > NAMED_MEASURES:
        work = _("措施%(codes)s等%(count)d项", codes=codes, count=len(measures))
    else:
        work = ngettext("措施%(codes)s", "措施%(codes)s", len(measures), codes=codes)
    sections = [localized(section, "title")[0] or "" for section in by_kind.get("sections", [])]
    titles = list_separator(sections).join(_("“%(title)s”", title=t) for t in sections)
    safeguards = ngettext("保障措施%(titles)s", "保障措施%(titles)s", len(sections), titles=titles)
    if measures and sections:
        return _("%(measures)s和%(safeguards)s", measures=work, safeguards=safeguards)
    return work if measures else safeguards if sections else ""
