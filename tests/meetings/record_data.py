"""A closed joint meeting written straight into the database, as the meeting service leaves one:
an open ballot, a secret ballot and a show of hands, an item never put to a vote, attendance with
two absent and one who left early, observers, resolutions, and the ballot log chained entry by
entry with `chain.append`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from meetingroom.meetings import chain, rules
from meetingroom.models import (
    AgendaItem,
    Attendance,
    Ballot,
    Meeting,
    Observer,
    Proposal,
    Resolution,
    User,
    VoteCast,
    utcnow,
)

NAMES = {  # seat, name, unit
    "chair": ("chair", "王建国", None),
    "full": ("full_time", "李秀英", None),
    "school": ("part_time", "张伟", "幸福路小学党支部"),
    "hospital": ("part_time", "刘芳", "区第二人民医院党总支"),
    "police": ("part_time", "陈军", "幸福路派出所党支部"),
    "property": ("part_time", "杨洋", "安居物业公司党支部"),
    "owners": ("part_time", "赵敏", "幸福苑业主委员会"),
    "shop": ("part_time", "黄磊", "新华书店幸福路店党支部"),
    "power": ("part_time", "周静", "供电所幸福路营业厅党支部"),
}
ABSENT = ("shop", "power")
LEFT_EARLY = "owners"
OPEN_VOTES = {"agree": ("chair", "full", "school", "hospital"), "oppose": ("police",),
              "abstain": ("property",)}  # "owners" did not vote
SECRET = {"agree": 2, "oppose": 4, "abstain": 1}
HANDS = {"agree": 5, "oppose": 0, "abstain": 1}
OBSERVERS = [("钱明", "社区民警"), ("孙小梅", "居民代表")]


@dataclass
class ClosedMeeting:
    meeting: Meeting
    members: dict[str, User]
    secretary: User
    items: dict[str, AgendaItem] = field(default_factory=dict)
    proposals: dict[str, Proposal] = field(default_factory=dict)
    resolutions: dict[str, Resolution] = field(default_factory=dict)

    def names(self, *keys: str) -> list[str]:
        return [self.members[k].name for k in keys]

    @property
    def present_keys(self) -> list[str]:
        return [k for k in NAMES if k not in ABSENT]


def build_closed_meeting(session, factory, *, status: str = "closed",
                         kind: str = "joint") -> ClosedMeeting:
    units = {}
    members = {}
    for key, (seat, name, unit_name) in NAMES.items():
        if unit_name and unit_name not in units:
            units[unit_name] = factory.unit(unit_name)
        members[key] = factory.user(name, seat=seat, party_member=True,
                                    unit=units.get(unit_name))
    secretary = factory.secretary()
    cid = factory.community.id
    opened = utcnow()
    meeting = Meeting(community_id=cid, kind=kind, title="十二月大党委联席会议",
                      starts_at=opened - timedelta(minutes=5), location="社区党群服务中心二楼",
                      status="open", seated_at_open=len(members), opened_at=opened,
                      created_by_id=secretary.id)
    session.add(meeting)
    session.flush()
    mid = meeting.id
    for key in NAMES:
        if key in ABSENT:
            continue
        session.add(Attendance(meeting_id=mid, user_id=members[key].id, marked_by_id=None,
                               present=key != LEFT_EARLY, checked_in_at=opened,
                               left_at=opened + timedelta(minutes=40)
                               if key == LEFT_EARLY else None))
    for name, role in OBSERVERS:
        session.add(Observer(meeting_id=mid, name=name, role=role))
    chain.append(session, meeting_id=mid,
                 payload={"type": "meeting_opened", "meeting": mid, "seated": 9, "present": 7})
    cm = ClosedMeeting(meeting=meeting, members=members, secretary=secretary)

    def proposal(key, title, principle, position, method):
        p = Proposal(community_id=cid, sponsor_id=members["chair"].id, title=title,
                     body=title, principle=principle, status="on_agenda")
        session.add(p)
        session.flush()
        item = AgendaItem(community_id=cid, meeting_id=mid, proposal_id=p.id,
                          position=position, method=method)
        session.add(item)
        session.flush()
        cm.proposals[key], cm.items[key] = p, item
        return item

    def close(item, present, outcome, rule_text=""):
        item.vote_status, item.outcome, item.rule_text = "closed", outcome, rule_text
        item.present_at_open, item.seated_at_open = present, 9
        item.opened_at, item.closed_at = opened, opened + timedelta(minutes=10)
        session.add(item)
        chain.append(session, meeting_id=mid, payload={
            "type": "vote_closed", "item": item.id, "agree": item.agree,
            "oppose": item.oppose, "abstain": item.abstain, "outcome": outcome})

    # 1. Open ballot (记名): every choice is named in Ballot and in the log.
    item = proposal("open", "为3号楼加装电梯", "practical", 1, "ballot")
    chain.append(session, meeting_id=mid, payload={"type": "vote_opened", "item": item.id})
    for choice, keys in OPEN_VOTES.items():
        for key in keys:
            uid = members[key].id
            session.add(VoteCast(item_id=item.id, voter_id=uid))
            session.add(Ballot(item_id=item.id, voter_id=uid, choice=choice))
            setattr(item, choice, getattr(item, choice) + 1)
            chain.append(session, meeting_id=mid, payload={
                "type": "ballot", "item": item.id, "voter": uid, "choice": choice})
    close(item, 7, "adopted", rules.rule_sentence(
        rules.MeetingKind(kind), rules.AdoptionRule.INCLUSIVE_HALF, rules.AdoptionBase.PRESENT,
        9, 7, "zh_CN"))

    # 2. Secret ballot (无记名): who voted, and the counts; no link between them.
    item = proposal("secret", "调整小区停车收费标准", "major", 2, "secret")
    chain.append(session, meeting_id=mid, payload={"type": "vote_opened", "item": item.id,
                                                   "secret": True})
    for key in cm.present_keys:
        session.add(VoteCast(item_id=item.id, voter_id=members[key].id))
        chain.append(session, meeting_id=mid, payload={"type": "ballot", "item": item.id})
    item.agree, item.oppose, item.abstain = SECRET["agree"], SECRET["oppose"], SECRET["abstain"]
    close(item, 7, "rejected")  # no rule_text stored: the minutes compute it (R7.4 settings)

    # 3. Show of hands (举手), after one member left.
    item = proposal("hands", "垃圾分类亭选址", "important", 3, "hands")
    item.agree, item.oppose, item.abstain = HANDS["agree"], HANDS["oppose"], HANDS["abstain"]
    close(item, 6, "adopted",
          "R7.2: 到会委员半数以上同意方可形成决议（含半数，2A ≥ P）：需同意 ≥ 3 票")

    # 4. Never put to a vote.
    proposal("pending", "春节慰问困难党员", "urgent", 4, "ballot")

    cm.resolutions["open"] = Resolution(
        community_id=cid, item_id=cm.items["open"].id, proposal_id=cm.proposals["open"].id,
        title="为3号楼加装电梯", responsible="安居物业公司", deadline=date(2026, 12, 31))
    cm.resolutions["hands"] = Resolution(
        community_id=cid, item_id=cm.items["hands"].id, proposal_id=cm.proposals["hands"].id,
        title="垃圾分类亭选址", responsible="张伟", deadline=date(2027, 1, 15),
        status="in_progress")
    for r in cm.resolutions.values():
        session.add(r)
    if status == "closed":
        meeting.status, meeting.closed_at = "closed", opened + timedelta(hours=1)
        chain.append(session, meeting_id=mid, payload={"type": "meeting_closed", "meeting": mid})
    else:
        meeting.status = status
    session.add(meeting)
    session.commit()
    return cm
