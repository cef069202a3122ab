"""The Atom feed and the sitemap stay well-formed XML whatever text an update holds: the
characters XML 1.0 does not allow are refused in the editor, naming the field, and are
never written into the XML even when a row holds them."""

import xml.etree.ElementTree as ET
from datetime import UTC

import pytest
from barrierfree.database import PUBLISHED, db, utcnow
from barrierfree.page_cache import PageCacheGeneration
from barrierfree.query_args import clean_line, clean_text
from barrierfree.services.models import Category
from barrierfree.staff.models import MediaFile
from barrierfree.updates.models import Update
from conftest import make_app, parse
from sqlalchemy import select
from staff_helpers import answered, form_fields, make_staff, signed_in

ATOM = "{http://www.w3.org/2005/Atom}"
# What XML 1.0 does not allow and a database can hold (a surrogate is not even UTF-8).
FORBIDDEN = "".join(chr(c) for c in range(0x20) if chr(c) not in "\t\n\r") + "\ufffe\uffff"
# Refused in the editor, naming the character; Word's line and page breaks are new lines.
REFUSED = FORBIDDEN.replace("\x0b", "").replace("\x0c", "")
READY = {
    "kind": "notice",
    "title": "2026年助听器验配开始报名",
    "summary": "持证听力残疾人可以免费验配助听器。",
    "body": "## 怎么报名\n\n带上残疾人证，到区残联一楼窗口登记。\n",
}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """An empty site with a publisher signed in."""
    app = make_app(tmp_path_factory.mktemp("feed") / "feed.sqlite")
    make_staff(app, "feed-publisher", "publisher")
    return {"app": app, "publisher": signed_in(app, "feed-publisher")}


def entries(client, path: str = "/updates/feed.atom") -> dict[str, ET.Element]:
    """The feed's entries by their link, the feed parsed as XML (which fails if it is not)."""
    response = client.get(path)
    assert response.status_code == 200
    root = ET.fromstring(response.data)
    return {entry.find(f"{ATOM}link").get("href"): entry for entry in root.iter(f"{ATOM}entry")}


def entry_of(client, slug: str, path: str = "/updates/feed.atom") -> ET.Element:
    """The feed's entry of one update."""
    return next(entry for link, entry in entries(client, path).items() if link.endswith(slug))


def create(client, action: str = "publish", **values):
    """Post the new-update form with some fields filled in."""
    fields = form_fields(client.get("/staff/updates/new").data, "edit-form")
    data = {**fields, **{name: [value] for name, value in values.items()}, "action": [action]}
    return answered(client, client.post("/staff/updates/new", data=data))


def test_a_row_holding_every_forbidden_character_still_gives_well_formed_xml(site):
    with site["app"].app_context():
        # PostgreSQL's text cannot hold NUL at all: there, every other forbidden character.
        forbidden = FORBIDDEN if db.engine.name == "sqlite" else FORBIDDEN.replace("\0", "")
        db.session.add(
            Update(
                slug="raw-row",
                status=PUBLISHED,
                published_at=utcnow(),
                title=f"直接{forbidden}写入",
                summary=f"摘要{forbidden}",
                body=f"正文{forbidden}\n\n**粗体{forbidden}**",
                title_en=f"Written{forbidden} directly",
                summary_en=f"Summary{forbidden}",
                body_en=f"Body{forbidden}",
            )
        )
        db.session.commit()
    client = site["app"].test_client()
    entry = entry_of(client, "/raw-row")
    assert entry.findtext(f"{ATOM}title") == "直接写入"
    assert entry.findtext(f"{ATOM}summary") == "摘要"
    assert "粗体" in entry.findtext(f"{ATOM}content")
    assert entry_of(client, "/raw-row", "/en/updates/feed.atom").findtext(f"{ATOM}title") == (
        "Written directly"
    )
    ET.fromstring(client.get("/sitemap.xml").data)


@pytest.mark.parametrize("clean", [clean_line, clean_text])
def test_every_forbidden_character_is_refused_naming_it(i18n_app, clean):
    with i18n_app.test_request_context():
        for character in REFUSED:
            with pytest.raises(ValueError, match=f"（U\\+{ord(character):04X}）"):
                clean(f"甲{character}乙", "标题")


