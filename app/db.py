"""Database plumbing: SQLite done right, write transactions, and events sent after commit.

SQLite runs in WAL mode with foreign keys on and a busy timeout. pysqlite's own
transaction handling is switched off so that we emit BEGIN ourselves: a write
transaction (`write_tx()`) starts with BEGIN IMMEDIATE and so takes the write lock
at its start instead of failing halfway with "database is locked"; reads start a
plain deferred BEGIN and never block writers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from app.extensions import db

_SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=5000",
    "PRAGMA synchronous=NORMAL",
)


def _unicode_lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def configure_engine(engine: Engine) -> None:
    """Install the SQLite pragmas and BEGIN handling on an engine (no-op elsewhere)."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_conn.cursor()
        for pragma in _SQLITE_PRAGMAS:
            cursor.execute(pragma)
        cursor.close()
        # SQLite's own lower() folds ASCII only: "Петрова" would never match "петрова" (people search).
        dbapi_conn.create_function("lower", 1, _unicode_lower, deterministic=True)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


@contextmanager
def write_tx() -> Iterator[Session]:
    """Run the block in one short write transaction and commit it.

    On SQLite the transaction begins IMMEDIATE (the write lock is taken first).
    Callbacks registered with `on_commit()` run after the commit, and are dropped
    on rollback; this is how services send socket events. Never do network I/O
    inside the block.
    """
    session = db.session()
    if session.in_transaction():
        # End a read transaction the request may have opened; its snapshot is stale anyway.
        session.commit()
    session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise


def on_commit(callback: Callable[[], None]) -> None:
    """Run `callback` once the current transaction commits (never if it rolls back)."""
    db.session().info.setdefault("on_commit", []).append(callback)


def install_session_hooks() -> None:
    """Wire the after-commit callbacks into SQLAlchemy's session events (once per process)."""
    if getattr(install_session_hooks, "done", False):
        return
    install_session_hooks.done = True  # type: ignore[attr-defined]

    @event.listens_for(Session, "after_commit")
    def _after_commit(session: Session) -> None:
        callbacks = session.info.pop("on_commit", [])
        for callback in callbacks:
            try:
                callback()
            except Exception:  # an event that fails to go out must not undo a commit
                import logging

                logging.getLogger("masterchat.events").exception("after-commit callback failed")

    @event.listens_for(Session, "after_rollback")
    def _after_rollback(session: Session) -> None:
        session.info.pop("on_commit", None)
