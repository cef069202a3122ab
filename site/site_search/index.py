"""The site's documents for the search engine: which items, and what each one says."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import Flask, current_app, url_for
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Integer, select

import search

from .. import markdown
from ..contacts.channels import CHANNELS, NEEDS
from ..contacts.models import ContactChannel
from ..contacts.spec import CONTACTS
from ..database import PUBLISHED, Publishable, db
from ..facilities import features
from ..facilities.models import Facility
from ..facilities.spec import FACILITIES
from ..i18n import EN, PREFIX, ZH, force_locale, inline_list
from ..kinds import Field, Kind, ModelClass, Row
from ..pages.models import Page
from ..pages.queries import READ_AT, STATIC_PAGES, page_url
from ..pages.spec import PAGES
from ..plan.models import Department, Indicator, Measure, PlanSection, Project
from ..plan.progress import spoken
from ..plan.spec import DEPARTMENTS, INDICATORS, MEASURES, PROJECTS, SECTIONS
from ..services.models import Service
from ..services.spec import SERVICES
from ..updates.models import Update
from ..updates.spec import UPDATES

# How each SEARCH_BACKEND is opened for an app; another backend is one more entry. The
# PostgreSQL one searches SEARCH_DATABASE_URL, by default the site's own database (which
# must then be PostgreSQL). Each process keeps one per folder or URL, with what it has
# read (the titles' words) and its connections.
BACKENDS: dict[str, Callable[[Flask], search.SearchBackend]] = {
    "whoosh": lambda app: search.SearchIndex.shared(app.config["SEARCH_INDEX_DIR"]),
    "null": lambda app: search.NullBackend(),
    "postgres": lambda app: search.PostgresBackend.shared(
        app.config.get("SEARCH_DATABASE_URL") or app.config["SQLALCHEMY_DATABASE_URI"]
    ),
}


def site_index() -> search.SearchBackend:
    """The search backend this app is configured with (SEARCH_BACKEND)."""
    return BACKENDS[current_app.config["SEARCH_BACKEND"]](current_app)


@dataclass(frozen=True)
class Source:
    """Where the documents of one kind come from: the kind, and which of its rows count.

    `documents(item, language)` returns the item's document in one language.
    """

    kind: Kind
    documents: Callable
    published: Callable | None = None

    @property
    def model(self) -> ModelClass:
        """The kind's model."""
        return self.kind.model

    @property
    def key(self) -> str:
        """The name of the column that names an item."""
        return self.kind.key

    def items(self) -> list:
        """Every row whose documents belong in the index."""
        query = select(self.model)
        if self.published is not None:
            query = query.where(self.published(self.model))
        return list(db.session.scalars(query))

    def item(self, key: str) -> Row | None:
        """The row with this key if its documents belong in the index, else None."""
        column = getattr(self.model, self.key)
        value: str | int = key
        if isinstance(column.type, Integer):  # the outbox keeps every key as text
            if not key.isdigit():
                return None
            value = int(key)
        query = select(self.model).where(column == value)
        if self.published is not None:
            query = query.where(self.published(self.model))
        return db.session.scalar(query)


LOCALES = {"zh": ZH, "en": EN}


@contextmanager
def _written_in(language: str) -> Iterator[None]:
    """Write a document with the interface words and URLs of `language`, whatever request
    or command writes it.

    `url_for` needs a request: this is one for the home page of that language, with the
    script root the locale middleware gives it (`/en` for English). Commands and the
    background rebuild have no request, and a drain after an edit on the English site must
    still give the Chinese document Chinese URLs.
    """
    locale = LOCALES[language]
    root = current_app.config["APPLICATION_ROOT"].rstrip("/") + PREFIX[locale]
    with (
        current_app.test_request_context(base_url=f"http://localhost{root}/"),
        force_locale(locale),
    ):
        yield


def documents_of(kind: str, item: Row) -> Iterator[search.Document]:
    """One item's documents, in Chinese and in English, each written in its own language.
    The English one holds the Chinese one's title, summary and body as its Chinese twin
    (searched, never shown): Chinese typed on the English site (无障碍) finds and ranks the
    English pages as the Chinese site ranks theirs."""
    with _written_in("zh"):
        chinese = SOURCES[kind].documents(item, "zh")
    with _written_in("en"):
        english = SOURCES[kind].documents(item, "en")
    english.chinese_title = chinese.title
    english.chinese_summary = chinese.summary
    english.chinese_body = chinese.body
    yield from (chinese, english)


