"""The sample nginx site in deploy/ is valid nginx (checked with `nginx -t` when nginx is
installed) and matches what the app expects of its proxy."""

import http.client
import os
import re
import shlex
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

import pytest
from barrierfree import PROJECT_ROOT
from barrierfree.content.files import read_yaml
from barrierfree.feedback import photos
from barrierfree.feedback.views import MAX_BODY_BYTES
from werkzeug.serving import make_server

SAMPLE = PROJECT_ROOT / "deploy" / "nginx.conf"
# nginx's own pages (502, 503, 504; 413), and where the sample has nginx take them from.
ERROR_PAGES = PROJECT_ROOT / "deploy" / "errors"
INSTALLED_ERROR_PAGES = "/usr/local/share/barrierfree/errors/"
# The W3C Nu HTML Checker (npm's vnu-jar), run with Java.
VNU = PROJECT_ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


NEEDS_NGINX = pytest.mark.skipif(not Path(NGINX).exists(), reason="nginx is not installed")
# The headers the app sets on every response it makes (security.add_security_headers).
SECURITY_HEADERS = (
    "Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy",
    "Permissions-Policy", "Strict-Transport-Security",
)  # fmt: skip


def nginx_config(folder: Path, site: str) -> Path:
    """A main nginx.conf in `folder` that serves `site` (the sample, changed as a test
    needs) with a certificate made for it: the path of nginx.conf."""
    key, certificate = folder / "site.key", folder / "site.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=www.example.gov.cn", "-keyout", str(key), "-out", str(certificate)],
        check=True, capture_output=True,
    )  # fmt: skip
    site = re.sub(r"ssl_certificate \S+;", f"ssl_certificate {certificate};", site)
    site = re.sub(r"ssl_certificate_key \S+;", f"ssl_certificate_key {key};", site)
    (folder / "site.conf").write_text(site, encoding="utf-8")
    main = folder / "nginx.conf"
    main.write_text(
        f"pid {folder}/nginx.pid;\nerror_log stderr;\nevents {{}}\n"
        f"http {{\n  access_log off;\n  include {folder}/site.conf;\n}}\n",
        encoding="utf-8",
    )
    return main


def served_from_the_checkout(site: str) -> str:
    """The sample `site`, its error pages taken from deploy/errors/ where it is installed."""
    assert f"alias {INSTALLED_ERROR_PAGES};" in site
    return site.replace(f"alias {INSTALLED_ERROR_PAGES};", f"alias {ERROR_PAGES}/;")


