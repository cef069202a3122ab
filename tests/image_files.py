"""Image files made by the tests themselves (no binary files in the repository): plain ones,
one carrying a location, and decompression bombs' headers."""

import struct
import zlib
from io import BytesIO

from PIL import Image

GPS = 0x8825  # the EXIF tag of the GPS block


def image_file(fmt: str = "JPEG", size=(800, 600), colour="red", **save) -> bytes:
    """An image made here (no binary files in the repository), as `fmt` bytes."""
    out = BytesIO()
    Image.new("RGBA" if fmt == "PNG" else "RGB", size, colour).save(out, fmt, **save)
    return out.getvalue()


def with_gps() -> bytes:
    """A JPEG carrying GPS coordinates, a camera model and a comment in its metadata."""
    exif = Image.Exif()
    exif[0x0110] = "Phone X"  # Model
    exif[GPS] = {1: "N", 2: (36.0, 34.0, 12.0), 3: "E", 4: (116.0, 15.0, 30.0)}
    return image_file("JPEG", exif=exif.tobytes(), comment=b"at home")


def png_claiming(width: int, height: int) -> bytes:
    """A small PNG whose header claims `width` x `height` pixels: a decompression bomb's
    header, with a correct checksum, so only its size gives it away."""
    data = bytearray(image_file("PNG", (8, 8)))
    header = struct.pack(">II", width, height) + bytes(data[24:29])
    data[16:29] = header
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + header))
    return bytes(data)


def jpeg_claiming(width: int, height: int) -> bytes:
    """A small JPEG whose frame header (SOF0) claims `width` x `height` pixels."""
    data = bytearray(image_file("JPEG", (8, 8)))
    frame = data.index(b"\xff\xc0") + 5  # marker, length, precision: then height, width
    data[frame : frame + 4] = struct.pack(">HH", height, width)
    return bytes(data)
