"""The demo community's year with its member units (R5), played through the real services at
story time (models.clock_at), like the four steps in meetingroom/demo.py.

Dates are relative to today, so the story stays believable on any day: over the last twelve
months the units reported in, were visited, raised needs, offered resources, took on projects
and did good deeds; the part-time members reported on last year. Some units fall short, so the
board has something to flag: the property company has not been in touch this half year, the
power supply office reported in once and was never heard from again (no contact, no deed, no
report), and the owners' committee has no good deed this year. The bookshop got a reminder talk
this half year and has been in touch since."""

from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from meetingroom.models import MemberUnit, Suggestion, UnitContact, User, utcnow
from meetingroom.models.base import clock_at
from meetingroom.photos import Upload
from meetingroom.settings import get_settings

# Unit profiles, by the demo's unit names: party organisation, higher organisation, address,
# head of the party organisation, contact person, contact phone.
PROFILES = {
    "幸福路小学党支部": ("幸福路小学党支部", "区教育局党委", "幸福路1号", "周建华", "王老师",
                   "13900010001"),
    "区第二人民医院党总支": ("区第二人民医院党总支", "区卫生健康委党委", "健康路18号", "吴敏",
                    "刘护士长", "13900010002"),
    "幸福路派出所党支部": ("幸福路派出所党支部", "区公安分局党委", "幸福路66号", "孔德明",
                    "孔德明", "13900010003"),
    "安居物业公司党支部": ("安居物业公司党支部", "区住房和城乡建设局党委", "幸福苑物业中心",
                    "钱进", "钱经理", "13900010004"),
    "幸福苑业主委员会": ("幸福苑业委会党小组", "幸福社区党委", "幸福苑3号楼一层", "赵敏",
                  "赵敏", "13900010005"),
    "新华书店幸福路店党支部": ("新华书店幸福路店党支部", "市新华书店党委", "幸福路22号",
                     "黄涛", "黄店长", "13900010006"),
    "供电所幸福路营业厅党支部": ("供电所幸福路营业厅党支部", "区供电公司党委", "幸福路40号",
                      "马强", "马主任", "13900010007"),
    "社区居民党支部": ("社区居民党支部", "幸福社区党委", "社区党群服务中心", "吴桂兰",
                "吴桂兰", "13900010008"),
}


