"""The service and category kinds, declared once (see kinds.py)."""

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from ..kinds import (
    POSITION,
    SLUG_FIELD,
    SUMMARY,
    TITLE,
    Field,
    Kind,
    choices,
    slugs,
    stored,
    translated,
)
from ..plan.models import Measure, Project
from . import validation
from .models import DISABILITY_CATEGORIES, Category, Service

CATEGORIES = Kind(
    "categories",
    Category,
    _l("服务分类"),
    (*stored("name", "name_en", "description", "description_en"), POSITION),
    title_field="name",
)


def _markdown(name: str, label: str | LazyString, hint: str | LazyString | None = None) -> Field:
    """A part of a service's page, written in Markdown; its text is searched."""
    return Field(name, label, "markdown", hint=hint, search=True)


def _links(name: str, model: type) -> Field:
    """Links to other items that only content files set."""
    return Field(name, name, "multi", relation=(model, "slug"), edit=False, table=False)


SERVICES = Kind(
    "services",
    Service,
    _l("服务事项"),
    (
        SLUG_FIELD,
        Field(
            "category",
            _l("分类"),
            "select",
            required=True,
            choices=slugs(Category),
            relation=(Category, "slug"),
        ),
        *translated(TITLE),
        *translated(SUMMARY),
        Field(
            "disability_categories",
            _l("适用于哪些残疾类别"),
            "multi",
            choices=choices(DISABILITY_CATEGORIES),
            hint=_l("规划没有限定类别的，不要勾选。"),
        ),
        *translated(_markdown("eligibility", _l("谁可以申请"))),
        *translated(_markdown("benefits", _l("可以得到什么"))),
        *translated(
            Field(
                "amount",
                _l("标准和金额"),
                "markdown",
                hint=_l("规划没有给出的金额不要填写，页面会说明并告诉居民问谁。"),
            )
        ),
        *translated(_markdown("how_to_apply", _l("怎么申请"))),
        *translated(
            Field(
                "documents",
                _l("要带的材料"),
                "list",
                hint=_l("每行一项。规划没有写的材料不要填写。"),
            )
        ),
        *translated(Field("easy_read", _l("易读版"), "markdown", required=True, search=True)),
        *translated(
            Field(
                validation.DEPARTMENTS_SOURCE,
                _l("部门的依据"),
                "textarea",
                edit=False,
                table=False,
            )
        ),
        _links("measures", Measure),
        _links("projects", Project),
        _links("related", Service),
        POSITION,
    ),
    roles=True,
    rules=validation.problems,
    public_endpoint="services.detail",
    authoring=(
        "title",
        "summary",
        ("eligibility", "benefits", "amount", "how_to_apply", "easy_read"),
    ),
    order=(Service.position,),
)
