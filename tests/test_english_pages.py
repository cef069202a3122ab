"""The English site, and the language markup of both sites, as an outside reader checks them.

Every public page reached by links from /en/ and from /, on the site as `make run` has it
(the plan alone), and the demo pack's places and contacts; the error pages; every form sent
with bad input; the mail in English. What a person hears must be in the page's language or
marked with its own: Chinese on the English site inside lang="zh-CN", an English phrase on
the Chinese site inside lang="en", so that a screen reader switches voice.
"""

import re
from dataclasses import dataclass
from itertools import product
from types import SimpleNamespace
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from babel.messages.pofile import read_po
from barrierfree import PROJECT_ROOT
from bs4 import NavigableString, Tag
from conftest import CJK, MAIL_NOWHERE, Page, demo_paths, is_english, make_loaded_app, parse
from sqlalchemy.exc import OperationalError

pytestmark = pytest.mark.markup  # the same markup on any database: run once

# Links the crawl does not follow: the back office, files, feeds and machine-read pages.
NOT_PAGES = re.compile(
    r"/(en/)?(staff/|media/|assets/|data/.|updates/feed|sitemap\.xml|robots\.txt|favicon)"
)
# Attributes a person hears or reads (a tooltip, a name, a text the script announces).
READ_ATTRIBUTES = ("title", "aria-label", "aria-description", "alt", "placeholder", "label")
ANNOUNCED = re.compile(r"data-[\w-]*text")
# An English phrase: two words of letters or more.
ENGLISH_PHRASE = re.compile(r"\b[A-Za-z][a-z'’]+(?: [A-Za-z][A-Za-z'’]*)+\b")
LANGUAGE = {"en": "en", "zh": "zh-CN"}
CATALOGUE = PROJECT_ROOT / "site" / "translations" / "en" / "LC_MESSAGES" / "messages.po"


@dataclass(eq=False)
class Crawl:
    """The pages found on the plan's site and on the demo pack's, by path (with its query
    string)."""

    plan: dict[str, Page]
    demo: dict[str, Page]

    def pages(self) -> list[Page]:
        """Every page of both sites."""
        return [*self.plan.values(), *self.demo.values()]

    def english(self) -> list[Page]:
        """The pages of the English site."""
        return [page for page in self.pages() if is_english(page.path)]

    def chinese(self) -> list[Page]:
        """The pages of the Chinese site."""
        return [page for page in self.pages() if not is_english(page.path)]


def fetched(client, path: str) -> Page:
    """One page, as the tests' Page."""
    response = client.get(path)
    return Page(path, response.status_code, response.mimetype, response.text)


def crawl(client, starts: list[str]) -> dict[str, Page]:
    """Every HTML page reached by links from `starts`. A link with a query string is followed
    once per path and set of argument names: the report link of every page (page=…) is one
    form, and a filter's every value is one template."""
    pages: dict[str, Page] = {}
    queue, seen, shapes = list(starts), set(starts), set()
    while queue:
        page = fetched(client, queue.pop(0))
        if page.content_type != "text/html":
            continue
        pages[page.path] = page
        for link in page.doc.find_all("a", href=True):
            parts = urlsplit(link.get("href"))
            if parts.scheme or parts.netloc or not parts.path.startswith("/"):
                continue
            if NOT_PAGES.match(parts.path):
                continue
            path = f"{parts.path}?{parts.query}" if parts.query else parts.path
            shape = (parts.path, tuple(sorted(name for name, _ in parse_qsl(parts.query))))
            if path in seen or (parts.query and shape in shapes):
                continue
            seen.add(path)
            shapes.add(shape)
            queue.append(path)
    return pages


@pytest.fixture(scope="module")
def plan_site(tmp_path_factory):
    """The site with the plan loaded and no demo pack, its errors handled as in production,
    with a page that fails and one whose database refuses, for the 500 and 503 pages, and a
    mail server set (that never answers), so that the forms offer email and alerts."""
    database = tmp_path_factory.mktemp("english") / "site.sqlite"
    site = make_loaded_app(database, demo=False, PROPAGATE_EXCEPTIONS=False, **MAIL_NOWHERE)

    @site.get("/test-failure")
    def failure():
        raise RuntimeError("a fault of the site's")

    @site.get("/test-database-refused")
    def database_refused():
        raise OperationalError("SELECT 1", {}, Exception("database is locked"))

    return site


