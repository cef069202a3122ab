"""Model of an update (通知公告, 工作动态) published by staff."""

from datetime import datetime

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..database import DRAFT, Model, Publishable, Tracked

NOTICE, NEWS = "notice", "news"


class Update(Publishable, Tracked, Model):
    """A notice or a news item, written in Markdown, with an optional English version."""

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[str] = mapped_column(String(16), default=NOTICE)
    status: Mapped[str] = mapped_column(String(16), default=DRAFT)  # written, then published
    published_at: Mapped[datetime | None]
    title: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str | None] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    summary_en: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text, default="")
    body_en: Mapped[str | None] = mapped_column(Text)
    # Whom an email alert goes to: category slugs (none: every subscriber of the kind) and
    # township slugs (none: the whole district).
    topics: Mapped[list[str] | None] = mapped_column(JSON)
    townships: Mapped[list[str] | None] = mapped_column(JSON)
    alerts_queued_at: Mapped[datetime | None]  # set once, when first published

    def __repr__(self) -> str:
        return f"<Update {self.slug}>"
