"""Real-browser fixtures: the site served on a free local port, pages found by crawling,
and headless Chromium from Debian's packages driven by Selenium."""

import logging
import os
import threading
from collections import deque
from dataclasses import dataclass
from functools import partial
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urldefrag, urljoin, urlsplit
from xml.etree import ElementTree

import pytest
from barrierfree import PROJECT_ROOT, create_app, settings
from barrierfree.content.loader import load
from barrierfree.database import db, upgrade
from barrierfree.site_search.index import site_index
from barrierfree.site_search.sync import write_documents
from flask import render_template_string
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support.ui import WebDriverWait
from werkzeug.exceptions import HTTPException
from werkzeug.serving import make_server

from . import staff_pages

CHROMIUM = os.environ.get("CHROMIUM_BINARY", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
AXE_SCRIPT = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"

# Display modes as the cookie spells them, and the viewports of accessibility.md.
MODES = {
    "default": "",
    "large": "large",
    "contrast": "contrast",
    "large+contrast": "contrast.large",
}
VIEWPORTS = {"1280": (1280, 900), "320": (320, 640)}
LANGUAGES = {"zh": "", "en": "/en"}
# Pages no link leads to: the 404 page every visitor can meet, the form components in their
# error states, and search results (with a filter and a second page, and with no results).
# The back office is crawled separately, signed in (see staff_pages.py).
EXTRA_PATHS = [
    "/no-such-page",
    "/feedback/status/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",  # a link that opens nothing
    "/test-components",
    "/search?q=轮椅",
    "/search?q=补贴&kind=service&page=2",
    "/search?q=xyzzy",
    "/search?q=轮倚",  # a typo: the word meant's results, said so
    "/search?q=无障碍卫生间",  # words naming a need: the finder offered
    "/search?q=如康家园&township=boping",
    "/search?q=轮椅&township=fengguantun",  # a township without it: the filter named as why
    "/facilities/?township=boping&need=step_free_entrance&need=accessible_toilet&near=zhenxing",
    "/facilities/?township=hantun&need=hearing_loop",
    "/facilities/?township=nowhere&need=wings",
    "/contacts/?need=deaf&channel=sms",
    "/contacts/?channel=pigeon",
]


# Forms pre-filled from the page that links to them (every page's footer, every place):
# one page each, however many pages link to it, so the crawl does not grow with the site.
PREFILLED = {
    f"{prefix}/feedback/{form}"
    for prefix in LANGUAGES.values()
    for form in ("page-error", "barrier")
}


class LinkParser(HTMLParser):
    """Collects the href of every <a> in a page."""

    def __init__(self):
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.links.append(href)


def crawl(client) -> list[str]:
    """Every local HTML page reachable from the home page and the sitemap, as paths."""
    sitemap = ElementTree.fromstring(client.get("/sitemap.xml").data)
    start = ["/"] + [
        urlsplit(loc.text).path
        for loc in sitemap.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")
    ]
    seen, queue, pages = set(start), deque(start), []
    prefilled: set[str] = set()  # the PREFILLED forms already queued, in any state
    while queue:
        path = queue.popleft()
        response = client.get(path)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        pages.append(path)
        parser = LinkParser()
        parser.feed(response.get_data(as_text=True))
        for href in parser.links:
            target = urlsplit(urldefrag(urljoin(path, href)).url)
            if target.scheme not in ("", "http") or target.netloc not in ("", "localhost"):
                continue
            local = target.path + (f"?{target.query}" if target.query else "")
            if target.path in PREFILLED:
                # Its own set, not `seen`: a first link without a query (the barrier
                # report from the home page) would be taken for one already queued.
                if target.path in prefilled:
                    continue
                prefilled.add(target.path)
            if local not in seen and not local.startswith(("/static/", "/assets/")):
                seen.add(local)
                queue.append(local)
    return pages


COMPONENTS_PAGE = (Path(__file__).parent / "components_page.html").read_text(encoding="utf-8")


def render_components():
    """An error summary above a field in error, inside the real layout (tests only)."""
    return render_template_string(COMPONENTS_PAGE)


@pytest.fixture(scope="session", autouse=True)
def _no_settings_of_the_machine():
    """Every BARRIERFREE_* variable of the machine taken out of the environment for the run
    (and put back after it), so that the site under test has the settings below and no
    others: an exported BARRIERFREE_INSTANCE_PATH would give it the developer's instance
    folder, a BARRIERFREE_CACHE_URL their Redis."""
    with pytest.MonkeyPatch.context() as environment:
        for name in list(os.environ):
            if name.startswith(f"{settings.PREFIX}_"):
                environment.delenv(name)
        yield


class ErrorsLogged(logging.Handler):
    """Keeps what the site logs as an error (a failure it turned into a page that says
    so, which a browser check would pass): each one's message and exception."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        cause = record.exc_info[1] if record.exc_info else None
        self.messages.append(f"{record.name}: {record.getMessage()} ({cause!r})")


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    """The site with content/ loaded, served by a threaded server on a free port; `errors`
    is what it logs as an error."""
    database = tmp_path_factory.mktemp("a11y") / "site.sqlite"
    app = create_app(
        {
            "SECRET_KEY": "a11y-tests-" * 3,  # as long as a site with SITE_URL needs
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
            "SEARCH_INDEX_DIR": str(database.parent / "search-index"),
            "UPLOAD_DIR": str(database.parent / "uploads"),
            # The run takes longer than a staff session would stay idle.
            "STAFF_IDLE_MINUTES": 24 * 60,
            # Mail on, so that the alerts' form is there to check; nothing listens on the
            # discard port, so what is queued waits in the outbox.
            "MAIL_HOST": "127.0.0.1",
            "MAIL_PORT": 9,
            "MAIL_SECURITY": "none",
            "MAIL_SENDER": "noreply@example.com",
            "SITE_URL": "http://127.0.0.1",
            # Every journey sends its forms from the one address of the tests.
            "FEEDBACK_PER_ADDRESS": 1000,
        }
    )
    with app.app_context():
        upgrade()
        load(Path(app.config["CONTENT_DIR"]), demo=True)  # places and contacts to check
        db.session.commit()
        write_documents(site_index())
    app.add_url_rule("/test-components", "test_components", render_components)
    posted: dict[str, str] = {}
    staff_pages.serve_captured(app, posted)
    staff = staff_pages.signed_in_client(app)
    staff_pages.upload_image(staff)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    errors = ErrorsLogged()
    logging.getLogger().addHandler(errors)
    yield {
        "app": app,
        "url": f"http://127.0.0.1:{server.server_port}",
        "staff": staff,
        "posted": posted,  # the pages a POST answers with: `pages` captures them
        "errors": errors.messages,
    }
    logging.getLogger().removeHandler(errors)
    server.shutdown()


@dataclass
class Pages:
    """The pages of the sweep: every one (`all`), one page per template (`samples`), and the
    states chosen on purpose beyond those (`states`: EXTRA_PATHS, the posted pages)."""

    all: list[str]
    samples: list[str]
    states: list[str]


@pytest.fixture(scope="session")
def pages(site) -> Pages:
    """The crawled pages in both languages, plus the error pages and the posted ones.

    Every page is checked in the default mode at both widths; every template in every other
    mode too; the chosen states in large text with high contrast as well (the mode where
    reflow, target size and contrast are hardest at once), unless A11Y_FULL=1 asks for every
    page in every combination.
    """
    site["posted"].update(staff_pages.capture_posted_pages(site["app"], site["staff"]))
    found = crawl(site["app"].test_client()) + staff_pages.crawl_staff(site["staff"], LinkParser)
    chosen = [prefix + path for path in EXTRA_PATHS for prefix in LANGUAGES.values()]
    chosen += staff_pages.captured_paths(site["posted"])
    # For a quicker local run, A11Y_EVERY=N checks every Nth crawled page and A11Y_ONLY=text
    # only the pages whose path contains the text; the summary says how many were checked.
    step = int(os.environ.get("A11Y_EVERY", "1"))
    only = os.environ.get("A11Y_ONLY", "")
    everything = [path for path in found[::step] + chosen if only in path]
    if os.environ.get("A11Y_FULL") == "1":
        return Pages(everything, everything, [])
    templates, samples, states = set(), [], []
    for path in everything:
        template = template_of(site["app"], path)
        if template not in templates:
            templates.add(template)
            samples.append(path)
        elif path in chosen:
            states.append(path)
    return Pages(everything, samples, states)


def template_of(app, path: str) -> tuple:
    """What decides a page's markup: its language, its URL rule and the query arguments it
    has (a finder with filters is another state of the page than the finder without)."""
    parts = urlsplit(path)
    language = "en" if parts.path == "/en" or parts.path.startswith("/en/") else "zh"
    route = parts.path[3:] or "/" if language == "en" else parts.path
    try:
        endpoint = app.url_map.bind("localhost").match(route)[0]
    except HTTPException:
        endpoint = route
    arguments = sorted({name for name, _ in parse_qsl(parts.query, keep_blank_values=True)})
    return language, endpoint, tuple(arguments)


def chromium(
    width: int, height: int, javascript: bool = True, extra: tuple[str, ...] = ()
) -> webdriver.Chrome:
    """A headless Chromium at the given window size; `extra` command-line flags."""
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--hide-scrollbars",
        f"--window-size={width},{height}", *extra,
    ):  # fmt: skip
        options.add_argument(flag)
    if not javascript:
        options.add_experimental_option(
            "prefs", {"profile.managed_default_content_settings.javascript": 2}
        )
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.set_window_size(width, height)
    return driver


# Waits for the layout at the width asked for, then for one more frame and a task, so
# what watches for a size (a ResizeObserver, a requestAnimationFrame) has run. It gives up
# after about a second of frames and answers the width the window reached.
SETTLE = """const [width, done] = arguments;
let frames = 0;
const settled = () => innerWidth === width || ++frames > 60
  ? requestAnimationFrame(() => setTimeout(() => done(innerWidth)))
  : requestAnimationFrame(settled);
settled();"""


def resize(driver, width: int, height: int) -> int:
    """Resize the window and wait until the page has laid itself out at the new size and
    run what watches for that (a table that no longer fits becomes scrollable). Answers
    the page's width, which is `width` unless the window would not get there."""
    driver.set_window_size(width, height)
    return driver.execute_async_script(SETTLE, width)


def next_frame(driver) -> None:
    """Wait until the page has drawn a frame after a change made to it."""
    driver.execute_async_script(SETTLE, driver.execute_script("return innerWidth"))


def set_mode(driver, base_url: str, mode: str, staff_client=None) -> None:
    """Set the display-mode cookie, as the toggle would; with `staff_client`, also its
    signed-in session cookie, so the back office can be checked too."""
    driver.get(base_url + "/no-such-page")  # cookies need a page of the site to be set on
    driver.delete_all_cookies()
    if MODES[mode]:
        driver.add_cookie({"name": "display", "value": MODES[mode], "path": "/"})
    if staff_client is not None:
        cookie = staff_client.get_cookie("session")
        driver.add_cookie({"name": "session", "value": cookie.value, "path": "/"})


class Wait(WebDriverWait):
    """Selenium's wait, looking again every 50 ms rather than every half second: what a
    journey waits for (a page loaded, a region updated) is there within a few frames, and
    looking every half second left the browser idle for most of the journeys' time."""

    def __init__(self, driver, timeout: float, **options):
        options.setdefault("poll_frequency", 0.05)
        super().__init__(driver, timeout, **options)


def wait_for(driver, condition) -> None:
    """Wait until `condition(driver)` holds, across a page load that replaces the document."""
    Wait(driver, 5, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda d: d.execute_script("return document.readyState") == "complete" and condition(d)
    )


def navigate(driver, action) -> None:
    """Run `action` (a click on a link or a submit button, Back) and wait until it has
    replaced the document and the new one has loaded: just after a click the old page is
    still there, complete, and would be read instead."""
    driver.execute_script("window.leftBehind = true")  # a new document has a new window
    action()
    Wait(driver, 10, ignored_exceptions=(WebDriverException,)).until(
        lambda d: d.execute_script(
            "return !window.leftBehind && document.readyState === 'complete'"
        )
    )


def active(driver):
    """The element that has focus."""
    return driver.switch_to.active_element


def as_new(driver, origin: str, width: int, height: int) -> webdriver.Chrome:
    """The browser as if just started, at the given size: one new tab (no history, and none
    of what the last test set over the DevTools protocol: emulated media or network, blocked
    addresses, scripts added to every page), no cookies, nothing the site at `origin` stored
    (local storage, service workers, caches) and an empty HTTP cache."""
    old = driver.window_handles
    driver.switch_to.new_window("tab")
    tab = driver.current_window_handle
    for handle in old:
        driver.switch_to.window(handle)
        driver.close()
    driver.switch_to.window(tab)
    driver.execute_cdp_cmd("Page.bringToFront", {})  # a new tab has no focus until then
    driver.execute_cdp_cmd("Network.clearBrowserCookies", {})
    driver.execute_cdp_cmd("Network.clearBrowserCache", {})
    driver.execute_cdp_cmd("Storage.clearDataForOrigin", {"origin": origin, "storageTypes": "all"})
    driver.set_window_size(width, height)
    return driver


class Browsers:
    """A worker's Chromiums, one with JavaScript and one without, each handed to one test at
    a time as if just started (`as_new`): starting one takes most of a second, and the
    journeys ask for about two hundred. One that cannot be reset is replaced."""

    def __init__(self):
        self.running: dict[bool, webdriver.Chrome] = {}
        self.lent: set[bool] = set()

    def open(self, origin: str, viewport: str = "1280", javascript: bool = True):
        """A browser for the test, at `viewport`'s size, JavaScript on or off."""
        assert javascript not in self.lent, "one browser of each kind a test"
        self.lent.add(javascript)
        driver = self.running.get(javascript)
        if driver is not None:
            try:
                return as_new(driver, origin, *VIEWPORTS[viewport])
            except WebDriverException:
                self.quit(javascript)
        driver = chromium(*VIEWPORTS[viewport], javascript=javascript)
        self.running[javascript] = driver
        return driver

    def quit(self, javascript: bool) -> None:
        """Close the browser of that kind, whatever state it is in."""
        try:
            self.running.pop(javascript).quit()
        except WebDriverException:
            pass


@pytest.fixture(scope="session")
def _browsers():
    browsers = Browsers()
    yield browsers
    for javascript in list(browsers.running):
        browsers.quit(javascript)


@pytest.fixture
def open_browser(site, _browsers):
    """Opens a browser for the test: `open_browser(viewport="1280", javascript=True)`."""
    yield partial(_browsers.open, site["url"])
    _browsers.lent.clear()


@pytest.fixture
def browser(open_browser):
    """A desktop-sized Chromium."""
    return open_browser()


@pytest.fixture
def browser_without_javascript(open_browser):
    """A desktop-sized Chromium with JavaScript switched off."""
    return open_browser(javascript=False)


SUMMARY: list[str] = []


def pytest_terminal_summary(terminalreporter):
    """Print what the accessibility run covered, for the person reading the CI log."""
    if SUMMARY:
        terminalreporter.section("accessibility coverage")
        for line in SUMMARY:
            terminalreporter.write_line(line)
