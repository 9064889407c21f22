"""Display names for stored codes. `N_` marks a msgid for extraction; templates translate it with
`_()` when shown, so each reader sees his own language."""

from __future__ import annotations

from typing import Literal


def N_(message: str) -> str:  # noqa: N802 - the gettext convention
    return message


SEATS = {"chair": N_("Chair"), "full_time": N_("Full-time member"),
         "part_time": N_("Part-time member")}
UNIT_KINDS = {
    "school": N_("School"), "hospital": N_("Hospital"), "police": N_("Police station"),
    "property": N_("Property company"), "owners_committee": N_("Owners' committee"),
    "firm": N_("Firm"), "social_org": N_("Social organisation"),
    "party_org": N_("Party organisation"), "mosque": N_("Mosque committee"),
    "other": N_("Other"),
}
PRINCIPLES = {"major": N_("Major matters deliberated together"),
              "practical": N_("Practical matters done together"),
              "important": N_("Important matters decided together"),
              "urgent": N_("Urgent matters consulted together")}
MEETING_KINDS = {"work": N_("Work meeting"), "joint": N_("Joint meeting")}
CHOICES = {"agree": N_("Agree"), "oppose": N_("Oppose"), "abstain": N_("Abstain")}
OUTCOMES = {"pending": N_("Pending"), "adopted": N_("Adopted"), "rejected": N_("Rejected")}
RESOLUTION_STATUSES = {"not_started": N_("Not started"), "in_progress": N_("In progress"),
                       "done": N_("Done"), "delayed": N_("Delayed")}
APPOINTMENT_STEPS = {"recommend": N_("Broad recommendation"),
                     "select": N_("Organisational selection"),
                     "approve": N_("Higher approval"), "appoint": N_("Appointment"),
                     "notice": N_("Public notice")}
# A suggestion's status as residents follow it, like a parcel (suggestions.service.timeline).
SUGGESTION_STATUSES = {"submitted": N_("Submitted"), "sponsored": N_("Sponsored"),
                       "declined": N_("Declined"), "on_agenda": N_("On a meeting agenda"),
                       "adopted": N_("Adopted by the meeting"),
                       "rejected": N_("Not adopted by the meeting"),
                       "in_progress": N_("Being carried out"), "done": N_("Done")}
PROPOSAL_STATUSES = {"open": N_("Waiting for a meeting"), "on_agenda": N_("On a meeting agenda"),
                     "adopted": N_("Adopted"), "rejected": N_("Rejected"),
                     "withdrawn": N_("Withdrawn")}
REPORT_REASONS = {"spam": N_("Spam or advertising"), "abuse": N_("Insults or abuse"),
                  "privacy": N_("Reveals someone's private information"),
                  "false": N_("False or misleading"), "other": N_("Something else")}


# The same codes as types, for the API's schemas (OpenAPI enums); tests/test_api_document.py
# checks each against its dict above.
Seat = Literal["chair", "full_time", "part_time"]
Principle = Literal["major", "practical", "important", "urgent"]
MeetingKind = Literal["work", "joint"]
MeetingStatus = Literal["scheduled", "open", "closed"]
Choice = Literal["agree", "oppose", "abstain"]
Outcome = Literal["pending", "adopted", "rejected"]
ResolutionStatus = Literal["not_started", "in_progress", "done", "delayed"]
SuggestionStatus = Literal["submitted", "sponsored", "declined", "on_agenda", "adopted",
                           "rejected", "in_progress", "done"]
ProposalStatus = Literal["open", "on_agenda", "adopted", "rejected", "withdrawn"]
ReportReason = Literal["spam", "abuse", "privacy", "false", "other"]
Sort = Literal["newest", "supported"]
