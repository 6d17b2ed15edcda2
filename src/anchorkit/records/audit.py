"""The audit log: one row per thing a person did (a login, an upload, a decision, a publication).

Its own module because every face writes to it — the dashboard, the supplier portal, the CLI —
and the accounts' own events (logins) go through the same two functions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session, sessionmaker

from anchorkit.records.appdb import AuditEvent

if TYPE_CHECKING:
    from anchorkit.records.accounts import Actor


def audit(
    s: Session,
    actor: str,
    action: str,
    target: str | None,
    detail: dict[str, Any],
    client: str | None,
) -> None:
    s.add(AuditEvent(actor=actor, action=action, target=target, detail=detail, client=client))


def record(
    db: sessionmaker[Session],
    actor: Actor,
    action: str,
    target: str | None = None,
    detail: dict[str, Any] | None = None,
    client: str | None = None,
) -> None:
    """Write one audit event in its own transaction."""
    with db() as s, s.begin():
        audit(s, actor.email, action, target, detail or {}, client)
