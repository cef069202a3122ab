"""Photos with a barrier report: what is taken (up to three JPEG, PNG or WebP images, each
within its size), what is kept (re-encoded, upright, reduced, without any metadata), who
sees them (the holder of the status link and staff, never the public or a cache), what a
refused photo says, and the purge that deletes them with the contact details."""

import os
import re
import unittest.mock
from datetime import timedelta
from io import BytesIO

import pytest
from barrierfree.database import db, utcnow
from barrierfree.feedback import photos as photo_module
from barrierfree.feedback import views
from barrierfree.feedback.models import FeedbackItem, FeedbackPhoto
from conftest import parse
from image_files import GPS, image_file, jpeg_claiming, png_claiming, with_gps
from PIL import Image, ImageDraw
from sqlalchemy import func, select, update
from sqlalchemy.orm import undefer
from staff_helpers import csrf, error_summary, make_staff, signed_in
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

BARRIER = "/feedback/barrier"
TEXT = "无障碍坡道被电动车挡住了，轮椅过不去。"
STATUS_LINK = re.compile(r"(?:/en)?/feedback/status/[A-Za-z0-9_-]{40,}")
PHOTO_LINK = re.compile(r"/feedback/status/[A-Za-z0-9_-]{40,}/photos/\d+")
ORIENTATION = 0x0112


def screenshot() -> bytes:
    """A PNG of a page of text, as a phone saves a screenshot."""
    image = Image.new("RGB", (800, 600), "white")
    draw = ImageDraw.Draw(image)
    for y in range(0, 600, 20):
        draw.text((10, y), "Opening hours 9:00-17:00, phone 0635-1234567", fill="black")
    out = BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def send(client, *files, body: str = TEXT, **fields):
    """Post the barrier form with `files`, each (bytes, name), as a browser sends three
    inputs: every input, the empty ones with no file name. A `form_key` sends one form page
    again."""
    parts = [FileStorage(BytesIO(data), name) for data, name in files]
    parts += [FileStorage(BytesIO(b""), "") for _ in range(3 - len(parts))]
    data = {"csrf_token": csrf(client, BARRIER), "reply_by": "site", "township": "zhenxing",
            "barrier_type": "step", "body": body, "photos": parts, **fields}  # fmt: skip
    # Encoded here, in memory: the test client puts a large body in a file it never closes.
    boundary, encoded = encode_multipart(data)
    return client.post(
        BARRIER, data=encoded, content_type=f'multipart/form-data; boundary="{boundary}"'
    )


def status_link(client, response) -> str:
    """The status link of a good submission (on the page after the redirect)."""
    assert response.status_code == 303, response.text[:3000]
    return STATUS_LINK.search(client.get(response.headers["Location"]).text).group()


def kept(app) -> list[FeedbackPhoto]:
    with app.app_context():
        rows = db.session.scalars(
            select(FeedbackPhoto).options(undefer(FeedbackPhoto.data)).order_by(FeedbackPhoto.id)
        ).all()
        db.session.expunge_all()
        return list(rows)


def photo_error(response) -> str:
    """The photo field's error, after checking the summary links to it (to the input it is
    in: tests/test_feedback_photo_inputs.py)."""
    assert response.status_code == 400
    assert error_summary(response.data).find("a", href=re.compile(r"^#field-photos")) is not None
    return parse(response.data).find(id="field-photos-error").text


@pytest.fixture
def client(loaded_app):
    return loaded_app.test_client()


# --- The form -----------------------------------------------------------------------------


def test_the_barrier_form_takes_three_labelled_photos_with_a_hint(client):
    doc = parse(client.get(BARRIER).data)
    form = doc.find("form", class_="form")
    assert form.get("enctype") == "multipart/form-data"
    inputs = form.find_all("input", type="file")
    assert [i.get("id") for i in inputs] == ["field-photos", "field-photos-2", "field-photos-3"]
    for control in inputs:
        assert control.get("name") == "photos"
        assert control.get("accept") == "image/jpeg,image/png,image/webp"
        assert doc.find("label", for_=control.get("id")) is not None
    group = inputs[0].find_parent("fieldset")
    hint = doc.find(id=group.get("aria-describedby"))
    for words in ("最多 3 张", "JPEG、PNG 或 WebP", "10 MB", "拍摄地点", "人脸和车牌", "180 天"):
        assert words in hint.text, words
    assert "照片" in doc.find(id="privacy").find_next("ul").text


