"""Search pages without the page cache: prints figures, asserts nothing (timing never goes
into a unit test).

Run with `.venv/bin/python benchmarks/search_pages.py` from the repository root. It prepares
a database and search index in a temporary folder as `http_benchmark.py` does (Whoosh,
content/ without the demo pack, as `make run` has it), then prints each search page's CPU time per
request in the process (Flask's test client, the page cache off): the median of `--batches`
batches of 10, and the Python function calls one request makes, which do not vary.

`--save FILE` writes the HTML of the search page of every judged query
(tests/search_judgements.yaml), on the Chinese and the English site, with a few filters,
pages and live-search fragments; `--compare FILE` renders the same pages and says how many
are the same byte for byte as those saved (before a change), naming those that are not.
"""

import argparse
import cProfile
import json
import os
import pstats
import statistics
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from http_benchmark import prepare  # noqa: E402 (benchmarks/ is on the path from above)

PAGES = {
    "康复": "/search?q=" + urllib.parse.quote("康复"),
    "rehabilitation, English": "/en/search?q=rehabilitation",
    "轮椅": "/search?q=" + urllib.parse.quote("轮椅"),
    "lunyi (pinyin)": "/search?q=lunyi",
}
# Besides each judged query in both languages: filters, a second page, corrections.
MORE = ["康复&page=2", "轮椅&kind=service", "补贴&kind=update", "康复&category=rehabilitation"]
MORE += ["lunyi", "canjiren", "残急人证", "轮倚", "年审", "a", ""]


def cpu_ms(client, path: str, batches: int, batch: int = 10) -> float:
    """The median CPU time of a request for `path`, in milliseconds, over `batches`."""
    for _warm in range(5):
        client.get(path)
    times = []
    for _batch in range(batches):
        start = time.process_time()
        for _request in range(batch):
            client.get(path)
        times.append((time.process_time() - start) / batch * 1000)
    return statistics.median(times)


def calls(client, path: str) -> int:
    """The Python function calls one request for `path` makes."""
    profile = cProfile.Profile()
    profile.runcall(client.get, path)
    return pstats.Stats(profile).total_calls


def pages(client) -> dict[str, str]:
    """The HTML of the search pages that a change must leave the same, by address."""
    judged = yaml.safe_load((ROOT / "tests" / "search_judgements.yaml").read_text())
    queries = [item["query"] for item in judged["judgements"]] + judged["nothing_found"]
    addresses = [f"/search?q={urllib.parse.quote(query)}" for query in dict.fromkeys(queries)]
    addresses += [f"/search?q={more}" for more in MORE]
    shown = {}
    for address in addresses:
        for site in ("", "/en"):
            shown[site + address] = client.get(site + address).get_data(as_text=True)
    for more in MORE:  # the live search's fragment
        address = f"/search?q={more}"
        fragment = client.get(address, headers={"HX-Request": "true"})
        shown["fragment " + address] = fragment.get_data(as_text=True)
    return shown


def main() -> int:
    """Prepare the database, then measure, save or compare."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=30, help="batches of 10 per page")
    parser.add_argument("--save", type=Path, help="write the judged queries' pages here")
    parser.add_argument("--compare", type=Path, help="compare them with pages saved before")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="search-pages-") as name:
        os.environ.update(prepare(Path(name)))
        from barrierfree import create_app

        client = create_app({"PAGE_CACHE": False}).test_client()
        if args.save or args.compare:
            shown = pages(client)
            if args.save:
                args.save.write_text(json.dumps(shown, ensure_ascii=False), encoding="utf-8")
                print(f"{len(shown)} pages saved")
                return 0
            saved = json.loads(args.compare.read_text(encoding="utf-8"))
            differ = [address for address in saved if shown.get(address) != saved[address]]
            print(f"{len(saved) - len(differ)} of {len(saved)} pages the same byte for byte")
            for address in differ:
                print(f"  differs: {address}")
            return 1 if differ else 0
        print("CPU time per request without the page cache, in the process (median of")
        print(f"{args.batches} batches of 10), and the function calls of one request:")
        for label, path in PAGES.items():
            spent, made = cpu_ms(client, path, args.batches), calls(client, path)
            print(f"{label:<28} {spent:6.2f} ms {made:>8,} calls")
    return 0


if __name__ == "__main__":
    sys.exit(main())
