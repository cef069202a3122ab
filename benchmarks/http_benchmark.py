"""HTTP benchmark: prints figures, asserts nothing (timing never goes into a unit test).

Run with `.venv/bin/python benchmarks/http_benchmark.py [--seconds 10]` from the repository
root. It prepares a database in a temporary folder (`flask db upgrade`, `flask content
load`, `flask search rebuild`), serves the site as `make run` does (gunicorn, `--preload`,
the Makefile's WORKERS) and, beside it, a bare Flask app that renders the home page's HTML
as a Jinja template: the floor any Flask page stands on. 32 clients ask for each page for
`--seconds`, then as long for the bare app's page; it prints requests per second, the
median and 99th percentile time of a request, each page's throughput as a share of the bare
app's measured just after it, and whether the page meets its targets.

`--in-process` prints only each page's time in the process (Flask's test client, no server or
clients), the figures the comparison ends with.

`--publishing` instead puts 64 clients on the public pages for `--seconds` (default 60)
while a publisher signed in to the back office publishes or withdraws an update every
second; it prints the errors (answers other than 2xx and 3xx), which must be 0.

The clients are wrk when it is installed (`--python-clients` to use the others anyway),
otherwise threads of this process on http.client, which gave more requests per second than
an asyncio client on a 2-CPU machine. Either shares the CPUs with the servers, and the
figures include that.
"""

import argparse
import http.client
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookiejar import CookieJar
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent  # the virtual environment's flask and gunicorn
HOST = "127.0.0.1"
TIMEOUT = 30  # seconds a client waits for an answer before counting an error

PAGES = {
    "home": "/",
    "service": "/services/disability-certificate",
    "finder": "/facilities/",
    "search": "/search?q=" + urllib.parse.quote("康复"),
    "plan": "/plan/",
}
# Pages the publisher's changes show on, read while it publishes.
PUBLIC_WHILE_PUBLISHING = (*PAGES.values(), "/updates/", "/updates/feed.atom", "/sitemap.xml")

# The bare app's page: the home page's HTML, in a file named by this variable.
BARE_PAGE = "HTTP_BENCHMARK_BARE_PAGE"

PUBLISHER = "benchmark-publisher"
PASSWORD = "a benchmark publishes every second"
UPDATE = {
    "slug": "benchmark-notice",
    "kind": "notice",
    "title": "性能测试通知",
    "summary": "这是性能测试自动发布和撤回的通知。",
    "body": "## 说明\n\n这条通知由性能测试每秒发布或撤回一次。\n",
}


def bare_app():
    """A Flask app with one page, the home page's HTML compiled once as a Jinja template;
    gunicorn builds it from this module (`http_benchmark:bare_app()`)."""
    from flask import Flask, render_template

    app = Flask("bare")
    template = app.jinja_env.from_string(Path(os.environ[BARE_PAGE]).read_text("utf-8"))
    app.add_url_rule("/", "home", lambda: render_template(template))
    return app


# --- The machine and the servers -------------------------------------------------------------


def machine() -> str:
    """CPU count and model, Python and gunicorn versions, and how busy the CPUs already are."""
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown CPU",
    )
    load = ", ".join(f"{figure:.1f}" for figure in os.getloadavg())
    return (
        f"{os.cpu_count()} CPUs ({model}), Python {platform.python_version()}, "
        f"gunicorn {version('gunicorn')}; load average before the run {load}"
    )


def makefile_workers() -> int:
    """The number of gunicorn workers `make run` starts (the Makefile's WORKERS)."""
    found = re.search(r"^WORKERS \?= (\d+)$", (ROOT / "Makefile").read_text(), re.MULTILINE)
    return int(found.group(1))


