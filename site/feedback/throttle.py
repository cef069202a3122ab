"""Rate limits of the public forms, kept in the database so every worker and instance
shares them, over a sliding window.

A new message is counted by its sender's address (an IPv6 address's /64), by the wider
networks it is in (an IPv6 /56 and /48, an IPv4 /24), each with a higher limit, so that
one sender with many addresses (a /48 holds 65,536 /64s) or a few machines side by side
are refused by themselves; and for the whole site. The whole site's
figure shuts nobody out at FEEDBACK_OVERALL: it tells staff (`alarm`, on the inbox's list,
and a line in the log when it gets there, once a window), and only FEEDBACK_CEILING, far
above, refuses, to keep the database from filling.

A follow-up on a valid status link is counted by its item (FEEDBACK_PER_ITEM), by its
sender's address and networks as a new message is, and against a whole-site ceiling of
its own (FEEDBACK_FOLLOW_UP_CEILING), not the new messages' one: a resident with an answer
to add is not refused for a flood of new messages, and a sender with many items cannot
add follow-ups without end (storage stays bounded).

A request for email alerts is counted the same way in a scope of its own (`ALERTS`): its
keys begin otherwise, and its whole site has its own ceiling (ALERTS_CEILING), so a flood of
alert requests refuses no resident's message, nor a flood of messages any alert request.
(Each such request mails the address typed; `reserve_one` also limits the mails to one
address, by a keyed hash of it: see `alerts.operations.subscribe`.)

A submission is first checked without writing (a flood that is already over its limit
costs one indexed read a limit), then reserved (one row a limit, written and committed)
and checked again, so of many sent at once no more than the limit get through. A refused
reservation is removed: a flood from one network must not use up the limit of the whole
site. Only keyed hashes of the addresses and networks are kept.
"""

import hashlib
import hmac
import ipaddress
import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from flask import current_app, g, request
from sqlalchemy import CursorResult, delete, func, select

from ..database import db, utcnow
from ..security import client_network
from .models import FeedbackSubmission

DEFAULTS = {
    "FEEDBACK_PER_ADDRESS": 10,  # from one address (an IPv6 /64) in the window
    "FEEDBACK_PER_NETWORK": 30,  # from one IPv6 /56 (a home or an office may have one)
    "FEEDBACK_PER_WIDE_NETWORK": 60,  # from one IPv6 /48 or IPv4 /24
    "FEEDBACK_PER_ITEM": 10,  # follow-ups to one item
    "FEEDBACK_OVERALL": 300,  # from everyone: staff are told (the inbox says so)
    "FEEDBACK_CEILING": 1500,  # from everyone: refused above this, to protect storage
    "FEEDBACK_FOLLOW_UP_CEILING": 1500,  # follow-ups from everyone: the same, for them
    "FEEDBACK_WINDOW_MINUTES": 60,
}
KEEP = timedelta(days=1)  # rows are kept this long at least, and a window at least
FOLLOW_UPS = "site:follow-ups"  # and of those that count its follow-ups
ALARM = "site:alarm"  # a row when the log was told of a flood: once a window
log = logging.getLogger(__name__)
# A limit: the key counted (a keyed hash, or a whole site's name), how many it may have in
# the window, and the window (None: FEEDBACK_WINDOW_MINUTES).
Limit = tuple[str, int, timedelta | None]


@dataclass(frozen=True)
class Scope:
    """Forms counted together, apart from every other scope: `prefix` begins what is hashed
    for the keys of their senders' addresses and networks, and the key of their whole site's
    rows; `ceiling` names the setting that refuses them above it."""

    prefix: str
    ceiling: str

    @property
    def site(self) -> str:
        """The key of the rows that count the scope's whole site."""
        return f"{self.prefix}site"

    def key(self, value: str) -> str:
        """The keyed hash `value` is counted under in this scope."""
        return keyed(self.prefix + value)