@NEEDS_NGINX
def test_the_sample_site_passes_nginx_t(tmp_path):
    main = nginx_config(tmp_path, SAMPLE.read_text(encoding="utf-8"))
    result = subprocess.run(
        [NGINX, "-t", "-p", str(tmp_path), "-c", str(main)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


# The default site of Debian's nginx package (sites-available/default, linked from
# sites-enabled/), as far as nginx -t is concerned: a default server for port 80.
DEBIAN_DEFAULT_SITE = """server {
    listen 80 default_server;
    listen [::]:80 default_server;
    root /var/www/html;
    server_name _;
    location / { try_files $uri $uri/ =404; }
}
"""


def readme_commands(first: str) -> list[str]:
    """The lines of the README's shell block that begins with the command `first`."""
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^```sh\n(.*?)^```", readme, re.MULTILINE | re.DOTALL)
    (block,) = [block for block in blocks if block.startswith(first)]
    return block.splitlines()


@NEEDS_NGINX
def test_the_readme_s_steps_make_the_sample_pass_nginx_t_on_debian_s_nginx(tmp_path):
    """Put beside Debian's own default site, as the README said, nginx -t failed: "a
    duplicate default server for 0.0.0.0:80". The README's steps take that site away first,
    then install the sample and its pages where the sample says."""
    commands = readme_commands("rm /etc/nginx/sites-enabled/default")
    assert commands[0] == "rm /etc/nginx/sites-enabled/default"
    assert "install -m 644 deploy/nginx.conf /etc/nginx/conf.d/barrierfree.conf" in commands[1]
    assert f"install -m 644 deploy/errors/*.html {INSTALLED_ERROR_PAGES}" in commands
    assert commands[-1] == "nginx -t && systemctl reload nginx"
    etc = tmp_path / "etc"
    (etc / "conf.d").mkdir(parents=True)
    (etc / "sites-enabled").mkdir()
    (etc / "sites-enabled" / "default").write_text(DEBIAN_DEFAULT_SITE, encoding="utf-8")
    main = nginx_config(tmp_path, SAMPLE.read_text(encoding="utf-8"))
    (tmp_path / "site.conf").rename(etc / "conf.d" / "barrierfree.conf")
    main.write_text(  # Debian's nginx.conf includes both folders in this order
        f"pid {tmp_path}/nginx.pid;\nerror_log stderr;\nevents {{}}\n"
        f"http {{\n  include {etc}/conf.d/*.conf;\n  include {etc}/sites-enabled/*;\n}}\n",
        encoding="utf-8",
    )

    def nginx_t() -> subprocess.CompletedProcess:
        return subprocess.run(
            [NGINX, "-t", "-p", str(tmp_path), "-c", str(main)], capture_output=True, text=True
        )

    assert "duplicate default server" in nginx_t().stderr
    (etc / "sites-enabled" / "default").unlink()  # the README's first step
    result = nginx_t()
    assert result.returncode == 0, result.stderr


class PageText(HTMLParser):
    """An error page read as a browser would: its languages, headings, text and tags."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.languages: list[tuple[str, str]] = []  # (tag, lang)
        self.attributes: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Each tag, its lang when it has one, and every attribute's name."""
        self.tags.append(tag)
        self.attributes += [name for name, _value in attrs]
        self.languages += [(tag, value or "") for name, value in attrs if name == "lang"]

    def handle_data(self, data: str) -> None:
        """The page's words."""
        self.text.append(data)


@pytest.mark.parametrize("name", ["unavailable.html", "too-large.html"])
def test_nginx_s_pages_are_the_site_s_in_both_languages(name):
    """Chinese first, then English marked as such; one h1; nothing the Content-Security-
    Policy nginx gives them would refuse (a style, a script) and nothing from elsewhere,
    which may be down too."""
    html = (ERROR_PAGES / name).read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>\n")
    page = PageText()
    page.feed(html)
    assert page.languages == [("html", "zh-CN"), ("div", "en")]
    assert page.tags.count("h1") == 1 and page.tags.count("title") == 1
    assert '<meta charset="utf-8">' in html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert {"style", "script", "link", "img", "iframe"}.isdisjoint(page.tags)
    assert "style" not in page.attributes and not any(a.startswith("on") for a in page.attributes)
    chinese, english = html.split('<div lang="en">')
    assert not re.search(r"[\u4e00-\u9fff]", english.replace("国办发", ""))
    assert re.search(r"[\u4e00-\u9fff]", chinese)
    assert "12345" in chinese and "12345" in english


@pytest.mark.skipif(
    shutil.which("java") is None or not VNU.is_file(), reason="Java or vnu-jar is not installed"
)
def test_nginx_s_pages_are_valid_html():
    """By the W3C Nu HTML Checker, as every page of the site is (tests/test_html_validity.py)."""
    pages = sorted(map(str, ERROR_PAGES.glob("*.html")))
    checked = subprocess.run(
        [shutil.which("java"), "-jar", str(VNU), "--errors-only", *pages],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert (checked.returncode, checked.stderr) == (0, "")


def test_the_pages_name_only_the_numbers_the_site_publishes():
    """Only content/contacts.yaml's numbers, nothing invented."""
    contacts = read_yaml(PROJECT_ROOT / "content" / "contacts.yaml")
    published = {contact["value"] for contact in contacts["contacts"]}
    for page in ERROR_PAGES.glob("*.html"):
        numbers = set(re.findall(r"\d{5,}", page.read_text(encoding="utf-8")))
        assert numbers and numbers <= published, page.name


def test_the_unavailable_page_says_the_site_is_being_updated():
    text = (ERROR_PAGES / "unavailable.html").read_text(encoding="utf-8")
    assert "网站正在更新或暂时无法访问，请过一会儿再试" in text


def test_the_too_large_page_says_the_site_s_own_limits():
    """The numbers of the code: the photos a report takes, the back office's files."""
    from barrierfree.images import MB
    from barrierfree.staff.bulk import files
    from barrierfree.staff.editing import media

    text = (ERROR_PAGES / "too-large.html").read_text(encoding="utf-8")
    chinese, english = text.split('<div lang="en">')
    assert f"最多可以附 {photos.MAX_PHOTOS} 张照片，每张最多 {photos.MAX_BYTES // MB} MB" in chinese
    assert f"up to {photos.MAX_PHOTOS} photos of at most {photos.MAX_BYTES // MB} MB" in english
    assert (
        f"图片和附件每个最多 {media.MAX_BYTES // MB} MB，表格文件最多 {files.MAX_BYTES // MB} MB"
        in chinese
    )
    assert (
        f"at most {media.MAX_BYTES // MB} MB, and a spreadsheet at most {files.MAX_BYTES // MB} MB"
        in english
    )


def test_the_sample_serves_its_pages_for_nginx_s_own_errors():
    """Every page of deploy/errors/ is one the sample names, from the folder it is installed
    in, open only to nginx's own redirects (internal)."""
    sample = SAMPLE.read_text(encoding="utf-8")
    pages = dict(re.findall(r"^\s*error_page ([\d ]+) /barrierfree-errors/(\S+);$", sample, re.M))
    assert pages == {"502 503 504": "unavailable.html", "413": "too-large.html"}
    assert sorted(page.name for page in ERROR_PAGES.glob("*")) == sorted(pages.values())
    location = re.search(r"location /barrierfree-errors/ \{([^}]*)\}", sample).group(1)
    assert "internal;" in location and f"alias {INSTALLED_ERROR_PAGES};" in location
    assert not re.search(r"^\s*proxy_intercept_errors", sample, re.M)  # the app's own pass through
    assert re.search(r"^server_tokens off;$", sample, re.M)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The app, behind one proxy as the sample has it, on a migrated database."""
    from conftest import make_app

    return make_app(tmp_path_factory.mktemp("site") / "site.sqlite", PROXY_HOPS=1)


def test_nginx_s_own_responses_get_the_app_s_security_headers_once(site):
    """nginx's 413, 502 and 504 pages carried HSTS alone, and every response two different
    HSTS headers, nginx's and the app's. Each header is now the app's value, added by nginx
    only when the app server sent none (the maps), on every status (`always`)."""
    sample = SAMPLE.read_text(encoding="utf-8")
    found = re.findall(
        r'map \$upstream_http_(\S+) \$(\S+) \{\s*"" "([^"]*)";\s*default "";', sample
    )
    maps = {upstream: (variable, value) for upstream, variable, value in found}
    added = re.findall(r"^\s*add_header (\S+) (.*);$", sample, re.MULTILINE)
    assert sorted(name for name, _value in added) == sorted(SECURITY_HEADERS)
    app = site.test_client().get("/robots.txt", base_url="https://localhost").headers
    for name, value in added:
        variable, always = value.split()
        assert always == "always", name
        upstream = name.lower().replace("-", "_")
        assert variable == f"${maps[upstream][0]}", name
        assert maps[upstream][1] == app[name], name


def free_port() -> int:
    """A TCP port nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def through_nginx(port: int, method: str, path: str, headers: dict[str, str] | None = None):
    """A request to the sample site on `port`, over TLS for its name (the default server
    refuses any other): the status, the headers as (name, value) pairs, and the body."""
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname="www.example.gov.cn") as tls:
            extra = [f"{name}: {value}" for name, value in (headers or {}).items()]
            lines = [f"{method} {path} HTTP/1.1", "Host: www.example.gov.cn", *extra,
                     "Connection: close"]  # fmt: skip
            tls.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
            response = http.client.HTTPResponse(tls)
            response.begin()
            return response.status, response.getheaders(), response.read()


@NEEDS_NGINX
def test_nginx_passes_the_app_s_headers_on_and_gives_its_own_pages_the_same(site, tmp_path):
    """Served as the sample has it: an app page keeps the app's headers, one of each (a
    private page its no-referrer); nginx's own 413 and 502 get the app's values, and are the
    site's pages (deploy/errors/), not nginx's English ones naming its version."""
    app_port, https_port, http_port = free_port(), free_port(), free_port()
    sample = served_from_the_checkout(SAMPLE.read_text(encoding="utf-8"))
    sample = sample.replace("server 127.0.0.1:8000", f"server 127.0.0.1:{app_port}")
    sample = re.sub(r"listen (\[::\]:)?443", lambda m: f"listen {m[1] or ''}{https_port}", sample)
    sample = re.sub(r"listen (\[::\]:)?80", lambda m: f"listen {m[1] or ''}{http_port}", sample)
    main = nginx_config(tmp_path, sample)
    app_server = make_server("127.0.0.1", app_port, site, threaded=True)
    threading.Thread(target=app_server.serve_forever, daemon=True).start()
    nginx = subprocess.Popen(
        [NGINX, "-p", str(tmp_path), "-c", str(main), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    expected = site.test_client().get("/robots.txt", base_url="https://localhost").headers

    def security_headers(answer) -> dict[str, list[str]]:
        return {
            name: [v for k, v in answer if k.lower() == name.lower()] for name in SECURITY_HEADERS
        }

    try:
        for _attempt in range(100):
            try:
                page = through_nginx(https_port, "GET", "/robots.txt")
                break
            except OSError:
                time.sleep(0.1)  # still starting
        assert page[0] == 200
        assert security_headers(page[1]) == {name: [expected[name]] for name in SECURITY_HEADERS}
        status, private, _body = through_nginx(https_port, "GET", "/feedback/status/" + "A" * 43)
        assert status == 404
        assert security_headers(private)["Referrer-Policy"] == ["no-referrer"]
        assert len(security_headers(private)["Strict-Transport-Security"]) == 1
        too_large = through_nginx(https_port, "POST", "/feedback/ask",
                                  {"Content-Length": str(100 * 1024 * 1024)})  # fmt: skip
        app_server.shutdown()
        down = through_nginx(https_port, "GET", "/")  # no app server answers
        assert (too_large[0], down[0]) == (413, 502)
        for _status, answer, _body in (too_large, down):
            assert security_headers(answer) == {name: [expected[name]] for name in SECURITY_HEADERS}
            assert dict(answer)["Content-Type"] == "text/html; charset=utf-8"
        assert too_large[2] == (ERROR_PAGES / "too-large.html").read_bytes()
        assert down[2] == (ERROR_PAGES / "unavailable.html").read_bytes()
        for _status, answer, _body in (page, too_large, down):
            assert dict(answer)["Server"] == "nginx"  # server_tokens off: no version
    finally:
        nginx.terminate()
        nginx.wait(timeout=30)
        app_server.shutdown()
        app_server.server_close()


def test_the_sample_lets_a_barrier_report_with_its_photos_through():
    limit = re.search(r"client_max_body_size (\d+)m;", SAMPLE.read_text()).group(1)
    assert int(limit) * 1024 * 1024 >= MAX_BODY_BYTES + photos.MAX_PHOTOS * photos.LARGEST_SENT


def test_the_sample_sets_one_forwarded_address_as_the_app_trusts_one_hop():
    sample = SAMPLE.read_text()
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in sample
    assert "BARRIERFREE_PROXY_HOPS=1" in sample


def test_the_sample_site_keeps_no_access_log_of_its_own():
    """nginx's default log would keep every address and private link the app's own log
    leaves out (barrierfree.access_log): each server turns it off."""
    text = SAMPLE.read_text()
    assert text.count("server {") == text.count("access_log off;") == 3


def test_the_sample_site_keeps_no_address_in_its_error_log():
    """nginx's error lines about a request (error and below) name the client's address and
    the request line, with a status link's token or a search: each server logs crit and
    above only, nginx's own failures."""
    text = SAMPLE.read_text()
    assert text.count("server {") == len(re.findall(r"^\s*error_log stderr crit;", text, re.M)) == 3
    assert len(re.findall(r"^\s*error_log", text, re.M)) == 3


def test_the_sample_site_answers_only_its_own_name():
    """A forged Host header reaches no app server (nor, behind it, the links it writes)."""
    text = SAMPLE.read_text()
    assert "listen 443 ssl default_server;" in text and "return 444;" in text
    assert "$host" not in text.replace("proxy_set_header Host $host;", "")


def served_command(port: int) -> list[str]:
    """The gunicorn command `make run` serves the site with (the Makefile's SERVE)."""
    makefile = (PROJECT_ROOT / "Makefile").read_text(encoding="utf-8")
    line = re.search(r"^SERVE = ((?:.*\\\n)*.*)$", makefile, re.MULTILINE).group(1)
    line = line.replace("\\\n", " ").replace("$(BIN)", str(Path(sys.executable).parent))
    line = line.replace("$(WORKERS)", "1").replace("$(HOST)", "127.0.0.1")
    return shlex.split(line.replace("$(PORT)", str(port)))


def test_a_long_address_gets_the_site_s_own_page_not_the_server_s(tmp_path):
    """gunicorn answered a request line over 4 KB itself, with a bare English page."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environment = {**os.environ, "BARRIERFREE_INSTANCE_PATH": str(tmp_path)}
    server = subprocess.Popen(
        served_command(port), env=environment, cwd=tmp_path,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}/search?q={'轮椅' * 400}"  # 7.2 KB once encoded
        for _attempt in range(100):
            try:
                page = urllib.request.urlopen(quote(url, safe=":/?="), timeout=10).read()
                break
            except urllib.error.HTTPError as answer:  # no database here: 503, the site's own
                page = answer.read()
                break
            except OSError:
                time.sleep(0.2)  # still starting
        assert b'<html lang="zh-CN">' in page, page[:300]
    finally:
        server.terminate()
        server.wait(timeout=30)
