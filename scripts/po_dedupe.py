"""Remove from the step catalogues every msgid that core.po already translates, so a shared
string (nav, photos) has one translation. Usage: python scripts/po_dedupe.py zh_CN"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent / "meetingroom" / "translations"


def main(locale: str) -> None:
    folder = ROOT / locale / "LC_MESSAGES"
    with (folder / "core.po").open("rb") as fh:
        core = {m.id for m in read_po(fh, locale=locale) if m.id}
    for po in sorted(folder.glob("*.po")):
        if po.name == "core.po":
            continue
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=locale)
        dropped = [m.id for m in catalog if m.id and m.id in core]
        for msgid in dropped:
            catalog.delete(msgid if isinstance(msgid, str) else msgid[0])
        if dropped:
            with po.open("wb") as fh:
                write_po(fh, catalog, width=100, sort_output=True)
            print(f"{po.name}: dropped {len(dropped)} shared msgids")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "zh_CN")
