"""The figures of the public page "what you told us and what we did" (statistics_views.py)
and of the inbox's CSV of counts (staff/inbox/export.py).

Counts are grouped in SQL. Answer times are counted in working days, which SQL cannot
count, so they come from one read of the dates. An item merged into another as a
duplicate is not counted: the item it joined is. Nothing here reads what a resident wrote
or how to reach them, only kinds, states, townships, dates and the examples staff wrote.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from statistics import median
from typing import cast

from babel.dates import format_skeleton
from flask_babel import get_locale
from sqlalchemy import Label, case, func, or_, select

from .. import page_cache
from ..database import db
from ..facilities.models import Township
from ..opening_hours import LOCAL_TIME, local, local_now, utc
from .models import ANSWERED, CLOSED, KINDS, OPEN_STATES, STATES, FeedbackItem
from .queries import closed_for_age_condition, due_date, overdue_condition
from .working_days import working_days_between

MONTHS = 12  # this month and the eleven before it
EXAMPLES_SHOWN = 10
EXAMPLE_STATES = (ANSWERED, CLOSED)  # an example is shown only while its item is answered
COUNTED = FeedbackItem.merged_into_id.is_(None)


def month_starts(day: date, count: int = MONTHS) -> list[date]:
    """The first day of the month of `day` and of the `count - 1` months before it, oldest
    first."""
    index = day.year * 12 + day.month - 1
    return [date(i // 12, i % 12 + 1, 1) for i in range(index - count + 1, index + 1)]


def month_text(day: date) -> str:
    """A month in the visitor's language: 2026年3月, March 2026."""
    return format_skeleton("yMMMM", day, locale=get_locale())


def _since(months: list[date]) -> datetime:
    """The first moment of the first month, in UTC as stored."""
    return utc(datetime.combine(months[0], time()))


def _month_of(months: list[date]) -> Label[str]:
    """SQL: the first day (ISO) of the Chiping month an item arrived in, for items since the
    first of `months`. The bounds are Chiping midnights in UTC, so no database time zone
    function is needed."""
    bounds = [utc(datetime.combine(start, time())) for start in months[1:]]
    whens = [
        (FeedbackItem.created_at < bound, start.isoformat())
        for bound, start in zip(bounds, months, strict=False)
    ]
    return case(*whens, else_=months[-1].isoformat()).label("month")


@dataclass(frozen=True)
class Group:
    """The items that arrived in one month, of one kind, in one township, now in one state."""

    month: date
    kind: str
    township_id: int | None
    state: str
    items: int


@dataclass(frozen=True)
class Dates:
    """What answer times are worked out from: an item's group and its Chiping dates."""

    month: date
    kind: str
    township_id: int | None
    state: str
    received: date
    due_on: date | None  # None: no answer time is set (`queries.due_date`)
    answered: date | None


@dataclass(frozen=True)
class Timing:
    """How quickly a set of items was answered."""

    due: int  # with a target date, and answered or waiting past it
    answered: int
    on_time: int  # first answered on or before the target date
    median_days: float | None  # working days from arrival to the first answer (2, 2.5)

    @property
    def share(self) -> float | None:
        """The share of the items due that were answered on time (0 to 1)."""
        return self.on_time / self.due if self.due else None


def groups(months: list[date]) -> list[Group]:
    """How many items arrived in each of `months`, by kind, township and state."""
    month = _month_of(months)
    keys = (month, FeedbackItem.kind, FeedbackItem.township_id, FeedbackItem.state)
    rows = db.session.execute(
        select(*keys, func.count())
        .where(COUNTED, FeedbackItem.created_at >= _since(months))
        .group_by(*keys)
    )
    return [Group(date.fromisoformat(m), k, t, s, n) for m, k, t, s, n in rows]


def answer_dates(months: list[date]) -> list[Dates]:
    """The dates of the items of `months` that count for the answer times: answered, or
    waiting past their target date, or closed unanswered when their personal data was
    deleted for its age (`queries.closed_for_age`: it was never answered, and must not
    vanish from the figures as it closes). Any other item closed without an answer (spam,
    a duplicate) counts for neither. Target dates only while an answer time is set."""
    rows = db.session.execute(
        select(
            _month_of(months), FeedbackItem.kind, FeedbackItem.township_id, FeedbackItem.state,
            FeedbackItem.created_at, FeedbackItem.due_on, FeedbackItem.answered_at,
        )
        .where(COUNTED, FeedbackItem.created_at >= _since(months))
        .where(or_(FeedbackItem.answered_at.is_not(None), overdue_condition(),
                   closed_for_age_condition()))
    )  # fmt: skip
    return [
        Dates(date.fromisoformat(m), k, t, s, local(created).date(), due_date(due_on),
              local(answered).date() if answered else None)
        for m, k, t, s, created, due_on, answered in rows
    ]  # fmt: skip


def timing(dates: Iterable[Dates]) -> Timing:
    """The answer times of `dates`: how many were due (those with a target date), answered,
    answered on time, and the median number of working days to the first answer (0:
    answered the day it arrived)."""
    dates = list(dates)
    answered = [(d.received, d.answered, d.due_on) for d in dates if d.answered is not None]
    days = [working_days_between(received, on) for received, on, _due in answered]
    middle = median(days) if days else None
    return Timing(
        due=sum(d.due_on is not None for d in dates),
        answered=len(answered),
        on_time=sum(due is not None and on <= due for _received, on, due in answered),
        median_days=int(middle) if middle is not None and middle % 1 == 0 else middle,
    )


