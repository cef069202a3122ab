"""Security headers on every response, including a strict Content-Security-Policy; the
caching rules that keep staff and session pages out of shared and browser caches; when a
page last changed (Last-Modified); which Range headers are served; the one check of a local
address to return to after a form; who a visitor is to the rate limits; and the Host headers
no address of the site can be built on, refused before anything reads them."""

import ipaddress
import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import TypeVar
from urllib.parse import urlsplit
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from flask import Flask, Response, current_app, make_response, request, session
from werkzeug.http import parse_range_header
from werkzeug.wrappers import Request as BaseRequest
from werkzeug.wrappers import Response as BaseResponse
from werkzeug.wsgi import get_host

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)


def client_network() -> str:
    """The visitor as the rate limits count them: their IPv4 address, or their IPv6
    address's /64 network, since a home or a phone is given a whole /64 and may send from
    any address in it (else one visitor could use up a limit meant for everyone). Printable
    characters only, at most 64: a proxy's X-Forwarded-For is whatever the client wrote."""
    address = "".join(filter(str.isprintable, request.remote_addr or "unknown"))[:64]
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped:  # ::ffff:192.0.2.1 is 192.0.2.1
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((int(parsed), 64), strict=False))
    return str(parsed)


def safe_next(target: str | None) -> str:
    """The local path to return to; anything else becomes the home page in this language."""
    home = request.script_root + "/"
    if not target or not target.startswith("/") or target.startswith("//"):
        return home
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or "\\" in target or any(ord(ch) < 32 for ch in target):
        return home
    return target


# The protective headers of every response, Flask's and the WSGI layers' own (a private
# route's Referrer-Policy is stricter: PRIVATE_HEADERS).
PROTECTIVE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(self)",
}
HSTS = "max-age=31536000; includeSubDomains"


def add_security_headers(response: Response) -> Response:
    """Set CSP and the other protective headers; HSTS only over HTTPS."""
    headers = response.headers
    for name, value in PROTECTIVE_HEADERS.items():
        headers.setdefault(name, value)
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def is_back_office(path: str | None = None) -> bool:
    """True for the staff pages and their downloads (in either language); `path` is the
    request's path (without /en) unless given."""
    path = request.path if path is None else path
    return path == "/staff" or path.startswith("/staff/")


def add_cache_rules(response: Response) -> Response:
    """Never store a back-office page or download anywhere (they hold unpublished work and
    staff data, and a shared computer's Back button must not show them after signing out);
    keep anything that depends on a session out of shared caches."""
    if is_back_office():
        response.headers["Cache-Control"] = "no-store"
    elif session and not response.cache_control.public:
        # The session holds a staff sign-in, a message to show once, or a form's token.
        response.cache_control.private = True
    return response


# The methods that only read: a view that shows a form for them and saves for anything else
# must count HEAD as a read (a link checker's HEAD once took the editor's save path and
# emptied the autosaved draft).
READS = frozenset({"GET", "HEAD"})

# A page only its holder may see (a status link, a subscriber's page, a photo): never kept
# by a browser or a proxy, never indexed, never named in a Referer.
PRIVATE_HEADERS = {
    "Cache-Control": "private, no-store",
    "X-Robots-Tag": "noindex, nofollow",
    "Referrer-Policy": "no-referrer",
}
# The page such an address answers a POST with (a follow-up or a subscriber's change shown
# again with its error, 大字版 pressed without JavaScript on a page that keeps what was
# typed, every page of the eligibility check) is kept by the browser, for Back and Forward.
# Chromium (156, checked in a11y_tests/test_back_after_posting.py and
# test_eligibility_journey.py) shows the page of a POST again on Back only from its HTTP
# cache: with `no-store` Back shows "Confirm form resubmission" (ERR_CACHE_MISS), and a
# reload sends the post again. A redirect to a GET would lose what was typed, or keep it
# somewhere (an address, a cookie, the database) where nothing unsent may be kept. With
# `no-cache` Back and Forward show the page as it was and send nothing, no shared cache
# keeps it, and nothing else reuses it (a browser keys a POST's answer by that very post).
# The price, on a shared computer: the page stays in that browser's cache, where the next
# person's Back reaches it, until the cache is cleared. For a status link or a subscriber's
# page that adds little to what the browser's history holds anyway, the address whose token
# opens the page afresh; what is new is a text typed and not sent, and losing it to Back is
# the worse harm. A page read by GET at these addresses, and the pages reached by GET alone
# (the sent page, whose address names nothing and whose 不再显示 must leave nothing behind;
# the photos), stay `no-store`.
PRIVATE_POST_HEADERS = {**PRIVATE_HEADERS, "Cache-Control": "private, no-cache"}


