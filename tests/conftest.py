"""Fixtures: an app with the real content loaded into a temporary SQLite database.

Helpers shared by the test modules live here too: a small HTML tree (standard library
only), the sitemap's URLs, every page of the site fetched once, and CJK detection.
"""

import json
import re
import shutil
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from barrierfree import create_app
from barrierfree.content.loader import load
from barrierfree.database import db, upgrade
from barrierfree.site_search.index import site_index
from barrierfree.site_search.sync import write_documents

SITE_NAME_ZH = "茌平区残疾人服务与规划信息网"

# Ideographs, CJK punctuation and full-width forms: none belongs in English interface text.
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")


def load_content(directory: Path):
    """Load `directory` into the current app's database and commit; return the report."""
    report = load(Path(directory))
    db.session.commit()
    return report


def make_app(database: Path, **config):
    """An app on its own SQLite file, schema migrated, nothing loaded."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
            "SEARCH_INDEX_DIR": str(database.parent / f"{database.stem}-index"),
            "UPLOAD_DIR": str(database.parent / f"{database.stem}-uploads"),
            **config,
        }
    )
    with app.app_context():
        upgrade()
    return app


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    """One app with content/ loaded, shared by the read-only tests."""
    app = make_app(tmp_path_factory.mktemp("db") / "site.sqlite")
    with app.app_context():
        load_content(Path(app.config["CONTENT_DIR"]))
        write_documents(site_index())
    return app


@pytest.fixture
def empty_app(tmp_path):
    """An app with a migrated but empty database, for tests that change data."""
    return make_app(tmp_path / "empty.sqlite")


@pytest.fixture
def client(app):
    """A test client of the loaded app."""
    return app.test_client()


@pytest.fixture
def runner(empty_app):
    """A CLI runner on the empty app."""
    return empty_app.test_cli_runner()


@pytest.fixture
def content_copy(empty_app, tmp_path) -> Path:
    """A private copy of content/ that a test may edit."""
    return Path(shutil.copytree(empty_app.config["CONTENT_DIR"], tmp_path / "content"))


# --- HTML -----------------------------------------------------------------------------

VOID_ELEMENTS = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
    "track", "wbr",
}  # fmt: skip


@dataclass(eq=False)
class Element:
    """An HTML element: tag, attributes, parent and children (elements and text)."""

    tag: str
    attrs: dict[str, str | None]
    parent: "Element | None" = None
    children: list = field(default_factory=list)

    def get(self, name: str, default=None):
        """An attribute's value."""
        return self.attrs.get(name, default)

    @property
    def classes(self) -> list[str]:
        """The element's classes."""
        return (self.get("class") or "").split()

    @property
    def text(self) -> str:
        """All the text inside the element, white space collapsed."""
        return " ".join("".join(self.texts()).split())

    def texts(self):
        """Every text node inside the element, in document order."""
        for child in self.children:
            if isinstance(child, str):
                yield child
            else:
                yield from child.texts()

    def iter(self):
        """This element and every element inside it, in document order."""
        yield self
        for child in self.children:
            if isinstance(child, Element):
                yield from child.iter()

    def find_all(self, tag: str | None = None, **attrs) -> list["Element"]:
        """Descendants with `tag` (any if None) and attributes; `aria_label=` means aria-label,
        `class_=` means the class list contains the value, True means "present"."""
        wanted = {name.rstrip("_").replace("_", "-"): value for name, value in attrs.items()}
        return [
            element
            for element in self.iter()
            if element is not self
            and (tag is None or element.tag == tag)
            and all(element._has(name, value) for name, value in wanted.items())
        ]

    def find(self, tag: str | None = None, **attrs) -> "Element | None":
        """The first descendant matching, or None."""
        found = self.find_all(tag, **attrs)
        return found[0] if found else None

    def _has(self, name: str, value) -> bool:
        if value is True:
            return name in self.attrs
        if name == "class":
            return value in self.classes
        return self.attrs.get(name) == value

    @property
    def hrefs(self) -> list[str]:
        """The href of every link inside the element."""
        return [a.get("href") for a in self.find_all("a", href=True)]


class _TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        element = Element(tag, dict(attrs), parent=self.stack[-1])
        self.stack[-1].children.append(element)
        if tag not in VOID_ELEMENTS:
            self.stack.append(element)

    def handle_startendtag(self, tag, attrs):
        self.stack[-1].children.append(Element(tag, dict(attrs), parent=self.stack[-1]))

    def handle_endtag(self, tag):
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def parse(html: str | bytes) -> Element:
    """Parse an HTML document or fragment into an Element tree."""
    builder = _TreeBuilder()
    builder.feed(html.decode("utf-8") if isinstance(html, bytes) else html)
    builder.close()
    return builder.root


def json_ld(response) -> dict:
    """The page's one JSON-LD block, parsed."""
    scripts = parse(response.data).find_all("script", type="application/ld+json")
    assert len(scripts) == 1
    return json.loads("".join(scripts[0].texts()))


def listed(response, block_id: str, prefix: str) -> list[str]:
    """The slugs a results block links to (cards), in order, without their path prefix."""
    block = parse(response.data).find(id=block_id)
    assert block is not None, response.text[:500]
    links = block.find_all("a", class_="card__link")
    return [link.get("href").removeprefix(prefix) for link in links]


def text_outside_lang(element: Element, lang: str = "zh-CN") -> str:
    """The element's text, leaving out every part inside an element marked `lang`."""
    if element.get("lang") == lang:
        return ""
    return "".join(
        child if isinstance(child, str) else text_outside_lang(child, lang)
        for child in element.children
    )


# --- The site's pages ---------------------------------------------------------------------

SITEMAP_NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def sitemap_paths(client) -> list[str]:
    """The local path of every <loc> in /sitemap.xml, Chinese and English."""
    root = ET.fromstring(client.get("/sitemap.xml").data)
    return [urlsplit(loc.text).path for loc in root.iterfind("sm:url/sm:loc", SITEMAP_NS)]


def is_english(path: str) -> bool:
    """True for a path of the English site."""
    return path == "/en" or path.startswith("/en/")


@dataclass(eq=False)
class Page:
    """One fetched page."""

    path: str
    status: int
    content_type: str
    html: str

    @property
    def doc(self) -> Element:
        """The parsed document (parsed once)."""
        if "_doc" not in self.__dict__:
            self.__dict__["_doc"] = parse(self.html)
        return self.__dict__["_doc"]


@pytest.fixture(scope="session")
def site_pages(app) -> dict[str, Page]:
    """Every page listed in sitemap.xml, fetched once with default settings."""
    client = app.test_client()
    pages = {}
    for path in sitemap_paths(client):
        response = client.get(path)
        pages[path] = Page(path, response.status_code, response.mimetype, response.text)
    return pages


SEARCH_FIGURES: list[str] = []


@pytest.fixture
def search_figures() -> list[str]:
    """Lines the search quality test leaves for the run's summary."""
    return SEARCH_FIGURES


def pytest_terminal_summary(terminalreporter):
    """Print the search quality figures, whatever the outcome."""
    if SEARCH_FIGURES:
        terminalreporter.section("search quality")
        for line in SEARCH_FIGURES:
            terminalreporter.write_line(line)
