"""Fixtures: apps on temporary databases, each a copy of a template database: SQLite files,
or with `--database postgres` databases on a throwaway PostgreSQL server (tests/databases.py).

`app` and `client` share one database with content/ loaded, for tests that only read;
`loaded_app` has a copy of its own, for tests that change rows; `empty_app` has a migrated,
empty database; `i18n_app` has no database at all, for functions that translate.

Helpers shared by the test modules live here too: pages parsed with BeautifulSoup (with a
few helpers on its elements), the sitemap's URLs, the public site crawled once per process,
CJK detection, and workbooks rewritten part by part.
"""

import functools
import gc
import hashlib
import io
import itertools
import json
import os
import re
import shutil
import tempfile
import time
import warnings
import xml.etree.ElementTree as ET
import zipfile
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from importlib import metadata
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from barrierfree import PROJECT_ROOT, background, i18n, opening_hours, settings
from bs4 import BeautifulSoup, Tag
from databases import BACKENDS
from flask import Flask

# The app, its database and its search index are imported inside the functions that use
# them: importing them takes a second, which the tests of pure functions need not wait for.

SITE_NAME_ZH = "茌平区残疾人服务与规划信息网"

# Ideographs, CJK punctuation and full-width forms: none belongs in English interface text.
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")


# A mail server that is set but never answers (nothing listens on port 9): the forms offer
# email, and a message tried is refused at once.
MAIL_NOWHERE = {
    "MAIL_HOST": "127.0.0.1", "MAIL_PORT": 9, "MAIL_SECURITY": "none",
    "MAIL_SENDER": "site@example.com", "SITE_URL": "http://localhost",
}  # fmt: skip


def load_content(directory: Path, demo: bool = True):
    """Load `directory` (with its demo pack unless `demo` is false) into the current app's
    database and commit; return the report."""
    from barrierfree.content.loader import load
    from barrierfree.database import db

    report = load(Path(directory), demo)
    db.session.commit()
    return report


def visitor_addresses(second: int):
    """A new client address (10.<second>.x.y) at each next(), for as many as a test process
    asks for: a resident's limits count per address, and the modules that send as
    residents are imported once a process, by every test file that shares their helpers."""
    return (f"10.{second}.{n // 254}.{n % 254 + 1}" for n in itertools.count())


# --- Apps and their databases ---------------------------------------------------------------


def pytest_addoption(parser):
    parser.addoption(
        "--database",
        choices=sorted(BACKENDS),
        default="sqlite",
        help="where the test apps keep their data: SQLite files (the default) or databases on "
        "a PostgreSQL server the tests start (Debian's postgresql package)",
    )


@pytest.fixture(scope="session", autouse=True)
def _no_settings_of_the_machine():
    """Every BARRIERFREE_* variable of the machine taken out of the environment for the run
    (and put back after it): an exported BARRIERFREE_INSTANCE_PATH, say, would give the test
    apps the developer's instance folder, where they would write their secret key. A test
    that needs one sets it itself (monkeypatch.setenv, or the env of a command it runs)."""
    with pytest.MonkeyPatch.context() as environment:
        for name in list(os.environ):
            if name.startswith(f"{settings.PREFIX}_"):
                environment.delenv(name)
        yield


# The test apps' databases, chosen by --database (see `pytest_configure`).
DATABASES = BACKENDS["sqlite"]()


def pytest_configure(config):
    global DATABASES
    DATABASES = BACKENDS[config.getoption("database")]()
    config.addinivalue_line(
        "markers", "sqlite_only(reason): a test of what only SQLite has, left out on PostgreSQL"
    )
    config.addinivalue_line(
        "markers", "no_database: a test that uses no database of the site's, run once (SQLite)"
    )
    config.addinivalue_line(
        "markers",
        "markup: a check of what templates make of the content whatever database holds it "
        "(valid HTML, structure, language marks, titles, descriptions, page weight, display "
        "modes), run once (SQLite)",
    )


# The markers of the tests the PostgreSQL pass leaves out (see pytest_collection_modifyitems).
ONCE = ("sqlite_only", "no_database", "markup")


