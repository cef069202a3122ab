"""The plan read on the site: full text, measures, indicators, projects and departments."""

from flask import Blueprint, abort, render_template

from ..pages import queries as pages
from ..services import queries as services
from . import queries

bp = Blueprint("plan", __name__)


@bp.get("/plan/")
def full_text():
    """The whole plan in order, with a table of contents."""
    return render_template(
        "plan/full_text.html",
        parts=queries.parts_in_order(),
        intro=pages.published_page("plan"),
    )


@bp.get("/plan/measures/")
def measures():
    """All 32 measures as a list."""
    return render_template("plan/measures.html", measures=queries.measures_in_order())


@bp.get("/plan/measures/<slug>")
def measure(slug: str):
    """One measure with its departments and the services derived from it."""
    item = queries.measure_by_slug(slug) or abort(404)
    ordered = queries.measures_in_order()
    index = ordered.index(item)
    return render_template(
        "plan/measure.html",
        measure=item,
        services=services.services_from(item),
        previous=ordered[index - 1] if index > 0 else None,
        following=ordered[index + 1] if index + 1 < len(ordered) else None,
    )


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
