"""Images and attachments: uploaded by staff, recognised by their bytes, served same-site."""

import contextlib
import io
import threading
import zipfile
from functools import partial
from pathlib import Path
from urllib.parse import quote

import pytest
from barrierfree import images
from barrierfree.database import db
from barrierfree.staff.editing import media
from barrierfree.staff.models import MediaFile
from conftest import make_app, parse
from image_files import GPS, image_file, png_claiming, with_gps
from PIL import Image
from sqlalchemy import delete, select
from staff_helpers import at_once, csrf, make_staff, signed_in

PNG = image_file("PNG", (8, 8))
PDF = b"%PDF-1.7\n" + b"0" * 64


def docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def docx_of_unknown_version() -> bytes:
    """A Word file whose zip says it needs a version of the format no reader knows."""
    data = bytearray(docx())
    central = data.index(b"PK\x01\x02")
    data[central + 6] = 0xFF  # version needed to extract: 25.5
    return bytes(data)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("media")
    app = make_app(root / "media.sqlite", UPLOAD_DIR=str(root / "uploads"))
    make_staff(app, "media-editor", "editor")
    return {"app": app, "editor": signed_in(app, "media-editor")}


def upload(client, data: bytes, filename: str):
    token = csrf(client, "/staff/media/")
    return client.post(
        "/staff/media/",
        data={"csrf_token": token, "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def stored(app) -> list[MediaFile]:
    with app.app_context():
        files = list(db.session.query(MediaFile).order_by(MediaFile.id))
        db.session.expunge_all()
        return files


@pytest.mark.parametrize(
    "data, filename, mimetype, disposition",
    [
        (PDF, "申请表.pdf", "application/pdf", "inline"),
        (docx(), "通知.docx", media.BY_EXTENSION["docx"].mimetype, "attachment"),
    ],
)
def test_an_upload_is_kept_and_served_from_the_site_itself(
    site, data, filename, mimetype, disposition
):
    response = upload(site["editor"], data, filename)
    assert response.status_code == 303
    kept = stored(site["app"])[-1]
    assert kept.original_name == filename and kept.size == len(data)
    assert kept.name.endswith("." + media.recognise(data).extension)
    served = site["app"].test_client().get(f"/media/{kept.name}")  # no sign-in needed
    assert served.status_code == 200 and served.data == data
    assert served.mimetype == mimetype
    assert served.headers["Content-Disposition"].startswith(disposition)
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    page = site["editor"].get("/staff/media/").text
    assert f"/media/{kept.name}" in page


def test_a_served_file_is_asked_about_before_each_use_so_a_deletion_reaches_caches(
    site, monkeypatch
):
    """Browsers and proxies may keep a file but must ask first (no-cache, with an ETag and
    Last-Modified): a file deleted by mistake stops being shown at once, and asking about
    one unchanged is a 304 that does not read the file."""
    upload(site["editor"], PDF, "名单.pdf")
    kept = stored(site["app"])[-1]
    client = site["app"].test_client()
    address = f"/media/{kept.name}"
    served = client.get(address)
    assert served.status_code == 200
    assert set(served.headers["Cache-Control"].replace(" ", "").split(",")) == {
        "public", "no-cache",
    }  # fmt: skip
    assert "Expires" not in served.headers
    etag, modified = served.headers["ETag"], served.headers["Last-Modified"]

    def unread(path):
        raise AssertionError(f"{path} read for a 304")

    monkeypatch.setattr(Path, "read_bytes", unread)
    for asked in ({"If-None-Match": etag}, {"If-Modified-Since": modified}):
        again = client.get(address, headers=asked)
        assert again.status_code == 304 and again.data == b""
        assert again.headers["ETag"] == etag
    monkeypatch.undo()
    assert client.get(address, headers={"If-None-Match": '"another"'}).data == PDF
    part = client.get(address, headers={"Range": "bytes=0-3"})
    assert part.status_code == 206 and part.data == PDF[:4]

    with site["app"].app_context():
        db.session.execute(delete(MediaFile).where(MediaFile.name == kept.name))
        db.session.commit()
    assert client.get(address, headers={"If-None-Match": etag}).status_code == 404


def test_an_image_is_published_without_its_location_or_camera(site):
    """A phone's photo says where it was taken and with what: staff's images are decoded
    and re-encoded from their pixels, as residents' photos are (images.prepare)."""
    assert Image.open(io.BytesIO(with_gps())).getexif().get(GPS)
    assert upload(site["editor"], with_gps(), "坡道.jpg").status_code == 303
    kept = stored(site["app"])[-1]
    served = site["app"].test_client().get(f"/media/{kept.name}")
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert kept.size == len(served.data) and kept.name.endswith(".jpg")
    image = Image.open(io.BytesIO(served.data))
    assert image.size == (800, 600) and not image.getexif()
    assert b"Phone X" not in served.data and b"at home" not in served.data


@pytest.mark.parametrize(
    ("name", "kept", "shown"),
    [
        ("坡道.png", "jpg", "坡道.jpg"),
        ("坡道.JPEG", "jpg", "坡道.JPEG"),
        ("坡道", "png", "坡道.png"),
        ("坡道.png", "png", "坡道.png"),
        ("指南 v1.2", "docx", "指南 v1.2.docx"),  # .2 is no format's extension
    ],
)
def test_a_kept_image_is_named_by_the_format_it_is_kept_in(name, kept, shown):
    assert media.named_as(name, media.BY_EXTENSION[kept]) == shown


def test_a_name_with_its_extension_added_still_fits(site):
    """A name cut to fit, then given .pdf, was longer than the column (a 500 on
    PostgreSQL)."""
    assert upload(site["editor"], PDF, "说" * 300).status_code == 303
    kept = stored(site["app"])[-1]
    assert kept.original_name.endswith(".pdf")
    assert len(kept.original_name.encode()) <= media.NAME_BYTES


def test_a_gif_is_published_as_its_first_frame_without_its_comment(site):
    frames = [Image.new("RGB", (40, 30), colour) for colour in ("red", "blue")]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], comment=b"at home")
    assert upload(site["editor"], out.getvalue(), "动图.gif").status_code == 303
    kept = stored(site["app"])[-1]
    served = site["app"].test_client().get(f"/media/{kept.name}")
    image = Image.open(io.BytesIO(served.data))
    assert image.format in ("PNG", "JPEG") and not getattr(image, "is_animated", False)
    assert b"at home" not in served.data


