"""The append-only audit log: every state change writes one row in the same transaction."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from meetingroom.models import AuditLog


def record(session: Session, *, community_id: int, actor_id: int | None, action: str,
           entity: str, entity_id: int | None, **detail: Any) -> None:
    session.add(AuditLog(community_id=community_id, actor_id=actor_id, action=action,
                         entity=entity, entity_id=entity_id, detail=detail))
