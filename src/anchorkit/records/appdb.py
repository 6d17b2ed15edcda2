"""App records: users, sessions, login attempts, the audit log, uploads and publications, and
the supplier portal's claims, profiles, certifications, opportunities and invitations.

Why a second database: the spend store is an analytical file (DuckDB, one writer) and must stay
portable; the records of who may log in and what they did are transactional, small, and in a
larger deployment belong in the organisation's PostgreSQL. SQLAlchemy gives both: SQLite in the
workspace by default, ``ANCHORKIT_DATABASE_URL`` for anything else.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, create_engine, event, inspect, text
from sqlalchemy.engine import Engine as SAEngine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker

APP_DB_FILE = "anchorkit-app.sqlite"


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON}


class User(Base):
    __tablename__ = "app_user"
    user_id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    anchor_name: Mapped[str | None] = mapped_column(String(200))
    supplier_id: Mapped[str | None] = mapped_column(String(40))
    password_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    disabled: Mapped[bool] = mapped_column(default=False)


class LoginSession(Base):
    __tablename__ = "app_session"
    session_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.user_id"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


class LoginAttempt(Base):
    __tablename__ = "app_login_attempt"
    attempt_id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), index=True)
    client: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    succeeded: Mapped[bool]


class AuditEvent(Base):
    __tablename__ = "app_audit"
    event_id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(320))
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str | None] = mapped_column(String(400))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    client: Mapped[str | None] = mapped_column(String(64))


class Upload(Base):
    __tablename__ = "app_upload"
    upload_id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    user_email: Mapped[str] = mapped_column(String(320))
    anchor_name: Mapped[str] = mapped_column(String(200))
    original_name: Mapped[str] = mapped_column(String(400))
    stored_path: Mapped[str] = mapped_column(String(1000))
    size_bytes: Mapped[int]
    status: Mapped[str] = mapped_column(String(16))  # previewed / loaded / failed
    report: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Publication(Base):
    __tablename__ = "app_publication"
    publication_id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    by: Mapped[str] = mapped_column(String(320))
    indicators: Mapped[dict[str, Any]] = mapped_column(default=dict)


# --- the supplier portal (anchorkit.portal) ----------------------------------------------------


class PortalClaim(Base):
    """A supplier account asking to speak for a resolved supplier record; an admin decides."""

    __tablename__ = "portal_claim"
    claim_id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[str] = mapped_column(String(40), index=True)
    user_email: Mapped[str] = mapped_column(String(320), index=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # approved / rejected
    note: Mapped[str | None] = mapped_column(String(2000))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(320))
    decided_at: Mapped[datetime | None]


class PortalProfile(Base):
    __tablename__ = "portal_profile"
    supplier_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    summary: Mapped[str | None] = mapped_column(String(2000))
    sells: Mapped[list[str]] = mapped_column(JSON, default=list)  # taxonomy codes
    works_in: Mapped[str | None] = mapped_column(String(400))
    ownership: Mapped[str | None] = mapped_column(String(200))
    staff: Mapped[int | None]
    local_staff: Mapped[int | None]
    listed: Mapped[bool] = mapped_column(default=False)  # community partners may see it
    updated_by: Mapped[str | None] = mapped_column(String(320))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class PortalCertification(Base):
    __tablename__ = "portal_certification"
    cert_id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[str] = mapped_column(String(40), index=True)
    tag: Mapped[str] = mapped_column(String(40))
    issuing_body: Mapped[str] = mapped_column(String(200))
    number: Mapped[str | None] = mapped_column(String(100))
    expires_on: Mapped[date | None]
    evidence_name: Mapped[str | None] = mapped_column(String(400))  # as uploaded; shown only
    evidence_path: Mapped[str | None] = mapped_column(String(1000))  # a name anchorkit made
    # verified / rejected; withdrawn when the claim it was declared under is rejected
    status: Mapped[str] = mapped_column(String(16), default="pending")
    # the claim under which a claimant declared it (None: declared by a linked account or an
    # admin): what a rejected claimant declared is withdrawn with the claim
    claim_id: Mapped[int | None] = mapped_column(index=True)
    added_by: Mapped[str] = mapped_column(String(320))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(320))
    decided_at: Mapped[datetime | None]


class PortalPosting(Base):
    """An opportunity an anchor will buy soon (not the spend analytics' "opportunities")."""

    __tablename__ = "portal_posting"
    posting_id: Mapped[int] = mapped_column(primary_key=True)
    anchor_name: Mapped[str | None] = mapped_column(String(200))
    buyer: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(400))
    description: Mapped[str | None] = mapped_column(String(4000))
    category_code: Mapped[str] = mapped_column(String(20), index=True)
    value_low: Mapped[float]
    value_high: Mapped[float | None]  # None: open-ended band
    closes_on: Mapped[date | None]
    postcode: Mapped[str | None] = mapped_column(String(20))
    area: Mapped[str | None] = mapped_column(String(200), index=True)
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    asks: Mapped[list[str]] = mapped_column(JSON, default=list)  # social-value tags wanted
    status: Mapped[str] = mapped_column(String(16), default="published")  # closed
    source: Mapped[str] = mapped_column(String(40), default="posted")  # contracts-finder, demo
    source_id: Mapped[str | None] = mapped_column(String(100), index=True)
    url: Mapped[str | None] = mapped_column(String(1000))
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def is_open(self, today: date) -> bool:
        """Published and not past its closing date: a supplier can still answer it."""
        return self.status == "published" and (self.closes_on is None or self.closes_on >= today)


class PortalInvitation(Base):
    __tablename__ = "portal_invitation"
    invitation_id: Mapped[int] = mapped_column(primary_key=True)
    posting_id: Mapped[int] = mapped_column(ForeignKey("portal_posting.posting_id"), index=True)
    supplier_id: Mapped[str] = mapped_column(String(40))
    by: Mapped[str] = mapped_column(String(320))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    diverse: Mapped[bool] = mapped_column(default=False)  # certified diverse when invited


def database_url(workspace_root: Path) -> str:
    return os.environ.get("ANCHORKIT_DATABASE_URL") or f"sqlite:///{workspace_root / APP_DB_FILE}"


def open_app_db(url: str) -> sessionmaker[Any]:
    """Create the tables if needed and return a session factory."""
    engine: SAEngine = create_engine(url, future=True)
    if url.startswith("sqlite"):
        # many request threads, one small file: wait for a lock rather than fail at once
        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.close()

    Base.metadata.create_all(engine)
    _add_new_columns(engine)
    return sessionmaker(engine, expire_on_commit=False)


def _add_new_columns(engine: SAEngine) -> None:
    """Columns added to a table since a workspace's records were created (all nullable): an
    older workspace gains them on its next start instead of failing on the first query."""
    found = inspect(engine)
    for table in Base.metadata.sorted_tables:
        present = {c["name"] for c in found.get_columns(table.name)}
        for column in table.columns:
            if column.name in present:
                continue
            kind = column.type.compile(dialect=engine.dialect)
            with engine.begin() as con:
                con.execute(text(f"ALTER TABLE {table.name} ADD COLUMN {column.name} {kind}"))
