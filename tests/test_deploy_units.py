"""The sample systemd units in deploy/ serve the site as the Makefile does, run commands the
site has, agree on their paths, and are valid systemd (checked with `systemd-analyze verify`
when it is installed); the sample settings agree with the sample nginx site."""

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from barrierfree import PROJECT_ROOT, create_app
from test_deployment import served_command

pytestmark = pytest.mark.no_database

DEPLOY = PROJECT_ROOT / "deploy"
# Where the samples expect the checkout.
CHECKOUT = "/srv/barrierfree"
SERVER = DEPLOY / "barrierfree.service"
TIMERS = sorted(DEPLOY.glob("barrierfree-*.timer"))
SYSTEMD_ANALYZE = shutil.which("systemd-analyze")


def settings(unit: Path) -> dict[str, list[str]]:
    """Each `Name=value` of a unit file, by name, continuation lines joined."""
    found: dict[str, list[str]] = {}
    text = unit.read_text(encoding="utf-8").replace("\\\n", " ")
    for line in text.splitlines():
        if "=" in line and not line.startswith(("#", ";", "[")):
            name, _, value = line.partition("=")
            found.setdefault(name.strip(), []).append(value.strip())
    return found


def test_the_server_runs_gunicorn_as_the_makefile_serves():
    (command,) = settings(SERVER)["ExecStart"]
    makefile = served_command(8000)
    makefile[0] = f"{CHECKOUT}/.venv/bin/gunicorn"
    makefile[makefile.index("--workers") + 1] = "3"  # the Makefile's default WORKERS
    assert shlex.split(command) == makefile


def test_every_timer_starts_a_service_that_runs_a_command_of_the_site(tmp_path):
    """A misspelt command would fail every run, silently but for the journal."""
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "INSTANCE_PATH": str(tmp_path)})
    runner = app.test_cli_runner()
    assert {timer.stem for timer in TIMERS} >= {
        "barrierfree-publish-due", "barrierfree-mail", "barrierfree-purge", "barrierfree-backup",
    }  # fmt: skip
    for timer in TIMERS:
        assert "OnCalendar" in settings(timer), timer.name
        service = timer.with_suffix(".service")
        commands = settings(service)["ExecStart"]
        flask = [shlex.split(line) for line in commands if line.startswith(CHECKOUT)]
        assert flask, service.name
        for words in flask:
            assert words[:3] == [f"{CHECKOUT}/.venv/bin/flask", "--app", "barrierfree"]
            result = runner.invoke(args=[*words[3:], "--help"])
            assert result.exit_code == 0, (service.name, result.output)


def test_the_purge_timer_deletes_residents_data_and_ended_staff_sessions():
    """README says to run both from the purge timer's unit; one ExecStart each, so that a
    failure of either fails the run."""
    commands = settings(DEPLOY / "barrierfree-purge.service")["ExecStart"]
    assert [shlex.split(command)[3:] for command in commands] == [
        ["inbox", "purge"], ["staff", "purge-sessions"],
    ]  # fmt: skip


def systemd_command(line: str) -> list[str]:
    """The words of an ExecStart line as systemd runs it with no variable set: each `$$`
    one `$`. A `$` of its own would be systemd's variable, empty when unset."""
    assert re.search(r"\$(?!\$)", line.replace("$$", "")) is None, line
    return shlex.split(line.replace("$$", "$"))


