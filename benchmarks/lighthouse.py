"""Lighthouse scores of the key pages: prints figures and failing audits, asserts nothing.

Run with `.venv/bin/python benchmarks/lighthouse.py` from the repository root. It prepares a
database in a temporary folder and serves the site as `make run` does (gunicorn, `--preload`,
the Makefile's WORKERS, page cache and compression on), both with the functions of
`http_benchmark.py`. Then Lighthouse (mobile, its default form factor and throttling) checks
each page in turn, one at a time, in headless Chromium, for the four categories:
performance, accessibility, best practices and SEO. It prints a table of the scores (0-100)
and, for every audit scoring below 1 on some page, its id, title, the pages and what
Lighthouse names there (elements, addresses). The exit status is 0 whatever the scores (it
is a measurement, not a test) and when Lighthouse or Chromium is missing; it is 1 only when
the site itself could not be prepared (a `flask` command failed, its message printed).

Lighthouse is not one of the project's packages. Install it outside the checkout (for
example `npm install lighthouse` in a folder of its own) and give its command with
`--lighthouse PATH` or the LIGHTHOUSE environment variable; otherwise the script tries
`npx --no-install lighthouse` and says so when that finds nothing. Chromium is `chromium`
from the PATH, or `--chromium PATH` (or CHROME_PATH).

The site is served over plain HTTP on 127.0.0.1, which Chromium counts as secure: the
audits about HTTPS (`is-on-https`, `redirects-http`, `has-hsts`) judge localhost, not
production. Lighthouse simulates a slow phone from the CPU time it observes, so other work
on the machine lowers the performance score (and varies it from run to run); `--runs 3`
keeps each page's run with the median performance score.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from http_benchmark import fetch, machine, makefile_workers, prepare, served

CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
SHORT = {"performance": "perf", "accessibility": "a11y", "best-practices": "best", "seo": "seo"}

# The pages of issue 13, by a short name for the table.
PAGES = {
    "home": "/",
    "home, English": "/en/",
    "services": "/services/",
    "service": "/services/disability-certificate",
    "finder": "/facilities/",
    "search": "/search?q=" + urllib.parse.quote("康复"),
    "plan": "/plan/",
    "indicators": "/plan/indicators",
    "contacts": "/contacts/",
    "updates": "/updates/",
}

# Headless Chromium as a server without a display runs it.
CHROMIUM_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage "
    "--disable-background-networking --disable-component-update --no-first-run"
)
# A metric names nothing itself: what the audit beside it names is printed instead.
NAMED_BY = {
    "cumulative-layout-shift": "layout-shifts",
    "largest-contentful-paint": "largest-contentful-paint-element",
    "total-blocking-time": "long-tasks",
    "max-potential-fid": "long-tasks",
}
ITEMS_SHOWN = 8  # of each failing audit on each page, the elements or addresses printed


def lighthouse_command(given: str | None) -> list[str] | None:
    """The command that runs Lighthouse: `given`, the LIGHTHOUSE variable, or npx's copy
    when one is installed; None when there is none."""
    named = given or os.environ.get("LIGHTHOUSE")
    if named:
        found = shutil.which(named)
        return [found] if found else None
    npx = shutil.which("npx")
    if npx:
        probe = subprocess.run(
            [npx, "--no-install", "lighthouse", "--version"], capture_output=True, text=True
        )
        if probe.returncode == 0:
            return [npx, "--no-install", "lighthouse"]
    return None


@dataclass
class Result:
    """One page's report: the four scores (0-100, None when the category did not run), the
    report's audits and the categories each belongs to (with its weight when 0)."""

    scores: dict[str, int | None]
    audits: dict[str, dict] = field(default_factory=dict)
    categories_of: dict[str, list[str]] = field(default_factory=dict)
    error: str = ""


def audit_page(command: list[str], chromium: str, url: str, folder: Path, name: str) -> Result:
    """Run Lighthouse once on `url`, keeping its JSON report in `folder`."""
    report = folder / f"{name.replace(' ', '-').replace(',', '')}.json"
    finished = subprocess.run(
        [
            *command, url, "--output=json", f"--output-path={report}", "--quiet",
            f"--only-categories={','.join(CATEGORIES)}", f"--chrome-flags={CHROMIUM_FLAGS}",
        ],
        env={**os.environ, "CHROME_PATH": chromium}, capture_output=True, text=True,
    )  # fmt: skip
    if finished.returncode != 0 or not report.exists():
        return Result({}, error=(finished.stderr or finished.stdout).strip()[-2000:])
    return read_report(report)


