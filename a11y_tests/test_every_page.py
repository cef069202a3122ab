"""Every crawled page in both languages and viewports, and every template in every display
mode too (A11Y_FULL=1: every page in every combination): axe-core finds nothing,
and the checks axe cannot make hold (one h1, lang, reflow, focus ring, target size, skip
link, live region, text spacing). The pages are loaded once; each check asserts apart."""

import threading
import zlib
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from .conftest import AXE_SCRIPT, MODES, SUMMARY, VIEWPORTS, chromium, resize, set_mode

AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
    },
    "resultTypes": ["violations", "incomplete"],
}
CHECKS = (
    "axe", "h1", "lang", "reflow", "targets", "focus", "skip", "live", "spacing", "title",
    "contrast",
)  # fmt: skip
AXE_RUN = (Path(__file__).parent / "axe_run.js").read_text()
PAGE_CHECKS = (Path(__file__).parent / "page_checks.js").read_text()
TEXT_SPACING = (Path(__file__).parent / "text_spacing.js").read_text()


def expected_lang(path: str) -> str:
    """The <html lang> a path must have."""
    return "en" if path == "/en" or path.startswith("/en/") else "zh-CN"


def minimums(mode: str) -> tuple[int, int, float]:
    """Minimum target size, focus-outline width and text contrast for a display mode."""
    return (
        60 if "large" in mode else 44,
        4 if mode != "default" else 3,
        12 if "contrast" in mode else 7,
    )


@pytest.fixture(scope="session")
def sweep(site, pages):
    """Load the pages in every combination once; collect each check's findings.

    Every page in the default mode at both widths, the samples (one page per template) in
    the other modes too, and the chosen states in large text with high contrast. Two
    browsers share the work, one for each core: each takes the next page as it finishes one,
    so that neither waits at the end for the other to finish a longer half.
    """
    findings: dict[str, list[str]] = {name: [] for name in CHECKS}
    incomplete: Counter = Counter()
    work = [(mode, path) for mode in MODES for path in pages_in(pages, mode)]
    todo = iter(work)  # a list's iterator gives each item to one thread only
    with ThreadPoolExecutor(max_workers=2) as pool:
        for run_findings, run_incomplete in pool.map(
            lambda _: check_pages(site["url"], todo, staff=site["staff"]), range(2)
        ):
            for name, items in run_findings.items():
                findings[name] += items
            incomplete += run_incomplete
    languages = Counter("en" if p.startswith("/en") else "zh" for p in pages.all)
    SUMMARY.append(
        f"{len(work) * len(VIEWPORTS)} page/mode/language/viewport combinations checked: "
        f"{len(pages.all)} pages (zh {languages['zh']}, en {languages['en']}) "
        f"x {len(VIEWPORTS)} viewports in the default mode, {len(pages.samples)} of them "
        f"(one per template) x {len(MODES) - 1} other display modes x {len(VIEWPORTS)} "
        f"viewports, and {len(pages.states)} more chosen states (errors, filters, posted "
        f"pages) in large text with high contrast x {len(VIEWPORTS)} viewports; "
        "A11Y_FULL=1 checks every page in every combination"
    )
    if incomplete:
        SUMMARY.append(
            "axe 'incomplete' results for a person to review (rule: nodes): "
            + ", ".join(f"{rule}: {count}" for rule, count in incomplete.most_common())
        )
    return findings


def pages_in(pages, mode: str) -> list[str]:
    """The pages one display mode checks (see `sweep`)."""
    if mode == "default":
        return pages.all
    return pages.samples + (pages.states if mode == "large+contrast" else [])


def check_pages(base_url: str, work: Iterable[tuple[str, str]], staff=None):
    """Run axe and the in-page checks over each (mode, path) at both widths, signed in to
    the back office with the `staff` client's cookie.

    A page is loaded once and checked at one width, then the window is resized and it is
    checked at the other: loading costs about a quarter of a page's time. Half the pages
    open on a phone-sized screen and half are narrowed to one after opening (as a window
    is, or text zoomed), and the other way round for the wide screen. Which way a page
    goes is fixed by its mode and path (`opening_width`), so a finding reproduces however
    the pages are chosen (A11Y_ONLY, A11Y_EVERY) or shared out.
    """
    findings: dict[str, list[str]] = {name: [] for name in CHECKS}
    incomplete: Counter = Counter()
    width = next(iter(VIEWPORTS))
    driver = chromium(*VIEWPORTS[width])
    try:
        # axe-core is in every page the browser opens from the start, rather than sent
        # over the driver after each load: a fifth of the sweep's time.
        source = AXE_SCRIPT.read_text(encoding="utf-8")
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": source})
        mode_set = None
        for mode, path in work:
            if mode != mode_set:
                set_mode(driver, base_url, mode, staff)
                mode_set = mode
            opening = opening_width(mode, path)
            reached = resize(driver, *VIEWPORTS[opening]) if opening != width else int(width)
            driver.get(base_url + path)
            for width in (opening, *(w for w in VIEWPORTS if w != opening)):
                resized = width != opening
                if resized:
                    reached = resize(driver, *VIEWPORTS[width])
                where = f"{path} [{mode}, {width}px{', resized' if resized else ''}]"
                if reached != int(width):
                    findings["reflow"].append(f"{where}: the window stayed {reached}px wide")
                check_page(driver, findings, incomplete, where, path, mode, width)
    finally:
        driver.quit()
    return findings, incomplete


