"""Every request has an id: in the X-Request-ID header of its response (a page from the page
cache's too, never stored with it), in the app's log lines written while it is answered,
in the access log line, and on the 500 and 503 pages for a resident to quote. It holds
nothing about the visitor; a proxy's id is taken only from a proxy the site is told sets it
(TRUST_REQUEST_ID, behind PROXY_HOPS) and only in a strict form."""

import logging
import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from barrierfree import page_cache, request_ids
from barrierfree.access_log import AccessLogger
from barrierfree.request_ids import ENVIRON_KEY, HEADER
from conftest import make_app, make_loaded_app, parse
from flask.logging import default_handler
from gunicorn.config import Config
from sqlalchemy.exc import OperationalError
from test_write_failures import full_disk, send

OWN_ID = re.compile(r"[0-9a-f]{16}")


@pytest.fixture
def failing_app(tmp_path):
    """An app whose /boom fails (500) and whose /down finds the database gone (503), each
    after a line in the log, with exceptions handled as in production."""
    app = make_app(tmp_path / "failing.sqlite", PROPAGATE_EXCEPTIONS=False)
    log = logging.getLogger("barrierfree.test_request_ids")

    @app.get("/boom")
    def boom():
        log.warning("about to fail")
        raise RuntimeError("broken")

    @app.get("/down")
    def down():
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))

    return app


@pytest.fixture
def flask_s_handler(failing_app, monkeypatch):
    """Flask's own handler on the app's log, as under gunicorn (Flask adds it when nothing
    else handles the log; under pytest, pytest's handler is there first). It writes to the
    request's error stream, which the test client gives as standard error."""
    if default_handler not in failing_app.logger.handlers:
        monkeypatch.setattr(failing_app.logger, "handlers", [*failing_app.logger.handlers])
        failing_app.logger.addHandler(default_handler)


def test_every_response_has_an_id_of_its_own(client):
    first, second = client.get("/"), client.get("/en/no-such-page")
    assert OWN_ID.fullmatch(first.headers[HEADER]) and OWN_ID.fullmatch(second.headers[HEADER])
    assert first.headers[HEADER] != second.headers[HEADER]
    assert len(first.headers.getlist(HEADER)) == 1


def test_a_page_from_the_cache_gets_a_new_id_and_keeps_none_in_its_body(client, monkeypatch):
    """The header belongs to one sending; neither the stored headers nor the page hold one."""
    first = client.get("/services/")
    second = client.get("/services/")
    assert second.headers[page_cache.HEADER] == "hit"
    assert first.headers[HEADER] != second.headers[HEADER]
    for response in (first, second):
        assert response.headers[HEADER].encode() not in first.data
    assert HEADER in page_cache.NOT_STORED


@pytest.fixture(scope="module")
def proxied(tmp_path_factory):
    """An app behind one proxy (PROXY_HOPS) that sets X-Request-ID itself (TRUST_REQUEST_ID),
    as deploy/nginx.conf and deploy/barrierfree.env have it."""
    return make_app(
        tmp_path_factory.mktemp("proxied") / "proxied.sqlite", PROXY_HOPS=1, TRUST_REQUEST_ID=True
    )


@pytest.mark.parametrize(
    "sent, taken",
    [
        ("nginx-4f1c2a9be0d3", True),
        ("0123456789abcdef0123456789abcdef", True),
        ("short", False),  # fewer than 8
        ("x" * 65, False),  # more than 64
        ("id with spaces", False),
        ("<script>alert(1)</script>", False),
        ("abc12345\nforged log line", False),
        ("13912345678@example.com", False),
    ],
)
def test_the_proxy_s_id_is_taken_only_in_its_strict_form(proxied, sent, taken):
    # As the server hands the header on (a test client refuses to send a line break).
    asked = proxied.test_client().get("/healthz", environ_base={"HTTP_X_REQUEST_ID": sent})
    answered = asked.headers[HEADER]
    assert answered == sent if taken else OWN_ID.fullmatch(answered)


def test_without_a_proxy_a_visitor_s_own_id_is_never_taken(failing_app):
    answered = failing_app.test_client().get("/healthz", headers={HEADER: "chosen-by-me"})
    assert OWN_ID.fullmatch(answered.headers[HEADER])


def test_behind_a_proxy_not_said_to_set_the_id_a_visitor_s_own_is_never_taken(tmp_path):
    """PROXY_HOPS alone: a proxy that passes the visitor's header on (nginx without
    `proxy_set_header X-Request-ID`) let a visitor write a phone number into the logs, or
    reuse an id a resident had quoted."""
    app = make_app(tmp_path / "passed-on.sqlite", PROXY_HOPS=1)
    for chosen in ("13912345678", "0123456789abcdef"):
        answered = app.test_client().get("/healthz", headers={HEADER: chosen})
        assert answered.headers[HEADER] != chosen and OWN_ID.fullmatch(answered.headers[HEADER])


@pytest.mark.parametrize(
    "path, words",
    [
        ("/boom", "如需联系我们，请说明编号 {}。"),
        ("/en/boom", "If you contact us, please quote the reference {}."),
        ("/down", "如需联系我们，请说明编号 {}。"),
        ("/en/down", "If you contact us, please quote the reference {}."),
    ],
)
def test_the_500_and_503_pages_show_the_id_to_quote(failing_app, path, words):
    response = failing_app.test_client().get(path)
    assert response.status_code in (500, 503)
    main = " ".join(parse(response.data).find("main").text.split())
    assert words.format(response.headers[HEADER]) in main


