"""Accounts, logins and sessions.

Passwords are stored as argon2 hashes only. A login creates a server-side session row (so a
session can be ended and expires on the server, whatever the browser keeps) whose random id
travels in a signed cookie. Failed logins are counted per account and per client address, and
logins pause for a while after too many — password guessing gets a few tries an hour, not
thousands.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from anchorkit.errors import AccountError
from anchorkit.records.appdb import LoginAttempt, LoginSession, User, utcnow
from anchorkit.records.audit import audit
from anchorkit.records.passwords import check_password

ROLES = ("admin", "analyst", "anchor", "supplier", "partner")
LOCKOUT_WINDOW = timedelta(minutes=15)

_hasher = PasswordHasher()


@dataclass(frozen=True)
class Actor:
    """Who is asking: a logged-in user, or the anonymous public (``role == 'public'``)."""

    email: str
    role: str
    anchor_name: str | None = None
    anchor_id: int | None = None
    supplier_id: str | None = None
    session_id: str | None = None
    csrf_token: str | None = None

    @property
    def logged_in(self) -> bool:
        return self.role != "public"


PUBLIC = Actor(email="(public)", role="public")


def add_user(
    db: sessionmaker[Session],
    email: str,
    role: str,
    password: str,
    *,
    anchor_name: str | None = None,
    supplier_id: str | None = None,
) -> User:
    email = email.strip().lower()
    if "@" not in email:
        raise AccountError(f"{email!r} is not an email address.")
    if role not in ROLES:
        raise AccountError(f"Unknown role {role!r}; roles are: {', '.join(ROLES)}.")
    if role == "anchor" and not anchor_name:
        raise AccountError("An anchor user needs --anchor NAME (the anchor whose data they see).")
    if supplier_id and role != "supplier":
        raise AccountError(f"Only supplier users speak for a supplier; a {role} cannot.")
    if role not in ("anchor",) and anchor_name:
        raise AccountError(f"Only anchor users belong to an anchor; a {role} sees the network.")
    check_password(password, email)
    with db() as s, s.begin():
        if s.scalar(select(User).where(User.email == email)) is not None:
            raise AccountError(f"There is already an account for {email}.")
        user = User(
            email=email,
            role=role,
            anchor_name=anchor_name,
            supplier_id=supplier_id,
            password_hash=_hasher.hash(password),
        )
        s.add(user)
    return user


def list_users(db: sessionmaker[Session]) -> list[User]:
    with db() as s:
        return list(s.scalars(select(User).order_by(User.email)))


class LoginRefused(Exception):
    """Wrong email or password, or logins paused; the message is safe to show."""

    def __init__(self, message: str, *, paused: bool = False) -> None:
        super().__init__(message)
        self.paused = paused


def log_in(
    db: sessionmaker[Session],
    email: str,
    password: str,
    *,
    client: str,
    max_attempts: int,
    session_hours: int,
) -> LoginSession:
    """Check the password and open a session; count every attempt."""
    email = email.strip().lower()
    since = utcnow() - LOCKOUT_WINDOW
    with db() as s, s.begin():
        failures = s.scalar(
            select(func.count())
            .select_from(LoginAttempt)
            .where(LoginAttempt.at >= since, LoginAttempt.succeeded.is_(False))
            .where((LoginAttempt.email == email) | (LoginAttempt.client == client))
        )
        paused = (failures or 0) >= max_attempts
        if paused:
            audit(s, email, "login_paused", None, {}, client)
    if paused:  # raised after the commit: the attempt is on record
        raise LoginRefused(
            "Too many failed logins for this account or address. Wait 15 minutes and try "
            "again, or ask your backbone admin to reset your password.",
            paused=True,
        )
    with db() as s, s.begin():
        user = s.scalar(select(User).where(User.email == email, User.disabled.is_(False)))
        ok = False
        if user is not None:
            try:
                ok = _hasher.verify(user.password_hash, password)
            except (VerificationError, InvalidHashError):
                ok = False
        else:
            _hasher.hash(password)  # the same work either way: timing does not reveal accounts
        s.add(LoginAttempt(email=email, client=client, succeeded=ok))
        audit(s, email, "login" if ok else "login_failed", None, {}, client)
    if not ok or user is None:
        raise LoginRefused("Wrong email or password.")
    with db() as s, s.begin():
        session = LoginSession(
            session_id=secrets.token_urlsafe(32),
            user_id=user.user_id,
            csrf_token=secrets.token_urlsafe(32),
            expires_at=utcnow() + timedelta(hours=session_hours),
        )
        s.add(session)
    return session


def session_actor(db: sessionmaker[Session], session_id: str) -> tuple[User, LoginSession] | None:
    """The user of a live session, or None when it is unknown or has expired."""
    with db() as s:
        row = s.execute(
            select(User, LoginSession)
            .join(LoginSession, LoginSession.user_id == User.user_id)
            .where(LoginSession.session_id == session_id, User.disabled.is_(False))
        ).first()
        if row is None:
            return None
        user, session = row
        if session.expires_at <= utcnow():
            return None
        return user, session


def log_out(db: sessionmaker[Session], session_id: str) -> None:
    with db() as s, s.begin():
        found = s.get(LoginSession, session_id)
        if found is not None:
            s.delete(found)
