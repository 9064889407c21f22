"""R6/R7 rules, checked exhaustively against reference predicates written with Fraction.

The references compare exact rationals ("P ≥ ⅔·S", "A ≥ ½·N", "A > ½·N") and find thresholds by
search, so they are a different computation from the integer formulas in rules.py.
"""

import itertools
import re
from fractions import Fraction

import pytest

from meetingroom.meetings.rules import (
    DEFAULT_ADOPTION_BASE,
    DEFAULT_ADOPTION_RULE,
    AdoptionBase,
    AdoptionRule,
    Choice,
    MeetingKind,
    Outcome,
    Quorum,
    may_open_meeting,
    may_open_vote,
    may_vote,
    outcome,
    quorum,
    quorum_sentence,
    rule_id_for,
    rule_sentence,
    validate_hands,
    votes_needed,
)

MAX_S = 15
SEATED = range(1, MAX_S + 1)
COMBOS = list(itertools.product(AdoptionRule, AdoptionBase))
LOCALES = ["en", "zh_CN"]


# --- reference predicates (Fraction, search) -------------------------------------------------


def ref_quorum_met(s: int, p: int) -> bool:
    return s > 0 and Fraction(p) >= Fraction(2, 3) * s


def ref_quorum_required(s: int) -> int:
    return next(p for p in itertools.count() if Fraction(p) >= Fraction(2, 3) * s)


def ref_adopts(a: int, rule: AdoptionRule, base: AdoptionBase, s: int, p: int) -> bool:
    n = p if base is AdoptionBase.PRESENT else s
    half = Fraction(n, 2)
    passes = Fraction(a) >= half if rule is AdoptionRule.INCLUSIVE_HALF else Fraction(a) > half
    return a > 0 and passes


def ref_needed(rule: AdoptionRule, base: AdoptionBase, s: int, p: int) -> int:
    return next(a for a in itertools.count() if ref_adopts(a, rule, base, s, p))


# --- R7.1 quorum ----------------------------------------------------------------------------


@pytest.mark.parametrize("s", SEATED)
def test_quorum_exhaustive(s: int) -> None:
    for p in range(0, s + 1):
        q = quorum(s, p)
        assert q == Quorum(required=ref_quorum_required(s), met=ref_quorum_met(s, p), rule="R7.1")
        # required is the boundary: meeting it is enough, one fewer is not.
        assert quorum(s, q.required).met
        if q.required > 0:
            assert not quorum(s, q.required - 1).met


def test_quorum_spot_checks_from_rules() -> None:
    assert quorum(11, 8) == Quorum(required=8, met=True, rule="R7.1")
    assert quorum(11, 7) == Quorum(required=8, met=False, rule="R7.1")
    assert quorum(9, 6).met and not quorum(9, 5).met  # exactly two thirds counts (inclusive)
    assert quorum(10, 7).met and not quorum(10, 6).met
    assert quorum(1, 1).met and not quorum(1, 0).met
    assert [quorum(s, 0).required for s in range(1, 13)] == [1, 2, 2, 3, 4, 4, 5, 6, 6, 7, 8, 8]


def test_quorum_without_committee_is_never_met() -> None:
    assert quorum(0, 0) == Quorum(required=0, met=False, rule="R7.1")


def test_quorum_more_present_than_seated_is_met() -> None:
    assert quorum(9, 10).met


@pytest.mark.parametrize(("s", "p"), [(-1, 0), (3, -1)])
def test_quorum_rejects_negative_counts(s: int, p: int) -> None:
    with pytest.raises(ValueError):
        quorum(s, p)


# --- R7.1 / R7.2 opening a meeting and a vote -----------------------------------------------


@pytest.mark.parametrize("s", SEATED)
def test_may_open_meeting_exhaustive(s: int) -> None:
    for p in range(0, s + 1):
        met = ref_quorum_met(s, p)
        assert may_open_meeting(MeetingKind.WORK, s, p) == (
            (True, None) if met else (False, "R7.1")
        )
        assert may_open_meeting(MeetingKind.JOINT, s, p) == (True, None if met else "R7.2")