def pytest_collection_modifyitems(config, items):
    """On PostgreSQL, leave out the tests of what SQLite alone has, those that use no database
    or check only the markup of the pages (they would run the same again) and the tests of
    PostgreSQL itself (they start servers of their own and ran in the SQLite run)."""
    if DATABASES.name == "sqlite":
        return
    kept, left = [], []
    for item in items:
        once = any(item.get_closest_marker(name) for name in ONCE)
        (left if once or "postgres_url" in item.fixturenames else kept).append(item)
    items[:] = kept
    config.hook.pytest_deselected(items=left)


def pytest_unconfigure(config):
    DATABASES.stop()


@pytest.fixture(scope="session", autouse=True)
def _no_connection_left_open():
    """On PostgreSQL, fail the run when a psycopg connection nobody closed is freed: a
    collection at the end finds those the collector would free only later, at a random
    test, or at exit, where a warning fails nothing. One collection: cheap."""
    yield
    if DATABASES.name == "sqlite":
        return
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        gc.collect()
    left = [str(w.message) for w in caught if "was deleted while still open" in str(w.message)]
    assert not left, f"psycopg connections freed while open: {left}"


@pytest.fixture(scope="module", autouse=True)
def _module_databases():
    """Drop the databases the module's fixtures made, when the module is done."""
    mark = DATABASES.mark()
    yield
    DATABASES.drop_made_since(mark)


@pytest.fixture(autouse=True)
def _test_databases():
    """Drop the databases the test made, when it is done (and its background work is)."""
    mark = DATABASES.mark()
    yield
    assert background.wait(), "the test's background work did not finish"
    DATABASES.drop_made_since(mark)


def index_of(database: Path) -> Path:
    """The search index folder of the app on `database`."""
    return database.parent / f"{database.stem}-index"


def _build_each_url_once() -> None:
    """Make werkzeug compile each URL rule's builder once per test process, not once per app.

    Binding a rule to an app's URL map writes two Python functions that build its URLs and
    compiles them (`Rule._compile_builder`): 95 % of the time `create_app` takes, and the
    tests make thousands of apps from the same hundred rules. A builder's code depends only
    on the rule's parts, its defaults and whether unknown arguments go in the query, so a
    rule with the same ones gets the same function (bound to its own rule, whose converters
    it calls). A rule with a default for one of its own variables (the converter turns it
    into text while compiling) is compiled as before."""
    from werkzeug.routing.rules import Rule

    compile_builder = Rule._compile_builder
    built: dict[tuple, Callable] = {}

    def builder(rule: Rule, append_unknown: bool = True) -> Callable:
        defaults = rule.defaults or {}
        if set(defaults) & set(rule._converters):
            return compile_builder(rule, append_unknown)
        key = (rule.rule, tuple(rule._trace), repr(sorted(defaults.items())), append_unknown)
        if key not in built:
            built[key] = compile_builder(rule, append_unknown)
        return built[key]

    Rule._compile_builder = builder  # type: ignore[method-assign]


_build_each_url_once()


@functools.cache
def site_password_hashing():
    """The site's password hashing, (hasher, hash of no account), after the tests have put
    argon2id at its least cost in its place: the site's parameters cost a tenth of a second a
    hash on purpose, and the tests make and sign in to hundreds of accounts. Called when the
    first app is made; test_staff_auth puts the site's back to check them."""
    from argon2 import PasswordHasher, Type
    from barrierfree.staff.accounts import passwords

    site = passwords.HASHER, passwords._DUMMY
    passwords.HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1, type=Type.ID)
    passwords._DUMMY = passwords.HASHER.hash("no account has this password")
    return site


def _app_on(database: Path, **config):
    """An app on the database `database` names, as it is, with an instance folder beside it
    (where backups made without a path go), so that no test writes to the real instance/."""
    from barrierfree import create_app

    site_password_hashing()
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": DATABASES.url(database),
            "SEARCH_INDEX_DIR": str(index_of(database)),
            "UPLOAD_DIR": str(database.parent / f"{database.stem}-uploads"),
            # Responses say whether they came from the page cache, which the tests read; a
            # visitor is never told (tests/test_page_cache_privacy.py).
            "PAGE_CACHE_HEADER": True,
            **config,
        }
    )
    app.instance_path = str(database.parent / f"{database.stem}-instance")
    DATABASES.opened(database, app)
    return app


def _close(app) -> None:
    """Close the app's connections, so its database is complete and safe to copy."""
    from barrierfree.database import db

    with app.app_context():
        db.engine.dispose()