def _photo(colour: tuple[int, int, int]) -> bytes:
    """A simple picture for a deed (drawn with Pillow): a banner over a crowd of heads."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (800, 600), (235, 235, 225))
    d = ImageDraw.Draw(img)
    d.rectangle((80, 60, 720, 170), fill=colour)  # the banner
    for n in range(9):
        x = 100 + n * 70
        d.ellipse((x, 330 + (n % 2) * 30, x + 50, 380 + (n % 2) * 30), fill=(60, 50, 45))
        d.rectangle((x - 5, 385 + (n % 2) * 30, x + 55, 560), fill=(70 + n * 15, 90, 140))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def load_units_year(session: Session, community_id: int) -> bool:
    """The units' year, once: returns False if it is there already."""
    if session.exec(select(UnitContact.id).where(UnitContact.community_id == community_id)
                    ).first():
        return False
    from meetingroom.community.service import update_unit
    from meetingroom.units import service

    people = {u.phone: u for u in session.exec(select(User).where(
        User.community_id == community_id)).all()}
    secretary, chair, full_time = (people["13800000011"], people["13800000001"],
                                   people["13800000002"])
    units = {u.name: u for u in session.exec(select(MemberUnit).where(
        MemberUnit.community_id == community_id)).all()}
    if not all(name in units for name in PROFILES):
        return False
    member_of = {u.unit_id: u for u in people.values() if u.seat == "part_time" and u.unit_id}
    zone = ZoneInfo(get_settings().timezone)
    today = utcnow().astimezone(zone).date()
    half = service.half_year_start(today)
    year_start = date(today.year, 1, 1)

    def at(day: date, hour: int = 10):
        return clock_at(datetime.combine(min(day, today), time(hour), tzinfo=zone))

    def ago(days: int) -> date:
        return today - timedelta(days=days)

    def in_half(share: float) -> date:
        """A day `share` of the way through this half year so far (0 = its first day)."""
        return half + timedelta(days=int((today - half).days * share))

    def in_year(share: float) -> date:
        return year_start + timedelta(days=int((today - year_start).days * share))

    school, hospital, police, prop, owners, shop, power, branch = (
        units[name] for name in PROFILES)

    # The profiles, as the secretary typed them in a year ago.
    with at(ago(365)):
        for name, (org, higher, address, head, contact, phone) in PROFILES.items():
            unit = units[name]
            update_unit(session, actor=secretary, unit_id=unit.id, name=unit.name,
                        kind=unit.kind, party_org=org, higher_org=higher, address=address,
                        party_head=head, contact_name=contact, contact_phone=phone)

    # R5.1: every unit reported in (报到) about a year ago.
    for n, unit in enumerate(units[name] for name in PROFILES):
        day = ago(350 - 3 * n)
        with at(day):
            service.log_contact(session, actor=secretary, unit_id=unit.id,
                                direction="report_in", held_on=day,
                                who=f"{PROFILES[unit.name][3]}、孙丽",
                                note="单位党组织到社区“大党委”报到，交流共建意向。")

    # Contacts through the year: (unit, day, direction, who, note, needs raised)
    contacts = [
        (school, ago(200), "visit", "王建国、周建华", "走访学校，了解放学时段交通压力。",
         ["放学时段校门口需要护学岗"]),
        (hospital, ago(190), "report_in", "吴敏、李秀英", "医院党总支来社区沟通义诊安排。", []),
        (police, ago(170), "visit", "李秀英、孔德明", "走访派出所，共商电动车充电安全。", []),
        (prop, ago(230), "report_in", "钱进、孙丽", "物业党支部报到，反映业主欠费纠纷。",
         ["协调业主欠费纠纷的调解员"]),
        (owners, ago(160), "visit", "王建国、赵敏", "走访业委会，听取加装电梯意见。", []),
        (branch, ago(150), "report_in", "吴桂兰、孙丽", "居民党支部汇报党员志愿服务情况。", []),
        (school, in_half(0.3), "report_in", "周建华、孙丽", "学校党支部汇报暑期托管班情况。", []),
        (hospital, in_half(0.4), "visit", "李秀英、吴敏", "走访医院，商定重阳节义诊。",
         ["社区卫生站需要一台血压计"]),
        (police, in_half(0.5), "report_in", "孔德明、孙丽", "派出所汇报反诈宣传进展。", []),
        (owners, in_half(0.6), "report_in", "赵敏、孙丽", "业委会沟通电梯加装进度。",
         ["加装电梯需要楼栋协商场地"]),
        (branch, in_half(0.7), "visit", "王建国、吴桂兰", "走访居民党支部，了解老人助餐需求。",
         []),
        (shop, in_half(0.8), "report_in", "黄涛、孙丽", "提醒谈话后，书店党支部来社区报到。",
         []),
    ]
    for unit, day, direction, who, note, needs in contacts:
        with at(day, 15):
            service.log_contact(session, actor=chair if direction == "visit" else secretary,
                                unit_id=unit.id, direction=direction, held_on=day, who=who,
                                note=note, needs=needs)
    session.flush()

    # R5.5: the needs list, resources and projects.
    suggestion = session.exec(select(Suggestion).where(Suggestion.community_id == community_id)
                              .order_by(Suggestion.id)).first()
    with at(ago(210)):
        lunch = service.add_need(session, actor=full_time, title="高龄老人午餐无人照料",
                                 detail="3号楼、5号楼有十余位独居高龄老人，中午吃饭成问题。",
                                 source="committee")
        summer = service.add_need(session, actor=secretary, title="双职工家庭暑期看护难",
                                  source="committee")
        parking = service.add_need(
            session, actor=secretary, title="夜间停车位不足", source="resident",
            suggestion_id=suggestion.id if suggestion else None,
            detail="居民建议借用周边单位的夜间空余车位。")
    resources = {}
    with at(ago(205)):
        for key, unit, title, when in (
                ("canteen", school, "学校食堂", "工作日中午"),
                ("classrooms", school, "暑期空闲教室", "7月至8月"),
                ("doctors", hospital, "医生义诊", "每月一次"),
                ("parking", prop, "物业办公区夜间车位20个", "每晚19点至次日7点"),
                ("books", shop, "图书与阅读活动", "周末"),
                ("volunteers", branch, "党员志愿者", "随时")):
            member = member_of.get(unit.id)
            resources[key] = service.add_resource(
                session, actor=member or secretary, unit_id=unit.id, title=title,
                availability=when)
    with at(ago(200)):
        meals = service.add_project(session, actor=secretary, title="长者助餐点",
                                    detail="学校食堂每个工作日为高龄老人多做一份午餐，医院每月上门体检。",
                                    need_id=lunch.id, started_on=ago(200))
        for unit, res in ((school, "canteen"), (hospital, "doctors"), (branch, "volunteers")):
            service.take_on_project(session, actor=member_of.get(unit.id) or secretary,
                                    project_id=meals.id, unit_id=unit.id,
                                    resource_id=resources[res].id)
    with at(in_half(0.1)):
        camp = service.add_project(session, actor=secretary, title="暑期托管班",
                                   need_id=summer.id, unit_ids=[school.id, shop.id],
                                   started_on=in_half(0.1))
    with at(in_half(0.2)):
        service.set_project_status(session, actor=secretary, project_id=meals.id,
                                   status="done", done_on=in_half(0.2))
    with at(in_half(0.45)):
        service.set_project_status(session, actor=secretary, project_id=camp.id,
                                   status="done", done_on=in_half(0.45))
    with at(in_half(0.5)):
        night = service.add_project(session, actor=secretary, title="夜间错时共享停车",
                                    need_id=parking.id, started_on=in_half(0.5))
        service.take_on_project(session, actor=secretary, project_id=night.id,
                                unit_id=prop.id, resource_id=resources["parking"].id)
        service.set_project_status(session, actor=secretary, project_id=night.id,
                                   status="in_progress")
    # Needs raised in contacts: the committee answered two; the others wait (board lists them).
    from meetingroom.models import UnitNeed

    raised = {n.title: n for n in session.exec(select(UnitNeed).where(
        UnitNeed.community_id == community_id, UnitNeed.source == "unit")).all()}
    with at(ago(195)):
        service.answer_need(session, actor=full_time, need_id=raised["放学时段校门口需要护学岗"].id,
                            answer="社区党员志愿者每天16:30至17:30在校门口值守。")
    with at(ago(220)):
        service.answer_need(session, actor=chair, need_id=raised["协调业主欠费纠纷的调解员"].id,
                            answer="社区人民调解委员会每周四派调解员到物业中心。")

    # R5.2: good deeds the units recorded themselves, with photos; residents thank them.
    deeds = [
        (hospital, in_year(0.3), "春季健康义诊", "社区60岁以上老人", (60, 140, 200)),
        (police, in_half(0.55), "反电诈进社区宣传", "全体居民", (30, 60, 140)),
        (shop, in_year(0.25), "捐赠图书500册建社区书屋", "社区少年儿童", (200, 60, 50)),
        (branch, in_half(0.65), "党员志愿者清理楼道杂物", "3号楼至8号楼居民", (200, 40, 40)),
        (prop, ago(240), "更换小区路灯", "幸福苑全体业主", (230, 170, 40)),
    ]
    made = []
    for n, (unit, day, title, whom, colour) in enumerate(deeds):
        with at(day, 17):
            made.append(service.record_deed(
                session, actor=member_of.get(unit.id) or secretary, unit_id=unit.id,
                title=title, done_on=day, beneficiaries=whom,
                uploads=[Upload(_photo(colour), "deed.png")] if n < 3 else []))
    residents = [u for u in people.values() if u.seat is None and not u.is_secretary]
    for n, deed in enumerate(made):
        for m, resident in enumerate(residents):
            if (n + m) % 2 == 0:
                with at(deed.done_on + timedelta(days=1 + m), 20):
                    service.thank_deed(session, actor=resident, deed_id=deed.id)

    # R5.3: last year's reports in January (all but the power supply office's member), this
    # year's from the first who are ready; a reminder talk with the bookshop this half year.
    report_day = min(year_start + timedelta(days=10), today)
    for unit_id, member in member_of.items():
        if unit_id == power.id:
            continue
        with at(report_day):
            service.hand_in_report(
                session, actor=member, member_id=member.id, year=today.year - 1,
                text_=f"{member.name}{today.year - 1}年度述职：参加“大党委”会议，推动本单位与社区"
                      "共驻共建，协调落实实事好事。", given_on=report_day)
    for unit in (school, hospital, police, branch):
        member = member_of[unit.id]
        day = in_half(0.9)
        with at(day):
            service.hand_in_report(session, actor=member, member_id=member.id, year=today.year,
                                   text_=f"{member.name}{today.year}年度述职（提前提交）。",
                                   given_on=day)
    with at(in_half(0.75)):
        service.record_reminder(session, actor=secretary, unit_id=shop.id, held_on=in_half(0.75),
                                held_by="committee", who="王建国与黄涛",
                                reason="上半年未与社区联系沟通。",
                                outcome="书店党支部承诺每季度来社区报到一次，并参与暑期托管班。")
    session.flush()
    return True
