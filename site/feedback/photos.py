"""Photos of a barrier, sent with the report: read from the upload with limits on their
number, size and pixels; decoded, so that only a real JPEG, PNG or WebP image gets in
(whatever its name or declared type); turned upright, reduced and re-encoded without any
of the file's metadata (EXIF with the location, XMP, ICC profiles, comments); and sent
back only to staff and the holder of the item's status link, never stored by a cache or
indexed.

Decoding is Pillow's; a file it cannot decode, whatever the reason, is a damaged file to
the resident, never an error page.
"""

import logging
from dataclasses import dataclass
from io import BytesIO

from flask import Response
from flask_babel import gettext as _
from PIL import Image, ImageOps
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from ..database import db
from ..security import PRIVATE_HEADERS
from ..staff.editing.media import clean_name
from .models import FeedbackItem, FeedbackPhoto

MAX_PHOTOS = 3
MB = 1024 * 1024
MAX_BYTES = 10 * MB  # each photo; the request's limit allows all of them at this size
# A phone camera's largest JPEG (50 megapixels) is decoded at a reduced scale; a PNG or
# WebP this large takes 200 MB while it is reduced. Pillow's own bomb check is above it.
MAX_PIXELS = 50_000_000
LONG_SIDE = 1600  # enough to see a step or a sign; a phone photo is four times that
QUALITY = 85
# The types taken, as an upload's `accept` names them, and as the hint names them.
TYPES = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WebP"}
DECODERS = ("JPEG", "PNG", "WEBP")  # Pillow's names of the same formats
NAME_LENGTH = 40  # of a file name quoted in a message
# Like the status page; shown in the browser, not downloaded; never taken for another type.
HEADERS = {**PRIVATE_HEADERS, "X-Content-Type-Options": "nosniff"}

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Photo:
    """A photo ready to keep: re-encoded, without metadata."""

    content_type: str
    data: bytes
    width: int
    height: int


class PhotoProblem(ValueError):
    """Why an upload is not taken, in words for the resident."""


def chosen(files: list[FileStorage]) -> list[tuple[int, FileStorage]]:
    """The uploads a resident chose, each with the number of its input (1, 2, 3): an input
    left empty is sent with no file name, and keeps its place."""
    return [(number, f) for number, f in enumerate(files, 1) if f.filename]


def read_all(files: list[FileStorage]) -> tuple[list[Photo], str | None]:
    """The photos of the uploads `files` (every input's, empty ones too, in order), or the
    first problem with them."""
    uploads = chosen(files)
    if len(uploads) > MAX_PHOTOS:
        message = _(
            "最多可以附 %(n)d 张照片，您选了 %(count)d 张。", n=MAX_PHOTOS, count=len(uploads)
        )
        return [], message
    photos = []
    for number, upload in uploads:
        try:
            photos.append(read(upload))
        except PhotoProblem as problem:
            name = clean_name(upload.filename or "", "…")
            if len(name) > NAME_LENGTH:
                name = name[: NAME_LENGTH - 1] + "…"
            return [], _("第 %(n)d 张照片（%(name)s）：%(problem)s", n=number, name=name,
                         problem=str(problem))  # fmt: skip
    return photos, None


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


def prepare(data: bytes) -> Photo:
    """The bytes of an image file as a photo to keep: decoded, turned as the camera says
    (EXIF orientation), at most LONG_SIDE pixels on its long side, and encoded again from
    its pixels alone. A photo becomes a JPEG; a PNG (usually a screenshot) stays a PNG when
    that is smaller, so that text in it stays sharp."""
    try:
        with Image.open(BytesIO(data), formats=DECODERS) as image:
            if image.width * image.height > MAX_PIXELS:
                raise PhotoProblem(_too_many_pixels())
            source = image.format
            _draft(image)
            pixels = _pixels(ImageOps.exif_transpose(image))
    except PhotoProblem:
        raise
    except Image.UnidentifiedImageError:
        raise PhotoProblem(_("这不是 JPEG、PNG 或 WebP 格式的照片。请换一张照片。")) from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoProblem(_too_many_pixels()) from None
    # A decoder fed hostile bytes may fail in any way; the resident needs a message.
    except Exception as error:
        log.info("A photo could not be decoded: %r", error)
        raise PhotoProblem(_("照片打不开，文件可能已经损坏。请换一张照片。")) from None
    pixels.thumbnail((LONG_SIDE, LONG_SIDE), Image.Resampling.LANCZOS)
    encodings = [("image/jpeg", _encode(_flattened(pixels), "JPEG"))]
    if source == "PNG":
        encodings.append(("image/png", _encode(pixels, "PNG")))
    content_type, encoded = min(encodings, key=lambda encoding: len(encoding[1]))
    return Photo(content_type, encoded, pixels.width, pixels.height)


def _too_many_pixels() -> str:
    """What to say about an image too large to decode safely."""
    return _("照片的像素太多，不能处理。请换一张，或者把照片截图后再选截图。")


def _draft(image: Image.Image) -> None:
    """Have a JPEG decoded at the smallest scale still at least LONG_SIDE on its long side
    (other formats ignore this): a large photo then takes a fraction of the memory."""
    scale = LONG_SIDE / max(image.width, image.height)
    if scale < 1:
        image.draft("RGB", (round(image.width * scale), round(image.height * scale)))


def _pixels(image: Image.Image) -> Image.Image:
    """A new image of the same pixels (RGB, or RGBA when it has transparency), with none of
    the file's information (EXIF, XMP, ICC profile, comments, text chunks) to be saved."""
    has_alpha = "A" in image.getbands() or "transparency" in image.info
    pixels = image.convert("RGBA" if has_alpha else "RGB")
    return Image.frombytes(pixels.mode, pixels.size, pixels.tobytes())


def _flattened(pixels: Image.Image) -> Image.Image:
    """RGB pixels as they are, RGBA ones on white: a JPEG has no transparency."""
    if pixels.mode == "RGB":
        return pixels
    white = Image.new("RGB", pixels.size, "white")
    white.paste(pixels, mask=pixels.getchannel("A"))
    return white


def _encode(image: Image.Image, encoder: str) -> bytes:
    """The image as a JPEG or PNG file, with nothing but its pixels."""
    out = BytesIO()
    if encoder == "JPEG":
        image.save(out, "JPEG", quality=QUALITY, optimize=True)
    else:
        image.save(out, "PNG")
    return out.getvalue()


def already_kept(photos: list[Photo], kept: list[FeedbackPhoto]) -> bool:
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
