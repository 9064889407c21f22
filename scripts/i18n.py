"""Translation upkeep.

    python scripts/i18n.py missing zh_CN   # print catalogue entries still missing, as .po text
    python scripts/i18n.py stale zh_CN     # msgids in the catalogues that the code no longer uses
    python scripts/i18n.py punctuation zh_CN  # ASCII , : ; ( ) ? ! in Chinese text -> full-width

Source strings are English msgids marked with _(), ngettext(), N_() or raised as a domain error's
message. Catalogues live in meetingroom/translations/<locale>/LC_MESSAGES/<domain>.po; every file
there is merged, so each step of the app keeps its own file.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from babel.messages.extract import extract_from_dir

ROOT = Path(__file__).resolve().parent.parent
# Domain errors take their message as the first argument; roster warnings as the second.
KEYWORDS = {
    "_": None, "gettext": None, "ngettext": (1, 2), "N_": None, "lazy_gettext": None,
    "DomainError": None, "BadRequest": None, "Invalid": None, "NotAuthenticated": None,
    "Forbidden": None, "NotFound": None, "Conflict": None, "TooLarge": None,
    "TooManyRequests": None, "Warning": (2,), "flash": (2,),
}
METHOD_MAP = [("meetingroom/**.py", "python"), ("meetingroom/templates/**.html", "jinja2")]
OPTIONS = {"meetingroom/templates/**.html": {"extensions": "jinja2.ext.i18n"}}


def extracted() -> dict[str | tuple[str, str], list[str]]:
    """Every msgid in the code, with where it is used."""
    found: dict = {}
    for filename, lineno, message, _comments, _ctx in extract_from_dir(
            ROOT, METHOD_MAP, OPTIONS, keywords=KEYWORDS):
        if isinstance(message, tuple):
            message = tuple(m for m in message if m)
            if len(message) == 1:
                message = message[0]
        if not message or (isinstance(message, str) and not message.strip()):
            continue
        found.setdefault(message, []).append(f"{filename}:{lineno}")
    return found


def _po_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def missing(locale: str) -> dict:
    sys.path.insert(0, str(ROOT))
    from meetingroom.i18n import catalogue

    catalogue.cache_clear()
    have = catalogue(locale)
    return {m: w for m, w in extracted().items() if m not in have}


# Chinese text: ideographs, CJK punctuation, full-width forms and the curly quotes Chinese uses.
CJK = "\u3000-\u303f\u4e00-\u9fff\uff00-\uffef\u201c\u201d\u2018\u2019"
FULL_WIDTH = {",": "，", ":": "：", ";": "；", "?": "？", "!": "！", "(": "（", ")": "）"}
_NEXT_TO_CJK = re.compile(rf"(?<=[{CJK}]) ?([,:;?!]) ?|([,:;?!]) ?(?=[{CJK}])")


def full_width(text: str) -> str:
    """Chinese punctuation inside Chinese text (，：；？！ and paired （）): an ASCII mark next to a
    CJK character becomes its full-width form, and the space around it goes, as Chinese sets it."""
    text = _NEXT_TO_CJK.sub(lambda m: FULL_WIDTH[m.group(1) or m.group(2)], text)
    chars = list(text)
    stack: list[int] = []
    pairs: list[tuple[int, int]] = []
    for i, c in enumerate(chars):
        if c == "(":
            stack.append(i)
        elif c == ")" and stack:
            pairs.append((stack.pop(), i))
    cjk = re.compile(rf"[{CJK}]")
    drop: set[int] = set()
    for start, end in pairs:
        near = "".join(chars[max(start - 2, 0):start + 2] + chars[end - 1:end + 2])
        if not cjk.search(near):
            continue
        chars[start], chars[end] = "（", "）"
        if start > 0 and chars[start - 1] == " ":
            drop.add(start - 1)
        if end + 1 < len(chars) and chars[end + 1] == " ":
            drop.add(end + 1)
    return "".join(c for i, c in enumerate(chars) if i not in drop)


def fix_punctuation(locale: str) -> int:
    """Rewrite every msgstr of the locale's .po files in place; returns the lines changed."""
    changed = 0
    for po in sorted((ROOT / "meetingroom" / "translations" / locale / "LC_MESSAGES").glob("*.po")):
        lines = po.read_text(encoding="utf-8").split("\n")
        in_msgstr = False
        for i, line in enumerate(lines):
            if line.startswith("msgstr"):
                in_msgstr = True
            elif not line.startswith('"'):
                in_msgstr = False
            if in_msgstr and '"' in line:
                head, _, body = line.partition('"')
                new = head + '"' + full_width(body)
                if new != line:
                    lines[i] = new
                    changed += 1
        po.write_text("\n".join(lines), encoding="utf-8")
    return changed


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("missing", "stale", "punctuation"):
        print(__doc__)
        return 2
    command, locale = argv
    if command == "punctuation":
        print(f"{fix_punctuation(locale)} lines rewritten")
        return 0
    if command == "missing":
        for message, where in sorted(missing(locale).items(), key=lambda kv: kv[1][0]):
            print(f"#: {' '.join(where[:3])}")
            if isinstance(message, tuple):
                print(f"msgid {_po_quote(message[0])}\nmsgid_plural {_po_quote(message[1])}")
                print('msgstr[0] ""' + ('\nmsgstr[1] ""' if locale == "en" else "") + "\n")
            else:
                print(f'msgid {_po_quote(message)}\nmsgstr ""\n')
        return 0
    sys.path.insert(0, str(ROOT))
    from meetingroom.i18n import catalogue

    used = extracted()
    for message in catalogue(locale):
        if message not in used:
            print(message)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
