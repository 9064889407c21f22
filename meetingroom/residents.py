"""A resident's own view (issue 13): "我的" — my suggestions, what I support, what I can rate —
and the matters in progress his home page lists under the one call to action."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, select

from meetingroom.followup import service as followup
from meetingroom.models import Rating, Resolution, Suggestion, Support, User
from meetingroom.suggestions import service as suggestions

LIMIT = 20
# Statuses of a matter that is still moving (not declined, not rejected, not done).
MOVING = ("submitted", "sponsored", "on_agenda", "adopted", "in_progress")


@dataclass
class Mine:
    mine: list[suggestions.SuggestionView]
    mine_total: int
    supported: list[suggestions.SuggestionView]
    to_rate: list[Resolution]

    @property
    def in_progress(self) -> list[suggestions.SuggestionView]:
        """My and supported matters still moving, mine first."""
        seen: set[int] = set()
        moving = []
        for view in self.mine + self.supported:
            if view.status in MOVING and view.id not in seen:
                seen.add(view.id)
                moving.append(view)
        return moving


def my_page(session: Session, *, user: User) -> Mine:
    """What "我的" shows; a bounded number of rows whatever the history."""
    own = suggestions.list_suggestions(session, community_id=user.community_id, viewer=user,
                                       author_id=user.id, limit=LIMIT)
    mine, total = own.items, own.total
    supported = list(session.exec(
        select(Suggestion).join(Support, Support.suggestion_id == Suggestion.id)
        .where(Support.user_id == user.id, Suggestion.community_id == user.community_id,
               Suggestion.hidden.is_(False))
        .order_by(Support.id.desc()).limit(LIMIT)).all())
    return Mine(mine=suggestions.views(session, mine, viewer=user), mine_total=total,
                supported=suggestions.views(session, supported, viewer=user),
                to_rate=rateable(session, user=user))


def rateable(session: Session, *, user: User) -> list[Resolution]:
    """Resolutions whose rating window is open, that he may rate and has not rated yet."""
    rated = select(Rating.resolution_id).where(Rating.user_id == user.id)
    today = followup.local_today()
    candidates = session.exec(
        select(Resolution).where(Resolution.community_id == user.community_id,
                                 Resolution.id.not_in(rated),
                                 (Resolution.status == "done") | (Resolution.deadline < today))
        .order_by(func.coalesce(Resolution.ratings_opened_at, Resolution.created_at).desc())
        .limit(LIMIT * 3)).all()
    return [r for r in candidates
            if followup.rating_blocked(session, r, user) is None][:LIMIT]
