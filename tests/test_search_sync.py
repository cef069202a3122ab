"""The index follows the database: changes recorded with the change itself (the outbox) by
the session, with no call from whoever changes a row, applied by one writer at a time, and
full rebuilds that take every recorded change in."""

import shutil
import threading
import time
from pathlib import Path

import pytest
from barrierfree import background
from barrierfree.contacts.models import ContactChannel
from barrierfree.database import db, utcnow
from barrierfree.facilities.models import Facility, Township, facility_service
from barrierfree.i18n import EN, ENVIRON_KEY
from barrierfree.plan.models import Department
from barrierfree.services.models import Service
from barrierfree.site_search import sync
from barrierfree.site_search.index import documents_of, site_index
from barrierfree.site_search.sync import SearchChange, drain, record_change, write_documents
from barrierfree.staff import periodic
from barrierfree.updates.models import Update
from conftest import load_content, make_app
from flask import url_for
from sqlalchemy import delete, func, select, update

import search

SERVICE = "assistive-devices"


def outbox_size() -> int:
    """How many changes wait in the outbox."""
    return db.session.scalar(select(func.count()).select_from(SearchChange))


def urls(query: str, language: str = "zh") -> list[str]:
    """The URLs the index returns for a query, best first."""
    return [hit.url for hit in site_index().search(query, language=language, per_page=50).hits]


def recorded() -> list[tuple[str, str]]:
    """The items waiting in the outbox, in the order they were recorded."""
    return [tuple(row) for row in db.session.execute(select(SearchChange.kind, SearchChange.key))]


def set_service_status(slug: str, status: str) -> None:
    """Change a service's status and commit, as any part of the site would."""
    service = db.session.scalar(select(Service).where(Service.slug == slug))
    service.status = status
    db.session.commit()


def facility(slug: str) -> Facility:
    """The place with this slug."""
    return db.session.scalar(select(Facility).where(Facility.slug == slug))


def new_update(slug: str, title: str) -> Update:
    """A published notice, not yet in the session."""
    return Update(slug=slug, status="published", published_at=utcnow(), title=title,
                  summary=f"{title}。", body=f"{title}的正文。")  # fmt: skip


def test_a_full_rebuild_takes_every_recorded_change_in(loaded_app):
    with loaded_app.app_context():
        assert outbox_size() == 0


def test_withdrawing_and_republishing_a_service_follows_in_the_index(loaded_app):
    with loaded_app.app_context():
        set_service_status(SERVICE, "withdrawn")
        assert drain(site_index()) == 1
        assert f"/services/{SERVICE}" not in urls("辅助器具适配")
        assert f"/en/services/{SERVICE}" not in urls("assistive devices", "en")
        set_service_status(SERVICE, "published")
        drain(site_index())
        assert urls("辅助器具适配")[0] == f"/services/{SERVICE}"
        assert outbox_size() == 0


def test_a_changed_facility_is_found_by_its_new_name(loaded_app):
    with loaded_app.app_context():
        facility("toilet-boping").name = "博平镇汽车站无障碍卫生间"
        db.session.commit()
        assert recorded() == [("facility", "toilet-boping")]
        drain(site_index())
        assert urls("汽车站")[0] == "/facilities/toilet-boping"


def test_a_new_item_is_recorded_and_found_once_drained(loaded_app):
    with loaded_app.app_context():
        db.session.add(new_update("ghost-notice", "幽灵通知"))
        db.session.commit()
        assert recorded() == [("update", "ghost-notice")]
        drain(site_index())
        assert urls("幽灵通知")[0] == "/updates/ghost-notice"


def test_a_deleted_item_is_recorded_and_leaves_the_index(loaded_app):
    with loaded_app.app_context():
        db.session.add(new_update("ghost-notice", "幽灵通知"))
        db.session.commit()
        drain(site_index())
        db.session.delete(db.session.scalar(select(Update).where(Update.slug == "ghost-notice")))
        db.session.commit()
        assert recorded() == [("update", "ghost-notice")]
        drain(site_index())
        assert "/updates/ghost-notice" not in urls("幽灵通知")


