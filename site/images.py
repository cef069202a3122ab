"""Images made safe to publish or keep: decoded, so that only a real JPEG, PNG or WebP
image gets in (whatever its name or declared type); turned upright, reduced and re-encoded
without any of the file's metadata (EXIF with the location and the camera, XMP, ICC
profiles, comments). Residents' photos of a barrier and the images staff upload both pass
through `prepare`.

Decoding is Pillow's; a file it cannot decode, whatever the reason, is a damaged file to
the person who sent it, never an error page.
"""

import logging
from dataclasses import dataclass
from io import BytesIO

from flask_babel import gettext as _
from PIL import Image, ImageOps

from .i18n import or_list

# A phone camera's largest JPEG (50 megapixels) is decoded at a reduced scale. Any other
# format is decoded whole, at four bytes a pixel and more for the copies made while it is
# turned and reduced (a 49-megapixel PNG took 4 seconds and a gigabyte): 24 megapixels is
# above a 6K screen's screenshot (20). Pillow's own bomb check is above both.
MB = 1024 * 1024  # a megabyte, in bytes: the size limits of uploads are given in MB
MAX_PIXELS = 50_000_000
MAX_PIXELS_DECODED_WHOLE = 24_000_000
LONG_SIDE = 1600  # enough to see a step or a sign; a phone photo is four times that
QUALITY = 85
DECODERS = ("JPEG", "PNG", "WEBP")  # Pillow's names of the formats taken
FORMAT_NAMES = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP", "GIF": "GIF"}

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Photo:
    """A photo ready to keep: re-encoded, without metadata."""

    content_type: str
    data: bytes
    width: int
    height: int


class PhotoProblem(ValueError):
    """Why an upload is not taken, in words for the person who sent it."""


def prepare(data: bytes, decoders: tuple[str, ...] = DECODERS, long_side: int = LONG_SIDE) -> Photo:
    """The bytes of an image file (in one of `decoders`) as a photo to keep: decoded, turned
    as the camera says (EXIF orientation), at most `long_side` pixels on its long side, and
    encoded again from its pixels alone (an animation's first frame). A photo becomes a
    JPEG; a PNG or GIF (usually a screenshot or a drawing) stays a PNG when that is
    smaller, so that text in it stays sharp."""
    try:
        with Image.open(BytesIO(data), formats=decoders) as image:
            limit = MAX_PIXELS if image.format == "JPEG" else MAX_PIXELS_DECODED_WHOLE
            if image.width * image.height > limit:
                raise PhotoProblem(_too_many_pixels())
            source = image.format
            _draft(image, long_side)
            pixels = _pixels(ImageOps.exif_transpose(image))
    except PhotoProblem:
        raise
    except Image.UnidentifiedImageError:
        formats = or_list([FORMAT_NAMES[decoder] for decoder in decoders])  # taken here
        raise PhotoProblem(
            _("这不是 %(formats)s 格式的照片。请换一张照片。", formats=formats)
        ) from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoProblem(_too_many_pixels()) from None
    # A decoder fed hostile bytes may fail in any way; the resident needs a message.
    except Exception as error:
        log.info("A photo could not be decoded: %r", error)
        raise PhotoProblem(_("照片打不开，文件可能已经损坏。请换一张照片。")) from None
    pixels.thumbnail((long_side, long_side), Image.Resampling.LANCZOS)
    encodings = [("image/jpeg", _encode(_flattened(pixels), "JPEG"))]
    if source in ("PNG", "GIF"):
        encodings.append(("image/png", _encode(pixels, "PNG")))
    content_type, encoded = min(encodings, key=lambda encoding: len(encoding[1]))
    return Photo(content_type, encoded, pixels.width, pixels.height)


def _too_many_pixels() -> str:
    """What to say about an image too large to decode safely."""
    return _("照片的像素太多，不能处理。请换一张，或者把照片截图后再选截图。")


def _draft(image: Image.Image, long_side: int) -> None:
    """Have a JPEG decoded at the smallest scale still at least `long_side` on its long side
    (other formats ignore this): a large photo then takes a fraction of the memory."""
    scale = long_side / max(image.width, image.height)
    if scale < 1:
        # At least a pixel a side: a panorama's short side would round to none.
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        image.draft("RGB", size)


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