def test_may_open_meeting_spot_checks() -> None:
    assert may_open_meeting(MeetingKind.WORK, 11, 8) == (True, None)
    assert may_open_meeting(MeetingKind.WORK, 11, 7) == (False, "R7.1")
    assert may_open_meeting(MeetingKind.JOINT, 11, 7) == (True, "R7.2")
    assert may_open_meeting(MeetingKind.JOINT, 11, 0) == (True, "R7.2")
    assert may_open_meeting(MeetingKind.JOINT, 11, 11) == (True, None)
    assert may_open_meeting(MeetingKind.WORK, 0, 0) == (False, "R7.1")
    assert may_open_meeting("work", 11, 7) == (False, "R7.1")  # stored setting strings work too


@pytest.mark.parametrize("s", SEATED)
def test_may_open_vote_exhaustive(s: int) -> None:
    for p in range(0, s + 1):
        assert may_open_vote(MeetingKind.WORK, s, p) is ref_quorum_met(s, p)
        assert may_open_vote(MeetingKind.JOINT, s, p) is True


def test_may_open_vote_after_members_leave() -> None:
    assert may_open_vote(MeetingKind.WORK, 11, 8)
    assert not may_open_vote(MeetingKind.WORK, 11, 7)  # someone left: no new vote (R7.1)
    assert may_open_vote(MeetingKind.JOINT, 11, 7)  # joint meetings set no quorum (R7.2)


def test_unknown_meeting_kind_is_rejected() -> None:
    with pytest.raises(ValueError):
        may_open_vote("plenary", 11, 8)


# --- R7.2-R7.4 thresholds and outcome -------------------------------------------------------


@pytest.mark.parametrize(("rule", "base"), COMBOS)
@pytest.mark.parametrize("s", SEATED)
def test_votes_needed_and_outcome_exhaustive(
    s: int, rule: AdoptionRule, base: AdoptionBase
) -> None:
    for p in range(0, s + 1):
        needed = votes_needed(rule, base, s, p)
        assert needed == ref_needed(rule, base, s, p), (s, p)
        for a in range(0, p + 1):
            expected = Outcome.ADOPTED if ref_adopts(a, rule, base, s, p) else Outcome.REJECTED
            assert outcome(a, rule, base, s, p) is expected, (s, p, a)


def test_votes_needed_spot_checks_from_rules() -> None:
    inc, strict = AdoptionRule.INCLUSIVE_HALF, AdoptionRule.STRICT_MAJORITY
    present, seated = AdoptionBase.PRESENT, AdoptionBase.SEATED
    assert votes_needed(inc, present, 11, 8) == 4  # 2A ≥ P: exactly half adopts
    assert votes_needed(strict, present, 11, 8) == 5  # 2A > P: half is not enough
    assert votes_needed(inc, present, 11, 9) == 5
    assert votes_needed(strict, present, 11, 9) == 5
    assert votes_needed(inc, seated, 11, 8) == 6
    assert votes_needed(strict, seated, 11, 8) == 6
    assert votes_needed(inc, seated, 10, 7) == 5
    assert votes_needed(strict, seated, 10, 7) == 6
    assert outcome(4, inc, present, 11, 8) is Outcome.ADOPTED
    assert outcome(3, inc, present, 11, 8) is Outcome.REJECTED
    assert outcome(4, strict, present, 11, 8) is Outcome.REJECTED
    assert outcome(5, strict, present, 11, 8) is Outcome.ADOPTED


def test_zero_agree_votes_never_adopt() -> None:
    for rule, base in COMBOS:
        assert votes_needed(rule, base, 0, 0) == 1
        assert outcome(0, rule, base, 0, 0) is Outcome.REJECTED
        assert outcome(0, rule, base, 5, 0) is Outcome.REJECTED


def test_seated_base_can_be_out_of_reach() -> None:
    # 3 of 11 present, seated base: 6 agree needed, so nothing can pass.
    rule, base = AdoptionRule.INCLUSIVE_HALF, AdoptionBase.SEATED
    assert votes_needed(rule, base, 11, 3) == 6
    assert outcome(3, rule, base, 11, 3) is Outcome.REJECTED