def free_port() -> int:
    """A TCP port nothing listens on now."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def prepare(folder: Path) -> dict[str, str]:
    """A database and search index in `folder`, made as `make run` makes them, and the
    publisher's account; return the environment that points the site at them."""
    env = {
        **os.environ,
        "FLASK_APP": "barrierfree",
        "BARRIERFREE_SECRET_KEY": "benchmark",
        "BARRIERFREE_SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'barrierfree.sqlite'}",
        "BARRIERFREE_SEARCH_INDEX_DIR": str(folder / "search-index"),
        "BARRIERFREE_UPLOAD_DIR": str(folder / "uploads"),
    }
    for command in (
        ["db", "upgrade"],
        ["content", "load"],
        ["search", "rebuild"],
        ["staff", "create-admin", "--username", PUBLISHER, "--name", "Benchmark",
         "--password", PASSWORD],
    ):  # fmt: skip
        subprocess.run([BIN / "flask", *command], env=env, check=True, capture_output=True)
    return env


@contextmanager
def served(app: str, env: dict[str, str], workers: int, log: Path) -> Iterator[str]:
    """Serve `app` with gunicorn as `make run` does, on a free port; yield its base URL.
    The access log goes nowhere and gunicorn's own messages to `log`."""
    port = free_port()
    command = [
        BIN / "gunicorn", "--preload", "--workers", str(workers), "--bind", f"{HOST}:{port}",
        "--access-logfile", "-", "--no-control-socket", "--limit-request-line", "8190",
        "--pythonpath", str(Path(__file__).parent), app,
    ]  # fmt: skip
    with log.open("w") as messages:
        server = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=messages, cwd=ROOT
        )
    base = f"http://{HOST}:{port}"
    try:
        _wait_for(base, server, log)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def _wait_for(base: str, server: subprocess.Popen, log: Path) -> None:
    """Return once the server answers; fail with its messages when it stopped or a minute
    passed."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and server.poll() is None:
        try:
            with urllib.request.urlopen(base + "/", timeout=5):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"gunicorn did not start:\n{log.read_text()[-3000:]}")


def fetch(url: str) -> bytes:
    """One page's body."""
    with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
        return response.read()


# --- The clients ------------------------------------------------------------------------------


@dataclass
class Load:
    """What the clients measured: requests done, errors, and each request's time in ms."""

    seconds: float
    requests: int = 0
    errors: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    p50_ms: float | None = None
    p99_ms: float | None = None

    @property
    def per_second(self) -> float:
        """Requests answered per second."""
        return self.requests / self.seconds

    def percentiles(self) -> None:
        """Fill the median and 99th percentile from the latencies."""
        ordered = sorted(self.latencies_ms)
        if ordered:
            self.p50_ms = ordered[len(ordered) // 2]
            self.p99_ms = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]


@dataclass(frozen=True)
class Clients:
    """The load generator: wrk, or threads of this process."""

    wrk: bool

    def drive(self, base: str, paths: list[str], count: int, seconds: int) -> Load:
        """Send GETs for `paths` in turn from `count` concurrent clients for `seconds`."""
        if self.wrk:
            return drive_with_wrk(base, paths, count, seconds)
        return drive_with_threads(base, paths, count, seconds)

    def describe(self, count: int) -> str:
        """Who sends the requests, for the report."""
        if self.wrk:
            return f"{count} connections from wrk"
        return f"{count} threads of this Python process (http.client)"