def opening_width(mode: str, path: str) -> str:
    """The width a page is loaded at, before it is resized to the other: half the pages
    each way, the same on every run."""
    widths = list(VIEWPORTS)
    return widths[zlib.crc32(f"{mode} {path}".encode()) % len(widths)]


def check_page(driver, findings, incomplete, where, path, mode, viewport) -> None:
    """Check the page the browser shows, filing what is found under each check."""
    axe = driver.execute_async_script(AXE_RUN, AXE_OPTIONS)
    if "error" in axe:
        findings["axe"].append(f"{where}: axe could not run: {axe['error']}")
    for rule in axe.get("violations", []):
        findings["axe"].append(f"{where}: {rule['id']} ({'; '.join(rule['targets'])})")
    for rule in axe.get("incomplete", []):
        incomplete[rule["id"]] += rule["nodes"]
    page = driver.execute_script(PAGE_CHECKS, *minimums(mode))
    record(findings, where, path, page, viewport)
    if mode == "default":
        spacing = driver.execute_script(TEXT_SPACING)
        if spacing["clipped"] or spacing["overflow"] > 0:
            findings["spacing"].append(f"{where}: {spacing}")


def record(findings: dict, where: str, path: str, page: dict, viewport: str) -> None:
    """File one page's in-browser check results under each check."""
    if page["h1"] != 1:
        findings["h1"].append(f"{where}: {page['h1']} h1 elements")
    if page["lang"] != expected_lang(path):
        findings["lang"].append(f"{where}: lang={page['lang']!r}")
    findings["lang"] += [f"{where}: Chinese without lang: {t!r}" for t in page["untaggedChinese"]]
    if viewport == "320" and page["overflow"] > 0:
        findings["reflow"].append(f"{where}: {page['overflow']}px wider than the viewport")
    findings["targets"] += [f"{where}: {t}" for t in page["smallTargets"]]
    findings["focus"] += [f"{where}: {f}" for f in page["noFocusRing"]]
    if not page["skipLinkFirst"]:
        findings["skip"].append(where)
    if not page["liveRegion"]:
        findings["live"].append(where)
    findings["contrast"] += [f"{where}: {item}" for item in page["lowContrast"]]
    if " - " not in page["title"]:
        findings["title"].append(f"{where}: {page['title']!r}")


def report(items: list[str]) -> str:
    """The first findings, for the assertion message."""
    return f"{len(items)} found:\n" + "\n".join(items[:40])


def test_axe_finds_no_violations(sweep):
    assert not sweep["axe"], report(sweep["axe"])


def test_every_page_has_exactly_one_h1(sweep):
    assert not sweep["h1"], report(sweep["h1"])


def test_html_lang_matches_the_language_of_the_url(sweep):
    assert not sweep["lang"], report(sweep["lang"])


def test_no_horizontal_scroll_at_320_px(sweep):
    assert not sweep["reflow"], report(sweep["reflow"])


def test_every_target_is_big_enough_for_the_mode(sweep):
    assert not sweep["targets"], report(sweep["targets"])


def test_every_focusable_element_shows_a_focus_ring(sweep):
    assert not sweep["focus"], report(sweep["focus"])


def test_skip_link_is_the_first_tab_stop_on_every_page(sweep):
    assert not sweep["skip"], report(sweep["skip"])


def test_every_page_has_the_live_region_before_any_change(sweep):
    assert not sweep["live"], report(sweep["live"])


def test_text_spacing_overrides_clip_nothing(sweep):
    assert not sweep["spacing"], report(sweep["spacing"])


def test_every_title_names_page_and_site(sweep):
    assert not sweep["title"], report(sweep["title"])


def test_the_site_logged_no_error_while_checked(site, sweep):
    """A page can pass every check and still be the site saying it failed: a search that
    broke on every English query showed "search is unavailable", accessibly."""
    errors = site["errors"]
    assert not errors, report(errors)


def test_text_contrast_meets_the_mode(sweep):
    """7 : 1 (AAA) in the default and large-text modes, 12 : 1 in high contrast."""
    assert not sweep["contrast"], report(sweep["contrast"])


class QuietHandler(SimpleHTTPRequestHandler):
    """Serves a folder without writing every request to the test output."""

    def log_message(self, format, *args) -> None:
        pass


def test_the_sweep_names_the_faults_of_a_broken_page(tmp_path):
    """A page made to fail, checked as the sweep checks the site's: a sweep that stopped
    seeing (axe not running, a result read wrongly) would otherwise pass every page."""
    broken = '<!doctype html><html><title>坏页面</title><img src="a.png"><p>没有标题</p></html>'
    (tmp_path / "broken.html").write_text(broken, encoding="utf-8")
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=tmp_path))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base_url = f"http://127.0.0.1:{server.server_port}"
        findings, _ = check_pages(base_url, [("default", "/broken.html")])
    finally:
        server.shutdown()
        server.server_close()
    axe_rules = " ".join(findings["axe"])
    assert "image-alt" in axe_rules and "html-has-lang" in axe_rules, findings["axe"]
    for check in ("h1", "lang", "skip", "live", "title"):
        assert findings[check], f"{check} found nothing on the broken page"
    # Checked at both widths from one load: this path opens narrow, on every run, and is
    # then widened.
    assert findings["h1"] == [
        "/broken.html [default, 320px]: 0 h1 elements",
        "/broken.html [default, 1280px, resized]: 0 h1 elements",
    ]
    assert not findings["reflow"], findings["reflow"]