def test_defaults_are_the_rules_reading() -> None:
    assert DEFAULT_ADOPTION_RULE is AdoptionRule.INCLUSIVE_HALF
    assert DEFAULT_ADOPTION_BASE is AdoptionBase.PRESENT


def test_settings_accept_stored_strings_and_reject_unknown() -> None:
    assert votes_needed("strict_majority", "present", 11, 8) == 5
    assert votes_needed("inclusive_half", "seated", 11, 8) == 6
    with pytest.raises(ValueError):
        votes_needed("two_thirds", "present", 11, 8)
    with pytest.raises(ValueError):
        votes_needed("inclusive_half", "everyone", 11, 8)


@pytest.mark.parametrize(("a", "s", "p"), [(-1, 11, 8), (0, -1, 0), (0, 11, -1)])
def test_outcome_rejects_negative_counts(a: int, s: int, p: int) -> None:
    with pytest.raises(ValueError):
        outcome(a, AdoptionRule.INCLUSIVE_HALF, AdoptionBase.PRESENT, s, p)


def test_enum_values_are_the_api_strings() -> None:
    assert [k.value for k in MeetingKind] == ["work", "joint"]
    assert [r.value for r in AdoptionRule] == ["inclusive_half", "strict_majority"]
    assert [b.value for b in AdoptionBase] == ["present", "seated"]
    assert [c.value for c in Choice] == ["agree", "oppose", "abstain"]
    assert [o.value for o in Outcome] == ["pending", "adopted", "rejected"]


# --- rule ids and sentences -----------------------------------------------------------------


def test_rule_id_for() -> None:
    assert rule_id_for(MeetingKind.JOINT) == "R7.2"
    assert rule_id_for(MeetingKind.WORK) == "R7.3"


NEEDED_IN_SENTENCE = {
    "en": re.compile(r": (\d+) needed$"),
    "zh_CN": re.compile(r"需同意 ≥ (\d+) 票$"),
}
REQUIRED_IN_SENTENCE = {
    "en": re.compile(r": (\d+) needed, "),
    "zh_CN": re.compile(r"需到会 ≥ (\d+) 人"),
}
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("kind", list(MeetingKind))
@pytest.mark.parametrize(("rule", "base"), COMBOS)
def test_rule_sentence_states_rule_and_needed(
    rule: AdoptionRule, base: AdoptionBase, kind: MeetingKind, locale: str
) -> None:
    rule_id = "R7.2" if kind is MeetingKind.JOINT else "R7.3"
    for s in SEATED:
        for p in range(0, s + 1):
            text = rule_sentence(kind, rule, base, s, p, locale=locale)
            assert text.startswith(f"{rule_id}: "), text
            match = NEEDED_IN_SENTENCE[locale].search(text)
            assert match, text
            assert int(match.group(1)) == ref_needed(rule, base, s, p), text
            assert bool(CJK.search(text)) is (locale == "zh_CN"), text
            operator = "≥" if rule is AdoptionRule.INCLUSIVE_HALF else ">"
            letter = "P" if base is AdoptionBase.PRESENT else "S"
            assert f"2A {operator} {letter}" in text, text


@pytest.mark.parametrize("locale", LOCALES)
def test_rule_sentences_differ_per_setting(locale: str) -> None:
    texts = {rule_sentence(MeetingKind.WORK, r, b, 11, 8, locale=locale) for r, b in COMBOS}
    assert len(texts) == len(COMBOS)


def test_rule_sentence_examples() -> None:
    inc, present = AdoptionRule.INCLUSIVE_HALF, AdoptionBase.PRESENT
    en = rule_sentence(MeetingKind.WORK, inc, present, 11, 8)
    assert en == (
        "R7.3: adopted when agree votes are at least half of the members present (2A ≥ P): 4 needed"
    )
    zh = rule_sentence(MeetingKind.WORK, inc, present, 11, 8, locale="zh_CN")
    assert zh.startswith("R7.3: 到会委员半数以上同意方可形成决议")
    assert "含半数" in zh and zh.endswith("需同意 ≥ 4 票")
    strict_zh = rule_sentence(
        MeetingKind.JOINT, AdoptionRule.STRICT_MAJORITY, present, 11, 8, locale="zh_CN"
    )
    assert strict_zh.startswith("R7.2: ") and "过半数" in strict_zh and "不含半数" in strict_zh
    assert strict_zh.endswith("需同意 ≥ 5 票")
    seated_en = rule_sentence(MeetingKind.JOINT, inc, AdoptionBase.SEATED, 11, 8)
    assert "seated" in seated_en and seated_en.endswith(": 6 needed")


