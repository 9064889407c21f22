"""Every table, imported here so SQLModel.metadata (and Alembic) sees all of them."""

from meetingroom.models.auth import AUTH_KINDS, AuthSession, PasswordReset
from meetingroom.models.base import table_of, utcnow
from meetingroom.models.community import (
    AppointmentStep,
    AuditLog,
    Category,
    Community,
    MemberUnit,
    Notification,
)
from meetingroom.models.followup import ProgressUpdate, Rating, Resolution
from meetingroom.models.meeting import (
    Absence,
    AgendaItem,
    Attendance,
    Ballot,
    ChainEntry,
    Meeting,
    Observer,
    VoteCast,
)
from meetingroom.models.proposal import Cosponsor, Proposal
from meetingroom.models.review import (
    Review,
    ReviewCriterion,
    ReviewMark,
    ReviewScorer,
    ReviewSheet,
    ReviewSubject,
    ReviewTotal,
)
from meetingroom.models.roster import MemberRecord, NoticeObjection, PublicNotice
from meetingroom.models.suggestion import ContentReport, Photo, Suggestion, Support
from meetingroom.models.units import (
    DeedThanks,
    ProjectUnit,
    UnitContact,
    UnitDeed,
    UnitNeed,
    UnitProject,
    UnitReminder,
    UnitReport,
    UnitResource,
)
from meetingroom.models.user import SEATS, User

__all__ = [
    "AUTH_KINDS",
    "AuthSession",
    "PasswordReset",
    "SEATS",
    "AgendaItem",
    "Absence",
    "AppointmentStep",
    "Attendance",
    "AuditLog",
    "Ballot",
    "Category",
    "ChainEntry",
    "Community",
    "ContentReport",
    "Cosponsor",
    "DeedThanks",
    "Meeting",
    "MemberRecord",
    "MemberUnit",
    "NoticeObjection",
    "Notification",
    "Observer",
    "Photo",
    "ProgressUpdate",
    "Proposal",
    "ProjectUnit",
    "PublicNotice",
    "Rating",
    "Resolution",
    "Review",
    "ReviewCriterion",
    "ReviewMark",
    "ReviewScorer",
    "ReviewSheet",
    "ReviewSubject",
    "ReviewTotal",
    "Suggestion",
    "Support",
    "UnitContact",
    "UnitDeed",
    "UnitNeed",
    "UnitProject",
    "UnitReminder",
    "UnitReport",
    "UnitResource",
    "User",
    "VoteCast",
    "table_of",
    "utcnow",
]