def _migrate(database: Path) -> None:
    """Make `database` with every migration applied and nothing loaded."""
    from barrierfree.database import upgrade

    DATABASES.create(database)
    app = _app_on(database)
    with app.app_context():
        upgrade()
    _close(app)


def _load(database: Path, demo: bool = True) -> None:
    """Make `database` migrated, with content/ and (unless `demo` is false) its demo pack
    loaded, and its search index beside it."""
    from barrierfree.site_search.index import site_index
    from barrierfree.site_search.sync import write_documents

    app = make_app(database)
    with app.app_context():
        load_content(Path(app.config["CONTENT_DIR"]), demo)
        write_documents(site_index())
    _close(app)


class Templates:
    """The databases every test app starts from, made when first needed and then copied: a
    copy takes milliseconds, where migrating takes a fraction of a second and loading
    content/ with its search index seconds."""

    folder: Path  # set by the `templates` fixture

    @functools.cached_property
    def migrated(self) -> Path:
        """A database with every migration applied and nothing loaded."""
        return self._made("migrated", _migrate)

    @functools.cached_property
    def loaded(self) -> Path:
        """The migrated database with content/ and the demo pack loaded, and its search
        index: most tests need places and contacts to look at."""
        return self._made("loaded", _load)

    @functools.cached_property
    def facts(self) -> Path:
        """The migrated database with content/ alone loaded, as `make run` has it."""
        return self._made("facts", functools.partial(_load, demo=False))

    def _made(self, name: str, make) -> Path:
        """The database of template `name`, made by `make` unless a run has made it."""
        folder = self.folder / name
        if not folder.is_dir():
            building = Path(tempfile.mkdtemp(dir=self.folder))
            make(building / f"{name}.sqlite")
            DATABASES.keep(building / f"{name}.sqlite")
            DATABASES.move(building / f"{name}.sqlite", folder / f"{name}.sqlite")
            try:
                building.rename(folder)  # whole, or not at all
            except OSError:  # another run made it first
                shutil.rmtree(building)
        return folder / f"{name}.sqlite"


TEMPLATES = Templates()
# Page markup and static files are in neither the database nor the search index.
NOT_IN_DATABASES = ("site/templates/", "site/static/")


def fingerprint() -> str:
    """A digest of what the template databases are made from: content/, the site's code,
    migrations and translations, the search engine, and the installed packages."""
    digest = hashlib.sha256()
    for folder in ("content", "search", "site"):
        for path in sorted((PROJECT_ROOT / folder).rglob("*")):
            name = path.relative_to(PROJECT_ROOT).as_posix()
            if (
                path.is_file()
                and "__pycache__" not in name
                and not name.startswith(NOT_IN_DATABASES)
            ):
                digest.update(name.encode())
                digest.update(path.read_bytes())
    packages = sorted(f"{d.metadata['Name']} {d.version}" for d in metadata.distributions())
    digest.update("\n".join(packages).encode())
    return digest.hexdigest()[:16]


@pytest.fixture(scope="session", autouse=True)
def templates(request, tmp_path_factory) -> Templates:
    """Where the template databases are made (for every test, as module fixtures call
    make_app without asking for this fixture).

    With pytest's cache (on unless `-p no:cacheprovider`) they are kept between runs, under
    the fingerprint of what they are made from, so a change to any of it makes new ones;
    `--cache-clear` removes them. Templates unused for a day are removed. Without the
    cache, each run makes its own.
    """
    cache = getattr(request.config, "cache", None)
    if cache is None or DATABASES.name != "sqlite":  # a PostgreSQL server lasts one run
        TEMPLATES.folder = tmp_path_factory.mktemp("templates")
        return TEMPLATES
    kept = cache.mkdir("templates")
    TEMPLATES.folder = kept / fingerprint()
    TEMPLATES.folder.mkdir(exist_ok=True)
    os.utime(TEMPLATES.folder)  # in use: not removed by another run
    for other in kept.iterdir():
        if other != TEMPLATES.folder and time.time() - other.stat().st_mtime > 24 * 3600:
            shutil.rmtree(other, ignore_errors=True)
    return TEMPLATES


def make_app(database: Path, **config):
    """An app on its own database; a new one starts migrated and empty, an existing one is
    used as it is."""
    if not DATABASES.exists(database):
        DATABASES.copy(TEMPLATES.migrated, database)
    return _app_on(database, **config)


