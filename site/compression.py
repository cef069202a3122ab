"""gzip and Brotli for every text response: pages, fragments, CSS, JavaScript, JSON, GeoJSON,
CSV, XML and the feed; never for images and attachments, which are compressed already."""

from collections.abc import Iterable
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from flask import Flask, Response
from flask_compress import Compress
from flask_compress.flask_compress import _format
from werkzeug.http import parse_accept_header

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


class AcceptedCodings:
    """WSGI: the request's Accept-Encoding as the site's codings that it accepts, each with
    its weight ("br;q=1, gzip;q=0.5"; empty when it accepts neither), before the page cache
    and compression read it. Compression would send a coding the client refused ("br;q=0",
    or "*" beside "br;q=0"), which RFC 9110 says it must not; Werkzeug reads the weights,
    the wildcard and odd headers as the RFC says."""

    def __init__(self, wsgi_app: WSGIApplication, codings: Iterable[str]) -> None:
        self.wsgi_app, self.codings = wsgi_app, tuple(codings)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """The request, its Accept-Encoding rewritten (when it has one)."""
        header = environ.get("HTTP_ACCEPT_ENCODING")
        if header is not None:
            accepted = parse_accept_header(header)
            environ["HTTP_ACCEPT_ENCODING"] = ", ".join(
                f"{coding};q={accepted.quality(coding)}"
                for coding in self.codings
                if accepted.quality(coding) > 0
            )
        return self.wsgi_app(environ, start_response)


def init_app(app: Flask) -> None:
    """Compress the text types with Brotli where the browser takes it, else gzip; read the
    browser's Accept-Encoding first (`AcceptedCodings`, a WSGI layer outside the page
    cache's, so that both read it alike)."""
    app.config.setdefault("COMPRESS_MIMETYPES", TEXT_TYPES)
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    Compress(app)
    app.after_request(read_text_file)  # registered after Compress's hook, so it runs first
    app.wsgi_app = AcceptedCodings(app.wsgi_app, _format(app.config["COMPRESS_ALGORITHM"]))  # type: ignore[method-assign]
