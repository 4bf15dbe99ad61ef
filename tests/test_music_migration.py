"""Migration 0015 adds its columns in place: on SQLite, where foreign keys are on, copying the messages or
users table would fire ON DELETE actions when the old copy is dropped (replies lose their reply_to, rows of
other tables cascade away). Data written before it survives the upgrade and the downgrade."""

from __future__ import annotations

from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from app import create_app
from app.extensions import db

BEFORE = "0016"  # the revision 0015 follows on this branch


def _rows(sql: str) -> list[tuple]:
    return [tuple(r) for r in db.session.execute(text(sql)).all()]


def test_existing_messages_and_users_survive_0015_both_ways(config, tmp_path):
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'keep.db'}"
    app = create_app(config)
    with app.app_context():
        upgrade(revision=BEFORE)
        db.session.execute(
            text(
                "INSERT INTO users (id, email, username, username_lower, password_hash, display_name, bio, city,"
                " telegram, phone, is_master, created_at, password_changed_at) VALUES (1, 'k@example.com', 'k',"
                " 'k', 'x', '', '', '', '', '', 0, '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
            )
        )
        db.session.execute(
            text(
                "INSERT INTO chats (id, type, name, description, created_at, last_seq)"
                " VALUES (1, 'group', 'g', '', '2026-01-01', 2)"
            )
        )
        db.session.execute(
            text(
                "INSERT INTO chat_members (chat_id, user_id, role, last_read_seq, joined_at)"
                " VALUES (1, 1, 'owner', 0, '2026-01-01')"
            )
        )
        for mid, reply in ((1, "NULL"), (2, "1")):
            db.session.execute(
                text(
                    "INSERT INTO messages (id, chat_id, seq, sender_id, body, reply_to, created_at, kind)"
                    f" VALUES ({mid}, 1, {mid}, 1, 'hello {mid}', {reply}, '2026-01-01', 'text')"
                )
            )
        db.session.commit()
        before = (
            _rows("SELECT id, reply_to, body FROM messages ORDER BY id"),
            _rows("SELECT user_id FROM chat_members"),
        )
        db.session.commit()  # end the read snapshot: the migration runs on another connection

        upgrade()
        assert _rows("SELECT id, reply_to, body FROM messages ORDER BY id") == before[0]
        assert _rows("SELECT user_id FROM chat_members") == before[1]
        assert _rows("SELECT share_listening FROM users") == [(0,)]
        assert _rows("SELECT rowid FROM messages_fts WHERE messages_fts MATCH 'hello'") == [(1,), (2,)]
        db.session.commit()

        downgrade(revision=BEFORE)
        assert _rows("SELECT id, reply_to, body FROM messages ORDER BY id") == before[0]
        assert _rows("SELECT user_id FROM chat_members") == before[1]
        triggers = _rows("SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name")
        assert triggers == [("messages_fts_ad",), ("messages_fts_ai",), ("messages_fts_au",)]
        db.session.remove()
        db.engine.dispose()
