"""Append translations to a .po file from a Python dict literal file (msgid -> msgstr).

    python scripts/po_write.py meetingroom/translations/zh_CN/LC_MESSAGES/core.po pairs.py

`pairs.py` holds one dict expression; a tuple key (singular, plural) makes a plural entry. Existing
entries with the same msgid are replaced. Handy for adding a batch of translations at once."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po


def main(po_path: str, pairs_path: str) -> None:
    po = Path(po_path)
    locale = po.parent.parent.name
    if po.exists():
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=locale)
    else:
        catalog = Catalog(locale=locale, project="meetingroom", charset="utf-8")
    pairs = ast.literal_eval(Path(pairs_path).read_text(encoding="utf-8"))
    for msgid, msgstr in pairs.items():
        if isinstance(msgid, tuple):
            strings = (msgstr,) if isinstance(msgstr, str) else tuple(msgstr)
            catalog.delete(msgid[0])
            catalog.add(msgid, strings)
        else:
            catalog.delete(msgid)
            catalog.add(msgid, msgstr)
    po.parent.mkdir(parents=True, exist_ok=True)
    with po.open("wb") as fh:
        write_po(fh, catalog, width=100, omit_header=False, sort_output=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