def test_a_png_stays_a_png_and_is_served_as_kept(site):
    assert upload(site["editor"], PNG, "轮椅坡道.png").status_code == 303
    kept = stored(site["app"])[-1]
    served = site["app"].test_client().get(f"/media/{kept.name}")
    assert served.mimetype == "image/png"
    assert served.headers["Content-Disposition"].startswith("inline")
    assert Image.open(io.BytesIO(served.data)).size == (8, 8)


@pytest.mark.parametrize(
    "data",
    [
        png_claiming(100_000, 100_000),  # a decompression bomb's header
        image_file("JPEG")[:200],  # cut short
        b"\xff\xd8\xff" + b"junk" * 50,  # a JPEG's first bytes, then nothing of one
        b"GIF89a" + b"junk" * 50,  # a GIF's
    ],
    ids=["bomb", "truncated", "only-the-signature", "gif-signature"],
)
def test_an_image_that_does_not_decode_is_refused_with_a_message(site, data):
    before = len(stored(site["app"]))
    response = upload(site["editor"], data, "photo.jpg")
    assert response.status_code == 400
    assert "#field-file" in parse(response.data).hrefs
    assert len(stored(site["app"])) == before
    # Damaged, too large, or not one of the formats taken here (GIF among them).
    assert any(words in response.text for words in ("损坏", "像素太多", "JPEG、PNG、WebP或GIF"))


@pytest.mark.parametrize(
    "data, filename",
    [
        (b"just text", "photo.png"),  # the name says image, the bytes do not
        (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "icon.svg"),
        (b"<html><script>alert(1)</script></html>", "page.html"),
        (b"PK\x03\x04 not a real zip", "report.docx"),
        (docx_of_unknown_version(), "report.docx"),
        (b"", "empty.png"),
    ],
)
def test_a_file_that_is_not_an_accepted_format_is_refused(site, data, filename):
    before = len(stored(site["app"]))
    response = upload(site["editor"], data, filename)
    assert response.status_code == 400
    assert "#field-file" in parse(response.data).hrefs
    assert len(stored(site["app"])) == before


