"""Member units' year with the committee (R5): reporting in and contacts (R5.1), the needs,
resources and projects lists (R5.5), good deeds and their thanks (R5.2), part-time members' annual
reports, the co-building report and reminder talks (R5.3). `service.py` holds every rule and write,
`board.py` the dashboard's flags, `cobuilding.py` the .docx report; `api.py` and `web.py`
are thin."""
