"""The barrier report's photo inputs: a problem with one photo is linked from the error
summary to the input it is in, and marked there; each input has its place for the whole
name of the file chosen (filled in by site.js, hidden without it)."""

from io import BytesIO

import pytest
from conftest import parse
from image_files import image_file
from staff_helpers import csrf
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

BARRIER = "/feedback/barrier"


@pytest.fixture
def client(loaded_app):
    return loaded_app.test_client()


def send(client, *files, prefix: str = "", **fields):
    """Post the barrier form with `files` in the inputs in order, (bytes, name) or None
    for an input left empty, and `fields` over the form's own."""
    parts = [FileStorage(BytesIO(f[0]), f[1]) if f else FileStorage(BytesIO(b""), "")
             for f in files]  # fmt: skip
    parts += [FileStorage(BytesIO(b""), "") for _ in range(3 - len(parts))]
    data = {"csrf_token": csrf(client, prefix + BARRIER), "reply_by": "site",
            "township": "zhenxing", "barrier_type": "step", "body": "盲道被占用了。",
            "photos": parts, **fields}  # fmt: skip
    boundary, encoded = encode_multipart(data)
    return client.post(
        prefix + BARRIER, data=encoded,
        content_type=f'multipart/form-data; boundary="{boundary}"',
    )  # fmt: skip


def photo_inputs(doc) -> dict[str, dict]:
    return {
        box["id"]: {"invalid": box.get("aria-invalid"), "described": box.get("aria-describedby")}
        for box in doc.find_all("input", type="file")
    }


@pytest.mark.parametrize(
    ("files", "at_fault"),
    [
        ([(b"not a photo", "a.jpg")], "field-photos"),
        ([(image_file("JPEG", (64, 48)), "a.jpg"), (b"not a photo", "b.jpg")], "field-photos-2"),
        ([None, None, (b"", "empty.jpg")], "field-photos-3"),
    ],
)
def test_a_bad_photo_is_linked_and_marked_in_its_own_input(client, files, at_fault):
    page = send(client, *files)
    assert page.status_code == 400
    doc = parse(page.data)
    links = {a["href"]: a.text for a in doc.find(data_error_summary=True).find_all("a")}
    assert "张照片（" in links[f"#{at_fault}"]  # the problem, in the input it is in
    chosen = {
        "field-photos" if n == 1 else f"field-photos-{n}" for n, f in enumerate(files, 1) if f
    }
    for box, marks in photo_inputs(doc).items():
        if box == at_fault:
            assert marks == {"invalid": "true", "described": "field-photos-error"}
        elif box in chosen:  # a good photo beside it, not kept either: to choose again
            assert marks == {"invalid": None, "described": f"{box}-not-kept"}
        else:
            assert marks == {"invalid": None, "described": None}


@pytest.mark.parametrize("prefix", ["", "/en"], ids=["zh", "en"])
def test_a_good_photo_lost_beside_a_bad_one_is_named_in_the_summary_and_its_input(client, prefix):
    """Photo 1 was discarded with photo 2, which was not a photo: the summary named only
    photo 2, and photo 1's input said nothing."""
    page = send(client, (image_file("JPEG", (64, 48)), "good.jpg"), (b"not a photo", "bad.jpg"),
                prefix=prefix)  # fmt: skip
    assert page.status_code == 400
    doc = parse(page.data)
    links = {a["href"]: a.text for a in doc.find(data_error_summary=True).find_all("a")}
    assert list(links) == ["#field-photos", "#field-photos-2"]
    assert "good.jpg" in links["#field-photos"] and "bad.jpg" in links["#field-photos-2"]
    again = "choose photo 1 again" if prefix else "请重新选择第 1 张照片"
    assert again in links["#field-photos"]
    note = doc.find(id=photo_inputs(doc)["field-photos"]["described"])
    assert note.text == links["#field-photos"]
    assert photo_inputs(doc)["field-photos-3"] == {"invalid": None, "described": None}


def test_each_photo_lost_to_another_fields_error_links_to_its_own_input(client):
    photo = image_file("JPEG", (64, 48))
    page = send(client, (photo, "first.jpg"), None, (photo, "third.jpg"), body="")
    links = {
        a["href"]: a.text for a in parse(page.data).find(data_error_summary=True).find_all("a")
    }
    assert list(links) == ["#field-body", "#field-photos", "#field-photos-3"]
    assert "first.jpg" in links["#field-photos"] and "third.jpg" in links["#field-photos-3"]
    marks = photo_inputs(parse(page.data))
    assert marks["field-photos-3"] == {"invalid": None, "described": "field-photos-3-not-kept"}
    assert marks["field-photos-2"] == {"invalid": None, "described": None}


def test_too_many_photos_are_linked_to_the_first_input(client):
    photo = (image_file("JPEG", (64, 48)), "a.jpg")
    page = send(client, photo, photo, photo, photo)
    doc = parse(page.data)
    links = [a["href"] for a in doc.find(data_error_summary=True).find_all("a")]
    assert links == ["#field-photos", "#field-photos-2", "#field-photos-3"]  # none was kept
    assert photo_inputs(doc)["field-photos"]["invalid"] == "true"


def test_each_input_has_a_hidden_place_for_the_chosen_files_name(client):
    doc = parse(client.get(BARRIER).data)
    for box in doc.find_all("input", type="file"):
        shown = doc.find(id=box["id"] + "-chosen")
        assert shown is not None and shown.has_attr("hidden") and not shown.text.strip()
        assert shown["data-file-choice-for"] == box["id"]
        assert "{name}" in shown["data-chosen-text"] and shown["data-cleared-text"]