def test_a_rolled_back_change_never_reaches_the_outbox(loaded_app):
    with loaded_app.app_context():
        facility("toilet-boping").name = "博平镇汽车站无障碍卫生间"
        db.session.add(new_update("ghost-notice", "幽灵通知"))
        db.session.flush()
        assert outbox_size() == 2, "recorded in the transaction of the change"
        db.session.rollback()
        assert outbox_size() == 0
        facility("toilet-boping").name = "博平镇汽车站无障碍卫生间"
        db.session.commit()
        assert recorded() == [("facility", "toilet-boping")], "the next transaction records"


def test_an_item_changed_twice_in_one_transaction_is_recorded_once(loaded_app):
    with loaded_app.app_context():
        place = facility("toilet-boping")
        place.name = "博平镇汽车站无障碍卫生间"
        db.session.flush()
        place.summary = "汽车站候车厅东侧。"
        db.session.commit()
        assert recorded() == [("facility", "toilet-boping")]


def test_a_field_no_document_shows_is_not_recorded(loaded_app):
    with loaded_app.app_context():
        place = facility("toilet-boping")
        place.loaded_hash, place.version = None, place.version + 1
        db.session.commit()
        assert outbox_size() == 0


def test_a_new_key_is_recorded_with_the_old_one_whose_documents_go(loaded_app):
    with loaded_app.app_context():
        facility("toilet-boping").slug = "toilet-boping-station"
        db.session.commit()
        assert recorded() == [("facility", "toilet-boping-station"), ("facility", "toilet-boping")]
        drain(site_index())
        found = urls("博平镇")
        assert "/facilities/toilet-boping-station" in found
        assert "/facilities/toilet-boping" not in found


BOPING_PLACES = {("facility", "rukang-boping"), ("facility", "toilet-boping")}


@pytest.mark.parametrize(
    ("model", "slug", "field", "shown_in"),
    [
        (Township, "boping", "name", BOPING_PLACES),
        (Service, SERVICE, "title", {("service", SERVICE), ("facility", "rehabilitation-centre")}),
        (Department, "disabled-persons-federation", "name", {("contact", "dpf-phone")}),
    ],
    ids=["township", "service", "department"],
)
def test_a_name_other_documents_show_records_those_items_too(
    loaded_app, model, slug, field, shown_in
):
    with loaded_app.app_context():
        row = db.session.scalar(select(model).where(model.slug == slug))
        setattr(row, field, getattr(row, field) + "（新）")
        db.session.commit()
        assert shown_in <= set(recorded())


def test_bulk_statements_on_indexed_rows_are_recorded(loaded_app):
    with loaded_app.app_context():
        renamed = update(Township).where(Township.slug == "boping").values(name="博平新镇")
        db.session.execute(renamed)
        db.session.commit()
        assert set(recorded()) == BOPING_PLACES
        drain(site_index())
        assert set(urls("博平新镇")[:2]) == {f"/facilities/{slug}" for _kind, slug in BOPING_PLACES}
        db.session.execute(delete(ContactChannel).where(ContactChannel.slug == "dpf-sms"))
        db.session.commit()
        assert recorded() == [("contact", "dpf-sms")]


def test_a_core_statement_is_recorded_by_hand(loaded_app):
    """The session cannot see a statement on a table; `record_change` is for that."""
    with loaded_app.app_context():
        db.session.execute(delete(facility_service))
        assert outbox_size() == 0
        record_change("facility", "rehabilitation-centre")
        db.session.commit()
        assert recorded() == [("facility", "rehabilitation-centre")]


def test_unknown_kinds_are_refused(loaded_app):
    with loaded_app.app_context(), pytest.raises(ValueError):
        record_change("spaceship", "x")


def test_changes_wait_while_there_is_no_index_and_the_rebuild_takes_them(empty_app):
    with empty_app.app_context():
        load_content(Path(empty_app.config["CONTENT_DIR"]))
        assert outbox_size() > 0
        assert drain(site_index()) == 0, "nothing is applied to an index that does not exist"
        assert outbox_size() > 0
        write_documents(site_index())
        assert outbox_size() == 0


