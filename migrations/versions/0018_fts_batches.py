"""messages enter the FTS5 index in batches, behind a mark (app/services/search.py)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 05:00:00

"""

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

# Frozen copies of the triggers (migrations never import changing app code): 0002's, and
# app.models.chat's as of this revision.
BATCHED = (
    "CREATE TABLE IF NOT EXISTS messages_fts_mark (id INTEGER PRIMARY KEY CHECK (id = 1), last_id INTEGER NOT NULL)",
    # everything written so far was indexed by 0002's trigger
    "INSERT OR REPLACE INTO messages_fts_mark (id, last_id) VALUES (1, (SELECT coalesce(max(id), 0) FROM messages))",
    "CREATE TRIGGER messages_fts_ai AFTER INSERT ON messages "
    "WHEN new.id <= (SELECT last_id FROM messages_fts_mark) BEGIN "
    "INSERT INTO messages_fts(rowid, body) VALUES (new.id, new.body); END",
    "CREATE TRIGGER messages_fts_ad AFTER DELETE ON messages "
    "WHEN old.id <= (SELECT last_id FROM messages_fts_mark) BEGIN "
    "INSERT INTO messages_fts(messages_fts, rowid, body) VALUES ('delete', old.id, old.body); END",
    "CREATE TRIGGER messages_fts_au AFTER UPDATE OF body ON messages "
    "WHEN old.id <= (SELECT last_id FROM messages_fts_mark) BEGIN "
    "INSERT INTO messages_fts(messages_fts, rowid, body) VALUES ('delete', old.id, old.body); "
    "INSERT INTO messages_fts(rowid, body) VALUES (new.id, new.body); END",
)
PER_MESSAGE = (
    "INSERT INTO messages_fts(rowid, body) SELECT id, body FROM messages WHERE id > "
    "coalesce((SELECT last_id FROM messages_fts_mark), 0) ORDER BY id",
    "DROP TABLE messages_fts_mark",
    "CREATE TRIGGER messages_fts_ai AFTER INSERT ON messages BEGIN "
    "INSERT INTO messages_fts(rowid, body) VALUES (new.id, new.body); END",
    "CREATE TRIGGER messages_fts_ad AFTER DELETE ON messages BEGIN "
    "INSERT INTO messages_fts(messages_fts, rowid, body) VALUES ('delete', old.id, old.body); END",
    "CREATE TRIGGER messages_fts_au AFTER UPDATE OF body ON messages BEGIN "
    "INSERT INTO messages_fts(messages_fts, rowid, body) VALUES ('delete', old.id, old.body); "
    "INSERT INTO messages_fts(rowid, body) VALUES (new.id, new.body); END",
)
TRIGGERS = ("messages_fts_ai", "messages_fts_ad", "messages_fts_au")


def upgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    for statement in BATCHED:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    for statement in PER_MESSAGE:  # the messages not yet indexed first, then 0002's triggers
        op.execute(statement)