@pytest.mark.parametrize("upload_dir", [None, "elsewhere/uploads"])
def test_the_backup_copies_the_uploads_folder_the_site_uses(tmp_path, upload_dir):
    """With BARRIERFREE_UPLOAD_DIR unset (it is optional), systemd put nothing in its place
    and rsync copied / into the backups: the copy takes the site's default, the instance
    folder's uploads/, and the instance folder's own default, the checkout's instance/."""
    (_backup, copy) = settings(DEPLOY / "barrierfree-backup.service")["ExecStart"]
    rsync = tmp_path / "rsync"  # a stand-in that says what it was asked to copy
    rsync.write_text('#!/bin/sh\nprintf "%s\\n" "$@"\n', encoding="utf-8")
    rsync.chmod(0o755)
    words = [word.replace("/usr/bin/rsync", str(rsync)) for word in systemd_command(copy)]
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    for instance in [tmp_path / "var", None]:
        environment = {"PATH": os.environ["PATH"]}
        if instance is not None:
            environment["BARRIERFREE_INSTANCE_PATH"] = str(instance)
        if upload_dir is not None:
            environment["BARRIERFREE_UPLOAD_DIR"] = str(tmp_path / upload_dir)
        done = subprocess.run(
            words, env=environment, cwd=checkout, capture_output=True, text=True, check=True
        )
        folder = instance or checkout / "instance"
        uploads = tmp_path / upload_dir if upload_dir else folder / "uploads"
        assert done.stdout.splitlines() == [
            "-a", "--exclude=/imports/", f"{uploads}/", f"{folder}/backups/uploads/",
        ]  # fmt: skip


def test_every_unit_runs_as_the_site_s_user_with_its_settings():
    wrapper = (DEPLOY / "barrierfree-flask").read_text(encoding="utf-8")
    for unit in [SERVER, *(timer.with_suffix(".service") for timer in TIMERS)]:
        found = settings(unit)
        assert found["User"] == found["Group"] == ["barrierfree"], unit.name
        assert found["EnvironmentFile"] == ["/etc/barrierfree/env"], unit.name
        assert found["WorkingDirectory"] == [CHECKOUT], unit.name
    assert f"SITE={CHECKOUT}\n" in wrapper and "SETTINGS=/etc/barrierfree/env\n" in wrapper


def test_the_sample_settings_are_the_site_s():
    """Every setting the sample names is one the README documents (a misspelt name would be
    ignored)."""
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    sample = (DEPLOY / "barrierfree.env").read_text(encoding="utf-8")
    names = re.findall(r"^#?(BARRIERFREE_[A-Z_]+)=", sample, re.MULTILINE)
    assert "BARRIERFREE_SECRET_KEY" in names
    assert [name for name in names if f"`{name}`" not in readme] == []


def test_the_site_takes_the_request_id_only_from_a_proxy_that_sets_it():
    """The sample settings trust the proxy's X-Request-ID exactly when the sample nginx sets
    it over the visitor's own in every place it passes requests on: nginx passing the
    visitor's header on, with the site trusting it, let a visitor choose the id in the logs."""
    nginx = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    sample = (DEPLOY / "barrierfree.env").read_text(encoding="utf-8")
    locations = re.findall(r"location [^{]*\{([^}]*)\}", nginx)
    proxied = [block for block in locations if "proxy_pass " in block]
    assert proxied and nginx.count("proxy_pass ") == len(proxied)
    sets_it = [
        re.search(r"^\s*proxy_set_header X-Request-ID \$request_id;$", block, re.MULTILINE)
        is not None
        for block in proxied
    ]
    trusted = re.findall(r"^BARRIERFREE_TRUST_REQUEST_ID=(\S+)$", sample, re.MULTILINE)
    assert all(sets_it) and trusted == ["true"]
    assert re.search(r"^BARRIERFREE_PROXY_HOPS=[1-9]", sample, re.MULTILINE)


@pytest.mark.skipif(SYSTEMD_ANALYZE is None, reason="systemd-analyze is not installed")
def test_the_units_are_valid_systemd(tmp_path):
    """`systemd-analyze verify` of each unit, the checkout's paths pointed at this one, with
    no complaint (rsync, which the backup needs, runs through /bin/sh, so a machine without
    it passes too)."""
    units = []
    for unit in [SERVER, *TIMERS, *(timer.with_suffix(".service") for timer in TIMERS)]:
        copy = tmp_path / unit.name
        copy.write_text(
            unit.read_text(encoding="utf-8").replace(CHECKOUT, str(PROJECT_ROOT)),
            encoding="utf-8",
        )
        units.append(str(copy))
    result = subprocess.run(
        [SYSTEMD_ANALYZE, "verify", *units], capture_output=True, text=True, timeout=60
    )
    assert result.stderr.splitlines() == []
