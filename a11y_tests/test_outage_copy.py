"""A page's last good copy, as a database outage sends it (a 503 with a notice first in its
main content), passes the sweep's checks in every display mode, at both widths, in both
languages: axe finds nothing, and the checks axe cannot make hold."""

import urllib.error
import urllib.request
from contextlib import contextmanager

from barrierfree import page_cache
from barrierfree.database import db
from sqlalchemy import event

from .conftest import MODES
from .test_every_page import CHECKS, check_pages, report

PATHS = ["/services/disability-certificate", "/facilities/", "/en/facilities/"]


@contextmanager
def database_down(app):
    """Every new connection refused, as by a stopped server, and the page cache's watch of
    the SQLite file reading nothing; as it was afterwards."""
    with app.app_context():
        engine = db.engine
    engine.dispose()

    def refuse(dialect, _record, _args, _params):
        raise dialect.loaded_dbapi.OperationalError("connection refused")

    event.listen(engine, "do_connect", refuse)
    watch = page_cache.watch_of(app)
    path, watch.path = watch.path, None
    try:
        yield
    finally:
        event.remove(engine, "do_connect", refuse)
        watch.path = path


def fetch(url: str, mode: str) -> tuple[int, str]:
    """The status and page a browser in `mode` gets (the copy's key has the address the
    browser uses, and the modes)."""
    asked = urllib.request.Request(url, headers={"Cookie": f"display={MODES[mode]}"})
    try:
        with urllib.request.urlopen(asked) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_the_old_copy_passes_every_check(site):
    work = [(mode, path) for mode in MODES for path in PATHS]
    for mode, path in work:
        assert fetch(site["url"] + path, mode)[0] == 200  # stored, and its copy kept
    with database_down(site["app"]):
        for mode, path in work:
            status, page = fetch(site["url"] + path, mode)
            assert status == 503 and 'role="alert" tabindex="-1" data-flash' in page
        findings, _incomplete = check_pages(site["url"], work)
    problems = [item for name in CHECKS for item in findings[name]]
    assert not problems, report(problems)
