"""Photos of a barrier, sent with the report: read from the upload with limits on their
number and size; made safe to keep by `images.prepare` (decoded, so that only a real JPEG,
PNG or WebP image gets in, turned upright, reduced and re-encoded without any of the file's
metadata); and sent back only to staff and the holder of the item's status link, never
stored by a cache or indexed.
"""

from collections.abc import Sequence

from flask import Response
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from ..database import db
from ..images import MB, Photo, PhotoProblem, prepare
from ..security import PRIVATE_HEADERS
from ..staff.editing.media import clean_name
from .models import FeedbackItem, FeedbackPhoto

MAX_PHOTOS = 3
MAX_BYTES = 10 * MB  # each photo kept
# The largest photo a form may bring and still be shown again with its text and that photo
# named as too large (a 50-megapixel phone's JPEG is 15-25 MB); the request's limit allows
# all of them at this size, so only a larger body loses what was typed (413).
LARGEST_SENT = 25 * MB
# The types taken, as an upload's `accept` names them, and as the hint names them.
TYPES = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WebP"}
NAME_LENGTH = 40  # of a file name quoted in a message
# Like the status page; shown in the browser, not downloaded; never taken for another type.
HEADERS = {**PRIVATE_HEADERS, "X-Content-Type-Options": "nosniff"}


def chosen(files: list[FileStorage]) -> list[tuple[int, FileStorage]]:
    """The uploads a resident chose, each with the number of its input (1, 2, 3): an input
    left empty is sent with no file name, and keeps its place."""
    return [(number, f) for number, f in enumerate(files, 1) if f.filename]


def not_kept(files: list[FileStorage]) -> dict[int, str]:
    """The photos chosen in the inputs `files`, by input number, each with its name as a
    message quotes it: a form shown again keeps none of them (a browser cannot be given
    them back), so each must be chosen again."""
    return {number: quoted_name(f) for number, f in chosen(files) if number <= MAX_PHOTOS}


def quoted_name(upload: FileStorage) -> str:
    """The file name of `upload`, made safe and short enough to quote in a message."""
    name = clean_name(upload.filename or "", "…")
    return name[: NAME_LENGTH - 1] + "…" if len(name) > NAME_LENGTH else name


def read_all(files: list[FileStorage]) -> tuple[list[Photo], str | None, int]:
    """The photos of the uploads `files` (every input's, empty ones too, in order), or the
    first problem with them; and the number of the input it is in (1 for them all)."""
    uploads = chosen(files)
    if len(uploads) > MAX_PHOTOS:
        message = _(
            "最多可以附 %(n)d 张照片，您选了 %(count)d 张。", n=MAX_PHOTOS, count=len(uploads)
        )
        return [], message, 1
    photos = []
    for number, upload in uploads:
        try:
            photos.append(read(upload))
        except PhotoProblem as problem:
            return [], _("第 %(n)d 张照片（%(name)s）：%(problem)s", n=number,
                         name=quoted_name(upload), problem=str(problem)), number  # fmt: skip
    return photos, None, 1


def read(upload: FileStorage) -> Photo:
    """One upload as a photo to keep; PhotoProblem if it is too large or not a photo."""
    data = upload.stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise PhotoProblem(
            _(
                "文件太大，每张照片最大 %(mb)d MB。请换一张，或者把照片截图后再选截图。",
                mb=MAX_BYTES // MB,
            )
        )
    if not data:
        raise PhotoProblem(_("文件是空的。请重新选择这张照片。"))
    return prepare(data)


def already_kept(photos: Sequence[Photo], kept: Sequence[FeedbackPhoto]) -> bool:
    """True when an item already keeps each of `photos` (a file is encoded the same each
    time), or there are none: a submission with them adds nothing to the item."""
    return {p.data for p in photos} <= {p.data for p in kept}


def of_item(item: FeedbackItem, photo_id: int) -> FeedbackPhoto | None:
    """One of the item's photos, by id; None for another item's photo or none at all."""
    return db.session.scalar(
        select(FeedbackPhoto).where(FeedbackPhoto.id == photo_id, FeedbackPhoto.item_id == item.id)
    )


def send(photo: FeedbackPhoto) -> Response:
    """A kept photo as a response: shown in the browser, never stored or indexed."""
    number = photo.item.photos.index(photo) + 1
    extension = "png" if photo.content_type == "image/png" else "jpg"
    response = Response(photo.data, mimetype=photo.content_type)
    response.headers.update(HEADERS)
    name = f"{photo.item.reference}-{number}.{extension}"
    response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    return response
