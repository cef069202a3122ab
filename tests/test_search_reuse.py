"""What the Whoosh index keeps between searches: each thread's open searcher, each query's
analysis and the snippets. None of it may outlive a change to the index: a search after a
commit or a rebuild finds what the index holds then."""

import threading

import pytest
from test_search_engine import DOCUMENTS

import search
from search import Document, IndexUnavailable, SearchIndex
from search import index as index_module
from search.results import _snippet

pytestmark = pytest.mark.no_database

TRICYCLE = Document(
    id="service:tricycle",
    kind="service",
    language="zh",
    title="残疾人三轮车",
    summary="为下肢残疾人适配三轮车。",
    url="/services/tricycle",
)


@pytest.fixture(scope="module")
def jieba_cache(tmp_path_factory):
    """jieba's dictionary cache, in a folder of the test run's own."""
    folder = tmp_path_factory.mktemp("jieba-cache")
    search.initialize(folder)
    return folder


@pytest.fixture
def fresh_index(tmp_path, jieba_cache) -> SearchIndex:
    """The hand-made documents in an index of the test's own."""
    built = SearchIndex(tmp_path / "index")
    built.rebuild(DOCUMENTS)
    return built


def ids(results: search.Results) -> list[str]:
    """The ids of the hits, best first."""
    return [hit.id for hit in results.hits]


def kept_here(index: SearchIndex) -> index_module._Kept | None:
    """The searcher this thread keeps open on `index`, if any."""
    return index_module._kept.get(threading.get_ident(), {}).get(index.path)


def test_an_unchanged_index_is_searched_without_opening_it_again(fresh_index, monkeypatch):
    first = fresh_index.search("轮椅")
    opened = []
    original = SearchIndex._open
    monkeypatch.setattr(
        SearchIndex, "_open", lambda self, name: opened.append(name) or original(self, name)
    )
    again = fresh_index.search("轮椅")
    assert opened == []
    assert ids(again) == ids(first)
    assert [hit.snippet for hit in again.hits] == [hit.snippet for hit in first.hits]


def test_a_commit_is_seen_by_the_next_search(fresh_index):
    # Beside a word every page says, a word no page says finds nothing (the analysis
    # that decides it is kept): once a page says it, it is found.
    assert fresh_index.search("残疾人三轮车").total == 0
    before = kept_here(fresh_index)
    fresh_index.upsert([TRICYCLE])
    assert ids(fresh_index.search("残疾人三轮车"))[0] == "service:tricycle"
    assert before is not None and before.searcher.is_closed
    fresh_index.delete(["service:tricycle"])
    assert "service:tricycle" not in ids(fresh_index.search("三轮车"))


def test_a_rebuild_is_seen_by_the_next_search(fresh_index):
    assert "service:subsistence-allowance" in ids(fresh_index.search("低保"))
    before = kept_here(fresh_index)
    fresh_index.rebuild([document for document in DOCUMENTS if "低保" not in document.title])
    assert "service:subsistence-allowance" not in ids(fresh_index.search("低保"))
    assert before is not None and before.searcher.is_closed


def test_a_changed_text_gets_its_own_snippet(fresh_index):
    assert "三轮车" not in fresh_index.search("辅助器具").hits[0].snippet
    changed = Document(**{**DOCUMENTS[0].__dict__, "summary": "适配辅助器具，也适配三轮车。"})
    fresh_index.upsert([changed])
    assert "三轮车" in fresh_index.search("辅助器具").hits[0].snippet


def test_what_is_kept_is_bounded(fresh_index, monkeypatch):
    monkeypatch.setattr(index_module, "KEPT_QUERIES", 3)
    for query in ["轮椅", "低保", "残疾证", "法律援助", "盲人", "手语"]:
        fresh_index.search(query)
    assert len(fresh_index._prepared) == 3
    assert _snippet.cache_info().maxsize is not None


def test_each_thread_has_a_searcher_of_its_own_closed_when_it_ends(fresh_index):
    fresh_index.search("轮椅")
    mine = kept_here(fresh_index)
    theirs: list = []

    def search_elsewhere() -> None:
        theirs.append(ids(fresh_index.search("轮椅")))
        theirs.append(kept_here(fresh_index))

    thread = threading.Thread(target=search_elsewhere)
    thread.start()
    thread.join()
    assert theirs[0] == ids(fresh_index.search("轮椅"))
    assert theirs[1] is not mine and not theirs[1].searcher.is_closed
    fresh_index.upsert([TRICYCLE])  # the next search opens a searcher, closing the ended ones
    fresh_index.search("轮椅")
    assert theirs[1].searcher.is_closed


def test_a_failed_search_leaves_no_searcher_behind(fresh_index, monkeypatch):
    fresh_index.search("轮椅")
    failing = kept_here(fresh_index)
    assert failing is not None

    def broken(*args, **kwargs):
        raise OSError("a damaged segment")

    monkeypatch.setattr(failing.searcher, "search", broken)
    with pytest.raises(IndexUnavailable):
        fresh_index.search("轮椅")
    assert failing.searcher.is_closed and kept_here(fresh_index) is None
    assert ids(fresh_index.search("轮椅"))[0] == "service:assistive-devices"


def test_a_forked_process_opens_a_searcher_of_its_own(fresh_index, monkeypatch):
    # gunicorn forks its workers from a process that may have searched: a searcher kept
    # there shares its files' positions with every worker.
    fresh_index.search("轮椅")
    inherited = kept_here(fresh_index)
    monkeypatch.setattr(index_module.os, "getpid", lambda: inherited.pid + 1)
    assert ids(fresh_index.search("轮椅"))[0] == "service:assistive-devices"
    assert kept_here(fresh_index) is not inherited
