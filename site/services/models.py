"""Models of the services (服务事项) derived from the plan."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import Model, Publishable, Tracked, db
from ..plan.models import Measure, Project, Responsibility

# The categories of 《残疾人残疾分类和分级》(GB/T 26341-2010), by code.
DISABILITY_CATEGORIES = {
    "visual": _l("视力残疾"),
    "hearing": _l("听力残疾"),
    "speech": _l("言语残疾"),
    "physical": _l("肢体残疾"),
    "intellectual": _l("智力残疾"),
    "mental": _l("精神残疾"),
    "multiple": _l("多重残疾"),
}

service_measure = Table(
    "service_measure",
    db.metadata,
    Column("service_id", ForeignKey("service.id"), primary_key=True),
    Column("measure_id", ForeignKey("measure.id"), primary_key=True),
)
service_project = Table(
    "service_project",
    db.metadata,
    Column("service_id", ForeignKey("service.id"), primary_key=True),
    Column("project_id", ForeignKey("project.id"), primary_key=True),
)
related_service = Table(
    "related_service",
    db.metadata,
    Column("service_id", ForeignKey("service.id"), primary_key=True),
    Column("related_id", ForeignKey("service.id"), primary_key=True),
)


class Category(Tracked, Model):
    """A group of services by need, e.g. 康复与辅助器具."""

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str | None] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str | None] = mapped_column(Text)
    position: Mapped[int] = mapped_column(default=0)

    services: Mapped[list["Service"]] = relationship(
        back_populates="category", order_by="Service.position"
    )

    def __repr__(self) -> str:
        return f"<Category {self.slug}>"


class Service(Publishable, Tracked, Model):
    """Something a resident can ask for, with who may get it, what they get and how."""

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"))
    position: Mapped[int] = mapped_column(default=0)
    published_at: Mapped[datetime | None]
    title: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str | None] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    summary_en: Mapped[str | None] = mapped_column(Text)
    disability_categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    eligibility: Mapped[str | None] = mapped_column(Text)
    eligibility_en: Mapped[str | None] = mapped_column(Text)
    benefits: Mapped[str | None] = mapped_column(Text)
    benefits_en: Mapped[str | None] = mapped_column(Text)
    amount: Mapped[str | None] = mapped_column(Text)
    amount_en: Mapped[str | None] = mapped_column(Text)
    how_to_apply: Mapped[str | None] = mapped_column(Text)
    how_to_apply_en: Mapped[str | None] = mapped_column(Text)
    documents: Mapped[list[str] | None] = mapped_column(JSON)
    documents_en: Mapped[list[str] | None] = mapped_column(JSON)
    easy_read: Mapped[str] = mapped_column(Text)
    easy_read_en: Mapped[str | None] = mapped_column(Text)
    # Where the departments in charge of it and handling it (`responsibilities`) come from.
    departments_source: Mapped[str | None] = mapped_column(Text)
    departments_source_en: Mapped[str | None] = mapped_column(Text)

    category: Mapped[Category] = relationship(back_populates="services")
    responsibilities: Mapped[list[Responsibility]] = relationship(
        back_populates="service", order_by=Responsibility.position
    )
    measures: Mapped[list[Measure]] = relationship(secondary=service_measure, order_by=Measure.slug)
    projects: Mapped[list[Project]] = relationship(secondary=service_project)
    related: Mapped[list["Service"]] = relationship(
        secondary=related_service,
        primaryjoin=id == related_service.c.service_id,
        secondaryjoin=id == related_service.c.related_id,
    )

    def __repr__(self) -> str:
        return f"<Service {self.slug}>"
