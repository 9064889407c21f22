"""The live screens' HTML: the projector, the console and the member's phone page.

A screen is a set of fragments, each an element with an id (`_projector_frames.html`, …). The
full page includes the same fragments; the HTML live socket sends them again, marked
`hx-swap-oob="outerMorph"`, whenever the meeting changes, so htmx morphs them in place (the
tally bars keep their element and animate only their width). Fragments depend only on the
meeting and tally objects (state.py) and the locale, never on who watches, so each is rendered
once per event per locale. The one personal piece, the ballot box on a member's phone, comes in
a handful of variants, each rendered once per event too.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from types import ModuleType
from typing import Literal, TypedDict
from zoneinfo import ZoneInfo

from meetingroom import i18n
from meetingroom.labels import N_
from meetingroom.meetings.state import AgendaEntry, MeetingData, TallyData
from meetingroom.models.base import utcnow
from meetingroom.settings import get_settings
from meetingroom.templating import env

VIEWS = ("projector", "console", "vote")
Choice = Literal["agree", "oppose", "abstain"]
CHOICES: tuple[Choice, ...] = ("agree", "oppose", "abstain")
MEETING_STATUSES = {"scheduled": N_("Scheduled"), "open": N_("In session"),
                    "closed": N_("Ended")}
# Suggestions for an observer's role (R6.2); the secretary may type any other.
OBSERVER_ROLES = (N_("Community party committee"), N_("Head of a unit in the area"),
                  N_("Community police officer"), N_("Party member representative"),
                  N_("Resident representative"))

# The console asks before what one click must not do (issue 9 §3); these say why.
CLOSE_MEETING = N_("No vote can be held in it afterwards, and the minutes are drawn up from "
                   "what was recorded.")
SECRET_BALLOT = N_("R7.6: a secret ballot records that each member voted, never what he "
                   "chose. Once it is open it cannot become an open ballot.")
ABSENT_DURING_VOTE = N_("He still counts among the members present for the vote now open, but "
                        "cannot vote until he checks in again.")
OFF_SCHEDULE = N_("The meeting is scheduled for {when}, more than an hour from now. Check the "
                  "date before opening it.")
SCHEDULE_SLACK = timedelta(hours=1)
SCREEN_TEXT = {"close_meeting": CLOSE_MEETING, "secret_ballot": SECRET_BALLOT,
               "absent_during_vote": ABSENT_DURING_VOTE, "off_schedule": OFF_SCHEDULE}


def off_schedule(starts_at: str | datetime | None, now: datetime | None = None) -> bool:
    """More than an hour before or after the scheduled time: the console warns (issue 9 §3)."""
    if starts_at is None:
        return False
    start = datetime.fromisoformat(starts_at) if isinstance(starts_at, str) else starts_at
    return abs((now or utcnow()) - start) > SCHEDULE_SLACK


def when(value: str | datetime | None) -> str:
    """A meeting's time in local time, the way people write it in the UI's language."""
    if value is None:
        return ""
    dt = datetime.fromisoformat(value) if isinstance(value, str) else value
    dt = dt.astimezone(ZoneInfo(get_settings().timezone))
    if i18n.get_locale() == "zh_CN":
        return f"{dt.year}年{dt.month}月{dt.day}日 {dt:%H:%M}"
    return f"{dt.day} {dt:%b %Y, %H:%M}"


class Bar(TypedDict):
    choice: Choice
    count: int | None  # None while a secret ballot is open (R7.6)
    pct: float


class Board(TypedDict):
    current: AgendaEntry | None
    index: int
    total: int
    tally: TallyData | None
    bars: list[Bar]
    hidden: bool


class ScreenContext(TypedDict):
    """What every meeting page's template gets (web.py adds the page's own values)."""

    m: MeetingData
    tallies: dict[int, TallyData]
    b: Board
    labels: ModuleType
    when: Callable[[str | datetime | None], str]
    meeting_statuses: dict[str, str]
    observer_roles: tuple[str, ...]
    not_voted: list[str] | None
    off_schedule: bool
    screen_text: dict[str, str]


def board(meeting: MeetingData, tallies: dict[int, TallyData]) -> Board:
    """What the screens derive from the two objects: the current item, its place on the
    agenda ("2/4"), its tally and the bars' widths (share of the members present)."""
    agenda = meeting["agenda"]
    current = next((a for a in agenda if a["id"] == meeting.get("current_item_id")), None)
    tally = tallies.get(current["id"]) if current else None
    bars: list[Bar] = []
    if tally:
        base = max(tally["eligible"], tally["cast"], 1)
        for choice in CHOICES:
            count = tally[choice]
            bars.append({"choice": choice, "count": count,
                         "pct": 0 if count is None else round(100 * count / base, 1)})
    return {
        "current": current,
        "index": agenda.index(current) + 1 if current else 0,
        "total": len(agenda),
        "tally": tally,
        "bars": bars,
        "hidden": bool(tally and tally["agree"] is None),
    }