def copy_database(source: Path, database: Path) -> None:
    """Make `database` a copy of the database `source`, with its search index if it has one
    on disk (with PostgreSQL the index is in the database)."""
    DATABASES.copy(source, database)
    if index_of(source).is_dir():
        shutil.copytree(index_of(source), index_of(database))


def make_loaded_app(database: Path, demo: bool = True, **config):
    """An app on its own copy of the database with content/ (and unless `demo` is false, the
    demo pack) loaded and of its search index."""
    copy_database(TEMPLATES.loaded if demo else TEMPLATES.facts, database)
    return _app_on(database, **config)


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    """One app with content/ loaded, shared by the read-only tests."""
    database = tmp_path_factory.mktemp("db") / "site.sqlite"
    app = make_loaded_app(database)
    DATABASES.keep(database)
    return app


@pytest.fixture
def loaded_app(tmp_path):
    """An app with content/ loaded on a database of its own, for tests that change rows."""
    return make_loaded_app(tmp_path / "site.sqlite")


@pytest.fixture
def empty_app(tmp_path):
    """An app with a migrated but empty database, for tests that change data."""
    return make_app(tmp_path / "empty.sqlite")


@pytest.fixture(scope="session")
def i18n_app(tmp_path_factory):
    """An app with the site's settings and languages and nothing else: enough for functions
    that translate, without the seconds the whole site takes to start."""
    app = Flask("barrierfree", instance_path=str(tmp_path_factory.mktemp("instance")))
    settings.configure(app, {"TESTING": True, "SECRET_KEY": "test-secret"})
    i18n.init_app(app)
    return app


# Where the site's clock stands in tests that must not cross from one minute into the next:
# the page cache's key has the minute in it. A Wednesday morning.
STILL_NOW = datetime(2099, 1, 7, 10, 0)


@pytest.fixture
def still_clock(monkeypatch):
    """The site's clock stands still at STILL_NOW, so only what a test changes changes a
    page cache key."""
    monkeypatch.setattr(opening_hours, "local_now", lambda: STILL_NOW)


@pytest.fixture
def client(app):
    """A test client of the loaded app."""
    return app.test_client()


@pytest.fixture
def runner(empty_app):
    """A CLI runner on the empty app."""
    return empty_app.test_cli_runner()


@pytest.fixture
def content_copy(tmp_path) -> Path:
    """A private copy of content/ that a test may edit."""
    return Path(shutil.copytree(PROJECT_ROOT / "content", tmp_path / "content"))


# --- HTML -----------------------------------------------------------------------------


class Element(Tag):
    """An element of a parsed page: BeautifulSoup's Tag, with the helpers the tests use."""

    # Like a browser's DOM nodes, an element equals only itself (a Tag equals any other
    # with the same markup).
    __eq__ = object.__eq__
    __hash__ = object.__hash__

    def __getattr__(self, name: str):
        # BeautifulSoup reads `tag.p` as `tag.find("p")`; a misspelt helper fails here instead.
        raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")

    def _unchanged(self, method: str) -> None:
        """Refuse to change a parsed document: parse() gives the same one to every test
        that parses the same text."""
        root = self
        while root.parent is not None:
            root = root.parent
        if isinstance(root, Document) and root.parsed:
            raise TypeError(
                f"{method}() would change a parsed document, which every parse of the same "
                "text shares: read around what you would remove instead (text_leaving_out)"
            )

    @property
    def tag(self) -> str:
        """The element's name: "a", "main"..."""
        return self.name

    @property
    def classes(self) -> list[str]:
        """The element's classes."""
        return (self.get("class") or "").split()

    @property
    def text(self) -> str:
        """All the text inside the element, white space collapsed."""
        return " ".join(self.get_text().split())

    @property
    def hrefs(self) -> list[str]:
        """The href of every link inside the element."""
        return [a.get("href") for a in self.find_all("a", href=True)]

    def iter(self) -> list["Element"]:
        """This element and every element inside it, in document order."""
        return [self, *self.find_all()]

    def find_all(self, tag: str | None = None, **attrs) -> list["Element"]:
        """Descendants with `tag` (any if None) and attributes; `aria_label=` means aria-label,
        `class_=` means the class list contains the value, True means "present"."""
        return super().find_all(tag, attrs=_attributes(attrs))

    def find(self, tag: str | None = None, **attrs) -> "Element | None":
        """The first descendant matching, or None."""
        found = super().find_all(tag, attrs=_attributes(attrs), limit=1)
        return found[0] if found else None