def test_the_other_forms_stay_small_and_take_no_files(client):
    for path in ("/feedback/ask", "/feedback/page-error"):
        form = parse(client.get(path).data).find("form", class_="form")
        assert form.get("enctype") is None and form.find("input", type="file") is None
    token = csrf(client, "/feedback/ask")
    response = client.post(
        "/feedback/ask",
        data={"csrf_token": token, "body": "x", "photos": (BytesIO(os.urandom(100_000)), "a.jpg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413


# --- What is kept ----------------------------------------------------------------------------


def test_a_photo_is_kept_without_its_location_or_any_other_metadata(loaded_app, client):
    assert Image.open(BytesIO(with_gps())).getexif().get(GPS)  # the test's photo has it
    status_link(client, send(client, (with_gps(), "IMG_0001.jpg")))
    (photo,) = kept(loaded_app)
    assert photo.content_type == "image/jpeg" and (photo.width, photo.height) == (800, 600)
    image = Image.open(BytesIO(photo.data))
    assert image.format == "JPEG"
    assert not image.getexif()
    assert not {"exif", "icc_profile", "xmp", "comment"} & set(image.info)
    assert b"Phone X" not in photo.data and b"at home" not in photo.data


@pytest.mark.parametrize(
    ("data", "name", "content_type"),
    [
        (screenshot(), "screenshot.png", "image/png"),  # text stays sharp
        (image_file("WEBP"), "photo.webp", "image/jpeg"),
    ],
)
def test_png_and_webp_are_taken(loaded_app, client, data, name, content_type):
    status_link(client, send(client, (data, name)))
    (photo,) = kept(loaded_app)
    assert photo.content_type == content_type
    assert Image.open(BytesIO(photo.data)).size == (800, 600)


def test_a_photo_taken_on_its_side_is_turned_upright_and_made_smaller(loaded_app, client):
    exif = Image.Exif()
    exif[ORIENTATION] = 6  # the camera was turned: show it rotated 90° clockwise
    data = image_file("JPEG", (4000, 3000), exif=exif.tobytes())
    status_link(client, send(client, (data, "turned.jpg")))
    (photo,) = kept(loaded_app)
    image = Image.open(BytesIO(photo.data))
    assert image.size == (photo.width, photo.height) == (1200, 1600)
    assert ORIENTATION not in image.getexif()


def test_up_to_three_photos_are_kept_in_order(loaded_app, client):
    colours = ["red", "green", "blue"]
    files = [(image_file("JPEG", colour=c), f"{c}.jpg") for c in colours]
    status_link(client, send(client, *files))
    rows = kept(loaded_app)
    assert len(rows) == 3
    firsts = [Image.open(BytesIO(p.data)).convert("RGB").getpixel((10, 10)) for p in rows]
    assert [max(range(3), key=pixel.__getitem__) for pixel in firsts] == [0, 1, 2]


# --- What is refused ---------------------------------------------------------------------


def test_a_text_file_named_jpg_is_refused_and_the_text_is_kept(loaded_app, client):
    response = send(client, (b"just some text, not a photo\n" * 20, "photo.jpg"))
    message = photo_error(response)
    assert "第 1 张照片" in message and "photo.jpg" in message and "JPEG、PNG或WebP" in message
    doc = parse(response.data)
    assert TEXT in doc.find("textarea", id="field-body").text
    assert "请重新选择" in doc.find(id="field-photos-again").text
    with loaded_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(FeedbackItem)) == 0


def test_a_good_photo_chosen_beside_an_error_must_be_chosen_again(loaded_app, client):
    response = send(client, (image_file(), "good.jpg"), body="")
    assert response.status_code == 400
    summary = error_summary(response.data)
    assert summary.find("a", href="#field-body") is not None
    again = summary.find("a", href="#field-photos")
    assert again is not None and "重新选择" in again.text
    assert parse(response.data).find(id="field-photos-again") is not None
    assert kept(loaded_app) == []


def test_photos_are_decoded_only_for_a_submission_counted_against_the_limits(tmp_path, monkeypatch):
    """Decoding is the costly part (a 50-megapixel PNG takes seconds and a gigabyte): it
    was done for forms with errors and before the rate limit, without limit."""
    from conftest import make_loaded_app

    app = make_loaded_app(tmp_path / "site.sqlite", FEEDBACK_PER_ADDRESS=1)
    decoded = []
    read_all = photo_module.read_all
    monkeypatch.setattr(
        photo_module, "read_all", lambda files: decoded.append(1) or read_all(files)
    )
    client = app.test_client()
    assert send(client, (image_file(), "good.jpg"), body="").status_code == 400
    assert decoded == [], "a form with errors: the photos must be chosen again anyway"
    status_link(client, send(client, (image_file(), "good.jpg")))
    assert decoded == [1]
    refused = send(client, (image_file(), "again.jpg"), body="另一处坡道也被挡住了。")
    assert refused.status_code == 429 and "分钟后再提交" in error_summary(refused.data).text
    assert decoded == [1], "over the limit: not decoded"


def test_four_photos_are_refused(loaded_app, client):
    files = [(image_file(), f"{n}.jpg") for n in range(4)]
    assert "最多可以附 3 张照片，您选了 4 张" in photo_error(send(client, *files))
    assert kept(loaded_app) == []


def test_a_photo_over_the_size_limit_is_named_on_the_form(loaded_app, client):
    big = os.urandom(photo_module.MAX_BYTES + 1)
    response = send(client, (image_file(), "small.jpg"), (big, "huge.jpg"))
    message = photo_error(response)
    assert "第 2 张照片" in message and "10 MB" in message
    assert TEXT in parse(response.data).find("textarea", id="field-body").text
    assert kept(loaded_app) == []


def test_three_photos_each_over_the_limit_keep_the_text(loaded_app, client):
    """A phone's three large photos once made the whole form too large (413): the text was
    lost. Up to LARGEST_SENT each, the form comes back with the text and says which."""
    big = os.urandom(photo_module.MAX_BYTES + 1_000_000)
    response = send(client, (big, "1.jpg"), (big, "2.jpg"), (big, "3.jpg"))
    assert response.status_code == 400
    assert "10 MB" in photo_error(response)
    assert TEXT in parse(response.data).find("textarea", id="field-body").text
    assert kept(loaded_app) == []


def test_a_request_over_the_forms_limit_gets_the_page_that_says_so(loaded_app, client, monkeypatch):
    monkeypatch.setattr(views, "MAX_BODY_WITH_PHOTOS", 200_000)
    response = send(client, (os.urandom(300_000), "huge.jpg"))
    assert response.status_code == 413
    assert parse(response.data).find("h1") is not None
    assert kept(loaded_app) == []


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (png_claiming(10_000, 6_000), "像素太多"),  # over our limit, under Pillow's
        (png_claiming(7_000, 7_000), "像素太多"),  # a JPEG may be this large, not a PNG
        (png_claiming(12_000, 10_000), "像素太多"),  # over Pillow's warning
        (png_claiming(30_000, 30_000), "像素太多"),  # over Pillow's DecompressionBombError
        (image_file()[:2000], "损坏"),  # cut short
        (b"", "空的"),
        (image_file("GIF"), "JPEG、PNG或WebP"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "JPEG"),
    ],
    ids=["large", "large-png", "bomb-warning", "bomb", "damaged", "empty", "gif", "svg"],
)
def test_what_is_not_a_photo_we_can_take_gets_a_message_not_an_error(
    loaded_app, client, data, words
):
    assert words in photo_error(send(client, (data, "x.png")))
    assert kept(loaded_app) == []


