"""Quorum, adoption thresholds and voting eligibility (RULES.md R6, R7), as pure functions.

Every threshold is an integer test, never a float, so "two thirds" and "half" are exact:

- R7.1 quorum: ``3P >= 2S``; the number required is the smallest such P, ``ceil(2S/3)``.
- R7.2/R7.3 adoption, "inclusive half" (半数以上, 以上 includes the number itself): ``2A >= N``.
- R7.4 "strict majority" (过半数): ``2A > N``.

``S`` is the seated committee members when the meeting opens, ``P`` those checked in as present,
``A`` the agree votes. ``N`` is P or S, chosen by the per-community R7.4 base setting.
R7.4 defaults: rule ``INCLUSIVE_HALF``, base ``PRESENT`` (``DEFAULT_ADOPTION_RULE``,
``DEFAULT_ADOPTION_BASE``). Nothing is ever adopted with zero agree votes, even when ``N = 0``.

Counts must be non-negative (``ValueError`` otherwise). ``P > S`` is allowed: a member seated
after the meeting opened may check in, and the arithmetic stays well defined.
"""

from dataclasses import dataclass
from enum import StrEnum


class MeetingKind(StrEnum):
    """R6: the two meeting kinds."""

    WORK = "work"
    JOINT = "joint"


class AdoptionRule(StrEnum):
    """R7.4: how the agree votes are compared with the base."""

    INCLUSIVE_HALF = "inclusive_half"
    STRICT_MAJORITY = "strict_majority"


class AdoptionBase(StrEnum):
    """R7.4: which count the agree votes are compared with."""

    PRESENT = "present"
    SEATED = "seated"


class Choice(StrEnum):
    """R7.5: the three ballot choices."""

    AGREE = "agree"
    OPPOSE = "oppose"
    ABSTAIN = "abstain"


class Outcome(StrEnum):
    """R7.2/R7.3: an item's result; PENDING until its vote closes."""

    PENDING = "pending"
    ADOPTED = "adopted"
    REJECTED = "rejected"


DEFAULT_ADOPTION_RULE = AdoptionRule.INCLUSIVE_HALF
DEFAULT_ADOPTION_BASE = AdoptionBase.PRESENT

_EN = "en"
_ZH = "zh_CN"


@dataclass(frozen=True)
class Quorum:
    """R7.1: the quorum state; ``required`` is the smallest P with 3P >= 2S."""

    required: int
    met: bool
    rule: str = "R7.1"


def _check_counts(**counts: int) -> None:
    """R7: counts of members and votes are never negative."""
    for name, value in counts.items():
        if value < 0:
            raise ValueError(f"{name} must be >= 0, got {value}")


def _locale(locale: str) -> str:
    """R7.4: any "zh…" locale ("zh", "zh_CN", "zh-CN") reads Chinese, everything else English."""
    return _ZH if locale.lower().replace("-", "_").startswith("zh") else _EN


def quorum(seated: int, present: int) -> Quorum:
    """R7.1: met iff S > 0 and 3P >= 2S; required = ceil(2S/3) (0 when S = 0, never met)."""
    _check_counts(seated=seated, present=present)
    required = (2 * seated + 2) // 3
    return Quorum(required=required, met=seated > 0 and 3 * present >= 2 * seated, rule="R7.1")


def may_open_meeting(kind: MeetingKind, seated: int, present: int) -> tuple[bool, str | None]:
    """R7.1/R7.2: work meetings need quorum; joint ones always open, warning "R7.2" without it."""
    met = quorum(seated, present).met
    if MeetingKind(kind) == MeetingKind.WORK:
        return (True, None) if met else (False, "R7.1")
    return (True, None) if met else (True, "R7.2")


def may_open_vote(kind: MeetingKind, seated: int, present: int) -> bool:
    """R7.1/R7.2: a work meeting opens no new vote while 3P < 2S; a joint meeting has no quorum."""
    met = quorum(seated, present).met
    return met if MeetingKind(kind) == MeetingKind.WORK else True


