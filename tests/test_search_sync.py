"""The index follows the database: changes recorded with the change itself (the outbox) and
applied by one writer at a time, and full rebuilds that take every recorded change in."""

import shutil
import threading
import time
from pathlib import Path

import pytest
from barrierfree.database import db
from barrierfree.facilities.models import Facility
from barrierfree.services.models import Service
from barrierfree.site_search import sync
from barrierfree.site_search.index import documents_of, site_index
from barrierfree.site_search.sync import SearchChange, drain, record_change, write_documents
from barrierfree.staff import publishing
from conftest import load_content
from sqlalchemy import func, select

SERVICE = "assistive-devices"


@pytest.fixture
def indexed_app(empty_app):
    """A private app with content/ loaded and the index built from it."""
    with empty_app.app_context():
        load_content(Path(empty_app.config["CONTENT_DIR"]))
        write_documents(site_index())
    return empty_app


def outbox_size() -> int:
    """How many changes wait in the outbox."""
    return db.session.scalar(select(func.count()).select_from(SearchChange))


def urls(query: str, language: str = "zh") -> list[str]:
    """The URLs the index returns for a query, best first."""
    return [hit.url for hit in site_index().search(query, language=language, per_page=50).hits]


def set_service_status(slug: str, status: str) -> None:
    """Change a service's status and record it for the index, in one transaction."""
    service = db.session.scalar(select(Service).where(Service.slug == slug))
    service.status = status
    record_change("service", slug)
    db.session.commit()


def test_a_full_rebuild_takes_every_recorded_change_in(indexed_app):
    with indexed_app.app_context():
        assert outbox_size() == 0


def test_withdrawing_and_republishing_a_service_follows_in_the_index(indexed_app):
    with indexed_app.app_context():
        set_service_status(SERVICE, "withdrawn")
        assert drain(site_index()) == 1
        assert f"/services/{SERVICE}" not in urls("辅助器具适配")
        assert f"/en/services/{SERVICE}" not in urls("assistive devices", "en")
        set_service_status(SERVICE, "published")
        drain(site_index())
        assert urls("辅助器具适配")[0] == f"/services/{SERVICE}"
        assert outbox_size() == 0


def test_a_changed_facility_is_found_by_its_new_name(indexed_app):
    with indexed_app.app_context():
        facility = db.session.scalar(select(Facility).where(Facility.slug == "toilet-boping"))
        facility.name = "博平镇汽车站无障碍卫生间"
        record_change("facility", facility.slug)
        db.session.commit()
        drain(site_index())
        assert urls("汽车站")[0] == "/facilities/toilet-boping"


def test_a_rolled_back_change_never_reaches_the_outbox(indexed_app):
    with indexed_app.app_context():
        record_change("service", SERVICE)
        db.session.rollback()
        assert outbox_size() == 0


def test_unknown_kinds_are_refused(indexed_app):
    with indexed_app.app_context(), pytest.raises(ValueError):
        record_change("spaceship", "x")


def test_changes_wait_while_there_is_no_index_and_the_rebuild_takes_them(empty_app):
    with empty_app.app_context():
        load_content(Path(empty_app.config["CONTENT_DIR"]))
        assert outbox_size() > 0
        assert drain(site_index()) == 0, "nothing is applied to an index that does not exist"
        assert outbox_size() > 0
        write_documents(site_index())
        assert outbox_size() == 0


def test_several_writers_draining_at_once_apply_every_change_once_in_turn(indexed_app):
    with indexed_app.app_context():
        slugs = list(db.session.scalars(select(Service.slug).limit(8)))
        for slug in slugs:
            service = db.session.scalar(select(Service).where(Service.slug == slug))
            service.status = "withdrawn"
            record_change("service", slug)
        db.session.commit()
    errors, applied = [], []

    def writer() -> None:
        try:
            with indexed_app.app_context():
                applied.append(drain(site_index()))
        except Exception as error:  # reported below, so the test names the failure
            errors.append(error)

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(applied) == len(slugs), "each change is applied by exactly one writer"
    with indexed_app.app_context():
        assert outbox_size() == 0
        found = set(urls("服务")) | set(urls("补贴"))
        assert not {f"/services/{slug}" for slug in slugs} & found


