"""Images and attachments staff upload for their updates and pages.

A file is kept under a random name in the instance folder and served at /media/<name>
(same site, so the Content-Security-Policy allows it). Only the formats listed here are
accepted, recognised by their first bytes, not by the name the file came with: SVG and
HTML are refused, since a browser would run their scripts. JPEG, PNG, WebP and GIF images
are decoded and re-encoded without their metadata (a phone's photo says where it was taken).

The name a file came with is kept, cleaned, to name it on the back office and in the
download: a header cannot carry a line break, and a file system takes only so long a name.

A publisher or an administrator can delete a file (a list of named people uploaded by
mistake must be removable): a page first names every item whose text still links it,
published or not, and the deletion, posted from there, removes the row and the file and is
audited; if an item came to link it since the page was shown, the page comes again. The
address then answers 404; the row's deletion raises the page cache's generation
(media_file is a public table), so no cached page outlives it.

The same upload sent twice (a double click) is kept once: this account's newest upload,
within the duplicate window, of a file with the same name and the same bytes as kept
(`_uploaded_just_now`), is the answer to the second. Two sent at the same moment are looked
at one after the other, each with its own row written and the account held
(`sessions.one_at_a_time`), so the second sees the first.
"""

import logging
import re
import secrets
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import UTC
from io import BytesIO
from pathlib import Path
from typing import cast

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import CursorResult, String, Text, or_, select
from sqlalchemy import delete as sql_delete
from werkzeug.http import is_resource_modified

from ...database import db, erase_deleted, utcnow
from ...feedback.queries import DUPLICATE_WINDOW
from ...i18n import EN, PREFIX, is_english
from ...images import DECODERS, MB, PhotoProblem, prepare
from ..accounts import sessions
from ..accounts.audit import record as audit
from ..models import EDITOR, PUBLISHER, AuditEntry, MediaFile
from .authoring import ALT_PLACEHOLDER

log = logging.getLogger(__name__)

bp = Blueprint("media", __name__, url_prefix="/staff/media")
public = Blueprint("media_files", __name__)
MAX_BYTES = 10 * MB
NAME = 32 + 5  # random hex, dot, extension
# What an upload the server could not write says (the media page, the spreadsheet check).
NOT_WRITTEN = _l("服务器暂时写不进文件，这次没有上传。请过一会儿再试，或者告诉网站管理员。")
# UTF-8 bytes of a kept name: within the 255 most file systems take, and the column's 200.
NAME_BYTES = 200
EXTENSION = 10  # a longer "extension" is part of the name, and may be cut
PATH_SEPARATOR = re.compile(r"[/\\]")


@dataclass(frozen=True)
class Format:
    """A kind of file staff may upload: its extension, its MIME type, whether it is an
    image, and its name on the uploads page."""

    extension: str
    mimetype: str
    image: bool
    label: str


FORMATS = (
    Format("png", "image/png", True, "PNG"),
    Format("jpg", "image/jpeg", True, "JPEG"),
    Format("gif", "image/gif", True, "GIF"),
    Format("webp", "image/webp", True, "WebP"),
    Format("pdf", "application/pdf", False, "PDF"),
    Format("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
           False, "Word"),
    Format("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
           False, "Excel"),
)  # fmt: skip
BY_EXTENSION = {f.extension: f for f in FORMATS}
SAME_EXTENSION = {"jpg": ("jpeg", "jpe")}  # other names of a format's files