def votes_needed(rule: AdoptionRule, base: AdoptionBase, seated: int, present: int) -> int:
    """R7.2-R7.4: the smallest A that adopts: 2A >= N (inclusive) or 2A > N (strict), A >= 1."""
    _check_counts(seated=seated, present=present)
    n = present if AdoptionBase(base) == AdoptionBase.PRESENT else seated
    if AdoptionRule(rule) == AdoptionRule.INCLUSIVE_HALF:
        return max(1, (n + 1) // 2)
    return n // 2 + 1


def outcome(
    agree: int, rule: AdoptionRule, base: AdoptionBase, seated: int, present: int
) -> Outcome:
    """R7.2-R7.4: ADOPTED iff agree >= votes_needed(...), else REJECTED (for a closed vote)."""
    _check_counts(agree=agree)
    needed = votes_needed(rule, base, seated, present)
    return Outcome.ADOPTED if agree >= needed else Outcome.REJECTED


def rule_id_for(kind: MeetingKind) -> str:
    """R7.2/R7.3: the adoption rule cited for a meeting kind ("R7.2" joint, "R7.3" work)."""
    return "R7.2" if MeetingKind(kind) == MeetingKind.JOINT else "R7.3"


_ADOPTION_WORDING = {
    (_EN, AdoptionRule.INCLUSIVE_HALF, AdoptionBase.PRESENT): (
        "adopted when agree votes are at least half of the members present (2A ≥ P)"
    ),
    (_EN, AdoptionRule.STRICT_MAJORITY, AdoptionBase.PRESENT): (
        "adopted when agree votes are more than half of the members present (2A > P)"
    ),
    (_EN, AdoptionRule.INCLUSIVE_HALF, AdoptionBase.SEATED): (
        "adopted when agree votes are at least half of all seated members (2A ≥ S)"
    ),
    (_EN, AdoptionRule.STRICT_MAJORITY, AdoptionBase.SEATED): (
        "adopted when agree votes are more than half of all seated members (2A > S)"
    ),
    (_ZH, AdoptionRule.INCLUSIVE_HALF, AdoptionBase.PRESENT): (
        "到会委员半数以上同意方可形成决议（含半数，2A ≥ P）"
    ),
    (_ZH, AdoptionRule.STRICT_MAJORITY, AdoptionBase.PRESENT): (
        "到会委员过半数同意方可形成决议（不含半数，2A > P）"
    ),
    (_ZH, AdoptionRule.INCLUSIVE_HALF, AdoptionBase.SEATED): (
        "全体在任委员半数以上同意方可形成决议（含半数，2A ≥ S）"
    ),
    (_ZH, AdoptionRule.STRICT_MAJORITY, AdoptionBase.SEATED): (
        "全体在任委员过半数同意方可形成决议（不含半数，2A > S）"
    ),
}


def rule_sentence(
    kind: MeetingKind,
    rule: AdoptionRule,
    base: AdoptionBase,
    seated: int,
    present: int,
    locale: str = "en",
) -> str:
    """R7.2-R7.4: the adoption rule in force and the agree votes needed, led by "R7.x: "."""
    lang = _locale(locale)
    needed = votes_needed(rule, base, seated, present)
    wording = _ADOPTION_WORDING[(lang, AdoptionRule(rule), AdoptionBase(base))]
    if lang == _ZH:
        return f"{rule_id_for(kind)}: {wording}：需同意 ≥ {needed} 票"
    return f"{rule_id_for(kind)}: {wording}: {needed} needed"


def adoption_sentence(kind: MeetingKind, rule: AdoptionRule, base: AdoptionBase,
                      locale: str = "en") -> str:
    """R7.2-R7.4: the adoption rule in force, without numbers (the minutes state it once)."""
    wording = _ADOPTION_WORDING[(_locale(locale), AdoptionRule(rule), AdoptionBase(base))]
    return f"{rule_id_for(kind)}: {wording}"


def quorum_sentence(seated: int, present: int, locale: str = "en") -> str:
    """R7.1: the quorum rule with the number of members required, led by "R7.1: "."""
    q = quorum(seated, present)
    if _locale(locale) == _ZH:
        state = "已达法定人数" if q.met else "未达法定人数"
        return (
            f"{q.rule}: 到会委员须不少于在任委员的三分之二（3P ≥ 2S）："
            f"需到会 ≥ {q.required} 人，现到会 {present}/{seated} 人，{state}"
        )
    state = "quorum met" if q.met else "quorum not met"
    return (
        f"{q.rule}: at least two thirds of the seated members must be present (3P ≥ 2S): "
        f"{q.required} needed, {present} of {seated} present, {state}"
    )


def may_vote(is_seated: bool, is_present: bool, is_observer: bool = False) -> tuple[bool, str]:
    """R7.5/R6.2: only seated members checked in may vote; an observer never does (R6.2)."""
    if is_observer:
        return (False, "R6.2")
    return (is_seated and is_present, "R7.5")


def validate_hands(agree: int, oppose: int, abstain: int, present: int) -> str | None:
    """R7.6: a show-of-hands count is valid iff no count is negative and the sum is <= present."""
    if min(agree, oppose, abstain, present) < 0 or agree + oppose + abstain > present:
        return "R7.6"
    return None
