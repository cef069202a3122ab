"""The plan read on the site: its contents and a page per section, measures, indicators,
projects and departments."""

from flask import Blueprint, abort, render_template

from ..pages import queries as pages
from ..services import queries as services
from . import queries
from .models import INDICATOR_ATTRIBUTES

bp = Blueprint("plan", __name__)
bp.add_app_template_global(INDICATOR_ATTRIBUTES, "attribute_names")


@bp.get("/plan/")
def full_text():
    """The plan's introduction and contents: each part's text and a link to each section
    (the full text of a section is on its own page, so no page is the whole plan)."""
    return render_template(
        "plan/full_text.html",
        parts=queries.parts_in_order(),
        intro=pages.published_page("plan"),
    )


@bp.get("/plan/sections/<slug>")
def section(slug: str):
    """One section of the plan in full: its text, departments, boxes and measures."""
    item = queries.section_by_slug(slug) or abort(404)
    return render_template(
        "plan/section.html", section=item, **_neighbours(queries.sections_in_order(), item)
    )


@bp.get("/plan/measures/")
def measures():
    """All 32 measures as a list."""
    return render_template("plan/measures.html", measures=queries.measures_in_order())


@bp.get("/plan/measures/<slug>")
def measure(slug: str):
    """One measure with its departments and the services derived from it."""
    item = queries.measure_by_slug(slug) or abort(404)
    return render_template(
        "plan/measure.html",
        measure=item,
        services=services.services_from(item),
        **_neighbours(queries.measures_in_order(), item),
    )


def _neighbours(ordered: list, item) -> dict:
    """The items before and after `item` in `ordered`, for the page's pager."""
    index = ordered.index(item)
    return {
        "previous": ordered[index - 1] if index > 0 else None,
        "following": ordered[index + 1] if index + 1 < len(ordered) else None,
    }


@bp.get("/plan/indicators")
def indicators():
    """The main indicators of 专栏1 as a table."""
    return render_template(
        "plan/indicators.html", box=queries.indicator_box(), indicators=queries.indicators()
    )


@bp.get("/plan/projects")
def projects():
    """The projects of 专栏2–9."""
    return render_template("plan/projects.html", boxes=queries.project_boxes())


@bp.get("/departments/")
def departments():
    """Every department named in the plan."""
    return render_template("plan/departments.html", departments=queries.departments())


@bp.get("/departments/<slug>")
def department(slug: str):
    """What one department leads and takes part in."""
    item = queries.department_by_slug(slug) or abort(404)
    return render_template("plan/department.html", department=item, roles=queries.roles_of(item))
