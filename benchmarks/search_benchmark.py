"""Search benchmark: prints figures, asserts nothing (timing never goes into a unit test).

Run with `.venv/bin/python benchmarks/search_benchmark.py [--scales 1,10,100]`. For each
scale it indexes the real corpus (the site's documents from content/) copied that many
times, in both backends side by side: the Whoosh index in a temporary folder, and
PostgreSQL on a throwaway server it starts (tests/postgres_server.py, with a real server's
durable commits). It prints the indexing rate, query latency p50/p95 over the judged
queries, and the time from publishing one document to finding it.
"""

import argparse
import dataclasses
import sys
import tempfile
import time
from pathlib import Path

import yaml

import search

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import postgres_server  # noqa: E402 (tests/ is on the path only from the line above)

ROUNDS = 3


@dataclasses.dataclass
class Figures:
    """What one backend measured at one scale."""

    build: float
    latencies: list[float]
    publish: float


def real_corpus() -> list[search.Document]:
    """The site's documents, from content/ loaded into a throwaway SQLite database."""
    from barrierfree import create_app
    from barrierfree.content.loader import load
    from barrierfree.database import db, upgrade
    from barrierfree.site_search.index import all_documents

    folder = Path(tempfile.mkdtemp(prefix="search-bench-"))
    app = create_app(
        {"SECRET_KEY": "benchmark", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'db'}"}
    )
    with app.app_context():
        upgrade()
        load(Path(app.config["CONTENT_DIR"]))
        db.session.commit()
        return list(all_documents())


def scaled(documents: list[search.Document], times: int) -> list[search.Document]:
    """The corpus copied `times` times under new ids (a synthetic corpus of realistic text)."""
    return [
        dataclasses.replace(document, id=f"{document.id}#{copy}")
        for copy in range(times)
        for document in documents
    ]


def judged_queries() -> list[tuple[str, str]]:
    """The judged query set's queries and languages."""
    data = yaml.safe_load((ROOT / "tests" / "search_judgements.yaml").read_text())
    return [(item["query"], item.get("language", "zh")) for item in data["judgements"]]


def percentile(values: list[float], share: float) -> float:
    """The value below which `share` of `values` lie."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def measure(
    index: search.SearchBackend,
    documents: list[search.Document],
    queries: list[tuple[str, str]],
) -> Figures:
    """Build `index` of `documents`, search it with every query, then publish one document
    and wait until a search finds it."""
    start = time.perf_counter()
    index.rebuild(documents)
    build = time.perf_counter() - start
    index.search("预热", language="zh")
    latencies = []
    for _round in range(ROUNDS):
        for query, language in queries:
            start = time.perf_counter()
            index.search(query, language=language)
            latencies.append((time.perf_counter() - start) * 1000)
    fresh = dataclasses.replace(documents[0], id="bench:new", title="新发布的测试通知甲乙丙")
    start = time.perf_counter()
    index.upsert([fresh])
    while not index.search("新发布的测试通知甲乙丙", language=fresh.language).total:
        time.sleep(0.01)
    return Figures(build, latencies, time.perf_counter() - start)


def line(name: str, documents: int, figures: Figures) -> str:
    """One backend's figures on one line."""
    return (
        f"  {name:<9}indexing {documents / figures.build:6.0f} docs/s ({figures.build:6.1f} s)"
        f"  query p50 {percentile(figures.latencies, 0.5):6.1f} ms"
        f"  p95 {percentile(figures.latencies, 0.95):6.1f} ms"
        f"  publish→searchable {figures.publish * 1000:6.0f} ms"
    )


def run(
    scale: int, corpus: list[search.Document], queries: list[tuple[str, str]], url: str
) -> None:
    """Measure both backends at one corpus size and print their figures one above the other."""
    documents = scaled(corpus, scale)
    print(f"{scale}x: {len(documents)} documents")
    with tempfile.TemporaryDirectory() as folder:
        whoosh = measure(search.SearchIndex(Path(folder) / "index"), documents, queries)
    print(line("whoosh", len(documents), whoosh), flush=True)
    backend = search.PostgresBackend(url)
    try:
        postgres = measure(backend, documents, queries)
    finally:
        backend.close()
    print(line("postgres", len(documents), postgres), flush=True)


def main() -> int:
    """Parse the scales, start PostgreSQL, and print the figures of each corpus size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1,10,100", help="corpus multiples, e.g. 1,10,100")
    args = parser.parse_args()
    search.initialize(Path(tempfile.gettempdir()) / "barrierfree-bench-jieba")
    corpus, queries = real_corpus(), judged_queries()
    print(f"real corpus: {len(corpus)} documents; {len(queries)} judged queries x {ROUNDS} rounds")
    server = postgres_server.start(settings={})
    try:
        for scale in (int(part) for part in args.scales.split(",")):
            run(scale, corpus, queries, server.url)
    finally:
        postgres_server.stop(server)
    return 0


if __name__ == "__main__":
    sys.exit(main())