def drive_with_threads(base: str, paths: list[str], clients: int, seconds: int) -> Load:
    """The load from `clients` threads, each with its own http.client connection.

    Each connection asks to be kept alive; gunicorn's sync workers close it after every
    answer, and http.client then opens a new one, whose time the request includes.
    """
    host, port = urllib.parse.urlsplit(base).netloc.split(":")
    start = time.monotonic()
    deadline = start + seconds
    loads = [Load(seconds) for _ in range(clients)]

    def client(number: int, load: Load) -> None:
        connection = http.client.HTTPConnection(host, int(port), timeout=TIMEOUT)
        turn = number
        while (sent := time.monotonic()) < deadline:
            try:
                connection.request("GET", paths[turn % len(paths)])
                response = connection.getresponse()
                response.read()
                if not 200 <= response.status < 400:
                    load.errors += 1
            except (OSError, http.client.HTTPException):
                load.errors += 1
                connection.close()
            load.requests += 1
            load.latencies_ms.append((time.monotonic() - sent) * 1000)
            turn += 1
        connection.close()

    threads = [threading.Thread(target=client, args=pair) for pair in enumerate(loads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    total = Load(time.monotonic() - start)
    for load in loads:
        total.requests += load.requests
        total.errors += load.errors
        total.latencies_ms += load.latencies_ms
    total.percentiles()
    return total


# wrk takes one URL; this script sends the paths in turn from each connection.
WRK_SCRIPT = """
paths = {%s}
turn = 0
request = function()
  turn = turn %% #paths + 1
  return wrk.format("GET", paths[turn])
end
"""
# wrk writes times as a number and a unit, e.g. 953.75ms or 1.09s.
WRK_TIME = r"([\d.]+)(us|ms|s|m)\b"
WRK_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def drive_with_wrk(base: str, paths: list[str], clients: int, seconds: int) -> Load:
    """The load from wrk, its figures read from its report."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(WRK_SCRIPT % ", ".join(f'"{path}"' for path in paths))
        script.flush()
        threads = str(min(clients, os.cpu_count() or 1))
        report = subprocess.run(
            ["wrk", "--threads", threads, "--connections", str(clients), "--duration",
             f"{seconds}s", "--timeout", f"{TIMEOUT}s", "--latency", "--script", script.name,
             base],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip

    def count(pattern: str) -> list[int]:
        found = re.search(pattern, report)
        return [int(number) for number in found.groups()] if found else [0]

    def milliseconds(pattern: str) -> float:
        value, unit = re.search(pattern + WRK_TIME, report).groups()
        return float(value) * WRK_UNITS_MS[unit]

    load = Load(milliseconds(r"\d+ requests in ") / 1000, requests=count(r"(\d+) requests in")[0])
    load.errors = sum(
        count(r"Non-2xx or 3xx responses: (\d+)")
        + count(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")
    )
    load.p50_ms = milliseconds(r"\s50%\s+")
    load.p99_ms = milliseconds(r"\s99%\s+")
    return load


# --- The publisher ----------------------------------------------------------------------------


class Forms(HTMLParser):
    """The forms of a page: each one's action and the fields a browser would send from it,
    without its buttons."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.forms: list[tuple[dict, dict[str, str]]] = []
        self._select: str | None = None
        self._textarea: str | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        """Start a form, or add a field to the current one."""
        attributes = dict(attrs)
        if tag == "form":
            self.forms.append((attributes, {}))
            return
        name = attributes.get("name")
        fields = self.forms[-1][1] if self.forms else {}
        if tag == "option" and self._select:
            if self._select not in fields or "selected" in attributes:
                fields[self._select] = attributes.get("value", "")
        elif not name:
            return
        elif tag == "input" and attributes.get("type") not in ("submit", "button"):
            if attributes.get("type") not in ("checkbox", "radio") or "checked" in attributes:
                fields[name] = attributes.get("value", "")
        elif tag == "textarea":
            self._textarea = name
            fields[name] = ""
        elif tag == "select":
            self._select = name

    def handle_endtag(self, tag: str) -> None:
        """End a select or a textarea."""
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        """A textarea's text (without the newline HTML drops after the start tag)."""
        if self._textarea:
            fields = self.forms[-1][1]
            text = fields[self._textarea] + data
            fields[self._textarea] = text.removeprefix("\n")

    def fields(self, action_ends: str = "", form_id: str = "") -> dict[str, str]:
        """The fields of the first form whose action ends with `action_ends` (and with id
        `form_id`, when given)."""
        for attributes, fields in self.forms:
            if attributes.get("action", "").endswith(action_ends) and (
                not form_id or attributes.get("id") == form_id
            ):
                return dict(fields)
        raise LookupError(f"no form {form_id or action_ends!r} on the page")


class Publisher:
    """A publisher in the back office, publishing and withdrawing one update by its forms."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        self.edit_path = ""
        self.edit_page = ""  # the update's edit page as the last change left it
        self.live = False

    def open(self, path: str, fields: dict | None = None) -> tuple[str, str]:
        """GET `path`, or POST `fields` to it, following redirects; the final path and page."""
        data = urllib.parse.urlencode(fields).encode() if fields is not None else None
        with self.browser.open(self.base + path, data=data, timeout=TIMEOUT) as response:
            return urllib.parse.urlsplit(response.url).path, response.read().decode()

    def sign_in(self) -> None:
        """Sign in with the account `prepare` made."""
        _path, page = self.open("/staff/sign-in")
        fields = Forms(page).fields("/staff/sign-in")
        path, _page = self.open(
            "/staff/sign-in", {**fields, "username": PUBLISHER, "password": PASSWORD}
        )
        if path != "/staff/":
            raise SystemExit(f"signing in to the back office failed (at {path})")

    def create(self) -> None:
        """Write the update and publish it."""
        _path, page = self.open("/staff/updates/new")
        fields = Forms(page).fields(form_id="edit-form")
        self.edit_path, self.edit_page = self.open(
            "/staff/updates/new", {**fields, **UPDATE, "action": "publish"}
        )
        if not re.fullmatch(r"/staff/updates/\d+", self.edit_path):
            raise SystemExit(f"publishing the update failed (at {self.edit_path})")
        self.live = True

    def toggle(self) -> None:
        """Withdraw the update when it is public, publish it again when it is not: send the
        form of the edit page (the answer to the previous change, so it is one request)."""
        if not self.edit_page:
            self.reload()
        forms = Forms(self.edit_page)
        if self.live:
            _path, self.edit_page = self.open(
                self.edit_path + "/withdraw", forms.fields("/withdraw")
            )
        else:
            fields = forms.fields(form_id="edit-form")
            _path, self.edit_page = self.open(self.edit_path, {**fields, "action": "publish"})
        self.live = not self.live

    def reload(self) -> None:
        """Read the edit page again, and from it whether the update is public (it has a
        withdrawal form): after a change that failed, the page kept may be out of date."""
        _path, self.edit_page = self.open(self.edit_path)
        forms = Forms(self.edit_page).forms
        self.live = any(form.get("action", "").endswith("/withdraw") for form, _ in forms)

    def public_status(self) -> int:
        """The HTTP status of the update's public page."""
        try:
            with urllib.request.urlopen(f"{self.base}/updates/{UPDATE['slug']}", timeout=TIMEOUT):
                return 200
        except urllib.error.HTTPError as error:
            return error.code


@dataclass
class Publishing:
    """What the publisher did: how long each change took (the change and the look at the
    public page), and the changes that failed or did not show."""

    seconds: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def publish_every_second(publisher: Publisher, until: float) -> Publishing:
    """Toggle the update every second until `until`, checking the public page each time."""
    done = Publishing()
    while (moment := time.monotonic()) < until:
        try:
            publisher.toggle()
            expected = 200 if publisher.live else 404
            if publisher.public_status() != expected:
                done.failures.append(f"the update's page did not answer {expected}")
            done.seconds.append(time.monotonic() - moment)
        except (OSError, LookupError) as error:
            done.failures.append(str(error))
            publisher.edit_page = ""
        time.sleep(max(0.0, moment + 1 - time.monotonic()))
    return done


# --- The runs ---------------------------------------------------------------------------------


def warm(base: str, paths: list[str], workers: int) -> None:
    """Ask for each page a few times, so that every worker has compiled its templates."""
    for path in paths:
        for _round in range(2 * workers):
            fetch(base + path)


# The targets each page is measured against (README, Performance): a share of the bare
# app's requests per second, cached and uncached, and the 99th percentile time of a request.
SHARE_TARGET = {"cached": 1.0, "uncached": 0.8}
P99_TARGET_MS = 50


def row(name: str, load: Load, bare: Load | None = None, label: str = "") -> str:
    """One line of the table; a page of the site also gives the bare app's figure measured
    just after it, its share of that, and whether it meets its targets."""
    figures = f"{name:<50} {load.per_second:7.0f} {load.p50_ms:7.1f} {load.p99_ms:7.1f}"
    if bare is None:
        return f"{figures} {load.errors:>6}"
    share = load.per_second / bare.per_second
    return (
        f"{figures} {bare.per_second:7.0f} {share:7.0%} {load.errors:>6}  "
        f"{verdict(load, share, SHARE_TARGET[label])}"
    )


def verdict(load: Load, share: float, target: float) -> str:
    """Say "met", or which targets the page misses and by how much."""
    missed = []
    if share < target:
        missed.append(f"{share:.1%} of the bare app < {target:.0%}")
    if load.p99_ms is None or load.p99_ms >= P99_TARGET_MS:
        missed.append(f"p99 {load.p99_ms or 0:.0f} ms >= {P99_TARGET_MS}")
    if load.errors:
        missed.append(f"{load.errors} errors")
    return "met" if not missed else "missed: " + "; ".join(missed)


FIGURES = f"{'page':<50} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7}"
COMPARED = (
    f"{FIGURES} {'bare':>7} {'share':>7} {'errors':>6}  targets (cached >= "
    f"{SHARE_TARGET['cached']:.0%} of the bare app, uncached >= "
    f"{SHARE_TARGET['uncached']:.0%}, p99 < {P99_TARGET_MS} ms)"
)


@dataclass(frozen=True)
class Run:
    """What a run needs: the environment and folder `prepare` made, the number of workers,
    the seconds to run for and the load generator."""

    env: dict[str, str]
    folder: Path
    workers: int
    seconds: int
    clients: Clients

    @contextmanager
    def site(self, app: str = "barrierfree:create_app()", **env: str) -> Iterator[str]:
        """`app` served with the run's settings; yield its base URL."""
        log = self.folder / f"{app.partition(':')[0]}.log"
        with served(app, {**self.env, **env}, self.workers, log) as base:
            yield base


def compare(run: Run) -> int:
    """Each page of the site under load, with its page cache and without, each followed at
    once by the bare app, which runs beside the site all along; print the table.

    The bare app's rate drifts by a quarter over a run on a shared machine: measured just
    after each page, it is a baseline taken under the same conditions as the page's figure.
    """
    clients = 32
    print(f"load: {run.clients.describe(clients)}, {run.seconds} s per page and as long on the")
    print("bare app after it, on the same CPUs as the servers; no Accept-Encoding, so no page")
    print("is compressed")
    rows = []
    home = run.folder / "home.html"
    with ExitStack() as bare_running:
        bare_site = None
        for cache in ("true", "false"):
            label = "cached" if cache == "true" else "uncached"
            with run.site(BARRIERFREE_PAGE_CACHE=cache) as site:
                if bare_site is None:
                    home.write_bytes(fetch(site + "/"))
                    bare_site = bare_running.enter_context(
                        run.site("http_benchmark:bare_app()", **{BARE_PAGE: str(home)})
                    )
                    warm(bare_site, ["/"], run.workers)
                warm(site, list(PAGES.values()), run.workers)
                for name, path in PAGES.items():
                    load = run.clients.drive(site, [path], clients, run.seconds)
                    bare = run.clients.drive(bare_site, ["/"], clients, run.seconds)
                    rows.append(
                        (f"{name} {urllib.parse.unquote(path)}, {label}", load, bare, label)
                    )
    print(COMPARED)
    for name, load, bare, label in rows:
        print(row(name, load, bare, label))
    rates = sorted(bare.per_second for _name, _load, bare, _label in rows)
    print(f"bare Flask + Jinja (the home page's HTML): {rates[0]:.0f}-{rates[-1]:.0f} req/s")
    in_the_process(run, home)
    return 0


def in_the_process(run: Run, home: Path) -> None:
    """Each page's time in the process, without server or clients (Flask's test client, the
    best of five batches): what a request costs the app itself, cached and uncached, and
    the bare app's render beside it."""
    os.environ.update(run.env)
    os.environ[BARE_PAGE] = str(home)
    from barrierfree import create_app

    def best_ms(client, path: str, batch: int = 20) -> float:
        for _warm in range(5):
            client.get(path)
        times = []
        for _batch in range(5):
            start = time.perf_counter()
            for _request in range(batch):
                client.get(path)
            times.append((time.perf_counter() - start) / batch * 1000)
        return min(times)

    apps = {label: create_app({"PAGE_CACHE": label == "cached"}) for label in SHARE_TARGET}
    if not home.exists():  # --in-process alone: the home page as the site renders it
        home.write_bytes(apps["uncached"].test_client().get("/").get_data())
    print("in the process (Flask's test client, best of five batches of 20), ms a request:")
    print(f"{'page':<50} {'cached':>7} {'uncached':>9}")
    for name, path in PAGES.items():
        cached, uncached = (best_ms(app.test_client(), path) for app in apps.values())
        print(f"{name + ' ' + urllib.parse.unquote(path):<50} {cached:7.2f} {uncached:9.2f}")
    bare = best_ms(bare_app().test_client(), "/")
    print(f"{'bare Flask + Jinja (the home page HTML)':<50} {bare:7.2f}")


def publishing(run: Run) -> int:
    """The public pages under load while a publisher works; print the errors (must be 0)."""
    clients = 64
    paths = list(PUBLIC_WHILE_PUBLISHING)
    who = run.clients.describe(clients)
    print(f"load: {who} for {run.seconds} s, {len(paths)} pages in turn,")
    print("while a publisher publishes or withdraws an update in the back office every second")
    with run.site() as site:
        publisher = Publisher(site)
        publisher.sign_in()
        publisher.create()
        warm(site, paths, run.workers)
        result: list[Publishing] = []
        until = time.monotonic() + run.seconds
        thread = threading.Thread(
            target=lambda: result.append(publish_every_second(publisher, until))
        )
        thread.start()
        load = run.clients.drive(site, paths, clients, run.seconds)
        thread.join()
    done = result[0]
    print(f"{FIGURES} {'errors':>6}")
    print(row("public pages", load))
    median = sorted(done.seconds)[len(done.seconds) // 2] if done.seconds else 0
    print(
        f"publications and withdrawals: {len(done.seconds)}, {median:.1f} s each (median; "
        f"they queue behind the clients), failed: {len(done.failures)}"
    )
    for failure in sorted(set(done.failures)):
        print(f"  {failure}")
    errors = load.errors + len(done.failures)
    print(f"errors: {errors} (must be 0)")
    return 1 if errors else 0


def main() -> int:
    """Prepare the database, then run the comparison or the publishing run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, help="per page; default 10 (60 --publishing)")
    parser.add_argument(
        "--publishing", action="store_true", help="64 clients while an update is published"
    )
    parser.add_argument(
        "--python-clients", action="store_true", help="threads of this process even with wrk"
    )
    parser.add_argument(
        "--in-process", action="store_true", help="only each page's time in the process"
    )
    args = parser.parse_args()
    workers = makefile_workers()
    clients = Clients(wrk=bool(shutil.which("wrk")) and not args.python_clients)
    print(f"machine: {machine()}")
    print(f"server: gunicorn --preload --workers {workers} (the Makefile's WORKERS), as make run")
    with tempfile.TemporaryDirectory(prefix="http-bench-") as name:
        folder = Path(name)
        seconds = args.seconds or (60 if args.publishing else 10)
        run = Run(prepare(folder), folder, workers, seconds, clients)
        if args.in_process:
            in_the_process(run, folder / "home.html")
            return 0
        return publishing(run) if args.publishing else compare(run)


if __name__ == "__main__":
    sys.exit(main())
