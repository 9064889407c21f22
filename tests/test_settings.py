import pytest
from pydantic import ValidationError

from meetingroom.settings import Settings


def test_placeholder_secret_is_refused(tmp_path):
    with pytest.raises(ValidationError):
        Settings(secret_key="changethis", data_dir=tmp_path, _env_file=None)


def test_secret_key_is_generated_once_into_the_data_dir(tmp_path):
    first = Settings(data_dir=tmp_path, _env_file=None).key
    assert len(first) >= 32
    assert Settings(data_dir=tmp_path, _env_file=None).key == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_environment_is_read(monkeypatch, tmp_path):
    monkeypatch.setenv("MEETINGROOM_LOCALE", "en")
    monkeypatch.setenv("MEETINGROOM_DATA_DIR", str(tmp_path))
    s = Settings(_env_file=None)
    assert s.locale == "en"
    assert s.db_url == f"sqlite:///{tmp_path.resolve()}/meetingroom.db"
    monkeypatch.setenv("MEETINGROOM_LOCALE", "fr")
    with pytest.raises(ValidationError):
        Settings(_env_file=None)
