"""Community settings (secretary): the name, self-registration and the R7.4 adoption rule."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from meetingroom import audit, i18n
from meetingroom.auth.service import UNSET, require_secretary
from meetingroom.errors import Invalid
from meetingroom.meetings import rules
from meetingroom.models import Community, User

EXAMPLE_SEATED, EXAMPLE_PRESENT = 11, 8


@dataclass(frozen=True)
class Example:
    """How many agree votes one R7.4 setting needs for given S and P."""

    rule: rules.AdoptionRule
    base: rules.AdoptionBase
    needed: int
    sentence: str


def _community(session: Session, actor: User) -> Community:
    community = session.get(Community, actor.community_id)
    assert community is not None  # every user belongs to a community (foreign key)
    return community


def community_settings(session: Session, *, actor: User) -> Community:
    """The secretary reads the community's settings."""
    require_secretary(actor)
    return _community(session, actor)


def update_settings(session: Session, *, actor: User, name=UNSET, adoption_rule=UNSET,
                    adoption_base=UNSET, self_registration=UNSET,
                    notice_days=UNSET) -> Community:
    """The secretary changes the community's name, self-registration, R7.4 rule or the R2.2
    notice period."""
    require_secretary(actor)
    community = _community(session, actor)
    changes: dict = {}
    if name is not UNSET:
        name = (name or "").strip()
        if not name:
            raise Invalid("Enter the community's name.", field="name")
        if len(name) > 100:
            raise Invalid("The name may have at most {n} characters.", field="name", n=100)
        changes["name"] = name
    if adoption_rule is not UNSET:
        if adoption_rule not in {r.value for r in rules.AdoptionRule}:
            raise Invalid("Unknown adoption rule.", field="adoption_rule", rule="R7.4")
        changes["adoption_rule"] = str(adoption_rule)
    if adoption_base is not UNSET:
        if adoption_base not in {b.value for b in rules.AdoptionBase}:
            raise Invalid("Unknown adoption base.", field="adoption_base", rule="R7.4")
        changes["adoption_base"] = str(adoption_base)
    if self_registration is not UNSET:
        if not isinstance(self_registration, bool):
            raise Invalid("Enter true or false.", field="self_registration")
        changes["self_registration"] = self_registration
    if notice_days is not UNSET:
        if isinstance(notice_days, bool) or not isinstance(notice_days, int) or \
                not 1 <= notice_days <= 30:
            raise Invalid("The notice period is 1 to 30 working days.", field="notice_days",
                          rule="R2.2")
        changes["notice_days"] = notice_days
    changed = {key: [getattr(community, key), value] for key, value in changes.items()
               if getattr(community, key) != value}
    for key, (_old, new) in changed.items():
        setattr(community, key, new)
    if changed:
        session.add(community)
        audit.record(session, community_id=community.id, actor_id=actor.id,
                     action="community.settings", entity="community", entity_id=community.id,
                     **changed)
    return community


def adoption_examples(seated: int = EXAMPLE_SEATED, present: int = EXAMPLE_PRESENT,
                      kind: rules.MeetingKind = rules.MeetingKind.WORK) -> list[Example]:
    """R7.4: the agree votes needed under each of the four settings, for S seated and P
    present, with the sentence the tally screens show."""
    locale = i18n.get_locale()
    return [Example(rule=r, base=b, needed=rules.votes_needed(r, b, seated, present),
                    sentence=rules.rule_sentence(kind, r, b, seated, present, locale))
            for r in rules.AdoptionRule for b in rules.AdoptionBase]
