"""Templates are read and compiled once per process (templating.build_env: auto_reload off):
rendering a page looks at no template file's modification time."""

from __future__ import annotations

import os.path

from meetingroom import templating


def test_a_page_renders_without_looking_at_the_template_files(client, monkeypatch):
    assert client.get("/suggestions").status_code == 200  # loads every template it uses
    looked: list[str] = []
    real = os.path.getmtime

    def getmtime(path):
        looked.append(str(path))
        return real(path)

    monkeypatch.setattr(os.path, "getmtime", getmtime)
    r = client.get("/suggestions")
    assert r.status_code == 200
    assert "<html" in r.text
    assert [p for p in looked if str(templating.TEMPLATES_DIR) in p] == []