@pytest.fixture(scope="module")
def crawled(plan_site, app) -> Crawl:
    """One crawl of the plan's site from /en/ and /, and the demo pack's places and
    contacts with the lists that link them (the demo banner on every page they show)."""
    demo = app.test_client()
    shown = ["/en/", "/", "/en/facilities/", "/facilities/", "/en/contacts/", "/contacts/"]
    return Crawl(
        crawl(plan_site.test_client(), ["/en/", "/"]),
        {path: fetched(demo, path) for path in [*shown, *demo_paths(demo)]},
    )


def language_of(node) -> str:
    """The language an element or text is in: its own lang, or the nearest ancestor's."""
    element = node if isinstance(node, Tag) else node.parent
    while element is not None:
        if element.get("lang") is not None:
            return element.get("lang")
        element = element.parent
    return ""


def heard(doc) -> list[tuple[str, object]]:
    """What a person reads or hears on a page, with the node it is in: the title, the meta
    description, the body's text and the attributes read out or announced."""
    title, description = doc.find("title"), doc.find("meta", name="description")
    found = [] if title is None else [(title.text, title)]
    if description is not None:
        found.append((description.get("content"), description))
    for node in (doc.find("body") or doc).descendants:  # a fragment htmx asked for has none
        if isinstance(node, NavigableString):
            if node.parent.name not in ("script", "style", "template"):
                found.append((str(node), node))
            continue
        for name, value in node.attrs.items():
            if name in READ_ATTRIBUTES or ANNOUNCED.fullmatch(name):
                found.append((value, node))
        if node.name == "input" and node.get("type") in ("submit", "button", "reset"):
            found.append((node.get("value") or "", node))
    return found


def unmarked_chinese(doc) -> list[str]:
    """The Chinese a page shows outside an element marked Chinese."""
    return [
        text.strip()[:60]
        for text, node in heard(doc)
        if CJK.search(text) and not language_of(node).startswith("zh")
    ]


def unmarked_english(doc) -> list[str]:
    """The English phrases a Chinese page shows outside an element marked English."""
    return [
        phrase
        for text, node in heard(doc)
        if not language_of(node).startswith("en")
        for phrase in ENGLISH_PHRASE.findall(text)
    ]


def test_the_crawl_reaches_every_kind_of_page(crawled):
    paths = {page.path.split("?")[0] for page in crawled.pages()}
    for part in ("services", "plan/measures", "departments", "facilities", "contacts",
                 "feedback", "eligibility", "alerts", "updates", "search", "sitemap"):  # fmt: skip
        assert any(f"/en/{part}" in path for path in paths), part
        assert any(path.startswith(f"/{part}") for path in paths), part
    assert len(crawled.english()) > 150 and len(crawled.chinese()) > 150


def test_every_page_answers_and_says_its_language(crawled):
    wrong = {
        page.path: (page.status, page.doc.find("html").get("lang"))
        for page in crawled.pages()
        if (page.status, page.doc.find("html").get("lang"))
        != (200, LANGUAGE["en" if is_english(page.path) else "zh"])
    }
    assert wrong == {}


def test_english_pages_mark_every_chinese_word_they_show(crawled):
    found = {page.path: unmarked_chinese(page.doc) for page in crawled.english()}
    assert {path: words for path, words in found.items() if words} == {}


def test_chinese_pages_mark_every_english_phrase_they_show(crawled):
    found = {page.path: unmarked_english(page.doc) for page in crawled.chinese()}
    assert {path: phrases for path, phrases in found.items() if phrases} == {}


def other_language(path: str) -> str:
    """The same page in the other language."""
    return path.removeprefix("/en") or "/" if is_english(path) else "/en" + path


def test_alternates_name_this_page_in_both_languages(crawled):
    wrong = {}
    for page in crawled.pages():
        chinese = page.path.removeprefix("/en") or "/" if is_english(page.path) else page.path
        expected = {"zh-CN": f"http://localhost{chinese}", "en": f"http://localhost/en{chinese}"}
        alternates = {
            link.get("hreflang"): link.get("href")
            for link in page.doc.find("head").find_all("link", rel="alternate", hreflang=True)
        }
        if alternates != expected:
            wrong[page.path] = alternates
    assert wrong == {}