def not_voted_names(meeting: MeetingData, tally: TallyData | None) -> list[str] | None:
    """Open ballot: the members present who have not voted yet; None for a secret ballot,
    where only the number is shown (R7.6)."""
    voted_ids = tally.get("voted_ids") if tally else None
    if voted_ids is None:
        return None
    voted = set(voted_ids)
    return [m["name"] for m in meeting["members"] if m["present"] and m["id"] not in voted]


def context(meeting: MeetingData, tallies: dict[int, TallyData]) -> ScreenContext:
    from meetingroom import labels

    b = board(meeting, tallies)
    return {"m": meeting, "tallies": tallies, "b": b, "labels": labels, "when": when,
            "meeting_statuses": MEETING_STATUSES, "observer_roles": OBSERVER_ROLES,
            "not_voted": not_voted_names(meeting, b["tally"]),
            "off_schedule": meeting["status"] == "scheduled"
            and off_schedule(meeting.get("starts_at")), "screen_text": SCREEN_TEXT}


def render(template: str, locale: str, meeting: MeetingData, tallies: dict[int, TallyData],
           **extra: object) -> str:
    """Render outside a request (the live socket), in the given locale."""
    token = i18n.set_locale(locale)
    try:
        # Jinja merges the mapping and the keywords as dict(ctx, **kwargs): `extra` wins.
        return env.get_template(template).render(context(meeting, tallies), locale=locale,
                                                 csrf_token=None, **extra)
    finally:
        i18n.reset_locale(token)


def frames(view: str, locale: str, meeting: MeetingData, tallies: dict[int, TallyData]) -> str:
    """Every shared fragment of a view, for the socket (out-of-band swaps)."""
    return render(f"meetings/_{view}_frames.html", locale, meeting, tallies, oob=True)


# --------------------------------------------------------------------- the personal ballot box


# Which ballot box a phone shows (`ballot_variant`): ("idle",); (state, item id) for
# "can_vote", "absent", "without_vote", "not_member"; ("voted", item id, his choice or None).
# A tuple, so the live socket can key the rendered fragments by it.
BallotVariant = (tuple[Literal["idle"]]
                 | tuple[Literal["without_vote", "not_member", "absent", "can_vote"], int]
                 | tuple[Literal["voted"], int, str | None])
BoxState = Literal["idle", "without_vote", "not_member", "absent", "can_vote", "voted",
                   "confirm"]


class BallotBox(TypedDict):
    """The ballot template's context (`box`)."""

    state: BoxState
    item: AgendaEntry | None
    choice: str | None
    secret: bool
    index: int
    total: int


def ballot_variant(meeting: MeetingData, user_id: int | None,
                   votes: dict[int, str | None]) -> BallotVariant:
    """Which ballot box a person sees: nothing to vote on, the three buttons, "you voted",
    "check in first", "seated after the meeting opened: no vote in it", or "members only".
    `votes` maps item id → his choice (None if secret)."""
    item_id = meeting.get("open_item_id")
    if meeting["status"] != "open" or item_id is None:
        return ("idle",)
    if item_id in votes:
        return ("voted", item_id, votes[item_id])
    member = next((x for x in meeting["members"] if x["id"] == user_id), None)
    if member is None:
        # Seated after the meeting opened: he attends without a vote in it (R7.1, R7.5).
        if any(x["id"] == user_id for x in meeting.get("without_vote", ())):
            return ("without_vote", item_id)
        return ("not_member", item_id)
    if not member["present"]:
        return ("absent", item_id)
    return ("can_vote", item_id)


def ballot_box(variant: BallotVariant, meeting: MeetingData) -> BallotBox:
    """The ballot template's context for a variant."""
    agenda = meeting["agenda"]
    item: AgendaEntry | None = None
    if len(variant) > 1:
        item = next((a for a in agenda if a["id"] == variant[1]), None)
    secret = bool(item and item["method"] == "secret")
    # A secret ballot's choice is never shown once cast (R7.6), whatever the caller passed.
    choice = variant[2] if len(variant) > 2 and not secret else None
    return {"state": variant[0], "item": item, "choice": choice, "secret": secret,
            "index": agenda.index(item) + 1 if item else 0, "total": len(agenda)}


def ballot_fragment(locale: str, variant: BallotVariant, meeting: MeetingData,
                    tallies: dict[int, TallyData]) -> str:
    return render("meetings/_ballot.html", locale, meeting, tallies, oob=True,
                  box=ballot_box(variant, meeting))
