"""The site's documents for the search engine, and keeping the index built."""

import logging
import threading
from collections.abc import Callable

from flask import current_app
from sqlalchemy import select

import search

from ..contacts import queries as contacts
from ..contacts.channels import CHANNELS, NEEDS
from ..database import db
from ..facilities import features
from ..facilities import queries as facilities
from ..i18n import EN, ENVIRON_KEY
from ..pages.models import Page
from ..pages.queries import STATIC_PAGES
from ..plan.models import Department, Measure, Project
from ..services.models import PUBLISHED, Service

logger = logging.getLogger(__name__)
_rebuilding = threading.Lock()


def site_index() -> search.SearchIndex:
    """The index of this app, in its instance folder."""
    return search.SearchIndex(current_app.config["SEARCH_INDEX_DIR"])


def write_documents(index: search.SearchIndex, progress: Callable | None = None) -> int:
    """Rebuild `index` from every published item; return how many documents it holds."""
    documents = list(all_documents())
    index.rebuild(documents, progress)
    return len(documents)


def rebuild_in_background() -> None:
    """Rebuild a missing or unreadable index without holding up the request that found it.

    One rebuild per process at a time; the engine's own lock keeps processes apart.
    """
    if not _rebuilding.acquire(blocking=False):
        return
    app = current_app._get_current_object()

    def run() -> None:
        try:
            with app.app_context():
                write_documents(site_index())
        except search.IndexBusy:
            logger.info("another process is rebuilding the search index")
        except Exception:
            logger.exception("rebuilding the search index failed")
        finally:
            _rebuilding.release()

    threading.Thread(target=run, name="search-rebuild", daemon=True).start()


def all_documents():
    """Every published item as search documents, in Chinese and in English."""
    for language, prefix in (("zh", ""), ("en", "/en")):
        yield from _services(language, prefix)
        yield from _measures(language, prefix)
        yield from _projects(language, prefix)
        yield from _departments(language, prefix)
        yield from _pages(language, prefix)
    yield from _places("zh", "")
    # Interface words in the documents (types, features, needs) in the English catalogue.
    with current_app.test_request_context(environ_overrides={ENVIRON_KEY: EN}):
        yield from _places("en", "/en")


def _places(language: str, prefix: str):
    """Facilities and contact channels, whose labels come from the interface catalogue."""
    yield from _facilities(language, prefix)
    yield from _contacts(language, prefix)


def _in_language(item, field: str, language: str) -> str:
    """A field in `language`, falling back to the Chinese text."""
    if language == "en":
        return getattr(item, f"{field}_en", None) or getattr(item, field) or ""
    return getattr(item, field) or ""


def _join(*parts: str | None) -> str:
    """Text fields joined into one body."""
    return "\n".join(part for part in parts if part)


def _services(language: str, prefix: str):
    """Published services."""
    services = db.session.scalars(select(Service).where(Service.status == PUBLISHED))
    for service in services:
        departments = [r.department.name for r in service.responsibilities]
        yield search.Document(
            id=f"service:{service.slug}:{language}",
            kind="service",
            language=language,
            title=_in_language(service, "title", language),
            summary=_in_language(service, "summary", language),
            body=_join(
                _in_language(service, "easy_read", language),
                service.title if language == "en" else None,
                service.eligibility,
                service.benefits,
                service.how_to_apply,
            ),
            url=f"{prefix}/services/{service.slug}",
            departments=departments,
            categories=[service.category.slug],
            disability_categories=list(service.disability_categories or []),
        )


def _measures(language: str, prefix: str):
    """The plan's measures (their text is Chinese in both languages)."""
    for measure in db.session.scalars(select(Measure)):
        label = f"Measure {measure.slug}: " if language == "en" else f"措施{measure.slug} "
        yield search.Document(
            id=f"measure:{measure.slug}:{language}",
            kind="measure",
            language=language,
            title=label + measure.title,
            body=measure.body,
            url=f"{prefix}/plan/measures/{measure.slug}",
            departments=[r.department.name for r in measure.responsibilities],
        )


def _projects(language: str, prefix: str):
    """The projects of boxes 2–9."""
    for project in db.session.scalars(select(Project)):
        yield search.Document(
            id=f"project:{project.slug}:{language}",
            kind="project",
            language=language,
            title=_join(
                _in_language(project, "title", language),
                project.title if language == "en" else None,
            ),
            body=project.body,
            url=f"{prefix}/plan/projects#project-{project.slug}",
        )


def _departments(language: str, prefix: str):
    """The departments named in the plan."""
    for department in db.session.scalars(select(Department)):
        yield search.Document(
            id=f"department:{department.slug}:{language}",
            kind="department",
            language=language,
            title=_in_language(department, "name", language),
            summary=_join(department.full_name, department.name if language == "en" else None),
            url=f"{prefix}/departments/{department.slug}",
        )


def _pages(language: str, prefix: str):
    """The published static pages."""
    pages = db.session.scalars(
        select(Page).where(Page.slug.in_(STATIC_PAGES), Page.status == PUBLISHED)
    )
    for page in pages:
        yield search.Document(
            id=f"page:{page.slug}:{language}",
            kind="page",
            language=language,
            title=_in_language(page, "title", language),
            summary=_in_language(page, "summary", language),
            body=_in_language(page, "body", language),
            url=f"{prefix}/{page.slug}",
        )


def _facilities(language: str, prefix: str):
    """Published facilities, with what is accessible there and what can be done there."""
    for facility in facilities.published():
        township = _in_language(facility.township, "name", language)
        # Residents type 博平 as often as 博平镇.
        short_name = facility.township.name.removesuffix("街道").rstrip("镇乡")
        present = [str(f.name) for f in features.FEATURES if facility.has(f.code)]
        yield search.Document(
            id=f"facility:{facility.slug}:{language}",
            kind="facility",
            language=language,
            title=_in_language(facility, "name", language),
            summary=_join(str(features.TYPES[facility.type]), township, short_name),
            body=_join(
                _in_language(facility, "summary", language),
                facility.name if language == "en" else None,
                " ".join(present),
                " ".join(_in_language(s, "title", language) for s in facility.services),
                facility.address,
            ),
            url=f"{prefix}/facilities/{facility.slug}",
            township=facility.township.slug,
        )


def _contacts(language: str, prefix: str):
    """Published contact channels, with the needs they serve."""
    for contact in contacts.published():
        yield search.Document(
            id=f"contact:{contact.slug}:{language}",
            kind="contact",
            language=language,
            title=_in_language(contact, "name", language),
            summary=_in_language(contact, "summary", language),
            body=_join(
                str(CHANNELS[contact.channel]),
                " ".join(str(NEEDS[need]) for need in contact.needs),
                contact.name if language == "en" else None,
                contact.value,
            ),
            url=f"{prefix}/contacts/{contact.slug}",
            departments=[contact.department.name] if contact.department else [],
        )
