"""In-app notifications: a badge and a list. A notice stores an English msgid and its params;
it is translated when shown, so each reader sees his own language."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from meetingroom.models import Notification
from meetingroom.pagination import Order, Page, paginate


def notify(session: Session, *, community_id: int, user_ids, message: str, link: str = "",
           exclude: int | None = None, **params) -> int:
    """Queue one notice per person (deduplicated); returns how many were written."""
    count = 0
    for user_id in sorted(set(user_ids) - {exclude, None}):
        session.add(Notification(community_id=community_id, user_id=user_id, message=message,
                                 params=params, link=link))
        count += 1
    return count


def unread_count(session: Session, user_id: int) -> int:
    return session.exec(select(func.count()).select_from(Notification).where(
        Notification.user_id == user_id, col(Notification.read_at).is_(None))).one()


NEWEST = Order("newest", col(Notification.id).desc())


def list_for(session: Session, user_id: int, limit: int = 50, offset: int = 0,
             cursor: str | None = None) -> Page[Notification]:
    """One person's notices, newest first (the page shows no total, so none is counted)."""
    stmt = select(Notification).where(Notification.user_id == user_id)
    return paginate(session, stmt, NEWEST, limit=limit, offset=offset, cursor=cursor,
                    count=False)


def mark_all_read(session: Session, user_id: int) -> None:
    session.exec(update(Notification).where(Notification.user_id == user_id,
                                            col(Notification.read_at).is_(None))
                 .values(read_at=datetime.now(UTC)))