def test_an_empty_file_is_said_to_be_empty_not_missing(site):
    """A file of 0 bytes was chosen: 请选择要上传的图片或文件 said none was."""
    response = upload(site["editor"], b"", "通知.pdf")
    assert response.status_code == 400
    assert "这个文件是空的（0 字节）" in response.text and "请选择要上传" not in response.text
    nothing = site["editor"].post(
        "/staff/media/", data={"csrf_token": csrf(site["editor"], "/staff/media/")}
    )
    assert nothing.status_code == 400 and "请选择要上传的图片或文件" in nothing.text


def test_a_file_over_the_limit_is_refused(site, monkeypatch):
    monkeypatch.setattr(media, "MAX_BYTES", 100)
    response = upload(site["editor"], PNG + b"\x00" * 200, "big.png")
    assert response.status_code == 400 and "文件太大" in response.text


def test_an_upload_the_server_cannot_write_is_refused_and_leaves_nothing(
    site, monkeypatch, tmp_path
):
    """A full disk or a folder that cannot be written: the page says so (503), no row names
    a file that is not there, and no half-written file stays."""
    before = len(stored(site["app"]))
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    monkeypatch.setitem(site["app"].config, "UPLOAD_DIR", str(blocked))  # not a folder
    response = upload(site["editor"], PNG, "通知.png")
    assert response.status_code == 503 and "服务器暂时写不进文件" in response.text
    assert len(stored(site["app"])) == before

    def full(self, data):
        self.write_text("half")  # what a full disk leaves
        raise OSError(28, "No space left on device")

    monkeypatch.setitem(site["app"].config, "UPLOAD_DIR", str(tmp_path / "uploads"))
    monkeypatch.setattr(media.Path, "write_bytes", full)
    assert upload(site["editor"], PNG, "通知.png").status_code == 503
    assert list((tmp_path / "uploads" / "media").iterdir()) == []
    assert len(stored(site["app"])) == before


@pytest.mark.parametrize(
    "name", ["../secret_key", "nothing.png", "a" * 60 + ".png", "%2e%2e%2fsecret", "x.png\x00"]
)
def test_only_uploaded_files_are_served(site, name):
    assert site["app"].test_client().get(f"/media/{name}").status_code == 404


def test_an_uploaded_image_with_alt_text_appears_in_a_published_page(site):
    upload(site["editor"], PNG, "坡道.png")
    name = stored(site["app"])[-1].name
    from barrierfree.markdown import render

    with site["app"].test_request_context():
        html = render(f"![区残联门口的无障碍坡道](/media/{name})")
    image = parse(html).find("img")
    assert image.get("src") == f"/media/{name}" and image.get("alt") == "区残联门口的无障碍坡道"


def test_the_image_snippet_carries_the_alt_text_the_authoring_checks_refuse(site):
    upload(site["editor"], PNG, "坡道.png")
    name = stored(site["app"])[-1].name
    page = parse(site["editor"].get("/staff/media/").data)
    snippet = next(value for value in snippets(page) if name in value)
    from barrierfree.staff.editing.authoring import ALT_PLACEHOLDER, check

    with site["app"].test_request_context():
        assert snippet.startswith(f"![{ALT_PLACEHOLDER}](")
        [finding] = check("坡道", "区残联门口的坡道。", snippet)
    assert finding.blocking


def snippets(page) -> list[str]:
    """The snippets of the media page, as their text fields hold them."""
    return [field["value"] for field in page.select("input.snippet")]


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_each_snippet_is_a_labelled_read_only_field_linking_the_file_in_no_language(site, prefix):
    upload(site["editor"], PDF, "申请表.pdf")
    name = stored(site["app"])[-1].name
    page = parse(site["editor"].get(f"{prefix}/staff/media/").data)
    field = next(field for field in page.select("input.snippet") if name in field["value"])

    assert field["value"] == f"[申请表.pdf](/media/{name})"
    assert field.has_attr("readonly") and field["type"] == "text"
    assert field.get("tabindex") != "-1"
    label = " ".join(page.find(id=ref).text for ref in field["aria-labelledby"].split())
    assert label.endswith("申请表.pdf")
    assert page.find(id=field["aria-describedby"]).text


