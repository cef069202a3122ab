"""A database error reaches the log only in its short form: class, SQLSTATE, constraint and
the first line of its message, never PostgreSQL's DETAIL, which quotes the failing row (what
a resident wrote, their address). `hide_parameters` keeps bound values out of SQLAlchemy's
text, not out of the server's message."""

import logging
import sys
from types import SimpleNamespace

from barrierfree.database import db
from barrierfree.errors import DatabaseDetailsHidden, database_error_summary
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError

# What the resident wrote, in the failing row PostgreSQL quotes.
WORDS = "我家门口的坡道太陡"
ADDRESS = "li.wei@example.com"


class CheckViolation(Exception):
    """A psycopg-like error: a SQLSTATE, the constraint's name, and PostgreSQL's message
    with its DETAIL line."""

    __module__ = "psycopg.errors"  # as the driver's own errors are
    sqlstate = "23514"
    diag = SimpleNamespace(constraint_name="ck_feedback_item_kind")

    def __init__(self):
        super().__init__(
            'new row for relation "feedback_item" violates check constraint '
            '"ck_feedback_item_kind"\n'
            f"DETAIL:  Failing row contains (7, question, {WORDS}, {ADDRESS}, 2026)."
        )


class ReadOnly(Exception):
    __module__ = "psycopg.errors"
    sqlstate = "25006"
    diag = SimpleNamespace(constraint_name=None)

    def __init__(self):
        super().__init__(
            "cannot execute INSERT in a read-only transaction\n"
            f"DETAIL:  Failing row contains ({WORDS}).\nHINT:  {ADDRESS}"
        )


def integrity_error() -> IntegrityError:
    return IntegrityError(
        "INSERT INTO feedback_item (kind, body) VALUES (%(kind)s, %(body)s)",
        {"kind": "question", "body": WORDS},
        CheckViolation(),
        hide_parameters=True,
    )


def assert_nothing_private(text: str) -> None:
    assert WORDS not in text and ADDRESS not in text and "Failing row" not in text


def test_the_summary_names_the_error_and_not_the_row():
    summary = database_error_summary(integrity_error())
    assert summary == (
        "IntegrityError (CheckViolation), SQLSTATE 23514, constraint ck_feedback_item_kind: "
        'new row for relation "feedback_item" violates check constraint "ck_feedback_item_kind"'
        " [SQL: INSERT INTO feedback_item (kind, body) VALUES (%(kind)s, %(body)s)]"
    )
    # What was logged before: the bound values hidden, the row in the server's message not.
    assert "parameters hidden" in str(integrity_error()) and WORDS in str(integrity_error())


def test_a_value_quoted_on_the_first_line_is_left_out():
    error = Exception(f'invalid input syntax for type integer: "{WORDS}"')
    assert database_error_summary(error) == 'Exception: invalid input syntax for type integer: "…"'


def test_sqlite_s_messages_are_kept_as_they_name_no_value():
    import sqlite3

    error = IntegrityError(
        "INSERT …", {}, sqlite3.IntegrityError("NOT NULL constraint failed: t.c")
    )
    assert database_error_summary(error) == (
        "IntegrityError (IntegrityError): NOT NULL constraint failed: t.c [SQL: INSERT …]"
    )


def test_a_broken_constraint_is_logged_short_with_the_500_page(empty_app, caplog):
    """A constraint other than a unique one is a fault: re-raised to the 500 page, and
    Flask logged it with its traceback and the whole message, DETAIL and all."""
    empty_app.config["PROPAGATE_EXCEPTIONS"] = False  # as served, not as tested

    def fails():
        raise integrity_error()

    empty_app.add_url_rule("/fails-for-the-test", "fails_for_the_test", fails)
    with caplog.at_level(logging.ERROR):
        response = empty_app.test_client().get("/fails-for-the-test")
    assert response.status_code == 500
    assert "Traceback" not in response.text
    [record] = [r for r in caplog.records if "Exception on" in r.getMessage()]
    logged = caplog.text
    assert_nothing_private(logged)
    assert "SQLSTATE 23514" in logged and "constraint ck_feedback_item_kind" in logged
    assert "in fails" in logged  # the frames stay: where it happened
    assert record.exc_info is None


def test_a_refused_write_is_logged_short_with_the_503_page(empty_app, caplog):
    def refused():
        raise OperationalError("INSERT …", {}, ReadOnly(), hide_parameters=True)

    empty_app.add_url_rule("/refused-for-the-test", "refused_for_the_test", refused)
    with caplog.at_level(logging.ERROR):
        response = empty_app.test_client().get("/refused-for-the-test")
    assert response.status_code == 503
    assert "database unavailable" in caplog.text and "SQLSTATE 25006" in caplog.text
    assert_nothing_private(caplog.text)


def test_any_line_of_the_site_s_loggers_gets_the_short_form():
    """What other modules log (`log.exception` after a failed step, an error's `orig` as an
    argument) goes through the same filter on Flask's handler."""
    hidden = DatabaseDetailsHidden()
    try:
        try:
            raise integrity_error()
        except IntegrityError as error:
            raise RuntimeError("step failed") from error
    except RuntimeError:
        exc_info = sys.exc_info()
    record = logging.LogRecord(
        "barrierfree.staff.periodic", logging.ERROR, __file__, 1, "housekeeping failed", None,
        exc_info,
    )  # fmt: skip
    assert hidden.filter(record)
    text = logging.Formatter().format(record)
    assert_nothing_private(text)
    assert text.startswith("housekeeping failed: RuntimeError after IntegrityError")
    assert "Traceback (most recent call last)" in text

    record = logging.LogRecord(
        "barrierfree.database", logging.WARNING, __file__, 1, "%s not written: %s",
        ("the page cache's generation", integrity_error().orig), None,
    )  # fmt: skip
    assert hidden.filter(record)
    text = logging.Formatter().format(record)
    assert_nothing_private(text)
    assert "SQLSTATE 23514" in text and text.startswith("the page cache's generation not written")


def test_the_database_s_own_error_is_summarised_without_its_row(empty_app):
    """On PostgreSQL the message of a NOT NULL violation has the row in its DETAIL."""
    with empty_app.app_context():
        db.session.execute(text("CREATE TEMPORARY TABLE said (kind TEXT NOT NULL, body TEXT)"))
        try:
            db.session.execute(text("INSERT INTO said VALUES (NULL, :body)"), {"body": WORDS})
        except IntegrityError as error:
            summary, raw = database_error_summary(error), str(error)
        postgres = db.session.get_bind().dialect.name == "postgresql"
        db.session.rollback()
    assert (WORDS in raw) is postgres  # what Flask and the 503 page's line logged before
    assert_nothing_private(summary)
    assert summary.startswith("IntegrityError (") and "INSERT INTO said" in summary
    assert '"kind"' in summary or "said.kind" in summary


def test_a_child_logger_s_line_has_its_private_links_hidden_by_the_handler(empty_app):
    """A logger's filters see only its own records: a line of barrierfree.feedback (or of
    search.postgres) passed up to Flask's handler is redacted there."""
    from flask.logging import default_handler

    record = logging.LogRecord(
        "barrierfree.feedback", logging.WARNING, __file__, 1, "follow-up failed on %s",
        ("/feedback/status/secret-token-abc",), None,
    )  # fmt: skip
    assert default_handler.filter(record)
    assert "secret-token-abc" not in record.getMessage()
    assert "/feedback/status/…" in record.getMessage()
