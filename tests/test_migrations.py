"""The schema comes only from Alembic: upgrading a fresh database yields exactly the models' schema.

`python wsgi.py` runs the same upgrade at start: every test that uses the `live_server` fixture starts
the server on an empty SQLite file, so it could not sign anybody up if the start-up migration did not run.
"""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from app import create_app
from app.extensions import db
from app.models.chat import alembic_include_name


def test_upgrade_yields_exactly_the_models_schema(config, tmp_path):
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'migrated.db'}"
    app = create_app(config)
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(
                conn,
                opts={"compare_type": True, "render_as_batch": True, "include_name": alembic_include_name},
            )
            diffs = compare_metadata(context, db.metadata)
            tables = set(inspect(conn).get_table_names())
        db.engine.dispose()
    assert diffs == [], diffs
    assert {"users", "auth_sessions", "refresh_tokens", "password_resets", "alembic_version"} <= tables


def test_upgrade_twice_is_a_no_op_and_downgrade_empties(config, tmp_path):
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'again.db'}"
    app = create_app(config)
    with app.app_context():
        upgrade()
        upgrade()
        downgrade(revision="base")
        with db.engine.connect() as conn:
            left = set(inspect(conn).get_table_names()) - {"alembic_version"}
        db.engine.dispose()
    assert not {t for t in left if not t.startswith("sqlite_")}, left
