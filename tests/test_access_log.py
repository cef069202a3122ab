"""The access log never holds the token of a resident's private status link or alerts
link, nor what a resident searched for, nor where they are, nor their network address."""

import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from datetime import timedelta
from types import SimpleNamespace
from urllib.parse import parse_qsl

import pytest
from barrierfree.access_log import LOGGED_PARAMETERS, AccessLogger, redacted
from gunicorn.config import Config

pytestmark = pytest.mark.no_database

TOKEN = "Q2xhc3NpZmllZC1zdGF0dXMtdG9rZW4tZm9yLXRlc3Rz"


def test_a_status_link_is_logged_without_its_token():
    logger = AccessLogger(Config())
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/en/feedback/status/{TOKEN}?page=1",
        "PATH_INFO": f"/en/feedback/status/{TOKEN}",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": f"https://example.org/feedback/status/{TOKEN}",
        "QUERY_STRING": "page=1",
    }
    response = SimpleNamespace(status="200 OK", sent=10, headers=[])
    atoms = logger.atoms(response, {}, environ, timedelta(0))
    assert TOKEN not in "".join(str(value) for value in atoms.values())
    assert atoms["r"] == "GET /en/feedback/status/…?page=1 HTTP/1.1"
    assert atoms["U"] == "/en/feedback/status/…"


def test_the_error_log_names_a_failed_request_without_its_token(caplog):
    """gunicorn's own line for a request that failed below the app names the path."""
    logger = AccessLogger(Config())
    logger.error_log.propagate = True  # for caplog
    logger.exception("Error handling request %s", f"/feedback/status/{TOKEN}?q=%E6%8A%91")
    assert "Error handling request /feedback/status/…?q=…" in caplog.text
    assert TOKEN not in caplog.text


@pytest.mark.parametrize("page", ["confirm", "manage", "unsubscribe"])
def test_an_alerts_link_is_logged_without_its_token(page):
    line = redacted(f"GET /en/alerts/{page}/12-{TOKEN}?confirmed=1 HTTP/1.1")
    assert line == f"GET /en/alerts/{page}/…?confirmed=1 HTTP/1.1"


def test_what_a_resident_searched_for_is_not_logged():
    """A search may name a condition (精神残疾, 抑郁症): the address is logged, the words not."""
    typed = "%E6%8A%91%E9%83%81%E7%97%87"  # 抑郁症
    logger = AccessLogger(Config())
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/search?q={typed}&kind=service",
        "PATH_INFO": "/search",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": f"https://example.org/en/search?page=2&q={typed}",
        "HTTP_ACCEPT": "text/html;q=0.9",
        "QUERY_STRING": f"q={typed}&kind=service",
    }
    response = SimpleNamespace(status="200 OK", sent=10, headers=[])
    atoms = logger.atoms(response, {}, environ, timedelta(0))
    assert typed not in "".join(str(value) for value in atoms.values())
    assert atoms["r"] == "GET /search?q=…&kind=service HTTP/1.1"
    assert atoms["q"] == "q=…&kind=service"
    assert atoms["f"] == "https://example.org/en/search?page=2&q=…"
    assert atoms["{http_accept}e"] == "text/html;q=0.9"


def test_where_a_resident_is_is_not_logged():
    line = redacted("GET /facilities/?lat=36.58012&lon=116.25523&open=now HTTP/1.1")
    assert line == "GET /facilities/?lat=…&lon=…&open=now HTTP/1.1"


def test_whom_a_place_or_a_contact_must_suit_is_not_logged():
    """The finder's 我需要 and the contacts' 适合谁 name a disability."""
    assert redacted("GET /contacts/?need=deaf HTTP/1.1") == "GET /contacts/?need=… HTTP/1.1"
    line = redacted("GET /en/facilities/?need=sign_language&open=now&need=hearing_loop HTTP/1.1")
    assert line == "GET /en/facilities/?need=…&open=now&need=… HTTP/1.1"


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ("%71=%E8%BD%AE%E6%A4%85", "%71=…"),  # Werkzeug reads q=轮椅
        ("ne%65d=blind&open=now", "ne%65d=…&open=now"),
        ("p%61ge=2&%6c%61t=36.5&lo%6E=116.2", "p%61ge=2&%6c%61t=…&lo%6E=…"),
        ("page+=x&open=now", "page+=…&open=now"),  # "page ": another name
    ],
)
def test_a_parameter_is_known_by_the_name_werkzeug_reads(query, shown):
    """?%71=… was logged as it came, though the search reads it as its q."""
    assert redacted(f"GET /search?{query} HTTP/1.1") == f"GET /search?{shown} HTTP/1.1"
    names = {name for name, _value in parse_qsl(query, keep_blank_values=True)}
    assert names <= LOGGED_PARAMETERS or "…" in shown