FEEDBACK = Scope("", "FEEDBACK_CEILING")  # residents' new messages (the keys as they were)
ALERTS = Scope("alerts:", "ALERTS_CEILING")  # requests for email alerts
SITE = FEEDBACK.site  # the key of the rows that count the whole site's messages


def keyed(value: str) -> str:
    """A keyed hash of `value`: no use to anyone without the site's secret key."""
    key = current_app.secret_key.encode() if isinstance(current_app.secret_key, str) else b""
    return hmac.new(key, b"feedback:" + value.encode(), hashlib.sha256).hexdigest()


def address_hash(scope: Scope = FEEDBACK) -> str:
    """A keyed hash of the visitor's address (an IPv6 address's /64) in `scope`: equal for
    the same address, and no use to anyone without the site's secret key."""
    return scope.key(client_network())


def wider_networks(network: str) -> list[str]:
    """The wider networks a sender (`security.client_network`) is counted in too: an IPv6
    /64's /56 and /48, an IPv4 address's /24; none for anything else."""
    try:
        parsed = ipaddress.ip_network(network, strict=False)
    except ValueError:
        return []
    if parsed.version == 6:
        return [str(parsed.supernet(new_prefix=56)), str(parsed.supernet(new_prefix=48))]
    return [str(parsed.supernet(new_prefix=24))]


def _window() -> timedelta:
    return timedelta(minutes=current_app.config["FEEDBACK_WINDOW_MINUTES"])


def _keep() -> timedelta:
    """How long counted rows are kept: a day, or the window when it is longer (a row
    removed inside its window would let more through than the limit)."""
    return max(KEEP, _window())


def kept_days() -> int:
    """How long counted rows are kept (`_keep`), in whole days: what the forms' privacy note
    says of the keyed hashes of the sender's address."""
    return math.ceil(_keep() / timedelta(days=1))


def _follow_up_to() -> int | None:
    """The id of the item a follow-up is posted to on its valid status link, else None."""
    if request.endpoint != "feedback.status":
        return None
    from .queries import by_token

    item = by_token(str((request.view_args or {}).get("token", "")))
    return item.id if item is not None else None


def _limits(address: str, scope: Scope) -> list[Limit]:
    """The keys this submission is counted under, each with its limit: its sender's address
    and networks; a follow-up's item and the whole site's follow-ups, or the whole site of
    its scope."""
    config = current_app.config
    limits: list[Limit] = [(address, config["FEEDBACK_PER_ADDRESS"], None)]
    for network in wider_networks(client_network()):
        prefix = int(network.rsplit("/", 1)[1])
        name = "FEEDBACK_PER_NETWORK" if prefix == 56 else "FEEDBACK_PER_WIDE_NETWORK"
        limits.append((scope.key(network), config[name], None))
    item_id = _follow_up_to() if scope == FEEDBACK else None
    if item_id is not None:
        return [
            (keyed(f"item:{item_id}"), config["FEEDBACK_PER_ITEM"], None),
            *limits,
            (FOLLOW_UPS, config["FEEDBACK_FOLLOW_UP_CEILING"], None),
        ]
    return [*limits, (scope.site, config[scope.ceiling], None)]


