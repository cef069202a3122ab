"""The sample nginx site in deploy/ is valid nginx (checked with `nginx -t` when nginx is
installed) and matches what the app expects of its proxy."""

import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest
from barrierfree import PROJECT_ROOT
from barrierfree.feedback import photos
from barrierfree.feedback.views import MAX_BODY_BYTES

SAMPLE = PROJECT_ROOT / "deploy" / "nginx.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


@pytest.mark.skipif(not Path(NGINX).exists(), reason="nginx is not installed")
def test_the_sample_site_passes_nginx_t(tmp_path):
    key, certificate = tmp_path / "site.key", tmp_path / "site.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=www.example.gov.cn", "-keyout", str(key), "-out", str(certificate)],
        check=True, capture_output=True,
    )  # fmt: skip
    site = SAMPLE.read_text(encoding="utf-8")
    site = re.sub(r"ssl_certificate \S+;", f"ssl_certificate {certificate};", site)
    site = re.sub(r"ssl_certificate_key \S+;", f"ssl_certificate_key {key};", site)
    (tmp_path / "site.conf").write_text(site, encoding="utf-8")
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log stderr;\nevents {{}}\n"
        f"http {{\n  access_log off;\n  include {tmp_path}/site.conf;\n}}\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [NGINX, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr


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