def test_the_list_s_caption_counts_its_files_in_english(site):
    """ "1 file, newest first": the singular once lost the words after the count."""
    from barrierfree.i18n import force_locale
    from flask_babel import ngettext

    upload(site["editor"], PDF, "表.pdf")
    count = len(stored(site["app"]))
    page = parse(site["editor"].get("/en/staff/media/").data)
    noun = "file" if count == 1 else "files"
    assert page.find("caption").text.strip() == f"{count} {noun}, newest first"
    caption = "共 %(num)d 个，最新的在前"
    with site["app"].test_request_context("/en/staff/media/"), force_locale("en"):
        assert ngettext(caption, caption, 1) == "1 file, newest first"
        assert ngettext(caption, caption, 2) == "2 files, newest first"


def test_the_upload_dir_is_outside_the_static_folder(site):
    upload_dir = Path(site["app"].config["UPLOAD_DIR"]).resolve()
    assert Path(site["app"].static_folder).resolve() not in upload_dir.parents


def upload_raw(client, data: bytes, disposition: bytes):
    """Post a file whose part header is written by hand, as a crafted request may send it
    (a browser would percent-encode a line break; an encoded `filename*` decodes to one)."""
    token = csrf(client, "/staff/media/")
    body = b"".join(
        [
            b'--b\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n',
            token.encode(),
            b'\r\n--b\r\nContent-Disposition: form-data; name="file"; ' + disposition + b"\r\n",
            b"Content-Type: application/octet-stream\r\n\r\n" + data + b"\r\n--b--\r\n",
        ]
    )
    return client.post("/staff/media/", data=body, content_type="multipart/form-data; boundary=b")


def download_header(site, name: str) -> str:
    """The Content-Disposition of a public download, checked to be a header a server sends."""
    served = site["app"].test_client().get(f"/media/{name}")
    assert served.status_code == 200
    header = served.headers["Content-Disposition"]
    assert header.isascii() and not any(ord(ch) < 32 or ord(ch) == 127 for ch in header)
    return header


@pytest.mark.parametrize(
    "data, filename",
    [(PDF, "通知.pdf"), (PNG, "照片 2026.png"), (docx(), "《残疾人证》办理须知.docx")],
)
def test_a_file_with_a_chinese_name_downloads_under_that_name(site, data, filename):
    assert upload(site["editor"], data, filename).status_code == 303
    kept = stored(site["app"])[-1]
    assert kept.original_name == filename
    header = download_header(site, kept.name)
    assert f"filename*=UTF-8''{quote(filename, safe='')}" in header


@pytest.mark.parametrize(
    "disposition, shown",
    [
        (b"filename*=UTF-8''%E9%80%9A%0D%0A%E7%9F%A5%00.pdf", "通 知.pdf"),
        (b"filename*=UTF-8''a%1Bb%E2%80%AEfdp.exe.pdf", "abfdp.exe.pdf"),
        (b"filename*=UTF-8''%0D%0A%00", None),  # nothing left: the stored name stands in
        (b'filename="C:\\\\Users\\\\li\\\\\xe9\x80\x9a\xe7\x9f\xa5.pdf"', "通知.pdf"),
    ],
)
def test_control_characters_in_a_name_never_reach_a_header(site, disposition, shown):
    assert upload_raw(site["editor"], PDF, disposition).status_code == 303
    kept = stored(site["app"])[-1]
    assert kept.original_name == (shown or kept.name)
    assert quote(kept.original_name, safe="") in download_header(site, kept.name)


def test_a_long_name_is_cut_to_what_a_file_system_takes_keeping_its_extension():
    name = media.clean_name("很长" * 200 + ".pdf", "fallback.pdf")
    assert name.startswith("很长很长") and name.endswith("很.pdf")
    assert len(name.encode()) <= media.NAME_BYTES < len((name + "长").encode())
    assert media.clean_name("x" * 300, "f.pdf") == "x" * media.NAME_BYTES
    assert media.clean_name("../..", "f.pdf") == "f.pdf"


def test_a_name_with_brackets_links_whole_in_the_markdown_to_copy(site):
    upload(site["editor"], PDF, "附件[1]]（2）.pdf")
    kept = stored(site["app"])[-1]
    page = parse(site["editor"].get("/staff/media/").data)
    snippet = next(value for value in snippets(page) if kept.name in value)
    from barrierfree.markdown import render

    with site["app"].test_request_context():
        link = parse(render(snippet)).find("a")
    assert (link.text, link.get("href")) == ("附件[1]]（2）.pdf", f"/media/{kept.name}")