@pytest.mark.parametrize(
    ("data", "megapixels"),
    [
        (jpeg_claiming(10_000, 6_000), 50),  # over our JPEG limit, under Pillow's
        (jpeg_claiming(10_000, 9_500), 50),  # over Pillow's warning
        (jpeg_claiming(16_000, 12_000), 50),  # over Pillow's DecompressionBombError
        (png_claiming(7_000, 7_000), 24),
        (png_claiming(30_000, 30_000), 24),  # over Pillow's DecompressionBombError
    ],
    ids=["jpeg", "jpeg-bomb-warning", "jpeg-bomb", "png", "png-bomb"],
)
def test_a_photo_with_too_many_pixels_is_told_the_limit_of_its_format(client, data, megapixels):
    """A JPEG is decoded reduced, so it may have more pixels than another format: the
    message gives the limit of the format refused, whichever check refused it."""
    assert f"超过 {megapixels} 百万像素" in photo_error(send(client, (data, "x.jpg")))


def test_the_same_report_sent_again_is_a_duplicate_unless_it_brings_new_photos(loaded_app, client):
    page = parse(client.get(BARRIER).data).find("form", id="page-form")
    key = page.find("input", name=views.FORM_KEY)["value"]
    first = status_link(client, send(client, (image_file(), "a.jpg"), form_key=key))
    for files in ([], [(image_file(), "a.jpg")]):
        again = send(client, *files, form_key=key)
        assert status_link(client, again) == first  # kept once: this browser's link stays
    new = status_link(client, send(client, (image_file(colour="blue"), "b.jpg"), form_key=key))
    assert new != first
    with loaded_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(FeedbackItem)) == 2


