"""The back office's titles: each names the back office, so that none reads like a public
page's (the list of places to edit and the public finder were both 无障碍场所)."""

import re
from collections import deque
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from barrierfree.staff.models import ADMIN
from conftest import SITE_NAME_ZH, is_english, parse
from staff_helpers import make_staff, signed_in
from test_routes import english_site_name

pytestmark = pytest.mark.markup  # the same markup on any database: run once

BACK_OFFICE = {False: "工作后台", True: "Staff area"}


def back_office_pages(client, prefix: str) -> dict[str, str]:
    """The title of every back-office page reachable from the dashboard, one page per kind
    of address (the edit form of one place stands for every place's)."""
    start = f"{prefix}/staff/"
    titles, shapes, seen, queue = {}, set(), {start}, deque([start])
    while queue:
        path = queue.popleft()
        shape = re.sub(r"\d+", "#", path)
        if shape in shapes:
            continue
        shapes.add(shape)
        response = client.get(path)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        doc = parse(response.data)
        titles[path] = doc.find("title").text
        for href in doc.hrefs:
            target = urlsplit(urldefrag(urljoin(path, href)).url)
            local = target.path + (f"?{target.query}" if target.query else "")
            if not target.netloc and local.startswith(start) and local not in seen:
                seen.add(local)
                queue.append(local)
    return titles


@pytest.fixture(scope="module")
def staff_titles(app) -> dict[str, str]:
    """The back office's titles in both languages, the sign-in page's among them."""
    make_staff(app, "title-reader", ADMIN)
    client = signed_in(app, "title-reader")
    titles = back_office_pages(client, "") | back_office_pages(client, "/en")
    anonymous = app.test_client()
    for path in ("/staff/sign-in", "/en/staff/sign-in"):
        titles[path] = parse(anonymous.get(path).data).find("title").text
    return titles


def test_the_crawl_reaches_the_lists_that_share_a_name_with_public_pages(staff_titles):
    for path in ("/staff/facilities/", "/en/staff/facilities/", "/staff/services/"):
        assert path in staff_titles
    assert staff_titles["/staff/facilities/"] == f"无障碍场所 - 工作后台 - {SITE_NAME_ZH}"


def test_no_back_office_title_is_a_public_page_s(staff_titles, site_pages):
    public = {(is_english(path), page.doc.find("title").text) for path, page in site_pages.items()}
    shared = {
        path: title for path, title in staff_titles.items() if (is_english(path), title) in public
    }
    assert shared == {}


def test_every_back_office_title_names_the_back_office_before_the_site(app, staff_titles):
    site_name = {False: SITE_NAME_ZH, True: english_site_name(app)}
    for path, title in staff_titles.items():
        english = is_english(path)
        if path.endswith("/preview"):
            # A preview is the public page as it will be, in the public layout, and says
            # first that it is one.
            assert title.startswith("Preview: " if english else "预览："), (path, title)
            continue
        ending = f"{BACK_OFFICE[english]} - {site_name[english]}"
        assert title.endswith(f" - {ending}") or title == ending, (path, title)
    # The dashboard, whose name it is, says it once.
    assert staff_titles["/staff/"] == f"工作后台 - {SITE_NAME_ZH}"
    assert staff_titles["/en/staff/"] == f"Staff area - {english_site_name(app)}"
