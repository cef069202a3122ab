"""gzip and Brotli for every text response: pages, fragments, CSS, JavaScript, JSON, GeoJSON,
CSV, XML and the feed; never for images and attachments, which are compressed already."""

from flask import Flask, Response
from flask_compress import Compress

TEXT_TYPES = [
    "text/html", "text/css", "text/plain", "text/csv", "text/javascript",
    "application/javascript", "application/json", "application/geo+json", "application/ld+json",
    "application/xml", "application/atom+xml", "image/svg+xml",
]  # fmt: skip


def read_text_file(response: Response) -> Response:
    """A text file (CSS, JavaScript, the icon) read into the response before it is
    compressed: a file sent as a stream would be compressed without gzip, and its file
    left open. They are small; images and attachments still stream, uncompressed."""
    if response.is_streamed and response.mimetype in TEXT_TYPES:
        response.direct_passthrough = False
        response.get_data()  # keeps the file's close for when the response closes
    return response


def init_app(app: Flask) -> None:
    """Compress the text types with Brotli where the browser takes it, else gzip."""
    app.config.setdefault("COMPRESS_MIMETYPES", TEXT_TYPES)
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    Compress(app)
    app.after_request(read_text_file)  # registered after Compress's hook, so it runs first
