"""GET /healthz: 200 for a server that can serve, 503 for one that cannot; a word per
check either way."""

import re

import pytest
from barrierfree import create_app
from barrierfree.database import db
from barrierfree.page_cache import HEADER
from barrierfree.plan.models import PlanPart
from conftest import MAIL_NOWHERE, make_app, sitemap_paths
from sqlalchemy import text

# What the body may hold: a check's name and a word, nothing more.
LINE = re.compile(r"(database|content|search): [a-z]+")


def assert_plain_and_private(response) -> None:
    """Text that no cache keeps, without a cookie and past the page cache."""
    assert response.mimetype == "text/plain"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers
    assert HEADER not in response.headers


def with_the_plan(app):
    """`app`, its empty database given one part of the plan, as a load would write: its
    content counts as loaded."""
    with app.app_context():
        db.session.add(PlanPart(slug="part-1", number="一", title="总体要求"))
        db.session.commit()
    return app


def lines(response) -> list[str]:
    """The body's lines, each checked to reveal nothing but a state."""
    found = response.text.splitlines()
    assert all(LINE.fullmatch(line) for line in found), found
    return found


def test_a_site_that_can_serve_answers_ok(client):
    for _ in range(2):  # the second is not a stored copy
        response = client.get("/healthz")
        assert response.status_code == 200
        assert lines(response) == ["database: ok", "content: loaded", "search: ready"]
        assert_plain_and_private(response)
    assert client.head("/healthz").status_code == 200
    options = client.options("/healthz")  # the methods allowed, not the checks
    assert set(options.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    assert b"database" not in options.data
    assert client.post("/healthz").status_code == 405


def test_the_health_check_is_no_page_of_the_site(client):
    assert not any("healthz" in path for path in sitemap_paths(client))
    assert "healthz" not in client.get("/sitemap.xml").text


def test_a_schema_behind_the_code_cannot_serve(empty_app):
    with empty_app.app_context():
        db.session.execute(text("UPDATE alembic_version SET version_num = '0001'"))
        db.session.commit()
    response = empty_app.test_client().get("/healthz")
    assert response.status_code == 503
    assert lines(response)[:2] == ["database: behind", "content: unknown"]
    assert_plain_and_private(response)


def test_a_schema_migrated_by_newer_code_still_serves(empty_app):
    """A rolling deploy migrates first, then replaces the servers one by one: the old ones
    must not all leave the load balancer meanwhile."""
    app = with_the_plan(empty_app)
    with app.app_context():
        db.session.execute(text("UPDATE alembic_version SET version_num = 'from_next_week'"))
        db.session.commit()
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert lines(response)[:2] == ["database: ahead", "content: loaded"]


def test_a_database_migrated_but_never_loaded_cannot_serve(empty_app):
    """`flask db upgrade` without `flask content load` (on PostgreSQL nothing else loads
    it): every page would be empty, so no load balancer may send residents there."""
    response = empty_app.test_client().get("/healthz")
    assert response.status_code == 503
    assert lines(response)[:2] == ["database: ok", "content: empty"]
    assert_plain_and_private(response)
    response = with_the_plan(empty_app).test_client().get("/healthz")
    assert response.status_code == 200 and lines(response)[1] == "content: loaded"


def test_content_that_cannot_be_read_cannot_serve(empty_app):
    with empty_app.app_context():
        db.session.execute(text("ALTER TABLE plan_part RENAME TO plan_part_elsewhere"))
        db.session.commit()
    response = empty_app.test_client().get("/healthz")
    assert response.status_code == 503
    assert lines(response)[:2] == ["database: ok", "content: unknown"]


def test_a_database_never_migrated_cannot_serve(empty_app):
    with empty_app.app_context():
        db.session.execute(text("DROP TABLE alembic_version"))
        db.session.commit()
    response = empty_app.test_client().get("/healthz")
    assert response.status_code == 503 and lines(response)[0] == "database: behind"


def test_a_missing_search_index_is_named_but_the_server_still_serves(tmp_path):
    """The index is rebuilt in the background while every page but search is served; a
    fresh deploy must not take every server out at once. No count of anything is given."""
    app = with_the_plan(make_app(tmp_path / "site.sqlite", **MAIL_NOWHERE))
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert lines(response) == ["database: ok", "content: loaded", "search: missing"]


@pytest.mark.no_database
def test_a_database_that_does_not_answer_is_unreachable(tmp_path):
    """On PostgreSQL the page cache reads the database for every anonymous request; the
    health check answers past it, and says only which check failed."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "INSTANCE_PATH": str(tmp_path),
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/nothing",
        }
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert lines(response) == ["database: unreachable", "content: unknown", "search: unreadable"]
    assert_plain_and_private(response)
    assert "127.0.0.1" not in response.text and "psycopg" not in response.text
