"""SQLite done right: WAL, foreign keys, a busy timeout, and write transactions that lock at BEGIN."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import text

from app.db import write_tx
from app.extensions import db


@pytest.fixture
def db_path(config) -> str:
    return config.SQLALCHEMY_DATABASE_URI.removeprefix("sqlite:///")


def test_engine_pragmas(app):
    with app.app_context():
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert db.session.execute(text("PRAGMA busy_timeout")).scalar() >= 1000


def test_foreign_keys_are_enforced(app):
    from sqlalchemy.exc import IntegrityError

    from app.models import AuthSession

    with app.app_context(), pytest.raises(IntegrityError):
        with write_tx():
            db.session.add(AuthSession(user_id=424242, user_agent=""))


def _try_begin_immediate(path: str) -> None:
    other = sqlite3.connect(path, timeout=0.2, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
    finally:
        other.close()


def test_write_tx_takes_the_write_lock_at_begin(app, db_path):
    _try_begin_immediate(db_path)  # nobody holds the lock yet
    with app.app_context():
        with write_tx():
            # Nothing has been written yet, and still another writer cannot start.
            with pytest.raises(sqlite3.OperationalError, match="database is locked"):
                _try_begin_immediate(db_path)
        _try_begin_immediate(db_path)  # released at commit


def test_write_tx_releases_the_lock_on_error(app, db_path):
    with app.app_context():
        with pytest.raises(RuntimeError), write_tx():
            raise RuntimeError("boom")
        _try_begin_immediate(db_path)


def test_reads_do_not_block_a_writer(app, db_path):
    with app.app_context():
        db.session.execute(text("SELECT count(*) FROM users")).scalar()
        assert db.session().in_transaction()
        _try_begin_immediate(db_path)  # a deferred read transaction does not hold the write lock
        db.session.rollback()
