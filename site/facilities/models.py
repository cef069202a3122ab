"""Models of townships and facilities."""

from datetime import datetime

from sqlalchemy import JSON, Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import opening_hours
from ..database import Model, Publishable, Tracked, db
from ..kinds import public
from ..services.models import Service

facility_service = Table(
    "facility_service",
    db.metadata,
    Column("facility_id", ForeignKey("facility.id"), primary_key=True),
    Column("service_id", ForeignKey("service.id"), primary_key=True),
)


class Township(Tracked, Model):
    """One of the district's 14 townships: 街道 (subdistrict), 镇 (town) or 乡 (township).

    The coordinates are an approximate centre, used only to order places by distance.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str | None] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(16))
    latitude: Mapped[float]
    longitude: Mapped[float]
    position: Mapped[int] = mapped_column(default=0)

    facilities: Mapped[list["Facility"]] = relationship(back_populates="township")

    def __repr__(self) -> str:
        return f"<Township {self.slug}>"


class Facility(Publishable, Tracked, Model):
    """A place residents go to, with its hours and measured accessibility.

    `accessibility` maps a feature code (see features.FEATURES) to what was measured,
    e.g. {"accessible_toilet": {"available": true, "verified_on": "2026-10-09",
    "verified_by": "区残联"}}; a feature that is not there is unknown, not absent.
    `sample` marks a record the site made up as an example until staff replace it.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    type: Mapped[str] = mapped_column(String(40))
    township_id: Mapped[int] = mapped_column(ForeignKey("township.id"))
    published_at: Mapped[datetime | None]
    sample: Mapped[bool] = mapped_column(default=False)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    summary_en: Mapped[str | None] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(String(300))
    address_en: Mapped[str | None] = mapped_column(String(300))
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    hours: Mapped[list[dict] | None] = mapped_column(JSON)
    hours_note: Mapped[str | None] = mapped_column(Text)
    hours_note_en: Mapped[str | None] = mapped_column(Text)
    # How the place keeps public holidays (opening_hours.HOLIDAY_RULES), its own closures
    # (one a line: "2026-12-01 至 2026-12-31 装修暂停开放"; `closures_en` their reasons in
    # English, one a line in the same order), and how, when and by whom the hours were
    # verified: unverified hours are shown, never judged "open now".
    public_holidays: Mapped[str | None] = mapped_column(String(16))
    closures: Mapped[str | None] = mapped_column(Text)
    closures_en: Mapped[str | None] = mapped_column(Text)
    hours_verified_method: Mapped[str | None] = mapped_column(String(16))
    hours_verified_on: Mapped[str | None] = mapped_column(String(10))
    hours_verified_by: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(40))
    sms: Mapped[str | None] = mapped_column(String(40))
    transport: Mapped[str | None] = mapped_column(Text)
    transport_en: Mapped[str | None] = mapped_column(Text)
    accessibility: Mapped[dict] = mapped_column(JSON, default=dict)
    position: Mapped[int] = mapped_column(default=0)

    township: Mapped[Township] = relationship(back_populates="facilities")
    services: Mapped[list[Service]] = relationship(
        secondary=facility_service, order_by=Service.position
    )

    @property
    def public_services(self) -> list[Service]:
        """The services offered here, as residents may see them: a withdrawn or draft service's
        page is gone, so it is neither listed nor linked (`kinds.public`)."""
        return [service for service in self.services if public(service)]

    def __repr__(self) -> str:
        return f"<Facility {self.slug}>"

    def point(self) -> tuple[float, float] | None:
        """The place's own (latitude, longitude), when it is known."""
        if self.latitude is None or self.longitude is None:
            return None
        return (self.latitude, self.longitude)

    def point_or_township(self) -> tuple[float, float]:
        """The place's own point, or else its township's approximate centre."""
        return self.point() or (self.township.latitude, self.township.longitude)

    def opening(self) -> opening_hours.Hours | None:
        """The hours that decide whether the place is open on a day, or None when they
        cannot be judged: not published, or not verified."""
        if self.hours is None or not self.hours_verified_on:
            return None
        return opening_hours.Hours(self.hours, self.public_holidays, self.announced_closures())

    def announced_closures(self) -> tuple[opening_hours.Closure, ...]:
        """The place's own closures, in date order, each with its reason in English when
        staff gave one."""
        return opening_hours.parse_closures(self.closures, english=self.closures_en)

    def has(self, feature: str) -> bool:
        """True when the feature was found to be there."""
        return bool((self.accessibility or {}).get(feature, {}).get("available"))
