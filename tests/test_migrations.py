"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import meetingroom.models  # noqa: F401
from meetingroom import db


def test_migrations_match_the_models(settings):
    engine = db.get_engine()
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == [], f"models and migrations differ; add a migration: {diff}"


def test_upgrade_is_idempotent(settings):
    db.upgrade()  # the fixture's database is already at head; running again changes nothing
    with db.get_engine().connect() as conn:
        version = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar_one()
    from alembic.script import ScriptDirectory

    assert version == ScriptDirectory.from_config(db.alembic_config()).get_current_head()