@pytest.mark.parametrize(
    "path, words",
    [
        ("/down", "网站暂时读不到数据，请稍后再试。 如需联系我们，请说明编号 {}。"),
        ("/en/down", "The site cannot read its data just now. Please try again later. "
                     "If you contact us, please quote the reference {}."),
    ],
)  # fmt: skip
def test_the_503_fragment_htmx_gets_shows_the_id_to_quote(failing_app, path, words):
    """Text alone, for a fragment's place in a paragraph of the page."""
    response = failing_app.test_client().get(path, headers={"HX-Request": "true"})
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert response.text == words.format(response.headers[HEADER])


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """An app with content, for the residents' forms."""
    return make_loaded_app(tmp_path_factory.mktemp("loaded") / "loaded.sqlite")


@pytest.mark.parametrize(
    "path, words",
    [
        ("/feedback/ask", "如需联系我们，请说明编号 {}。"),
        ("/en/feedback/ask", "If you contact us, please quote the reference {}."),
    ],
)
def test_a_form_shown_again_with_a_503_shows_the_id_in_its_error_summary(loaded, path, words):
    client = loaded.test_client()
    with full_disk(loaded):
        response = send(client, path, "盲道上停满了车", topic="rehabilitation")
    assert response.status_code == 503 and response.headers["Retry-After"]
    summary = parse(response.data).select_one("[data-error-summary]")
    assert words.format(response.headers[HEADER]) in " ".join(summary.text.split())
    assert response.text.count(response.headers[HEADER]) == 1
    assert int(response.headers["Content-Length"]) == len(response.data)


@pytest.mark.usefixtures("flask_s_handler")
def test_the_app_s_log_lines_name_the_request_they_were_written_in(failing_app, capsys):
    client = failing_app.test_client()
    failed, down = client.get("/boom"), client.get("/down")
    lines = capsys.readouterr().err.splitlines()
    # The view's own line, Flask's "Exception on /boom", and errors.py's for the database.
    assert any(f"[{failed.headers[HEADER]}]: about to fail" in line for line in lines)
    assert any(f"[{failed.headers[HEADER]}]: Exception on /boom" in line for line in lines)
    assert any(f"[{down.headers[HEADER]}]: database unavailable" in line for line in lines)


def test_the_search_package_s_log_lines_name_the_request_too(tmp_path, monkeypatch, capsys):
    """search.index and search.postgres log outside the app's logger: served, with no
    logging set up (here: no handler on the search logger's way up), Python printed their
    lines bare, with no request id. They now write through Flask's handler, and the root
    logger, an embedding process's, is left as it was."""
    search_logger = logging.getLogger("search")
    monkeypatch.setattr(search_logger, "handlers", [])
    monkeypatch.setattr(search_logger, "propagate", False)
    root_handlers = list(logging.root.handlers)
    app = make_app(tmp_path / "search-log.sqlite", PROPAGATE_EXCEPTIONS=False)
    assert search_logger.handlers == [default_handler]
    assert logging.root.handlers == root_handlers

    @app.get("/search-trouble")
    def search_trouble():
        logging.getLogger("search.postgres").warning("the search index cannot be read")
        return "searched"

    answered = app.test_client().get("/search-trouble")
    (line,) = capsys.readouterr().err.splitlines()
    assert re.fullmatch(r"\[[0-9 :,-]+\] WARNING in \w+ \[(\w+)\]: the search index cannot be read",
                        line)[1] == answered.headers[HEADER]  # fmt: skip


def test_search_lines_go_to_a_logging_set_up_of_the_process_s_own(tmp_path):
    """With a handler on the way up (pytest's, on the root logger), the site adds none."""
    make_app(tmp_path / "embedded.sqlite")
    assert default_handler not in logging.getLogger("search").handlers


@pytest.mark.usefixtures("flask_s_handler")
def test_a_log_line_outside_any_request_names_none(failing_app, capsys):
    with failing_app.app_context():
        failing_app.logger.warning("at start-up")
    assert "[-]: at start-up" in capsys.readouterr().err
    assert request_ids.current() == "-"


def test_the_access_log_line_ends_with_the_id(capsys):
    """gunicorn's line as its format makes it, the request's id after it."""
    config = Config()
    config.set("accesslog", "-")
    logger = AccessLogger(config)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/services/",
        "PATH_INFO": "/services/",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "QUERY_STRING": "",
        ENVIRON_KEY: "0123456789abcdef",
    }
    logger.access(SimpleNamespace(status="200 OK", sent=10, headers=[]), {}, environ, timedelta(0))
    del environ[ENVIRON_KEY]  # a request gunicorn answered itself
    logger.access(SimpleNamespace(status="400 Bad", sent=0, headers=[]), {}, environ, timedelta(0))
    first, second = capsys.readouterr().out.splitlines()
    assert first.endswith('"GET /services/ HTTP/1.1" 200 10 "-" "-" 0123456789abcdef')
    assert second.endswith('"-" "-" -')
