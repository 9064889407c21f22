"""Meeting pages: list, schedule, detail with agenda editing, the secretary's console, the
projector, the member's phone page and the check-in page. Every action is a plain form that
works without JavaScript (post, then redirect); with htmx the console's and the ballot box's
forms get a small fragment back instead, and the live socket refreshes the screens."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypedDict, TypeVar
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from meetingroom import types
from meetingroom.auth.service import require_secretary
from meetingroom.db import SessionDep
from meetingroom.deps import CurrentUser
from meetingroom.errors import DomainError, Invalid, NotFound
from meetingroom.i18n import get_locale, gettext
from meetingroom.labels import CHOICES, N_
from meetingroom.meetings import screens, service, state
from meetingroom.meetings.cache import VersionedCache
from meetingroom.meetings.live import bind_hub
from meetingroom.models import AgendaItem, Proposal, User
from meetingroom.pagination import CursorQuery
from meetingroom.settings import get_settings
from meetingroom.templating import flash, page
from meetingroom.types import Id, Line, Offset, parse_id

router = APIRouter(dependencies=[Depends(bind_hub)])
PAGE = 20
T = TypeVar("T")


class MeetingForm(TypedDict):
    """What the schedule form shows again after a refusal: everything the person typed."""

    kind: str
    title: str
    starts_at: str
    location: str
    proposal_ids: list[int]


def _hx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def _screen(session: Session, community_id: Id, meeting_id: Id) -> screens.ScreenContext:
    """The template context every meeting page shares (screens.context)."""
    st = service.meeting_state(session, community_id=community_id, meeting_id=meeting_id)
    return _context_of(st, get_locale())


def _context_of(st: state.MeetingState, locale: str) -> screens.ScreenContext:
    meeting = state.meeting_data(st, locale)
    tallies = {t["item_id"]: t for t in state.tallies_data(st, locale)}
    return screens.context(meeting, tallies)


class PageContexts(VersionedCache[screens.ScreenContext]):
    """The public meeting page's context built once per meeting version and locale, kept TTL
    seconds per worker: the members' poll's rule (api.MeetingBodies, docs/decisions.md "The
    busy evening"). Each request reads the meeting's seq first, so every change the live feed
    reports shows at once; what the feed does not carry is at most TTL seconds late. Only for
    people who are not the secretary: the secretary, who makes those other changes, always
    gets the page built from the database."""


page_contexts = PageContexts()


def _message(exc: DomainError) -> str:
    return gettext(exc.message, **exc.params)


def _ids(values: list[str]) -> list[int]:
    return [i for i in (parse_id(v) for v in values) if i is not None]


def _member_id(value: str) -> int | None:
    """The member the secretary names on the console; empty means the actor himself, and an
    unusable number names nobody (0), so the service answers 'not found'."""
    if not value.strip():
        return None
    return parse_id(value) or 0


# ----------------------------------------------------------------------------- list, schedule


@router.get("/meetings")
def meetings_page(request: Request, session: SessionDep, offset: Offset = 0,
                  cursor: CursorQuery = None):
    community_id = request.state.community.id
    offset = max(0, offset)
    rows = service.list_meetings(session, community_id=community_id, limit=PAGE,
                                 offset=offset, cursor=cursor)
    return page(request, "meetings/list.html", meetings=rows.items, total=rows.total, rows=rows,
                limit=PAGE, meeting_statuses=screens.MEETING_STATUSES,
                upcoming=service.upcoming_meetings(session, community_id=community_id))


def _new_form(request: Request, session: Session, user: User, *, form: MeetingForm,
              errors: dict[str, str], status_code: int = 200) -> Response:
    return page(request, "meetings/new.html", status_code=status_code, form=form, errors=errors,
                proposals=service.open_proposals(session, community_id=user.community_id),
                urgent=[p for p in service.open_proposals(session,
                                                          community_id=user.community_id)
                        if p.principle == "urgent"])


@router.get("/meetings/new")
def new_meeting_form(request: Request, session: SessionDep, user: CurrentUser):
    require_secretary(user)
    return _new_form(request, session, user, errors={},
                     form={"kind": "work", "title": "", "starts_at": "", "location": "",
                           "proposal_ids": []})


def _local_datetime(value: str) -> datetime:
    try:
        naive = datetime.fromisoformat((value or "").strip())
    except ValueError:
        raise Invalid("Enter a valid date and time.", field="starts_at") from None
    if not types.in_window(naive):
        raise Invalid("Enter a date between {first} and {last}.", field="starts_at",
                      first=types.FIRST_YEAR, last=types.LAST_YEAR)
    if naive.tzinfo is not None:
        return naive
    return naive.replace(tzinfo=ZoneInfo(get_settings().timezone))


@router.post("/meetings")
def schedule(request: Request, session: SessionDep, user: CurrentUser, kind: Line = Form("work"),
             title: Line = Form(""), starts_at: Line = Form(""), location: Line = Form(""),
             proposal_ids: list[str] = Form([])):
    form: MeetingForm = {"kind": kind, "title": title, "starts_at": starts_at,
                         "location": location, "proposal_ids": _ids(proposal_ids)}
    try:
        meeting = service.schedule_meeting(session, actor=user, kind=kind, title=title,
                                           starts_at=_local_datetime(starts_at),
                                           location=location, proposal_ids=form["proposal_ids"])
    except DomainError as exc:
        if exc.status_code in (401, 403):
            raise
        session.rollback()
        return _new_form(request, session, user, form=form, status_code=exc.status_code,
                         errors={getattr(exc, "field", None) or "_": _message(exc)})
    flash(request, "The meeting “{title}” is scheduled.", title=meeting.title)
    return RedirectResponse(f"/meetings/{meeting.id}", status_code=303)


@router.post("/meetings/convene")
def convene(request: Request, session: SessionDep, user: CurrentUser,
            proposal_id: Id = Form(...), kind: Line = Form("work")):
    meeting = service.convene_meeting(session, actor=user, proposal_id=proposal_id, kind=kind)
    if meeting.status == "open":
        flash(request, "The meeting is open.")
    else:
        flash(request, "The meeting is called. Open it once two thirds of the members have "
                       "checked in.")
    return RedirectResponse(f"/meetings/{meeting.id}/console", status_code=303)


# ------------------------------------------------------------------------- detail and agenda


def _detail(request: Request, session: Session, meeting_id: Id, *, status_code: int = 200,
            error: str | None = None, error_rule: str | None = None,
            cached: bool = False) -> Response:
    community_id: int = request.state.community.id
    user: User | None = getattr(request.state, "user", None)
    secretary = bool(user and user.is_secretary)
    if cached and not secretary:
        ctx = page_contexts.fetch(session, community_id, meeting_id, _context_of)
    else:
        ctx = _screen(session, community_id, meeting_id)
    m = ctx["m"]
    addable: list[Proposal] = []
    if secretary and m["status"] != "closed":
        addable = [p for p in service.open_proposals(session, community_id=community_id)
                   if m["status"] == "scheduled" or p.principle == "urgent"]
    return page(request, "meetings/detail.html", status_code=status_code,
                can_edit=secretary and m["status"] == "scheduled", addable=addable,
                error=error, error_rule=error_rule, **ctx)


@router.get("/meetings/{meeting_id}")
def meeting_page(meeting_id: Id, request: Request, session: SessionDep):
    return _detail(request, session, meeting_id, cached=True)


def _agenda_action(request: Request, session: Session, meeting_id: Id,
                   action: Callable[[], object], done: str) -> Response:
    try:
        action()
    except DomainError as exc:
        if exc.status_code in (401, 403):
            raise
        session.rollback()
        return _detail(request, session, meeting_id, status_code=exc.status_code,
                       error=_message(exc), error_rule=exc.rule)
    flash(request, done)
    return RedirectResponse(f"/meetings/{meeting_id}", status_code=303)


@router.post("/meetings/{meeting_id}/agenda")
def add_item(meeting_id: Id, request: Request, session: SessionDep, user: CurrentUser,
             proposal_id: Id = Form(...)):
    return _agenda_action(request, session, meeting_id, lambda: service.add_agenda_item(
        session, actor=user, meeting_id=meeting_id, proposal_id=proposal_id),
        N_("Added to the agenda."))


@router.post("/meetings/{meeting_id}/agenda/{item_id}/move")
def move_item(meeting_id: Id, item_id: Id, request: Request, session: SessionDep,
              user: CurrentUser, offset: int = Form(..., ge=-1, le=1)):
    return _agenda_action(request, session, meeting_id, lambda: service.move_agenda_item(
        session, actor=user, meeting_id=meeting_id, item_id=item_id,
        offset=1 if offset > 0 else -1), N_("The agenda is reordered."))


@router.post("/meetings/{meeting_id}/agenda/{item_id}/remove")
def remove_item(meeting_id: Id, item_id: Id, request: Request, session: SessionDep,
                user: CurrentUser):
    return _agenda_action(request, session, meeting_id, lambda: service.remove_agenda_item(
        session, actor=user, meeting_id=meeting_id, item_id=item_id),
        N_("Removed from the agenda."))


# -------------------------------------------------------------------------------- console


def _console(request: Request, session: Session, user: User, meeting_id: Id, *,
             status_code: int = 200, error: str | None = None,
             error_rule: str | None = None) -> Response:
    require_secretary(user)
    ctx = _screen(session, user.community_id, meeting_id)
    return page(request, "meetings/console.html", status_code=status_code, error=error,
                error_rule=error_rule, **ctx)


@router.get("/meetings/{meeting_id}/console")
def console(meeting_id: Id, request: Request, session: SessionDep, user: CurrentUser):
    return _console(request, session, user, meeting_id)


def _console_action(request: Request, session: Session, user: User, meeting_id: Id,
                    action: Callable[[], T], done: str | Callable[[T], str],
                    **params: object) -> Response:
    """Run one console action. htmx gets the message for #c-msg (the socket brings the new
    state); a plain form is redirected back to the console."""
    try:
        result = action()
    except DomainError as exc:
        if exc.status_code == 401:
            raise
        session.rollback()
        if _hx(request):
            return page(request, "meetings/_c_msg.html", status_code=exc.status_code,
                        error=_message(exc), error_rule=exc.rule)
        return _console(request, session, user, meeting_id, status_code=exc.status_code,
                        error=_message(exc), error_rule=exc.rule)
    message = done(result) if callable(done) else done
    if _hx(request):
        return page(request, "meetings/_c_msg.html", done=gettext(message, **params))
    flash(request, message, **params)
    return RedirectResponse(f"/meetings/{meeting_id}/console", status_code=303)


def _ask(request: Request, session: Session, user: User, meeting_id: Id, *, action: str,
         question: str, detail: str, button: str, fields: dict[str, str] | None = None,
         **params: object) -> Response:
    """The confirmation step of a console action that one click must not do (issue 9 §3).
    With JavaScript the button's `hx-confirm` dialog asks first and sends `confirm=1`, so this
    answers only a console that was out of date (htmx: the question in #c-msg); without it,
    this is the confirmation page. Both post the same form again with `confirm=1`."""
    require_secretary(user)
    ctx = _screen(session, user.community_id, meeting_id)
    ask = {"action": action, "question": gettext(question, **params),
           "detail": gettext(detail, **params), "button": gettext(button),
           "fields": fields or {}}
    return page(request, "meetings/confirm.html", fragment="meetings/_confirm.html", ask=ask,
                **ctx)


def _confirmed(confirm: str) -> bool:
    return confirm.strip() == "1"


def _item_of(session: Session, user: User, meeting_id: Id, item_id: Id) -> int:
    item = service.get_item(session, community_id=user.community_id, item_id=item_id)
    if item.meeting_id != meeting_id:
        raise NotFound("No such agenda item.")
    return item.id


@router.post("/meetings/{meeting_id}/open")
def open_meeting(meeting_id: Id, request: Request, session: SessionDep, user: CurrentUser,
                 confirm: Line = Form("")):
    if not _confirmed(confirm):
        m = _screen(session, user.community_id, meeting_id)["m"]
        # Ask only when it would open: a work meeting without quorum gets its R7.1 refusal.
        could_open = m["quorum"]["met"] or m["kind"] == "joint"
        if m["status"] == "scheduled" and could_open and screens.off_schedule(m["starts_at"]):
            return _ask(request, session, user, meeting_id, action=f"/meetings/{meeting_id}/open",
                        question=N_("Open the meeting now?"), detail=screens.OFF_SCHEDULE,
                        button=N_("Open the meeting"), when=screens.when(m["starts_at"]))

    def done(opened: service.Opened) -> str:
        if opened.warning:
            return N_("The meeting is open. Fewer than two thirds of the members are present: "
                      "a joint meeting may go on (R7.2).")
        return N_("The meeting is open.")

    return _console_action(request, session, user, meeting_id, lambda: service.open_meeting(
        session, actor=user, meeting_id=meeting_id), done)


@router.post("/meetings/{meeting_id}/close")
def close_meeting(meeting_id: Id, request: Request, session: SessionDep, user: CurrentUser,
                  confirm: Line = Form("")):
    m = _screen(session, user.community_id, meeting_id)["m"] if not _confirmed(confirm) else None
    # With a vote still open the service refuses anyway, and says why: ask only otherwise.
    if m is not None and m["status"] == "open" and m["open_item_id"] is None:
        return _ask(request, session, user, meeting_id, action=f"/meetings/{meeting_id}/close",
                    question=N_("Close the meeting?"), detail=screens.CLOSE_MEETING,
                    button=N_("Close the meeting"))
    return _console_action(request, session, user, meeting_id, lambda: service.close_meeting(
        session, actor=user, meeting_id=meeting_id), N_("The meeting is closed."))


@router.post("/meetings/{meeting_id}/attendance")
def mark_present(meeting_id: Id, request: Request, session: SessionDep, user: CurrentUser,
                 user_id: Line = Form("")):
    uid = _member_id(user_id)
    return _console_action(request, session, user, meeting_id, lambda: service.check_in(
        session, actor=user, meeting_id=meeting_id, user_id=uid), N_("Checked in."))


@router.post("/meetings/{meeting_id}/attendance/leave")
def mark_absent(meeting_id: Id, request: Request, session: SessionDep, user: CurrentUser,
                user_id: Line = Form(""), confirm: Line = Form("")):
    uid = _member_id(user_id)
    if not _confirmed(confirm):
        m = _screen(session, user.community_id, meeting_id)["m"]
        who = next((p for p in m["members"] if p["id"] == (uid or user.id)), None)
        if user.is_secretary and m["open_item_id"] is not None and who is not None \
                and who["present"]:
            return _ask(request, session, user, meeting_id,
                        action=f"/meetings/{meeting_id}/attendance/leave",
                        question=N_("A vote is open. Mark {name} absent?"),
                        detail=screens.ABSENT_DURING_VOTE, button=N_("Mark absent"),
                        fields={"user_id": user_id}, name=who["name"])
    return _console_action(request, session, user, meeting_id, lambda: service.leave(
        session, actor=user, meeting_id=meeting_id, user_id=uid), N_("Marked absent."))


@router.post("/meetings/{meeting_id}/observers")
def add_observer(meeting_id: Id, request: Request, session: SessionDep, user: CurrentUser,
                 name: Line = Form(""), role: Line = Form("")):
    return _console_action(request, session, user, meeting_id, lambda: service.add_observer(
        session, actor=user, meeting_id=meeting_id, name=name, role=role),
        N_("{name} is recorded as an observer."), name=name.strip())


@router.post("/meetings/{meeting_id}/items/{item_id}/vote/open")
def open_vote(meeting_id: Id, item_id: Id, request: Request, session: SessionDep,
              user: CurrentUser, secret: Line = Form(""), confirm: Line = Form("")):
    is_secret = secret in ("1", "on", "true")
    if is_secret and not _confirmed(confirm):
        _item_of(session, user, meeting_id, item_id)
        return _ask(request, session, user, meeting_id,
                    action=f"/meetings/{meeting_id}/items/{item_id}/vote/open",
                    question=N_("Open a secret ballot?"), detail=screens.SECRET_BALLOT,
                    button=N_("Open the secret ballot"), fields={"secret": "1"})
    return _console_action(request, session, user, meeting_id, lambda: service.open_vote(
        session, actor=user, item_id=_item_of(session, user, meeting_id, item_id),
        secret=is_secret), N_("The vote is open."))


@router.post("/meetings/{meeting_id}/items/{item_id}/vote/close")
def close_vote(meeting_id: Id, item_id: Id, request: Request, session: SessionDep,
               user: CurrentUser):
    return _console_action(request, session, user, meeting_id, lambda: service.close_vote(
        session, actor=user, item_id=_item_of(session, user, meeting_id, item_id)),
        lambda item: N_("The vote is closed: adopted.") if item.outcome == "adopted"
        else N_("The vote is closed: not adopted."))


@router.post("/meetings/{meeting_id}/items/{item_id}/hands")
def record_hands(meeting_id: Id, item_id: Id, request: Request, session: SessionDep,
                 user: CurrentUser, agree: Line = Form("0"), oppose: Line = Form("0"),
                 abstain: Line = Form("0")):
    def action() -> AgendaItem:
        counts: dict[str, int] = {}
        for name, value in (("agree", agree), ("oppose", oppose), ("abstain", abstain)):
            if not value.strip().isdigit():
                raise Invalid("Enter a whole number.", field=name)
            counts[name] = int(value)
        return service.record_hands(session, actor=user,
                                    item_id=_item_of(session, user, meeting_id, item_id),
                                    **counts)

    return _console_action(request, session, user, meeting_id, action,
                           lambda item: N_("Show of hands recorded: adopted.")
                           if item.outcome == "adopted"
                           else N_("Show of hands recorded: not adopted."))


# ------------------------------------------------------------------------------- projector


@router.get("/meetings/{meeting_id}/projector")
def projector(meeting_id: Id, request: Request, session: SessionDep):
    ctx = _screen(session, request.state.community.id, meeting_id)
    return page(request, "meetings/projector.html", **ctx)


# -------------------------------------------------------------------------- member's phone


def _vote_page(request: Request, session: Session, user: User, meeting_id: Id, *,
               box: screens.BallotBox | None = None, status_code: int = 200,
               error: str | None = None) -> Response:
    ctx = _screen(session, user.community_id, meeting_id)
    if box is None:
        votes = service.my_votes(session, meeting_id=meeting_id, user_id=user.id).choices
        box = screens.ballot_box(screens.ballot_variant(ctx["m"], user.id, votes), ctx["m"])
    return page(request, "meetings/vote.html", fragment="meetings/_ballot.html",
                status_code=status_code, box=box, error=error, **ctx)


@router.get("/meetings/{meeting_id}/vote")
def vote_page(meeting_id: Id, request: Request, session: SessionDep, user: CurrentUser):
    return _vote_page(request, session, user, meeting_id)


@router.post("/meetings/{meeting_id}/items/{item_id}/ballot")
def ballot(meeting_id: Id, item_id: Id, request: Request, session: SessionDep,
           user: CurrentUser, choice: Line = Form(""), confirm: Line = Form("")):
    """Two taps: the first shows the confirmation panel (the chosen word, "confirm" and "choose
    again"), the second casts it (R7.5: a ballot is final, so it is never cast by a single slip
    of the thumb). Without JavaScript both steps are plain forms with the CSRF token."""
    item_id = _item_of(session, user, meeting_id, item_id)
    if choice not in CHOICES:
        return _vote_page(request, session, user, meeting_id, status_code=422,
                          error=gettext("Choose agree, oppose or abstain."))
    if confirm != "1":
        ctx = _screen(session, user.community_id, meeting_id)
        votes = service.my_votes(session, meeting_id=meeting_id, user_id=user.id).choices
        variant = screens.ballot_variant(ctx["m"], user.id, votes)
        if variant != ("can_vote", item_id):
            return _vote_page(request, session, user, meeting_id)
        box = screens.ballot_box(variant, ctx["m"])
        box["state"], box["choice"] = "confirm", choice
        return _vote_page(request, session, user, meeting_id, box=box)
    try:
        item = service.cast_ballot(session, actor=user, item_id=item_id, choice=choice)
    except DomainError as exc:
        if exc.status_code == 401:
            raise
        session.rollback()
        return _vote_page(request, session, user, meeting_id, status_code=exc.status_code,
                          error=_message(exc))
    secret = item.method == "secret"
    if _hx(request):
        ctx = _screen(session, user.community_id, meeting_id)
        # ballot_box drops the choice of a secret ballot: the phone says only "voted", so a
        # neighbour glancing at it learns nothing (R7.6, issue 9 §2).
        box = screens.ballot_box(("voted", item_id, choice), ctx["m"])
        return _vote_page(request, session, user, meeting_id, box=box)
    if secret:
        flash(request, "Voted")
    else:
        flash(request, "You voted: {choice}", choice=gettext(CHOICES[choice]))
    return RedirectResponse(f"/meetings/{meeting_id}/vote", status_code=303)


# --------------------------------------------------------------------------------- check-in


def _checkin_page(request: Request, session: Session, user: User, meeting_id: Id, *,
                  error: str | None = None, status_code: int = 200) -> Response:
    ctx = _screen(session, user.community_id, meeting_id)
    present = any(p["id"] == user.id and p["present"] for p in ctx["m"]["members"])
    return page(request, "meetings/checkin.html", status_code=status_code, present=present,
                error=error, **ctx)


@router.get("/meetings/{meeting_id}/checkin")
def checkin_page(meeting_id: Id, request: Request, session: SessionDep, user: CurrentUser):
    """Where the projector's QR code leads: log in, then one big button."""
    return _checkin_page(request, session, user, meeting_id)


@router.post("/meetings/{meeting_id}/checkin")
def checkin(meeting_id: Id, request: Request, session: SessionDep, user: CurrentUser):
    try:
        service.check_in(session, actor=user, meeting_id=meeting_id)
    except DomainError as exc:
        if exc.status_code in (401, 404):
            raise
        session.rollback()
        return _checkin_page(request, session, user, meeting_id, error=_message(exc),
                             status_code=exc.status_code)
    flash(request, "You are checked in.")
    return RedirectResponse(f"/meetings/{meeting_id}/vote", status_code=303)
