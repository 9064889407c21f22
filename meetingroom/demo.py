"""A believable demo community: a chair, one more full-time member, eight part-time members from
named units, a secretary, party members and residents, and a story through the four steps
(suggestions, proposals, a closed work meeting last month with resolutions, progress and ratings,
a joint meeting next week). Loading twice changes nothing."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlmodel import Session, col, select

from meetingroom.auth.security import hash_password
from meetingroom.community.service import ensure_default_community
from meetingroom.models import (
    AgendaItem,
    Meeting,
    MemberUnit,
    Notification,
    Proposal,
    Rating,
    Resolution,
    Suggestion,
    UnitContact,
    UnitDeed,
    User,
    utcnow,
)
from meetingroom.models.base import clock_at
from meetingroom.settings import get_settings

PASSWORD = "demo-pass-2026"  # noqa: S105 - printed for the demo on purpose

UNITS = [
    ("幸福路小学党支部", "school"),
    ("区第二人民医院党总支", "hospital"),
    ("幸福路派出所党支部", "police"),
    ("安居物业公司党支部", "property"),
    ("幸福苑业主委员会", "owners_committee"),
    ("新华书店幸福路店党支部", "firm"),
    ("供电所幸福路营业厅党支部", "firm"),
    ("社区居民党支部", "party_org"),
]

# (role label, name, phone, seat, unit index, secretary, party member)
PEOPLE = [
    ("chair 书记", "王建国", "13800000001", "chair", None, False, True),
    ("full-time 专职委员", "李秀英", "13800000002", "full_time", None, False, True),
    ("part-time 兼职委员 (school)", "张伟", "13800000003", "part_time", 0, False, True),
    ("part-time 兼职委员 (hospital)", "刘芳", "13800000004", "part_time", 1, False, True),
    ("part-time 兼职委员 (police)", "陈军", "13800000005", "part_time", 2, False, True),
    ("part-time 兼职委员 (property)", "杨洋", "13800000006", "part_time", 3, False, True),
    ("part-time 兼职委员 (owners)", "赵敏", "13800000007", "part_time", 4, False, True),
    ("part-time 兼职委员 (bookshop)", "黄磊", "13800000008", "part_time", 5, False, True),
    ("part-time 兼职委员 (power)", "周静", "13800000009", "part_time", 6, False, True),
    ("part-time 兼职委员 (residents)", "吴桂兰", "13800000010", "part_time", 7, False, True),
    ("secretary 会议秘书", "孙丽", "13800000011", None, None, True, True),
    ("party member 党员", "郑和平", "13800000012", None, None, False, True),
    ("party member 党员", "冯淑珍", "13800000013", None, None, False, True),
    ("resident 居民", "何小明", "13800000014", None, None, False, False),
    ("resident 居民", "马丽娟", "13800000015", None, None, False, False),
    ("resident 居民", "罗大爷", "13800000016", None, None, False, False),
]


def load_demo(session: Session) -> list[tuple[str, str, str, str]]:
    # The people were registered before the story began (two months ago), not today.
    with clock_at(utcnow() - timedelta(days=60)):
        logins = _load_people(session)
    community = ensure_default_community(session)
    load_story(session, community.id)
    from meetingroom.units.demo import load_units_year

    load_units_year(session, community.id)
    from meetingroom.units.review_demo import load_notice, load_review

    load_review(session, community.id)  # last year's two-way review, held and closed (R5.4)
    load_notice(session, community.id)  # a candidate's public notice running now (R2.2)
    _read_old_notices(session)
    return logins


# People have been using the app all along the story: what reached them more than this long ago
# they have seen, so a demo resident logs in to a badge of the last days' news, not 17.
NOTICES_SEEN_AFTER = timedelta(days=3)


def _read_old_notices(session: Session) -> None:
    seen_by = utcnow() - NOTICES_SEEN_AFTER
    session.exec(update(Notification).where(col(Notification.created_at) < seen_by,
                                            col(Notification.read_at).is_(None))
                 .values(read_at=seen_by))


def _load_people(session: Session) -> list[tuple[str, str, str, str]]:
    community = ensure_default_community(session)
    session.flush()
    units = []
    for name, kind in UNITS:
        unit = session.exec(select(MemberUnit).where(MemberUnit.community_id == community.id,
                                                     MemberUnit.name == name)).first()
        if unit is None:
            unit = MemberUnit(community_id=community.id, name=name, kind=kind,
                              contact_name="", contact_phone="")
            session.add(unit)
            session.flush()
        units.append(unit)
    password_hash = hash_password(PASSWORD)
    logins = []
    for role, name, phone, seat, unit_index, secretary, party in PEOPLE:
        user = session.exec(select(User).where(User.community_id == community.id,
                                               User.phone == phone)).first()
        if user is None:
            session.add(User(community_id=community.id, name=name, phone=phone,
                             password_hash=password_hash, seat=seat,
                             unit_id=units[unit_index].id if unit_index is not None else None,
                             is_secretary=secretary, is_party_member=party,
                             address="幸福苑3号楼" if seat is None else ""))
        logins.append((role, name, phone, PASSWORD))
    session.flush()
    _appointment_records(session, community.id)
    _posts(session, community.id)
    return logins


# R1.3: the chair is the community's party secretary; the full-time member its deputy.
POSTS = {"13800000001": "party_secretary", "13800000002": "deputy_secretary"}


def _posts(session: Session, community_id: int) -> None:
    from meetingroom.models import MemberRecord

    for phone, post in POSTS.items():
        user = session.exec(select(User).where(User.community_id == community_id,
                                               User.phone == phone)).first()
        if user and not session.exec(select(MemberRecord.id).where(
                MemberRecord.user_id == user.id)).first():
            session.add(MemberRecord(community_id=community_id, user_id=user.id, post=post))
    session.flush()


# R2.2: the demo's part-time members went through the five steps in spring.
APPOINTMENT = [("recommend", "2026-03-02", "社区党委"), ("select", "2026-03-20", "社区党员大会"),
               ("approve", "2026-04-08", "街道党工委"), ("appoint", "2026-04-15", "社区党委"),
               ("notice", "2026-04-22", "社区居委会")]


def _appointment_records(session: Session, community_id: int) -> None:
    from meetingroom.models import AppointmentStep

    part_time = session.exec(select(User).where(User.community_id == community_id,
                                                User.seat == "part_time")).all()
    for user in part_time:
        if session.exec(select(AppointmentStep.id).where(
                AppointmentStep.user_id == user.id)).first():
            continue
        for step, day, done_by in APPOINTMENT:
            session.add(AppointmentStep(community_id=community_id, user_id=user.id, step=step,
                                        done_on=date.fromisoformat(day), done_by=done_by))
    session.flush()


# --- the story: four steps played through the real services ------------------------------------
# Every row below is made by the service a person would call (audit log, seq, hash chain and
# notifications included), at the moment of the story, under models.clock_at. The dates are
# relative to today, so the demo stays believable on any day: the work meeting was in the
# middle of last month, the joint meeting is next week.

# (key, author phone, category, title, body, location)
SUGGESTIONS = [
    ("lighting", "13800000014", "safety", "小区东门到3号楼的路灯坏了好几盏",
     "东门进来到3号楼那段路，晚上有三盏路灯不亮，已经快一个月了。老人晚上出来散步看不清台阶，"
     "上周我妈差点摔一跤。希望尽快修好，最好再加一两盏。", "东门—3号楼步道"),
    ("parking", "13800000015", "parking", "晚上停车太难，消防通道被占",
     "下班回来晚一点就没有车位，很多车停在消防通道和绿化带边上，救护车进不来。"
     "能不能把小区北侧那块空地改成临时停车位，或者和旁边学校商量晚上错时停车？", "小区北侧空地"),
    ("elevator", "13800000016", "facilities", "3号楼老人多，希望加装电梯",
     "3号楼是七层的老楼，住着十几位七十岁以上的老人，有的一年都下不了几次楼。"
     "听说政府对老楼加装电梯有补贴，希望社区牵头问问大家的意见，帮我们申请。", "3号楼"),
    ("canteen", "13800000013", "elderly", "建议在社区办一个老年食堂",
     "不少独居老人自己做饭不方便，经常凑合吃。建议利用活动中心一楼办个老年助餐点，"
     "中午提供实惠的饭菜，行动不便的可以送餐上门。", "社区活动中心"),
    ("garbage", "13800000012", "environment", "垃圾分类桶站太少，常常满出来",
     "2号楼和5号楼之间只有一个桶站，周末经常满出来，气味很大。建议再加一个桶站，"
     "晚上安排志愿者引导分类。", "2号楼与5号楼之间"),
    ("noise", "13800000014", "other", "楼上装修噪音太大，中午也在施工",
     "5号楼有一户装修两个月了，中午和晚上八点以后还在用电钻，孩子没法午睡。", "5号楼"),
    ("bench", "13800000015", "facilities", "中心花园的长椅坏了",
     "中心花园靠近凉亭的那张长椅，有一根木条断了，钉子露在外面，小孩子容易划伤。"
     "拍了照片，麻烦物业来修一下。", "中心花园凉亭旁"),
    ("pets", "13800000016", "environment", "希望出台文明养犬的规定",
     "小区里遛狗不牵绳的越来越多，草坪上经常有狗粪。希望能定一个大家都认可的养犬公约，"
     "比如必须牵绳、及时清理粪便。", "全小区"),
]
DEMO_MARK = SUGGESTIONS[0][3]  # the demo's story exists when this suggestion does

# (suggestion key, phones of supporters)
SUPPORTS = [("lighting", ["13800000012", "13800000013", "13800000015", "13800000016"]),
            ("elevator", ["13800000012", "13800000014", "13800000015"]),
            ("canteen", ["13800000014", "13800000016"]),
            ("parking", ["13800000014"]),
            ("bench", ["13800000016"]),
            ("pets", ["13800000013", "13800000015"])]

# (key, sponsor phone, suggestion keys, principle R4.3, title, body, draft resolution)
PROPOSALS = [
    ("lighting", "13800000006", ["lighting"], "practical", "修复并增设东门至3号楼步道路灯",
     "居民反映东门至3号楼步道三盏路灯损坏近一个月，老人夜间出行有安全隐患。物业已查明是线路老化。",
     "由安居物业公司负责，两周内更换损坏路灯及老化线路，并在台阶处增设两盏路灯，费用从公共维修资金列支。"),
    ("canteen", "13800000002", ["canteen"], "important", "在社区活动中心开设老年助餐点",
     "社区60岁以上独居老人四十余人，就餐困难。区第二人民医院可派营养师指导，街道有助餐补贴。",
     "利用活动中心一楼开设老年助餐点，工作日午餐，行动不便者送餐上门；由社区居委会牵头，"
     "年底前开业。"),
    ("parking", "13800000007", ["parking"], "major", "将小区北侧空地改建为临时停车场",
     "夜间停车位缺口约六十个，消防通道常被占用。北侧空地可划出约四十个车位，但需砍掉部分绿化。",
     "将北侧空地硬化改建为临时停车场，约四十个车位，按月收取管理费。"),
    ("elevator", "13800000010", ["elevator"], "major", "推动3号楼老楼加装电梯",
     "3号楼七层，七十岁以上老人十四位。加装电梯需本单元三分之二以上业主同意，并可申请政府补贴。",
     "社区牵头征求3号楼各单元业主意见，协助申请加装电梯补贴，联系设计单位出具方案。"),
]
DECLINE = ("noise", "13800000005", "装修噪音属于城管和派出所的执法范围，不作为大党委议题。"
           "已请物业向该户重申装修时间规定(工作日8:00–12:00、14:00–18:00),再有扰民可直接拨打"
           "派出所电话，我们会跟进。")

ABSENT_PHONE = "13800000008"  # 黄磊 sent apologies: 9 of the 10 seated attend
# (proposal key, secret ballot, {choice: [phones]})
VOTES = [
    ("lighting", False, {"agree": ["13800000001", "13800000002", "13800000003", "13800000004",
                                   "13800000005", "13800000006", "13800000007", "13800000009"],
                         "abstain": ["13800000010"]}),
    ("canteen", True, {"agree": ["13800000001", "13800000002", "13800000003", "13800000004",
                                 "13800000005", "13800000009", "13800000010"],
                       "oppose": ["13800000006"], "abstain": ["13800000007"]}),
    ("parking", False, {"agree": ["13800000006", "13800000007", "13800000009"],
                        "oppose": ["13800000001", "13800000002", "13800000003", "13800000004",
                                   "13800000010"],
                        "abstain": ["13800000005"]}),
]
# (proposal key, responsible phone, responsible shown, deadline in days after the meeting)
RESPONSIBLE = [("lighting", "13800000006", "安居物业公司党支部(杨洋)", 14),
               ("canteen", "13800000002", "社区居委会(李秀英)", 75)]
# (proposal key, days after the meeting, status, percent, note)
PROGRESS = [
    ("lighting", 3, "in_progress", 50, "已更换三盏损坏路灯的灯头，老化线路正在重新敷设。"),
    ("lighting", 8, "done", 100, "线路更换完毕，台阶处新增两盏路灯，已全部点亮。欢迎居民监督。"),
    ("canteen", 6, "in_progress", 30, "活动中心一楼场地已腾空，正在办理食品经营许可，"
     "医院营养师已拟好第一版菜单。"),
]
# (phone, days after the meeting, score, comment) on the done resolution
RATINGS = [("13800000012", 9, 5, "晚上走路亮堂多了，修得很快。"),
           ("13800000013", 9, 4, "修好了，就是施工那几天路不太好走。"),
           ("13800000014", 10, 5, "我反映的问题两周就解决了，谢谢社区和物业！"),
           ("13800000016", 11, 4, "")]


def bench_photo() -> bytes:
    """A simple picture of the broken bench (drawn with Pillow): grass, a bench, a broken slat."""
    import io

    from PIL import Image, ImageDraw

    img = Image.new("RGB", (800, 600), (150, 200, 120))
    d = ImageDraw.Draw(img)
    d.rectangle((0, 0, 800, 220), fill=(190, 220, 245))  # sky
    d.ellipse((600, 40, 700, 140), fill=(250, 230, 140))  # sun
    d.rectangle((60, 120, 180, 330), fill=(110, 80, 50))  # pavilion post
    d.polygon([(20, 130), (120, 60), (220, 130)], fill=(170, 60, 50))  # pavilion roof
    for x in (230, 650):  # legs
        d.rectangle((x, 380, x + 24, 500), fill=(70, 70, 70))
    for y in (300, 340):  # backrest slats
        d.rectangle((210, y, 690, y + 22), fill=(150, 100, 55))
    d.rectangle((210, 390, 690, 412), fill=(150, 100, 55))  # seat, front slat
    d.rectangle((210, 420, 420, 442), fill=(150, 100, 55))  # the back slat, broken in two
    d.polygon([(445, 420), (690, 440), (688, 462), (440, 444)], fill=(135, 90, 50))
    for x in (425, 437):  # the nails sticking out
        d.line((x, 410, x, 432), fill=(200, 200, 210), width=4)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def _local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(get_settings().timezone))


def load_story(session: Session, community_id: int) -> bool:
    """The four steps, once: returns False if the story is there already."""
    if session.exec(select(Suggestion.id).where(Suggestion.community_id == community_id,
                                                Suggestion.title == DEMO_MARK)).first():
        return False
    from meetingroom.followup import service as followup
    from meetingroom.meetings import service as meetings
    from meetingroom.photos import Upload, save_photos
    from meetingroom.proposals import service as proposals
    from meetingroom.suggestions import service as suggestions

    people = {u.phone: u for u in session.exec(select(User).where(
        User.community_id == community_id)).all()}
    secretary = people["13800000011"]
    zone = ZoneInfo(get_settings().timezone)
    today = utcnow().astimezone(zone).date()
    # The middle of last month (10 days before this month began), 19:00: 10 to 41 days ago.
    day0 = today.replace(day=1) - timedelta(days=10)
    meeting_at = _local(day0, 19)

    def at(days: int, hour: int = 9, minute: int = 0):
        return clock_at(_local(day0 + timedelta(days=days), hour, minute))

    # Step 1: residents suggest, three to two weeks before the meeting; neighbours support.
    made: dict[str, Suggestion] = {}
    for n, (key, phone, category, title, body, location) in enumerate(SUGGESTIONS):
        with at(-20 + n, 8 + n, 15 * (n % 4)):
            made[key] = suggestions.submit_suggestion(
                session, actor=people[phone], title=title, body=body, category=category,
                location=location, show_name=n % 3 == 0)
            if key == "bench":
                save_photos(session, [Upload(bench_photo(), "bench.png")],
                            community_id=community_id, uploader_id=people[phone].id,
                            suggestion_id=made[key].id)
    for n, (key, phones) in enumerate(SUPPORTS):
        for m, phone in enumerate(phones):
            with at(-11, 12 + n % 6, 5 * m):
                suggestions.support_suggestion(session, actor=people[phone],
                                               suggestion_id=made[key].id)

    # Step 2: members sponsor four of them (R4.3 principles) and decline one with a reason.
    made_proposals: dict[str, Proposal] = {}
    for n, (key, phone, keys, principle, title, body, draft) in enumerate(PROPOSALS):
        with at(-10 + n, 10):
            made_proposals[key] = proposals.sponsor(
                session, actor=people[phone], title=title, body=body, principle=principle,
                draft_resolution=draft, suggestion_ids=[made[k].id for k in keys])
    key, phone, reason = DECLINE
    with at(-9, 15):
        proposals.decline_suggestion(session, actor=people[phone], suggestion_id=made[key].id,
                                     reason=reason)

    # Step 3: last month's work meeting, three items, closed.
    with at(-5, 16):
        work = meetings.schedule_meeting(
            session, actor=secretary, kind="work", title=f"{day0.month}月大党委工作会议",
            starts_at=meeting_at, location="社区党群服务中心二楼会议室",
            proposal_ids=[made_proposals[k].id for k, _s, _v in VOTES])
    members = [u for u in people.values() if u.seat and u.phone != ABSENT_PHONE]
    for n, member in enumerate(sorted(members, key=lambda u: u.phone)):
        with at(0, 18, 45 + n):
            meetings.check_in(session, actor=member, meeting_id=work.id)
    with at(0, 19, 0):
        meetings.open_meeting(session, actor=secretary, meeting_id=work.id)
    items = {i.proposal_id: i.id for i in session.exec(select(AgendaItem).where(
        AgendaItem.meeting_id == work.id)).all()}
    for n, (key, secret, choices) in enumerate(VOTES):
        item_id = items[made_proposals[key].id]
        with at(0, 19, 10 + 15 * n):
            meetings.open_vote(session, actor=secretary, item_id=item_id, secret=secret)
        for choice, phones in choices.items():
            for phone in phones:
                with at(0, 19, 12 + 15 * n):
                    meetings.cast_ballot(session, actor=people[phone], item_id=item_id,
                                         choice=choice)
        with at(0, 19, 14 + 15 * n):
            meetings.close_vote(session, actor=secretary, item_id=item_id)
    with at(0, 20, 5):
        meetings.close_meeting(session, actor=secretary, meeting_id=work.id)

    # Step 4: who carries the resolutions out, by when; progress; ratings on the done one.
    resolutions = {r.proposal_id: r for r in session.exec(select(Resolution).where(
        col(Resolution.item_id).in_(list(items.values())))).all()}
    for key, phone, shown, days in RESPONSIBLE:
        with at(1, 10):
            followup.update_resolution(
                session, actor=secretary, resolution_id=resolutions[made_proposals[key].id].id,
                changes={"responsible_user_id": people[phone].id, "responsible": shown,
                         "deadline": day0 + timedelta(days=days)})
    for key, days, status, percent, note in PROGRESS:
        resolution = resolutions[made_proposals[key].id]
        with at(days, 17):
            followup.add_progress(session, actor=session.get(User, resolution.responsible_user_id),
                                  resolution_id=resolution.id, status=status, percent=percent,
                                  note=note)
    done = resolutions[made_proposals["lighting"].id]
    for phone, days, score, comment in RATINGS:
        with at(days, 20):
            followup.rate_resolution(session, actor=people[phone], resolution_id=done.id,
                                     score=score, comment=comment)

    # Next week's joint meeting on the lift, with an observer (R6.2); scheduled today.
    joint = meetings.schedule_meeting(
        session, actor=secretary, kind="joint", title="3号楼加装电梯联席会议",
        starts_at=_local(today + timedelta(days=7), 19), location="社区党群服务中心二楼会议室",
        proposal_ids=[made_proposals["elevator"].id])
    meetings.add_observer(session, actor=secretary, meeting_id=joint.id, name="钱卫东",
                          role="3号楼居民代表")
    meetings.add_observer(session, actor=secretary, meeting_id=joint.id, name="孔德明",
                          role="社区民警")
    session.flush()
    return True


def summary(session: Session) -> str:
    """One line: what the demo community holds."""
    from sqlalchemy import func

    def count(model, *where) -> int:
        return session.exec(select(func.count()).select_from(model).where(*where)).one()

    return (f"Demo: {count(User)} people, {count(Suggestion)} suggestions, "
            f"{count(Proposal)} proposals, {count(Meeting, Meeting.status == 'closed')} closed "
            f"and {count(Meeting, Meeting.status == 'scheduled')} scheduled meetings, "
            f"{count(Resolution)} resolutions, {count(Rating)} ratings, "
            f"{count(UnitContact)} unit contacts, {count(UnitDeed)} good deeds.")