def document_ids(kind: str, key: str) -> list[str]:
    """The ids an item's documents have (or would have) in the index."""
    return [f"{kind}:{key}:{language}" for language in LOCALES]


def all_documents() -> Iterator[search.Document]:
    """Every published item as search documents, in Chinese and in English."""
    for kind, source in SOURCES.items():
        for item in source.items():
            yield from documents_of(kind, item)


def _in_language(item: object, field: str, language: str) -> str:
    """A field in `language`, falling back to the Chinese text."""
    if language == "en":
        return getattr(item, f"{field}_en", None) or getattr(item, field) or ""
    return getattr(item, field) or ""


def _join(*parts: str | None) -> str:
    """Text fields joined into one body."""
    return "\n".join(part for part in parts if part)


def search_text(kind: Kind, item: object, language: str) -> str:
    """The text of the fields the kind declares searched (`search`), in `language` where
    they have a translation: the body of the item's document. The title and the summary,
    which the document holds apart, are left out."""
    return _join(
        *(
            _field_text(item, f, language)
            for f in kind.search_fields
            if not f.lang and f.name not in (kind.title_field, "summary")
        )
    )


def _field_text(item: object, field: Field, language: str) -> str:
    """A field's text as a reader meets it: Markdown without its marks (a result's snippet
    shows 大字版, not ### 大字版, and a link's words, not its address)."""
    text = _in_language(item, field.name, language)
    return markdown.text(text) if field.type == "markdown" else text


def _service(service: Service, language: str) -> search.Document:
    """A published service."""
    return search.Document(
        id=f"service:{service.slug}:{language}",
        kind="service",
        language=language,
        title=_in_language(service, "title", language),
        summary=_in_language(service, "summary", language),
        body=search_text(SERVICES, service, language),
        url=url_for("services.detail", slug=service.slug),
        departments=[r.department.name for r in service.responsibilities],
        categories=[service.category.slug],
        disability_categories=list(service.disability_categories or []),
    )


def _section(section: PlanSection, language: str) -> search.Document:
    """A section of the plan with text of its own (指导思想, 保障措施…); the five task areas,
    whose text is their measures, are found through those."""
    return search.Document(
        id=f"section:{section.slug}:{language}",
        kind="section",
        language=language,
        title=_in_language(section, "title", language),
        summary=_("规划“%(part)s”部分", part=_in_language(section.part, "title", language)),
        body=search_text(SECTIONS, section, language),
        url=url_for("plan.section", slug=section.slug),
    )


def _measure(measure: Measure, language: str) -> search.Document:
    """One of the plan's measures."""
    label = f"Measure {measure.slug}: " if language == "en" else f"措施{measure.slug} "
    return search.Document(
        id=f"measure:{measure.slug}:{language}",
        kind="measure",
        language=language,
        title=label + _in_language(measure, "title", language),
        body=search_text(MEASURES, measure, language),
        url=url_for("plan.measure", slug=measure.slug),
        departments=[r.department.name for r in measure.responsibilities],
    )


def _project(project: Project, language: str) -> search.Document:
    """A project of boxes 2–9."""
    return search.Document(
        id=f"project:{project.slug}:{language}",
        kind="project",
        language=language,
        title=_join(
            _in_language(project, "title", language),
            project.title if language == "en" else None,
        ),
        body=search_text(PROJECTS, project, language),
        url=url_for("plan.projects", _anchor=f"project-{project.slug}"),
    )


def _indicator(indicator: Indicator, language: str) -> search.Document:
    """One of the 11 main indicators, found by its name on the indicators page. Its figures
    are in words as the page's chart says them (高于85%, not >85, which screen readers
    skip)."""
    unit = _in_language(indicator, "unit", language)
    in_plan = _("规划里没有这个数字")
    return search.Document(
        id=f"indicator:{indicator.number}:{language}",
        kind="indicator",
        language=language,
        title=_join(
            _in_language(indicator, "name", language),
            indicator.name if language == "en" else None,
        ),
        summary=_(
            "专栏1 主要指标。2020年：%(value)s；2025年目标：%(target)s。",
            value=spoken(indicator.value_2020, unit, in_plan),
            target=spoken(indicator.target_2025, unit, in_plan),
        ),
        url=url_for("plan.indicators", _anchor=f"indicator-{indicator.number}"),
    )


