"""Cookies, CSRF and "who is this request": the seams every route passes through.

- The session cookie holds a random session id, signed (itsdangerous) so a forged or altered
  cookie is refused before the database is asked; it is HttpOnly and SameSite=Lax, and Secure
  when ``web.secure_cookies`` is on. The session itself lives on the server and expires there.
- CSRF: every form carries the session's token (``csrf_token`` field) and every state-changing
  API call sends it as ``X-CSRF-Token``. Before login, the login form uses a signed token in a
  cookie of its own (double submit).
"""

from __future__ import annotations

import hmac
import os
import secrets
from pathlib import Path

from fastapi import Request
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import Session, sessionmaker

from anchorkit.records.accounts import PUBLIC, Actor, session_actor

SESSION_COOKIE = "anchorkit_session"
LOGIN_CSRF_COOKIE = "anchorkit_login_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SECRET_FILE = ".anchorkit-secret"


def secret_key(workspace_root: Path) -> str:
    """``ANCHORKIT_SECRET_KEY``, else a random key kept (owner-only) in the workspace."""
    if os.environ.get("ANCHORKIT_SECRET_KEY"):
        return os.environ["ANCHORKIT_SECRET_KEY"]
    path = workspace_root / SECRET_FILE
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


class Signer:
    def __init__(self, key: str) -> None:
        self._session = URLSafeSerializer(key, salt="anchorkit-session")
        self._login = URLSafeSerializer(key, salt="anchorkit-login-csrf")

    def session_cookie(self, session_id: str) -> str:
        return self._session.dumps(session_id)

    def session_id(self, cookie: str | None) -> str | None:
        if not cookie:
            return None
        try:
            value = self._session.loads(cookie)
        except BadSignature:
            return None
        return value if isinstance(value, str) else None

    def login_token(self) -> tuple[str, str]:
        """A fresh token for the login form and the signed cookie that vouches for it."""
        token = secrets.token_urlsafe(24)
        return token, self._login.dumps(token)

    def login_token_ok(self, cookie: str | None, submitted: str | None) -> bool:
        if not cookie or not submitted:
            return False
        try:
            expected = self._login.loads(cookie)
        except BadSignature:
            return False
        return isinstance(expected, str) and hmac.compare_digest(expected, submitted)


def request_actor(
    request: Request, signer: Signer, db: sessionmaker[Session], anchor_ids: dict[str, int]
) -> Actor:
    """The actor behind a request; notes on ``request.state`` whether a session had expired."""
    request.state.session_expired = False
    cookie = request.cookies.get(SESSION_COOKIE)
    session_id = signer.session_id(cookie)
    if session_id is None:
        request.state.session_expired = cookie is not None
        return PUBLIC
    found = session_actor(db, session_id)
    if found is None:
        request.state.session_expired = True
        return PUBLIC
    user, session = found
    return Actor(
        email=user.email,
        role=user.role,
        anchor_name=user.anchor_name,
        anchor_id=anchor_ids.get(user.anchor_name) if user.anchor_name else None,
        supplier_id=user.supplier_id,
        session_id=session.session_id,
        csrf_token=session.csrf_token,
    )


def csrf_ok(actor: Actor, submitted: str | None) -> bool:
    return bool(actor.csrf_token and submitted and hmac.compare_digest(actor.csrf_token, submitted))


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"