def test_an_expired_form_asks_for_the_photos_again_and_keeps_the_text(loaded_app, client):
    boundary, body = encode_multipart(
        {"reply_by": "site", "township": "zhenxing", "barrier_type": "step", "body": TEXT,
         "photos": [FileStorage(BytesIO(image_file()), "a.jpg")]}
    )  # fmt: skip
    response = client.post(
        BARRIER, data=body, content_type=f'multipart/form-data; boundary="{boundary}"'
    )
    assert response.status_code == 400
    summary = error_summary(response.data)
    assert "已经失效" in summary.text and summary.find("a", href="#field-photos") is not None
    assert TEXT in parse(response.data).find("textarea", id="field-body").text
    assert kept(loaded_app) == []


# --- Who sees them ---------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_the_status_page_repeats_where_and_what_was_reported(client, prefix):
    """The status page gave back the text alone, not the place or the kind of problem."""
    sent = send(client, location="振兴街道人民路口东侧", barrier_type="tactile")
    main = parse(client.get(prefix + status_link(client, sent)).data).find("main")
    said = main.find("dl", class_="summary-list").find_next("dl", class_="summary-list").text
    assert "振兴街道人民路口东侧" in said  # as written
    assert (
        ("Zhenxing" in said and "tactile" in said.lower())
        if prefix
        else ("振兴街道" in said and "盲道被占用" in said)
    )


def test_the_status_link_shows_the_photos_privately(loaded_app, client):
    link = status_link(client, send(client, (image_file(), "a.jpg"), (image_file("PNG"), "b.png")))
    page = parse(client.get(link).data)
    images = page.find("main").find_all("img")
    assert [i.get("alt") for i in images] == ["照片 1（共 2 张）", "照片 2（共 2 张）"]
    for image in images:
        assert image.parent.tag == "a" and image.parent.get("href") == image.get("src")
        assert image.get("src").startswith(link + "/photos/")
        response = client.get(image.get("src"))
        assert response.status_code == 200
        assert response.mimetype in ("image/jpeg", "image/png")
        assert response.headers["Cache-Control"] == "private, no-store"
        assert response.headers["X-Robots-Tag"].startswith("noindex")
        assert response.headers["Content-Disposition"].startswith("inline")
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers.get("X-Page-Cache") != "hit"
        Image.open(BytesIO(response.data)).verify()


def test_a_photo_needs_its_own_items_status_link(loaded_app, client):
    mine = status_link(client, send(client, (image_file(), "a.jpg")))
    other = loaded_app.test_client()
    other.environ_base["REMOTE_ADDR"] = "10.7.0.2"
    theirs = status_link(other, send(other, (image_file(), "b.jpg"), body="另一处台阶太高。"))
    my_photo, their_photo = (PHOTO_LINK.search(client.get(x).text).group() for x in (mine, theirs))
    their_id = their_photo.rsplit("/", 1)[1]
    assert client.get(f"{mine}/photos/{their_id}").status_code == 404
    assert client.get(f"/feedback/status/{'a' * 43}/photos/{their_id}").status_code == 404
    assert client.get(f"{mine}/photos/999999").status_code == 404
    assert client.get(my_photo).status_code == 200


