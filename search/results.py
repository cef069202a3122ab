"""What a search returns: a page of hits with safe HTML snippets, facet counts, a suggestion."""

import html
from dataclasses import dataclass, field

from whoosh.analysis import Token
from whoosh.highlight import ContextFragmenter, Formatter, get_text
from whoosh.searching import Hit as WhooshHit
from whoosh.searching import Results as WhooshResults

SNIPPET_CHARS = 160


class SafeHTML(str):
    """HTML that is already escaped: Jinja (through MarkupSafe) outputs it unchanged."""

    def __html__(self) -> str:
        """Tell MarkupSafe that this string is safe HTML."""
        return str(self)


@dataclass
class Hit:
    """One matching document."""

    id: str
    kind: str
    language: str
    title: str
    url: str
    snippet: SafeHTML


@dataclass
class Results:
    """One page of results for a query, with counts for the kind facet."""

    query: str
    total: int
    page: int
    pages: int
    per_page: int
    hits: list[Hit] = field(default_factory=list)
    kind_counts: dict[str, int] = field(default_factory=dict)
    suggestion: str | None = None
    # Results for `suggestion`, shown because what was typed (this) found nothing.
    corrected_from: str | None = None
    # For a query in pinyin: the Chinese words of titles that it spells.
    pinyin_words: list[str] = field(default_factory=list)

    @classmethod
    def empty(cls, query: str, per_page: int) -> "Results":
        """Results for a query with nothing to search for."""
        return cls(query=query, total=0, page=1, pages=0, per_page=per_page)


class MarkFormatter(Formatter):
    """Formats snippets as HTML: matches in <mark>, everything else escaped."""

    between = " … "

    def _text(self, text: str) -> str:
        """Escape the text between matches."""
        return html.escape(text)

    def format_token(self, text: str, token: Token, replace: bool = False) -> str:
        """Wrap one match in <mark>."""
        return f"<mark>{html.escape(get_text(text, token, replace))}</mark>"


def configure_highlighting(results: WhooshResults) -> None:
    """Make a Whoosh result set produce our snippets."""
    results.fragmenter = ContextFragmenter(maxchars=SNIPPET_CHARS, surround=40)
    results.formatter = MarkFormatter()


def snippet(hit: WhooshHit) -> SafeHTML:
    """The best passage of a Whoosh hit's summary or body, with its matches marked."""
    for fieldname in ("summary", "body"):
        if hit.get(fieldname):
            marked = hit.highlights(fieldname, top=2)
            if marked:
                return SafeHTML(marked)
    # The match was in the title only: show the start of the summary as it is.
    text = hit.get("summary") or hit.get("body") or ""
    shortened = text if len(text) <= SNIPPET_CHARS else text[:SNIPPET_CHARS] + "…"
    return SafeHTML(html.escape(shortened))