def read_report(report: Path) -> Result:
    """The scores and audits of a Lighthouse JSON report."""
    data = json.loads(report.read_text("utf-8"))
    scores = {}
    categories_of: dict[str, list[str]] = {}
    for key in CATEGORIES:
        category = data["categories"].get(key)
        score = category and category["score"]
        scores[key] = None if score is None else round(score * 100)
        for reference in category["auditRefs"] if category else ():
            weighed = key if reference["weight"] else f"{key}, weight 0: not in the score"
            categories_of.setdefault(reference["id"], []).append(weighed)
    error = (data.get("runtimeError") or {}).get("message", "")
    return Result(scores, data["audits"], categories_of, error)


def median_run(results: list[Result]) -> Result:
    """Of several runs of one page, the one with the median performance score."""
    done = [result for result in results if not result.error] or results
    done.sort(key=lambda result: result.scores.get("performance") or 0)
    return done[len(done) // 2]


def failing(result: Result) -> dict[str, dict]:
    """The audits of the page's categories that scored below 1 (those scored at all)."""
    return {
        key: audit
        for key, audit in result.audits.items()
        if key in result.categories_of
        and audit.get("score") is not None
        and audit.get("scoreDisplayMode") not in ("notApplicable", "manual", "informative")
        and audit["score"] < 1
    }


def named_items(audit: dict) -> list[str]:
    """What the audit names on the page: elements (selector and snippet), addresses, or
    its explanation."""
    named = []
    details = audit.get("details") or {}
    for item in _flat_items(details) if details.get("type") != "debugdata" else []:
        node = item.get("node") if isinstance(item.get("node"), dict) else item
        if node.get("type") == "node":
            snippet = " ".join((node.get("snippet") or "").split())[:160]
            reason = (item.get("explanation") or node.get("explanation") or "").splitlines()
            named.append(f"{node.get('selector') or node.get('path', '')}  {snippet}")
            named += [f"    {line.strip()}" for line in reason[:3] if line.strip()]
        elif item.get("type") == "network-tree":
            named += _chain(item.get("chains") or {})
        elif isinstance(item.get("url") or item.get("source"), (str, dict)):
            where = item.get("url") or _source(item["source"])
            figures = ", ".join(
                f"{key} {item[key]:.0f}"
                for key in ("wastedMs", "wastedBytes", "totalBytes", "reflowTime", "duration")
                if isinstance(item.get(key), (int, float))
            )
            named.append(where + (f"  ({figures})" if figures else ""))
        elif item.get("type") == "text":
            named.append(str(item.get("value")))
        else:
            text = {
                key: value for key, value in item.items() if isinstance(value, str | int | float)
            }
            if text:
                named.append(json.dumps(text, ensure_ascii=False)[:200])
    if not named:
        for key in ("explanation", "errorMessage", "displayValue"):
            if audit.get(key):
                named.append(str(audit[key]))
                break
    return named


def _flat_items(details: dict) -> list[dict]:
    """The rows of an audit's details, the sub-tables and sections of a list opened."""
    rows = []
    if details.get("type") == "checklist":  # {name: {label, value}}: the checks not passed
        checks = (details.get("items") or {}).values()
        return [{"type": "text", "value": check["label"]} for check in checks if not check["value"]]
    for item in details.get("items") or []:
        if not isinstance(item, dict):
            rows.append({"type": "text", "value": item})
        elif item.get("type") in ("table", "list"):
            rows += _flat_items(item)
        elif item.get("type") == "list-section":
            value = item.get("value") or {}
            if item.get("title") and value.get("type") == "text":
                rows.append({"type": "text", "value": f"{item['title']}: {value.get('value')}"})
            else:
                rows.append(value)
        else:
            rows.append(item)
    return rows


def _source(source: dict) -> str:
    """A source location: its address and line, or its text ([unattributed])."""
    if source.get("url"):
        return f"{source['url']}:{source.get('line', 0) + 1}"
    return str(source.get("value", source))


def _chain(chains: dict, depth: int = 0) -> list[str]:
    """A network dependency tree, one request a line, indented by its depth."""
    lines = []
    for request in chains.values():
        ends = request.get("navStartToEndTime", 0)
        size = request.get("transferSize", 0)
        lines.append(f"{'  ' * depth}{request.get('url')}  (ends at {ends:.0f} ms, {size} bytes)")
        lines += _chain(request.get("children") or {}, depth + 1)
    return lines


def print_table(results: dict[str, Result]) -> None:
    """The four scores of each page."""
    print(f"{'page':<44} " + " ".join(f"{SHORT[key]:>5}" for key in CATEGORIES))
    for name, result in results.items():
        label = f"{name} {urllib.parse.unquote(PAGES[name])}"
        if not result.scores:
            print(f"{label:<44} Lighthouse failed: {result.error.splitlines()[-1:]}")
            continue
        cells = " ".join(
            f"{'-' if result.scores[key] is None else result.scores[key]:>5}" for key in CATEGORIES
        )
        print(f"{label:<44} {cells}" + (f"  ({result.error})" if result.error else ""))


def print_failures(results: dict[str, Result]) -> None:
    """Every audit below 1 on some page: the pages, its score there and what it names."""
    audits: dict[str, list[tuple[str, Result]]] = {}
    for name, result in results.items():
        for key in failing(result):
            audits.setdefault(key, []).append((name, result))
    if not audits:
        print("\nevery audit scored 1 on every page")
        return
    print("\naudits below 1 (score on each page, then what Lighthouse names there):")
    for key in sorted(audits, key=lambda key: (-len(audits[key]), key)):
        pages = audits[key]
        first = pages[0][1]
        categories = ", ".join(first.categories_of[key])
        print(f"\n{key} [{categories}]: {first.audits[key]['title']}")
        for name, result in pages:
            audit = result.audits[key]
            shown = f" {audit['displayValue']}" if audit.get("displayValue") else ""
            print(
                f"  {name} {urllib.parse.unquote(PAGES[name])}: score {audit['score']:.2f}{shown}"
            )
            named = named_items(result.audits.get(NAMED_BY.get(key, key), audit))
            for line in named[:ITEMS_SHOWN]:
                print(f"      {line}")
            if len(named) > ITEMS_SHOWN:
                print(f"      ... and {len(named) - ITEMS_SHOWN} more")


def main() -> int:
    """Prepare the database, serve the site, run Lighthouse on each page and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lighthouse", help="Lighthouse's command (default: $LIGHTHOUSE or npx)")
    parser.add_argument(
        "--chromium",
        default=os.environ.get("CHROME_PATH") or shutil.which("chromium"),
        help="Chromium's binary (default: $CHROME_PATH or chromium from the PATH)",
    )
    parser.add_argument("--runs", type=int, default=1, help="runs per page; the median is kept")
    parser.add_argument(
        "--only", action="append", help="only the pages whose path contains this (repeatable)"
    )
    parser.add_argument("--reports", type=Path, help="keep the JSON reports in this folder")
    args = parser.parse_args()
    command = lighthouse_command(args.lighthouse)
    if not command:
        print("Lighthouse was not found: give its command with --lighthouse PATH or LIGHTHOUSE")
        return 0
    if not args.chromium:
        print("Chromium is not installed: give --chromium PATH or set CHROME_PATH")
        return 0
    version = subprocess.run([*command, "--version"], capture_output=True, text=True).stdout
    workers = makefile_workers()
    pages = {
        name: path
        for name, path in PAGES.items()
        if not args.only or any(part in urllib.parse.unquote(path) for part in args.only)
    }
    print(f"machine: {machine()}")
    print(f"server: gunicorn --preload --workers {workers} (the Makefile's WORKERS), as make run")
    print(f"Lighthouse {version.strip()}, mobile, {args.runs} run(s) per page, one page at a time")
    with tempfile.TemporaryDirectory(prefix="lighthouse-") as name:
        folder = Path(name)
        reports = args.reports or folder / "reports"
        reports.mkdir(parents=True, exist_ok=True)
        try:
            env = prepare(folder)
        except subprocess.CalledProcessError as error:
            command_line = " ".join(str(part) for part in error.cmd[1:])
            print(f"flask {command_line} failed:\n{error.stderr.decode()[-3000:]}")
            return 1
        results: dict[str, Result] = {}
        with served("barrierfree:create_app()", env, workers, folder / "gunicorn.log") as site:
            for page, path in pages.items():
                for _round in range(workers):  # warm, as a visited site is: templates, page cache
                    fetch(site + path)
                runs = [
                    audit_page(command, args.chromium, site + path, reports, f"{page}-{run}")
                    for run in range(args.runs)
                ]
                results[page] = median_run(runs)
                print(f"  done: {page}", file=sys.stderr, flush=True)
        print()
        print_table(results)
        print_failures(results)
        if args.reports:
            print(f"\nJSON reports in {reports}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