def _attributes(keywords: dict) -> dict:
    """find_all's keywords as BeautifulSoup's attribute filters."""
    wanted = {}
    for keyword, value in keywords.items():
        name = keyword.rstrip("_").replace("_", "-")
        if name == "class" and isinstance(value, str):
            wanted[name] = lambda classes, one=value: one in (classes or "").split()
        else:
            wanted[name] = value
    return wanted


def _refused(method: str) -> Callable:
    """Tag's `method`, refused on an element of a parsed document (Element._unchanged)."""
    changes = getattr(Tag, method)

    def refused(self, *args, **kwargs):
        self._unchanged(method)
        return changes(self, *args, **kwargs)

    refused.__name__ = method
    return refused


# Every method of BeautifulSoup's that changes the tree or an element's attributes (the
# setter of .string clears and appends): refused on a parsed document's elements.
for _method in (
    "append", "extend", "insert", "insert_before", "insert_after", "extract", "decompose",
    "replace_with", "wrap", "unwrap", "clear", "smooth", "__setitem__", "__delitem__",
):  # fmt: skip
    setattr(Element, _method, _refused(_method))


class Document(BeautifulSoup, Element):
    """A parsed document or fragment: the parent of its top elements."""

    parsed = False  # true once parse() has built it: then nothing may change it


# How many parsed documents parse() keeps: a test, or a helper and the test that calls it,
# parses a response again soon after; a page parsed again much later is parsed again.
PARSED_KEPT = 64


def parse(html: str | bytes) -> Document:
    """Parse an HTML document or fragment with Python's own parser.

    Every attribute value is one string (class too), and every text node counts as text,
    the contents of <script> and <template> included.

    The same text gives the same document, parsed once (the last PARSED_KEPT texts are
    kept): tests read it and never change it. Changing its tree (decompose, extract,
    append, setting or deleting an attribute...) raises TypeError; to leave part of it
    out, read around it (`text_leaving_out`). Nothing stops a change through an element's
    `attrs` dictionary or one of its strings: don't.
    """
    return _parsed(html.decode("utf-8") if isinstance(html, bytes) else html)


@functools.lru_cache(maxsize=PARSED_KEPT)
def _parsed(text: str) -> Document:
    """`text` parsed (see `parse`)."""
    document = Document(
        text,
        "html.parser",
        element_classes={Tag: Element},
        multi_valued_attributes=None,
        string_containers={},
    )
    document.parsed = True
    return document


def json_ld(response) -> dict:
    """The page's one JSON-LD block, parsed."""
    scripts = parse(response.data).find_all("script", type="application/ld+json")
    assert len(scripts) == 1
    return json.loads(scripts[0].get_text())


def listed(response, block_id: str, prefix: str) -> list[str]:
    """The slugs a results block links to (cards), in order, without their path prefix."""
    block = parse(response.data).find(id=block_id)
    assert block is not None, response.text[:500]
    links = block.find_all("a", class_="card__link")
    return [link.get("href").removeprefix(prefix) for link in links]


def text_leaving_out(element: Element, left_out: Callable[[Element], bool]) -> str:
    """The element's text (white space as it is), leaving out every element `left_out` is
    true of with all inside it: the text it would have with them removed, the document
    unchanged."""
    if left_out(element):
        return ""
    return "".join(
        text_leaving_out(child, left_out) if isinstance(child, Tag) else child.get_text()
        for child in element.children
    )


def text_outside_lang(element: Element, lang: str = "zh-CN") -> str:
    """The element's text, leaving out every part inside an element marked `lang`."""
    return text_leaving_out(element, lambda inner: inner.get("lang") == lang)


# --- Workbooks -------------------------------------------------------------------------------

# The part of the first sheet of a workbook openpyxl saves, as the site exports them.
FIRST_SHEET = "xl/worksheets/sheet1.xml"


