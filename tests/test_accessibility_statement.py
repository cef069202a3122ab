"""The accessibility statement says what is true today: each known problem it names is
checked against the site, so a problem that is fixed must leave the statement, and the
statement never calls a working part of the site unfinished."""

import re
from datetime import date

from barrierfree.contacts.models import ContactChannel
from barrierfree.database import PUBLISHED, db
from barrierfree.facilities.models import Facility
from barrierfree.opening_hours import calendar_day
from conftest import parse
from sqlalchemy import select

STATEMENT = "/accessibility"
# Real numbers of national lines, not the site's own (content/README.md).
NATIONAL_LINES = {"12345", "12385"}


def statement(client):
    """The statement's main content."""
    response = client.get(STATEMENT)
    assert response.status_code == 200
    return parse(response.data).find("main")


def next_years_holidays_unknown(app, client) -> bool:
    """The holiday calendar does not know the coming year (site/opening_hours.py)."""
    return not calendar_day(date(2027, 1, 1)).known


def no_checked_place_is_published(app, client) -> bool:
    """Every published place is a demo record (none in content/ alone)."""
    with app.app_context():
        places = db.session.scalars(select(Facility).where(Facility.status == PUBLISHED)).all()
    return all(place.sample for place in places)


def no_channel_of_the_site_itself(app, client) -> bool:
    """No published, real contact channel besides the national lines."""
    with app.app_context():
        real = db.session.scalars(
            select(ContactChannel.value).where(
                ContactChannel.status == PUBLISHED, ContactChannel.sample.is_(False)
            )
        ).all()
    return {value for value in real if value} <= NATIONAL_LINES


# Each problem the statement names (its words in bold), and the check that it is real.
KNOWN_PROBLEMS = {
    "2027年的节假日安排还没有收录。": next_years_holidays_unknown,
    "还没有公布核实过的场所。": no_checked_place_is_published,
}
# Other sentences that say something is missing, and their checks.
MISSING = {
    "本站自己的联系方式还没有公布": no_channel_of_the_site_itself,
}
# Words that would call a working part of the site unfinished.
UNFINISHED = ("建设中", "尚未上线", "还不能搜索", "暂不支持")


def test_every_known_problem_the_statement_names_is_still_a_problem(app, client):
    named = [strong.text for strong in statement(client).find_all("strong")]
    listed = [name for name in named if name in KNOWN_PROBLEMS]
    assert listed, "the statement names its known problems in bold"
    for name in listed:
        assert KNOWN_PROBLEMS[name](app, client), f"fixed, still in the statement: {name}"


def test_every_sentence_about_something_missing_is_still_true(app, client):
    text = statement(client).text
    for words, check in MISSING.items():
        if words in text:
            assert check(app, client), f"no longer true: {words}"


def test_the_statement_calls_nothing_that_works_unfinished(client):
    text = statement(client).text
    assert [words for words in UNFINISHED if words in text] == []
    for path in ("/search?q=轮椅", "/facilities/", "/contacts/"):
        assert client.get(path).status_code == 200


def test_each_known_problem_carries_the_month_it_was_noted(client):
    for path, heading, noted in (
        (STATEMENT, "我们已经知道的问题", r"（记录于20\d\d年1?\d月）"),
        ("/en" + STATEMENT, "Problems we know about", r"\(noted [A-Z][a-z]+ 20\d\d\)"),
    ):
        main = parse(client.get(path).data).find("main")
        title = next(h2 for h2 in main.find_all("h2") if h2.text == heading)
        problems = title.find_next("ul").find_all("li")
        assert len(problems) >= 3, path
        assert all(re.search(noted, item.text) for item in problems), path


def test_the_statement_gives_the_sites_own_written_channel(client):
    for path, form in ((STATEMENT, "/feedback/"), ("/en" + STATEMENT, "/en/feedback/")):
        main = parse(client.get(path).data).find("main")
        assert form in main.hrefs, path
        assert client.get(form).status_code == 200