def private_headers(response: BaseResponse, headers: dict = PRIVATE_HEADERS) -> dict:
    """A private address's `headers` for `response`: a page answering a POST is kept for
    Back and Forward (see PRIVATE_POST_HEADERS); a redirect, which Back never shows, is not."""
    if request.method == "POST" and response.status_code // 100 != 3:
        return {**headers, "Cache-Control": PRIVATE_POST_HEADERS["Cache-Control"]}
    return headers


def private(
    body: str | BaseResponse, status: int = 200, headers: dict = PRIVATE_HEADERS
) -> Response:
    """A response (a page, or one already made) that only its holder may see."""
    response = make_response(body, status)
    response.headers.update(private_headers(response, headers))
    return response


_View = TypeVar("_View", bound=Callable)
# A run of slashes in a path, which names the same address as one slash.
REPEATED_SLASHES = re.compile("/{2,}")
# Where the app keeps the addresses of its private routes (`private_paths`).
PRIVATE_PATHS = "barrierfree_private_paths"


def private_route(headers: dict = PRIVATE_HEADERS) -> Callable[[_View], _View]:
    """Mark a view (under its route decorator) whose address is only its holder's, such
    as a status link: every response to that address gets `headers` (`keep_private`; the
    answer to a POST is kept for Back, `private_headers`), the view's own pages and every
    error page alike (a body too large, a photo not found, a failure), and so does any
    address that starts as its rule does (a token followed by what no rule takes)."""

    def mark(view: _View) -> _View:
        view.private_headers = headers  # type: ignore[attr-defined]
        return view

    return mark


def private_paths(app: Flask) -> tuple[tuple[str, dict], ...]:
    """The private routes' addresses up to their first variable part (the token), with
    their headers; found in the app's rules once."""
    found = app.extensions.get(PRIVATE_PATHS)
    if found is None:
        found = tuple(
            (rule.rule.split("<", 1)[0], view.private_headers)
            for rule in app.url_map.iter_rules()
            if (view := app.view_functions.get(rule.endpoint)) is not None
            and hasattr(view, "private_headers")
        )
        app.extensions[PRIVATE_PATHS] = found
    return found


def keep_private(response: Response) -> Response:
    """Give a response to a private route's address the route's private headers for this
    request (`private_headers`), whoever made it: the view, an error handler, the 500 page
    (after-request hooks run for them all), or the redirect from the address written with
    repeated slashes (/feedback//status/…), which names the token too. The path is read
    without the /en prefix, as routes are."""
    path = REPEATED_SLASHES.sub("/", request.path)
    for start, headers in private_paths(current_app):
        if path.startswith(start):
            response.headers.update(private_headers(response, headers))
            break
    return response


# What a public page or download is sent as, when it may be answered "not modified".
CONDITIONAL_TYPES = frozenset(
    ("text/html", "text/plain", "text/csv", "application/json", "application/geo+json",
     "application/xml", "application/atom+xml")
)  # fmt: skip


def conditional(response: Response, asked: BaseRequest) -> Response:
    """`response` as the conditional headers of `asked` have it: 304 Not Modified to a
    browser that has it, 412 when If-Match names another version. Werkzeug answers
    `If-Match: *` on a read 412, and If-Match with a matching If-None-Match 200, so
    If-Match is judged here and the other headers are left to it. A Range is not read: a
    page is sent whole."""
    # make_conditional changes `response` itself (and returns it, typed as Werkzeug's class).
    if not asked.if_match:
        response.make_conditional(asked)
        return response
    etag, _weak = response.get_etag()
    if not asked.if_match.contains(etag or ""):
        response.status_code = 412  # the headers already set stay
        response.set_data(b"")
        return response
    response.make_conditional(
        {name: value for name, value in asked.environ.items() if name != "HTTP_IF_MATCH"}
    )
    return response


def served_range(value: str) -> bool:
    """True for a Range header the site answers as asked: one range of bytes, as Werkzeug
    reads it. `make_conditional` (behind `send_file`: the assets, uploaded files, the icon)
    answers such a range 206 with its part, or 416 when it starts past the end; but it
    answers 416 to any other Range too (a typing error, another unit, several ranges), which
    refuses a file that is there. RFC 9110 (section 14.2) lets a server ignore a Range it
    does not serve: those are answered whole, 200 (`UnservedRangesIgnored`)."""
    asked = parse_range_header(value)
    return asked is not None and asked.units == "bytes" and len(asked.ranges) == 1


