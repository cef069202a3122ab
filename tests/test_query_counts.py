"""Server time: no public page runs a query per item it shows (no N+1 queries).

Each request's SQL statements are counted on the engine. A page may run at most
MAX_STATEMENTS, and a list page runs as many with twice the items as with the items of
content/.
"""

from contextlib import contextmanager
from datetime import timedelta

import pytest
from barrierfree.contacts.models import ContactChannel
from barrierfree.database import PUBLISHED, db, utcnow
from barrierfree.facilities.models import Facility
from barrierfree.plan.models import Project
from barrierfree.services.models import Service
from barrierfree.staff import periodic
from barrierfree.updates.models import Update
from conftest import make_loaded_app, sitemap_paths
from sqlalchemy import event, inspect, select

# A page reads each kind of thing it shows once, with its links loaded eagerly: the widest
# page, the site map, needs 13 statements (about one per table it reads), a service's page
# 11. A lazy load per item listed passes 15 on any list longer than a dozen items.
MAX_STATEMENTS = 15

# Pages with a query string, which the sitemap does not list.
QUERIED_PAGES = (
    "/facilities/?township=zhenxing",
    "/facilities/?township=zhenxing&need=accessible_toilet",
    "/search?q=康复",
    "/en/search?q=rehabilitation",
    "/contacts/",
    "/contacts/?need=deaf",
)

# Each kind of item, and the pages that list it.
LISTS = {
    "facilities": (Facility, ["/facilities/", "/facilities/?township=zhenxing", "/sitemap"]),
    "services": (Service, ["/", "/services/", "/services/categories/rehabilitation", "/sitemap"]),
    "contacts": (ContactChannel, ["/contacts/", "/sitemap"]),
    "updates": (Update, ["/", "/updates/", "/sitemap"]),
}


@pytest.fixture(scope="module")
def uncached(tmp_path_factory):
    """The loaded site without its page cache: a cached page runs one statement whatever
    it shows, and would hide the queries it runs when it is made."""
    return make_loaded_app(tmp_path_factory.mktemp("counted") / "site.sqlite", PAGE_CACHE=False)


@pytest.fixture(autouse=True)
def no_scheduled_check(monkeypatch):
    """Hold off the check for due publications that a request runs every 30 seconds: it
    belongs to no page, and would add its statements to whichever page it lands on."""
    monkeypatch.setitem(periodic._last_check, "at", float("inf"))


@contextmanager
def counting(app):
    """Yield the list that collects every SQL statement `app` runs until the block ends."""
    statements: list[str] = []

    def count(_connection, _cursor, statement, *_args) -> None:
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def statements_of(app, path: str) -> list[str]:
    """The SQL statements one GET of `path` runs (it must answer 200)."""
    client = app.test_client()
    with counting(app) as statements:
        response = client.get(path)
    assert response.status_code == 200, path
    return statements


def test_no_page_runs_a_query_per_item(uncached):
    paths = sitemap_paths(uncached.test_client()) + list(QUERIED_PAGES)
    counts = {path: len(statements_of(uncached, path)) for path in paths}
    too_many = {path: count for path, count in counts.items() if count > MAX_STATEMENTS}
    assert not too_many, f"pages running more than {MAX_STATEMENTS} SQL statements: {too_many}"


def test_the_count_catches_a_lazy_load_per_item(app):
    # The counter itself: reading each facility's services, as a template touching a
    # relationship that was not loaded would, is one statement per facility.
    with app.app_context(), counting(app) as statements:
        facilities = db.session.scalars(select(Facility)).all()
        offered = sum(len(facility.services) for facility in facilities)
    assert offered > 0
    assert len(statements) == 1 + len(facilities) > MAX_STATEMENTS


def copy_of(row):
    """A new row like `row` under another slug, with the same links (township, category,
    services...): what a second row of the same kind adds to a page."""
    mapper = inspect(type(row))
    values = {column.key: getattr(row, column.key) for column in mapper.column_attrs}
    del values["id"]
    values["slug"] = f"{row.slug}-copy"
    copy = type(row)(**values)
    for relationship in mapper.relationships:
        if relationship.secondary is not None:
            setattr(copy, relationship.key, list(getattr(row, relationship.key)))
    return copy


def double(model) -> None:
    """Add a copy of every published row of `model`."""
    rows = db.session.scalars(select(model).where(model.status == PUBLISHED)).all()
    db.session.add_all(copy_of(row) for row in rows)
    db.session.commit()


def write_updates(count: int) -> None:
    """Publish `count` updates (content/ has none): fewer than a page of the list holds."""
    for number in range(count):
        db.session.add(
            Update(
                slug=f"update-{number}",
                title=f"通知{number}",
                summary="摘要",
                body="正文",
                status=PUBLISHED,
                published_at=utcnow() - timedelta(days=number),
            )
        )
    db.session.commit()


@pytest.mark.parametrize("kind", LISTS)
def test_a_list_runs_as_many_statements_with_twice_the_items(tmp_path, kind):
    model, paths = LISTS[kind]
    site = make_loaded_app(tmp_path / "site.sqlite", PAGE_CACHE=False)
    with site.app_context():
        write_updates(5)
        before = len(db.session.scalars(select(model)).all())
    counted = {path: len(statements_of(site, path)) for path in paths}
    with site.app_context():
        double(model)
        assert len(db.session.scalars(select(model)).all()) == 2 * before
    doubled = {path: len(statements_of(site, path)) for path in paths}
    assert doubled == counted


def test_a_service_page_runs_as_many_statements_with_projects_of_every_box(tmp_path):
    # content/ links no service to a project: a project's box, read for its number, must
    # not cost a statement per box.
    site = make_loaded_app(tmp_path / "site.sqlite", PAGE_CACHE=False)
    path = "/services/living-allowance"
    without = len(statements_of(site, path))
    with site.app_context():
        service = db.session.scalar(select(Service).where(Service.slug == "living-allowance"))
        service.projects = list(db.session.scalars(select(Project)))
        db.session.commit()
    assert len(statements_of(site, path)) == without