def recognise(data: bytes) -> Format | None:
    """The format the bytes are in, if it is one we accept."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return BY_EXTENSION["png"]
    if data.startswith(b"\xff\xd8\xff"):
        return BY_EXTENSION["jpg"]
    if data.startswith((b"GIF87a", b"GIF89a")):
        return BY_EXTENSION["gif"]
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return BY_EXTENSION["webp"]
    if data.startswith(b"%PDF-"):
        return BY_EXTENSION["pdf"]
    if data.startswith(b"PK\x03\x04"):
        return _office(data)
    return None


# Images re-encoded from their pixels before they are published: a phone's photo carries
# where it was taken and with what, and a file's first bytes say nothing of the rest.
# A GIF keeps its first frame (nothing on a page moves by itself, WCAG 2.2.2). A scanned
# notice must stay legible: twice a resident's photo on the long side.
CLEANED = ("png", "jpg", "webp", "gif")
ENCODED_AS = {"image/jpeg": "jpg", "image/png": "png"}
LONG_SIDE = 3200


def _cleaned(data: bytes) -> tuple[Format, bytes]:
    """An image as it is published: decoded, upright, at most LONG_SIDE pixels on its long
    side, without its metadata (images.prepare); PhotoProblem if it is not one."""
    image = prepare(data, decoders=(*DECODERS, "GIF"), long_side=LONG_SIDE)
    return BY_EXTENSION[ENCODED_AS[image.content_type]], image.data


def _office(data: bytes) -> Format | None:
    """A Word or Excel file (a zip with the part that names it), or None."""
    try:
        names = set(zipfile.ZipFile(BytesIO(data)).namelist())
    except (zipfile.BadZipFile, ValueError, NotImplementedError):
        # Damaged, not a zip, or one in a version of the format (or on several disks) that
        # no reader takes: not a Word or Excel file as far as anyone can open it.
        return None
    if "word/document.xml" in names:
        return BY_EXTENSION["docx"]
    if "xl/workbook.xml" in names:
        return BY_EXTENSION["xlsx"]
    return None


def clean_name(filename: str, fallback: str) -> str:
    """The name a file came with, fit to show and to name its download; `fallback` for none.

    Only the last part of a path counts (some browsers send the whole path). Line breaks and
    other white space become one space; other invisible characters go, since a header
    cannot carry them and a direction override can disguise an extension. A name too long
    for a file system is cut, keeping its extension.
    """
    name = PATH_SEPARATOR.split(filename)[-1]
    name = " ".join("".join(ch for ch in name if ch.isspace() or _is_visible(ch)).split())
    if not name.strip("."):
        return fallback
    stem, dot, extension = name.rpartition(".")
    if not dot or len(extension) > EXTENSION:
        stem, extension = name, ""
    budget = NAME_BYTES - len(extension.encode()) - len(dot)
    # Cut by bytes; "ignore" drops a character cut in half.
    stem = stem.encode()[:budget].decode(errors="ignore").rstrip()
    return f"{stem}{dot}{extension}" if stem else fallback


def named_as(name: str, kept: Format) -> str:
    """`name` (cleaned) ending in the extension of the format the file is kept in: a PNG
    kept as a JPEG (smaller) downloads as .jpg, not as a .png holding a JPEG; a name
    without a known extension (指南 v1.2) gets one added. Cut again to fit."""
    stem, dot, extension = name.rpartition(".")
    if extension.lower() in (kept.extension, *SAME_EXTENSION.get(kept.extension, ())):
        return name
    known = extension.lower() in BY_EXTENSION or any(
        extension.lower() in others for others in SAME_EXTENSION.values()
    )
    renamed = f"{stem if dot and known else name}.{kept.extension}"
    return clean_name(renamed, renamed)


def _is_visible(ch: str) -> bool:
    """False for controls, format characters (direction overrides), surrogates and the
    unassigned or private code points."""
    return not unicodedata.category(ch).startswith("C")


def link_text(name: str) -> str:
    """A file name as the text of a Markdown link: brackets and backslashes escaped."""
    return re.sub(r"([\\\[\]])", r"\\\1", name)


def public_path(name: str) -> str:
    """An uploaded file's address as content links it: /media/<name> on both sites, never
    /en/media/…, since one text is published in both languages."""
    path = url_for("media_files.file", name=name)
    # The English site is this app under /en (i18n.LocalePrefixMiddleware).
    return path.removeprefix(PREFIX[EN]) if is_english() else path


def snippet(media: MediaFile) -> str:
    """The Markdown that shows an uploaded image, its alt text a placeholder to replace
    (the authoring checks refuse it unchanged), or that links a document by its name."""
    url = public_path(media.name)
    if media.mimetype.startswith("image/"):
        return f"![{ALT_PLACEHOLDER}]({url})"
    return f"[{link_text(media.original_name)}]({url})"


def folder_setting() -> Path:
    """Where uploaded files are kept (UPLOAD_DIR/media), made or not."""
    return Path(current_app.config["UPLOAD_DIR"]) / "media"


def folder() -> Path:
    """Where uploaded files are kept, made when missing."""
    path = folder_setting()
    path.mkdir(parents=True, exist_ok=True)
    return path


def _write(name: str, data: bytes) -> Path:
    """Write a file whole or not at all (under a temporary name, then renamed): a full
    disk leaves no half file behind."""
    path = folder() / name
    partial = path.with_name(f".{name}.partial")
    try:
        partial.write_bytes(data)
        partial.rename(path)
    except OSError:
        partial.unlink(missing_ok=True)
        raise
    return path


def _page(errors: dict, status: int = 200) -> tuple[str, int]:
    """The uploads page: every file, newest first, with its snippet; `errors` by field."""
    files = db.session.scalars(select(MediaFile).order_by(MediaFile.id.desc())).all()
    snippets = {media.name: snippet(media) for media in files}
    return render_template(
        "staff/media.html", files=files, snippets=snippets, errors=errors, formats=FORMATS
    ), status


def _refused(error: str, status: int) -> tuple[str, int]:
    """The uploads page again, with `error` beside the file field."""
    return _page({"file": error}, status)


@bp.get("/")
@sessions.require(EDITOR)
def index() -> tuple[str, int]:
    """The uploaded files, each with the Markdown that shows or links it."""
    return _page({})


@bp.post("/")
@sessions.require(EDITOR)
def upload() -> ResponseReturnValue:
    """Keep one uploaded image or document."""
    upload = request.files.get("file")
    chosen = upload is not None and bool(upload.filename)
    data = upload.read(MAX_BYTES + 1) if upload is not None and chosen else b""
    error = None
    if not chosen:
        error = _("请选择要上传的图片或文件。")
    elif not data:
        error = _("这个文件是空的（0 字节）。请检查后重新选择。")
    elif len(data) > MAX_BYTES:
        error = _("文件太大：最大 %(mb)d MB。", mb=MAX_BYTES // MB)
    elif (found := recognise(data)) is None:
        error = _(
            "这种文件不能上传。可以上传的图片：PNG、JPEG、GIF、WebP；文件：PDF、Word（docx）、"
            "Excel（xlsx）。"
        )
    elif found.extension in CLEANED:
        try:
            found, data = _cleaned(data)
        except PhotoProblem as problem:
            error = str(problem)
    if error or found is None or upload is None:
        return _refused(error or "", 400)
    name = f"{secrets.token_hex(16)}.{found.extension}"
    original = named_as(clean_name(upload.filename or "", name), found)
    media = MediaFile(
        name=name,
        original_name=original,
        mimetype=found.mimetype,
        size=len(data),
        uploaded_by=g.staff.username,
    )
    sessions.one_at_a_time(media)
    if _uploaded_just_now(media, data):  # its answer may be lost: go on as it did
        db.session.rollback()  # before this file is written: nothing of it is left
        flash(_("“%(name)s”刚才已经上传过了，没有再上传一次。", name=original))
        return redirect(url_for("media.index"), code=303)
    audit("upload", "media", name, original)
    try:
        written = _write(name, data)
    except OSError as problem:  # the folder cannot be written: the disk is full, or
        db.session.rollback()  # the folder is read-only or missing
        log.error("an upload could not be written to %s: %s", folder_setting(), problem)
        return _refused(str(NOT_WRITTEN), 503)
    try:
        db.session.commit()
    except BaseException:  # nothing names the file: it goes too
        written.unlink(missing_ok=True)
        raise
    flash(_("已上传“%(name)s”。下面的表格里有插入正文用的写法。", name=original))
    return redirect(url_for("media.index"), code=303)


def _uploaded_just_now(media: MediaFile, data: bytes) -> bool:
    """True when this account's newest upload before `media`, within the duplicate window,
    is this very file: the same name, and the same bytes as kept (an image's after
    re-encoding). The upload form sent again (a double click, Back and send), which would
    keep it twice. As the editor tells a new item's form sent twice
    (`editor._created_just_now`). Call it with the account held (`sessions.one_at_a_time`)."""
    newest = db.session.scalar(
        select(MediaFile)
        .where(MediaFile.uploaded_by == media.uploaded_by, MediaFile.id != media.id)
        .order_by(MediaFile.id.desc())
        .limit(1)
    )
    if (
        newest is None
        or newest.uploaded_at < utcnow() - DUPLICATE_WINDOW
        or (newest.original_name, newest.mimetype, newest.size)
        != (media.original_name, media.mimetype, media.size)
    ):
        return False
    try:
        return (folder_setting() / newest.name).read_bytes() == data
    except OSError:  # its file is gone: keep this one
        return False


@dataclass(frozen=True)
class Link:
    """An item whose text links an uploaded file: its kind's name, title, status, the
    editor's page for it, and a key naming it in the confirmation's form."""

    kind: str
    title: str
    published: bool
    url: str
    key: str


def links_to(name: str) -> list[Link]:
    """Every item (of every editable kind, published, draft or withdrawn) whose text names
    the file's address, /media/<name>."""
    from .forms import EDITABLE

    address = f"/media/{name}"
    found = []
    for kind in EDITABLE.values():
        model = kind.model
        texts = [c for c in model.__table__.columns if isinstance(c.type, String | Text)]
        rows = db.session.scalars(select(model).where(or_(*(c.contains(address) for c in texts))))
        for row in rows:
            found.append(
                Link(
                    kind=str(kind.label),
                    title=str(getattr(row, kind.title_field)),
                    published=getattr(row, "status", "published") == "published",
                    url=url_for("editor.edit", kind_name=kind.name, item_id=row.id),
                    key=f"{kind.name}:{row.id}",
                )
            )
    return found


