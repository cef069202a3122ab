"""How long the site waits for PostgreSQL: a server that takes connections but never answers
fails a page with the site's 503 in seconds, before gunicorn's worker timeout (30 s) would
kill the worker with a bare 500; a statement of the served site runs at most
STATEMENT_TIMEOUT_SECONDS, a command's as long as it needs."""

import socket
import threading
import time
from collections.abc import Iterator

import click
import pytest
from barrierfree import background, create_app, settings
from barrierfree.database import alembic_config, db, upgrade
from flask import Flask
from sqlalchemy import make_url, text
from sqlalchemy.exc import OperationalError

# The throwaway server's fixture, `postgres_url`.
pytest_plugins = ["postgres_server"]


@pytest.fixture
def silent_server() -> Iterator[int]:
    """The port of a TCP server that accepts every connection and never says a word, as a
    hung database server does."""
    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                held.append(listener.accept()[0])
            except OSError:  # closed at the end of the test
                return

    threading.Thread(target=accept, daemon=True).start()
    yield listener.getsockname()[1]
    listener.close()
    for connection in held:
        connection.close()


@pytest.fixture
def short_waits(monkeypatch):
    """The shortest connect timeout libpq takes (2 s), so that each test stays short."""
    monkeypatch.setattr(settings, "CONNECT_TIMEOUT_SECONDS", 2)


def app_on(url: str, tmp_path, **config) -> Flask:
    """The site on the database at `url`, as gunicorn serves it."""
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "INSTANCE_PATH": str(tmp_path),
            "SQLALCHEMY_DATABASE_URI": url,
            "SEARCH_BACKEND": "null",
            **config,
        }
    )


def in_a_command(url: str, tmp_path) -> Flask:
    """The site on the database at `url`, as a `flask` command makes it."""
    with click.Context(click.Command("flask")):
        return app_on(url, tmp_path)


@pytest.mark.no_database
@pytest.mark.usefixtures("short_waits")
def test_a_connection_to_a_server_that_never_answers_fails_in_seconds(silent_server, tmp_path):
    app = app_on(f"postgresql://postgres@127.0.0.1:{silent_server}/bf", tmp_path)
    started = time.monotonic()
    with app.app_context(), pytest.raises(OperationalError, match="timeout"):
        db.session.execute(text("SELECT 1"))
    assert time.monotonic() - started < 5


@pytest.mark.no_database
@pytest.mark.usefixtures("short_waits")
def test_a_page_on_a_server_that_never_answers_is_the_sites_503(silent_server, tmp_path):
    """Before, the worker waited for ever, until gunicorn killed it (a bare 500 at 30 s)."""
    client = app_on(f"postgresql://postgres@127.0.0.1:{silent_server}/bf", tmp_path).test_client()
    started = time.monotonic()
    response = client.get("/")
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    assert time.monotonic() - started < 10


@pytest.mark.no_database
@pytest.mark.usefixtures("short_waits")
def test_db_upgrade_against_a_server_that_never_answers_says_so_in_one_line(
    silent_server, tmp_path
):
    """The migrations' own engine waits no longer than the site's; before, for ever."""
    app = in_a_command(f"postgresql://postgres@127.0.0.1:{silent_server}/bf", tmp_path)
    started = time.monotonic()
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert time.monotonic() - started < 10
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert result.output.startswith("Error: The database at postgresql")
    assert len(result.output.strip().splitlines()) == 1


@pytest.mark.no_database
def test_db_upgrade_against_a_closed_port_says_so_in_one_line(tmp_path):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = in_a_command(f"postgresql://site:hunter2@127.0.0.1:{port}/bf", tmp_path)
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: The database at postgresql+psycopg://site:***@")
    assert "hunter2" not in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


@pytest.mark.no_database
def test_the_served_site_limits_its_statements_and_a_command_does_not(tmp_path):
    url = "postgresql+psycopg://site@db.example.internal/barrierfree"
    served = app_on(url, tmp_path).config["SQLALCHEMY_ENGINE_OPTIONS"]
    command = in_a_command(url, tmp_path).config["SQLALCHEMY_ENGINE_OPTIONS"]
    for options in served, command:
        assert options["hide_parameters"] and options["pool_pre_ping"]
        assert options["connect_args"]["connect_timeout"] == settings.CONNECT_TIMEOUT_SECONDS
        assert options["connect_args"]["keepalives"] == 1
    limit = settings.STATEMENT_TIMEOUT_SECONDS
    assert limit < 30  # gunicorn's worker timeout
    assert served["connect_args"]["options"] == f"-c statement_timeout={limit}s"
    assert "options" not in command["connect_args"]


@pytest.mark.no_database
def test_what_the_database_url_sets_itself_wins(tmp_path):
    url = (
        "postgresql+psycopg://site@db.example.internal/barrierfree"
        "?connect_timeout=10&options=-c%20search_path%3Dsite"
    )
    app = app_on(url, tmp_path)
    connect_args = app.config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]
    assert "connect_timeout" not in connect_args
    assert connect_args["options"] == (
        f"-c search_path=site -c statement_timeout={settings.STATEMENT_TIMEOUT_SECONDS}s"
    )
    with app.app_context():
        migrations = make_url(alembic_config().get_main_option("sqlalchemy.url"))
    assert migrations.query["connect_timeout"] == "10"
    assert migrations.query["keepalives"] == "1"
    assert "statement_timeout" not in migrations.query["options"]


@pytest.mark.no_database
def test_sqlite_gets_no_postgresql_parameters(tmp_path):
    app = app_on(f"sqlite:///{tmp_path / 'site.sqlite'}", tmp_path)
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"] == {"hide_parameters": True}
    with app.app_context():
        assert alembic_config().get_main_option("sqlalchemy.url").startswith("sqlite:///")


def test_a_statement_that_runs_too_long_is_cancelled_with_the_503(
    new_database, tmp_path, monkeypatch
):
    """PostgreSQL cancels it (QueryCanceled, an OperationalError): the site's 503 page, and
    the worker free again."""
    monkeypatch.setattr(settings, "STATEMENT_TIMEOUT_SECONDS", 1)
    app = app_on(new_database(), tmp_path)
    with app.app_context():
        upgrade()
    app.add_url_rule("/slow", "slow", lambda: str(db.session.scalar(text("SELECT pg_sleep(3)"))))
    started = time.monotonic()
    response = app.test_client().get("/slow")
    assert response.status_code == 503
    assert time.monotonic() - started < 3
    assert background.wait()  # the periodic checks a request may start hold a connection
    with app.app_context():
        db.engine.dispose()


def test_a_command_runs_a_long_statement_to_its_end(new_database, tmp_path, monkeypatch):
    monkeypatch.setattr(settings, "STATEMENT_TIMEOUT_SECONDS", 1)
    app = in_a_command(new_database(), tmp_path)
    with app.app_context():
        db.session.execute(text("SELECT pg_sleep(1.5)"))
        db.session.remove()
        db.engine.dispose()