def test_a_panorama_is_kept_not_called_damaged():
    """A photo far wider than high (its short side rounds to nothing when decoded small)."""
    buffer = io.BytesIO()
    Image.new("RGB", (20000, 3), (10, 20, 30)).save(buffer, "JPEG")
    kept = images.prepare(buffer.getvalue())
    assert kept.width == images.LONG_SIDE and kept.height >= 1


def test_a_publisher_deletes_a_file_after_being_told_where_it_is_linked(site):
    """A list of named people uploaded by mistake must be removable: the question names
    every item still linking it, the deletion is audited, and its address answers 404."""
    from barrierfree.database import utcnow
    from barrierfree.staff.models import AuditEntry
    from barrierfree.updates.models import Update

    app = site["app"]
    make_staff(app, "media-publisher", "publisher")
    publisher = signed_in(app, "media-publisher", address="10.50.0.2")
    upload(site["editor"], PDF, "受助人名单.pdf")
    kept = stored(app)[-1]
    address = f"/media/{kept.name}"
    with app.app_context():
        for slug, status in (("linked-live", "published"), ("linked-draft", "draft")):
            row = Update(slug=slug, kind="notice", status=status, title=f"通知 {slug}",
                         summary="一条测试用的通知。", body=f"见[名单]({address})。")  # fmt: skip
            if status == "published":
                row.published_at = utcnow()
            db.session.add(row)
        db.session.commit()
    assert app.test_client().get(address).status_code == 200
    url = f"/staff/media/{kept.name}/delete"

    assert site["editor"].get(url).status_code == 403  # editors upload; they do not delete
    question = publisher.get(url)
    assert question.status_code == 200
    assert "通知 linked-live" in question.text and "通知 linked-draft" in question.text
    assert "已发布" in question.text and "未发布" in question.text
    assert publisher.post(url).status_code == 400  # no CSRF token
    assert app.test_client().get(address).status_code == 200

    deleted = publisher.post(url, data=confirm_form(publisher.get(url)))
    assert deleted.status_code == 303
    assert app.test_client().get(address).status_code == 404
    assert kept.name not in {media.name for media in stored(app)}
    assert not (Path(app.config["UPLOAD_DIR"]) / "media" / kept.name).exists()
    with app.app_context():
        entry = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "delete-media")
        ).one()
        assert (entry.username, entry.key, entry.detail) == (
            "media-publisher", kept.name, "受助人名单.pdf",
        )  # fmt: skip
    assert publisher.get(url).status_code == 404
    assert f'href="{url}"' not in site["editor"].get("/staff/media/").text


def confirm_form(page) -> dict[str, list[str]]:
    """The fields the confirmation page's 确认删除 posts."""
    fields: dict[str, list[str]] = {}
    for field in parse(page.data).find("form", id="confirm-form").find_all("input"):
        fields.setdefault(field["name"], []).append(field["value"])
    return fields


def test_a_link_added_after_the_question_was_shown_is_asked_about_before_deleting(site):
    """The publisher decided on the list the page showed: an item that came to link the
    file meanwhile brings the question back, naming it, and nothing is deleted."""
    from barrierfree.updates.models import Update

    app = site["app"]
    make_staff(app, "media-careful", "publisher")
    publisher = signed_in(app, "media-careful", address="10.50.0.4")
    upload(site["editor"], PDF, "名单（新）.pdf")
    kept = stored(app)[-1]
    url = f"/staff/media/{kept.name}/delete"

    def link_from(slug: str) -> None:
        with app.app_context():
            body = f"[名单](/media/{kept.name})"
            db.session.add(Update(slug=slug, kind="notice", status="draft", title=f"通知 {slug}",
                                  summary="一条测试用的通知。", body=body))  # fmt: skip
            db.session.commit()

    link_from("linked-before")
    question = publisher.get(url)
    link_from("linked-meanwhile")
    again = publisher.post(url, data=confirm_form(question))
    assert again.status_code == 409
    doc = parse(again.data)
    assert "又有 1 项内容链接了这个文件" in doc.find(**{"data-error-summary": True}).text
    (new,) = [item for item in doc.find("main").find_all("li") if item.find("strong")]
    assert "通知 linked-meanwhile" in new.text and "新链接" in new.text
    assert doc.find("title").text.startswith("错误：")
    assert app.test_client().get(f"/media/{kept.name}").status_code == 200

    deleted = publisher.post(url, data=confirm_form(again))
    assert deleted.status_code == 303
    assert app.test_client().get(f"/media/{kept.name}").status_code == 404


