"""`flask staff purge-sessions` deletes the old sign-in attempts and ended staff sessions
that the site's hourly housekeeping deletes, through the same function, so a site nobody
visits need not keep them."""

from datetime import timedelta

from barrierfree.database import db, utcnow
from barrierfree.staff import periodic
from barrierfree.staff.accounts.sessions import KEEP_ENDED, absolute_limit
from barrierfree.staff.accounts.throttle import ABANDONED, CHECKING, KNOWN_ADDRESS, WINDOW
from barrierfree.staff.models import SignInAttempt, StaffSession
from sqlalchemy import select
from staff_helpers import make_staff

DAY = timedelta(days=1)


def attempt(name: str, ago: timedelta, succeeded: bool, outcome: str) -> SignInAttempt:
    """A sign-in attempt made `ago`, named by its account name for the test."""
    return SignInAttempt(
        at=utcnow() - ago, username=name, address="addr", succeeded=succeeded, outcome=outcome
    )


def session(user_id: int, token: str, created_ago: timedelta, ended_ago=None) -> StaffSession:
    """A session begun `created_ago`, ended `ended_ago` (None: never marked ended)."""
    now = utcnow()
    return StaffSession(
        token_hash=token.ljust(64, "0"), user_id=user_id, created_at=now - created_ago,
        last_seen_at=now - created_ago,
        ended_at=None if ended_ago is None else now - ended_ago,
        end_reason=None if ended_ago is None else "signed-out",
    )  # fmt: skip


def fill(app) -> None:
    """Of each kind, one row past its time and one still kept."""
    user_id = make_staff(app, "wang-editor", "editor")
    with app.app_context():
        db.session.add_all(
            [
                attempt("failed-old", WINDOW + timedelta(minutes=1), False, "wrong-password"),
                attempt("failed-new", WINDOW / 3, False, "wrong-password"),
                attempt("succeeded-old", KNOWN_ADDRESS + DAY, True, "signed-in"),
                attempt("succeeded-new", DAY, True, "signed-in"),
                attempt("abandoned", ABANDONED + timedelta(minutes=1), False, CHECKING),
                session(user_id, "a", KEEP_ENDED + 2 * DAY, KEEP_ENDED + DAY),
                session(user_id, "b", 2 * DAY, DAY),
                session(user_id, "c", absolute_limit() + KEEP_ENDED + DAY),  # never marked
                session(user_id, "d", timedelta(minutes=5)),
            ]
        )
        db.session.commit()


def test_the_command_deletes_old_sign_in_attempts_and_ended_sessions(empty_app):
    fill(empty_app)
    result = empty_app.test_cli_runner().invoke(args=["staff", "purge-sessions"])
    assert result.exit_code == 0, result.output
    assert "Deleted 3 old sign-in attempt(s) and 2 ended staff session(s)." in result.output
    with empty_app.app_context():
        attempts = db.session.scalars(select(SignInAttempt.username)).all()
        sessions = db.session.scalars(select(StaffSession.token_hash)).all()
    assert sorted(attempts) == ["failed-new", "succeeded-new"]
    assert sorted(token[0] for token in sessions) == ["b", "d"]
    again = empty_app.test_cli_runner().invoke(args=["staff", "purge-sessions"])
    assert "Deleted 0 old sign-in attempt(s) and 0 ended staff session(s)." in again.output


def test_the_hourly_housekeeping_deletes_the_same_through_the_same_function(empty_app, monkeypatch):
    """One deletion for both, erased from the database's files once committed."""
    fill(empty_app)
    erased = []
    monkeypatch.setattr(periodic, "erase_deleted", erased.append)
    with empty_app.app_context():
        periodic.housekeeping()
        assert db.session.scalar(select(db.func.count(SignInAttempt.id))) == 2
        assert db.session.scalar(select(db.func.count(StaffSession.id))) == 2
    assert erased == [5]