@bp.route("/<name>/delete", methods=["GET", "POST"])
@sessions.require(PUBLISHER)
def delete(name: str) -> ResponseReturnValue:
    """Delete an uploaded file, after a page that names where it is still linked (GET);
    the row and the file go (POST), audited. Links to it then lead to a 404 page. An item
    that came to link the file after the page was shown was not in the list the member of
    staff decided on: the page comes again, naming it, and nothing is deleted."""
    media = db.session.scalar(select(MediaFile).where(MediaFile.name == name))
    if media is None:
        return _already_deleted(name) if request.method == "POST" else abort(404)
    links = links_to(name)
    if request.method == "GET":
        return render_template("staff/media_delete.html", media=media, links=links)
    shown = set(request.form.getlist("linked"))
    added = {link.key for link in links if link.key not in shown}
    if added:
        page = render_template("staff/media_delete.html", media=media, links=links, added=added)
        return page, 409
    # One statement, so of two deletions at once (a double click) only one removes the row;
    # the other was loaded before it went and is told so.
    removed = cast(
        CursorResult, db.session.execute(sql_delete(MediaFile).where(MediaFile.name == name))
    )
    if not removed.rowcount:
        db.session.rollback()
        return _already_deleted(name)
    original = media.original_name
    audit("delete-media", "media", name, original)
    db.session.commit()
    erase_deleted(removed.rowcount)
    (folder_setting() / name).unlink(missing_ok=True)
    flash(_("已删除“%(name)s”。网站上再打开它的地址会显示“找不到”。", name=original))
    return redirect(url_for("media.index"), code=303)