def test_the_language_link_opens_this_page_in_the_other_language_and_says_so_in_it(crawled):
    wrong = {}
    for page in crawled.pages():
        (link,) = page.doc.find_all(class_="language-link")
        language, name = ("zh-CN", "中文") if is_english(page.path) else ("en", "English")
        target = link.get("href") if link.tag == "a" else link.get("formaction")
        said = (link.get("lang"), link.text)
        if said != (language, name) or target not in (None, other_language(page.path)):
            wrong[page.path] = (target, *said)
        if link.tag == "a" and link.get("hreflang") != language:
            wrong[page.path] = ("hreflang", link.get("hreflang"))
    assert wrong == {}


# A count written as a figure before an English noun: "1 places" or "3 place".
NOUNS = "place|result|service|contact|message|day|hour|minute|character|item|measure|photo|way"
COUNTED = re.compile(rf"\b(\d{{1,3}}) ({NOUNS}|indicator|project|department|notice)(s?)\b")


def test_english_counts_agree_with_their_nouns(crawled):
    wrong = {
        (page.path, f"{number} {noun}{plural}")
        for page in crawled.english()
        for number, noun, plural in COUNTED.findall(page.doc.find("main").text)
        if (number == "1") == bool(plural)
    }
    assert wrong == set()


def test_a_group_of_departments_is_named_for_as_many_as_it_lists(crawled):
    """Each group's label says one department or several, as its list has: it said "Lead
    department(s)" over every list, "Participating departments" over one department and
    "Department in charge" over two."""
    wrong, seen = set(), set()
    for page in crawled.english():
        for label in page.doc.find_all("dt"):
            answer = label.find_next_sibling("dd")
            several = answer is not None and len(answer.find_all("li")) > 1
            if "department" not in label.text.lower():
                continue
            seen.add((label.text, several))
            if ("departments" in label.text.lower()) != several or "(s)" in label.text:
                wrong.add((page.path, label.text))
    assert wrong == set()
    assert {("Lead department", False), ("Lead departments", True)} <= seen


ERROR_PAGES = ["/no-such-page", "/test-failure", "/test-database-refused", "/services/no-such"]


@pytest.mark.parametrize("path", ERROR_PAGES)
@pytest.mark.parametrize("language", ["en", "zh"])
def test_error_pages_speak_the_visitors_language(plan_site, path, language):
    prefix = "/en" if language == "en" else ""
    response = plan_site.test_client().get(prefix + path)
    doc = parse(response.data)
    assert response.status_code in (404, 500, 503)
    assert doc.find("html").get("lang") == LANGUAGE[language]
    assert (unmarked_chinese if language == "en" else unmarked_english)(doc) == []


def bad_answers(form) -> dict[str, str]:
    """A form's hidden fields as they came, every choice answered with one it does not offer
    and every text left empty (the fields a person must fill in, unfilled)."""
    answers = {}
    for field in form.find_all(["input", "select", "textarea"]):
        name, kind = field.get("name"), field.get("type")
        if not name or kind in ("submit", "button", "file"):
            continue
        if kind == "hidden":
            answers[name] = field.get("value", "")
        else:
            answers[name] = "x@" if field.tag == "select" or kind in ("radio", "checkbox") else ""
    return answers


def answered(client, page: Page, form, posting: bool, fragment: bool):
    """What a form of `page` answers when sent with bad answers, as a page or as the
    fragment htmx asks for (None for a form that writes, where `posting` is false)."""
    method = (form.get("method") or "get").lower()
    action = form.get("action") or page.path
    headers = {"HX-Request": "true"} if fragment else {}
    if method == "post":
        if not posting:
            return None
        return client.post(action, data=bad_answers(form), headers=headers, follow_redirects=True)
    query = urlencode(bad_answers(form))
    return client.get(f"{urlsplit(action).path}?{query}", headers=headers, follow_redirects=True)


def test_forms_sent_with_bad_input_answer_in_english(plan_site, app, crawled):
    """Every form of the English site (the demo pack's finders too, without writing to its
    shared database), sent with bad answers: the page it answers with, or the fragment
    htmx swaps in, its error messages included, is English or marked Chinese."""
    sent, wrong = set(), {}
    for site, pages, posting in ((plan_site, crawled.plan, True), (app, crawled.demo, False)):
        client = site.test_client()
        for page in pages.values():
            if not is_english(page.path):
                continue
            again = fetched(client, page.path)  # with this client's session, as it posts
            doc = page.doc if again.html == page.html else again.doc  # the same page: parsed once
            for form, fragment in product(doc.find_all("form"), (0, 1)):
                kind = (form.get("action") or page.path, form.get("method"), posting, fragment)
                response = None if kind in sent else answered(client, page, form, *kind[2:])
                if response is None:
                    continue
                sent.add(kind)
                doc = parse(response.data)
                if response.status_code >= 500:
                    wrong[kind] = response.status_code
                elif doc.find("html") is not None and doc.find("html").get("lang") != "en":
                    wrong[kind] = doc.find("html").get("lang")
                elif unmarked_chinese(doc):
                    wrong[kind] = unmarked_chinese(doc)
    assert len(sent) >= 20
    assert wrong == {}


