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
    # An English document's Chinese twin: the same item's Chinese title, summary and body.
    # A resident on the English site may type Chinese (无障碍, 就业), and the English page
    # says what its twin says: its Chinese words are searched, in fields of their own
    # (`CHINESE_FIELDS`), as the Chinese site searches the twin's. Never shown.
    chinese_title: str = ""
    chinese_summary: str = ""
    chinese_body: str = ""

    @property
    def searched_title(self) -> str:
        """The title as its own field searches it: without the Chinese title that an
        English one shows beside its own (a project's, 无障碍厕所), searched as the twin's."""
        if not self.chinese_title:
            return self.title
        return self.title.replace(self.chinese_title, " ").strip()

    def __post_init__(self) -> None:
        """Refuse a document the index could not filter or find again."""
        if not self.id:
            raise ValueError("a document needs an id")
        if self.kind not in KINDS:
            raise ValueError(f"unknown kind {self.kind!r}; expected one of {KINDS}")
        if self.language not in LANGUAGES:
            raise ValueError(f"unknown language {self.language!r}; expected one of {LANGUAGES}")
