"""The demo holds last year's two-way review (R5.4) through the services, closed with its sheets
printable, and a candidate's public notice (R2.2) running now with one objection; once."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import select

import meetingroom.models as m
from meetingroom.demo import load_demo
from meetingroom.units import review as service
from tests.conftest import auth


def _counts(session) -> dict[str, int]:
    session.expire_all()
    return {t.__name__: session.exec(select(func.count()).select_from(t)).one()
            for t in (m.Review, m.ReviewSheet, m.ReviewScorer, m.PublicNotice,
                      m.NoticeObjection, m.User)}


def test_last_years_review_and_a_running_notice(client, session):
    load_demo(session)
    session.commit()
    first = _counts(session)
    review = session.exec(select(m.Review)).one()
    assert review.year == service.today().year - 1 and review.status == "closed"
    assert review.secret and review.held_on.month == 12
    assert session.exec(select(func.count()).select_from(m.ReviewMark)).one() == 0  # secret
    secretary = session.exec(select(m.User).where(m.User.phone == "13800000011")).one()
    results = client.get(f"/api/v1/reviews/{review.id}/results", headers=auth(secretary)).json()
    assert len(results["units"]) == 8 and results["committee"]["score"] > 85
    # Every unit was scored by everyone who may score it; two units come out short.
    assert all(u["sheets"] == u["expected"] == 11 for u in results["units"])
    low = sorted(results["units"], key=lambda u: u["score"])[:2]
    assert {u["name"] for u in low} == {"新华书店幸福路店党支部", "安居物业公司党支部"}
    assert low[0]["grade"] == "fail"
    sheet = client.get(f"/api/v1/reviews/{review.id}/subjects/{low[0]['subject_id']}"
                       "/sheet.docx", headers=auth(secretary))
    assert sheet.status_code == 200
    notices = client.get("/api/v1/notices", headers=auth(secretary)).json()["items"]
    assert [(n["name"], n["state"], n["objections"]) for n in notices] == [
        ("钱卫东", "open", 1)]
    load_demo(session)
    session.commit()
    assert _counts(session) == first
