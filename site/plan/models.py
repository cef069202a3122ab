"""Models of the plan's structure, as the plan document sets it out."""

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import Model, Tracked

LEAD = "lead"
PARTICIPANT = "participant"


class Department(Tracked, Model):
    """A department the plan names as lead (牵头部门) or participant (参与部门)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    full_name: Mapped[str | None] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(default=0)

    responsibilities: Mapped[list["Responsibility"]] = relationship(back_populates="department")

    def __repr__(self) -> str:
        return f"<Department {self.slug}>"


class PlanPart(Tracked, Model):
    """One of the plan's three parts: 总体要求, 重点任务和主要措施, 保障措施."""

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    number: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    body_en: Mapped[str | None] = mapped_column(Text)
    position: Mapped[int] = mapped_column(default=0)

    sections: Mapped[list["PlanSection"]] = relationship(
        back_populates="part", order_by="PlanSection.position"
    )

    def __repr__(self) -> str:
        return f"<PlanPart {self.slug}>"


class PlanSection(Tracked, Model):
    """A numbered section （一）… of a part; in part 二 these are the five task areas."""

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("plan_part.id"))
    number: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    body_en: Mapped[str | None] = mapped_column(Text)
    position: Mapped[int] = mapped_column(default=0)

    part: Mapped[PlanPart] = relationship(back_populates="sections")
    measures: Mapped[list["Measure"]] = relationship(
        back_populates="section", order_by="Measure.number"
    )
    boxes: Mapped[list["Box"]] = relationship(back_populates="section", order_by="Box.number")
    responsibilities: Mapped[list["Responsibility"]] = relationship(
        back_populates="section", order_by="Responsibility.position"
    )

    def __repr__(self) -> str:
        return f"<PlanSection {self.slug}>"


class Measure(Tracked, Model):
    """One of the 32 numbered measures (主要措施) of the five task areas."""

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(16), unique=True)  # "<area>-<number>", e.g. 1-3
    section_id: Mapped[int] = mapped_column(ForeignKey("plan_section.id"))
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    body_en: Mapped[str | None] = mapped_column(Text)

    section: Mapped[PlanSection] = relationship(back_populates="measures")
    responsibilities: Mapped[list["Responsibility"]] = relationship(
        back_populates="measure", order_by="Responsibility.position"
    )

    def __repr__(self) -> str:
        return f"<Measure {self.slug}>"


class Responsibility(Model):
    """A department's role (lead or participant) in a measure, a section or a service."""

    __table_args__ = (
        CheckConstraint(
            "(CASE WHEN measure_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN section_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN service_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="one_owner",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    role: Mapped[str] = mapped_column(String(16))
    position: Mapped[int] = mapped_column(default=0)
    measure_id: Mapped[int | None] = mapped_column(ForeignKey("measure.id"))
    section_id: Mapped[int | None] = mapped_column(ForeignKey("plan_section.id"))
    service_id: Mapped[int | None] = mapped_column(ForeignKey("service.id"))

    department: Mapped[Department] = relationship(back_populates="responsibilities")
    measure: Mapped[Measure | None] = relationship(back_populates="responsibilities")
    section: Mapped[PlanSection | None] = relationship(back_populates="responsibilities")
    service = relationship("Service", back_populates="responsibilities")

    def __repr__(self) -> str:
        return f"<Responsibility {self.role} {self.department_id}>"


class Box(Tracked, Model):
    """A 专栏: box 1 holds the indicators, boxes 2–9 the projects."""

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    title: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str | None] = mapped_column(String(200))
    section_id: Mapped[int] = mapped_column(ForeignKey("plan_section.id"))
    after_measure: Mapped[int | None]

    section: Mapped[PlanSection] = relationship(back_populates="boxes")
    projects: Mapped[list["Project"]] = relationship(
        back_populates="box", order_by="Project.position"
    )
    indicators: Mapped[list["Indicator"]] = relationship(
        back_populates="box", order_by="Indicator.number"
    )

    def __repr__(self) -> str:
        return f"<Box {self.number}>"


class Project(Tracked, Model):
    """A project (专栏项目) listed in one of boxes 2–9."""

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    box_id: Mapped[int] = mapped_column(ForeignKey("box.id"))
    title: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    body_en: Mapped[str | None] = mapped_column(Text)
    position: Mapped[int] = mapped_column(default=0)

    box: Mapped[Box] = relationship(back_populates="projects")

    def __repr__(self) -> str:
        return f"<Project {self.slug}>"


# 预期性 indicators are expected to be reached, 约束性 ones must be.
INDICATOR_ATTRIBUTES = {"expected": _l("预期性"), "binding": _l("约束性")}


class Indicator(Tracked, Model):
    """One of the 11 main indicators of 专栏1, with its 2020 value and 2025 target as printed."""

    id: Mapped[int] = mapped_column(primary_key=True)
    box_id: Mapped[int] = mapped_column(ForeignKey("box.id"))
    number: Mapped[int] = mapped_column(unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(16))
    unit_en: Mapped[str | None] = mapped_column(String(32))
    value_2020: Mapped[str | None] = mapped_column(String(16))
    target_2025: Mapped[str | None] = mapped_column(String(16))
    attribute: Mapped[str] = mapped_column(String(16))  # expected (预期性) or binding (约束性)
    # The latest value staff entered, with the date it refers to and where it comes from.
    current_value: Mapped[str | None] = mapped_column(String(32))
    current_date: Mapped[date | None]
    current_source: Mapped[str | None] = mapped_column(String(300))

    box: Mapped[Box] = relationship(back_populates="indicators")

    def __repr__(self) -> str:
        return f"<Indicator {self.number}>"


# The model Responsibility.service names, so that whatever imports this module can use it (see
# feedback/models.py). Imported last, as a module: services/models.py imports this one.
from ..services import models as _services  # noqa: E402, F401