def test_several_writers_draining_at_once_apply_every_change_once_in_turn(loaded_app):
    with loaded_app.app_context():
        slugs = list(db.session.scalars(select(Service.slug).limit(8)))
        for slug in slugs:
            service = db.session.scalar(select(Service).where(Service.slug == slug))
            service.status = "withdrawn"
        db.session.commit()
    errors, applied = [], []

    def writer() -> None:
        try:
            with loaded_app.app_context():
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
    with loaded_app.app_context():
        assert outbox_size() == 0
        found = set(urls("服务")) | set(urls("补贴"))
        assert not {f"/services/{slug}" for slug in slugs} & found


def test_content_load_updates_the_index(loaded_app, tmp_path):
    content = Path(loaded_app.config["CONTENT_DIR"])
    copy = tmp_path / "content"
    shutil.copytree(content, copy)
    path = copy / "services" / f"{SERVICE}.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("title: 辅助器具适配", "title: 辅助器具适配和借用"), encoding="utf-8"
    )
    result = loaded_app.test_cli_runner().invoke(args=["content", "load", "--dir", str(copy)])
    assert result.exit_code == 0, result.output
    # The service, and the place offering it, whose document shows the service's title.
    assert "Search index updated for 2 items." in result.output
    with loaded_app.app_context():
        assert urls("借用")[:2] == [f"/services/{SERVICE}", "/facilities/rehabilitation-centre"]


def test_renaming_a_township_rewrites_the_documents_of_its_places(loaded_app, tmp_path):
    copy = Path(shutil.copytree(loaded_app.config["CONTENT_DIR"], tmp_path / "content"))
    path = copy / "townships.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("name: 博平镇", "name: 博平新镇"), encoding="utf-8"
    )
    result = loaded_app.test_cli_runner().invoke(args=["content", "load", "--dir", str(copy)])
    assert result.exit_code == 0, result.output
    with loaded_app.app_context():
        places = {"/facilities/rukang-boping", "/facilities/toilet-boping"}
        assert set(urls("博平新镇")[:2]) == places


def test_renaming_a_part_of_the_plan_rewrites_the_documents_of_its_sections(loaded_app, tmp_path):
    copy = Path(shutil.copytree(loaded_app.config["CONTENT_DIR"], tmp_path / "content"))
    path = copy / "plan.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("title: 保障措施", "title: 护航措施"),
        encoding="utf-8",
    )
    result = loaded_app.test_cli_runner().invoke(args=["content", "load", "--dir", str(copy)])
    assert result.exit_code == 0, result.output
    with loaded_app.app_context():
        sections = {"implementation", "leadership", "funding", "monitoring"}
        found = site_index().search("护航", kinds=["section"]).hits
        assert {hit.url for hit in found} == {f"/plan/sections/{slug}" for slug in sections}


# --- What a process that died before applying its change left in the outbox -----------------


def rename_without_draining(slug: str, name: str) -> None:
    """Rename a place and commit, as a worker does before it dies: nothing applied."""
    facility(slug).name = name
    db.session.commit()


def test_a_change_left_in_the_outbox_is_applied_by_the_next_check(loaded_app, monkeypatch):
    with loaded_app.app_context():
        rename_without_draining("toilet-boping", "博平镇汽车站无障碍卫生间")
        assert "/facilities/toilet-boping" not in urls("汽车站")
    client = loaded_app.test_client()
    monkeypatch.setitem(periodic._last_check, "at", time.monotonic())
    assert client.get("/").status_code == 200
    with loaded_app.app_context():
        assert outbox_size() == 1, "not before 30 seconds have passed"

    monkeypatch.setitem(periodic._last_check, "at", time.monotonic() - 31)
    assert client.get("/").status_code == 200
    background.wait()  # the check runs beside the request

    with loaded_app.app_context():
        assert outbox_size() == 0
        assert urls("汽车站")[0] == "/facilities/toilet-boping"


def test_a_process_applies_the_outbox_on_its_first_request(loaded_app, monkeypatch):
    with loaded_app.app_context():
        rename_without_draining("toilet-boping", "博平镇汽车站无障碍卫生间")
    monkeypatch.setattr(
        periodic, "_last_check", dict.fromkeys(("at", "housekeeping"), float("-inf"))
    )  # as at start-up

    assert loaded_app.test_client().get("/facilities/").status_code == 200
    background.wait()

    with loaded_app.app_context():
        assert outbox_size() == 0
        assert urls("汽车站")[0] == "/facilities/toilet-boping"


