"""What a feed reader and a search engine rely on: the main feed's <updated> and
Last-Modified move when an indicator's value does (it carries those as entries), so a reader
asking If-Modified-Since gets the new value; a topic's feed holds that topic's newest
updates however many others came since; and robots.txt keeps crawlers off every private
address, a subscriber's links as much as a resident's status page, in both languages."""

import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta

import pytest
from barrierfree.database import PUBLISHED, db
from barrierfree.plan.models import Indicator
from barrierfree.security import private_paths
from barrierfree.updates.models import Update
from barrierfree.updates.views import FEED_SIZE
from sqlalchemy import select, update

ATOM = "{http://www.w3.org/2005/Atom}"


def feed_times(response) -> tuple[str, list[str]]:
    """The feed's <updated> and each entry's."""
    root = ET.fromstring(response.data)
    entries = [entry.findtext(f"{ATOM}updated") for entry in root.iter(f"{ATOM}entry")]
    return root.findtext(f"{ATOM}updated"), entries


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_a_new_indicator_value_updates_the_feed_for_a_reader_that_had_it(loaded_app, prefix):
    client = loaded_app.test_client()
    path = f"{prefix}/updates/feed.atom"
    first = client.get(path)
    with loaded_app.app_context():
        indicator = db.session.scalar(select(Indicator).where(Indicator.number == 6))
        indicator.current_value, indicator.current_date = "98", date(2026, 6, 30)
        indicator.current_source = "区残联2026年统计"
        db.session.commit()
        later = indicator.updated_at + timedelta(hours=1)  # a whole second and more later
        db.session.execute(
            update(Indicator).where(Indicator.id == indicator.id).values(updated_at=later)
        )
        db.session.commit()
    since = {"If-Modified-Since": first.headers["Last-Modified"]}
    again = client.get(path, headers=since)
    assert again.status_code == 200
    updated, entries = feed_times(again)
    assert updated == later.isoformat(timespec="seconds") + "Z"
    assert entries and all(entry <= updated for entry in entries)
    assert (
        client.get(path, headers={"If-Modified-Since": again.headers["Last-Modified"]}).status_code
        == 304
    )


def test_a_topic_s_feed_is_not_dated_by_the_indicators(loaded_app):
    """It carries no indicator: its date is the updates' last public change."""
    client = loaded_app.test_client()
    with loaded_app.app_context():
        notice = Update(slug="n1", kind="notice", status=PUBLISHED, title="通知", summary="",
                        body="", topics=[], published_at=datetime(2026, 1, 1, 8))  # fmt: skip
        db.session.add(notice)
        db.session.commit()
        changed = notice.updated_at.isoformat(timespec="seconds") + "Z"
        indicator = db.session.scalar(select(Indicator).where(Indicator.number == 6))
        indicator.current_value, indicator.current_date = "98", date(2026, 6, 30)
        indicator.updated_at = notice.updated_at + timedelta(hours=1)
        db.session.commit()
    assert feed_times(client.get("/updates/feeds/notice.atom"))[0] == changed


def test_a_topic_s_feed_finds_its_updates_behind_many_others(loaded_app):
    """Its newest update came before more than twenty feeds' worth of others (they were
    read only that far back); withdrawn ones stay out."""
    start = datetime(2026, 1, 1, 8)
    rows = [
        Update(slug=f"u{n}", kind="news", status=PUBLISHED, title=f"动态{n}", summary="",
               body="", topics=[], published_at=start + timedelta(hours=n))
        for n in range(1, FEED_SIZE * 20 + 2)
    ]  # fmt: skip
    rows += [
        Update(slug="job-fair", kind="notice", status=PUBLISHED, title="招聘会", summary="",
               body="", topics=["employment"], published_at=start),
        Update(slug="job-old", kind="notice", status="withdrawn", title="旧招聘会",
               summary="", body="", topics=["employment"], published_at=start),
    ]  # fmt: skip
    with loaded_app.app_context():
        db.session.add_all(rows)
        db.session.commit()
    client = loaded_app.test_client()
    for path in ("/updates/feeds/employment.atom", "/en/updates/feeds/employment.atom"):
        root = ET.fromstring(client.get(path).data)
        links = [entry.find(f"{ATOM}link").get("href") for entry in root.iter(f"{ATOM}entry")]
        assert [link.rsplit("/", 1)[1] for link in links] == ["job-fair"]
    root = ET.fromstring(client.get("/updates/feeds/news.atom").data)
    assert len(list(root.iter(f"{ATOM}entry"))) == FEED_SIZE


def test_robots_keeps_crawlers_off_every_private_address_in_both_languages(app):
    rules = app.test_client().get("/robots.txt").text.splitlines()
    disallowed = {line.removeprefix("Disallow: ") for line in rules if line.startswith("Disallow:")}
    for path in (
        "/alerts/confirm/",
        "/alerts/manage/",
        "/alerts/unsubscribe/",
        "/feedback/status/",
        "/staff/",
    ):
        assert {path, f"/en{path}"} <= disallowed
    with app.app_context():
        assert {path for path, _headers in private_paths(app)} <= disallowed
    assert not any(
        path.startswith(("/data", "/updates", "/alerts/check")) or path == "/alerts/"
        for path in disallowed
    )