@pytest.mark.parametrize("name, label", [("title", "标题"), ("summary", "摘要"), ("body", "正文")])
def test_the_editor_refuses_a_forbidden_character_naming_the_field(site, name, label):
    # Each of REFUSED through the rules above; through the form, the first, one in the
    # middle and the last.
    for character in "\x00\x1b\uffff":
        text = READY[name][:2] + character + READY[name][2:]  # inside: the ends are trimmed
        response = create(site["publisher"], **{**READY, name: text})
        assert response.status_code == 400, repr(character)
        summary = parse(response.data).find(class_="error-summary")
        link = next(a for a in summary.find_all("a") if a.get("href") == f"#field-{name}")
        assert f"“{label}”" in link.text and f"U+{ord(character):04X}" in link.text
    with site["app"].app_context():
        # Saved by the editor, that is, other than the row the test above writes directly.
        saved = select(Update.id).where(Update.title.contains("\x1b"), Update.slug != "raw-row")
        assert db.session.scalar(saved) is None


def test_words_line_break_from_the_editor_is_a_new_line_in_the_feed(site):
    summary = "第一行\x0b第二行"
    response = create(site["publisher"], **{**READY, "slug": "line-break", "summary": summary})
    assert response.status_code == 303, response.text[:2000]
    entry = entry_of(site["app"].test_client(), "/line-break")
    assert entry.findtext(f"{ATOM}summary") == "第一行\n第二行"


def test_words_line_break_in_a_title_is_refused_naming_the_field(site):
    # A title is one line: whether the break stood for a space or for nothing, only the
    # writer knows (query_args.LINE_BREAKS).
    response = create(
        site["publisher"], **{**READY, "slug": "line-break", "title": "第一行\x0b第二行"}
    )
    assert response.status_code == 400
    assert "“标题”" in parse(response.data).find(class_="error-summary").text


def test_updated_is_the_last_public_change_not_the_request_time(tmp_path):
    app = make_app(tmp_path / "empty.sqlite")
    client = app.test_client()
    with app.app_context():
        row = Update(slug="n1", kind="notice", status=PUBLISHED, title="通知", summary="摘要",
                     body="正文", published_at=utcnow())  # fmt: skip
        db.session.add(row)
        db.session.commit()
        changed = row.updated_at.isoformat(timespec="seconds") + "Z"
    assert ET.fromstring(client.get("/updates/feed.atom").data).findtext(f"{ATOM}updated") == (
        changed
    )