def test_the_check_never_waits_for_another_writer_nor_fails_the_request(loaded_app, monkeypatch):
    with loaded_app.app_context():
        rename_without_draining("toilet-boping", "博平镇汽车站无障碍卫生间")
    client = loaded_app.test_client()
    monkeypatch.setitem(periodic._last_check, "at", float("-inf"))
    with loaded_app.app_context(), sync._writer_lock():  # a rebuild in another process
        started = time.monotonic()
        assert client.get("/").status_code == 200
        assert time.monotonic() - started < 5
        background.wait()
    with loaded_app.app_context():
        assert outbox_size() == 1

    def broken(index, wait=True):
        raise OSError("index folder unreadable")

    monkeypatch.setattr(sync, "drain", broken)
    monkeypatch.setitem(periodic._last_check, "at", float("-inf"))
    assert client.get("/").status_code == 200
    background.wait()
    with loaded_app.app_context():
        assert outbox_size() == 1


# Who writes documents: a command (no request), or a drain during a request of either
# language, as the locale middleware has read it.
WRITERS = {
    "command": None,
    "Chinese page": {},
    "English page": {"base_url": "http://localhost/en/", "environ_overrides": {ENVIRON_KEY: EN}},
}


@pytest.mark.parametrize("writer", WRITERS)
def test_each_document_has_the_words_and_addresses_of_its_own_language(app, writer):
    """Whoever writes them (the outbox is drained from any request); a page that does
    goes on in its own language."""
    with app.app_context():
        if WRITERS[writer] is None:
            zh, en = documents_of("facility", facility("rukang-boping"))
        else:
            with app.test_request_context(**WRITERS[writer]):
                zh, en = documents_of("facility", facility("rukang-boping"))
                assert url_for("pages.home") == ("/en/" if writer == "English page" else "/")
    assert "如康家园（残疾人之家）" in zh.summary
    assert "如康家园" not in en.summary and "Rukang" in en.summary
    assert (zh.url, en.url) == ("/facilities/rukang-boping", "/en/facilities/rukang-boping")


# --- The backend, chosen by configuration ---------------------------------------------------


def test_the_null_backend_keeps_nothing_and_finds_nothing(empty_app):
    empty_app.config["SEARCH_BACKEND"] = "null"
    with empty_app.app_context():
        load_content(Path(empty_app.config["CONTENT_DIR"]))
        assert write_documents(site_index()) > 0
        facility("toilet-boping").name = "博平镇汽车站无障碍卫生间"
        db.session.commit()
        assert drain(site_index()) == 1 and outbox_size() == 0
    assert not Path(empty_app.config["SEARCH_INDEX_DIR"]).exists()
    response = empty_app.test_client().get("/search?q=轮椅")
    assert response.status_code == 200 and "没有找到与“轮椅”相关的内容" in response.text


def test_the_status_command_names_the_backend_and_the_state_of_its_index(loaded_app):
    runner = loaded_app.test_cli_runner()
    backend = loaded_app.config["SEARCH_BACKEND"]  # the database's: postgres on PostgreSQL
    assert runner.invoke(args=["search", "status"]).output == f"{backend}: ready\n"
    if backend == "whoosh":  # PostgreSQL's other states: test_search_postgres.py
        folder = Path(loaded_app.config["SEARCH_INDEX_DIR"])
        (folder / "CURRENT").write_text("not a generation\n", encoding="ascii")
        assert runner.invoke(args=["search", "status"]).output == "whoosh: unreadable\n"
        shutil.rmtree(folder)
        assert runner.invoke(args=["search", "status"]).output == "whoosh: missing\n"
    loaded_app.config["SEARCH_BACKEND"] = "null"
    assert runner.invoke(args=["search", "status"]).output == "null: null\n"


def test_the_backend_can_be_chosen_in_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("BARRIERFREE_SEARCH_BACKEND", "null")
    app = make_app(tmp_path / "site.sqlite")
    assert app.config["SEARCH_BACKEND"] == "null"
    with app.app_context():
        assert isinstance(site_index(), search.NullBackend)


def test_an_unknown_backend_stops_the_site_from_starting(tmp_path):
    with pytest.raises(ValueError, match="'elastic' is none of whoosh, null"):
        make_app(tmp_path / "site.sqlite", SEARCH_BACKEND="elastic")