def test_a_second_click_on_delete_is_told_the_file_is_already_deleted(site, monkeypatch):
    """Of two deletions posted at once (a double click), the one that loaded the file before
    the other deleted it finds no row to delete: it says the file is already deleted, as
    does a deletion posted after, and the file goes once, audited once."""
    from barrierfree.staff.models import AuditEntry

    app = site["app"]
    make_staff(app, "media-deleter", "publisher")
    first, second = (signed_in(app, "media-deleter", address="10.50.0.3") for _ in range(2))
    upload(site["editor"], PDF, "误传的名单.pdf")
    kept = stored(app)[-1]
    url = f"/staff/media/{kept.name}/delete"
    first_token, second_token = csrf(first, url), csrf(second, url)
    real_delete = media.sql_delete

    def first_click_finishes_in_between(*args):
        """The first click's whole request, run after the second loaded the file."""
        monkeypatch.setattr(media, "sql_delete", real_delete)
        assert first.post(url, data={"csrf_token": first_token}).status_code == 303
        return real_delete(*args)

    monkeypatch.setattr(media, "sql_delete", first_click_finishes_in_between)
    answer = second.post(url, data={"csrf_token": second_token}, follow_redirects=True)
    assert answer.status_code == 200
    assert "“误传的名单.pdf”已经删除了" in answer.text
    assert kept.name not in {row.name for row in stored(app)}
    assert not (Path(app.config["UPLOAD_DIR"]) / "media" / kept.name).exists()
    with app.app_context():
        entries = db.session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "delete-media", AuditEntry.key == kept.name
            )
        ).all()
        assert len(entries) == 1

    again = second.post(url, data={"csrf_token": second_token}, follow_redirects=True)
    assert "“误传的名单.pdf”已经删除了" in again.text
    never = "0123456789abcdef0123456789abcdef.pdf"
    assert (
        second.post(f"/staff/media/{never}/delete", data={"csrf_token": second_token}).status_code
        == 404
    )


def test_an_image_deleted_from_the_media_library_blocks_publishing(site):
    """A text showing an upload that was deleted would publish a broken image: the
    authoring checks refuse it, as they refuse an image from another site."""
    from barrierfree.staff.editing.authoring import check
    from barrierfree.updates.models import Update
    from staff_helpers import form_fields

    app = site["app"]
    make_staff(app, "image-publisher", "publisher")
    publisher = signed_in(app, "image-publisher", address="10.50.0.3")
    upload(site["editor"], PNG, "坡道.png")
    name = stored(app)[-1].name
    body = f"![区残联门口的无障碍坡道](/media/{name})"
    with app.test_request_context():
        assert check("无障碍坡道", "区残联门口修好了无障碍坡道。", body) == []
    url = f"/staff/media/{name}/delete"
    assert publisher.post(url, data=confirm_form(publisher.get(url))).status_code == 303

    with app.test_request_context():
        [finding] = check("无障碍坡道", "区残联门口修好了无障碍坡道。", body)
    assert finding.blocking and f"/media/{name}" in finding.message
    assert "找不到" in finding.message

    fields = form_fields(publisher.get("/staff/updates/new").data, "edit-form")
    fields |= {
        "slug": ["new-ramp"],
        "kind": ["notice"],
        "title": ["无障碍坡道"],
        "summary": ["区残联门口修好了无障碍坡道。"],
        "body": [body],
        "action": ["publish"],
    }
    response = publisher.post("/staff/updates/new", data=fields)
    assert response.status_code == 400
    assert "找不到" in response.text
    with app.app_context():
        row = db.session.scalar(select(Update).where(Update.slug == "new-ramp"))
        assert row is not None and row.status == "draft"


