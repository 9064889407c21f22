"""R4.2: the people behind a matter — the authors and supporters of the suggestions that became
its proposal — are told at every step after step 1: when it is put on a meeting's agenda, when
the meeting decides it, when its resolution gets a responsible person and a deadline. Progress,
done and the rating window are told by `followup.service` (PROGRESS_NOTICES).

Each notice is an English msgid with its params, translated when the reader opens it, so each
reader gets his own language. Times are stored already in the community's local time, as text
both languages read the same way ("2026-12-03 19:00").
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from meetingroom.labels import N_
from meetingroom.models import AgendaItem, Meeting, Proposal, Resolution, Suggestion, Support
from meetingroom.notifications import notify
from meetingroom.settings import get_settings

ON_AGENDA = N_("“{title}” is on the agenda of the meeting on {when}.")
ON_AGENDA_AT = N_("“{title}” is on the agenda of the meeting on {when} at {place}.")
ADOPTED = N_("The committee adopted “{title}”: {agree} for, {oppose} against, {abstain} "
             "abstaining. See the minutes.")
REJECTED = N_("“{title}” was not adopted: {agree} for, {oppose} against, {abstain} "
              "abstaining. See the minutes for why.")
RESPONSIBLE = N_("“{title}” will be carried out by {responsible}, due {deadline}.")


def followers(session: Session, proposal_id: int) -> set[int]:
    """Authors and supporters of every suggestion behind the proposal."""
    authors = session.exec(select(Suggestion.author_id)
                           .where(Suggestion.proposal_id == proposal_id)).all()
    supporters = session.exec(select(Support.user_id)
                              .join(Suggestion, Suggestion.id == Support.suggestion_id)
                              .where(Suggestion.proposal_id == proposal_id)).all()
    return set(authors) | set(supporters)


def _local(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(ZoneInfo(get_settings().timezone)).strftime("%Y-%m-%d %H:%M")


def put_on_agenda(session: Session, meeting: Meeting, proposals: Iterable[Proposal]) -> int:
    """Tell each proposal's followers the meeting's date and place."""
    sent = 0
    for proposal in proposals:
        assert proposal.id is not None
        params = {"title": proposal.title, "when": _local(meeting.starts_at)}
        if meeting.location:
            message, params["place"] = ON_AGENDA_AT, meeting.location
        else:
            message = ON_AGENDA
        sent += notify(session, community_id=meeting.community_id,
                       user_ids=followers(session, proposal.id), message=message,
                       link=f"/meetings/{meeting.id}", **params)
    return sent


def decided(session: Session, meeting: Meeting, items: Iterable[AgendaItem]) -> int:
    """When the meeting closes, tell the followers of every item voted on: the outcome, the
    counts and a link to the minutes (which exist from now on)."""
    sent = 0
    for item in items:
        if item.vote_status != "closed" or item.outcome not in ("adopted", "rejected"):
            continue
        proposal = session.get(Proposal, item.proposal_id)
        if proposal is None:
            continue
        sent += notify(session, community_id=meeting.community_id,
                       user_ids=followers(session, item.proposal_id),
                       message=ADOPTED if item.outcome == "adopted" else REJECTED,
                       link=f"/meetings/{meeting.id}/minutes", title=proposal.title,
                       agree=item.agree, oppose=item.oppose, abstain=item.abstain)
    return sent


def responsible_set(session: Session, resolution: Resolution, *, had_both: bool,
                    exclude: int | None = None) -> int:
    """Once a resolution has both a responsible person (or unit) and a deadline, tell its
    followers; not again for later edits of either."""
    deadline: date | None = resolution.deadline
    if had_both or not resolution.responsible or deadline is None:
        return 0
    return notify(session, community_id=resolution.community_id,
                  user_ids=followers(session, resolution.proposal_id), exclude=exclude,
                  message=RESPONSIBLE, link=f"/resolutions/{resolution.id}",
                  title=resolution.title, responsible=resolution.responsible,
                  deadline=deadline.isoformat())