def _department(department: Department, language: str) -> search.Document:
    """A department named in the plan."""
    return search.Document(
        id=f"department:{department.slug}:{language}",
        kind="department",
        language=language,
        title=_in_language(department, "name", language),
        summary=_join(department.full_name, department.name if language == "en" else None),
        url=url_for("plan.department", slug=department.slug),
    )


def _page(page: Page, language: str) -> search.Document:
    """A published static page, or the plan's introduction at /plan/."""
    return search.Document(
        id=f"page:{page.slug}:{language}",
        kind="page",
        language=language,
        title=_in_language(page, "title", language),
        summary=_in_language(page, "summary", language),
        body=search_text(PAGES, page, language),
        url=page_url(page.slug),
    )


def _facility(facility: Facility, language: str) -> search.Document:
    """A published facility, with what is accessible there and what can be done there."""
    township = _in_language(facility.township, "name", language)
    # Residents type 博平 as often as 博平镇.
    short_name = facility.township.name.removesuffix("街道").rstrip("镇乡")
    present = [str(f.name) for f in features.FEATURES if facility.has(f.code)]
    return search.Document(
        id=f"facility:{facility.slug}:{language}",
        kind="facility",
        language=language,
        title=_in_language(facility, "name", language),
        summary=_join(str(features.TYPES[facility.type]), township, short_name),
        body=_join(
            _in_language(facility, "summary", language),
            search_text(FACILITIES, facility, language),
            inline_list(present),
            # A service's title may hold 、 or a comma itself: the titles are parted by ；.
            _("；").join(_in_language(s, "title", language) for s in facility.public_services),
        ),
        url=url_for("facilities.detail", slug=facility.slug),
        township=facility.township.slug,
    )


def _contact(contact: ContactChannel, language: str) -> search.Document:
    """A published contact channel, with the needs it serves."""
    return search.Document(
        id=f"contact:{contact.slug}:{language}",
        kind="contact",
        language=language,
        title=_in_language(contact, "name", language),
        summary=_in_language(contact, "summary", language),
        body=_join(
            # The number with its channel, as one clause: a snippet of 电话 shows it.
            _("%(part)s：%(value)s", part=CHANNELS[contact.channel], value=contact.value)
            if contact.value
            else str(CHANNELS[contact.channel]),
            inline_list(NEEDS[need] for need in contact.needs),
            search_text(CONTACTS, contact, language),
        ),
        url=url_for("contacts.detail", slug=contact.slug),
        departments=[contact.department.name] if contact.department else [],
    )


def _update(update: Update, language: str) -> search.Document:
    """A published notice or news item."""
    return search.Document(
        id=f"update:{update.slug}:{language}",
        kind="update",
        language=language,
        title=_in_language(update, "title", language),
        summary=_in_language(update, "summary", language),
        body=search_text(UPDATES, update, language),
        url=url_for("updates.detail", slug=update.slug),
    )


def _is_published(model: type[Publishable]) -> ColumnElement[bool]:
    """The condition for a row with a status to be public."""
    return model.status == PUBLISHED


SOURCES = {
    "service": Source(SERVICES, _service, _is_published),
    "section": Source(SECTIONS, _section, lambda model: model.body != ""),
    "measure": Source(MEASURES, _measure),
    "project": Source(PROJECTS, _project),
    "indicator": Source(INDICATORS, _indicator),
    "department": Source(DEPARTMENTS, _department),
    # The static pages, and the plan's introduction, read at the top of its contents.
    "page": Source(
        PAGES, _page, lambda model: model.slug.in_((*STATIC_PAGES, *READ_AT)) & _is_published(model)
    ),
    "facility": Source(FACILITIES, _facility, _is_published),
    "contact": Source(CONTACTS, _contact, _is_published),
    "update": Source(UPDATES, _update, _is_published),
}
