"""Every string the UI uses has a Chinese translation; English pages carry no Chinese UI text."""

import re
import subprocess
import sys
from pathlib import Path

from meetingroom import i18n

ROOT = Path(__file__).resolve().parent.parent


def test_every_ui_string_is_translated_into_chinese():
    out = subprocess.run([sys.executable, "scripts/i18n.py", "missing", "zh_CN"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    missing = re.findall(r'^msgid "(.*)"$', out, flags=re.M)
    assert missing == [], f"{len(missing)} strings lack a zh_CN translation:\n{out[:3000]}"


def test_translations_keep_their_placeholders():
    for msgid, text in i18n.catalogue("zh_CN").items():
        source = msgid if isinstance(msgid, str) else msgid[1]
        targets = [text] if isinstance(text, str) else text
        wanted = set(re.findall(r"\{(\w+)\}", source))
        for target in targets:
            assert set(re.findall(r"\{(\w+)\}", target)) <= wanted | {"n"}, (msgid, target)
            assert wanted - {"n"} <= set(re.findall(r"\{(\w+)\}", target)), (msgid, target)


def test_lookup_follows_the_request_locale():
    token = i18n.set_locale("en")
    try:
        assert i18n.gettext("Log in") == "Log in"
    finally:
        i18n.reset_locale(token)
    token = i18n.set_locale("zh_CN")
    try:
        assert i18n.gettext("Log in") == "登录"
        assert i18n.ngettext("{n} seated member", "{n} seated members", 3) == "在任委员 3 名"
    finally:
        i18n.reset_locale(token)


CJK = re.compile(r"[\u4e00-\u9fff]")


def test_english_pages_have_no_chinese_interface_text(client):
    client.cookies.set("mr_lang", "en")
    for path in ("/", "/login", "/register", "/committee"):
        html = client.get(path).text
        # The community's own name is data, not interface; drop it before looking.
        text = re.sub(r"<[^>]+>", " ", html).replace("幸福社区", "")
        text = text.replace("切换到中文", "").replace("中文", "")
        assert not CJK.search(text), (path, CJK.findall(text)[:10])


def test_chinese_is_the_default_whatever_the_browser_says(client):
    html = client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"}).text
    assert "<h1>登录</h1>" in html


def test_no_string_is_translated_two_ways():
    """Every .po file is merged into one catalogue; a msgid in two files must agree, or which
    translation wins would depend on file order."""
    from babel.messages.pofile import read_po

    folder = ROOT / "meetingroom" / "translations" / "zh_CN" / "LC_MESSAGES"
    seen: dict = {}
    clashes = []
    for po in sorted(folder.glob("*.po")):
        with po.open("rb") as fh:
            for msg in read_po(fh, locale="zh_CN"):
                if not msg.id:
                    continue
                if msg.id in seen and seen[msg.id][1] != msg.string:
                    clashes.append((msg.id, seen[msg.id], (po.name, msg.string)))
                seen.setdefault(msg.id, (po.name, msg.string))
    assert clashes == []


# Chinese text: ideographs, CJK punctuation, full-width forms and the curly quotes Chinese uses.
_CJK_TEXT = "\u3000-\u303f\u4e00-\u9fff\uff00-\uffef\u201c\u201d\u2018\u2019"
ASCII_NEXT_TO_CJK = re.compile(rf"[{_CJK_TEXT}]\s*[,:;()?!]|[,:;()?!]\s*[{_CJK_TEXT}]")


def test_chinese_text_uses_full_width_punctuation():
    """zh_CN sets ，：；（）？！ in Chinese text: an ASCII , : ; ( ) ? ! next to a Chinese character
    is a typo ("社区事,大家商量着办"). `python scripts/i18n.py punctuation zh_CN` fixes them."""
    from babel.messages.pofile import read_po

    folder = ROOT / "meetingroom" / "translations" / "zh_CN" / "LC_MESSAGES"
    bad = []
    for po in sorted(folder.glob("*.po")):
        with po.open("rb") as fh:
            for msg in read_po(fh, locale="zh_CN"):
                texts = msg.string if isinstance(msg.string, tuple) else (msg.string,)
                bad += [(po.name, t) for t in texts if t and ASCII_NEXT_TO_CJK.search(t)]
    assert bad == [], f"{len(bad)} zh_CN strings with ASCII punctuation in Chinese text:\n" + \
        "\n".join(f"{name}: {text}" for name, text in bad[:40])


def test_the_punctuation_check_catches_what_it_should():
    assert ASCII_NEXT_TO_CJK.search("社区事,大家商量着办")
    assert ASCII_NEXT_TO_CJK.search("议事原则(R4.3)")
    assert ASCII_NEXT_TO_CJK.search("已有账号?")
    assert ASCII_NEXT_TO_CJK.search("“{title}”: 已通过")
    assert not ASCII_NEXT_TO_CJK.search("社区事，大家商量着办（R4.3）：19:00, 3P ≥ 2S")