def test_only_the_parameters_known_to_be_harmless_are_logged():
    """A filter names how a resident is reached (sign language, text relay), the kind of
    place they look for (a reading room for the blind) or where they live."""
    line = redacted(
        "GET /contacts/?channel=video-sign-language&channel=sms&township=boping&page=2 HTTP/1.1"
    )
    assert line == "GET /contacts/?channel=…&channel=…&township=…&page=2 HTTP/1.1"
    line = redacted("GET /en/facilities/?type=library&category=rehab&open=now HTTP/1.1")
    assert line == "GET /en/facilities/?type=…&category=…&open=now HTTP/1.1"
    assert redacted("GET /search?anything-new=x HTTP/1.1") == "GET /search?anything-new=… HTTP/1.1"


def test_other_addresses_are_logged_as_they_are():
    assert redacted("GET /facilities/?open=now HTTP/1.1") == "GET /facilities/?open=now HTTP/1.1"
    assert redacted(None) is None


def test_the_served_site_uses_the_redacting_logger():
    from conftest import PROJECT_ROOT

    makefile = (PROJECT_ROOT / "Makefile").read_text(encoding="utf-8")
    assert "--logger-class barrierfree.access_log.AccessLogger" in makefile


ADDRESS = "203.0.113.77"


def test_no_atom_holds_the_visitor_s_address():
    """Not %(h)s, nor a forwarded header, nor a WSGI variable, nor what ProxyFix kept, nor
    gunicorn's socket."""
    logger = AccessLogger(Config())
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/feedback/",
        "PATH_INFO": "/feedback/",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "QUERY_STRING": "",
        "REMOTE_ADDR": ADDRESS,
        "REMOTE_PORT": "50123",
        "HTTP_X_FORWARDED_FOR": ADDRESS,
        "werkzeug.proxy_fix.orig": {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": ADDRESS},
        # As gunicorn's socket writes itself: "<socket.socket fd=…, raddr=('203.0.113.77', …)>"
        "gunicorn.socket": SimpleNamespace(raddr=(ADDRESS, 50123)),
    }
    request = {"X-Forwarded-For": ADDRESS, "Forwarded": f"for={ADDRESS}", "X-Real-IP": ADDRESS}
    response = SimpleNamespace(status="200 OK", sent=10, headers=[])
    atoms = logger.atoms(response, request, environ, timedelta(0))
    assert "203.0.113" not in "".join(str(value) for value in atoms.values())
    assert atoms["h"] == atoms["{gunicorn.socket}e"] == "-"
    assert atoms["r"] == "GET /feedback/ HTTP/1.1"


def test_gunicorn_s_invalid_request_line_names_no_address(caplog):
    logger = AccessLogger(Config())
    logger.error_log.propagate = True  # for caplog
    logger.warning(f"Invalid request from ip={ADDRESS}: Invalid HTTP method")
    assert "Invalid request from ip=…: Invalid HTTP method" in caplog.text
    assert ADDRESS not in caplog.text


def test_the_served_site_logs_no_address_behind_the_proxy(tmp_path):
    """The Makefile's own SERVE command, behind one proxy hop (as deploy/nginx.conf): the
    request is logged, the address ProxyFix takes from X-Forwarded-For is not, and the line
    ends with the request's id, as its response named it."""
    from test_deployment import served_command

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environment = {
        **os.environ,
        "BARRIERFREE_INSTANCE_PATH": str(tmp_path),
        "BARRIERFREE_PROXY_HOPS": "1",
    }
    log = tmp_path / "served.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            served_command(port), env=environment, cwd=tmp_path, stdout=output, stderr=output
        )
        try:
            asked = urllib.request.Request(
                f"http://127.0.0.1:{port}/healthz?from=test",
                headers={"X-Forwarded-For": ADDRESS},
            )
            request_id = None
            for _attempt in range(100):
                try:
                    with urllib.request.urlopen(asked, timeout=10) as answer:
                        request_id = answer.headers["X-Request-ID"]
                    break
                except urllib.error.HTTPError as answer:  # no database here: the site's 503
                    request_id = answer.headers["X-Request-ID"]
                    break
                except OSError:
                    time.sleep(0.2)  # still starting
            for _attempt in range(300):  # the line is written once the answer is sent
                if "/healthz?from=test" in log.read_text(encoding="utf-8"):
                    break  # (a busy machine can take seconds: wait up to 30)
                time.sleep(0.1)
        finally:
            server.terminate()
            server.wait(timeout=30)
    written = log.read_text(encoding="utf-8")
    assert "GET /healthz?from=test HTTP/1.1" in written
    line = next(line for line in written.splitlines() if "/healthz?from=test" in line)
    assert request_id and line.endswith(f" {request_id}")
    assert ADDRESS not in written and "127.0.0.1 -" not in written
