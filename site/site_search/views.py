"""The search page: a GET form that works without JavaScript; htmx updates the results."""

import re
from collections.abc import Sequence
from functools import cache
from typing import Any

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import Row, select
from sqlalchemy.orm import load_only

import search
from search import pinyin
from search.analysis import index_term
from search.query import clean_query, searched_words, term_key
from search.synonyms import load_groups
from search.text import is_chinese
from search.vocabulary import TitleWords, read_as_sentence

from ..contacts.models import ContactChannel
from ..database import PUBLISHED, db, rows
from ..facilities import features
from ..facilities import queries as facilities
from ..facilities.models import Facility, Township
from ..i18n import CHINESE_RUN, ZH, is_english, url_in
from ..query_args import (
    QueryArgs,
    filtered_page,
    read_page_number,
    typed_query,
    wants_fragment,
)
from ..services import queries as services
from .index import document_ids, site_index
from .sync import rebuild_in_background

bp = Blueprint("site_search", __name__)

MAX_QUERY = 200
PER_PAGE = 10
# The kinds of result that may be made-up sample records.
SAMPLE_KINDS: dict[str, type[Facility] | type[ContactChannel]] = {
    "facility": Facility,
    "contact": ContactChannel,
}

# Their sample records' slugs, as statements built once per process.
SAMPLE_SLUGS = {
    kind: select(model.slug).where(model.sample.is_(True)) for kind, model in SAMPLE_KINDS.items()
}


def sample_urls(found: search.Results | None) -> set[str]:
    """The URLs of the hits that are sample places and contacts, so the results say so as
    the pages they lead to do."""
    if found is None or not any(hit.kind in SAMPLE_KINDS for hit in found.hits):
        return set()
    samples = {
        document_id
        for kind, statement in SAMPLE_SLUGS.items()
        for slug in db.session.scalars(statement)
        for document_id in document_ids(kind, slug)
    }
    return {hit.url for hit in found.hits if hit.id in samples}


# The townships that have a published place, read at every search as rows (built once).
TOWNSHIPS_WITH_PLACES = (
    select(Township.slug).join(Facility).where(Facility.status == PUBLISHED).distinct()
)


def with_places(townships: Sequence[Row], chosen: str | None) -> list[Row]:
    """The townships to offer: those with a published place, and the one `chosen`. The
    filter keeps only places, so the others could only ever find nothing (on the site
    without the demo pack, every one)."""
    slugs = {row.slug for row in rows(TOWNSHIPS_WITH_PLACES)}
    return [township for township in townships if township.slug in slugs | {chosen}]


def in_english(query: str, found: search.Results | None) -> str | None:
    """For letters without Chinese that found nothing on the Chinese site (wheelchair,
    job), the same search on the English site, where they may be words."""
    if is_english() or found is None or found.total or CHINESE_RUN.search(query):
        return None
    return url_in("en") if re.search("[A-Za-z]", query) else None


def in_chinese(query: str, found: search.Results | None) -> str | None:
    """For anything that found nothing on the English site (pinyin such as lunyi, Chinese,
    a word no translation uses), the same search on the Chinese site, which has every page
    in the language it was written in; and for Chinese typed there whatever it found
    (无障碍): the English pages are found by their Chinese titles, the Chinese ones by every
    word they say."""
    if not is_english() or found is None:
        return None
    if found.total and not CHINESE_RUN.search(query):
        return None
    return url_in(ZH)


def corrected(query: str, **options: Any) -> search.Results:
    """The results for `query`; when it finds nothing but a corrected spelling or the
    plan's word for it does (轮倚, 低宝), that word's results, marked as such: a resident
    who mistyped sees what they were looking for, not an empty page and a link."""
    found = site_index().search(query, **options)
    if found.total or not found.suggestion:
        return found
    instead = site_index().search(found.suggestion, **options)
    if not instead.total:
        return found
    instead.corrected_from = found.query
    return instead


def without_filters(
    query: str,
    language: str,
    found: search.Results,
    kind: str | None,
    category: str | None,
    township: str | None,
) -> tuple[str, int] | None:
    """The words searched and how many they find without the kind, category and township
    chosen, when those choices are why `found` has nothing (轮椅 in a township with no place
    that says it); None when nothing was chosen, something was found, or the words find
    nothing anyway. The words are those the results without the filters are for: a typo
    that only its correction finds (轮倚 among places) counts, and is named, as corrected,
    or the filter would not be seen as the cause. Counted only then: without a category or
    township, the kind facet's counts, which leave the kind out, are that count already;
    otherwise one search more, of one result (two for a correction)."""
    if found.total or not (kind or category or township):
        return None
    if not (category or township) and (total := sum(found.kind_counts.values())):
        return found.query, total
    everywhere = corrected(query, language=language, per_page=1)
    return (everywhere.query, everywhere.total) if everywhere.total else None


