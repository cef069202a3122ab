"""The rules of 我能申请什么 for staff to review: every check and rule, in words, with its
sources (/staff/eligibility-rules, signed in)."""

from flask import Blueprint, render_template
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..database import db
from ..plan.models import Measure, Project
from ..services.models import Service
from ..staff.accounts import sessions
from ..staff.models import EDITOR
from .questions import BY_ID
from .rules import Condition, rules

bp = Blueprint("eligibility_staff", __name__, url_prefix="/staff")


@bp.app_template_filter("eligibility_condition")
def condition_words(condition: Condition) -> str:
    """A condition in words: 残疾等级：“一级”、“二级” (answers quoted: some hold commas)."""
    question = BY_ID[condition.question]
    options = _("、").join(
        _("“%(answer)s”", answer=question.option(code).label) for code in condition.codes
    )
    return _("%(question)s：%(answers)s", question=question.title, answers=options)


@bp.get("/eligibility-rules")
@sessions.require(EDITOR)
def eligibility_rules() -> str:
    """Every check and rule of content/eligibility.yaml, by service, with its sources."""
    loaded = rules()
    services = {
        service.slug: service
        for service in db.session.scalars(
            select(Service).where(Service.slug.in_(loaded.services()))
        )
    }
    measures = {m.slug: m for m in db.session.scalars(select(Measure))}
    projects = {
        p.slug: p for p in db.session.scalars(select(Project).options(joinedload(Project.box)))
    }
    by_service = {
        slug: [r for r in loaded.rules if r.service == slug] for slug in loaded.services()
    }
    return render_template(
        "eligibility/rules.html",
        rules=loaded,
        by_service=by_service,
        services=services,
        measures=measures,
        projects=projects,
    )