def waiting() -> tuple[int, int]:
    """How many items wait for an answer now, and how many of them are past their target
    date (whenever they arrived)."""
    late = func.coalesce(func.sum(case((overdue_condition(), 1), else_=0)), 0)
    row = db.session.execute(
        select(func.count(), late).where(COUNTED, FeedbackItem.state.in_(OPEN_STATES))
    ).one()
    return row[0], row[1]


def townships() -> Sequence:
    """Every township (id, name, name_en), in the plan's order."""
    return db.session.execute(
        select(Township.id, Township.name, Township.name_en).order_by(Township.position)
    ).all()


@dataclass(frozen=True)
class Example:
    """An example staff published: their text, and what may be said of the item."""

    kind: str
    state: str
    month: date
    text: str
    text_en: str | None
    township_name: str | None
    township_name_en: str | None


# The columns of an item that decide whether its example is shown (`examples`), and how.
SHOWS_EXAMPLE = frozenset(
    ("state", "merged_into_id", "example_text", "example_text_en", "example_published_at")
)


def example_may_change(published: bool, changed: Iterable[str]) -> None:
    """The items are staff-only to the page cache (a message changes no public page), but
    a published example is on this page: when a change to the `changed` columns of an item
    whose example is or becomes `published` may bring it, change it or take it away, raise
    the page cache's generation in the change's transaction, so that no cached page shows
    what was taken down."""
    if published and not SHOWS_EXAMPLE.isdisjoint(changed):
        page_cache.raise_generation()


def examples(limit: int = EXAMPLES_SHOWN) -> list[Example]:
    """The newest published examples of answered or closed items."""
    rows = db.session.execute(
        select(
            FeedbackItem.kind, FeedbackItem.state, FeedbackItem.created_at,
            FeedbackItem.example_text, FeedbackItem.example_text_en,
            Township.name, Township.name_en,
        )
        .outerjoin(Township, FeedbackItem.township_id == Township.id)
        .where(COUNTED, FeedbackItem.state.in_(EXAMPLE_STATES),
               FeedbackItem.example_published_at.is_not(None),
               FeedbackItem.example_text.is_not(None))
        .order_by(FeedbackItem.example_published_at.desc(), FeedbackItem.id.desc())
        .limit(limit)
    )  # fmt: skip
    return [
        # The query takes only items with an example text.
        Example(
            kind,
            state,
            local(created).date().replace(day=1),
            cast(str, text),
            text_en,
            name,
            name_en,
        )
        for kind, state, created, text, text_en, name, name_en in rows
    ]


@dataclass(frozen=True)
class Figures:
    """Everything the public page shows."""

    months: list[date]
    by_month: dict[date, dict[str, int]]  # every month: kind -> items
    by_township: list[tuple[object, dict[str, int]]]  # (township row or None, kind -> items)
    timing: Timing
    waiting: int
    overdue: int
    examples: list[Example]
    counted_at: datetime  # Chiping time, with its zone (the page gives it to machines too)

    @property
    def kind_totals(self) -> dict[str, int]:
        """Kind -> items of all the months."""
        return {kind: sum(counts[kind] for counts in self.by_month.values()) for kind in KINDS}

    @property
    def received(self) -> int:
        """How many items arrived in the months counted."""
        return sum(self.kind_totals.values())

    @property
    def empty(self) -> bool:
        """True when there is nothing to count: nothing arrived, nothing waits."""
        return not self.received and not self.waiting


def _by_kind(found: Iterable[Group]) -> dict[str, int]:
    counts = dict.fromkeys(KINDS, 0)
    for group in found:
        counts[group.kind] = counts.get(group.kind, 0) + group.items
    return counts


def figures() -> Figures:
    """The page's figures, counted now."""
    counted_at = local_now().replace(tzinfo=LOCAL_TIME)
    months = month_starts(counted_at.date())
    found = groups(months)
    by_month, by_township = defaultdict(list), defaultdict(list)
    for group in found:
        by_month[group.month].append(group)
        by_township[group.township_id].append(group)
    places = [*townships(), None]
    waiting_now, overdue = waiting()
    return Figures(
        months=months,
        by_month={month: _by_kind(by_month[month]) for month in months},
        by_township=[(t, _by_kind(by_township[t.id if t else None])) for t in places],
        timing=timing(answer_dates(months)),
        waiting=waiting_now,
        overdue=overdue,
        examples=examples(),
        counted_at=counted_at,
    )


@dataclass(frozen=True)
class Detail:
    """A row of the staff's CSV: one group, with its answer times."""

    group: Group
    timing: Timing


def detailed(months: list[date], places: Sequence) -> list[Detail]:
    """Every group of `months` with its answer times, by month, kind, township (in the
    order of `places`, none last) and state."""
    dates = defaultdict(list)
    for d in answer_dates(months):
        dates[(d.month, d.kind, d.township_id, d.state)].append(d)
    order = {place.id: position for position, place in enumerate(places)}
    kinds, states = {k: i for i, k in enumerate(KINDS)}, {s: i for i, s in enumerate(STATES)}
    found = sorted(
        groups(months),
        key=lambda g: (g.month, kinds.get(g.kind, len(kinds)),
                       order.get(g.township_id, len(order)), states.get(g.state, len(states))),
    )  # fmt: skip
    return [Detail(g, timing(dates[(g.month, g.kind, g.township_id, g.state)])) for g in found]
