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
from PIL import Image

from .i18n import or_list

# A phone camera's largest JPEG (50 megapixels) is decoded at a reduced scale (JPEG's draft
# mode: about 60 MB at most). Any other format is decoded whole, at up to four bytes a
# pixel, and reduced before anything else is done to it (one full-size copy more only when
# it must first become RGB or RGBA: a palette GIF or PNG, a grey one): 24 megapixels, above
# a 6K screen's screenshot (20), is then about 100 MB and 1 to 3 seconds at most, however
# small the file (a 93 KB transparent PNG of 4890 x 4890 pixels once took 360 MB more,
# copied whole four times over). Pillow's own bomb check is above both.
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
            if image.width * image.height > _pixel_limit(image.format):
                raise PhotoProblem(_too_many_pixels(image.format))
            source = image.format
            _draft(image, long_side)
            orientation = image.getexif().get(ORIENTATION, 1)
            # Reduced first, while it is the only full-size copy (thumbnail reduces by a
            # whole factor before it resamples); turned and stripped once small.
            reduced = _in_mode(image)
            reduced.thumbnail((long_side, long_side), Image.Resampling.LANCZOS)
            pixels = _pixels(_upright(reduced, orientation))
    except PhotoProblem:
        raise
    except Image.UnidentifiedImageError:
        formats = or_list([FORMAT_NAMES[decoder] for decoder in decoders])  # taken here
        raise PhotoProblem(
            _("这不是 %(formats)s 格式的照片。请换一张照片。", formats=formats)
        ) from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # Pillow's own limit, checked as the file is opened: before `image` says its format.
        raise PhotoProblem(_too_many_pixels(_format_of(data, decoders))) from None
    # A decoder fed hostile bytes may fail in any way; the resident needs a message.
    except Exception as error:
        log.info("A photo could not be decoded: %r", error)
        raise PhotoProblem(_("照片打不开，文件可能已经损坏。请换一张照片。")) from None
    encodings = [("image/jpeg", _encode(_flattened(pixels), "JPEG"))]
    if source in ("PNG", "GIF"):
        encodings.append(("image/png", _encode(pixels, "PNG")))
    content_type, encoded = min(encodings, key=lambda encoding: len(encoding[1]))
    return Photo(content_type, encoded, pixels.width, pixels.height)


# Pillow's names of a JPEG file, decoded reduced (`_draft`): a plain one, and one in the
# Multi-Picture Format (several images in one JPEG, as some phones save a photo with its
# depth map), which Pillow's JPEG decoder opens as "MPO".
JPEG_FORMATS = ("JPEG", "MPO")


def _pixel_limit(decoder: str | None) -> int:
    """The most pixels an image in this format may have: a JPEG is decoded reduced."""
    return MAX_PIXELS if decoder in JPEG_FORMATS else MAX_PIXELS_DECODED_WHOLE


def _format_of(data: bytes, decoders: tuple[str, ...]) -> str | None:
    """The first of `decoders` whose signature `data` starts with: the one Image.open
    would decode it with."""
    Image.init()
    for decoder in decoders:
        accept = Image.OPEN[decoder][1]
        if accept is None or accept(data[:16]):
            return decoder
    return None


def _too_many_pixels(decoder: str | None) -> str:
    """What to say about an image in this format with more pixels than its limit, too many
    to decode safely."""
    return _(
        "照片的像素太多（超过 %(n)d 百万像素），不能处理。请换一张，或者把照片截图后再选截图。",
        n=_pixel_limit(decoder) // 1_000_000,
    )


ORIENTATION = 0x0112  # the EXIF tag that says how the camera was held
# What turns an image upright, by its EXIF orientation (as ImageOps.exif_transpose).
UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _in_mode(image: Image.Image) -> Image.Image:
    """The image as RGB, or RGBA when it has transparency: itself when it already is (no
    copy), else converted (a palette or grey image resampled as it is would be coarse)."""
    has_alpha = "A" in image.getbands() or "transparency" in image.info
    mode = "RGBA" if has_alpha else "RGB"
    return image if image.mode == mode else image.convert(mode)


def _upright(image: Image.Image, orientation: object) -> Image.Image:
    """The image turned as the camera was held (EXIF orientation)."""
    method = UPRIGHT.get(orientation) if isinstance(orientation, int) else None
    return image.transpose(method) if method is not None else image


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
    pixels = _in_mode(image)
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