@pytest.mark.parametrize("locale", ["zh", "zh-CN", "ZH_cn"])
def test_chinese_locale_spellings(locale: str) -> None:
    text = rule_sentence(
        MeetingKind.WORK, AdoptionRule.INCLUSIVE_HALF, AdoptionBase.PRESENT, 11, 8, locale=locale
    )
    assert text.endswith("需同意 ≥ 4 票")


@pytest.mark.parametrize("locale", LOCALES)
def test_quorum_sentence_states_rule_and_required(locale: str) -> None:
    for s in SEATED:
        for p in range(0, s + 1):
            text = quorum_sentence(s, p, locale=locale)
            assert text.startswith("R7.1: "), text
            match = REQUIRED_IN_SENTENCE[locale].search(text)
            assert match, text
            assert int(match.group(1)) == ref_quorum_required(s), text
            assert bool(CJK.search(text)) is (locale == "zh_CN"), text


def test_quorum_sentence_examples() -> None:
    zh_met = quorum_sentence(11, 8, locale="zh_CN")
    assert "三分之二" in zh_met and "需到会 ≥ 8 人" in zh_met and "已达法定人数" in zh_met
    zh_short = quorum_sentence(11, 7, locale="zh_CN")
    assert "未达法定人数" in zh_short and "7/11" in zh_short
    en = quorum_sentence(11, 7)
    assert "two thirds" in en and ": 8 needed, 7 of 11 present" in en and "not met" in en


# --- R7.5 / R6.2 who may vote ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("is_seated", "is_present", "is_observer", "expected"),
    [
        (True, True, False, (True, "R7.5")),
        (True, False, False, (False, "R7.5")),
        (False, True, False, (False, "R7.5")),
        (False, False, False, (False, "R7.5")),
        (False, True, True, (False, "R6.2")),
        (False, False, True, (False, "R6.2")),
        (True, True, True, (False, "R6.2")),
        (True, False, True, (False, "R6.2")),
    ],
)
def test_may_vote(
    is_seated: bool, is_present: bool, is_observer: bool, expected: tuple[bool, str]
) -> None:
    assert may_vote(is_seated, is_present, is_observer) == expected


def test_may_vote_observer_defaults_to_false() -> None:
    assert may_vote(True, True) == (True, "R7.5")


# --- R7.6 show of hands ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("agree", "oppose", "abstain", "present", "expected"),
    [
        (0, 0, 0, 0, None),
        (8, 0, 0, 8, None),
        (3, 3, 2, 8, None),
        (3, 2, 1, 8, None),  # some hands not raised
        (3, 3, 3, 8, "R7.6"),  # one hand too many
        (9, 0, 0, 8, "R7.6"),
        (1, 0, 0, 0, "R7.6"),
        (-1, 0, 0, 8, "R7.6"),
        (0, -1, 0, 8, "R7.6"),
        (0, 0, -1, 8, "R7.6"),
        (0, 0, 0, -1, "R7.6"),
        (5, -1, 4, 8, "R7.6"),  # a negative cannot hide an excess
    ],
)
def test_validate_hands_cases(
    agree: int, oppose: int, abstain: int, present: int, expected: str | None
) -> None:
    assert validate_hands(agree, oppose, abstain, present) == expected


def test_validate_hands_exhaustive() -> None:
    for present in range(0, 8):
        for agree, oppose, abstain in itertools.product(range(-1, 9), repeat=3):
            ok = min(agree, oppose, abstain) >= 0 and agree + oppose + abstain <= present
            expected = None if ok else "R7.6"
            assert validate_hands(agree, oppose, abstain, present) == expected, (
                agree,
                oppose,
                abstain,
                present,
            )
