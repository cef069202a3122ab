"""What the search engine indexes: plain documents, built by the site from its data."""

from dataclasses import dataclass, field

KINDS = (
    "service", "facility", "contact", "update", "section", "measure", "project", "indicator",
    "department", "page",
)  # fmt: skip
LANGUAGES = ("zh", "en")


@dataclass
class Document:
    """One searchable item in one language, e.g. the Chinese page of a service."""

    id: str
    kind: str
    language: str
    title: str
    summary: str = ""
    body: str = ""
    url: str = ""
    departments: list[str] = field(default_factory=list)
    township: str | None = None
    categories: list[str] = field(default_factory=list)
    disability_categories: list[str] = field(default_factory=list)
    # An English document's Chinese title, searched as its title is but never shown: a
    # resident on the English site may type the name in Chinese (无障碍, 就业).
    chinese_title: str = ""

    @property
    def searched_title(self) -> str:
        """The title as it is searched: with the Chinese title, when it is not in it."""
        if not self.chinese_title or self.chinese_title in self.title:
            return self.title
        return f"{self.title}\n{self.chinese_title}"

    def __post_init__(self) -> None:
        """Refuse a document the index could not filter or find again."""
        if not self.id:
            raise ValueError("a document needs an id")
        if self.kind not in KINDS:
            raise ValueError(f"unknown kind {self.kind!r}; expected one of {KINDS}")
        if self.language not in LANGUAGES:
            raise ValueError(f"unknown language {self.language!r}; expected one of {LANGUAGES}")