class UnservedRangesIgnored:
    """WSGI: a Range header the site does not serve (`served_range`) taken out of the request
    before anything reads it, the page cache's layer and Werkzeug's `make_conditional`
    alike: what is left is a range the site serves, or no Range at all."""

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """The wrapped application, asked without a Range it would refuse."""
        if "HTTP_RANGE" in environ and not served_range(environ["HTTP_RANGE"]):
            del environ["HTTP_RANGE"]
        return self.app(environ, start_response)


# The answer to a request whose site address cannot be read (a malformed Host header, from a
# broken client rather than a person): no page with links can be built for it, so a line in
# both languages (`UnreadableHostRefused`, and `errors.unaddressable` for a host Werkzeug
# itself cannot route).
UNADDRESSABLE = (
    "无法识别本站的地址，请检查网址。\n"
    "The address of this site could not be read: check the URL.\n"
)  # fmt: skip


def readable_host(host: str) -> bool:
    """True for a host (`host:port`, as Werkzeug reads a request's: `werkzeug.wsgi.get_host`)
    whose name goes to IDNA and back. Werkzeug's routing encodes it and `request.host_url`
    decodes it, and either raises for a name that does not (a label longer than 63 letters,
    an empty label, "xn--" followed by what is not Punycode): the page failed, and the error
    page too, which writes `request.host_url`. The empty host (none sent, or characters
    Werkzeug does not take, which it reads as none) is readable."""
    name = urlsplit(f"//{host}").hostname or ""
    try:
        name.encode("idna").decode("idna")
    except UnicodeError:  # UnicodeEncodeError and UnicodeDecodeError are UnicodeErrors
        return False
    return True


class UnreadableHostRefused:
    """WSGI: a request whose Host no address can be built on (`readable_host`) answered 400
    with `UNADDRESSABLE` in plain text and the protective headers, before any layer reads
    the host (the page cache keys pages by it; Flask routes by it; every page writes it)."""

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """The wrapped application, or the plain 400 for an unreadable Host."""
        try:
            readable = readable_host(get_host(environ))
        except ValueError:  # a port or an IPv6 address urlsplit does not take
            readable = False
        if readable:
            return self.app(environ, start_response)
        headers = {**PROTECTIVE_HEADERS, "Cache-Control": "no-store"}
        response = BaseResponse(
            UNADDRESSABLE, 400, headers, content_type="text/plain; charset=utf-8"
        )
        return response(environ, start_response)


def answer_conditionally(response: Response) -> Response:
    """Give a public page or download an ETag, and answer 304 Not Modified to a browser
    that already has it: most pages change a few times a month, not between visits."""
    if (
        request.method in READS
        and response.status_code == 200
        and not is_back_office()
        and not response.direct_passthrough
        and response.mimetype in CONDITIONAL_TYPES
        and "ETag" not in response.headers
    ):
        response.add_etag()
        response = conditional(response, request)
    return response


def last_modified(body: str, *moments: datetime | None, own_rows: bool = False) -> Response:
    """The page `body` as a response that says when it last changed: the newest of
    `moments` (UTC, as stored), answered "not modified" to If-Modified-Since by
    `answer_conditionally`. Browsers must still ask before reusing it (no-cache): given a
    Last-Modified and no lifetime, they would reuse a page unasked for a tenth of its age.

    `own_rows`: the moments are the times of the page's own rows alone (a static page, an
    update, the list of updates), which the demo banner does not move. The banner is on
    every page while the demo pack is in the database, and comes and goes with the pack
    (`flask content load --demo`, `flask content remove-demo`) at a time no row keeps: so
    while it is in, such a page says no date, and a browser holding it with the banner, or
    from before the banner, is never told "not modified" by one. The ETag, made from the
    page itself, still answers 304. (The last public change, which other pages give, moves
    with the pack: its places and contacts are public rows.)"""
    from .demo import is_loaded  # it reads the page cache, which needs this module

    response = make_response(body)
    known = [moment for moment in moments if moment is not None]
    if known and not (own_rows and is_loaded()):
        response.last_modified = max(known).replace(tzinfo=UTC)
        response.cache_control.no_cache = True
    return response


def init_app(app: Flask) -> None:
    """Register the header hooks, the WSGI layer that drops a Range the site ignores, and,
    outside every other layer, the one that refuses a Host no address can be built on."""
    # Registered first, so it runs last of these: a private route's headers win.
    app.after_request(keep_private)
    app.after_request(answer_conditionally)
    app.after_request(add_security_headers)
    app.after_request(add_cache_rules)
    app.wsgi_app = UnservedRangesIgnored(app.wsgi_app)  # type: ignore[method-assign]
    app.wsgi_app = UnreadableHostRefused(app.wsgi_app)  # type: ignore[method-assign]