MAIL = ["alert_confirm", "alert_known", "alert_notice", "receipt", "reply"]


@pytest.mark.parametrize("name", MAIL)
def test_english_mail_is_in_english_with_its_chinese_marked(plan_site, name):
    from barrierfree.mail.render import in_language, render

    update = SimpleNamespace(
        kind="notice", slug="winter-hours", title="冬季开放时间", title_en=None,
        summary="区残联服务大厅冬季开放时间调整。", summary_en=None,
    )  # fmt: skip
    context = {
        "links": {"confirm": "/c", "manage": "/m", "unsubscribe": "/u"},
        "unconfirmed_days": 7,
        "update": update,
        "item": SimpleNamespace(reference="CP-2026-000123", due_on=None),
        "link": "/status",
        "message": SimpleNamespace(body="您好，\n已经修好了。", author_name="王明"),
    }
    with plan_site.app_context(), in_language("en"):
        text, html = render(name, **context)
    doc = parse(html)
    assert doc.find("html").get("lang") == "en"
    assert unmarked_chinese(doc) == []
    english_lines = [line for line in text.splitlines() if not _staff_or_content(line)]
    assert [line for line in english_lines if CJK.search(line)] == []


def _staff_or_content(line: str) -> bool:
    """A line of a plain-text mail that is the Chinese a member of staff or the content
    wrote (it has no language mark to carry)."""
    return any(
        chinese in line
        for chinese in ("冬季开放时间", "区残联服务大厅", "您好", "已经修好了", "王明")
    )


@pytest.mark.parametrize(
    ("text", "marked"),
    [
        (
            "document 聊茌政发〔2022〕14号",
            'document <span lang="zh-CN">聊茌政发〔2022〕14号</span>',
        ),
        ("专栏2 and 专栏3", '<span lang="zh-CN">专栏2</span> and <span lang="zh-CN">专栏3</span>'),
        ("2025年 target", '<span lang="zh-CN">2025年</span> target'),
    ],
)
def test_a_chinese_citation_is_marked_whole_not_broken_at_its_figures(i18n_app, text, marked):
    """聊茌政发〔2022〕14号 was marked in three pieces: a screen reader switched to English for
    2022 and 14 in the middle of the document number."""
    from barrierfree.i18n import mark_chinese

    with i18n_app.test_request_context("/en/", environ_overrides={"barrierfree.locale": "en"}):
        assert str(mark_chinese(text)) == marked


def english_catalogue() -> list:
    """The English catalogue's messages, without its header."""
    with CATALOGUE.open("rb") as file:
        return [message for message in read_po(file) if message.id]


def test_the_english_catalogue_writes_an_apostrophe_one_way():
    """ "Disabled Persons’ Federation" beside "Disabled Persons' Federation": one term spelt
    two ways, which a search for it, or a check of the terms, finds only half of."""
    strings = [
        text
        for message in english_catalogue()
        for text in (message.string if message.pluralizable else [message.string])
    ]
    assert [text[:60] for text in strings if "’" in text] == []


# The interface's own terms, one English for each wherever it appears (the plan's terms are
# in content/terms.yaml and tests/test_terms.py): a resident told to open a "status link" on
# one page and a "private link" on the next may think they are two things.
INTERFACE_TERMS = {
    "查询链接": "status link",
    "查询页面": "status page",
    "区残联": "District Disabled Persons' Federation",
    "保存期限": "retention period",
}


@pytest.mark.parametrize(("chinese", "english"), INTERFACE_TERMS.items())
def test_the_english_catalogue_gives_a_term_one_english(chinese, english):
    other = [
        (message.id, message.string)
        for message in english_catalogue()
        if not message.pluralizable and chinese in message.id and english not in message.string
    ]
    assert other == []