def test_staff_see_the_photos_and_nobody_else_does(loaded_app, client):
    make_staff(loaded_app, "li", "editor")
    status_link(client, send(client, (image_file(), "a.jpg")))
    with loaded_app.app_context():
        item_id, photo_id = db.session.execute(
            select(FeedbackPhoto.item_id, FeedbackPhoto.id)
        ).one()
    path = f"/staff/inbox/{item_id}/photos/{photo_id}"
    anonymous = loaded_app.test_client().get(path)
    assert anonymous.status_code == 302 and "/staff/sign-in" in anonymous.headers["Location"]
    assert anonymous.mimetype != "image/jpeg"
    li = signed_in(loaded_app, "li")
    page = parse(li.get(f"/staff/inbox/{item_id}").data)
    (image,) = page.find("main").find_all("img")
    assert image.get("src") == path and image.get("alt") == "照片 1（共 1 张）"
    response = li.get(path)
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert "no-store" in response.headers["Cache-Control"]
    assert response.headers["X-Robots-Tag"].startswith("noindex")
    assert li.get(f"/staff/inbox/{item_id}/photos/{photo_id + 1}").status_code == 404


def test_photos_never_appear_on_public_pages(loaded_app, client):
    status_link(client, send(client, (image_file(), "a.jpg")))
    visitor = loaded_app.test_client()
    for path in ("/", "/feedback/", BARRIER, "/sitemap.xml", "/facilities/", "/robots.txt"):
        response = visitor.get(path)
        assert "/photos/" not in response.text, path
    assert "Disallow: /feedback/status/" in visitor.get("/robots.txt").text


# --- The purge -------------------------------------------------------------------------------


def test_purge_deletes_the_photos_of_items_closed_long_ago(loaded_app, client):
    old = status_link(client, send(client, (image_file(), "old.jpg")))
    client.environ_base["REMOTE_ADDR"] = "10.7.0.9"
    status_link(client, send(client, (image_file(), "recent.jpg"), body="电梯坏了。"))
    with loaded_app.app_context():
        first, second = db.session.scalars(select(FeedbackItem.id).order_by(FeedbackItem.id))
        for item_id, days in ((first, 181), (second, 10)):
            db.session.execute(
                update(FeedbackItem)
                .where(FeedbackItem.id == item_id)
                .values(state="closed", closed_at=utcnow() - timedelta(days=days))
            )
        db.session.commit()
    result = loaded_app.test_cli_runner().invoke(args=["inbox", "purge"])
    assert result.exit_code == 0, result.output
    assert [photo.item_id for photo in kept(loaded_app)] == [second]
    assert "/photos/" not in client.get(old).text
    with loaded_app.app_context():
        purged = db.session.get(FeedbackItem, first)
        assert (purged.body, purged.kind) == ("", "barrier")  # what is counted survives
        assert db.session.get(FeedbackItem, second).body == "电梯坏了。"


def test_a_large_image_is_reduced_before_it_is_copied():
    """A small file of many pixels (a 4890 x 4890 transparent PNG is 93 KB) is decoded once
    at full size and reduced before anything else: its pixels are never copied whole for
    turning or stripping, which once took 360 MB more for one photo."""
    from barrierfree import images
    from PIL import Image

    seen = []
    real = Image.frombytes

    def watched(mode, size, data, *args, **kwargs):
        seen.append(size)
        return real(mode, size, data, *args, **kwargs)

    buffer = BytesIO()
    Image.new("RGBA", (4890, 4890), (0, 0, 0, 0)).save(buffer, "PNG")
    with unittest.mock.patch.object(images.Image, "frombytes", watched):
        photo = images.prepare(buffer.getvalue())
    assert (photo.width, photo.height) == (images.LONG_SIDE, images.LONG_SIDE)
    assert seen == [(images.LONG_SIDE, images.LONG_SIDE)]


def test_too_many_pixels_says_the_limit():
    from barrierfree import images
    from flask import Flask
    from flask_babel import Babel

    app = Flask(__name__)
    Babel(app)
    with app.test_request_context(), pytest.raises(images.PhotoProblem) as refused:
        images.prepare(png_claiming(7_000, 7_000))
    assert "超过 24 百万像素" in str(refused.value)
