"""Model of a contact channel."""

from sqlalchemy import JSON, Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import Model, Publishable, Tracked, db
from ..facilities.models import Facility
from ..kinds import public
from ..plan.models import Department
from ..services.models import Service

contact_service = Table(
    "contact_service",
    db.metadata,
    Column("contact_id", ForeignKey("contact_channel.id"), primary_key=True),
    Column("service_id", ForeignKey("service.id"), primary_key=True),
)


class ContactChannel(Publishable, Tracked, Model):
    """One way to reach a person: a phone line, SMS, video sign language, a counter...

    `value` is the number, account or address to use; a sample record has none, because an
    invented number could ring a stranger. A channel without a department is general (12345).
    """

    __tablename__ = "contact_channel"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    channel: Mapped[str] = mapped_column(String(24))
    sample: Mapped[bool] = mapped_column(default=False)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    summary_en: Mapped[str | None] = mapped_column(Text)
    value: Mapped[str | None] = mapped_column(String(200))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    facility_id: Mapped[int | None] = mapped_column(ForeignKey("facility.id"))
    hours: Mapped[list[dict] | None] = mapped_column(JSON)
    hours_note: Mapped[str | None] = mapped_column(Text)
    hours_note_en: Mapped[str | None] = mapped_column(Text)
    needs: Mapped[list[str]] = mapped_column(JSON, default=list)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    position: Mapped[int] = mapped_column(default=0)

    department: Mapped[Department | None] = relationship()
    facility: Mapped[Facility | None] = relationship()
    services: Mapped[list[Service]] = relationship(
        secondary=contact_service, order_by=Service.position
    )

    @property
    def public_services(self) -> list[Service]:
        """The services asked about here, as residents may see them: a withdrawn or draft service's
        page is gone, so it is neither listed nor linked (`kinds.public`)."""
        return [service for service in self.services if public(service)]

    def __repr__(self) -> str:
        return f"<ContactChannel {self.slug}>"

    @property
    def place(self) -> Facility | None:
        """The place to go, while residents can see it. A withdrawn place's page is gone,
        and whether its address still holds is not known: a counter there is then shown as
        one whose place is not published, not sent to a page that answers 404."""
        return self.facility if self.facility is not None and public(self.facility) else None

    @property
    def serves_district(self) -> bool:
        """True when the site can say the channel serves 茌平区: it belongs to a department or
        a place here, or, a general line, its hours are published (12345's, from 国办发〔2020〕
        53号). A general line whose hours nobody has checked (12385: who runs it, where and
        when are not verified) is not said to serve the district: schema.org data gives it no
        areaServed and no service offers it as a channel."""
        return bool(self.department_id or self.facility_id or self.hours)

    @property
    def usable(self) -> bool:
        """True when a number, account, address or place to use it is published."""
        return bool(self.value or self.place)