def rewritten(
    workbook: bytes, parts: dict[str, Callable[[str], str]], renamed: dict[str, str] | None = None
) -> bytes:
    """The XLSX `workbook` with the XML of each part named in `parts` passed through its
    function, and each part in `renamed` under its new name: a file as a spreadsheet
    program, or a person, may leave it."""
    renamed = renamed or {}
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(workbook)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        assert set(parts) | set(renamed) <= set(source.namelist()), "no such part"
        for entry in source.infolist():
            data = source.read(entry)
            if entry.filename in parts:
                data = parts[entry.filename](data.decode()).encode()
            target.writestr(renamed.get(entry.filename, entry.filename), data)
    return out.getvalue()


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


# The lists that link to every place and contact, the demo pack's too (no sitemap lists them).
DEMO_LISTS = ("/facilities/", "/contacts/", "/en/facilities/", "/en/contacts/")
DEMO_PAGE = re.compile(r"(/en)?/(facilities|contacts)/[a-z0-9-]+")


def demo_paths(client) -> list[str]:
    """The pages of the places and contacts the lists link to, the demo pack's included."""
    found = (href for path in DEMO_LISTS for href in parse(client.get(path).data).hrefs)
    return list(dict.fromkeys(href for href in found if DEMO_PAGE.fullmatch(href)))


# Where the crawl never goes: files, and the back office (tests/test_staff_titles.py crawls it
# signed in).
NOT_CRAWLED = ("/static/", "/assets/", "/staff", "/en/staff")


@dataclass(eq=False)
class Crawl:
    """The public site as one crawl found it."""

    app: Flask  # the crawled app: a test may read more from it, and change nothing
    listed: list[str]  # the sitemap's pages and the demo pack's, in that order
    pages: dict[str, Page]  # every address fetched, in the order it was first reached

    def doc(self, path: str) -> Element:
        """The page at `path` as the crawl fetched it, parsed (once): what `app`'s client
        would get, without fetching and parsing it again."""
        return self.pages[path].doc


def crawl(client, start: list[str]) -> dict[str, Page]:
    """Every page reachable by links from `start`, fetched once each: the addresses in
    `start`, then every local address (its path: a page's query states are the page) an
    HTML page answering 200 links to, outside NOT_CRAWLED."""
    seen, queue, pages = set(start), deque(start), {}
    while queue:
        path = queue.popleft()
        response = client.get(path)
        page = pages[path] = Page(path, response.status_code, response.mimetype, response.text)
        if (page.status, page.content_type) != (200, "text/html"):
            continue
        for href in page.doc.hrefs:
            target = urlsplit(urldefrag(urljoin(path, href)).url)
            if target.netloc or target.path.startswith(NOT_CRAWLED):
                continue
            if target.path not in seen:
                seen.add(target.path)
                queue.append(target.path)
    return pages


@pytest.fixture(scope="session")
def public_crawl(tmp_path_factory) -> Crawl:
    """The public site crawled once per process, with default settings, from `/`, `/en/`,
    the sitemap's pages and the demo pack's. Its app has a database of its own, loaded as
    `app`'s is and never written to, so no test that changes rows changes what it saw."""
    database = tmp_path_factory.mktemp("crawled") / "site.sqlite"
    site = make_loaded_app(database)
    DATABASES.keep(database)
    client = site.test_client()
    listed = list(dict.fromkeys(sitemap_paths(client) + demo_paths(client)))
    pages = crawl(client, list(dict.fromkeys(["/", "/en/", *listed])))
    return Crawl(site, listed, pages)


@pytest.fixture(scope="session")
def site_pages(public_crawl) -> dict[str, Page]:
    """Every page listed in sitemap.xml and every page of the demo pack, from the crawl."""
    return {path: public_crawl.pages[path] for path in public_crawl.listed}


SEARCH_FIGURES: list[str] = []


@pytest.fixture
def search_figures() -> list[str]:
    """Lines the search quality test leaves for the run's summary."""
    return SEARCH_FIGURES


def pytest_sessionfinish(session):
    """In a worker of a parallel run (pytest-xdist), hand the figures to the main process."""
    output = getattr(session.config, "workeroutput", None)
    if output is not None:
        output["search_figures"] = SEARCH_FIGURES


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    """In the main process of a parallel run, collect each worker's figures."""
    SEARCH_FIGURES.extend(getattr(node, "workeroutput", {}).get("search_figures", []))


def pytest_terminal_summary(terminalreporter):
    """Print the search quality figures, whatever the outcome."""
    if SEARCH_FIGURES:
        terminalreporter.section("search quality")
        for line in SEARCH_FIGURES:
            terminalreporter.write_line(line)
