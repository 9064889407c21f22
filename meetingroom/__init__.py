"""meetingroom: a community joint party committee's four-step method (RULES.md R4.1), in order.

1. Residents suggest (居民群众建议)      -> ``meetingroom.suggestions``
2. Committee members propose (班子成员提议) -> ``meetingroom.proposals``
3. The committee meeting resolves (大党委会议决议) -> ``meetingroom.meetings``
   (the live feed's broadcast hub: ``meetingroom.live``)
4. Party members and residents evaluate (党员群众评议) -> ``meetingroom.followup``

Accounts and roles live in ``meetingroom.auth``; the community, its roster and member units
(R1–R3, R5) in ``meetingroom.community``; every table in ``meetingroom.models``.
"""

__version__ = "0.1.0"
