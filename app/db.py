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
from app.rawsql import Prepared

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


def end_read_transaction() -> None:
    """Commit the read transaction the caller's session holds, if it has one; create no session for it.

    A message:send that waits for its group's commit never touches its own session: building one just to
    ask whether it is in a transaction, and closing it at the end of the event, was 6 % of the worker's
    CPU at 1,800 msg/s (docs/PERFORMANCE.md, "Sixth session on issue 17").
    """
    registry = db.session.registry
    if registry.has():
        session = registry()
        if session.in_transaction():
            session.commit()


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


def autocommit_first_row(statement: Prepared, params: dict[str, Any]) -> tuple[Any, ...] | None:
    """Run one read outside any transaction on a pooled PostgreSQL connection; its first row or None.

    REST checks a caller's login session with one query before the route's own transaction. Through
    SQLAlchemy (`engine.connect()` with `isolation_level="AUTOCOMMIT"`) a like storm's worker spent
    more on the checkout, the isolation level set and reset and the result objects than on the query
    (docs/PERFORMANCE.md, "Like storm"). Here the pooled connection is only switched to the driver's
    autocommit for the one statement (psycopg2 and psycopg send nothing for that, nor for the pool's
    rollback on checkin when no transaction is open). A driver error falls back to SQLAlchemy's own
    path, which classifies it (a dead connection invalidates the pool) and raises it wrapped.
    """
    engine = db.engine
    fairy = engine.raw_connection()
    dbapi_conn = fairy.driver_connection
    try:
        dbapi_conn.autocommit = True
        cursor = statement.execute_dbapi(engine.dialect, dbapi_conn, params)
        try:
            return cursor.fetchone()
        finally:
            cursor.close()
    except engine.dialect.loaded_dbapi.Error:
        fairy.invalidate()  # out of the pool; SQLAlchemy's path below says what went wrong
    finally:
        try:
            if fairy.is_valid:
                dbapi_conn.autocommit = False
        except Exception:  # e.g. a query cut off halfway: the connection is not reused
            fairy.invalidate()
        fairy.close()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        return conn.execute(statement.statement, params).first()