@cache
def need_keys() -> dict[str, str]:
    """Each need's words (features.NEED_WORDS) as the search reads them, to the need; with
    the synonym terms that say the same as one of them: the terms of a line of equals that
    holds one, and the sources of a line whose every target names one need."""
    named = {term_key(word): need for need, words in features.NEED_WORDS.items() for word in words}
    keys = dict(named)
    for group in load_groups():
        needs = {named.get(term_key(target)) for target in group.targets}
        if group.sources == group.targets:
            # Equals: each finds all the others, so one naming a need names it for all.
            needs.discard(None)
        if len(needs) == 1 and (need := needs.pop()) is not None:
            for source in group.sources:
                keys.setdefault(term_key(source), need)
    return keys


@cache
def need_vocabulary() -> TitleWords:
    """The Chinese words pinyin is read as to name a need: the needs' words and their parts,
    the synonym terms and a question's everyday words (see `search.vocabulary`)."""
    chinese = (word for words in features.NEED_WORDS.values() for word in words)
    return TitleWords([word for word in chinese if is_chinese(word)])


def read_as_pinyin(text: str) -> list[list[str]]:
    """The Chinese words a query in pinyin reads as, as the search reads it: each word it
    spells whole (cesuo: 厕所; wuzhangai cesuo: 无障碍厕所), or else the words it spells one
    after another (lunyi podao: 轮椅 坡道). A word it only begins (mang: 盲文) is no word
    typed. Fewer than four letters are not read: they are more often an abbreviation or
    English (wc, sy, tc) than the initials of a need."""
    key = pinyin.query_key(text)
    if key is None or len(key) < pinyin.PREFIX:
        return []
    vocabulary = need_vocabulary()
    whole = [[word] for word in vocabulary.chinese_words if pinyin.spells(key, word)]
    return whole or [read_as_sentence(key, vocabulary.readings)]


def named_needs(query: str, found: search.Results | None) -> list[str]:
    """The finder's needs (features.NEEDS) that the words searched name: as typed, as
    corrected when the results are for the correction (厕锁: 厕所), as pinyin on the
    Chinese site. No database and no index: jieba's cut of a few words and a lookup."""
    text = clean_query(query)
    phrases = [searched_words(text)]
    if found is not None and found.corrected_from:
        phrases.append(searched_words(found.query))
    if not is_english():
        phrases += read_as_pinyin(text)
    keys = need_keys()
    longest = max(len(key.split()) for key in keys)
    named = set()
    for words in phrases:
        stems = [index_term(word) for word in words]
        for size in range(1, longest + 1):
            for start in range(len(stems) - size + 1):
                named.add(keys.get(" ".join(stems[start : start + size])))
    return [need for need in features.NEEDS if need in named]


def places_with(needs: list[str]) -> dict[str, int]:
    """How many published places have each need, as the finder filtered on it counts them
    (`Facility.has`): one query, of the features alone, and none without a need."""
    if not needs:
        return {}
    places = db.session.scalars(
        select(Facility)
        .where(Facility.status == PUBLISHED)
        .options(load_only(Facility.accessibility))
    ).all()
    return {need: sum(place.has(need) for place in places) for need in needs}


@bp.get("/search")
def results() -> ResponseReturnValue:
    """Search the site; with HX-Request only the results block is returned."""
    # Stripped once, here: a query of spaces alone (a full-width one too) is no search, and
    # the title, the heading and the results all read it as none.
    query = typed_query(request.args.get("q", "")[:MAX_QUERY]).strip()
    # Read on every keystroke of the live search: the categories only, not their services.
    categories = services.categories()
    townships = facilities.townships()
    args = QueryArgs(request.args)
    kind = args.choice("kind", dict.fromkeys(search.KINDS), _("结果类型"), "search-page-q")
    category = args.choice(
        "category", {c.slug: c for c in categories}, _("服务类别"), "search-category"
    )
    township = args.choice(
        "township", {t.slug: t for t in townships}, _("乡镇（街道）"), "search-township"
    )
    found, unavailable = None, False
    unfiltered_query, unfiltered = None, None
    if query:
        language = "en" if is_english() else "zh"
        try:
            found = corrected(
                query,
                language=language,
                kinds=[kind] if kind else None,
                categories=[category] if category else None,
                township=township,
                page=read_page_number(request.args.get("page")),
                per_page=PER_PAGE,
            )
            unfiltered_query, unfiltered = without_filters(
                query, language, found, kind, category, township
            ) or (None, None)
        except search.IndexUnavailable:
            unavailable = True
            rebuild_in_background()
    # Other words and the other language's site are offered when the words found nothing,
    # not when a filter left out what they found.
    blamed = None if unfiltered else found
    fragment = wants_fragment()
    response = render_template(
        "site_search/_results.html" if fragment else "site_search/page.html",
        fragment=fragment,
        query=query,
        kind=kind,
        category=category,
        township=township,
        categories=categories,
        townships=with_places(townships, township),
        problems=args.problems,
        results=found,
        unfiltered=unfiltered,
        unfiltered_query=unfiltered_query,
        unavailable=unavailable,
        suggested=services.suggested() if blamed is not None and not blamed.total else [],
        samples=sample_urls(found),
        in_english=in_english(query, blamed),
        in_chinese=in_chinese(query, blamed),
        places=places_with(named_needs(query, found)) if query else {},
    )
    body, status, headers = filtered_page(response, args.problems)
    if unavailable:
        # The index is being rebuilt: say so to this request only, never from a cache.
        headers["Cache-Control"] = "no-store"
    return body, status, headers
