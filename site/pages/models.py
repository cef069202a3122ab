"""Model of a static page (关于本站, 无障碍声明, 联系我们)."""

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..database import Model, Publishable, Tracked


class Page(Publishable, Tracked, Model):
    """A static page written in Markdown, with an optional English version."""

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str | None] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    summary_en: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    body_en: Mapped[str | None] = mapped_column(Text)

    def __repr__(self) -> str:
        return f"<Page {self.slug}>"