def _already_deleted(name: str) -> ResponseReturnValue:
    """The answer to a deletion of a file that another request deleted first (a second
    click, or another publisher): the uploads page, saying so. 404 when none ever did."""
    original = db.session.scalar(
        select(AuditEntry.detail)
        .where(AuditEntry.action == "delete-media", AuditEntry.key == name)
        .order_by(AuditEntry.id.desc())
        .limit(1)
    )
    if original is None:
        abort(404)
    flash(_("“%(name)s”已经删除了，不用再删。", name=original))
    return redirect(url_for("media.index"), code=303)


@public.get("/media/<name>")
def file(name: str) -> Response:
    """An uploaded file, as it was kept (images and PDF shown, Office files downloaded)."""
    if len(name) > NAME or not all(ch.isascii() and (ch.isalnum() or ch == ".") for ch in name):
        abort(404)
    media = db.session.scalar(select(MediaFile).where(MediaFile.name == name)) or abort(404)
    path = folder() / media.name
    if not path.is_file():
        abort(404)
    inline = media.mimetype.startswith("image/") or media.mimetype == "application/pdf"
    # The bytes kept under a name never change (an upload gets a new name), so the name is
    # the ETag. Browsers and proxies keep the file but ask before each use (no-cache): a
    # deleted file (a list of named people uploaded by mistake) is gone from them at once,
    # and asking about one unchanged is answered 304 without reading it.
    uploaded = media.uploaded_at.replace(tzinfo=UTC)
    unchanged = not is_resource_modified(request.environ, media.name, last_modified=uploaded)
    # send_file names the download as RFC 6266 asks: an ASCII name, and filename* in UTF-8.
    # It gets the bytes, not the path, so no file is left open when a client goes away.
    response = send_file(
        BytesIO(b"" if unchanged else path.read_bytes()),
        mimetype=media.mimetype,
        as_attachment=not inline,
        download_name=media.original_name,
        etag=media.name,
        last_modified=uploaded,
    )
    response.cache_control.public = True
    return response
