"""The demo pack in the database: whether any of it is there (every page then carries the
demo banner) and taking it out again (`flask content remove-demo`).

Demo records are the places and contacts marked `sample`: invented to show how the site
works, loaded only by `flask content load --demo`. They are left out of the sitemap,
schema.org data and /data/, and "去哪里办" never points at one.
"""

import logging

from sqlalchemy import delete, exists, select, update
from sqlalchemy.exc import SQLAlchemyError

from .contacts.models import ContactChannel
from .contacts.spec import CONTACTS
from .database import db
from .facilities.models import Facility
from .facilities.spec import FACILITIES
from .page_cache import last_public_change
from .staff.models import Autosave, Revision, Schedule

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


def remove(pack: dict[str, list[dict]]) -> tuple[int, int]:
    """Delete the demo pack's places and contacts (with their links to services, and the
    staff's revisions, schedules and autosaves of them); a real contact at a demo place
    keeps no place. Only records of the pack (`pack`: its records by kind, as read from
    content/demo/) still marked sample go: a record staff made is never deleted, whatever
    its flag says. Return how many places and contacts; the caller commits."""

    def of_pack(model: type[Facility] | type[ContactChannel], kind: str) -> list:
        slugs = [record["slug"] for record in pack.get(kind, [])]
        return list(db.session.scalars(select(model).where(model.sample, model.slug.in_(slugs))))

    facilities = of_pack(Facility, FACILITIES.name)
    contacts = of_pack(ContactChannel, CONTACTS.name)
    _delete_staff_work(FACILITIES.name, [row.id for row in facilities])
    _delete_staff_work(CONTACTS.name, [row.id for row in contacts])
    db.session.execute(
        update(ContactChannel)
        .where(ContactChannel.facility_id.in_([f.id for f in facilities]))
        .values(facility_id=None)
        .execution_options(synchronize_session=False)
    )
    for row in (*contacts, *facilities):
        db.session.delete(row)
    return len(facilities), len(contacts)


def _delete_staff_work(kind: str, ids: list[int]) -> None:
    """Delete the revisions, schedules and autosaves of the items `ids` of `kind`: they name
    an item by its id alone, and a new item given the same id would take them over."""
    for model in (Revision, Schedule):
        db.session.execute(delete(model).where(model.kind == kind, model.item_id.in_(ids)))
    keys = [str(item) for item in ids]
    db.session.execute(delete(Autosave).where(Autosave.kind == kind, Autosave.key.in_(keys)))