def test_the_feed_answers_304_to_a_reader_that_has_it(site):
    client = site["app"].test_client()
    first = client.get("/updates/feed.atom")
    assert first.headers["ETag"] and first.headers["Last-Modified"]
    again = client.get("/updates/feed.atom", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    since = {"If-Modified-Since": first.headers["Last-Modified"]}
    assert client.get("/updates/feed.atom", headers=since).status_code == 304


def test_entry_content_links_and_images_name_the_site_in_full(site):
    with site["app"].app_context():  # the image is in the media library: it can be published
        db.session.add(
            MediaFile(name="window.png", original_name="窗口.png", mimetype="image/png",
                      size=1, uploaded_by="publisher")
        )  # fmt: skip
        db.session.commit()
    body = "见[办事指南](/services/disability-certificate)。\n\n![办事窗口](/media/window.png)\n"
    values = {**READY, "slug": "absolute-links", "title": "链接测试通知", "body": body}
    assert create(site["publisher"], **values).status_code == 303
    content = entry_of(site["app"].test_client(), "absolute-links").findtext(f"{ATOM}content")
    assert 'href="http://localhost/services/disability-certificate"' in content
    assert 'src="http://localhost/media/window.png"' in content


def test_the_english_feed_names_its_author_in_english(site):
    root = ET.fromstring(site["app"].test_client().get("/en/updates/feed.atom").data)
    assert (
        root.findtext(f"{ATOM}author/{ATOM}name") == "Chiping District Disabled Persons' Federation"
    )


@pytest.mark.parametrize(
    ("prefix", "everything", "notices"),
    [
        ("", "全部通知公告、工作动态和主要指标的最新数值", "通知公告"),
        ("/en", "All notices, news and the latest values of the main indicators", "Notices"),
    ],
)
def test_the_main_feed_is_named_for_all_it_carries_not_as_the_notices_feed(
    site, prefix, everything, notices
):
    """The main feed carries news and indicator values too; it was titled 通知公告, as the
    notices' own feed is. Its name is the one the feeds page links it by."""
    client = site["app"].test_client()
    title = ET.fromstring(client.get(f"{prefix}/updates/feed.atom").data).findtext(f"{ATOM}title")
    notice = ET.fromstring(client.get(f"{prefix}/updates/feeds/notice.atom").data)
    assert title.endswith(f" - {everything}")
    assert notice.findtext(f"{ATOM}title").endswith(f" - {notices}")
    links = parse(client.get(f"{prefix}/updates/feeds/").data).find("main").find_all("a")
    assert everything in [link.text for link in links if link.get("href", "").endswith("feed.atom")]
    # Every page's header offers it to browsers and readers by the same name.
    header = parse(client.get(f"{prefix}/").data).find("link", type="application/atom+xml")
    assert header.get("title") == everything


def test_an_indicator_value_is_an_entry_and_a_new_value_a_new_entry(loaded_app):
    from datetime import date

    from barrierfree.database import db
    from barrierfree.plan.models import Indicator
    from sqlalchemy import select

    client = loaded_app.test_client()
    assert not [link for link in entries(client) if "#indicator-" in link]

    def set_value(value: str, on: date) -> ET.Element:
        with loaded_app.app_context():
            indicator = db.session.scalar(select(Indicator).where(Indicator.number == 6))
            indicator.current_value, indicator.current_date = value, on
            indicator.current_source = "区残联2026年统计"
            db.session.commit()
        found = [e for link, e in entries(client).items() if link.endswith("#indicator-6")]
        assert len(found) == 1
        return found[0]

    first = set_value("96", date(2026, 6, 30))
    summary = first.find(f"{ATOM}summary").text
    assert "残疾人基本康复服务覆盖率" in first.find(f"{ATOM}title").text
    assert "2020年 >90%" in summary and "2025年目标 >95%" in summary
    assert "最新 96%" in summary and "区残联2026年统计" in summary
    second = set_value("97", date(2026, 12, 1))
    assert second.find(f"{ATOM}id").text != first.find(f"{ATOM}id").text


def test_the_feed_is_asked_for_again_before_reuse_as_every_dated_page(site):
    """With a Last-Modified and no lifetime, a cache would reuse it unasked for a tenth of
    its age."""
    response = site["app"].test_client().get("/updates/feeds/notice.atom")
    assert response.mimetype == "application/atom+xml"
    assert response.headers["Last-Modified"] and response.headers["Cache-Control"] == "no-cache"


def test_a_feed_that_never_had_an_entry_is_dated_by_the_site_not_1970(tmp_path):
    app = make_app(tmp_path / "empty.sqlite")
    client = app.test_client()
    with app.app_context():
        changed = db.session.scalar(select(PageCacheGeneration.changed_at))
    for path in ("/updates/feed.atom", "/updates/feeds/news.atom"):
        response = client.get(path)
        updated = ET.fromstring(response.data).findtext(f"{ATOM}updated")
        assert updated == changed.isoformat(timespec="seconds") + "Z", path
        assert response.last_modified == changed.replace(microsecond=0, tzinfo=UTC)


def test_a_topic_feed_changes_with_its_name(app, client):
    """A service category's name is its feed's title."""
    with app.app_context():
        category = db.session.scalar(select(Category).where(Category.slug == "rehabilitation"))
        renamed = category.updated_at.isoformat(timespec="seconds") + "Z"
    feed = ET.fromstring(client.get("/updates/feeds/rehabilitation.atom").data)
    assert feed.findtext(f"{ATOM}updated") == renamed  # content/ has no updates
