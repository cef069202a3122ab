"""The demo pack in the database: whether any of it is there (every page then carries the
demo banner) and taking it out again (`flask content remove-demo`).

Demo records are the places and contacts marked `sample`: invented to show how the site
works, loaded only by `flask content load --demo`. They are left out of the sitemap,
schema.org data and /data/, and "去哪里办" never points at one.
"""

import logging

from sqlalchemy import exists, select, update
from sqlalchemy.exc import SQLAlchemyError

from .contacts.models import ContactChannel
from .database import db
from .facilities.models import Facility
from .page_cache import last_public_change

logger = logging.getLogger(__name__)

# In `app.extensions`: (the time of the last public change, whether demo records were there).
KNOWN = "demo_pack_known"


def is_loaded() -> bool:
    """True while any demo record is in the database: read again only after a public
    change, so a page costs no query for it. A database that cannot be read has none."""
    from flask import current_app

    try:
        changed = last_public_change()
        known = current_app.extensions.get(KNOWN)
        if known is None or known[0] != changed:
            found = db.session.scalar(
                select(exists().where(Facility.sample) | exists().where(ContactChannel.sample))
            )
            known = current_app.extensions[KNOWN] = (changed, bool(found))
    except SQLAlchemyError as error:
        logger.warning("demo pack not looked for: %s", error)
        return False
    return known[1]


def facts(rows: list) -> list:
    """The rows that are not demo records: what the sitemap and /data/ give as facts."""
    return [row for row in rows if not row.sample]


def remove() -> tuple[int, int]:
    """Delete every demo place and contact (with their links to services); a real contact
    at a demo place keeps no place. Return how many places and contacts; the caller commits."""
    facilities = list(db.session.scalars(select(Facility).where(Facility.sample)))
    contacts = list(db.session.scalars(select(ContactChannel).where(ContactChannel.sample)))
    db.session.execute(
        update(ContactChannel)
        .where(ContactChannel.facility_id.in_([f.id for f in facilities]))
        .values(facility_id=None)
        .execution_options(synchronize_session=False)
    )
    for row in (*contacts, *facilities):
        db.session.delete(row)
    return len(facilities), len(contacts)
