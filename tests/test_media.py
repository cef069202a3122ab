"""Images and attachments: uploaded by staff, recognised by their bytes, served same-site."""

import io
import zipfile
from pathlib import Path

import pytest
from barrierfree.database import db
from barrierfree.staff import media
from barrierfree.staff.models import MediaFile
from conftest import make_app, parse
from staff_helpers import csrf, make_staff, signed_in

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"0" * 64


def docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


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
        (PNG, "轮椅坡道.png", "image/png", "inline"),
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


@pytest.mark.parametrize(
    "data, filename",
    [
        (b"just text", "photo.png"),  # the name says image, the bytes do not
        (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "icon.svg"),
        (b"<html><script>alert(1)</script></html>", "page.html"),
        (b"PK\x03\x04 not a real zip", "report.docx"),
        (b"", "empty.png"),
    ],
)
def test_a_file_that_is_not_an_accepted_format_is_refused(site, data, filename):
    before = len(stored(site["app"]))
    response = upload(site["editor"], data, filename)
    assert response.status_code == 400
    assert "#field-file" in parse(response.data).hrefs
    assert len(stored(site["app"])) == before


def test_a_file_over_the_limit_is_refused(site, monkeypatch):
    monkeypatch.setattr(media, "MAX_BYTES", 100)
    response = upload(site["editor"], PNG + b"\x00" * 200, "big.png")
    assert response.status_code == 400 and "文件太大" in response.text


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


def test_the_upload_dir_is_outside_the_static_folder(site):
    upload_dir = Path(site["app"].config["UPLOAD_DIR"]).resolve()
    assert Path(site["app"].static_folder).resolve() not in upload_dir.parents
