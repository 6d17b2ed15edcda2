"""App records: users, sessions, login attempts, the audit log, uploads and publications.

Why a second database: the spend store is an analytical file (DuckDB, one writer) and must stay
portable; the records of who may log in and what they did are transactional, small, and in a
larger deployment belong in the organisation's PostgreSQL. SQLAlchemy gives both: SQLite in the
workspace by default, ``ANCHORKIT_DATABASE_URL`` for anything else.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, create_engine, event
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
    return sessionmaker(engine, expire_on_commit=False)