def _wait(limits: list[Limit], besides: list[int]) -> int:
    """Minutes until a submission under `limits` may be sent; 0 when it may now. `besides`
    are the ids of the reservation being decided (not counted)."""
    now = utcnow()
    wait = timedelta(0)
    for key, limit, window in limits:
        window = window or _window()
        # The limit-th most recent: while there is one, the key is at its limit.
        oldest: datetime | None = db.session.scalar(
            select(FeedbackSubmission.at)
            .where(
                FeedbackSubmission.address_hash == key,
                FeedbackSubmission.at > now - window,
                FeedbackSubmission.id.not_in(besides or [0]),
            )
            .order_by(FeedbackSubmission.at.desc())
            .offset(max(limit, 1) - 1)
            .limit(1)
        )
        if oldest is not None or limit == 0:
            wait = max(wait, (oldest + window - now) if oldest else window)
    return max(1, -(-int(wait.total_seconds()) // 60)) if wait else 0


def reserve(address: str, scope: Scope = FEEDBACK) -> int:
    """Count one submission from `address` (`address_hash(scope)`) in `scope`: a new
    message, a follow-up on the status page being answered, or an alert request; the
    minutes to wait when it is over a limit (then it is not counted, and the page is told,
    `_refused`), else 0. A new message that takes the whole site's figure to its alarm
    level tells the log."""
    limits = _limits(address, scope)
    wait = _reserve(limits)
    if wait:
        return _refused(wait)
    if any(key == SITE for key, _limit, _window in limits):
        _tell_the_log()
    return 0


def reserve_one(key: str, limit: int, window: timedelta) -> int:
    """Count one use of `key` (a keyed hash: `Scope.key`), at most `limit` in `window`,
    which is at most KEEP (the rows are kept no longer); the minutes to wait when it is at
    its limit (then it is not counted), else 0. The page is not told: the caller decides
    what a refusal shows."""
    assert window <= KEEP, "a row removed inside its window would let more through"
    return _reserve([(key, limit, window)])


def _reserve(limits: list[Limit]) -> int:
    """Count one submission under every one of `limits`, or under none; the minutes to
    wait when one is at its limit, else 0. Checked first without writing, then reserved
    (committed) and checked again, so that of many sent at once no more than the limit get
    through; a refused reservation is removed."""
    wait = _wait(limits, [])
    if wait:
        return wait
    rows = [FeedbackSubmission(address_hash=key) for key, _limit, _window in limits]
    db.session.add_all(rows)
    db.session.commit()
    ids = [row.id for row in rows]
    wait = _wait(limits, ids)
    if wait:
        db.session.execute(delete(FeedbackSubmission).where(FeedbackSubmission.id.in_(ids)))
        db.session.commit()
    return wait


def _tell_the_log() -> None:
    """Log a warning when the whole site's figure is at its alarm level or above, once a
    window: the first submission to find it there, and no mark (`ALARM`) in the window,
    writes one. Two workers at the same moment may both write a line; none is missed, as
    each looks after its own submission is committed (an equality test missed the level
    when two came at once, and warned again each time the figure passed it)."""
    count = overall()
    if count < alarm_level():
        return
    marked = db.session.scalar(
        select(func.count()).where(
            FeedbackSubmission.address_hash == ALARM,
            FeedbackSubmission.at > utcnow() - _window(),
        )
    )
    if marked:
        return
    db.session.add(FeedbackSubmission(address_hash=ALARM))
    db.session.commit()
    log.warning(
        "%d messages to the feedback forms in %d minutes: more than usual (a flood?)",
        count, current_app.config["FEEDBACK_WINDOW_MINUTES"],
    )  # fmt: skip


def _refused(wait: int) -> int:
    """Note the refusal for the page (`g.feedback_refused`: the form's notice then names
    the other ways to reach the federation); `wait`."""
    g.feedback_refused = wait
    return wait


def overall() -> int:
    """How many new messages the whole site took in the window."""
    return (
        db.session.scalar(
            select(func.count()).where(
                FeedbackSubmission.address_hash == SITE,
                FeedbackSubmission.at > utcnow() - _window(),
            )
        )
        or 0
    )


def alarm_level() -> int:
    """The figure of the whole site at which staff are told (FEEDBACK_OVERALL)."""
    return current_app.config["FEEDBACK_OVERALL"]


def alarm() -> int:
    """The whole site's figure in the window when it is at the alarm level or above (staff
    should look: a flood, or news that makes many write); 0 when it is not."""
    count = overall()
    return count if count >= alarm_level() else 0


def forget_old() -> int:
    """Remove the counted submissions older than any window; how many (the caller commits)."""
    result = cast(
        CursorResult,
        db.session.execute(
            delete(FeedbackSubmission).where(FeedbackSubmission.at < utcnow() - _keep())
        ),
    )
    return result.rowcount