def test_the_uploads_a_text_shows_are_looked_up_in_one_query(site):
    from barrierfree.staff.editing.authoring import check
    from sqlalchemy import event

    app = site["app"]
    body = "\n\n".join(f"![第{n}张照片里的坡道](/media/{n:032x}.png)" for n in range(1, 6))
    queries: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        queries.append(statement)

    with app.test_request_context():
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            findings = check("无障碍坡道", "区残联门口修好了无障碍坡道。", body)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
    assert [f.blocking for f in findings] == [True] * 5
    assert len([q for q in queries if "media_file" in q]) == 1


def test_the_same_upload_sent_twice_is_kept_once(site):
    """A double click posts the upload twice: the second finds this account's newest
    upload is the same file (same name, same bytes as kept, an image's after re-encoding)
    within the duplicate window, and is told so instead of keeping a second copy."""
    app = site["app"]
    folder = Path(app.config["UPLOAD_DIR"]) / "media"
    before = len(stored(app))
    assert upload(site["editor"], with_gps(), "双击的照片.jpg").status_code == 303
    files = set(folder.iterdir())
    again = upload(site["editor"], with_gps(), "双击的照片.jpg")
    assert again.status_code == 303 and again.location.endswith("/staff/media/")
    page = site["editor"].get(again.location)
    assert "“双击的照片.jpg”刚才已经上传过了，没有再上传一次。" in page.text
    assert len(stored(app)) == before + 1
    assert set(folder.iterdir()) == files


def test_the_same_upload_sent_twice_at_the_same_moment_is_kept_once(site, monkeypatch):
    """Both posts of a double click arrive before either is kept. The first to look for an
    earlier upload waits a moment for the other to look too: were the look and the keeping
    not held one after the other, both would find nothing and keep a copy each. Held, the
    other cannot look until the first is kept, and then answers as a double click does,
    its file never written."""
    app = site["app"]
    folder = Path(app.config["UPLOAD_DIR"]) / "media"
    before, files = len(stored(app)), set(folder.glob("*"))
    # Two sessions of the account, so that each answer's message is kept to be read.
    clicks = [site["editor"], signed_in(app, "media-editor")]
    together = threading.Barrier(2)
    recognise, uploaded_just_now = media.recognise, media._uploaded_just_now

    def read_by_both(data):
        together.wait(10)
        return recognise(data)

    def looked_at_by_both(*args):
        found = uploaded_just_now(*args)
        with contextlib.suppress(threading.BrokenBarrierError):
            together.wait(0.5)
        return found

    monkeypatch.setattr(media, "recognise", read_by_both)
    monkeypatch.setattr(media, "_uploaded_just_now", looked_at_by_both)
    answers = at_once(
        {client: partial(upload, client, PDF + b"race", "同时双击的通知.pdf") for client in clicks}
    )
    monkeypatch.undo()

    assert [answers[c].status_code for c in clicks] == [303, 303]
    pages = [c.get(answers[c].location).text for c in clicks]
    assert sorted("“同时双击的通知.pdf”刚才已经上传过了" in page for page in pages) == [False, True]
    assert len(stored(app)) == before + 1
    [kept] = set(folder.iterdir()) - files
    assert kept.name == stored(app)[-1].name


def test_a_different_file_another_account_or_a_later_upload_is_kept_again(site):
    """Only the same file from the same account within the window is a repeat: another
    file under the same name, the same file from a colleague, or again a day later, is a
    genuine upload."""
    from datetime import timedelta

    from barrierfree.feedback.queries import DUPLICATE_WINDOW

    app = site["app"]
    make_staff(app, "media-colleague", "editor")
    colleague = signed_in(app, "media-colleague", address="10.50.0.4")
    before = len(stored(app))
    assert upload(site["editor"], PDF, "通知.pdf").status_code == 303
    assert upload(site["editor"], PDF + b"1", "通知.pdf").status_code == 303
    assert len(stored(app)) == before + 2  # a different file: two rows
    assert upload(colleague, PDF + b"1", "通知.pdf").status_code == 303
    assert len(stored(app)) == before + 3
    with app.app_context():
        newest = db.session.scalars(select(MediaFile).order_by(MediaFile.id.desc())).first()
        newest.uploaded_at -= DUPLICATE_WINDOW + timedelta(minutes=1)
        db.session.commit()
    assert upload(colleague, PDF + b"1", "通知.pdf").status_code == 303
    assert len(stored(app)) == before + 4