def test_content_load_updates_the_index(indexed_app, tmp_path):
    content = Path(indexed_app.config["CONTENT_DIR"])
    copy = tmp_path / "content"
    shutil.copytree(content, copy)
    path = copy / "services" / f"{SERVICE}.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("title: 辅助器具适配", "title: 辅助器具适配和借用"), encoding="utf-8"
    )
    result = indexed_app.test_cli_runner().invoke(args=["content", "load", "--dir", str(copy)])
    assert result.exit_code == 0, result.output
    # The service, and the place offering it, whose document shows the service's title.
    assert "Search index updated for 2 items." in result.output
    with indexed_app.app_context():
        assert urls("借用")[:2] == [f"/services/{SERVICE}", "/facilities/rehabilitation-centre"]


def test_renaming_a_township_rewrites_the_documents_of_its_places(indexed_app, tmp_path):
    copy = Path(shutil.copytree(indexed_app.config["CONTENT_DIR"], tmp_path / "content"))
    path = copy / "townships.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("name: 博平镇", "name: 博平新镇"), encoding="utf-8"
    )
    result = indexed_app.test_cli_runner().invoke(args=["content", "load", "--dir", str(copy)])
    assert result.exit_code == 0, result.output
    with indexed_app.app_context():
        places = {"/facilities/rukang-boping", "/facilities/toilet-boping"}
        assert set(urls("博平新镇")[:2]) == places


# --- What a process that died before applying its change left in the outbox -----------------


def rename_without_draining(slug: str, name: str) -> None:
    """Rename a place and record it, as a worker does before it dies: nothing applied."""
    facility = db.session.scalar(select(Facility).where(Facility.slug == slug))
    facility.name = name
    record_change("facility", slug)
    db.session.commit()


def test_a_change_left_in_the_outbox_is_applied_by_the_next_check(indexed_app, monkeypatch):
    with indexed_app.app_context():
        rename_without_draining("toilet-boping", "博平镇汽车站无障碍卫生间")
        assert "/facilities/toilet-boping" not in urls("汽车站")
    client = indexed_app.test_client()
    monkeypatch.setitem(publishing._last_check, "at", time.monotonic())
    assert client.get("/").status_code == 200
    with indexed_app.app_context():
        assert outbox_size() == 1, "not before 30 seconds have passed"

    monkeypatch.setitem(publishing._last_check, "at", time.monotonic() - 31)
    assert client.get("/").status_code == 200

    with indexed_app.app_context():
        assert outbox_size() == 0
        assert urls("汽车站")[0] == "/facilities/toilet-boping"


def test_a_process_applies_the_outbox_on_its_first_request(indexed_app, monkeypatch):
    with indexed_app.app_context():
        rename_without_draining("toilet-boping", "博平镇汽车站无障碍卫生间")
    monkeypatch.setattr(publishing, "_last_check", {"at": float("-inf")})  # as at start-up

    assert indexed_app.test_client().get("/facilities/").status_code == 200

    with indexed_app.app_context():
        assert outbox_size() == 0
        assert urls("汽车站")[0] == "/facilities/toilet-boping"


def test_the_check_never_waits_for_another_writer_nor_fails_the_request(indexed_app, monkeypatch):
    with indexed_app.app_context():
        rename_without_draining("toilet-boping", "博平镇汽车站无障碍卫生间")
    client = indexed_app.test_client()
    monkeypatch.setitem(publishing._last_check, "at", float("-inf"))
    with indexed_app.app_context(), sync._writer_lock():  # a rebuild in another process
        started = time.monotonic()
        assert client.get("/").status_code == 200
        assert time.monotonic() - started < 5
    with indexed_app.app_context():
        assert outbox_size() == 1

    def broken(index, wait=True):
        raise OSError("index folder unreadable")

    monkeypatch.setattr(sync, "drain", broken)
    monkeypatch.setitem(publishing._last_check, "at", float("-inf"))
    assert client.get("/").status_code == 200
    with indexed_app.app_context():
        assert outbox_size() == 1


@pytest.mark.parametrize("context", ["/", "/en/", None])
def test_each_document_has_the_interface_words_of_its_own_language(app, context):
    """Whether an English page, a Chinese page or a command writes them (the outbox is
    drained from any request)."""
    with app.app_context():
        facility = db.session.scalar(select(Facility).where(Facility.slug == "rukang-boping"))
        if context is None:
            zh, en = documents_of("facility", facility)
        else:
            with app.test_request_context(context):
                zh, en = documents_of("facility", facility)
    assert "如康家园（残疾人之家）" in zh.summary
    assert "如康家园" not in en.summary and "Rukang" in en.summary
