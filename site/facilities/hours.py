"""What a place's page and the finder say about its hours now: open or not, and only when
that can be said honestly (the hours verified, the day's calendar known)."""

from dataclasses import dataclass, field, replace
from datetime import date, datetime

from .. import opening_hours
from ..opening_hours import Closure, Day
from .models import Facility

UNPUBLISHED = "unpublished"  # no hours at all
UNVERIFIED = "unverified"  # hours nobody verified: shown, never judged
UNCONFIRMED = "unconfirmed"  # verified hours, on a day they cannot be confirmed for


@dataclass(frozen=True)
class OpenNow:
    """Whether a place is open now: True, False, or None with `why` it cannot be said."""

    open: bool | None
    why: str = ""


@dataclass(frozen=True)
class HoursNow:
    """A place's hours as its page tells them at a moment: open now, today, when it next
    opens, the coming holidays and working weekends, the coming days the state calendar
    does not know yet (`uncharted`: not holidays, days nobody can yet say are or are not)
    and its own closures that are not over. When a closure keeps it shut today,
    `closed_until` is its last day, or `closed_indefinitely` says it has no end in sight
    (none, or one further ahead than a closure may name: never a reopening made up)."""

    now: OpenNow
    today: Day | None = None
    next_opening: str | None = None
    closed_until: date | None = None
    closed_indefinitely: bool = False
    coming: list[tuple[Day, date]] = field(default_factory=list)
    uncharted: list[tuple[Day, date]] = field(default_factory=list)
    closures: tuple[Closure, ...] = ()


def open_now(facility: Facility, now: datetime) -> OpenNow:
    """Whether the place is open at the local time `now`, if that can be said."""
    if facility.hours is None:
        return OpenNow(None, UNPUBLISHED)
    hours = facility.opening()
    if hours is None:
        return OpenNow(None, UNVERIFIED)
    found = opening_hours.open_at(hours, now)
    return OpenNow(found, UNCONFIRMED if found is None else "")


def hours_now(facility: Facility, now: datetime) -> HoursNow:
    """Everything the place's page says about its hours at the local time `now`."""
    # An end further ahead than a closure may name (saved before that rule) is no end in
    # sight: the page says so rather than promise a reopening in 9999.
    horizon = opening_hours.latest_closure_day(now.date())
    closures = tuple(
        closure if closure.end is None or closure.end <= horizon else replace(closure, end=None)
        for closure in facility.announced_closures()
        if closure.end is None or closure.end >= now.date()
    )
    status = open_now(facility, now)
    hours = facility.opening()
    if hours is None:
        return HoursNow(status, closures=closures)
    runs = opening_hours.coming_days(hours, now.date())
    following = opening_hours.next_opening(hours, now)
    shut = opening_hours.closed_through(closures, now.date())
    return HoursNow(
        status,
        today=hours.on(now.date()),
        next_opening=None if following is None else opening_hours.when_text(following, now),
        closed_until=None if shut == date.max else shut,
        closed_indefinitely=shut == date.max,
        coming=[run for run in runs if run[0].why != opening_hours.BEYOND_CALENDAR],
        uncharted=[run for run in runs if run[0].why == opening_hours.BEYOND_CALENDAR],
        closures=closures,
    )
