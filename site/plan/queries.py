"""Reads of the plan's structure."""

from sqlalchemy import Row, func, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from ..database import PUBLISHED, db
from .models import LEAD, Box, Department, Indicator, Measure, PlanPart, PlanSection, Responsibility

# The plan's contents (/plan/) as rows of the columns the page shows and checks for English:
# loaded as objects with two selectinloads, they took 1.2 ms of CPU time; as rows, 0.2 ms.
PARTS = select(
    PlanPart.id,
    PlanPart.slug,
    PlanPart.number,
    PlanPart.title,
    PlanPart.title_en,
    PlanPart.body,
    PlanPart.body_en,
).order_by(PlanPart.position)
SECTIONS = select(
    PlanSection.id,
    PlanSection.part_id,
    PlanSection.slug,
    PlanSection.number,
    PlanSection.title,
    PlanSection.title_en,
    PlanSection.body,
    PlanSection.body_en,
).order_by(PlanSection.position)
MEASURES = select(
    Measure.section_id,
    Measure.slug,
    Measure.number,
    Measure.title,
    Measure.title_en,
    Measure.body,
    Measure.body_en,
).order_by(Measure.number)

# Each part with its sections, each section with its measures.
Contents = list[tuple[Row, list[tuple[Row, list[Row]]]]]


def contents() -> Contents:
    """The three parts in order, each with its sections in order, each with its measures
    in order."""
    connection = db.session.connection()
    measures: dict[int, list[Row]] = {}
    for measure in connection.execute(MEASURES):
        measures.setdefault(measure.section_id, []).append(measure)
    sections: dict[int, list[tuple[Row, list[Row]]]] = {}
    for section in connection.execute(SECTIONS):
        sections.setdefault(section.part_id, []).append((section, measures.get(section.id, [])))
    return [(part, sections.get(part.id, [])) for part in connection.execute(PARTS)]


def sections_in_order() -> list[PlanSection]:
    """The plan's twelve sections in order, each with its part."""
    return list(
        db.session.scalars(
            select(PlanSection)
            .join(PlanSection.part)
            .options(contains_eager(PlanSection.part))
            .order_by(PlanPart.position, PlanSection.position)
        )
    )


def section_by_slug(slug: str) -> PlanSection | None:
    """One section with its part, measures, boxes and departments, loaded at once."""
    return db.session.scalar(
        select(PlanSection)
        .where(PlanSection.slug == slug)
        .options(
            joinedload(PlanSection.part),
            selectinload(PlanSection.measures)
            .selectinload(Measure.responsibilities)
            .selectinload(Responsibility.department),
            selectinload(PlanSection.responsibilities).selectinload(Responsibility.department),
            selectinload(PlanSection.boxes).options(
                selectinload(Box.projects), selectinload(Box.indicators)
            ),
        )
    )


def measure_by_slug(slug: str) -> Measure | None:
    """One measure by its `<area>-<number>` slug, with its area and its departments."""
    return db.session.scalar(
        select(Measure)
        .where(Measure.slug == slug)
        .options(
            joinedload(Measure.section),
            selectinload(Measure.responsibilities).selectinload(Responsibility.department),
        )
    )


def measures_in_order() -> list[Measure]:
    """All 32 measures in the plan's order, each with its area."""
    return list(
        db.session.scalars(
            select(Measure)
            .join(Measure.section)
            .join(PlanSection.part)
            .options(contains_eager(Measure.section))
            .order_by(PlanPart.position, PlanSection.position, Measure.number)
        )
    )


def indicators() -> list[Indicator]:
    """The main indicators of 专栏1 in order."""
    return list(db.session.scalars(select(Indicator).order_by(Indicator.number)))


def indicator_count() -> int:
    """How many main indicators 专栏1 has: counted, not loaded (the home page)."""
    return db.session.scalar(select(func.count()).select_from(Indicator)) or 0


def project_boxes() -> list[Box]:
    """Boxes 2–9 with their projects and indicators."""
    return list(
        db.session.scalars(
            select(Box)
            .where(Box.number > 1)
            .order_by(Box.number)
            .options(
                selectinload(Box.projects), selectinload(Box.indicators), selectinload(Box.section)
            )
        )
    )


def indicator_box() -> Box | None:
    """Box 1, the table of main indicators."""
    return db.session.scalar(select(Box).where(Box.number == 1))


def departments() -> list[Department]:
    """Every department in the order the content lists them."""
    return list(db.session.scalars(select(Department).order_by(Department.position)))


def department_by_slug(slug: str) -> Department | None:
    """One department with all its roles and the measures, sections and services they are of."""
    return db.session.scalar(
        select(Department)
        .where(Department.slug == slug)
        .options(
            selectinload(Department.responsibilities).options(
                selectinload(Responsibility.measure),
                selectinload(Responsibility.section),
                selectinload(Responsibility.service),
            )
        )
    )


def roles_of(department: Department) -> dict[str, dict[str, list]]:
    """What a department leads and takes part in: {lead|participant: {kind: [items]}}."""
    roles: dict[str, dict[str, list]] = {}
    for responsibility in department.responsibilities:
        kind, item = _owner(responsibility)
        if kind == "services" and getattr(item, "status", None) != PUBLISHED:
            continue
        role = "lead" if responsibility.role == LEAD else "participant"
        roles.setdefault(role, {}).setdefault(kind, []).append(item)
    for by_kind in roles.values():
        if "measures" in by_kind:
            by_kind["measures"].sort(key=lambda m: tuple(int(n) for n in m.slug.split("-")))
    return roles


def _owner(responsibility: Responsibility) -> tuple[str, object]:
    """The item a responsibility belongs to, with its kind."""
    if responsibility.measure is not None:
        return "measures", responsibility.measure
    if responsibility.section is not None:
        return "sections", responsibility.section
    return "services", responsibility.service
