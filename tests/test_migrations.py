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


def test_0018_moves_search_indexing_to_batches_and_back_without_losing_a_message(config, tmp_path):
    """Upgrading marks every message already indexed; downgrading indexes those the batches had not
    reached yet and brings back the per-message triggers: search never misses a message either way."""
    from sqlalchemy import text

    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'fts.db'}"
    app = create_app(config)

    def run(sql: str) -> list[tuple]:
        result = db.session.execute(text(sql))
        rows = [tuple(r) for r in result.all()] if result.returns_rows else []
        db.session.commit()
        return rows

    def message(mid: int, body: str) -> None:
        run(
            "INSERT INTO messages (id, chat_id, seq, sender_id, body, created_at, kind)"
            f" VALUES ({mid}, 1, {mid}, 1, '{body}', '2026-01-01', 'text')"
        )

    with app.app_context():
        upgrade(revision="0017")
        run(
            "INSERT INTO users (id, email, username, username_lower, password_hash, display_name, bio, city,"
            " telegram, phone, is_master, created_at, password_changed_at, share_listening) VALUES (1,"
            " 'f@example.com', 'f', 'f', 'x', '', '', '', '', '', 0, '2026-01-01', '2026-01-01', 0)"
        )
        run(
            "INSERT INTO chats (id, type, name, description, created_at, last_seq)"
            " VALUES (1, 'group', 'g', '', '2026-01-01', 0)"
        )
        message(1, "hello before")
        upgrade()
        assert run("SELECT last_id FROM messages_fts_mark") == [(1,)]
        message(2, "hello after")  # above the mark: waits for a batch
        assert run("SELECT rowid FROM messages_fts WHERE messages_fts MATCH 'hello'") == [(1,)]
        downgrade(revision="0017")
        assert run("SELECT rowid FROM messages_fts WHERE messages_fts MATCH 'hello' ORDER BY rowid") == [(1,), (2,)]
        message(3, "hello again")  # indexed at once again
        assert run("SELECT rowid FROM messages_fts WHERE messages_fts MATCH 'again'") == [(3,)]
        run("INSERT INTO messages_fts(messages_fts, rank) VALUES ('integrity-check', 1)")
        db.session.remove()
        db.engine.dispose()
