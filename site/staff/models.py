"""Models of the back office: staff accounts and sessions, sign-in attempts, the audit log,
revisions of every saved item, autosaved drafts and scheduled publications."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import Model, utcnow

EDITOR, PUBLISHER, ADMIN = "editor", "publisher", "admin"
ROLES = (EDITOR, PUBLISHER, ADMIN)
# What each role may do: a publisher can do everything an editor can, an admin everything.
RANK = {EDITOR: 1, PUBLISHER: 2, ADMIN: 3}


class StaffUser(Model):
    """A member of staff who signs in to the back office."""

    __tablename__ = "staff_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    password_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set when an administrator chose the password (a new account, a reset): until its
    # person changes it, every back-office page leads to the password page.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=false())

    sessions: Mapped[list["StaffSession"]] = relationship(back_populates="user")

    def can(self, role: str) -> bool:
        """True when this account has `role` or a higher one."""
        return self.active and RANK[self.role] >= RANK[role]

    def __repr__(self) -> str:
        return f"<StaffUser {self.username}>"


class StaffSession(Model):
    """One signed-in browser. The cookie holds a random token; only its hash is stored, so a
    copy of the database cannot be used to sign in. An ended session never comes back."""

    __tablename__ = "staff_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str | None] = mapped_column(String(32))

    user: Mapped[StaffUser] = relationship(back_populates="sessions")


class SignInAttempt(Model):
    """Every sign-in attempt, kept for the rate limit (shared by every worker) and the log."""

    __tablename__ = "sign_in_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    username: Mapped[str] = mapped_column(String(120), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    succeeded: Mapped[bool]
    outcome: Mapped[str] = mapped_column(String(32))


class AuditEntry(Model):
    """Who did what to which item, and when."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    username: Mapped[str] = mapped_column(String(60))
    action: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(20), default="")
    key: Mapped[str] = mapped_column(String(80), default="")
    detail: Mapped[str] = mapped_column(Text, default="")


class Revision(Model):
    """The editable fields of an item as one save left them."""

    __table_args__ = (Index("ix_revision_item", "kind", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    item_id: Mapped[int]
    version: Mapped[int]
    data: Mapped[dict] = mapped_column(JSON)
    action: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    username: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The scheduled publication this change cancelled ({"publish_at": ISO time in UTC,
    # "user_id": who scheduled it}), which an undo of the change puts back.
    cancelled_schedule: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))


class Autosave(Model):
    """The text a member of staff was writing, kept on the server until saved or discarded.

    `key` is the item's id; for an item not yet created, the draft key of the form it was
    typed in ("new-" and a random token, drawn each time the new form opens, so two tabs
    keep two drafts; "new" in rows kept before draft keys). A late form's text kept beside
    a newer autosave ends in ":kept" (editing/autosaves.py).
    """

    __table_args__ = (UniqueConstraint("user_id", "kind", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
    kind: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict] = mapped_column(JSON)
    base_version: Mapped[int | None]
    saved_at: Mapped[datetime] = mapped_column(default=utcnow)


class Schedule(Model):
    """A draft to be published at a given time (UTC)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    item_id: Mapped[int]
    publish_at: Mapped[datetime] = mapped_column(index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))

    __table_args__ = (UniqueConstraint("kind", "item_id"),)


class MediaFile(Model):
    """An image or document uploaded by staff, served at /media/<name>."""

    __tablename__ = "media_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    original_name: Mapped[str] = mapped_column(String(200))
    mimetype: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    uploaded_by: Mapped[str] = mapped_column(String(60))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
